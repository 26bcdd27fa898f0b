//! Mutable state of one replication: residents, facilities' queues and
//! doctors, and the slab of episodes under way.

use std::collections::VecDeque;

use rand::RngExt;
use rand_distr::{Binomial, Distribution};

use crate::rng::{self, Stream};
use crate::scenario::{Discipline, Severity};
use crate::world::{FacilityInfo, World};

/// A resident: 8 bytes, so 10 million fit in 80 MB.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resident {
    /// Index of the home settlement in [`World::settlements`].
    pub settlement: u32,
    /// Bit 0: chronic.
    pub flags: u32,
}

/// The population of one replication, chronic residents first so an onset
/// picks a rate class and then a uniform index within it.
pub struct Residents {
    /// All residents, chronic ones in `0..chronic`.
    pub all: Vec<Resident>,
    /// Number of chronic residents.
    pub chronic: usize,
}

impl Residents {
    /// Draws chronic flags per settlement (binomial) from the population stream.
    pub fn draw(world: &World, seed: u64, replication: u32) -> Residents {
        let mut rng = rng::stream(seed, replication, Stream::Population);
        let share = world.scenario.demand.chronic_share;
        let counts: Vec<u64> = world
            .settlements
            .iter()
            .map(|s| {
                Binomial::new(u64::from(s.population), share)
                    .expect("chronic_share was validated to lie in [0, 1]")
                    .sample(&mut rng)
            })
            .collect();
        let total: usize = world.settlements.iter().map(|s| s.population as usize).sum();
        let mut all = Vec::with_capacity(total);
        for (i, &k) in counts.iter().enumerate() {
            all.extend(std::iter::repeat_n(
                Resident {
                    settlement: i as u32,
                    flags: 1,
                },
                k as usize,
            ));
        }
        let chronic = all.len();
        for (i, s) in world.settlements.iter().enumerate() {
            let rest = u64::from(s.population) - counts[i];
            all.extend(std::iter::repeat_n(
                Resident {
                    settlement: i as u32,
                    flags: 0,
                },
                rest as usize,
            ));
        }
        Residents { all, chronic }
    }

    /// Picks a resident in proportion to onset rate (chronic ones weigh
    /// `multiplier`) with two draws.
    pub fn pick(&self, rng: &mut rng::Rng, multiplier: f64) -> u32 {
        let c = self.chronic as f64 * multiplier;
        let n = (self.all.len() - self.chronic) as f64;
        let u: f64 = rng.random();
        if u * (c + n) < c {
            rng.random_range(0..self.chronic) as u32
        } else {
            rng.random_range(self.chronic..self.all.len()) as u32
        }
    }
}

/// Where an episode stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// On the way to a facility.
    Travelling,
    /// In a queue.
    Waiting,
    /// With a doctor.
    InService,
}

/// An illness episode under way.
#[derive(Clone, Copy, Debug)]
pub struct Episode {
    /// Onset [minutes].
    pub onset: f64,
    /// Arrival at the current facility [minutes].
    pub arrival: f64,
    /// Travel so far [minutes].
    pub travel_minutes: f64,
    /// Billed so far [CNY].
    pub cost: f64,
    /// Paid by the patient so far [CNY].
    pub oop: f64,
    /// The resident.
    pub resident: u32,
    /// Current (or next) facility.
    pub facility: u32,
    /// Bumped at each arrival so stale timeouts are recognised.
    pub token: u32,
    /// Choice-set slots already left (bit i = option i of the home settlement).
    pub left_slots: u64,
    /// Severity.
    pub severity: Severity,
    /// Phase.
    pub phase: Phase,
    /// Sent by another facility (payment and queue priority).
    pub referred: bool,
    /// Onset after warm-up: its outcomes count.
    pub counted: bool,
    /// Some visit was outside the home region or at the regional tier.
    pub left_county: bool,
    /// Some visit was outside the home region.
    pub cross_region: bool,
    /// The consultation under way is a triage before referral.
    pub triage: bool,
}

/// Episodes under way, with slot reuse.
#[derive(Default)]
pub struct Slab {
    items: Vec<Episode>,
    free: Vec<u32>,
}

impl Slab {
    /// Stores an episode and returns its slot.
    pub fn insert(&mut self, e: Episode) -> u32 {
        match self.free.pop() {
            Some(i) => {
                self.items[i as usize] = e;
                i
            }
            None => {
                self.items.push(e);
                (self.items.len() - 1) as u32
            }
        }
    }

    /// Frees a slot.
    pub fn remove(&mut self, i: u32) {
        self.free.push(i);
    }

    /// The episode in slot `i`.
    pub fn get(&self, i: u32) -> &Episode {
        &self.items[i as usize]
    }

    /// The episode in slot `i`, mutably.
    pub fn get_mut(&mut self, i: u32) -> &mut Episode {
        &mut self.items[i as usize]
    }

    /// Episodes still under way.
    pub fn live(&self) -> usize {
        self.items.len() - self.free.len()
    }

    /// Every live slot's episode (for end-of-run accounting).
    pub fn iter_live(&self) -> impl Iterator<Item = &Episode> {
        let mut free = vec![false; self.items.len()];
        for &i in &self.free {
            free[i as usize] = true;
        }
        self.items.iter().zip(free).filter(|(_, f)| !f).map(|(e, _)| e)
    }
}

/// A queued patient: episode slot and the arrival token it queued with.
#[derive(Clone, Copy, Debug)]
pub struct QueueEntry {
    /// Episode slot.
    pub episode: u32,
    /// Arrival token; a mismatch means the patient already left.
    pub token: u32,
    /// Arrival time [minutes].
    pub arrival: f64,
}

/// Run state of one facility.
pub struct FacilityState {
    /// Doctors on duty now.
    pub open: bool,
    /// Doctors with a patient.
    pub busy: u32,
    /// Patients waiting (stale entries excluded).
    pub queued: u32,
    /// Priority classes, highest first; FIFO within each.
    pub queues: Vec<VecDeque<QueueEntry>>,
    /// Queue discipline.
    pub discipline: Discipline,
    /// When it last closed [minutes]: patients who arrived before are
    /// still served after closing.
    pub last_close: f64,
    /// Yesterday's mean wait (for `published` beliefs) [minutes].
    pub published_wait: f64,
    /// Sum of waits started today [minutes].
    pub day_wait_sum: f64,
    /// Services started today.
    pub day_waits: u32,
}

impl FacilityState {
    /// Fresh state: closed, empty.
    pub fn new(f: &FacilityInfo, priority_referrals: bool) -> FacilityState {
        let severity_classes = match f.discipline {
            Discipline::Fifo => 1,
            Discipline::Severity => 4,
        };
        let classes = severity_classes * if priority_referrals { 2 } else { 1 };
        FacilityState {
            open: false,
            busy: 0,
            queued: 0,
            queues: (0..classes).map(|_| VecDeque::new()).collect(),
            discipline: f.discipline,
            last_close: f64::NEG_INFINITY,
            published_wait: 0.0,
            day_wait_sum: 0.0,
            day_waits: 0,
        }
    }

    /// Priority class of a patient: referred ones first when the queue
    /// has referral classes, then by severity under `severity` discipline.
    pub fn class_of(&self, severity: Severity, referred: bool) -> usize {
        let per_group = match self.discipline {
            Discipline::Fifo => 1,
            Discipline::Severity => 4,
        };
        let within = match self.discipline {
            Discipline::Fifo => 0,
            Discipline::Severity => 3 - severity as usize,
        };
        let group = if self.queues.len() > per_group && !referred {
            1
        } else {
            0
        };
        group * per_group + within
    }
}
