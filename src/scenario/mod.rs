//! Scenarios: the TOML a user writes, checked and resolved into typed data.
//!
//! Owns everything between a file on disk and a [`Scenario`]: parsing
//! ([`raw`]), defaults and validation ([`validate`]), the resolved
//! scenario ([`resolved`]) and the error type ([`error`]). The policy
//! levers each keep their part of all of these in one file of
//! [`crate::levers`]; their types are re-exported here. Nothing past this
//! module reads TOML, and the engine never re-checks what [`validate`]
//! has accepted. Keys and defaults: the README's "Writing a scenario" and
//! "Policy levers"; the model: `docs/model.md`.

pub mod error;
pub mod generate;
pub mod kind;
pub mod limits;
pub mod raw;
pub mod resolved;
pub mod validate;

use std::path::Path;

pub use crate::levers::budget::Budget;
pub use crate::levers::catastrophic::{Catastrophic, Definition as CatastrophicDefinition};
pub use crate::levers::contract::{Contract, Target};
pub use crate::levers::deposit::Deposit;
pub use crate::levers::drugs::Drugs;
pub use crate::levers::emergency::Emergency;
pub use crate::levers::inpatient::Admission;
pub use crate::levers::layout::Layouts;
pub use crate::levers::outcome::OutcomeModel;
pub use crate::levers::patience::Patience;
pub use crate::levers::payment::{Policy, SchemePolicy};
pub use crate::levers::population::{IncomeGroup, PopulationParams, Scheme};
pub use crate::levers::quota::{Overflow as QuotaOverflow, Quota};
pub use crate::levers::referral::Referral;
pub use crate::levers::reserved::ReservedSlots;
pub use crate::levers::rotation::Rotation;
use crate::levers::scenario_with_levers;
pub use crate::levers::serious_illness::{Band, SeriousIllness};
pub use crate::levers::telemedicine::Telemedicine;
pub use error::{Problem, ScenarioError};

/// The four tiers of the health system, lowest first. The discriminants
/// (0 to 3, in this order) index every per-tier array.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Tier {
    /// Village clinic (urban: community health station).
    Village,
    /// Township health center (urban: community health center).
    Township,
    /// County hospital (urban: district hospital).
    County,
    /// Regional (tertiary) medical center.
    Regional,
}

impl Tier {
    /// All tiers, lowest first.
    pub const ALL: [Tier; 4] = [Tier::Village, Tier::Township, Tier::County, Tier::Regional];

    /// The key used in scenario files and outputs.
    pub fn name(self) -> &'static str {
        ["village", "township", "county", "regional"][self as usize]
    }

    /// Village and township: the grassroots.
    pub fn is_grassroots(self) -> bool {
        self <= Tier::Township
    }

    /// The tier above, if any.
    pub fn up(self) -> Option<Tier> {
        Tier::ALL.get(self as usize + 1).copied()
    }
}

/// Severity of an illness episode, mildest first; the discriminants (0 to
/// 3, in this order) index every per-severity array.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Severity {
    /// Common illness, treatable at a village clinic.
    Mild,
    /// Needs a township health center.
    Moderate,
    /// Needs a county hospital.
    Severe,
    /// Needs a regional medical center.
    Critical,
}

impl Severity {
    /// All severities, mildest first.
    pub const ALL: [Severity; 4] = [Severity::Mild, Severity::Moderate, Severity::Severe, Severity::Critical];

    /// The key used in scenario files and outputs.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Mild => "mild",
            Severity::Moderate => "moderate",
            Severity::Severe => "severe",
            Severity::Critical => "critical",
        }
    }

    /// Severity from its index (0 = mild).
    pub fn from_index(i: usize) -> Severity {
        Severity::ALL[i.min(3)]
    }
}

/// Daily opening hours `[open, close)` in minutes after midnight.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hours {
    /// Opening time [minutes after midnight], 0..1440.
    pub open_minute: f64,
    /// Closing time [minutes after midnight], greater than `open_minute`, at most 1440.
    pub close_minute: f64,
}

impl Hours {
    /// Open around the clock.
    pub const ALWAYS: Hours = Hours {
        open_minute: 0.0,
        close_minute: 1440.0,
    };

    /// True when open around the clock.
    pub fn is_always(&self) -> bool {
        self.open_minute <= 0.0 && self.close_minute >= 1440.0
    }

