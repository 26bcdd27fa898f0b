//! The discrete-event loop of one replication (the processes of
//! `docs/model.md`, onset to regional center layouts).
//!
//! Owns the run state; reads the [`World`] and never changes it. Handlers
//! schedule events and notify the [`Recorder`]; they never look at the
//! warm-up (the recorder filters). This folder holds the loop, onsets,
//! choice, the outpatient queue and wait beliefs (`beliefs`, `docs/model.md`,
//! "Wait beliefs"). Each lever's part of the run lives in the lever's own
//! file, in its `run` module: an `impl Sim<'_>` block with its run state (if
//! any) and tests, beside the lever's scenario side (`src/levers/`):
//! `inpatient` beds, `referral` the follow-ups and down-referral after
//! treatment, `rotation` the doctor stints and what they add, `contract`
//! family-doctor contracts and gatekeeping, `patience` reneging and retry,
//! `telemedicine` the tele consultation one level above capability,
//! `payment` bills, yearly caps and the expected episode costs the choice
//! weighs, `emergency` the hospitals' emergency departments and what an
//! emergency patient may choose and how fast they are referred, `deposit`
//! the admission deposit a resident may not raise, `quota` the daily
//! outpatient quotas, `reserved` the doctors reserved for referred
//! contracted patients. The onset
//! process is `onset`. [`Sim`] and its fields are `pub(crate)` for those
//! hooks only: nothing outside `src/engine/` and `src/levers/` names them (a test in
//! `src/levers/mod.rs` checks).
//!
//! # Hook order
//! The core handlers call the lever hooks by name (static dispatch) at
//! fixed points, always in this order; a hook draws random numbers only
//! where listed, so every draw comes in the same order whatever levers a
//! scenario uses (`docs/model.md`, "Event order and randomness").
//!
//! 1. Onset (`Sim::on_onset`): resident (two draws) and severity (one
//!    uniform, from the mix of the part of the day the onset falls in;
//!    onset stream), the next onset's gap (one exponential, onset stream),
//!    then the logit choice (one choice uniform), then `contract::gatekeep`
//!    (no draw) may replace the choice with the nearest contract-team
//!    member able to treat, unless `emergency::sees_on_arrival` says that
//!    member would not see an emergency.
//! 2. Choice (`Sim::choose`): `contract::offered` and
//!    `emergency::choose_among_open_on_arrival` filter the choice set (no
//!    draws), `payment::cap_room` and `payment::episode_oop` give each
//!    option's expected out-of-pocket cost of the episode (no draw),
//!    `beliefs::expected_wait` its wait (as of the arrival there, now plus
//!    the travel minutes), `contract::holds_contract` the contract term;
//!    then `choice::utilities` (the quality gate over the whole set) and
//!    the one choice uniform.
//! 3. Arrival at a queue (`Sim::on_arrival`): first `quota::quota_refuses`
//!    (with `[[quota]]`, a self-referred arrival beyond the day's quota is
//!    refused: one choice uniform when it chooses again, none when turned
//!    away; the rest of this step is skipped), then the recorder and trace,
//!    then `contract::contract_visit` (no draw), then
//!    `patience::start_patience` (one patience draw when patience is on,
//!    emergency department or not), then `emergency::to_emergency_department`
//!    (no draw) sends an emergency arriving while the clinic is closed to
//!    `emergency::emergency_arrival`, everyone else to
//!    `reserved::reserve_arrival` (no draw; an eligible patient also joins
//!    a reserving facility's desk), the queue and `Sim::try_start`.
//! 4. Service start (`Sim::try_start` picks the patient through
//!    `reserved::next_patient_reserving`, no draw; then `Sim::start_service`, or in an emergency department
//!    `emergency::start_emergency_service`): `Sim::consultation`:
//!    `rotation::capability` (no draw), then `telemedicine::teleconsult`
//!    (one referral uniform, only one level above capability at a tele
//!    site; its minutes are added treated or not), then the service time
//!    (service stream); then the recorder (the wait, and for a treatment
//!    the time to capable care; no draw), then (at the clinic only)
//!    `beliefs::learn_wait` (no draw).
//! 5. Service end (`Sim::on_service_end`) and discharge: the doctor is
//!    freed (`emergency::emergency_doctor_freed` in a department, else
//!    `reserved::reserved_doctor_freed`), then
//!    `payment::charge` (with `serious_illness::serious_illness_pays`
//!    and `drugs::drug_markup`; no draw), then referral up (travel from
//!    `emergency::referral_travel_minutes`, no draw), follow-up or
//!    admission (`inpatient`, one admission uniform; for an admitted
//!    patient then `deposit::deposit_sends_home`: one deposit uniform
//!    where the admitting tier asks a deposit, and a second only for a
//!    resident who cannot raise it, delayed or forgone; deposit stream),
//!    then the next patient of the same queue.
//! 6. Patience timeout: `patience::on_timeout` (one patience uniform,
//!    then a choice uniform when the patient retries).
//! 7. Day end (`Sim::on_day_end`): the recorder (after every 365th day
//!    it judges the payment year's catastrophic spending, `metrics::groups`;
//!    no draw), then
//!    `beliefs::publish_waits`, then `payment::year_end` (no draws).
//! 8. Rotation stints and follow-ups run in their own events (`rotation`,
//!    `followup`; one referral uniform per down-referral decision), and
//!    so does a delayed admission's return with its deposit
//!    (`deposit::on_deposit_raised`, then `inpatient::request_bed`; no
//!    draw).

