//! Collectors the engine feeds, per-replication results, and summaries
//! across replications (mean, sd, 95% t-interval).
//!
//! Warm-up lives here: the engine reports everything, and the recorder
//! keeps only what happens after `warmup_days` (time integrals are clipped
//! at the warm-up boundary; episodes count when their onset is after it).
//! Wait quantiles come from HDR histograms (3 significant digits).

use hdrhistogram::Histogram;

use crate::scenario::Tier;
use crate::world::World;

/// Where a metric applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// The whole system.
    System,
    /// One tier.
    Tier(Tier),
    /// One facility (index into the world's facilities).
    Facility(u32),
    /// One medical community (index into the scenario's alliances).
    Alliance(u32),
}

/// One value of one replication.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Metric {
    /// Where it applies.
    pub scope: Scope,
    /// Name (see the README's outcome reference).
    pub name: &'static str,
    /// Value; NaN where undefined (e.g. mean wait with no patient served).
    pub value: f64,
}

/// One day of one tier in one replication.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DailyRow {
    /// Day index (warm-up days are not reported).
    pub day: u32,
    /// Tier.
    pub tier: Tier,
    /// Arrivals at the tier's facilities.
    pub arrivals: f64,
    /// Mean wait of patients whose service started that day \[minutes\].
    pub mean_wait_minutes: f64,
    /// Largest total queue over the tier's facilities that day.
    pub max_queue: f64,
    /// Busy doctor-minutes / on-duty doctor-minutes.
    pub utilization: f64,
}

/// Unfiltered counts over the whole run (warm-up included), for
/// conservation checks: every visit, episode, admission and coin is
/// accounted for.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Ledger {
    /// Episodes that began.
    pub episodes_started: u64,
    /// Episodes treated to the end.
    pub episodes_completed: u64,
    /// Episodes that ended without treatment.
    pub episodes_unmet: u64,
    /// Episodes still under way at the horizon (follow-ups excluded).
    pub episodes_open_at_end: u64,
    /// Arrivals at facilities' outpatient queues.
    pub visits_arrived: u64,
    /// Consultations finished (treatment or triage).
    pub visits_served: u64,
    /// Patients who left without being seen.
    pub visits_left: u64,
    /// Patients waiting or in service at the horizon.
    pub visits_in_system_at_end: u64,
    /// Patients needing a bed at some facility (transfers ask again).
    pub admission_requests: u64,
    /// Patients given a bed.
    pub admissions: u64,
    /// Inpatients discharged.
    pub discharges: u64,
    /// Boarding patients transferred to the partner.
    pub transfers: u64,
    /// Patients waiting for a bed at the horizon.
    pub boarding_at_end: u64,
    /// Patients in a bed at the horizon.
    pub inpatients_at_end: u64,
    /// Sum of prices billed \[CNY\].
    pub price_total: f64,
    /// Sum paid by the fund \[CNY\].
    pub fund_total: f64,
    /// Sum paid by patients \[CNY\].
    pub oop_total: f64,
    /// Smallest wait seen \[minutes\] (infinity if none).
    pub min_wait_minutes: f64,
}

/// Everything one replication produced.
#[derive(Clone, Debug)]
pub struct RunOutput {
    /// Replication index.
    pub replication: u32,
    /// Metrics in a fixed order (the same in every replication).
    pub metrics: Vec<Metric>,
    /// Daily series per tier.
    pub daily: Vec<DailyRow>,
    /// Conservation counts.
    pub ledger: Ledger,
}

impl RunOutput {
    /// The value of a metric, if present.
    pub fn get(&self, scope: Scope, name: &str) -> Option<f64> {
        self.metrics
            .iter()
            .find(|m| m.scope == scope && m.name == name)
            .map(|m| m.value)
    }
}

/// Time integral of a level, clipped to the measured window.
#[derive(Clone, Copy, Debug, Default)]
struct Integral {
    level: u32,
    last_t: f64,
    area: f64,
    max: u32,
}

