//! The future-event list: a binary heap ordered by (time, rank, sequence).
//!
//! Times compare with `f64::total_cmp`; equal times fall back to the
//! event's fixed rank and then to insertion order, so ties come out FIFO
//! and a run never depends on anything but its inputs (SimPy's
//! `(t, priority, eid)`).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::event::Event;

#[derive(Clone, Copy, Debug)]
struct Entry {
    time: f64,
    /// rank in the top 8 bits, insertion sequence below.
    order: u64,
    event: Event,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    /// Reversed so the max-heap pops the earliest entry.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .time
            .total_cmp(&self.time)
            .then_with(|| other.order.cmp(&self.order))
    }
}

/// Pending events.
#[derive(Default)]
pub struct EventQueue {
    heap: BinaryHeap<Entry>,
    seq: u64,
    now: f64,
}

impl EventQueue {
    /// An empty queue at time 0.
    pub fn new() -> EventQueue {
        EventQueue::default()
    }

    /// Schedules `event` at `time` (not before the current time).
    pub fn push(&mut self, time: f64, event: Event) {
        debug_assert!(
            time.is_finite() && time >= self.now,
            "event at {time} scheduled at {}",
            self.now
        );
        self.seq += 1;
        let order = (u64::from(event.rank()) << 56) | self.seq;
        self.heap.push(Entry { time, order, event });
    }

    /// Removes the earliest event and advances the clock to it.
    pub fn pop(&mut self) -> Option<(f64, Event)> {
        let e = self.heap.pop()?;
        self.now = e.time;
        Some((e.time, e.event))
    }

    /// Pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_by_time_then_rank_then_insertion() {
        let mut q = EventQueue::new();
        q.push(5.0, Event::Onset);
        q.push(5.0, Event::Arrival { episode: 1 });
        q.push(5.0, Event::Arrival { episode: 2 });
        q.push(5.0, Event::DayEnd);
        q.push(1.0, Event::Onset);
        q.push(
            5.0,
            Event::ServiceEnd {
                facility: 0,
                episode: 3,
            },
        );
        let order: Vec<Event> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(
            order,
            vec![
                Event::Onset,
                Event::DayEnd,
                Event::ServiceEnd {
                    facility: 0,
                    episode: 3
                },
                Event::Arrival { episode: 1 },
                Event::Arrival { episode: 2 },
                Event::Onset,
            ]
        );
    }
}