    /// Minutes from `t` (minutes since the start) until the facility next
    /// opens by these hours; 0 while it is open.
    pub fn minutes_until_open(&self, t: f64) -> f64 {
        let m = t.rem_euclid(1440.0);
        if m < self.open_minute {
            self.open_minute - m
        } else if m >= self.close_minute {
            1440.0 - m + self.open_minute
        } else {
            0.0
        }
    }

    /// Whether these hours are open at `t` (the Open and Close events
    /// follow them).
    pub fn is_open_at(&self, t: f64) -> bool {
        self.minutes_until_open(t) == 0.0
    }

    /// Open minutes per day.
    pub fn minutes_per_day(&self) -> f64 {
        self.close_minute - self.open_minute
    }

    /// `"24h"` or `"HH:MM-HH:MM"`, the form scenario files use.
    pub fn to_text(&self) -> String {
        if self.is_always() {
            return "24h".to_string();
        }
        let hm = |m: f64| format!("{:02}:{:02}", (m / 60.0) as u32, (m % 60.0) as u32);
        format!("{}-{}", hm(self.open_minute), hm(self.close_minute))
    }
}

/// A service-time distribution \[minutes\].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ServiceDist {
    /// Exponential with the given mean.
    Exponential {
        /// Mean \[minutes\].
        mean_minutes: f64,
    },
    /// Lognormal with the given mean and coefficient of variation.
    Lognormal {
        /// Mean \[minutes\].
        mean_minutes: f64,
        /// Coefficient of variation (sd / mean).
        cv: f64,
    },
    /// Gamma with the given mean and coefficient of variation.
    Gamma {
        /// Mean \[minutes\].
        mean_minutes: f64,
        /// Coefficient of variation (sd / mean).
        cv: f64,
    },
    /// Always the same duration.
    Fixed {
        /// Duration \[minutes\].
        mean_minutes: f64,
    },
}

impl ServiceDist {
    /// Mean service time \[minutes\].
    pub fn mean_minutes(&self) -> f64 {
        match *self {
            ServiceDist::Exponential { mean_minutes }
            | ServiceDist::Lognormal { mean_minutes, .. }
            | ServiceDist::Gamma { mean_minutes, .. }
            | ServiceDist::Fixed { mean_minutes } => mean_minutes,
        }
    }
}

/// How patients form the expected wait that enters their choice.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Beliefs {
    /// No wait information: the wait term is zero.
    None,
    /// Queue length at decision / doctors on duty x mean service minutes.
    Live,
    /// The facility's mean wait over the previous simulated day.
    Published,
    /// Per settlement and facility, an exponential average of waits residents report.
    WordOfMouth {
        /// Weight of the newest report, in (0, 1].
        learning_rate: f64,
    },
}

/// Queue discipline at a facility (always non-preemptive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Discipline {
    /// First come, first served.
    Fifo,
    /// Most severe first; FIFO within a severity.
    Severity,
}

/// Index of a region in [`Scenario::regions`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionId(pub u32);

/// Index of a facility in [`Scenario::facilities`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FacilityId(pub u32);

/// A point on the plane \[km\].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// East \[km\].
    pub x: f64,
    /// North \[km\].
    pub y: f64,
}

impl Point {
    /// Straight-line distance \[km\].
    pub fn dist_km(self, other: Point) -> f64 {
        (self.x - other.x).hypot(self.y - other.y)
    }
}

