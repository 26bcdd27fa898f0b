//! Upper bounds of every size a scenario can ask for.
//!
//! Each bound leaves room to spare for a real province (Henan: ~99 million
//! residents, ~47,000 administrative villages, ~2,400 townships, ~160
//! counties), and each keeps the engine's integer types safe: resident
//! indices are `u32`, facility indices are packed into 28 bits of an
//! event. The validator checks them before anything is generated, so a
//! huge count costs nothing but its error message. The README's key
//! reference lists the same values.

/// `days`: 100 years.
pub const MAX_DAYS: u32 = 36_500;
/// `replications`.
pub const MAX_REPLICATIONS: u32 = 10_000;
/// Number of `[[region]]` entries.
pub const MAX_REGIONS: usize = 10_000;
/// `[region.generate] villages` of one region.
pub const MAX_VILLAGES_PER_REGION: u32 = 200_000;
/// `[region.generate] townships` of one region.
pub const MAX_TOWNSHIPS_PER_REGION: u32 = 20_000;
/// Settlements of all regions together, generated and explicit.
pub const MAX_SETTLEMENTS: u64 = 1_000_000;
/// Facilities together, generated and explicit.
pub const MAX_FACILITIES: u64 = 1_000_000;
/// Residents of one settlement (`population` of a `[[region.settlement]]`).
pub const MAX_SETTLEMENT_POPULATION: u32 = 100_000_000;
/// `[region.generate] population` of one region.
pub const MAX_REGION_POPULATION: u32 = 200_000_000;
/// Residents of all regions together (resident indices are 32-bit).
pub const MAX_POPULATION: u64 = 1_000_000_000;
/// Doctors of one facility (or a tier default).
pub const MAX_DOCTORS: u32 = 100_000;
/// Beds of one facility (or a tier default).
pub const MAX_BEDS: u32 = 100_000;
/// `demand.episodes_per_resident_year` (a few is typical; queueing
/// studies give a few residents high rates).
pub const MAX_EPISODES_PER_RESIDENT_YEAR: f64 = 100_000.0;
/// `demand.chronic_multiplier`.
pub const MAX_CHRONIC_MULTIPLIER: f64 = 100.0;
/// `travel.speed_kmh`.
pub const MAX_SPEED_KMH: f64 = 1_000.0;
/// `travel.detour_factor`.
pub const MAX_DETOUR_FACTOR: f64 = 10.0;
/// Largest coordinate (east or north, either sign) of a location \[km\].
pub const MAX_COORDINATE_KM: f64 = 100_000.0;
/// `choice.nearest_per_tier`.
pub const MAX_NEAREST_PER_TIER: u32 = 16;
/// Entries of `contract.with`.
pub const MAX_CONTRACT_TARGETS: usize = 16;
/// Most facilities in one settlement's choice set: the nearest of each of
/// the four tiers plus every contracted facility. The engine keeps one bit
/// per entry in an episode's record of facilities already left.
pub const MAX_CHOICE_SET: usize = 4 * MAX_NEAREST_PER_TIER as usize + MAX_CONTRACT_TARGETS;
/// `[[quota]]` entries.
pub const MAX_QUOTAS: usize = 1_000;
/// `quota[i].outpatient_per_day`.
pub const MAX_QUOTA_PER_DAY: u32 = 10_000_000;
/// `[[rotation]]` programs.
pub const MAX_ROTATIONS: usize = 1_000;
/// Doctors of all facilities together (tier sums are 32-bit in the engine).
pub const MAX_TOTAL_DOCTORS: u64 = 100_000_000;
/// Smallest coefficient of variation of a service or stay distribution.
pub const MIN_CV: f64 = 0.001;
/// Largest coefficient of variation of a service or stay distribution.
pub const MAX_CV: f64 = 100.0;
/// Largest mean service time \[minutes\] (about 70 days).
pub const MAX_SERVICE_MINUTES: f64 = 100_000.0;