mod beliefs;
pub mod event;
mod onset;
pub mod queue;
pub(crate) mod state;
#[cfg(test)]
pub(crate) mod stepping;

use rand::RngExt;

use crate::choice::{self, Alternative};
use crate::levers::contract::run as contract;
use crate::levers::deposit::run::Deposits;
use crate::levers::emergency::run::Departments;
use crate::levers::payment::run::Payment;
use crate::levers::quota::run::Quotas;
use crate::levers::reserved::run::Desks;
use crate::levers::rotation::run::Rotation;
use crate::metrics::{ArrivalKind, EpisodeEnd, Recorder, RunOutput, Who};
use crate::policy::Care;
use crate::rng::{self, Rng, Stream};
use crate::scenario::{FacilityId, RegionId, Scenario, Severity, Tier};
use crate::trace::{self, Outcome, Trace, VisitRow};
use crate::world::{PerFacility, World};
use beliefs::WaitBeliefs;
use event::Event;
use onset::Onsets;
use queue::EventQueue;
use state::{Episode, FacilityState, Kind, Phase, QueueEntry, Resident, Residents, Slab, SlotSet};

/// Minutes in a day.
pub(crate) const DAY: f64 = 1440.0;

/// Runs one replication of `world` with seeds from (scenario seed, `replication`).
pub fn run(world: &World, replication: u32) -> RunOutput {
    Sim::new(world, replication).run()
}

/// Like [`run`], with the trace of every visit (see [`crate::trace`]). The
/// trace draws no random number: the [`RunOutput`] is the one [`run`] gives.
pub fn run_traced(world: &World, replication: u32) -> (RunOutput, Vec<VisitRow>) {
    let mut sim = Sim::new(world, replication);
    sim.trace = Some(Box::new(Trace::new(replication, sim.warmup)));
    sim.simulate();
    let rows = sim.trace.take().map_or_else(Vec::new, |t| t.into_rows());
    (sim.finish(), rows)
}

/// The engine's random streams (see [`crate::rng::Stream`]).
pub(crate) struct Streams {
    pub(crate) onset: Rng,
    pub(crate) choice: Rng,
    pub(crate) service: Rng,
    pub(crate) patience: Rng,
    pub(crate) admission: Rng,
    pub(crate) referral: Rng,
    pub(crate) deposit: Rng,
}