scenario_with_levers! {
    /// A checked scenario: every default filled in, every name resolved.
    #[derive(Clone, Debug)]
    pub struct Scenario {
        /// Scenario name; names the output folder.
        pub name: String,
        /// Base seed of every random stream.
        pub seed: u64,
        /// Simulated days, warm-up included.
        pub days: u32,
        /// Days simulated before metrics are recorded.
        pub warmup_days: u32,
        /// Independent replications.
        pub replications: u32,
        /// Travel speeds.
        pub travel: Travel,
        /// Illness onset.
        pub demand: Demand,
        /// Facility choice.
        pub choice: ChoiceParams,
        /// Defaults per tier (every facility of the tier starts from them).
        pub tiers: [TierParams; 4],
        /// Regions with their settlements.
        pub regions: Vec<Region>,
        /// Every facility, explicit and generated.
        pub facilities: Vec<Facility>,
        /// Medical communities (alliances), by name; regions and facilities point here.
        pub alliances: Vec<String>,
        /// Named alternative sets of regional facilities.
        pub layouts: Layouts,
        /// The selected layout, if any.
        pub layout: Option<String>,
        /// Facilities left out by the selected layout (kept so the resolved
        /// scenario can select another layout).
        pub inactive_facilities: Vec<Facility>,
    }
    // The levers (`src/levers/`), checked in this order: `raw key => field: type`.
    levers {
        /// Payment rules.
        policy => policy: Policy,
        /// Triage, upward referral, follow-ups and down-referral.
        referral => referral: Referral,
        /// Patients leaving unseen; `None` means patients wait as long as it takes.
        patience => patience: Option<Patience>,
        /// Insurance schemes and income groups.
        population => population: PopulationParams,
        /// Inpatient admission.
        admission => admission: Admission,
        /// Admission deposits and settle-after-discharge; `None` when no deposit is modelled.
        deposit => deposit: Option<Deposit>,
        /// Doctor capacity reserved for referred contracted patients; `None` when none is.
        reserved_slots => reserved_slots: Option<ReservedSlots>,
        /// Family-doctor contracts.
        contract => contract: Contract,
        /// Telemedicine links; `None` when no site has one.
        telemedicine => telemedicine: Option<Telemedicine>,
        /// Doctor rotation programs.
        rotation => rotations: Vec<Rotation>,
        /// Daily outpatient volume quotas; empty when there are none.
        quota => quotas: Vec<Quota>,
        /// Medical community global budget.
        budget => budget: Option<Budget>,
        /// Serious-illness insurance, a second payer; `None` when there is none.
        serious_illness => serious_illness: Option<SeriousIllness>,
        /// Drug shares and markups of prices, the zero-markup reform; `None` when prices carry no drug markup.
        drugs => drugs: Option<Drugs>,
        /// The definition of catastrophic health expenditure (always on).
        catastrophic => catastrophic: Catastrophic,
        /// Poor outcomes from delays to capable care; `None` when not modelled.
        outcome => outcome: Option<OutcomeModel>,
        /// Emergency departments, any-hour emergencies and emergency referrals.
        emergency => emergency: Emergency,
    }
}

/// Index of an alliance in [`Scenario::alliances`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AllianceId(pub u32);

impl Scenario {
    /// Reads, checks and resolves a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        validate::load(path).map(|(scenario, _)| scenario)
    }

    /// Checks and resolves scenario text; `origin` names it in messages.
    pub fn from_toml(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
        validate::from_toml(text, origin).map(|(scenario, _)| scenario)
    }

    /// Checks and resolves scenario text with its `days` replaced (by
    /// `--days`) before defaults that depend on it are resolved.
    pub fn from_toml_with_days(text: &str, origin: &str, days: u32) -> Result<Scenario, ScenarioError> {
        let mut overrides = toml::Table::new();
        overrides.insert("days".into(), toml::Value::Integer(i64::from(days)));
        validate::from_toml_with(text, origin, &overrides).map(|(scenario, _)| scenario)
    }

    /// Total resident population.
    pub fn population(&self) -> u64 {
        self.regions
            .iter()
            .flat_map(|r| &r.settlements)
            .map(|s| u64::from(s.population))
            .sum()
    }
}

/// Travel on the plane.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Travel {
    /// Average door-to-door speed \[km/h\].
    pub speed_kmh: f64,
    /// Road distance / straight-line distance.
    pub detour_factor: f64,
}

impl Travel {
    /// Travel minutes between two points.
    pub fn minutes(&self, a: Point, b: Point) -> f64 {
        self.detour_factor * a.dist_km(b) / self.speed_kmh * 60.0
    }
}

/// Illness onset.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Demand {
    /// Episodes per resident per year (non-chronic residents).
    pub episodes_per_resident_year: f64,
    /// Share of residents with a chronic condition.
    pub chronic_share: f64,
    /// Rate multiplier for chronic residents.
    pub chronic_multiplier: f64,
    /// Probability of each severity, mildest first; sums to 1.
    pub severity_mix: [f64; 4],
    /// Daily window in which patients set out for care.
    pub presentation: Hours,
}

