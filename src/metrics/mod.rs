//! Collectors the engine feeds, per-replication results, and summaries
//! across replications (mean, sd, 95% t-interval).
//!
//! Warm-up lives here: the engine reports everything, and the recorder
//! keeps only what happens after `warmup_days` (time integrals are clipped
//! at the warm-up boundary; episodes count when their onset is after it).
//! Wait quantiles come from HDR histograms (3 significant digits).
//!
//! Money is one ledger: every bill is booked once, at its facility, in
//! whole cents (price and fund part rounded to the cent, the patient's
//! part the difference), so the tier, system and alliance totals are
//! integer sums of the facilities' and equal them exactly. Per-episode
//! figures (`cost_per_episode`) follow episodes instead and say so. With
//! `[drugs]` the markup forgone is booked the same way beside each bill;
//! the government's compensation is the compensation share of a
//! facility's markup forgone, rounded to the cent once per facility (not
//! per bill, whose roundings would drift from that share), and a
//! facility's revenue is its price billed plus its compensation. [`Books`] keep the same
//! money per year and facility, warm-up included, as the engine computed
//! it, for conservation checks.
//!
//! Every patient-level notification carries its patient ([`Who`]), so
//! the system's figures are also kept per group of residents
//! ([`groups`]: income group, scheme, region, travel quintile) and add up.

use hdrhistogram::Histogram;

use crate::engine::state::Resident;
use crate::levers::outcome::{OutcomeModel, poor_outcome_probability};
use crate::scenario::{RegionId, Severity, Tier};
use crate::world::World;

pub mod catalogue;
pub mod groups;

use catalogue::MetricId as M;
pub use catalogue::{MetricId, ScopeKind, Unit};
pub use groups::{Dimension, Who};

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
    /// One group of residents: its dimension and its index there (income
    /// group, scheme, region, travel quintile 0 to 4; see [`groups`]).
    Group(Dimension, u32),
}

impl Scope {
    /// The kind of scope.
    pub fn kind(self) -> ScopeKind {
        match self {
            Scope::System => ScopeKind::System,
            Scope::Tier(_) => ScopeKind::Tier,
            Scope::Facility(_) => ScopeKind::Facility,
            Scope::Alliance(_) => ScopeKind::Alliance,
            Scope::Group(..) => ScopeKind::Group,
        }
    }
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
    pub wait_mean_minutes: f64,
    /// Largest total queue over the tier's facilities that day.
    pub max_queue: f64,
    /// Busy doctor-minutes / on-duty doctor-minutes.
    pub utilization: f64,
}

impl DailyRow {
    /// The value of a daily metric (see [`catalogue::at`]`(Daily)`).
    pub fn value(&self, id: MetricId) -> Option<f64> {
        Some(match id {
            M::Arrivals => self.arrivals,
            M::WaitMeanMinutes => self.wait_mean_minutes,
            M::MaxQueue => self.max_queue,
            M::Utilization => self.utilization,
            _ => return None,
        })
    }
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
    /// Sum paid by the serious-illness payer \[CNY\].
    pub serious_illness_total: f64,
    /// Sum paid by patients, after both payers \[CNY\].
    pub oop_total: f64,
    /// Smallest wait seen \[minutes\] (infinity if none).
    pub min_wait_minutes: f64,
}

/// One bill as the engine split it \[CNY\], for [`Recorder::bill`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Bill {
    /// The price billed (after any zero-markup reform).
    pub price: f64,
    /// Paid by the fund.
    pub fund: f64,
    /// Paid by the serious-illness payer.
    pub serious_illness: f64,
    /// Paid by the patient, after both payers.
    pub patient: f64,
    /// The drug markup the facility forgoes on it (`[drugs]`).
    pub markup_forgone: f64,
    /// Paid by the government to the facility for the markup forgone.
    pub compensation: f64,
    /// A stay (true) or an outpatient consultation.
    pub inpatient: bool,
    /// The patient's medical community.
    pub alliance: u32,
}

/// One facility's money over one year \[CNY\], each payer's part as the
/// engine computed it (not derived here), so conservation can be checked:
/// `price` = `fund` + `serious_illness` + `patient` and `revenue` =
/// `price` + `compensation`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Account {
    /// Prices billed.
    pub price: f64,
    /// Paid by the fund.
    pub fund: f64,
    /// Paid by the serious-illness payer.
    pub serious_illness: f64,
    /// Paid by patients.
    pub patient: f64,
    /// Drug markup forgone.
    pub markup_forgone: f64,
    /// Government compensation.
    pub compensation: f64,
    /// What the facility received: every payer and the government.
    pub revenue: f64,
}

/// Accounts per 365-day year of the run and facility, warm-up included.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Books {
    /// `years[y][f]`: facility `f` in year `y` (a year with no bill yet
    /// is still there when a later one has bills).
    pub years: Vec<Vec<Account>>,
}

impl Books {
    /// Books a bill billed at `t` at facility `f` of `facilities`.
    fn book(&mut self, t: f64, f: u32, facilities: usize, b: &Bill) {
        let year = (t / YEAR_MINUTES).floor() as usize;
        if self.years.len() <= year {
            self.years.resize(year + 1, vec![Account::default(); facilities]);
        }
        let a = &mut self.years[year][f as usize];
        a.price += b.price;
        a.fund += b.fund;
        a.serious_illness += b.serious_illness;
        a.patient += b.patient;
        a.markup_forgone += b.markup_forgone;
        a.compensation += b.compensation;
        a.revenue += b.fund + b.serious_illness + b.patient + b.compensation;
    }
}