impl Integral {
    fn set(&mut self, t: f64, level: u32, from: f64) {
        let start = self.last_t.max(from);
        if t > start {
            self.area += f64::from(self.level) * (t - start);
            // The old level was held inside the window.
            self.max = self.max.max(self.level);
        }
        self.last_t = t;
        self.level = level;
        if t >= from {
            self.max = self.max.max(level);
        }
    }

    /// A fresh integral for the next period, carrying the current level.
    fn restart(&self, t: f64) -> Integral {
        Integral {
            level: self.level,
            last_t: t,
            area: 0.0,
            max: self.level,
        }
    }
}

/// Accumulators of one facility (summed over facilities for a tier).
#[derive(Clone, Debug)]
struct FacilityAcc {
    arrivals: u64,
    served: u64,
    referrals_up_out: u64,
    referrals_up_in: u64,
    referrals_down_out: u64,
    referrals_down_in: u64,
    followup_visits: u64,
    left: u64,
    wait_sum: f64,
    waits: Histogram<u64>,
    queue: Integral,
    busy: Integral,
    /// Doctors on duty (0 while closed).
    on_duty: Integral,
    /// Doctors on the staff, open or not (rotation moves them).
    on_staff: Integral,
    overtime_minutes: f64,
    admissions: u64,
    boarded: u64,
    boarding_wait_sum: f64,
    boarding_n: u64,
    transfers_out: u64,
    occupied: Integral,
    beds: u32,
    cost: f64,
    inpatient_cost: f64,
    fund: f64,
    oop: f64,
}

/// Accumulators of one tier for the current day.
#[derive(Clone, Copy, Debug, Default)]
struct DayAcc {
    arrivals: u64,
    wait_sum: f64,
    waits: u64,
    queue: Integral,
    busy: Integral,
    on_duty: Integral,
}

/// Episode-level accumulators (episodes with onset after warm-up) and
/// system-wide counts.
#[derive(Clone, Debug, Default)]
struct SystemAcc {
    episodes: u64,
    first_contact: [u64; 4],
    mild: u64,
    mild_bypass: u64,
    completed: u64,
    within_county: u64,
    cross_region: u64,
    unmet: u64,
    travel_minutes: f64,
    cost: f64,
    fund: f64,
    oop: f64,
    contract_visits: u64,
    contract_adherent: u64,
    rotation_allowance: f64,
    alliance_fund: Vec<f64>,
}

/// What the engine knows about an episode when it ends.
#[derive(Clone, Copy, Debug)]
pub struct EpisodeEnd {
    /// Onset after warm-up.
    pub counted: bool,
    /// Treated (true) or unmet (false).
    pub completed: bool,
    /// Every visit in the home region at tier <= county.
    pub within_county: bool,
    /// Some visit outside the home region.
    pub cross_region: bool,
    /// Total travel \[minutes\].
    pub travel_minutes: f64,
    /// Total billed for its visits and stay \[CNY\].
    pub cost: f64,
    /// Of which paid by the patient \[CNY\].
    pub oop: f64,
}

/// How a patient arrives at an outpatient queue.
#[derive(Clone, Copy, Debug, Default)]
pub struct ArrivalKind {
    /// Referred up by another facility.
    pub referred_up: bool,
    /// A follow-up visit.
    pub followup: bool,
    /// The first follow-up visit after a referral down.
    pub referred_down: bool,
}

/// Feeds on engine notifications; produces a [`RunOutput`].
pub struct Recorder {
    warmup: f64,
    facility_tier: Vec<Tier>,
    facilities: Vec<FacilityAcc>,
    today: [DayAcc; 4],
    daily: Vec<DailyRow>,
    system: SystemAcc,
    /// Conservation counts, warm-up included.
    pub ledger: Ledger,
}