impl Streams {
    /// The streams of (scenario seed, replication).
    pub(crate) fn new(seed: u64, replication: u32) -> Streams {
        let stream = |s| rng::stream(seed, replication, s);
        Streams {
            onset: stream(Stream::Onset),
            choice: stream(Stream::Choice),
            service: stream(Stream::Service),
            patience: stream(Stream::Patience),
            admission: stream(Stream::Admission),
            referral: stream(Stream::Referral),
            deposit: stream(Stream::Deposit),
        }
    }
}

/// One replication in progress.
pub(crate) struct Sim<'w> {
    pub(crate) replication: u32,
    pub(crate) world: &'w World,
    pub(crate) scenario: &'w Scenario,
    pub(crate) residents: Residents,
    pub(crate) rngs: Streams,
    pub(crate) events: EventQueue,
    pub(crate) facilities: PerFacility<FacilityState>,
    pub(crate) tier_queued: [u32; 4],
    pub(crate) tier_busy: [u32; 4],
    pub(crate) tier_on_duty: [u32; 4],
    pub(crate) episodes: Slab,
    pub(crate) recorder: Recorder,
    /// Prices and yearly caps (`payment`).
    pub(crate) payment: Payment,
    /// Wait beliefs (`beliefs`).
    beliefs: WaitBeliefs,
    /// Rotation stints' effects (`rotation`).
    pub(crate) rotation: Rotation,
    /// Emergency departments (`emergency`).
    pub(crate) emergency: Departments,
    /// Admission deposits (`deposit`); `None` without `[deposit]`.
    pub(crate) deposits: Option<Deposits>,
    /// Daily volume quotas (`quota`); `None` without `[[quota]]`.
    pub(crate) quotas: Option<Quotas>,
    /// Reserved slots' desks (`reserved`); `None` without `[reserved_slots]`.
    pub(crate) reserved: Option<Desks>,
    /// The merged onset process (`onset`).
    onsets: Onsets,
    pub(crate) next_token: u32,
    pub(crate) warmup: f64,
    pub(crate) horizon: f64,
    /// Scratch for choices: what is weighed, utilities, cumulative weights, candidates.
    pub(crate) alternatives: Vec<Alternative>,
    pub(crate) utilities: Vec<f64>,
    pub(crate) weights: Vec<f64>,
    pub(crate) candidates: Vec<(FacilityId, f64)>,
    /// The visit trace, when asked for ([`run_traced`]); hooks check it.
    pub(crate) trace: Option<Box<Trace>>,
}

/// Onsets per year of the whole population.
fn onsets_per_year(scenario: &Scenario, residents: &Residents) -> f64 {
    let d = &scenario.demand;
    d.episodes_per_resident_year
        * ((residents.all.len() - residents.chronic) as f64 + residents.chronic as f64 * d.chronic_multiplier)
}