/// Minutes in the 365-day years that caps and payers restart on.
const YEAR_MINUTES: f64 = 365.0 * 1440.0;

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
    /// Money per year and facility.
    pub books: Books,
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

/// Declares a struct of running totals and its field-by-field `add`,
/// naming each field once.
macro_rules! totals {
    ($(#[$meta:meta])* struct $name:ident { $($(#[$fmeta:meta])* $field:ident: $ty:ty,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Default)]
        struct $name {
            $($(#[$fmeta])* $field: $ty,)*
        }

        impl $name {
            /// Adds another's totals, field by field.
            fn add(&mut self, o: &$name) {
                $(self.$field += o.$field;)*
            }
        }
    };
}

totals! {
    /// Counts and sums of one facility (summed over facilities for a tier).
    struct Totals {
        arrivals: u64,
        served: u64,
        referrals_up_out: u64,
        referrals_up_in: u64,
        referrals_down_out: u64,
        referrals_down_in: u64,
        followup_visits: u64,
        left: u64,
        wait_sum: f64,
        wait_referred_sum: f64,
        wait_referred_n: u64,
        wait_unreferred_sum: f64,
        wait_unreferred_n: u64,
        emergency_arrivals: u64,
        emergency_wait_sum: f64,
        overtime_minutes: f64,
        admissions: u64,
        boarded: u64,
        boarding_wait_sum: f64,
        boarding_n: u64,
        transfers_out: u64,
        admissions_forgone: u64,
        admissions_delayed: u64,
        quota_redirected: u64,
        quota_turned_away: u64,
        beds: u32,
        /// Money in cents (see the module notes).
        cost: i64,
        inpatient_cost: i64,
        fund: i64,
        serious_illness: i64,
        oop: i64,
        markup_forgone: i64,
        compensation: i64,
    }
}

/// A level a facility's accumulators integrate over time.
#[derive(Clone, Copy, Debug)]
enum Level {
    /// Patients waiting.
    Queue,
    /// Doctors busy.
    Busy,
    /// Doctors on duty (0 while closed).
    OnDuty,
    /// Doctors on the staff, open or not (rotation moves them).
    OnStaff,
    /// Beds occupied.
    Occupied,
}

/// Accumulators of one facility (summed over facilities for a tier).
#[derive(Clone, Debug)]
struct FacilityAcc {
    n: Totals,
    /// Outpatient waits.
    waits: Histogram<u64>,
    /// Emergency department waits, once there is one (most facilities
    /// have no department: no histogram for them).
    emergency_waits: Option<Histogram<u64>>,
    /// Indexed by [`Level`].
    levels: [Integral; 5],
}

impl std::ops::Index<Level> for FacilityAcc {
    type Output = Integral;
    fn index(&self, l: Level) -> &Integral {
        &self.levels[l as usize]
    }
}

impl std::ops::IndexMut<Level> for FacilityAcc {
    fn index_mut(&mut self, l: Level) -> &mut Integral {
        &mut self.levels[l as usize]
    }
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
    /// Billed to ended episodes, for the per-episode figure \[CNY\].
    cost: f64,
    contract_visits: u64,
    contract_adherent: u64,
    rotation_allowance: f64,
    /// Fund payments per patient's alliance \[cents\].
    alliance_fund: Vec<i64>,
    /// Residents' first serious-illness payments of a year.
    serious_illness_beneficiaries: u64,
    /// Residents' consultations, and those at a facility of their home region.
    visits: u64,
    visits_in_county: u64,
    /// Residents' admissions, and those at a facility of their home region.
    admissions: u64,
    admissions_in_county: u64,
    /// Onset to capable care, per severity.
    time_to_care: Vec<Delays>,
    /// With an outcome model: expected poor outcomes, and the severe and
    /// critical episodes they are out of (treated, or ended unmet).
    poor_outcomes: f64,
    outcome_episodes: u64,
}

/// Delays of one severity: their sum and histogram (seconds).
#[derive(Clone, Debug)]
struct Delays {
    sum_minutes: f64,
    hist: Histogram<u64>,
}

impl Delays {
    fn new() -> Delays {
        Delays {
            sum_minutes: 0.0,
            hist: wait_histogram(),
        }
    }

    fn record(&mut self, minutes: f64) {
        self.sum_minutes += minutes;
        record_seconds(&mut self.hist, minutes);
    }

    /// The mean delay in minutes (NaN when empty).
    fn mean(&self) -> f64 {
        ratio(self.sum_minutes, self.hist.len() as f64)
    }

    /// The `p` quantile in minutes (NaN when empty).
    fn quantile(&self, p: f64) -> f64 {
        quantile_minutes(&self.hist, p)
    }
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
    /// Its severity (an unmet severe or critical episode is a poor outcome).
    pub severity: Severity,
    /// Onset to the start of its treatment \[minutes\], if it was treated
    /// before it ended unmet (an admission forgone for a deposit).
    pub treated_after: Option<f64>,
    /// Its patient.
    pub who: Who,
}

/// What a patient who cannot raise an admission deposit does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DepositOutcome {
    /// Goes home and comes back for the bed later.
    Delayed,
    /// Goes without the admission; the episode ends unmet.
    Forgone,
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
    facility_region: Vec<RegionId>,
    outcome: Option<OutcomeModel>,
    /// `[drugs] compensation`: the government's share of the markup forgone.
    compensation_share: f64,
    facilities: Vec<FacilityAcc>,
    today: [DayAcc; 4],
    daily: Vec<DailyRow>,
    system: SystemAcc,
    /// Accumulators per group of residents (`groups`).
    groups: groups::Groups,
    /// Conservation counts, warm-up included.
    pub ledger: Ledger,
    /// Money per year and facility, warm-up included.
    books: Books,
}

impl Recorder {
    /// A recorder for `world` and its `residents`; every facility starts
    /// closed with its base staff.
    pub fn new(world: &World, residents: &[Resident]) -> Recorder {
        let facilities = world
            .facilities
            .iter()
            .map(|f| FacilityAcc::new(f.beds, f.doctors))
            .collect();
        Recorder {
            warmup: f64::from(world.scenario.warmup_days) * 1440.0,
            facility_tier: world.facilities.iter().map(|f| f.tier).collect(),
            facility_region: world.facilities.iter().map(|f| f.region).collect(),
            outcome: world.scenario.outcome,
            compensation_share: world.scenario.drugs.map_or(0.0, |d| d.compensation),
            facilities,
            today: [DayAcc::default(); 4],
            daily: Vec::new(),
            system: SystemAcc {
                alliance_fund: vec![0; world.scenario.alliances.len()],
                time_to_care: Severity::ALL.iter().map(|_| Delays::new()).collect(),
                ..SystemAcc::default()
            },
            groups: groups::Groups::new(world, residents),
            ledger: Ledger {
                min_wait_minutes: f64::INFINITY,
                ..Ledger::default()
            },
            books: Books::default(),
        }
    }

    fn measured(&self, t: f64) -> bool {
        t >= self.warmup
    }

    /// Whom notifications about `resident` (`r`) are about.
    #[inline]
    pub fn who(&self, resident: u32, r: Resident) -> Who {
        Who {
            resident,
            cell: self.groups.cell(r),
        }
    }

    /// The accumulators of `who`'s cell.
    #[inline]
    fn cell(&mut self, who: Who) -> &mut groups::GroupAcc {
        &mut self.groups.cells[who.cell as usize]
    }

    fn tier_of(&self, f: u32) -> usize {
        self.facility_tier[f as usize] as usize
    }

    /// A patient reaches facility `f`'s outpatient queue.
    pub fn arrival(&mut self, t: f64, f: u32, kind: ArrivalKind, who: Who) {
        self.ledger.visits_arrived += 1;
        if self.measured(t) {
            let tier = self.tier_of(f);
            let cell = self.cell(who);
            cell.arrivals += 1;
            cell.grassroots_arrivals += u64::from(tier <= Tier::Township as usize);
            let acc = &mut self.facilities[f as usize];
            acc.n.arrivals += 1;
            acc.n.referrals_up_in += u64::from(kind.referred_up);
            acc.n.followup_visits += u64::from(kind.followup);
            acc.n.referrals_down_in += u64::from(kind.referred_down);
            self.today[tier].arrivals += 1;
        }
    }

    /// A contracted resident's visit; `adherent` if at a contracted facility.
    pub fn contract_visit(&mut self, t: f64, adherent: bool, who: Who) {
        if self.measured(t) {
            self.system.contract_visits += 1;
            self.system.contract_adherent += u64::from(adherent);
            let cell = self.cell(who);
            cell.contract_visits += 1;
            cell.contract_adherent += u64::from(adherent);
        }
    }

    /// The queue at `f` changed to `len` (tier total `tier_len`).
    pub fn queue(&mut self, t: f64, f: u32, len: u32, tier_len: u32) {
        let tier = self.tier_of(f);
        self.facilities[f as usize][Level::Queue].set(t, len, self.warmup);
        self.today[tier].queue.set(t, tier_len, self.warmup);
    }

    /// Busy doctors at `f` changed to `busy` (tier total `tier_busy`).
    pub fn busy(&mut self, t: f64, f: u32, busy: u32, tier_busy: u32) {
        let tier = self.tier_of(f);
        self.facilities[f as usize][Level::Busy].set(t, busy, self.warmup);
        self.today[tier].busy.set(t, tier_busy, self.warmup);
    }

    /// Staffing at `f` changed: doctors on the staff, on duty now (0 while
    /// closed), and the tier's total on duty.
    pub fn staffing(&mut self, t: f64, f: u32, on_staff: u32, on_duty: u32, tier_on_duty: u32) {
        let tier = self.tier_of(f);
        let acc = &mut self.facilities[f as usize];
        acc[Level::OnStaff].set(t, on_staff, self.warmup);
        acc[Level::OnDuty].set(t, on_duty, self.warmup);
        self.today[tier].on_duty.set(t, tier_on_duty, self.warmup);
    }

    /// Service starts after `wait` minutes for a patient who arrived at
    /// `arrived`, `referred` up by another facility or not.
    pub fn service_start(&mut self, t: f64, f: u32, arrived: f64, wait: f64, overtime: f64, referred: bool) {
        self.ledger.min_wait_minutes = self.ledger.min_wait_minutes.min(wait);
        let tier = self.tier_of(f);
        let warm = self.warmup;
        let acc = &mut self.facilities[f as usize];
        if warm <= t {
            acc.n.overtime_minutes += overtime;
            self.today[tier].wait_sum += wait;
            self.today[tier].waits += 1;
        }
        if warm <= arrived {
            acc.n.wait_sum += wait;
            if referred {
                acc.n.wait_referred_sum += wait;
                acc.n.wait_referred_n += 1;
            } else {
                acc.n.wait_unreferred_sum += wait;
                acc.n.wait_unreferred_n += 1;
            }
            record_seconds(&mut acc.waits, wait);
        }
    }

    /// Treatment (not a triage) starts at `t` at a facility able to treat
    /// an illness episode of `severity` that began at `onset`: its time to
    /// capable care, and with an outcome model its chance of a poor
    /// outcome. Counted when the onset is after warm-up, as episodes are.
    pub fn treatment_start(&mut self, t: f64, onset: f64, severity: Severity, who: Who) {
        if !self.measured(onset) {
            return;
        }
        let delay = t - onset;
        self.system.time_to_care[severity as usize].record(delay);
        let hazard = self.outcome.and_then(|m| m.hazard_per_hour(severity));
        let cell = &mut self.groups.cells[who.cell as usize];
        cell.care_minutes[severity as usize] += delay;
        cell.care_n[severity as usize] += 1;
        if let Some(h) = hazard {
            let p = poor_outcome_probability(h, delay);
            self.system.poor_outcomes += p;
            self.system.outcome_episodes += 1;
            cell.poor_outcomes += p;
            cell.outcome_episodes += 1;
        }
    }

    /// A patient reaches facility `f`'s emergency department (after
    /// [`Recorder::arrival`], which counts every arrival).
    pub fn emergency_arrival(&mut self, t: f64, f: u32) {
        if self.measured(t) {
            self.facilities[f as usize].n.emergency_arrivals += 1;
        }
    }

    /// An emergency consultation starts after `wait` minutes for a patient
    /// who arrived at `arrived`; kept apart from outpatient waits.
    pub fn emergency_service_start(&mut self, f: u32, arrived: f64, wait: f64) {
        self.ledger.min_wait_minutes = self.ledger.min_wait_minutes.min(wait);
        if self.warmup <= arrived {
            let acc = &mut self.facilities[f as usize];
            acc.n.emergency_wait_sum += wait;
            record_seconds(acc.emergency_waits.get_or_insert_with(wait_histogram), wait);
        }
    }

    /// A bill at `f` at `t`: an outpatient consultation or a stay, split
    /// between the payers, with the markup it forgoes, for the patient `who`.
    pub fn bill(&mut self, t: f64, f: u32, b: &Bill, who: Who) {
        let (price, fund, serious) = (b.price, b.fund, b.serious_illness);
        self.ledger.price_total += price;
        self.ledger.fund_total += fund;
        self.ledger.serious_illness_total += serious;
        self.ledger.oop_total += price - fund - serious;
        self.books.book(t, f, self.facilities.len(), b);
        if self.measured(t) {
            let (price, fund, serious) = (cents(price), cents(fund), cents(serious));
            let acc = &mut self.facilities[f as usize];
            acc.n.cost += price;
            acc.n.fund += fund;
            acc.n.serious_illness += serious;
            acc.n.oop += price - fund - serious;
            acc.n.markup_forgone += cents(b.markup_forgone);
            if b.inpatient {
                acc.n.inpatient_cost += price;
            }
            self.system.alliance_fund[b.alliance as usize] += fund;
            let cell = self.cell(who);
            cell.cost += price;
            cell.fund += fund;
            cell.serious_illness += serious;
            cell.oop += price - fund - serious;
            self.groups.spend(who, cny(price - fund), cny(price - fund - serious));
        }
    }

    /// A resident's first serious-illness payment this year, at `t`.
    pub fn serious_illness_beneficiary(&mut self, t: f64, who: Who) {
        if self.measured(t) {
            self.system.serious_illness_beneficiaries += 1;
            self.cell(who).serious_illness_beneficiaries += 1;
        }
    }

    /// A consultation at `f` ended (treatment or triage before referral
    /// up) for a resident of region `home`.
    pub fn served(&mut self, t: f64, f: u32, referred_up: bool, home: RegionId, who: Who) {
        self.ledger.visits_served += 1;
        if self.measured(t) {
            let acc = &mut self.facilities[f as usize];
            acc.n.served += 1;
            acc.n.referrals_up_out += u64::from(referred_up);
            let in_county = u64::from(self.facility_region[f as usize] == home);
            self.system.visits += 1;
            self.system.visits_in_county += in_county;
            let cell = self.cell(who);
            cell.visits += 1;
            cell.visits_in_county += in_county;
            cell.referrals_up += u64::from(referred_up);
        }
    }

    /// Follow-ups of an episode treated at `f` are referred down.
    pub fn referral_down(&mut self, t: f64, f: u32, who: Who) {
        if self.measured(t) {
            self.facilities[f as usize].n.referrals_down_out += 1;
            self.cell(who).referrals_down += 1;
        }
    }

    /// A patient left `f` without being seen.
    pub fn left(&mut self, t: f64, f: u32) {
        self.ledger.visits_left += 1;
        if self.measured(t) {
            self.facilities[f as usize].n.left += 1;
        }
    }

    /// A patient needs a bed at some facility.
    pub fn bed_request(&mut self) {
        self.ledger.admission_requests += 1;
    }

    /// Occupied beds at `f` changed to `occupied`.
    pub fn beds(&mut self, t: f64, f: u32, occupied: u32) {
        self.facilities[f as usize][Level::Occupied].set(t, occupied, self.warmup);
    }

    /// A resident of region `home` got a bed at `f` after waiting
    /// `boarding` minutes.
    pub fn admission(&mut self, t: f64, f: u32, boarding: f64, home: RegionId, who: Who) {
        self.ledger.admissions += 1;
        if self.measured(t) {
            let in_county = u64::from(self.facility_region[f as usize] == home);
            self.system.admissions += 1;
            self.system.admissions_in_county += in_county;
            let cell = self.cell(who);
            cell.admissions += 1;
            cell.admissions_in_county += in_county;
            let acc = &mut self.facilities[f as usize];
            acc.n.admissions += 1;
            if boarding > 0.0 {
                acc.n.boarded += 1;
            }
            acc.n.boarding_wait_sum += boarding;
            acc.n.boarding_n += 1;
        }
    }

    /// A patient admitted at `f` could not raise the deposit there.
    pub fn deposit(&mut self, t: f64, f: u32, outcome: DepositOutcome) {
        if self.measured(t) {
            let n = &mut self.facilities[f as usize].n;
            match outcome {
                DepositOutcome::Delayed => n.admissions_delayed += 1,
                DepositOutcome::Forgone => n.admissions_forgone += 1,
            }
        }
    }

    /// An arrival beyond `f`'s quota went to choose again (`[[quota]]`).
    pub fn quota_redirected(&mut self, t: f64, f: u32) {
        if self.measured(t) {
            self.facilities[f as usize].n.quota_redirected += 1;
        }
    }

    /// An arrival beyond `f`'s quota was turned away (`[[quota]]`).
    pub fn quota_turned_away(&mut self, t: f64, f: u32) {
        if self.measured(t) {
            self.facilities[f as usize].n.quota_turned_away += 1;
        }
    }

    /// A boarding patient at `f` is transferred after waiting `boarding` minutes.
    pub fn transfer(&mut self, t: f64, f: u32, boarding: f64, who: Who) {
        self.ledger.transfers += 1;
        if self.measured(t) {
            self.cell(who).transfers += 1;
            let acc = &mut self.facilities[f as usize];
            acc.n.transfers_out += 1;
            acc.n.boarding_wait_sum += boarding;
            acc.n.boarding_n += 1;
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
    pub fn episode_start(&mut self, counted: bool, mild: bool, first: Option<Tier>, who: Who) {
        self.ledger.episodes_started += 1;
        if !counted {
            return;
        }
        let bypass = u64::from(first.is_some_and(|t| t >= Tier::County));
        let s = &mut self.system;
        s.episodes += 1;
        if let Some(tier) = first {
            s.first_contact[tier as usize] += 1;
        }
        if mild {
            s.mild += 1;
            s.mild_bypass += bypass;
        }
        let cell = &mut self.groups.cells[who.cell as usize];
        cell.episodes += 1;
        if let Some(tier) = first {
            cell.first_contact[tier as usize] += 1;
        }
        if mild {
            cell.mild += 1;
            cell.mild_bypass += bypass;
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
        let hazard = self.outcome.and_then(|m| m.hazard_per_hour(e.severity));
        let s = &mut self.system;
        let cell = &mut self.groups.cells[e.who.cell as usize];
        s.travel_minutes += e.travel_minutes;
        s.cost += e.cost;
        cell.travel_minutes += e.travel_minutes;
        cell.episode_cost += e.cost;
        if e.completed {
            s.completed += 1;
            s.within_county += u64::from(e.within_county);
            s.cross_region += u64::from(e.cross_region);
            cell.completed += 1;
            cell.within_county += u64::from(e.within_county);
            cell.cross_region += u64::from(e.cross_region);
        } else {
            s.unmet += 1;
            cell.unmet += 1;
            // Unmet: an unbounded delay, a poor outcome for sure. One
            // treated first already counts the chance of its delay
            // (`treatment_start`): it adds the rest, 1 - (1 - exp(-h d)).
            if let Some(h) = hazard {
                let more = match e.treated_after {
                    None => {
                        s.outcome_episodes += 1;
                        cell.outcome_episodes += 1;
                        1.0
                    }
                    Some(d) => 1.0 - poor_outcome_probability(h, d),
                };
                s.poor_outcomes += more;
                cell.poor_outcomes += more;
            }
        }
    }

    /// Midnight ending `day`: closes the day's tier series, and after
    /// every 365th day the payment year of `residents`' spending (`groups`).
    pub fn day_end(&mut self, day: u32, t: f64, residents: &[Resident]) {
        if (day + 1).is_multiple_of(365) {
            self.groups.close_year(t, self.warmup, residents);
        }
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
                    wait_mean_minutes: ratio(acc.wait_sum, acc.waits as f64),
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

    /// Closes integrals at the horizon and lays out the metrics: at each
    /// scope, those of the catalogue in its order.
    pub fn finish(mut self, world: &World, replication: u32, horizon: f64, residents: &[Resident]) -> RunOutput {
        let minutes = horizon - self.warmup;
        let warm = self.warmup;
        self.groups.close_year(horizon, warm, residents);
        for acc in &mut self.facilities {
            for i in &mut acc.levels {
                i.set(horizon, i.level, warm);
            }
        }
        for acc in &mut self.facilities {
            acc.n.compensation = (self.compensation_share * acc.n.markup_forgone as f64).round() as i64;
        }
        let tiers = self.tier_totals(world);
        let budget = world.scenario.budget.map(|b| b.per_capita_year);
        let outcome = world.scenario.outcome;
        let mut metrics = Vec::new();
        let mut push = |scope: Scope, d: &catalogue::MetricDef, value: Option<f64>| {
            let value = value.unwrap_or_else(|| panic!("the recorder has no value of `{}` at {scope:?}", d.name));
            metrics.push(Metric {
                scope,
                name: d.name,
                value,
            });
        };
        let reported = |d: &&catalogue::MetricDef| {
            d.needs.is_none_or(|n| match n {
                catalogue::Needs::Budget => budget.is_some(),
                catalogue::Needs::OutcomeModel => outcome.is_some(),
                catalogue::Needs::Deposit => world.scenario.deposit.is_some(),
                catalogue::Needs::Drugs => world.scenario.drugs.is_some(),
                catalogue::Needs::Quota => !world.scenario.quotas.is_empty(),
            })
        };
        for d in catalogue::at(ScopeKind::System).filter(reported) {
            push(Scope::System, d, self.system_value(d.id, world, &tiers, minutes));
        }
        for tier in Tier::ALL {
            let first = ratio(
                self.system.first_contact[tier as usize] as f64,
                self.system.episodes as f64,
            );
            for d in catalogue::at(ScopeKind::Tier).filter(reported) {
                let value = match d.id {
                    M::FirstContactShare => Some(first),
                    id => facility_value(id, &tiers[tier as usize], minutes),
                };
                push(Scope::Tier(tier), d, value);
            }
        }
        for (i, acc) in self.facilities.iter().enumerate() {
            for d in catalogue::at(ScopeKind::Facility).filter(reported) {
                push(Scope::Facility(i as u32), d, facility_value(d.id, acc, minutes));
            }
        }
        if let Some(per_capita_year) = budget {
            for (a, &fund) in self.system.alliance_fund.iter().enumerate() {
                let budget = per_capita_year * world.alliance_population[a] as f64 * minutes / 525_600.0;
                for d in catalogue::at(ScopeKind::Alliance) {
                    push(Scope::Alliance(a as u32), d, alliance_value(d.id, budget, cny(fund)));
                }
            }
        }
        for (dim, i) in groups::reported(world) {
            let acc = self.groups.total(dim, i);
            for d in catalogue::at(ScopeKind::Group).filter(reported) {
                push(Scope::Group(dim, i), d, acc.value(d.id));
            }
        }
        RunOutput {
            replication,
            metrics,
            daily: self.daily,
            ledger: self.ledger,
            books: self.books,
        }
    }

    /// Facilities' accumulators summed by tier (a tier without facilities
    /// has empty ones), facilities added in index order.
    fn tier_totals(&self, world: &World) -> Vec<FacilityAcc> {
        let mut tiers: Vec<Option<FacilityAcc>> = vec![None, None, None, None];
        for (i, acc) in self.facilities.iter().enumerate() {
            match &mut tiers[world.facilities[i].tier as usize] {
                slot @ None => *slot = Some(acc.clone()),
                Some(sum) => sum.add(acc),
            }
        }
        tiers
            .into_iter()
            .map(|t| t.unwrap_or_else(|| FacilityAcc::new(0, 0)))
            .collect()
    }

    /// A system metric's value; `None` for metrics of other scopes.
    fn system_value(&self, id: MetricId, world: &World, tiers: &[FacilityAcc], minutes: f64) -> Option<f64> {
        let s = &self.system;
        let ended = (s.completed + s.unmet) as f64;
        let total = |f: fn(&Totals) -> u64| tiers.iter().map(|t| f(&t.n)).sum::<u64>() as f64;
        // The ledger: integer cents summed over tiers, so over facilities.
        let money = |f: fn(&Totals) -> i64| cny(tiers.iter().map(|t| f(&t.n)).sum::<i64>());
        let grassroots = (tiers[0].n.arrivals + tiers[1].n.arrivals) as f64;
        Some(match id {
            M::Episodes => s.episodes as f64,
            M::FirstContactGrassrootsShare => {
                ratio((s.first_contact[0] + s.first_contact[1]) as f64, s.episodes as f64)
            }
            M::FirstContactTierMean => {
                // Tiers are indices, village 0 to regional 3.
                let levels: u64 = s.first_contact.iter().zip(0u64..).map(|(&n, tier)| n * tier).sum();
                ratio(levels as f64, s.first_contact.iter().sum::<u64>() as f64)
            }
            M::GrassrootsVisitShare => ratio(grassroots, total(|t| t.arrivals)),
            M::WithinCountyRate => ratio(s.within_county as f64, s.completed as f64),
            M::CountyTreatmentRateVisits => ratio(s.visits_in_county as f64, s.visits as f64),
            M::CountyTreatmentRateAdmissions => ratio(s.admissions_in_county as f64, s.admissions as f64),
            M::BypassRate => ratio(s.mild_bypass as f64, s.mild as f64),
            M::CrossRegionShare => ratio(s.cross_region as f64, s.completed as f64),
            M::MeanTravelMinutes => ratio(s.travel_minutes, ended),
            M::UnmetEpisodes => s.unmet as f64,
            M::CostPerEpisode => ratio(s.cost, ended),
            M::OopShare => ratio(money(|t| t.oop), money(|t| t.cost)),
            M::CostTotal => money(|t| t.cost),
            M::FundTotal => money(|t| t.fund),
            M::OopTotal => money(|t| t.oop),
            M::SeriousIllnessPaid => money(|t| t.serious_illness),
            M::SeriousIllnessBeneficiaries => s.serious_illness_beneficiaries as f64,
            M::Revenue => money(|t| t.cost + t.compensation),
            M::MarkupForgone => money(|t| t.markup_forgone),
            M::GovernmentCompensation => money(|t| t.compensation),
            M::ContractAdherence => ratio(s.contract_adherent as f64, s.contract_visits as f64),
            M::Admissions => total(|t| t.admissions),
            M::Transfers => total(|t| t.transfers_out),
            M::AdmissionsForgone => total(|t| t.admissions_forgone),
            M::AdmissionsDelayed => total(|t| t.admissions_delayed),
            M::QuotaRedirected => total(|t| t.quota_redirected),
            M::QuotaTurnedAway => total(|t| t.quota_turned_away),
            M::ReferralsUp => total(|t| t.referrals_up_out),
            M::ReferralsDown => total(|t| t.referrals_down_out),
            M::RotationAllowance => s.rotation_allowance,
            M::PoorOutcomes => s.poor_outcomes,
            M::PoorOutcomesPer10k => 10_000.0 * ratio(s.poor_outcomes, s.outcome_episodes as f64),
            M::BudgetTotal | M::BudgetFundSpent | M::BudgetSurplus => {
                let b = world.scenario.budget?;
                let residents: u64 = world.alliance_population.iter().sum();
                let budget = b.per_capita_year * residents as f64 * minutes / 525_600.0;
                let spent = cny(s.alliance_fund.iter().sum());
                alliance_value(id, budget, spent)?
            }
            id => time_to_care_value(id, &s.time_to_care).or_else(|| self.groups.system_value(id, world))?,
        })
    }
}

impl FacilityAcc {
    fn new(beds: u32, doctors: u32) -> FacilityAcc {
        let mut acc = FacilityAcc {
            n: Totals {
                beds,
                ..Totals::default()
            },
            waits: wait_histogram(),
            emergency_waits: None,
            levels: [Integral::default(); 5],
        };
        acc[Level::OnStaff].level = doctors;
        acc
    }

    /// Adds another facility's totals (for tier aggregates). A tier's
    /// `queue_max` is the largest queue at any one of its facilities.
    fn add(&mut self, o: &FacilityAcc) {
        self.n.add(&o.n);
        self.waits.add(&o.waits).expect("auto-resizing histograms always add");
        if let Some(theirs) = &o.emergency_waits {
            let mine = self.emergency_waits.get_or_insert_with(wait_histogram);
            mine.add(theirs).expect("auto-resizing histograms always add");
        }
        for (a, b) in self.levels.iter_mut().zip(&o.levels) {
            a.area += b.area;
            a.max = a.max.max(b.max);
        }
    }
}

/// A time-to-care metric's value from the delays per severity; `None`
/// for other metrics.
fn time_to_care_value(id: MetricId, d: &[Delays]) -> Option<f64> {
    use Severity::{Critical, Mild, Moderate, Severe};
    let (severity, stat) = match id {
        M::TimeToCareMildMeanMinutes => (Mild, None),
        M::TimeToCareMildP50Minutes => (Mild, Some(0.5)),
        M::TimeToCareMildP90Minutes => (Mild, Some(0.9)),
        M::TimeToCareModerateMeanMinutes => (Moderate, None),
        M::TimeToCareModerateP50Minutes => (Moderate, Some(0.5)),
        M::TimeToCareModerateP90Minutes => (Moderate, Some(0.9)),
        M::TimeToCareSevereMeanMinutes => (Severe, None),
        M::TimeToCareSevereP50Minutes => (Severe, Some(0.5)),
        M::TimeToCareSevereP90Minutes => (Severe, Some(0.9)),
        M::TimeToCareCriticalMeanMinutes => (Critical, None),
        M::TimeToCareCriticalP50Minutes => (Critical, Some(0.5)),
        M::TimeToCareCriticalP90Minutes => (Critical, Some(0.9)),
        _ => return None,
    };
    let d = &d[severity as usize];
    Some(stat.map_or_else(|| d.mean(), |p| d.quantile(p)))
}

/// A facility (or tier) metric's value from its accumulators; `None`
/// for metrics of other scopes.
fn facility_value(id: MetricId, a: &FacilityAcc, minutes: f64) -> Option<f64> {
    let n = a.waits.len();
    let q = |p: f64| quantile_minutes(&a.waits, p);
    let n_emergency = a.emergency_waits.as_ref().map_or(0, Histogram::len);
    let q_emergency = |p: f64| a.emergency_waits.as_ref().map_or(f64::NAN, |h| quantile_minutes(h, p));
    let t = &a.n;
    Some(match id {
        M::Arrivals => t.arrivals as f64,
        M::Served => t.served as f64,
        M::ReferralsUpOut => t.referrals_up_out as f64,
        M::ReferralsUpIn => t.referrals_up_in as f64,
        M::ReferralsDownOut => t.referrals_down_out as f64,
        M::ReferralsDownIn => t.referrals_down_in as f64,
        M::FollowupVisits => t.followup_visits as f64,
        M::LeftWithoutBeingSeen => t.left as f64,
        M::WaitMeanMinutes => ratio(t.wait_sum, n as f64),
        M::WaitP50Minutes => q(0.50),
        M::WaitP90Minutes => q(0.90),
        M::WaitP95Minutes => q(0.95),
        M::WaitMeanReferredMinutes => ratio(t.wait_referred_sum, t.wait_referred_n as f64),
        M::WaitMeanUnreferredMinutes => ratio(t.wait_unreferred_sum, t.wait_unreferred_n as f64),
        M::EmergencyArrivals => t.emergency_arrivals as f64,
        M::EmergencyWaitMeanMinutes => ratio(t.emergency_wait_sum, n_emergency as f64),
        M::EmergencyWaitP50Minutes => q_emergency(0.50),
        M::EmergencyWaitP90Minutes => q_emergency(0.90),
        M::EmergencyWaitP95Minutes => q_emergency(0.95),
        M::QueueMean => ratio(a[Level::Queue].area, minutes),
        M::QueueMax => f64::from(a[Level::Queue].max),
        M::Utilization => ratio(a[Level::Busy].area, a[Level::OnDuty].area),
        M::DoctorsMean => ratio(a[Level::OnStaff].area, minutes),
        M::OvertimeMinutes => t.overtime_minutes,
        M::Admissions => t.admissions as f64,
        M::BedOccupancy => ratio(a[Level::Occupied].area, f64::from(t.beds) * minutes),
        M::Boarded => t.boarded as f64,
        M::BoardingMeanMinutes => ratio(t.boarding_wait_sum, t.boarding_n as f64),
        M::TransfersOut => t.transfers_out as f64,
        M::AdmissionsForgone => t.admissions_forgone as f64,
        M::AdmissionsDelayed => t.admissions_delayed as f64,
        M::QuotaRedirected => t.quota_redirected as f64,
        M::QuotaTurnedAway => t.quota_turned_away as f64,
        M::Cost => cny(t.cost),
        M::InpatientCost => cny(t.inpatient_cost),
        M::Fund => cny(t.fund),
        M::Oop => cny(t.oop),
        M::SeriousIllnessPaid => cny(t.serious_illness),
        M::Revenue => cny(t.cost + t.compensation),
        M::MarkupForgone => cny(t.markup_forgone),
        M::GovernmentCompensation => cny(t.compensation),
        _ => return None,
    })
}

/// A budget metric's value (an alliance's, or the system's totals).
fn alliance_value(id: MetricId, budget: f64, spent: f64) -> Option<f64> {
    match id {
        M::Budget | M::BudgetTotal => Some(budget),
        M::FundSpent | M::BudgetFundSpent => Some(spent),
        M::Surplus | M::BudgetSurplus => Some(budget - spent),
        _ => None,
    }
}

/// Waits in seconds, 3 significant digits; sized for a month and growing
/// beyond it on demand.
fn wait_histogram() -> Histogram<u64> {
    let mut h = Histogram::new_with_bounds(1, 60 * 60 * 24 * 31, 3).expect("valid HDR bounds");
    h.auto(true);
    h
}

/// Records `minutes` in a histogram of seconds. `record` grows the
/// histogram; `saturating_record` would clamp long waits to its current
/// top instead.
fn record_seconds(h: &mut Histogram<u64>, minutes: f64) {
    let seconds = (minutes * 60.0).round() as u64;
    if h.record(seconds).is_err() {
        h.saturating_record(seconds);
    }
}

/// The `p` quantile of a histogram of seconds, in minutes (NaN when empty).
fn quantile_minutes(h: &Histogram<u64>, p: f64) -> f64 {
    if h.is_empty() {
        f64::NAN
    } else {
        h.value_at_quantile(p) as f64 / 60.0
    }
}

/// An amount in whole cents, rounded half away from zero.
fn cents(cny: f64) -> i64 {
    (cny * 100.0).round() as i64
}

/// Cents as an amount \[CNY\].
fn cny(cents: i64) -> f64 {
    cents as f64 / 100.0
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