impl Recorder {
    /// A recorder for `world`; every facility starts closed with its base staff.
    pub fn new(world: &World) -> Recorder {
        let facilities = world
            .facilities
            .iter()
            .map(|f| FacilityAcc::new(f.beds, f.doctors))
            .collect();
        Recorder {
            warmup: f64::from(world.scenario.warmup_days) * 1440.0,
            facility_tier: world.facilities.iter().map(|f| f.tier).collect(),
            facilities,
            today: [DayAcc::default(); 4],
            daily: Vec::new(),
            system: SystemAcc {
                alliance_fund: vec![0.0; world.scenario.alliances.len()],
                ..SystemAcc::default()
            },
            ledger: Ledger {
                min_wait_minutes: f64::INFINITY,
                ..Ledger::default()
            },
        }
    }

    fn measured(&self, t: f64) -> bool {
        t >= self.warmup
    }

    fn tier_of(&self, f: u32) -> usize {
        self.facility_tier[f as usize] as usize
    }

    /// A patient reaches facility `f`'s outpatient queue.
    pub fn arrival(&mut self, t: f64, f: u32, kind: ArrivalKind) {
        self.ledger.visits_arrived += 1;
        if self.measured(t) {
            let tier = self.tier_of(f);
            let acc = &mut self.facilities[f as usize];
            acc.arrivals += 1;
            acc.referrals_up_in += u64::from(kind.referred_up);
            acc.followup_visits += u64::from(kind.followup);
            acc.referrals_down_in += u64::from(kind.referred_down);
            self.today[tier].arrivals += 1;
        }
    }

    /// A contracted resident's visit; `adherent` if at a contracted facility.
    pub fn contract_visit(&mut self, t: f64, adherent: bool) {
        if self.measured(t) {
            self.system.contract_visits += 1;
            self.system.contract_adherent += u64::from(adherent);
        }
    }

    /// The queue at `f` changed to `len` (tier total `tier_len`).
    pub fn queue(&mut self, t: f64, f: u32, len: u32, tier_len: u32) {
        let tier = self.tier_of(f);
        self.facilities[f as usize].queue.set(t, len, self.warmup);
        self.today[tier].queue.set(t, tier_len, self.warmup);
    }

    /// Busy doctors at `f` changed to `busy` (tier total `tier_busy`).
    pub fn busy(&mut self, t: f64, f: u32, busy: u32, tier_busy: u32) {
        let tier = self.tier_of(f);
        self.facilities[f as usize].busy.set(t, busy, self.warmup);
        self.today[tier].busy.set(t, tier_busy, self.warmup);
    }

    /// Staffing at `f` changed: doctors on the staff, on duty now (0 while
    /// closed), and the tier's total on duty.
    pub fn staffing(&mut self, t: f64, f: u32, on_staff: u32, on_duty: u32, tier_on_duty: u32) {
        let tier = self.tier_of(f);
        let acc = &mut self.facilities[f as usize];
        acc.on_staff.set(t, on_staff, self.warmup);
        acc.on_duty.set(t, on_duty, self.warmup);
        self.today[tier].on_duty.set(t, tier_on_duty, self.warmup);
    }

    /// Service starts after `wait` minutes for a patient who arrived at `arrived`.
    pub fn service_start(&mut self, t: f64, f: u32, arrived: f64, wait: f64, overtime: f64) {
        self.ledger.min_wait_minutes = self.ledger.min_wait_minutes.min(wait);
        let tier = self.tier_of(f);
        let warm = self.warmup;
        let acc = &mut self.facilities[f as usize];
        if warm <= t {
            acc.overtime_minutes += overtime;
            self.today[tier].wait_sum += wait;
            self.today[tier].waits += 1;
        }
        if warm <= arrived {
            acc.wait_sum += wait;
            // `record` grows the histogram; `saturating_record` would clamp
            // long waits to its current top instead.
            let seconds = (wait * 60.0).round() as u64;
            if acc.waits.record(seconds).is_err() {
                acc.waits.saturating_record(seconds);
            }
        }
    }

