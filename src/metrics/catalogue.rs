//! The metric catalogue: every output metric defined once, with the scopes
//! it is reported at, its unit (and so its valid range and how it is
//! written), a label for charts and how it aggregates from facilities to
//! tiers and the system. The recorder lays out its metrics in catalogue
//! order, the CSV and JSON writers, report tables and charts look names and
//! units up here, and a test holds the README's metric tables to it.
//!
//! To add a metric: one entry below, and the line in [`super`] (the
//! recorder) that computes its value at each of its scopes.

/// The unit of a metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A share, rate, utilization or occupancy in [0, 1], written in %.
    Share,
    /// Minutes, never negative.
    Minutes,
    /// Money in CNY, never negative (unless the entry is `signed`).
    Cny,
    /// A number of events (patients, visits, referrals), never negative,
    /// written as a whole number.
    Count,
    /// A time-averaged level (doctors on duty, patients queued), never negative.
    Level,
    /// Anything else: no bounds, about three significant digits.
    Number,
}

impl Unit {
    /// The range values can take: shares [0, 1], other quantities >= 0.
    pub fn bounds(self) -> (f64, f64) {
        match self {
            Unit::Share => (0.0, 1.0),
            Unit::Minutes | Unit::Cny | Unit::Count | Unit::Level => (0.0, f64::INFINITY),
            Unit::Number => (f64::NEG_INFINITY, f64::INFINITY),
        }
    }

    /// `(lo, hi)` cut to [`Unit::bounds`], with the bounds scaled by `scale`
    /// (100 for shares drawn in %). An interval of a bounded metric that
    /// reaches past its bound (a t-interval at small n) says "near the
    /// bound", not "beyond it".
    pub fn clip(self, (lo, hi): (f64, f64), scale: f64) -> (f64, f64) {
        let (a, b) = self.bounds();
        let (a, b) = (a * scale, b * scale);
        let cut = |x: f64| if x.is_finite() { x.clamp(a, b) } else { x };
        (cut(lo), cut(hi))
    }

    /// The unit as the README's metric tables name it.
    const fn name(self) -> &'static str {
        match self {
            Unit::Share => "fraction",
            Unit::Minutes => "minutes",
            Unit::Cny => "CNY",
            Unit::Count => "count",
            Unit::Level | Unit::Number => "",
        }
    }
}

/// A kind of scope a metric is reported at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeKind {
    /// `system.csv`, `scope = system`.
    System,
    /// `tiers.csv`, `scope = tier`.
    Tier,
    /// `facilities.csv`, `scope = facility`.
    Facility,
    /// `alliances.csv`, `scope = alliance`.
    Alliance,
    /// `daily.csv`: one value per replication, day and tier.
    Daily,
    /// `groups.csv`: by group of residents (`dimension`, `group`).
    Group,
}

impl ScopeKind {
    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// A set of scope kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scopes(u8);

impl Scopes {
    /// Whether `kind` is in the set.
    pub const fn contains(self, kind: ScopeKind) -> bool {
        self.0 & kind.bit() != 0
    }
}

const SYSTEM: Scopes = Scopes(ScopeKind::System.bit());
const TIER: Scopes = Scopes(ScopeKind::Tier.bit());
/// Tiers and facilities (a tier value aggregates its facilities').
const SITE: Scopes = Scopes(ScopeKind::Tier.bit() | ScopeKind::Facility.bit());
const SITE_DAILY: Scopes = Scopes(SITE.0 | ScopeKind::Daily.bit());
const ALL_SITES: Scopes = Scopes(SITE.0 | ScopeKind::System.bit());
const ALLIANCE: Scopes = Scopes(ScopeKind::Alliance.bit());
const DAILY: Scopes = Scopes(ScopeKind::Daily.bit());

/// How a tier's (or the system's) value follows from its facilities'.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aggregate {
    /// The sum of the parts' values (counts, money, time-averaged levels).
    Sum,
    /// The largest of the parts' values.
    Max,
    /// Recomputed from the parts' pooled numerators and denominators (or
    /// their merged wait histograms), not averaged.
    Pooled,
    /// Measured at its own scope only (episodes, budgets).
    Own,
}

