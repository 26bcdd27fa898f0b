//! The discrete-event loop: onsets, choice, travel, queues, service,
//! patience and upward referral (MODEL.md processes 1-7).
//!
//! Owns the run state of one replication; reads the [`World`] and never
//! changes it. Handlers schedule events and notify the [`Recorder`]; they
//! never look at the warm-up (the recorder filters).

pub mod event;
pub mod queue;
pub mod state;

use rand::RngExt;

use crate::choice::{self, Alternative};
use crate::metrics::{EpisodeEnd, Recorder, RunOutput};
use crate::policy;
use crate::rng::Rngs;
use crate::scenario::{Beliefs, FacilityId, Hours, Scenario, Severity, Tier};
use crate::world::World;
use event::Event;
use queue::EventQueue;
use state::{Episode, FacilityState, Phase, QueueEntry, Residents, Slab};

/// Minutes in a day.
const DAY: f64 = 1440.0;

/// Runs one replication of `world` with seeds from (scenario seed, `replication`).
pub fn run(world: &World, replication: u32) -> RunOutput {
    Sim::new(world, replication).run()
}

/// One replication in progress.
struct Sim<'w> {
    replication: u32,
    world: &'w World,
    scenario: &'w Scenario,
    residents: Residents,
    rngs: Rngs,
    events: EventQueue,
    facilities: Vec<FacilityState>,
    tier_queued: [u32; 4],
    tier_busy: [u32; 4],
    episodes: Slab,
    recorder: Recorder,
    /// Out-of-pocket of a self-referred visit, per facility and severity [CNY].
    oop: Vec<[f64; 4]>,
    /// Word-of-mouth wait beliefs, per settlement option slot [minutes].
    wom: Vec<f64>,
    /// Start of each settlement's slots in `wom`.
    wom_offset: Vec<u32>,
    /// Cumulative severity mix, for one-uniform severity draws.
    severity_cum: [f64; 4],
    /// Onsets per presentation-window minute.
    onset_rate: f64,
    /// Position of the onset process in window time [minutes].
    onset_clock: f64,
    next_token: u32,
    warmup: f64,
    horizon: f64,
    /// Scratch for choices: utilities, cumulative weights, candidates.
    utilities: Vec<f64>,
    weights: Vec<f64>,
    candidates: Vec<(usize, u32, f64)>,
}