    /// A bill at `f`: an outpatient consultation (`inpatient` false) or a
    /// stay; `alliance` is the patient's medical community.
    pub fn bill(&mut self, t: f64, f: u32, price: f64, fund: f64, inpatient: bool, alliance: u32) {
        let oop = price - fund;
        self.ledger.price_total += price;
        self.ledger.fund_total += fund;
        self.ledger.oop_total += oop;
        if self.measured(t) {
            let acc = &mut self.facilities[f as usize];
            acc.cost += price;
            acc.fund += fund;
            acc.oop += oop;
            if inpatient {
                acc.inpatient_cost += price;
            }
            self.system.alliance_fund[alliance as usize] += fund;
        }
    }

    /// A consultation at `f` ended (treatment or triage before referral up).
    pub fn served(&mut self, t: f64, f: u32, referred_up: bool) {
        self.ledger.visits_served += 1;
        if self.measured(t) {
            let acc = &mut self.facilities[f as usize];
            acc.served += 1;
            acc.referrals_up_out += u64::from(referred_up);
        }
    }

    /// Follow-ups of an episode treated at `f` are referred down.
    pub fn referral_down(&mut self, t: f64, f: u32) {
        if self.measured(t) {
            self.facilities[f as usize].referrals_down_out += 1;
        }
    }

    /// A patient left `f` without being seen.
    pub fn left(&mut self, t: f64, f: u32) {
        self.ledger.visits_left += 1;
        if self.measured(t) {
            self.facilities[f as usize].left += 1;
        }
    }

    /// A patient needs a bed at some facility.
    pub fn bed_request(&mut self) {
        self.ledger.admission_requests += 1;
    }

    /// Occupied beds at `f` changed to `occupied`.
    pub fn beds(&mut self, t: f64, f: u32, occupied: u32) {
        self.facilities[f as usize].occupied.set(t, occupied, self.warmup);
    }

    /// A patient got a bed at `f` after waiting `boarding` minutes.
    pub fn admission(&mut self, t: f64, f: u32, boarding: f64) {
        self.ledger.admissions += 1;
        if self.measured(t) {
            let acc = &mut self.facilities[f as usize];
            acc.admissions += 1;
            if boarding > 0.0 {
                acc.boarded += 1;
            }
            acc.boarding_wait_sum += boarding;
            acc.boarding_n += 1;
        }
    }

    /// A boarding patient at `f` is transferred after waiting `boarding` minutes.
    pub fn transfer(&mut self, t: f64, f: u32, boarding: f64) {
        self.ledger.transfers += 1;
        if self.measured(t) {
            let acc = &mut self.facilities[f as usize];
            acc.transfers_out += 1;
            acc.boarding_wait_sum += boarding;
            acc.boarding_n += 1;
        }
    }

    /// An inpatient left their bed.
    pub fn discharge(&mut self) {
        self.ledger.discharges += 1;
    }

    /// Rotation allowances paid at the end of a stint \[CNY\].
    pub fn allowance(&mut self, t: f64, amount: f64) {
        if self.measured(t) {
            self.system.rotation_allowance += amount;
        }
    }

    /// An episode began; `first` is the tier of its first chosen facility.
    pub fn episode_start(&mut self, counted: bool, mild: bool, first: Option<Tier>) {
        self.ledger.episodes_started += 1;
        if !counted {
            return;
        }
        let s = &mut self.system;
        s.episodes += 1;
        if let Some(tier) = first {
            s.first_contact[tier as usize] += 1;
        }
        if mild {
            s.mild += 1;
            s.mild_bypass += u64::from(first.is_some_and(|t| t >= Tier::County));
        }
    }

