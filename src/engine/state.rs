//! Mutable state of one replication: residents, facilities' queues and
//! doctors, and the slab of episodes under way.

use std::collections::VecDeque;

use rand::RngExt;
use rand_distr::{Binomial, Distribution};

use crate::rng::{self, Stream};
use crate::scenario::limits::MAX_CHOICE_SET;
use crate::scenario::{Discipline, FacilityId, Scheme, Severity};
use crate::world::{FacilityInfo, World};

/// A resident: 8 bytes, so 10 million fit in 80 MB.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resident {
    /// Index of the home settlement in [`World::settlements`].
    pub settlement: u32,
    /// Bit 0 chronic, bit 1 employee scheme, bit 2 contracted; bits 8-15
    /// the income group.
    pub flags: u32,
}

const CHRONIC: u32 = 1;
const EMPLOYEE: u32 = 2;
const CONTRACTED: u32 = 4;

impl Resident {
    /// Insurance scheme.
    pub fn scheme(self) -> Scheme {
        if self.flags & EMPLOYEE != 0 {
            Scheme::Employee
        } else {
            Scheme::Resident
        }
    }

    /// Holds a family-doctor contract.
    pub fn contracted(self) -> bool {
        self.flags & CONTRACTED != 0
    }

    /// Index of the income group.
    pub fn income_group(self) -> usize {
        ((self.flags >> 8) & 0xff) as usize
    }
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
    /// Draws chronic flags per settlement (binomial), then for each resident
    /// scheme, income group and contract, from the population stream: three
    /// uniforms per resident whatever the shares, so changing a share keeps
    /// every other draw (common random numbers across sweep points).
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
                    flags: CHRONIC,
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
        let p = &world.scenario.population;
        let contract_share = world.scenario.contract.share;
        let mut group_cum = Vec::with_capacity(p.income_groups.len());
        let mut acc = 0.0;
        for g in &p.income_groups {
            acc += g.share;
            group_cum.push(acc);
        }
        let last_group = group_cum.len().saturating_sub(1);
        for r in &mut all {
            let (u_scheme, u_income, u_contract): (f64, f64, f64) = (rng.random(), rng.random(), rng.random());
            if u_scheme < p.employee_share {
                r.flags |= EMPLOYEE;
            }
            if u_contract < contract_share {
                r.flags |= CONTRACTED;
            }
            let group = group_cum.iter().position(|&c| u_income < c).unwrap_or(last_group);
            r.flags |= (group as u32) << 8;
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
    /// In an emergency department's queue (`emergency`): never leaves
    /// unseen.
    EmergencyWaiting,
    /// With an emergency department's doctor.
    EmergencyService,
    /// Waiting for a bed.
    Boarding,
    /// In a bed.
    Inpatient,
    /// Between follow-up visits.
    Resting,
}

/// A set of choice-set slots: one bit for each of up to
/// [`MAX_CHOICE_SET`] options (validation keeps choice sets within it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SlotSet([u64; SLOT_WORDS]);

const SLOT_WORDS: usize = MAX_CHOICE_SET.div_ceil(64);

impl SlotSet {
    /// No slot.
    pub const EMPTY: SlotSet = SlotSet([0; SLOT_WORDS]);

    /// Adds `slot` (< [`MAX_CHOICE_SET`]).
    pub fn insert(&mut self, slot: usize) {
        debug_assert!(
            slot < MAX_CHOICE_SET,
            "choice sets hold at most {MAX_CHOICE_SET} options"
        );
        self.0[slot / 64] |= 1 << (slot % 64);
    }

    /// Whether `slot` is in the set.
    pub fn contains(&self, slot: usize) -> bool {
        self.0.get(slot / 64).is_some_and(|w| w & (1 << (slot % 64)) != 0)
    }

    /// Whether no slot is in the set.
    pub fn is_empty(&self) -> bool {
        *self == SlotSet::EMPTY
    }
}

/// What an episode record stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An illness episode (first contact, referrals, admission).
    Illness,
    /// The follow-up visits after a treated episode.
    FollowUp,
}

/// An illness episode under way.
#[derive(Clone, Copy, Debug)]
pub struct Episode {
    /// Onset of the illness \[minutes\] (time to capable care counts from it).
    pub onset: f64,
    /// Arrival at the current facility \[minutes\].
    pub arrival: f64,
    /// Start of the illness's treatment \[minutes\]; NaN until treated.
    pub treated_at: f64,
    /// Travel so far \[minutes\].
    pub travel_minutes: f64,
    /// Billed so far \[CNY\].
    pub cost: f64,
    /// Paid by the patient so far \[CNY\].
    pub oop: f64,
    /// When the current bed wait or stay began \[minutes\].
    pub bed_since: f64,
    /// The resident.
    pub resident: u32,
    /// Current (or next) facility.
    pub facility: FacilityId,
    /// Bumped at each arrival so stale timeouts are recognised.
    pub token: u32,
    /// Choice-set slots already left (option i of the home settlement).
    pub left_slots: SlotSet,
    /// Severity.
    pub severity: Severity,
    /// Phase.
    pub phase: Phase,
    /// Illness episode or follow-up visits.
    pub kind: Kind,
    /// Referred up by another facility (queue priority, referral counts).
    pub referred: bool,
    /// Care sought on the patient's own initiative (payment penalty).
    pub self_referred: bool,
    /// On the way to a bed (a transfer), not to a queue.
    pub to_bed: bool,
    /// The next follow-up visit is the first after a referral down.
    pub down_pending: bool,
    /// Follow-up visits still to make.
    pub followups_left: u8,
    /// Onset after warm-up: its outcomes count.
    pub counted: bool,
    /// Some visit was outside the home region or at the regional tier.
    pub left_county: bool,
    /// Some visit was outside the home region.
    pub cross_region: bool,
    /// The consultation under way is a triage before referral.
    pub triage: bool,
    /// A reserved doctor serves the consultation under way (`reserved`).
    pub reserved_doctor: bool,
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
    #[cfg(test)]
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
    /// Arrival time \[minutes\].
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
    /// When it last closed \[minutes\]: patients who arrived before are
    /// still served after closing.
    pub last_close: f64,
    /// Doctors on the staff now (rotation moves them); a doctor removed
    /// while busy leaves after the current patient.
    pub doctors: u32,
    /// Quality now: base plus rotation boosts \[score\].
    pub quality: f64,
    /// Free beds.
    pub beds_free: u32,
    /// Patients waiting for a bed, FIFO (stale entries skipped).
    pub bed_queue: VecDeque<QueueEntry>,
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
            doctors: f.doctors,
            quality: f.quality,
            beds_free: f.beds,
            bed_queue: VecDeque::new(),
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

/// Pops the head of `q` once stale entries (patients who left) are dropped;
/// while closed (`open` false) only a patient who arrived by `last_close`.
pub(crate) fn pop_live(
    q: &mut VecDeque<QueueEntry>,
    episodes: &Slab,
    open: bool,
    last_close: f64,
) -> Option<QueueEntry> {
    while let Some(head) = q.front() {
        let ep = episodes.get(head.episode);
        if ep.token == head.token && ep.phase == Phase::Waiting {
            break;
        }
        q.pop_front();
    }
    match q.front() {
        Some(head) if open || head.arrival <= last_close => q.pop_front(),
        _ => None,
    }
}
