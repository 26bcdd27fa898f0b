#![allow(missing_docs)] // Keys are documented in README.md (scenario reference); this is their serde mirror.
//! Serde mirror of the scenario TOML.
//!
//! Every field is optional so that [`super::validate`] can fill defaults and
//! report what is missing in its own words. `deny_unknown_fields` everywhere
//! (and no `flatten`) so that a typo is an error, never silently ignored.
//! The same types serialise the resolved scenario written next to outputs.
//! The sections of the policy levers are defined in their files of
//! [`crate::levers`] and re-exported here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Severity, Tier};
pub use crate::levers::budget::RawBudget;
pub use crate::levers::catastrophic::RawCatastrophic;
pub use crate::levers::contract::RawContract;
pub use crate::levers::deposit::RawDeposit;
pub use crate::levers::drugs::RawDrugs;
pub use crate::levers::emergency::RawEmergency;
pub use crate::levers::inpatient::RawAdmission;
pub use crate::levers::layout::RawLayout;
pub use crate::levers::outcome::{RawHazard, RawOutcome};
pub use crate::levers::patience::RawPatience;
pub use crate::levers::payment::{RawPayment, RawPolicy, RawSchemePolicy};
pub use crate::levers::population::{RawIncomeGroup, RawPopulation};
pub use crate::levers::quota::RawQuota;
pub use crate::levers::referral::RawReferral;
pub use crate::levers::reserved::RawReservedSlots;
pub use crate::levers::rotation::RawRotation;
pub use crate::levers::serious_illness::{RawBand, RawSeriousIllness};
pub use crate::levers::telemedicine::RawTelemedicine;

raw_section! {
    /// The whole scenario file.
    pub struct RawScenario {
        pub name: Option<String>,
        pub seed: Option<i64>,
        pub days: Option<i64>,
        pub warmup_days: Option<i64>,
        pub replications: Option<i64>,
        pub travel: Option<RawTravel>,
        pub demand: Option<RawDemand>,
        pub choice: Option<RawChoice>,
        pub tiers: Option<RawTiers>,
        pub policy: Option<RawPolicy>,
        pub referral: Option<RawReferral>,
        pub patience: Option<RawPatience>,
        pub population: Option<RawPopulation>,
        pub admission: Option<RawAdmission>,
        pub deposit: Option<RawDeposit>,
        pub reserved_slots: Option<RawReservedSlots>,
        pub contract: Option<RawContract>,
        pub telemedicine: Option<RawTelemedicine>,
        pub budget: Option<RawBudget>,
        pub serious_illness: Option<RawSeriousIllness>,
        pub drugs: Option<RawDrugs>,
        pub catastrophic: Option<RawCatastrophic>,
        pub outcome: Option<RawOutcome>,
        pub emergency: Option<RawEmergency>,
        pub layout: Option<String>,
        pub layouts: Option<BTreeMap<String, RawLayout>>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub rotation: Vec<RawRotation>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub quota: Vec<RawQuota>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub region: Vec<RawRegion>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub facility: Vec<RawFacility>,
    }
}

raw_section! {
    /// `[travel]`
    pub struct RawTravel {
        pub speed_kmh: Option<f64>,
        pub detour_factor: Option<f64>,
    }
}

raw_section! {
    /// `[demand]`
    pub struct RawDemand {
        pub episodes_per_resident_year: Option<f64>,
        pub chronic_share: Option<f64>,
        pub chronic_multiplier: Option<f64>,
        pub severity_mix: Option<PerSeverity<f64>>,
        pub presentation_hours: Option<String>,
    }
}

raw_section! {
    /// `[choice]`
    pub struct RawChoice {
        pub nearest_per_tier: Option<i64>,
        pub max_travel_minutes: Option<f64>,
        pub beliefs: Option<BeliefsKind>,
        pub learning_rate: Option<f64>,
        pub b_quality: Option<f64>,
        pub b_cost: Option<f64>,
        pub b_travel: Option<f64>,
        pub b_wait: Option<f64>,
        pub b_contract: Option<f64>,
        pub cost_quality_gate: Option<f64>,
        pub asc: Option<PerTier<PerSeverity<f64>>>,
    }
}

/// Names of the wait-belief modes.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum BeliefsKind {
    None,
    Live,
    Published,
    WordOfMouth,
}

/// A value per tier: `{ village = .., township = .., county = .., regional = .. }`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PerTier<T> {
    pub village: Option<T>,
    pub township: Option<T>,
    pub county: Option<T>,
    pub regional: Option<T>,
}

impl<T> PerTier<T> {
    /// Every entry given, in tier order.
    pub fn full([village, township, county, regional]: [T; 4]) -> PerTier<T> {
        PerTier {
            village: Some(village),
            township: Some(township),
            county: Some(county),
            regional: Some(regional),
        }
    }

    /// The entries in tier order.
    pub fn as_array(&self) -> [&Option<T>; 4] {
        [&self.village, &self.township, &self.county, &self.regional]
    }