    /// An episode ended (follow-ups, if any, go on separately).
    pub fn episode_end(&mut self, e: EpisodeEnd) {
        if e.completed {
            self.ledger.episodes_completed += 1;
        } else {
            self.ledger.episodes_unmet += 1;
        }
        if !e.counted {
            return;
        }
        let s = &mut self.system;
        s.travel_minutes += e.travel_minutes;
        s.cost += e.cost;
        s.oop += e.oop;
        s.fund += e.cost - e.oop;
        if e.completed {
            s.completed += 1;
            s.within_county += u64::from(e.within_county);
            s.cross_region += u64::from(e.cross_region);
        } else {
            s.unmet += 1;
        }
    }

    /// Midnight ending `day`: closes the day's tier series.
    pub fn day_end(&mut self, day: u32, t: f64) {
        for tier in Tier::ALL {
            let acc = &mut self.today[tier as usize];
            acc.queue.set(t, acc.queue.level, self.warmup);
            acc.busy.set(t, acc.busy.level, self.warmup);
            acc.on_duty.set(t, acc.on_duty.level, self.warmup);
            if t > self.warmup {
                self.daily.push(DailyRow {
                    day,
                    tier,
                    arrivals: acc.arrivals as f64,
                    mean_wait_minutes: ratio(acc.wait_sum, acc.waits as f64),
                    max_queue: f64::from(acc.queue.max),
                    utilization: ratio(acc.busy.area, acc.on_duty.area),
                });
            }
            *acc = DayAcc {
                queue: acc.queue.restart(t),
                busy: acc.busy.restart(t),
                on_duty: acc.on_duty.restart(t),
                ..DayAcc::default()
            };
        }
    }

    /// Closes integrals at the horizon and lays out the metrics.
    pub fn finish(mut self, world: &World, replication: u32, horizon: f64) -> RunOutput {
        let measured_minutes = horizon - self.warmup;
        let warm = self.warmup;
        for acc in &mut self.facilities {
            for i in [
                &mut acc.queue,
                &mut acc.busy,
                &mut acc.on_duty,
                &mut acc.on_staff,
                &mut acc.occupied,
            ] {
                i.set(horizon, i.level, warm);
            }
        }
        let mut metrics = Vec::new();
        let mut push = |scope, name, value| metrics.push(Metric { scope, name, value });
        let mut tiers: Vec<Option<FacilityAcc>> = vec![None, None, None, None];
        for (i, acc) in self.facilities.iter().enumerate() {
            match &mut tiers[world.facilities[i].tier as usize] {
                slot @ None => *slot = Some(acc.clone()),
                Some(sum) => sum.add(acc),
            }
        }
        let tiers: Vec<FacilityAcc> = tiers
            .into_iter()
            .map(|t| t.unwrap_or_else(|| FacilityAcc::new(0, 0)))
            .collect();
        self.system_metrics(&mut push, world, &tiers, measured_minutes);
        let s = &self.system;
        for tier in Tier::ALL {
            let scope = Scope::Tier(tier);
            push(
                scope,
                "first_contact_share",
                ratio(s.first_contact[tier as usize] as f64, s.episodes as f64),
            );
            facility_metrics(&mut push, scope, &tiers[tier as usize], measured_minutes);
        }
        for (i, acc) in self.facilities.iter().enumerate() {
            facility_metrics(&mut push, Scope::Facility(i as u32), acc, measured_minutes);
        }
        if let Some(b) = world.scenario.budget {
            for (a, &fund) in s.alliance_fund.iter().enumerate() {
                let budget = b.per_capita_year * world.alliance_population[a] as f64 * measured_minutes / 525_600.0;
                push(Scope::Alliance(a as u32), "budget", budget);
                push(Scope::Alliance(a as u32), "fund_spent", fund);
                push(Scope::Alliance(a as u32), "surplus", budget - fund);
            }
        }
        RunOutput {
            replication,
            metrics,
            daily: self.daily,
            ledger: self.ledger,
        }
    }