/// Facility-choice model (multinomial logit with a quality-gated cost
/// weight; see [`crate::choice`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChoiceParams {
    /// Nearest facilities of each tier in the choice set.
    pub nearest_per_tier: u32,
    /// Facilities farther than this are left out \[minutes\].
    pub max_travel_minutes: f64,
    /// Wait beliefs.
    pub beliefs: Beliefs,
    /// Utility per quality point.
    pub b_quality: f64,
    /// Utility per currency unit of out-of-pocket cost (negative).
    pub b_cost: f64,
    /// Utility per hour of travel (negative).
    pub b_travel: f64,
    /// Utility per hour of expected wait (negative).
    pub b_wait: f64,
    /// Utility of a contracted facility.
    pub b_contract: f64,
    /// How fast the cost weight falls with the hospitals' quality lead
    /// over the grassroots: `b_cost` is multiplied by
    /// `exp(-cost_quality_gate x gap)` (per quality point, >= 0; 0 is the plain logit).
    pub cost_quality_gate: f64,
    /// Alternative-specific constants `[tier][severity]`.
    pub asc: [[f64; 4]; 4],
}

/// Defaults shared by the facilities of one tier.
#[derive(Clone, Debug, PartialEq)]
pub struct TierParams {
    /// Highest severity treated.
    pub capability: Severity,
    /// Quality score.
    pub quality: f64,
    /// Doctors on duty while open.
    pub doctors: u32,
    /// Inpatient beds.
    pub beds: u32,
    /// Opening hours.
    pub hours: Hours,
    /// Queue discipline.
    pub discipline: Discipline,
    /// Service-time distribution per severity.
    pub service: [ServiceDist; 4],
    /// Outpatient price per visit, per severity \[CNY\].
    pub outpatient_price: [f64; 4],
    /// Price of an inpatient day \[CNY\].
    pub bed_day_price: f64,
    /// Mean length of stay per severity \[days\].
    pub los_days: [f64; 4],
}

/// A county or district.
#[derive(Clone, Debug, PartialEq)]
pub struct Region {
    /// Unique name.
    pub name: String,
    /// The medical community its residents belong to.
    pub alliance: AllianceId,
    /// Settlements (explicit or generated).
    pub settlements: Vec<Settlement>,
}

/// A village, town or neighbourhood whose residents share a location.
#[derive(Clone, Debug, PartialEq)]
pub struct Settlement {
    /// Name (generated ones are numbered).
    pub name: String,
    /// Location.
    pub at_km: Point,
    /// Residents.
    pub population: u32,
}

/// A facility with its resolved parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Facility {
    /// Unique name.
    pub name: String,
    /// Tier.
    pub tier: Tier,
    /// Region it belongs to.
    pub region: RegionId,
    /// Location.
    pub at_km: Point,
    /// Doctors on duty while open (outpatient servers).
    pub doctors: u32,
    /// Inpatient beds.
    pub beds: u32,
    /// Quality score (enters utility through `b_quality`).
    pub quality: f64,
    /// Highest severity treated.
    pub capability: Severity,
    /// Upward referral target; `None` resolves to the nearest facility of
    /// the next tier, preferring the same region.
    pub partner: Option<FacilityId>,
    /// Opening hours.
    pub hours: Hours,
    /// Queue discipline.
    pub discipline: Discipline,
    /// Service-time distribution per severity.
    pub service: [ServiceDist; 4],
    /// Outpatient price per visit, per severity \[CNY\].
    pub outpatient_price: [f64; 4],
    /// Price of an inpatient day \[CNY\].
    pub bed_day_price: f64,
    /// Mean length of stay per severity \[days\].
    pub los_days: [f64; 4],
    /// Medical community it belongs to.
    pub alliance: AllianceId,
    /// `partner` as written, if any (kept for facilities a layout leaves out).
    pub partner_name: Option<String>,
    /// Index in the file's `[[facility]]` list; `None` for generated ones.
    pub explicit_index: Option<usize>,
    /// `emergency` as written: runs an emergency department whatever
    /// `emergency.tiers` says; `None` follows the tier.
    pub emergency: Option<bool>,
    /// `emergency_doctors` as written: its emergency department's doctors.
    pub emergency_doctors: Option<u32>,
}