/// One metric.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MetricDef {
    /// Its identifier.
    pub id: MetricId,
    /// Its name in every output table.
    pub name: &'static str,
    /// Older names still accepted where a user names a metric.
    pub aliases: &'static [&'static str],
    /// Where it is reported.
    pub scopes: Scopes,
    /// Its unit.
    pub unit: Unit,
    /// The unit as the README writes it ("fraction", "patients").
    pub unit_name: &'static str,
    /// What it is, for chart titles and axes ("Grassroots first contact").
    pub label: &'static str,
    /// How it aggregates across facilities and tiers.
    pub aggregate: Aggregate,
    /// May be negative (a surplus) although its unit is not.
    pub signed: bool,
    /// The scenario section without which it is not reported (a lever
    /// that is off writes no rows of zeros); `None`: always reported.
    pub needs: Option<Needs>,
}

/// A scenario section some metrics need: without it they are left out of
/// every table, so a scenario without the lever writes what it wrote before.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    /// `[budget]`.
    Budget,
    /// `[outcome]`.
    OutcomeModel,
    /// `[deposit]`.
    Deposit,
    /// `[drugs]`.
    Drugs,
    /// `[[quota]]`.
    Quota,
}

impl MetricDef {
    /// The range its values can take.
    pub fn bounds(&self) -> (f64, f64) {
        if self.signed {
            (f64::NEG_INFINITY, f64::INFINITY)
        } else {
            self.unit.bounds()
        }
    }

    /// Whether it is reported at `kind`.
    pub fn at(&self, kind: ScopeKind) -> bool {
        self.scopes.contains(kind)
    }

    const fn units(self, unit_name: &'static str) -> MetricDef {
        MetricDef { unit_name, ..self }
    }

    const fn signed(self) -> MetricDef {
        MetricDef { signed: true, ..self }
    }

    const fn needs(self, section: Needs) -> MetricDef {
        MetricDef {
            needs: Some(section),
            ..self
        }
    }

    const fn alias(self, aliases: &'static [&'static str]) -> MetricDef {
        MetricDef { aliases, ..self }
    }
}

/// An entry with the defaults: no alias, unit named as the unit, bounded,
/// always reported. The id is set by [`catalogue!`].
const fn m(name: &'static str, scopes: Scopes, unit: Unit, aggregate: Aggregate, label: &'static str) -> MetricDef {
    MetricDef {
        id: MetricId::Episodes,
        name,
        aliases: &[],
        scopes,
        unit,
        unit_name: unit.name(),
        label,
        aggregate,
        signed: false,
        needs: None,
    }
}

macro_rules! catalogue {
    ($($id:ident = $def:expr;)*) => {
        /// Every metric, by name in [`CATALOGUE`] order.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum MetricId {
            $(
                #[doc = concat!("`", stringify!($id), "`; see [`CATALOGUE`].")]
                $id,
            )*
        }

        /// Every metric, in output order: at each scope the recorder reports
        /// the metrics of that scope in this order.
        pub const CATALOGUE: &[MetricDef] = &[$(MetricDef {
            id: MetricId::$id,
            scopes: by_group(MetricId::$id, $def.scopes),
            ..$def
        },)*];
    };
}

use Aggregate::{Max, Own, Pooled, Sum};
use Unit::{Cny, Count, Level, Minutes, Number, Share};