    fn system_metrics(
        &self,
        push: &mut impl FnMut(Scope, &'static str, f64),
        world: &World,
        tiers: &[FacilityAcc],
        measured_minutes: f64,
    ) {
        let s = &self.system;
        let sys = Scope::System;
        let ended = (s.completed + s.unmet) as f64;
        let arrivals: u64 = tiers.iter().map(|t| t.arrivals).sum();
        push(sys, "episodes", s.episodes as f64);
        push(
            sys,
            "first_contact_grassroots_share",
            ratio((s.first_contact[0] + s.first_contact[1]) as f64, s.episodes as f64),
        );
        push(
            sys,
            "grassroots_visit_share",
            ratio((tiers[0].arrivals + tiers[1].arrivals) as f64, arrivals as f64),
        );
        push(
            sys,
            "within_county_rate",
            ratio(s.within_county as f64, s.completed as f64),
        );
        push(sys, "bypass_rate", ratio(s.mild_bypass as f64, s.mild as f64));
        push(
            sys,
            "cross_region_share",
            ratio(s.cross_region as f64, s.completed as f64),
        );
        push(sys, "mean_travel_minutes", ratio(s.travel_minutes, ended));
        push(sys, "unmet_episodes", s.unmet as f64);
        push(sys, "cost_per_episode", ratio(s.cost, ended));
        push(sys, "oop_share", ratio(s.oop, s.cost));
        push(sys, "cost_total", s.cost);
        push(sys, "fund_total", s.fund);
        push(sys, "oop_total", s.oop);
        push(
            sys,
            "contract_adherence",
            ratio(s.contract_adherent as f64, s.contract_visits as f64),
        );
        push(
            sys,
            "admissions",
            tiers.iter().map(|t| t.admissions).sum::<u64>() as f64,
        );
        push(
            sys,
            "transfers",
            tiers.iter().map(|t| t.transfers_out).sum::<u64>() as f64,
        );
        push(
            sys,
            "referrals_up",
            tiers.iter().map(|t| t.referrals_up_out).sum::<u64>() as f64,
        );
        push(
            sys,
            "referrals_down",
            tiers.iter().map(|t| t.referrals_down_out).sum::<u64>() as f64,
        );
        push(sys, "rotation_allowance", s.rotation_allowance);
        if let Some(b) = world.scenario.budget {
            let residents: u64 = world.alliance_population.iter().sum();
            let budget = b.per_capita_year * residents as f64 * measured_minutes / 525_600.0;
            let spent: f64 = s.alliance_fund.iter().sum();
            push(sys, "budget_total", budget);
            push(sys, "budget_fund_spent", spent);
            push(sys, "budget_surplus", budget - spent);
        }
    }
}

impl FacilityAcc {
    fn new(beds: u32, doctors: u32) -> FacilityAcc {
        FacilityAcc {
            arrivals: 0,
            served: 0,
            referrals_up_out: 0,
            referrals_up_in: 0,
            referrals_down_out: 0,
            referrals_down_in: 0,
            followup_visits: 0,
            left: 0,
            wait_sum: 0.0,
            waits: wait_histogram(),
            queue: Integral::default(),
            busy: Integral::default(),
            on_duty: Integral::default(),
            on_staff: Integral {
                level: doctors,
                ..Integral::default()
            },
            overtime_minutes: 0.0,
            admissions: 0,
            boarded: 0,
            boarding_wait_sum: 0.0,
            boarding_n: 0,
            transfers_out: 0,
            occupied: Integral::default(),
            beds,
            cost: 0.0,
            inpatient_cost: 0.0,
            fund: 0.0,
            oop: 0.0,
        }
    }