    /// Mutable entries in tier order.
    pub fn as_array_mut(&mut self) -> [&mut Option<T>; 4] {
        [
            &mut self.village,
            &mut self.township,
            &mut self.county,
            &mut self.regional,
        ]
    }
}

/// A value per severity: `{ mild = .., moderate = .., severe = .., critical = .. }`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PerSeverity<T> {
    pub mild: Option<T>,
    pub moderate: Option<T>,
    pub severe: Option<T>,
    pub critical: Option<T>,
}

impl<T> PerSeverity<T> {
    /// Every entry given, in severity order.
    pub fn full([mild, moderate, severe, critical]: [T; 4]) -> PerSeverity<T> {
        PerSeverity {
            mild: Some(mild),
            moderate: Some(moderate),
            severe: Some(severe),
            critical: Some(critical),
        }
    }

    /// The entries in severity order.
    pub fn as_array(&self) -> [&Option<T>; 4] {
        [&self.mild, &self.moderate, &self.severe, &self.critical]
    }

    /// Mutable entries in severity order.
    pub fn as_array_mut(&mut self) -> [&mut Option<T>; 4] {
        [&mut self.mild, &mut self.moderate, &mut self.severe, &mut self.critical]
    }
}

raw_section! {
    /// `[tiers.<tier>]`: defaults for every facility of a tier.
    pub struct RawTierDefaults {
        pub capability: Option<SeverityName>,
        pub quality: Option<f64>,
        pub doctors: Option<i64>,
        pub beds: Option<i64>,
        pub hours: Option<String>,
        pub discipline: Option<DisciplineName>,
        pub service: Option<RawService>,
        pub service_by_severity: Option<PerSeverity<RawService>>,
        pub outpatient_price: Option<PerSeverity<f64>>,
        pub bed_day_price: Option<f64>,
        pub los_days: Option<PerSeverity<f64>>,
    }
}

/// `[tiers]`
pub type RawTiers = PerTier<RawTierDefaults>;

/// Severity names as written in files.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SeverityName {
    Mild,
    Moderate,
    Severe,
    Critical,
}

impl SeverityName {
    /// The severity it names.
    pub fn severity(self) -> Severity {
        Severity::ALL[self as usize]
    }

    /// The name of `s`.
    pub fn of(s: Severity) -> SeverityName {
        [
            SeverityName::Mild,
            SeverityName::Moderate,
            SeverityName::Severe,
            SeverityName::Critical,
        ][s as usize]
    }
}

/// Tier names as written in files.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TierName {
    Village,
    Township,
    County,
    Regional,
}

impl TierName {
    /// The tier it names.
    pub fn tier(self) -> Tier {
        Tier::ALL[self as usize]
    }

    /// The name of `t`.
    pub fn of(t: Tier) -> TierName {
        [
            TierName::Village,
            TierName::Township,
            TierName::County,
            TierName::Regional,
        ][t as usize]
    }
}

/// Tier names as written in files, lowest first.
pub(crate) const TIER_NAMES: [&str; 4] = ["village", "township", "county", "regional"];

/// A count as written back to a file.
pub(crate) fn count(x: u32) -> Option<i64> {
    Some(i64::from(x))
}

/// Queue disciplines as written in files.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DisciplineName {
    Fifo,
    Severity,
}

/// Service-time distribution names.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DistName {
    Exponential,
    Lognormal,
    Gamma,
    Fixed,
}

/// `service = { dist = "lognormal", mean_minutes = 12, cv = 0.6 }`
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    pub dist: Option<DistName>,
    pub mean_minutes: Option<f64>,
    pub cv: Option<f64>,
}

raw_section! {
    /// `[[region]]`
    pub struct RawRegion {
        pub name: Option<String>,
        pub alliance: Option<String>,
        pub generate: Option<RawGenerate>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub settlement: Vec<RawSettlement>,
    }
}

raw_section! {
    /// `[region.generate]`: a seeded rural county.
    pub struct RawGenerate {
        pub center_km: Option<[f64; 2]>,
        pub radius_km: Option<f64>,
        pub villages: Option<i64>,
        pub population: Option<i64>,
        pub townships: Option<i64>,
        pub village_clinics: Option<bool>,
        pub county_hospital: Option<bool>,
        pub seed: Option<i64>,
    }
}

raw_section! {
    /// `[[region.settlement]]`
    pub struct RawSettlement {
        pub name: Option<String>,
        pub at_km: Option<[f64; 2]>,
        pub population: Option<i64>,
    }
}

raw_section! {
    /// `[[facility]]`: tier defaults apply to every key left out.
    pub struct RawFacility {
        pub name: Option<String>,
        pub tier: Option<TierName>,
        pub region: Option<String>,
        pub at_km: Option<[f64; 2]>,
        pub doctors: Option<i64>,
        pub beds: Option<i64>,
        pub quality: Option<f64>,
        pub capability: Option<SeverityName>,
        pub partner: Option<String>,
        pub hours: Option<String>,
        pub discipline: Option<DisciplineName>,
        pub alliance: Option<String>,
        pub emergency: Option<bool>,
        pub emergency_doctors: Option<i64>,
    }
}