impl<'w> Sim<'w> {
    pub(crate) fn new(world: &'w World, replication: u32) -> Sim<'w> {
        let scenario = &world.scenario;
        let residents = Residents::draw(world, scenario.seed, replication);
        let recorder = Recorder::new(world, &residents.all);
        Sim {
            replication,
            world,
            scenario,
            payment: Payment::new(world, residents.all.len()),
            beliefs: WaitBeliefs::new(world),
            rotation: Rotation::new(world),
            emergency: Departments::new(world),
            deposits: Deposits::new(world),
            quotas: Quotas::new(world),
            reserved: Desks::new(world),
            onsets: Onsets::new(scenario, onsets_per_year(scenario, &residents)),
            residents,
            rngs: Streams::new(scenario.seed, replication),
            events: EventQueue::new(),
            facilities: world
                .facilities
                .iter()
                .map(|f| FacilityState::new(f, scenario.referral.priority_referrals))
                .collect(),
            tier_queued: [0; 4],
            tier_busy: [0; 4],
            tier_on_duty: [0; 4],
            episodes: Slab::default(),
            recorder,
            next_token: 0,
            warmup: f64::from(scenario.warmup_days) * DAY,
            horizon: f64::from(scenario.days) * DAY,
            alternatives: Vec::new(),
            utilities: Vec::new(),
            weights: Vec::new(),
            candidates: Vec::new(),
            trace: None,
        }
    }

    fn run(mut self) -> RunOutput {
        self.simulate();
        self.finish()
    }

    /// Runs every event up to the horizon.
    fn simulate(&mut self) {
        self.start();
        while let Some((t, event)) = self.events.pop() {
            if t > self.horizon {
                break;
            }
            self.handle(t, event);
        }
    }

    /// Opens around-the-clock facilities and schedules the first of every
    /// recurring event.
    pub(crate) fn start(&mut self) {
        for f in self.world.facilities.ids() {
            let hours = self.world.facilities[f].hours;
            if hours.is_always() {
                self.set_open(f, true, 0.0);
            } else {
                self.events.push(hours.open_minute, Event::Open { facility: f });
            }
        }
        self.events.push(DAY.min(self.horizon), Event::DayEnd);
        for (p, r) in self.scenario.rotations.iter().enumerate() {
            let start = f64::from(r.start_day) * DAY;
            if start < self.horizon {
                self.events.push(start, Event::StintStart { program: p as u32 });
            }
        }
        self.schedule_next_onset();
    }

    fn handle(&mut self, t: f64, event: Event) {
        match event {
            Event::DayEnd => self.on_day_end(t),
            Event::Open { facility } => self.on_open(facility, t),
            Event::Close { facility } => self.on_close(facility, t),
            Event::ServiceEnd { facility, episode } => self.on_service_end(facility, episode, t),
            Event::Timeout { episode, token } => self.on_timeout(episode, token, t),
            Event::Arrival { episode } => self.on_arrival(episode, t),
            Event::Onset => self.on_onset(t),
            Event::Discharge { facility, episode } => self.on_discharge(facility, episode, t),
            Event::BoardingTimeout { episode, token } => self.on_boarding_timeout(episode, token, t),
            Event::FollowUp { episode } => self.on_followup(episode, t),
            Event::StintStart { program } => self.on_stint_start(program, t),
            Event::StintEnd { program } => self.on_stint_end(program, t),
            Event::DepositRaised { episode } => self.on_deposit_raised(episode, t),
        }
    }

    /// A fresh token for an arrival or a bed request (28 bits, as events store them).
    pub(crate) fn new_token(&mut self) -> u32 {
        self.next_token = queue::token_bits(self.next_token.wrapping_add(1));
        self.next_token
    }

    pub(crate) fn resident(&self, id: u32) -> Resident {
        self.residents.all[self.episodes.get(id).resident as usize]
    }

    /// Whom the recorder's notifications about episode `id` are about.
    pub(crate) fn who(&self, id: u32) -> Who {
        let resident = self.episodes.get(id).resident;
        self.recorder.who(resident, self.residents.all[resident as usize])
    }

    /// The home region of episode `id`'s resident.
    pub(crate) fn home_region(&self, id: u32) -> RegionId {
        self.world.settlements[self.resident(id).settlement as usize].region
    }

    /// Draws the next onset of the merged Poisson process (`onset`).
    fn schedule_next_onset(&mut self) {
        if self.residents.all.is_empty() {
            return;
        }
        if let Some(t) = self.onsets.next(&mut self.rngs.onset)
            && t <= self.horizon
        {
            self.events.push(t, Event::Onset);
        }
    }

    fn on_onset(&mut self, t: f64) {
        let resident = self
            .residents
            .pick(&mut self.rngs.onset, self.scenario.demand.chronic_multiplier);
        let u: f64 = self.rngs.onset.random();
        let severity = self.onsets.severity(u);
        self.schedule_next_onset();
        let id = self.episodes.insert(self.new_episode(resident, severity, t));
        if let Some(tr) = self.trace.as_deref_mut() {
            tr.onset(id);
        }
        let chosen = self.choose(id, None, t);
        // An emergency is not sent to a gatekeeper that would not see it.
        let gatekept = self
            .gatekeep(id)
            .filter(|&(g, travel)| self.sees_on_arrival(g, severity, t + travel));
        let picked = gatekept.or(chosen);
        let first_tier = picked.map(|(f, _)| self.world.facilities[f].tier);
        let who = self.who(id);
        self.recorder
            .episode_start(t >= self.warmup, severity == Severity::Mild, first_tier, who);
        match picked {
            Some((f, travel)) => self.travel_to(id, f, travel, t),
            None => self.end_episode(id, false),
        }
    }

    /// A fresh illness episode of `resident` starting at `t`.
    fn new_episode(&self, resident: u32, severity: Severity, t: f64) -> Episode {
        Episode {
            onset: t,
            arrival: t,
            treated_at: f64::NAN,
            travel_minutes: 0.0,
            cost: 0.0,
            oop: 0.0,
            bed_since: 0.0,
            resident,
            facility: FacilityId(0),
            token: 0,
            left_slots: SlotSet::EMPTY,
            severity,
            phase: Phase::Travelling,
            kind: Kind::Illness,
            referred: false,
            self_referred: true,
            to_bed: false,
            down_pending: false,
            followups_left: 0,
            counted: t >= self.warmup,
            left_county: false,
            cross_region: false,
            triage: false,
            reserved_doctor: false,
        }
    }

    /// Logit choice over the home settlement's choice set minus facilities
    /// already left, travelling from `from` (a facility) or from home.
    /// Returns the facility and the travel minutes; one uniform per choice.
    /// Each option's cost is the episode's expected out-of-pocket there
    /// within the resident's remaining yearly cap (`payment`); the quality
    /// gate on the cost weight is set by the whole set (`crate::choice`).
    pub(crate) fn choose(&mut self, id: u32, from: Option<FacilityId>, t: f64) -> Option<(FacilityId, f64)> {
        let ep = *self.episodes.get(id);
        let r = self.residents.all[ep.resident as usize];
        let home = r.settlement;
        let settlement = &self.world.settlements[home as usize];
        let c = &self.scenario.choice;
        let income_mult = self.scenario.population.income_groups[r.income_group()].cost_multiplier;
        self.alternatives.clear();
        self.candidates.clear();
        if let [only] = settlement.options.as_slice()
            && ep.left_slots.is_empty()
            && contract::offered(only, r)
        {
            // One facility in reach: no utilities to weigh (the uniform is
            // still drawn, one per choice).
            let _: f64 = self.rngs.choice.random();
            return Some((
                only.facility,
                from.map_or(only.travel_minutes, |src| self.world.travel_minutes(src, only.facility)),
            ));
        }
        let room = self.cap_room(ep.resident);
        let open_only = self.choose_among_open_on_arrival(&settlement.options, &ep, r, from, t);
        for (slot, opt) in settlement.options.iter().enumerate() {
            if ep.left_slots.contains(slot) || !contract::offered(opt, r) {
                continue;
            }
            let f = opt.facility;
            let travel_minutes = match from {
                None => opt.travel_minutes,
                Some(src) => self.world.travel_minutes(src, f),
            };
            if open_only && !self.sees_on_arrival(f, ep.severity, t + travel_minutes) {
                continue;
            }
            let wait_minutes = if c.b_wait == 0.0 {
                0.0
            } else {
                self.expected_wait(f, ep.severity, home, slot, t + travel_minutes)
            };
            self.alternatives.push(Alternative {
                tier: self.world.facilities[f].tier,
                quality: self.facilities[f].quality,
                oop: self.episode_oop(ep.resident, f, ep.severity, room),
                travel_minutes,
                wait_minutes,
                contracted: contract::holds_contract(opt, r),
            });
            self.candidates.push((f, travel_minutes));
        }
        if self.candidates.is_empty() {
            return None;
        }
        choice::utilities(c, ep.severity, income_mult, &self.alternatives, &mut self.utilities);
        let u: f64 = self.rngs.choice.random();
        let i = if self.candidates.len() == 1 {
            0
        } else {
            choice::pick(&self.utilities, u, &mut self.weights)?
        };
        Some(self.candidates[i])
    }

    pub(crate) fn travel_to(&mut self, id: u32, f: FacilityId, travel: f64, t: f64) {
        let info = &self.world.facilities[f];
        let home_region = self.world.settlements[self.resident(id).settlement as usize].region;
        let ep = self.episodes.get_mut(id);
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
        if self.episodes.get(id).to_bed {
            self.episodes.get_mut(id).to_bed = false;
            let f = self.episodes.get(id).facility;
            if self.trace.is_some() {
                let a = self.trace_arrival(id, t);
                if let Some(tr) = self.trace.as_deref_mut() {
                    tr.transfer_arrival(id, a);
                }
            }
            self.request_bed(id, f, t);
            return;
        }
        if self.quota_refuses(id, t) {
            return;
        }
        let token = self.new_token();
        let r = self.resident(id);
        let ep = self.episodes.get_mut(id);
        ep.token = token;
        ep.phase = Phase::Waiting;
        ep.arrival = t;
        let kind = ArrivalKind {
            referred_up: ep.referred,
            followup: ep.kind == Kind::FollowUp,
            referred_down: std::mem::take(&mut ep.down_pending),
        };
        let (f, severity, referred) = (ep.facility, ep.severity, ep.referred);
        let who = self.who(id);
        self.recorder.arrival(t, f.0, kind, who);
        if self.trace.is_some() {
            let a = self.trace_arrival(id, t);
            if let Some(tr) = self.trace.as_deref_mut() {
                tr.arrival(id, a, kind);
            }
        }
        self.contract_visit(r, f, t, who);
        self.start_patience(id, token, t);
        let entry = QueueEntry {
            episode: id,
            token,
            arrival: t,
        };
        if self.to_emergency_department(f, severity) {
            self.emergency_arrival(f, entry, t);
            return;
        }
        self.reserve_arrival(f, entry, referred, r);
        let state = &mut self.facilities[f];
        let class = state.class_of(severity, referred);
        state.queues[class].push_back(entry);
        state.queued += 1;
        self.tier_queued[self.world.facilities[f].tier as usize] += 1;
        self.try_start(f, t);
    }

    /// What the trace notes of an arrival of episode `id` at `t`.
    fn trace_arrival(&self, id: u32, t: f64) -> trace::Arrival {
        let ep = self.episodes.get(id);
        trace::Arrival {
            resident: ep.resident,
            settlement: self.residents.all[ep.resident as usize].settlement,
            facility: ep.facility,
            severity: ep.severity,
            referred: !(ep.self_referred && ep.kind == Kind::Illness),
            t,
        }
    }

    /// Starts service for as many queued patients as free doctors allow,
    /// then records the queue length.
    pub(crate) fn try_start(&mut self, f: FacilityId, t: f64) {
        while self.facilities[f].busy < self.facilities[f].doctors {
            let Some((entry, by_reserved)) = self.next_patient_reserving(f) else {
                break;
            };
            self.episodes.get_mut(entry.episode).reserved_doctor = by_reserved;
            self.start_service(f, entry, t);
        }
        let tier = self.world.facilities[f].tier as usize;
        self.recorder
            .queue(t, f.0, self.facilities[f].queued, self.tier_queued[tier]);
    }

    /// Pops the next patient to serve: highest class first; while closed,
    /// only patients who arrived before closing. Stale entries (patients
    /// who left) are dropped on the way.
    pub(crate) fn next_patient(&mut self, f: FacilityId) -> Option<QueueEntry> {
        let episodes = &self.episodes;
        let state = &mut self.facilities[f];
        let (open, last_close) = (state.open, state.last_close);
        state
            .queues
            .iter_mut()
            .find_map(|q| state::pop_live(q, episodes, open, last_close))
    }

    /// Whether a patient of `severity` is treated here and the minutes a
    /// tele consultation adds: within capability (rotation may raise it),
    /// or one level above through `Sim::teleconsult`, whose minutes count
    /// whether it treats or the patient is referred after it.
    fn treats(&mut self, f: FacilityId, severity: Severity) -> (bool, Option<f64>) {
        let capability = self.capability(f);
        if severity <= capability {
            return (true, None);
        }
        match self.teleconsult(f, severity, capability) {
            Some(tele) => (tele.treated, Some(tele.minutes)),
            None => (false, None),
        }
    }

    /// The minutes of the consultation of episode `id` starting at `t` at
    /// `f` (clinic or emergency department), noting whether it is a triage:
    /// capability and any tele consultation first, then the service draw.
    /// A treatment of an illness episode ends its time to capable care.
    pub(crate) fn consultation(&mut self, f: FacilityId, id: u32, t: f64) -> f64 {
        let severity = self.episodes.get(id).severity;
        let (treated, tele_minutes) = self.treats(f, severity);
        let info = &self.world.facilities[f];
        let mut minutes = info.service[severity as usize].sample(&mut self.rngs.service);
        if !treated {
            minutes *= self.scenario.referral.triage_factor;
        }
        if let Some(extra) = tele_minutes {
            minutes += extra;
        }
        let ep = self.episodes.get_mut(id);
        ep.triage = !treated;
        if treated && ep.kind == Kind::Illness {
            ep.treated_at = t;
            let onset = ep.onset;
            let who = self.who(id);
            self.recorder.treatment_start(t, onset, severity, who);
        }
        minutes
    }

    fn start_service(&mut self, f: FacilityId, entry: QueueEntry, t: f64) {
        let minutes = self.consultation(f, entry.episode, t);
        let info = &self.world.facilities[f];
        let ep = self.episodes.get_mut(entry.episode);
        ep.phase = Phase::InService;
        let (resident, referred) = (ep.resident, ep.referred);
        let wait = t - ep.arrival;
        let state = &mut self.facilities[f];
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
        let (busy, tier) = (state.busy, info.tier as usize);
        self.tier_queued[tier] -= 1;
        self.tier_busy[tier] += 1;
        self.recorder
            .service_start(t, f.0, entry.arrival, wait, overtime, referred);
        if let Some(tr) = self.trace.as_deref_mut() {
            tr.service_start(entry.episode, t);
        }
        self.recorder.busy(t, f.0, busy, self.tier_busy[tier]);
        self.learn_wait(f, resident, wait);
        self.events.push(
            t + minutes,
            Event::ServiceEnd {
                facility: f,
                episode: entry.episode,
            },
        );
    }

    fn on_service_end(&mut self, f: FacilityId, id: u32, t: f64) {
        let info = &self.world.facilities[f];
        let emergency = self.episodes.get(id).phase == Phase::EmergencyService;
        if emergency {
            self.emergency_doctor_freed(f);
        } else {
            self.reserved_doctor_freed(f, id);
            let state = &mut self.facilities[f];
            state.busy -= 1;
            let (busy, tier) = (state.busy, info.tier as usize);
            self.tier_busy[tier] -= 1;
            self.recorder.busy(t, f.0, busy, self.tier_busy[tier]);
        }
        let ep = *self.episodes.get(id);
        if let Some(tr) = self.trace.as_deref_mut() {
            tr.service_end(id, t, ep.triage);
        }
        let factor = if ep.triage {
            self.scenario.referral.triage_factor
        } else {
            1.0
        };
        self.charge(id, f, Care::Outpatient, info.price[ep.severity as usize] * factor, t);
        let home = self.home_region(id);
        let who = self.who(id);
        self.recorder.served(t, f.0, ep.triage, home, who);
        if ep.triage {
            self.refer_up(id, f, t);
        } else if ep.kind == Kind::FollowUp {
            self.followup_done(id, t);
        } else {
            self.after_treatment(id, f, t);
        }
        if emergency {
            self.try_start_emergency(f, t);
        } else {
            self.try_start(f, t);
        }
    }

    /// Sends a triaged patient to the facility that can treat them.
    fn refer_up(&mut self, id: u32, f: FacilityId, t: f64) {
        let severity = self.episodes.get(id).severity;
        match self.world.facilities[f].refer_to[severity as usize] {
            Some(target) => {
                let ep = self.episodes.get_mut(id);
                ep.referred = true;
                ep.self_referred = false;
                let travel = self.referral_travel_minutes(f, target, severity);
                self.travel_to(id, target, travel, t);
            }
            None => {
                if let Some(tr) = self.trace.as_deref_mut() {
                    tr.outcome(id, Outcome::NotReferred);
                }
                self.end_episode(id, false)
            }
        }
    }

    /// Opens or closes `f` for outpatients and records the staffing change.
    fn set_open(&mut self, f: FacilityId, open: bool, t: f64) {
        let tier = self.world.facilities[f].tier as usize;
        let state = &mut self.facilities[f];
        if state.open == open {
            return;
        }
        state.open = open;
        if open {
            self.tier_on_duty[tier] += state.doctors;
        } else {
            self.tier_on_duty[tier] -= state.doctors;
            state.last_close = t;
        }
        self.record_staffing(f, t);
    }

    pub(crate) fn record_staffing(&mut self, f: FacilityId, t: f64) {
        let tier = self.world.facilities[f].tier as usize;
        let state = &self.facilities[f];
        let on_duty = if state.open { state.doctors } else { 0 };
        self.recorder
            .staffing(t, f.0, state.doctors, on_duty, self.tier_on_duty[tier]);
    }

    fn on_open(&mut self, f: FacilityId, t: f64) {
        self.set_open(f, true, t);
        let close = (t / DAY).floor() * DAY + self.world.facilities[f].hours.close_minute;
        self.events.push(close, Event::Close { facility: f });
        self.try_start(f, t);
    }

    fn on_close(&mut self, f: FacilityId, t: f64) {
        self.set_open(f, false, t);
        let next = ((t / DAY).floor() + 1.0) * DAY + self.world.facilities[f].hours.open_minute;
        if next <= self.horizon {
            self.events.push(next, Event::Open { facility: f });
        }
    }

    fn on_day_end(&mut self, t: f64) {
        let day = (t / DAY).round() as u32 - 1;
        self.recorder.day_end(day, t, &self.residents.all);
        self.publish_waits();
        self.payment_day_end(day);
        if t + DAY <= self.horizon + 1e-9 {
            self.events.push(t + DAY, Event::DayEnd);
        }
    }

    /// An illness episode ends, treated or not; frees its slot.
    pub(crate) fn end_episode(&mut self, id: u32, completed: bool) {
        self.record_episode_end(id, completed);
        self.episodes.remove(id);
    }

    pub(crate) fn record_episode_end(&mut self, id: u32, completed: bool) {
        let ep = *self.episodes.get(id);
        self.recorder.episode_end(EpisodeEnd {
            counted: ep.counted,
            completed,
            within_county: !ep.left_county,
            cross_region: ep.cross_region,
            travel_minutes: ep.travel_minutes,
            cost: ep.cost,
            severity: ep.severity,
            treated_after: (!ep.treated_at.is_nan()).then_some(ep.treated_at - ep.onset),
            who: self.who(id),
        });
    }

    fn finish(mut self) -> RunOutput {
        let ledger = &mut self.recorder.ledger;
        for ep in self.episodes.iter_live() {
            ledger.episodes_open_at_end += u64::from(ep.kind == Kind::Illness);
            ledger.visits_in_system_at_end += u64::from(matches!(
                ep.phase,
                Phase::Waiting | Phase::InService | Phase::EmergencyWaiting | Phase::EmergencyService
            ));
            ledger.boarding_at_end += u64::from(ep.phase == Phase::Boarding);
            ledger.inpatients_at_end += u64::from(ep.phase == Phase::Inpatient);
        }
        self.recorder
            .finish(self.world, self.replication, self.horizon, &self.residents.all)
    }
}