    /// Adds another facility's totals (for tier aggregates). A tier's
    /// `queue_max` is the largest queue at any one of its facilities.
    fn add(&mut self, o: &FacilityAcc) {
        self.arrivals += o.arrivals;
        self.served += o.served;
        self.referrals_up_out += o.referrals_up_out;
        self.referrals_up_in += o.referrals_up_in;
        self.referrals_down_out += o.referrals_down_out;
        self.referrals_down_in += o.referrals_down_in;
        self.followup_visits += o.followup_visits;
        self.left += o.left;
        self.wait_sum += o.wait_sum;
        self.waits.add(&o.waits).expect("auto-resizing histograms always add");
        self.queue.area += o.queue.area;
        self.queue.max = self.queue.max.max(o.queue.max);
        for (a, b) in [
            (&mut self.busy, &o.busy),
            (&mut self.on_duty, &o.on_duty),
            (&mut self.on_staff, &o.on_staff),
            (&mut self.occupied, &o.occupied),
        ] {
            a.area += b.area;
        }
        self.overtime_minutes += o.overtime_minutes;
        self.admissions += o.admissions;
        self.boarded += o.boarded;
        self.boarding_wait_sum += o.boarding_wait_sum;
        self.boarding_n += o.boarding_n;
        self.transfers_out += o.transfers_out;
        self.beds += o.beds;
        self.cost += o.cost;
        self.inpatient_cost += o.inpatient_cost;
        self.fund += o.fund;
        self.oop += o.oop;
    }
}

fn facility_metrics(
    push: &mut impl FnMut(Scope, &'static str, f64),
    scope: Scope,
    a: &FacilityAcc,
    measured_minutes: f64,
) {
    let n = a.waits.len();
    let q = |p: f64| {
        if n == 0 {
            f64::NAN
        } else {
            a.waits.value_at_quantile(p) as f64 / 60.0
        }
    };
    push(scope, "arrivals", a.arrivals as f64);
    push(scope, "served", a.served as f64);
    push(scope, "referrals_up_out", a.referrals_up_out as f64);
    push(scope, "referrals_up_in", a.referrals_up_in as f64);
    push(scope, "referrals_down_out", a.referrals_down_out as f64);
    push(scope, "referrals_down_in", a.referrals_down_in as f64);
    push(scope, "followup_visits", a.followup_visits as f64);
    push(scope, "left_without_being_seen", a.left as f64);
    push(scope, "wait_mean_minutes", ratio(a.wait_sum, n as f64));
    push(scope, "wait_p50_minutes", q(0.50));
    push(scope, "wait_p90_minutes", q(0.90));
    push(scope, "wait_p95_minutes", q(0.95));
    push(scope, "queue_mean", ratio(a.queue.area, measured_minutes));
    push(scope, "queue_max", f64::from(a.queue.max));
    push(scope, "utilization", ratio(a.busy.area, a.on_duty.area));
    push(scope, "doctors_mean", ratio(a.on_staff.area, measured_minutes));
    push(scope, "overtime_minutes", a.overtime_minutes);
    push(scope, "admissions", a.admissions as f64);
    push(
        scope,
        "bed_occupancy",
        ratio(a.occupied.area, f64::from(a.beds) * measured_minutes),
    );
    push(scope, "boarded", a.boarded as f64);
    push(
        scope,
        "boarding_mean_minutes",
        ratio(a.boarding_wait_sum, a.boarding_n as f64),
    );
    push(scope, "transfers_out", a.transfers_out as f64);
    push(scope, "cost", a.cost);
    push(scope, "inpatient_cost", a.inpatient_cost);
    push(scope, "fund", a.fund);
    push(scope, "oop", a.oop);
}

/// Waits in seconds, 3 significant digits; sized for a month and growing
/// beyond it on demand.
fn wait_histogram() -> Histogram<u64> {
    let mut h = Histogram::new_with_bounds(1, 60 * 60 * 24 * 31, 3).expect("valid HDR bounds");
    h.auto(true);
    h
}

/// a / b, NaN when b is 0 (an undefined rate, reported as null).
pub fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { f64::NAN }
}

/// A metric summarised across replications.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Where it applies.
    pub scope: Scope,
    /// Name.
    pub name: &'static str,
    /// Mean over replications with a defined value.
    pub mean: f64,
    /// Sample standard deviation (NaN for n < 2).
    pub sd: f64,
    /// Lower end of the 95% t-interval (NaN for n < 2).
    pub ci_low: f64,
    /// Upper end of the 95% t-interval (NaN for n < 2).
    pub ci_high: f64,
    /// Replications with a defined value.
    pub n: u32,
}