catalogue! {
    Episodes = m("episodes", SYSTEM, Count, Own, "Episodes");
    FirstContactGrassrootsShare = m("first_contact_grassroots_share", SYSTEM, Share, Own, "Grassroots first contact");
    FirstContactTierMean = m("first_contact_tier_mean", SYSTEM, Number, Own, "Mean first-contact tier").units("tier");
    GrassrootsVisitShare = m("grassroots_visit_share", SYSTEM, Share, Pooled, "Grassroots share of visits");
    WithinCountyRate = m("within_county_rate", SYSTEM, Share, Own, "Treated within the county");
    CountyTreatmentRateVisits = m("county_treatment_rate_visits", SYSTEM, Share, Own, "County treatment rate, visits");
    CountyTreatmentRateAdmissions = m("county_treatment_rate_admissions", SYSTEM, Share, Own, "County treatment rate, admissions");
    BypassRate = m("bypass_rate", SYSTEM, Share, Own, "Bypass rate of mild episodes");
    CrossRegionShare = m("cross_region_share", SYSTEM, Share, Own, "Treated across regions");
    MeanTravelMinutes = m("mean_travel_minutes", SYSTEM, Minutes, Own, "Mean travel per episode");
    UnmetEpisodes = m("unmet_episodes", SYSTEM, Count, Own, "Unmet episodes");
    CostPerEpisode = m("cost_per_episode", SYSTEM, Cny, Own, "Cost per episode");
    OopShare = m("oop_share", SYSTEM, Share, Pooled, "Out-of-pocket share");
    CostTotal = m("cost_total", SYSTEM, Cny, Sum, "Price billed");
    FundTotal = m("fund_total", SYSTEM, Cny, Sum, "Paid by the fund");
    OopTotal = m("oop_total", SYSTEM, Cny, Sum, "Paid by patients");
    SeriousIllnessPaid = m("serious_illness_paid", ALL_SITES, Cny, Sum, "Paid by serious-illness insurance");
    SeriousIllnessBeneficiaries = m("serious_illness_beneficiaries", SYSTEM, Count, Own, "Serious-illness insurance beneficiaries").units("resident-years");
    ContractAdherence = m("contract_adherence", SYSTEM, Share, Own, "Contract adherence");
    FirstContactShare = m("first_contact_share", TIER, Share, Own, "First contact share");
    Arrivals = m("arrivals", SITE_DAILY, Count, Sum, "Arrivals");
    Served = m("served", SITE, Count, Sum, "Consultations");
    ReferralsUpOut = m("referrals_up_out", SITE, Count, Sum, "Referred up");
    ReferralsUpIn = m("referrals_up_in", SITE, Count, Sum, "Referred patients arriving");
    ReferralsDownOut = m("referrals_down_out", SITE, Count, Sum, "Follow-ups referred down");
    ReferralsDownIn = m("referrals_down_in", SITE, Count, Sum, "Referred-down follow-ups arriving");
    FollowupVisits = m("followup_visits", SITE, Count, Sum, "Follow-up visits");
    LeftWithoutBeingSeen = m("left_without_being_seen", SITE, Count, Sum, "Left without being seen");
    WaitMeanMinutes = m("wait_mean_minutes", SITE_DAILY, Minutes, Pooled, "Mean wait").alias(&["mean_wait_minutes"]);
    WaitP50Minutes = m("wait_p50_minutes", SITE, Minutes, Pooled, "Median wait");
    WaitP90Minutes = m("wait_p90_minutes", SITE, Minutes, Pooled, "90th percentile wait");
    WaitP95Minutes = m("wait_p95_minutes", SITE, Minutes, Pooled, "95th percentile wait");
    WaitMeanReferredMinutes = m("wait_mean_referred_minutes", SITE, Minutes, Pooled, "Mean wait, referred patients");
    WaitMeanUnreferredMinutes = m("wait_mean_unreferred_minutes", SITE, Minutes, Pooled, "Mean wait, patients not referred");
    EmergencyArrivals = m("emergency_arrivals", SITE, Count, Sum, "Emergency department arrivals");
    EmergencyWaitMeanMinutes = m("emergency_wait_mean_minutes", SITE, Minutes, Pooled, "Mean emergency wait");
    EmergencyWaitP50Minutes = m("emergency_wait_p50_minutes", SITE, Minutes, Pooled, "Median emergency wait");
    EmergencyWaitP90Minutes = m("emergency_wait_p90_minutes", SITE, Minutes, Pooled, "90th percentile emergency wait");
    EmergencyWaitP95Minutes = m("emergency_wait_p95_minutes", SITE, Minutes, Pooled, "95th percentile emergency wait");
    QueueMean = m("queue_mean", SITE, Level, Sum, "Mean queue").units("patients");
    QueueMax = m("queue_max", SITE, Count, Max, "Largest queue").units("patients");
    MaxQueue = m("max_queue", DAILY, Count, Own, "Largest queue").units("patients");
    Utilization = m("utilization", SITE_DAILY, Share, Pooled, "Doctor utilization");
    DoctorsMean = m("doctors_mean", SITE, Level, Sum, "Doctors on the staff").units("doctors");
    OvertimeMinutes = m("overtime_minutes", SITE, Minutes, Sum, "Overtime").units("doctor-minutes");
    Admissions = m("admissions", ALL_SITES, Count, Sum, "Admissions");
    BedOccupancy = m("bed_occupancy", SITE, Share, Pooled, "Bed occupancy");
    Boarded = m("boarded", SITE, Count, Sum, "Admissions that waited for a bed");
    BoardingMeanMinutes = m("boarding_mean_minutes", SITE, Minutes, Pooled, "Mean wait for a bed");
    TransfersOut = m("transfers_out", SITE, Count, Sum, "Transfers out");
    AdmissionsForgone = m("admissions_forgone", ALL_SITES, Count, Sum, "Admissions forgone for a deposit").needs(Needs::Deposit);
    AdmissionsDelayed = m("admissions_delayed", ALL_SITES, Count, Sum, "Admissions delayed for a deposit").needs(Needs::Deposit);
    QuotaRedirected = m("quota_redirected", ALL_SITES, Count, Sum, "Arrivals beyond a quota sent to choose again").needs(Needs::Quota);
    QuotaTurnedAway = m("quota_turned_away", ALL_SITES, Count, Sum, "Arrivals beyond a quota turned away").needs(Needs::Quota);
    Cost = m("cost", SITE, Cny, Sum, "Price billed");
    InpatientCost = m("inpatient_cost", SITE, Cny, Sum, "Price billed for stays");
    Fund = m("fund", SITE, Cny, Sum, "Paid by the fund");
    Oop = m("oop", SITE, Cny, Sum, "Paid out of pocket");
    Revenue = m("revenue", ALL_SITES, Cny, Sum, "Facility revenue").needs(Needs::Drugs);
    MarkupForgone = m("markup_forgone", ALL_SITES, Cny, Sum, "Drug markup forgone").needs(Needs::Drugs);
    GovernmentCompensation = m("government_compensation", ALL_SITES, Cny, Sum, "Government compensation").needs(Needs::Drugs);
    Transfers = m("transfers", SYSTEM, Count, Sum, "Transfers");
    ReferralsUp = m("referrals_up", SYSTEM, Count, Sum, "Referrals up");
    ReferralsDown = m("referrals_down", SYSTEM, Count, Sum, "Referrals down");
    RotationAllowance = m("rotation_allowance", SYSTEM, Cny, Own, "Rotation allowances");
    TimeToCareMildMeanMinutes = m("time_to_care_mild_mean_minutes", SYSTEM, Minutes, Own, "Time to capable care, mild");
    TimeToCareMildP50Minutes = m("time_to_care_mild_p50_minutes", SYSTEM, Minutes, Own, "Median time to capable care, mild");
    TimeToCareMildP90Minutes = m("time_to_care_mild_p90_minutes", SYSTEM, Minutes, Own, "90th percentile time to capable care, mild");
    TimeToCareModerateMeanMinutes = m("time_to_care_moderate_mean_minutes", SYSTEM, Minutes, Own, "Time to capable care, moderate");
    TimeToCareModerateP50Minutes = m("time_to_care_moderate_p50_minutes", SYSTEM, Minutes, Own, "Median time to capable care, moderate");
    TimeToCareModerateP90Minutes = m("time_to_care_moderate_p90_minutes", SYSTEM, Minutes, Own, "90th percentile time to capable care, moderate");
    TimeToCareSevereMeanMinutes = m("time_to_care_severe_mean_minutes", SYSTEM, Minutes, Own, "Time to capable care, severe");
    TimeToCareSevereP50Minutes = m("time_to_care_severe_p50_minutes", SYSTEM, Minutes, Own, "Median time to capable care, severe");
    TimeToCareSevereP90Minutes = m("time_to_care_severe_p90_minutes", SYSTEM, Minutes, Own, "90th percentile time to capable care, severe");
    TimeToCareCriticalMeanMinutes = m("time_to_care_critical_mean_minutes", SYSTEM, Minutes, Own, "Time to capable care, critical");
    TimeToCareCriticalP50Minutes = m("time_to_care_critical_p50_minutes", SYSTEM, Minutes, Own, "Median time to capable care, critical");
    TimeToCareCriticalP90Minutes = m("time_to_care_critical_p90_minutes", SYSTEM, Minutes, Own, "90th percentile time to capable care, critical");
    PoorOutcomes = m("poor_outcomes", SYSTEM, Count, Own, "Expected poor outcomes").units("expected episodes").needs(Needs::OutcomeModel);
    PoorOutcomesPer10k = m("poor_outcomes_per_10k", SYSTEM, Number, Own, "Poor outcomes per 10,000 severe and critical episodes").units("per 10,000 episodes").needs(Needs::OutcomeModel);
    BudgetTotal = m("budget_total", SYSTEM, Cny, Sum, "Global budget").needs(Needs::Budget);
    BudgetFundSpent = m("budget_fund_spent", SYSTEM, Cny, Sum, "Budget spent by the fund").needs(Needs::Budget);
    BudgetSurplus = m("budget_surplus", SYSTEM, Cny, Sum, "Budget surplus").needs(Needs::Budget).signed();
    Budget = m("budget", ALLIANCE, Cny, Own, "Budget").needs(Needs::Budget);
    FundSpent = m("fund_spent", ALLIANCE, Cny, Own, "Spent by the fund").needs(Needs::Budget);
    Surplus = m("surplus", ALLIANCE, Cny, Own, "Surplus").needs(Needs::Budget).signed();
    // Groups of residents and catastrophic spending (#13).
    Residents = m("residents", SYSTEM, Count, Own, "Residents");
    OopPerResident = m("oop_per_resident", SYSTEM, Cny, Own, "Out-of-pocket per resident-year").units("CNY per resident-year");
    CatastrophicShare = m("catastrophic_share", SYSTEM, Share, Own, "Catastrophic health expenditure").units("fraction of resident-years");
    CatastrophicShareBeforeSeriousIllness = m("catastrophic_share_before_serious_illness", SYSTEM, Share, Own, "Catastrophic health expenditure before serious-illness insurance").units("fraction of resident-years");
    OopConcentrationIndex = m("oop_concentration_index", SYSTEM, Number, Own, "Concentration index of out-of-pocket spending by income").units("index (-1 to 1)");
    TravelConcentrationIndex = m("travel_concentration_index", SYSTEM, Number, Own, "Concentration index of travel by income").units("index (-1 to 1)");
}