impl<'w> Sim<'w> {
    fn new(world: &'w World, replication: u32) -> Sim<'w> {
        let scenario = &world.scenario;
        let residents = Residents::draw(world, scenario.seed, replication);
        let d = &scenario.demand;
        let yearly = d.episodes_per_resident_year
            * ((residents.all.len() - residents.chronic) as f64 + residents.chronic as f64 * d.chronic_multiplier);
        let onset_rate = yearly / (365.0 * d.presentation.minutes_per_day());
        let mut severity_cum = [0.0; 4];
        let mut acc = 0.0;
        for (i, p) in d.severity_mix.iter().enumerate() {
            acc += p;
            severity_cum[i] = acc;
        }
        let mut wom_offset = Vec::with_capacity(world.settlements.len());
        let mut slots = 0u32;
        for s in &world.settlements {
            wom_offset.push(slots);
            slots += s.options.len() as u32;
        }
        let oop = world
            .facilities
            .iter()
            .map(|f| f.price.map(|p| policy::outpatient(&scenario.policy, f.tier, p).oop))
            .collect();
        Sim {
            replication,
            world,
            scenario,
            residents,
            rngs: Rngs::new(scenario.seed, replication),
            events: EventQueue::new(),
            facilities: world
                .facilities
                .iter()
                .map(|f| FacilityState::new(f, scenario.referral.priority_referrals))
                .collect(),
            tier_queued: [0; 4],
            tier_busy: [0; 4],
            episodes: Slab::default(),
            recorder: Recorder::new(world),
            oop,
            wom: vec![0.0; slots as usize],
            wom_offset,
            severity_cum,
            onset_rate,
            onset_clock: 0.0,
            next_token: 0,
            warmup: f64::from(scenario.warmup_days) * DAY,
            horizon: f64::from(scenario.days) * DAY,
            utilities: Vec::new(),
            weights: Vec::new(),
            candidates: Vec::new(),
        }
    }

    fn run(mut self) -> RunOutput {
        for (i, f) in self.world.facilities.iter().enumerate() {
            if f.hours.is_always() {
                self.facilities[i].open = true;
            } else {
                self.events
                    .push(f.hours.open_minute, Event::Open { facility: i as u32 });
            }
        }
        self.events.push(DAY.min(self.horizon), Event::DayEnd);
        self.schedule_next_onset();
        while let Some((t, event)) = self.events.pop() {
            if t > self.horizon {
                break;
            }
            match event {
                Event::DayEnd => self.on_day_end(t),
                Event::Open { facility } => self.on_open(facility, t),
                Event::Close { facility } => self.on_close(facility, t),
                Event::ServiceEnd { facility, episode } => self.on_service_end(facility, episode, t),
                Event::Timeout { episode, token } => self.on_timeout(episode, token, t),
                Event::Arrival { episode } => self.on_arrival(episode, t),
                Event::Onset => self.on_onset(t),
            }
        }
        self.finish()
    }

    /// Draws the next onset of the merged Poisson process. Its clock runs in
    /// presentation-window minutes, mapped onto the days' windows.
    fn schedule_next_onset(&mut self) {
        if self.onset_rate <= 0.0 || self.residents.all.is_empty() {
            return;
        }
        let u: f64 = self.rngs.onset.random();
        self.onset_clock += -(1.0 - u).ln() / self.onset_rate;
        let window = self.scenario.demand.presentation;
        let width = window.minutes_per_day();
        let day = (self.onset_clock / width).floor();
        let t = day * DAY + window.open_minute + (self.onset_clock - day * width);
        if t <= self.horizon {
            self.events.push(t, Event::Onset);
        }
    }

    fn on_onset(&mut self, t: f64) {
        let resident = self
            .residents
            .pick(&mut self.rngs.onset, self.scenario.demand.chronic_multiplier);
        let u: f64 = self.rngs.onset.random();
        let severity = Severity::from_index(self.severity_cum.iter().position(|&c| u < c).unwrap_or(3));
        self.schedule_next_onset();
        let id = self.episodes.insert(Episode {
            onset: t,
            arrival: t,
            travel_minutes: 0.0,
            cost: 0.0,
            oop: 0.0,
            resident,
            facility: 0,
            token: 0,
            left_slots: 0,
            severity,
            phase: Phase::Travelling,
            referred: false,
            counted: t >= self.warmup,
            left_county: false,
            cross_region: false,
            triage: false,
        });
        let picked = self.choose(id, None, t);
        let first_tier = picked.map(|(f, _)| self.world.facilities[f as usize].tier);
        self.recorder
            .episode_start(t >= self.warmup, severity == Severity::Mild, first_tier);
        match picked {
            Some((f, travel)) => self.travel_to(id, f, travel, t),
            None => self.end_episode(id, false),
        }
    }

    /// Logit choice over the home settlement's choice set minus facilities
    /// already left, travelling from `from` (a facility) or from home.
    /// Returns the facility and the travel minutes; one uniform per choice.
    fn choose(&mut self, id: u32, from: Option<u32>, t: f64) -> Option<(u32, f64)> {
        let ep = *self.episodes.get(id);
        let home = self.residents.all[ep.resident as usize].settlement;
        let settlement = &self.world.settlements[home as usize];
        let c = &self.scenario.choice;
        self.utilities.clear();
        self.candidates.clear();
        for (slot, opt) in settlement.options.iter().enumerate() {
            if ep.left_slots & (1 << slot) != 0 {
                continue;
            }
            let f = &self.world.facilities[opt.facility.0 as usize];
            let travel_minutes = match from {
                None => opt.travel_minutes,
                Some(src) => self.world.travel_minutes(FacilityId(src), opt.facility),
            };
            let wait_minutes = if c.b_wait == 0.0 {
                0.0
            } else {
                self.expected_wait(opt.facility.0, home, slot, t)
            };
            let alt = Alternative {
                tier: f.tier,
                quality: f.quality,
                oop: self.oop[opt.facility.0 as usize][ep.severity as usize],
                travel_minutes,
                wait_minutes,
                contracted: false,
            };
            self.utilities.push(choice::utility(c, ep.severity, 1.0, &alt));
            self.candidates.push((slot, opt.facility.0, travel_minutes));
        }
        if self.candidates.is_empty() {
            return None;
        }
        let u: f64 = self.rngs.choice.random();
        let i = if self.candidates.len() == 1 {
            0
        } else {
            choice::pick(&self.utilities, u, &mut self.weights)?
        };
        let (_, f, travel) = self.candidates[i];
        Some((f, travel))
    }

    /// The wait a patient expects at facility `f` under the scenario's beliefs [minutes].
    fn expected_wait(&self, f: u32, settlement: u32, slot: usize, t: f64) -> f64 {
        let state = &self.facilities[f as usize];
        match self.scenario.choice.beliefs {
            Beliefs::None => 0.0,
            Beliefs::Live => {
                let info = &self.world.facilities[f as usize];
                let doctors = f64::from(info.doctors.max(1));
                let queue_wait = f64::from(state.queued) / doctors * info.mean_service_minutes;
                let until_open = if state.open {
                    0.0
                } else {
                    minutes_until_open(info.hours, t)
                };
                queue_wait + until_open
            }
            Beliefs::Published => state.published_wait,
            Beliefs::WordOfMouth { .. } => self.wom[self.wom_offset[settlement as usize] as usize + slot],
        }
    }

    fn travel_to(&mut self, id: u32, f: u32, travel: f64, t: f64) {
        let info = &self.world.facilities[f as usize];
        let ep = self.episodes.get_mut(id);
        let home_region = self.world.settlements[self.residents.all[ep.resident as usize].settlement as usize].region;
        ep.facility = f;
        ep.travel_minutes += travel;
        ep.phase = Phase::Travelling;
        ep.cross_region |= info.region != home_region;
        ep.left_county |= info.region != home_region || info.tier > Tier::County;
        if travel > 0.0 {
            self.events.push(t + travel, Event::Arrival { episode: id });
        } else {
            // Next door: arrive now, as part of the current event (saves a
            // heap round trip for village-clinic visits and M/M/c runs).
            self.on_arrival(id, t);
        }
    }

    fn on_arrival(&mut self, id: u32, t: f64) {
        self.next_token = self.next_token.wrapping_add(1);
        let token = self.next_token;
        let ep = self.episodes.get_mut(id);
        ep.token = token;
        ep.phase = Phase::Waiting;
        ep.arrival = t;
        let (f, severity, referred) = (ep.facility, ep.severity, ep.referred);
        self.recorder.arrival(t, f, referred);
        if let Some(p) = self.scenario.patience {
            let u: f64 = self.rngs.patience.random();
            let patience = -(1.0 - u).ln() * p.mean_minutes;
            self.events.push(t + patience, Event::Timeout { episode: id, token });
        }
        let state = &mut self.facilities[f as usize];
        let class = state.class_of(severity, referred);
        state.queues[class].push_back(QueueEntry {
            episode: id,
            token,
            arrival: t,
        });
        state.queued += 1;
        self.tier_queued[self.world.facilities[f as usize].tier as usize] += 1;
        self.try_start(f, t);
    }

    /// Starts service for as many queued patients as free doctors allow,
    /// then records the queue length.
    fn try_start(&mut self, f: u32, t: f64) {
        let doctors = self.world.facilities[f as usize].doctors;
        while self.facilities[f as usize].busy < doctors {
            let Some(entry) = self.next_patient(f) else { break };
            self.start_service(f, entry, t);
        }
        let tier = self.world.facilities[f as usize].tier as usize;
        self.recorder
            .queue(t, f, self.facilities[f as usize].queued, self.tier_queued[tier]);
    }

    /// Pops the next patient to serve: highest class first; while closed,
    /// only patients who arrived before closing. Stale entries (patients
    /// who left) are dropped on the way.
    fn next_patient(&mut self, f: u32) -> Option<QueueEntry> {
        let episodes = &self.episodes;
        let state = &mut self.facilities[f as usize];
        let (open, last_close) = (state.open, state.last_close);
        for q in state.queues.iter_mut() {
            while let Some(head) = q.front() {
                let ep = episodes.get(head.episode);
                if ep.token == head.token && ep.phase == Phase::Waiting {
                    break;
                }
                q.pop_front();
            }
            if let Some(head) = q.front()
                && (open || head.arrival <= last_close)
            {
                return q.pop_front();
            }
        }
        None
    }

    fn start_service(&mut self, f: u32, entry: QueueEntry, t: f64) {
        let info = &self.world.facilities[f as usize];
        let ep = self.episodes.get_mut(entry.episode);
        ep.phase = Phase::InService;
        let severity = ep.severity;
        let triage = severity > info.capability;
        ep.triage = triage;
        let resident = ep.resident;
        let wait = t - ep.arrival;
        let mut minutes = info.service[severity as usize].sample(&mut self.rngs.service);
        if triage {
            minutes *= self.scenario.referral.triage_factor;
        }
        let state = &mut self.facilities[f as usize];
        let overtime = if !state.open {
            minutes
        } else if info.hours.is_always() {
            0.0
        } else {
            let close = (t / DAY).floor() * DAY + info.hours.close_minute;
            (t + minutes - close).max(0.0)
        };
        state.queued -= 1;
        state.busy += 1;
        state.day_wait_sum += wait;
        state.day_waits += 1;
        let (busy, tier) = (state.busy, info.tier as usize);
        self.tier_queued[tier] -= 1;
        self.tier_busy[tier] += 1;
        self.recorder.service_start(t, f, entry.arrival, wait, overtime);
        self.recorder.busy(t, f, busy, self.tier_busy[tier]);
        if let Beliefs::WordOfMouth { learning_rate } = self.scenario.choice.beliefs {
            let home = self.residents.all[resident as usize].settlement;
            if let Some(slot) = self.world.settlements[home as usize]
                .options
                .iter()
                .position(|o| o.facility.0 == f)
            {
                let b = &mut self.wom[self.wom_offset[home as usize] as usize + slot];
                *b += learning_rate * (wait - *b);
            }
        }
        self.events.push(
            t + minutes,
            Event::ServiceEnd {
                facility: f,
                episode: entry.episode,
            },
        );
    }

    fn on_service_end(&mut self, f: u32, id: u32, t: f64) {
        let info = &self.world.facilities[f as usize];
        let state = &mut self.facilities[f as usize];
        state.busy -= 1;
        let (busy, tier) = (state.busy, info.tier as usize);
        self.tier_busy[tier] -= 1;
        self.recorder.busy(t, f, busy, self.tier_busy[tier]);
        let ep = *self.episodes.get(id);
        let factor = if ep.triage {
            self.scenario.referral.triage_factor
        } else {
            1.0
        };
        let price = info.price[ep.severity as usize] * factor;
        let pay = policy::outpatient(&self.scenario.policy, info.tier, price);
        self.recorder.service_end(t, f, ep.triage, price, pay.fund);
        let billed = self.episodes.get_mut(id);
        billed.cost += price;
        billed.oop += pay.oop;
        if ep.triage {
            match info.refer_to[ep.severity as usize] {
                Some(target) => {
                    self.episodes.get_mut(id).referred = true;
                    let travel = self.world.travel_minutes(FacilityId(f), target);
                    self.travel_to(id, target.0, travel, t);
                }
                None => self.end_episode(id, false),
            }
        } else {
            self.end_episode(id, true);
        }
        self.try_start(f, t);
    }

    fn on_timeout(&mut self, id: u32, token: u32, t: f64) {
        let ep = *self.episodes.get(id);
        if ep.token != token || ep.phase != Phase::Waiting {
            return;
        }
        let f = ep.facility;
        let tier = self.world.facilities[f as usize].tier as usize;
        let state = &mut self.facilities[f as usize];
        state.queued -= 1;
        self.tier_queued[tier] -= 1;
        self.recorder.queue(t, f, state.queued, self.tier_queued[tier]);
        self.recorder.left(t, f);
        // The entry stays in the queue and is skipped when it reaches the head.
        // Whoever tries elsewhere goes on their own: no longer referred.
        let left = self.episodes.get_mut(id);
        left.phase = Phase::Travelling;
        left.referred = false;
        let home = self.residents.all[ep.resident as usize].settlement;
        if let Some(slot) = self.world.settlements[home as usize]
            .options
            .iter()
            .position(|o| o.facility.0 == f)
        {
            self.episodes.get_mut(id).left_slots |= 1 << slot;
        }
        let retry_prob = self.scenario.patience.map_or(0.0, |p| p.retry_prob);
        let u: f64 = self.rngs.patience.random();
        let next = if u < retry_prob {
            self.choose(id, Some(f), t)
        } else {
            None
        };
        match next {
            Some((g, travel)) => self.travel_to(id, g, travel, t),
            None => self.end_episode(id, false),
        }
    }

    fn on_open(&mut self, f: u32, t: f64) {
        self.facilities[f as usize].open = true;
        let close = (t / DAY).floor() * DAY + self.world.facilities[f as usize].hours.close_minute;
        self.events.push(close, Event::Close { facility: f });
        self.try_start(f, t);
    }

    fn on_close(&mut self, f: u32, t: f64) {
        let state = &mut self.facilities[f as usize];
        state.open = false;
        state.last_close = t;
        let next = ((t / DAY).floor() + 1.0) * DAY + self.world.facilities[f as usize].hours.open_minute;
        if next <= self.horizon {
            self.events.push(next, Event::Open { facility: f });
        }
    }

    fn on_day_end(&mut self, t: f64) {
        let day = (t / DAY).round() as u32 - 1;
        self.recorder.day_end(day, t);
        for state in &mut self.facilities {
            // A facility that started no service yesterday had nobody
            // waiting: it publishes 0 (keeping an old value would lock
            // patients out of it for good).
            state.published_wait = if state.day_waits > 0 {
                state.day_wait_sum / f64::from(state.day_waits)
            } else {
                0.0
            };
            state.day_wait_sum = 0.0;
            state.day_waits = 0;
        }
        if t + DAY <= self.horizon + 1e-9 {
            self.events.push(t + DAY, Event::DayEnd);
        }
    }

    fn end_episode(&mut self, id: u32, completed: bool) {
        let ep = *self.episodes.get(id);
        self.recorder.episode_end(EpisodeEnd {
            counted: ep.counted,
            completed,
            within_county: !ep.left_county,
            cross_region: ep.cross_region,
            travel_minutes: ep.travel_minutes,
            cost: ep.cost,
            oop: ep.oop,
        });
        self.episodes.remove(id);
    }

    fn finish(mut self) -> RunOutput {
        let mut ledger_open = 0;
        let mut in_system = 0;
        for ep in self.episodes.iter_live() {
            ledger_open += 1;
            in_system += u64::from(matches!(ep.phase, Phase::Waiting | Phase::InService));
        }
        self.recorder.ledger.episodes_open_at_end = ledger_open;
        self.recorder.ledger.visits_in_system_at_end = in_system;
        debug_assert_eq!(self.episodes.live() as u64, ledger_open);
        self.recorder.finish(self.world, self.replication, self.horizon)
    }
}

/// Minutes from `t` until the facility next opens.
fn minutes_until_open(hours: Hours, t: f64) -> f64 {
    let m = t.rem_euclid(DAY);
    if m < hours.open_minute {
        hours.open_minute - m
    } else if m >= hours.close_minute {
        DAY - m + hours.open_minute
    } else {
        0.0
    }
}