/// Mean, sd and 95% t-interval of the finite values.
pub fn describe(values: impl IntoIterator<Item = f64>) -> (f64, f64, f64, f64, u32) {
    let v: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
    let n = v.len();
    if n == 0 {
        return (f64::NAN, f64::NAN, f64::NAN, f64::NAN, 0);
    }
    let mean = v.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, f64::NAN, f64::NAN, f64::NAN, 1);
    }
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let sd = var.sqrt();
    let half = t_quantile_975((n - 1) as u32) * sd / (n as f64).sqrt();
    (mean, sd, mean - half, mean + half, n as u32)
}

/// Summarises replications metric by metric, in the order of the first
/// run's metrics. Sequential on purpose: float sums in a fixed order keep
/// outputs identical on any thread count.
pub fn summarise(runs: &[RunOutput]) -> Vec<Summary> {
    let Some(first) = runs.first() else { return Vec::new() };
    first
        .metrics
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let (mean, sd, ci_low, ci_high, n) = describe(runs.iter().map(|r| r.metrics[i].value));
            Summary {
                scope: m.scope,
                name: m.name,
                mean,
                sd,
                ci_low,
                ci_high,
                n,
            }
        })
        .collect()
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom (NaN
/// for `df = 0`), from `statrs`. Its inverse CDF drifts at large `df`
/// (its CDF at the returned point is 0.9749996 for df = 100,000), so one
/// Newton step on its accurate CDF polishes the root; beyond 100,000
/// degrees of freedom, where `statrs`' t CDF itself drifts, the normal
/// quantile is used: it differs from t's by less than 2.5e-5 there.
pub fn t_quantile_975(df: u32) -> f64 {
    use statrs::distribution::{Continuous, ContinuousCDF, Normal, StudentsT};
    const P: f64 = 0.975;
    if df > 100_000 {
        return Normal::standard().inverse_cdf(P);
    }
    let Ok(t) = StudentsT::new(0.0, 1.0, f64::from(df)) else {
        return f64::NAN;
    };
    let q = t.inverse_cdf(P);
    q - (t.cdf(q) - P) / t.pdf(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_tables() {
        // Abramowitz & Stegun table 26.10 (4 decimals) and R's qt(0.975, df).
        assert!((t_quantile_975(1) - 12.706_204_736).abs() < 1e-6);
        assert!((t_quantile_975(9) - 2.262_157_163).abs() < 1e-8);
        assert!((t_quantile_975(40) - 2.021_075_390).abs() < 1e-8);
        assert!((t_quantile_975(120) - 1.979_930_405).abs() < 1e-8);
        assert!((t_quantile_975(100_000) - 1.959_987_7).abs() < 1e-7);
        assert!((t_quantile_975(u32::MAX) - 1.959_964_0).abs() < 1e-7);
        assert!(t_quantile_975(0).is_nan());
    }

    #[test]
    fn describe_gives_t_interval() {
        let (mean, sd, lo, hi, n) = describe([1.0, 2.0, 3.0, f64::NAN]);
        assert_eq!((mean, n), (2.0, 3));
        assert!((sd - 1.0).abs() < 1e-12);
        let half = 4.302_652_730 / 3f64.sqrt();
        assert!((lo - (2.0 - half)).abs() < 1e-8 && (hi - (2.0 + half)).abs() < 1e-8);
    }

    #[test]
    fn integral_clips_at_warmup() {
        let mut i = Integral::default();
        i.set(0.0, 2, 10.0);
        i.set(20.0, 0, 10.0);
        assert_eq!(i.area, 20.0);
        assert_eq!(i.max, 2);
    }
}