/// The system metrics also reported by group of residents (#13): those a
/// patient's notification carries (the concentration indices, budgets,
/// rotation allowances and time-to-care quantiles are system-only).
const fn by_group(id: MetricId, scopes: Scopes) -> Scopes {
    use MetricId as I;
    let grouped = matches!(
        id,
        I::Episodes
            | I::FirstContactGrassrootsShare
            | I::FirstContactTierMean
            | I::GrassrootsVisitShare
            | I::WithinCountyRate
            | I::CountyTreatmentRateVisits
            | I::CountyTreatmentRateAdmissions
            | I::BypassRate
            | I::CrossRegionShare
            | I::MeanTravelMinutes
            | I::UnmetEpisodes
            | I::CostPerEpisode
            | I::OopShare
            | I::CostTotal
            | I::FundTotal
            | I::OopTotal
            | I::SeriousIllnessPaid
            | I::SeriousIllnessBeneficiaries
            | I::ContractAdherence
            | I::Admissions
            | I::Transfers
            | I::ReferralsUp
            | I::ReferralsDown
            | I::TimeToCareMildMeanMinutes
            | I::TimeToCareModerateMeanMinutes
            | I::TimeToCareSevereMeanMinutes
            | I::TimeToCareCriticalMeanMinutes
            | I::PoorOutcomes
            | I::PoorOutcomesPer10k
            | I::Residents
            | I::OopPerResident
            | I::CatastrophicShare
            | I::CatastrophicShareBeforeSeriousIllness
    );
    if grouped {
        Scopes(scopes.0 | ScopeKind::Group.bit())
    } else {
        scopes
    }
}

