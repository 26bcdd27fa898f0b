//! The future-event list: a binary heap ordered by (time, rank, sequence).
//!
//! Times compare by their bit patterns (non-negative finite `f64`s order
//! like their bits); equal times fall back to the event's fixed rank and
//! then to insertion order, so ties come out FIFO and a run never depends
//! on anything but its inputs (SimPy's `(t, priority, eid)`). Entries are
//! three `u64`s (the event packed into one) to keep the heap compact: with
//! thousands of inpatients' discharges pending, pops are memory-bound.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::event::Event;
use crate::scenario::FacilityId;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    /// `f64::to_bits` of the time.
    time: u64,
    /// Rank in the top 8 bits, insertion sequence below.
    order: u64,
    /// The event, packed by [`pack`].
    event: u64,
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    /// Reversed so the max-heap pops the earliest entry.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.order).cmp(&(self.time, self.order))
    }
}

/// Event kinds in the packed form (4 bits: room for 16).
const DAY_END: u64 = 0;
const OPEN: u64 = 1;
const CLOSE: u64 = 2;
const SERVICE_END: u64 = 3;
const TIMEOUT: u64 = 4;
const ARRIVAL: u64 = 5;
const ONSET: u64 = 6;
const DISCHARGE: u64 = 7;
const BOARDING_TIMEOUT: u64 = 8;
const FOLLOW_UP: u64 = 9;
const STINT_START: u64 = 10;
const STINT_END: u64 = 11;
const DEPOSIT_RAISED: u64 = 12;

/// Largest second field: 28 bits (tokens wrap there; a stale timeout would
/// need 268 million arrivals while it waits to be mistaken for a live one).
const B_MASK: u64 = (1 << 28) - 1;

/// kind (4 bits) | b (28 bits) | a (32 bits).
fn pack(e: Event) -> u64 {
    let (kind, a, b): (u64, u32, u32) = match e {
        Event::DayEnd => (DAY_END, 0, 0),
        Event::Open { facility } => (OPEN, facility.0, 0),
        Event::Close { facility } => (CLOSE, facility.0, 0),
        Event::ServiceEnd { facility, episode } => (SERVICE_END, episode, facility.0),
        Event::Timeout { episode, token } => (TIMEOUT, episode, token),
        Event::Arrival { episode } => (ARRIVAL, episode, 0),
        Event::Onset => (ONSET, 0, 0),
        Event::Discharge { facility, episode } => (DISCHARGE, episode, facility.0),
        Event::BoardingTimeout { episode, token } => (BOARDING_TIMEOUT, episode, token),
        Event::FollowUp { episode } => (FOLLOW_UP, episode, 0),
        Event::StintStart { program } => (STINT_START, program, 0),
        Event::StintEnd { program } => (STINT_END, program, 0),
        Event::DepositRaised { episode } => (DEPOSIT_RAISED, episode, 0),
    };
    debug_assert!(u64::from(b) <= B_MASK, "facility index or token beyond 28 bits");
    (kind << 60) | ((u64::from(b) & B_MASK) << 32) | u64::from(a)
}

fn unpack(x: u64) -> Event {
    let a = x as u32;
    let b = ((x >> 32) & B_MASK) as u32;
    match x >> 60 {
        DAY_END => Event::DayEnd,
        OPEN => Event::Open {
            facility: FacilityId(a),
        },
        CLOSE => Event::Close {
            facility: FacilityId(a),
        },
        SERVICE_END => Event::ServiceEnd {
            facility: FacilityId(b),
            episode: a,
        },
        TIMEOUT => Event::Timeout { episode: a, token: b },
        ARRIVAL => Event::Arrival { episode: a },
        ONSET => Event::Onset,
        DISCHARGE => Event::Discharge {
            facility: FacilityId(b),
            episode: a,
        },
        BOARDING_TIMEOUT => Event::BoardingTimeout { episode: a, token: b },
        FOLLOW_UP => Event::FollowUp { episode: a },
        STINT_START => Event::StintStart { program: a },
        STINT_END => Event::StintEnd { program: a },
        _ => Event::DepositRaised { episode: a },
    }
}

/// Arrival tokens as stored in timeouts (28 bits): compare tokens only
/// through this.
pub(crate) fn token_bits(token: u32) -> u32 {
    (u64::from(token) & B_MASK) as u32
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

    /// Schedules `event` at `time` (finite, not before the current time).
    pub fn push(&mut self, time: f64, event: Event) {
        debug_assert!(
            time.is_finite() && time >= self.now,
            "event at {time} scheduled at {}",
            self.now
        );
        self.seq += 1;
        let order = (u64::from(event.rank()) << 56) | self.seq;
        // +0.0 so that -0.0 (which would sort last by bits) cannot occur.
        let time = (time + 0.0).to_bits();
        self.heap.push(Entry {
            time,
            order,
            event: pack(event),
        });
    }

    /// Removes the earliest event and advances the clock to it.
    pub fn pop(&mut self) -> Option<(f64, Event)> {
        let e = self.heap.pop()?;
        self.now = f64::from_bits(e.time);
        Some((self.now, unpack(e.event)))
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
        q.push(0.5e-300, Event::Onset);
        q.push(
            5.0,
            Event::ServiceEnd {
                facility: FacilityId(0),
                episode: 3,
            },
        );
        let order: Vec<Event> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(
            order,
            vec![
                Event::Onset,
                Event::Onset,
                Event::DayEnd,
                Event::ServiceEnd {
                    facility: FacilityId(0),
                    episode: 3
                },
                Event::Arrival { episode: 1 },
                Event::Arrival { episode: 2 },
                Event::Onset,
            ]
        );
    }

    #[test]
    fn every_event_survives_packing() {
        let big = u32::MAX;
        let b = (1 << 28) - 1;
        for e in [
            Event::DayEnd,
            Event::Open {
                facility: FacilityId(big),
            },
            Event::Close {
                facility: FacilityId(7),
            },
            Event::ServiceEnd {
                facility: FacilityId(b),
                episode: big,
            },
            Event::Timeout { episode: big, token: b },
            Event::Arrival { episode: big },
            Event::Onset,
            Event::Discharge {
                facility: FacilityId(3),
                episode: 9,
            },
            Event::BoardingTimeout { episode: 1, token: 2 },
            Event::FollowUp { episode: big },
            Event::StintStart { program: 4 },
            Event::StintEnd { program: 5 },
            Event::DepositRaised { episode: big },
        ] {
            assert_eq!(unpack(pack(e)), e);
        }
    }
}