impl MetricId {
    /// Its catalogue entry.
    pub const fn def(self) -> &'static MetricDef {
        &CATALOGUE[self as usize]
    }

    /// Its name in the output tables.
    pub const fn name(self) -> &'static str {
        self.def().name
    }
}

/// The metrics reported at `kind`, in output order.
pub fn at(kind: ScopeKind) -> impl Iterator<Item = &'static MetricDef> {
    CATALOGUE.iter().filter(move |d| d.at(kind))
}

/// The metric a user or a table names, by its name or an older alias.
pub fn find(name: &str) -> Option<&'static MetricDef> {
    CATALOGUE
        .iter()
        .find(|d| d.name == name)
        .or_else(|| CATALOGUE.iter().find(|d| d.aliases.contains(&name)))
}

/// The current name of a metric a user named (an alias resolves to its
/// metric's name; unknown names are kept as they are).
pub fn canonical(name: &str) -> &str {
    find(name).map_or(name, |d| d.name)
}

/// The unit of the metric `name` (a table's `metric` column, or an alias);
/// [`Unit::Number`] for names not in the catalogue.
pub fn unit_of(name: &str) -> Unit {
    find(name).map_or(Unit::Number, |d| d.unit)
}

/// The valid range of the metric `name`'s values.
pub fn bounds_of(name: &str) -> (f64, f64) {
    find(name).map_or(Unit::Number.bounds(), MetricDef::bounds)
}

#[cfg(test)]
mod tests;
