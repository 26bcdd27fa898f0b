//! The immutable world a run happens in: facilities with their samplers,
//! settlements with their precomputed choice sets, and referral targets.
//!
//! Built once from a [`Scenario`] and shared read-only by every
//! replication (and every thread). Holds no run state and draws no random
//! numbers; residents are drawn per replication by the engine.

use std::collections::HashSet;
use std::ops::{self, Deref, DerefMut};

use rand_distr::{Distribution, Exp, Gamma, LogNormal};

use crate::scenario::{
    AllianceId, Discipline, Facility, FacilityId, Hours, Point, RegionId, Scenario, ServiceDist, Severity, Target,
    Tier, Travel,
};
use crate::spatial::Tree;

/// Values kept per facility, indexed by [`FacilityId`]: a `Vec` underneath,
/// so indexing costs what indexing a `Vec` costs. Callers that hold
/// facility numbers as integers (metrics, reports) index it by `usize`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PerFacility<T>(Vec<T>);

impl<T> PerFacility<T> {
    /// Every facility's id, in order.
    pub fn ids(&self) -> impl Iterator<Item = FacilityId> + use<T> {
        (0..self.0.len() as u32).map(FacilityId)
    }
}

impl<T> FromIterator<T> for PerFacility<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        PerFacility(iter.into_iter().collect())
    }
}

impl<T> Deref for PerFacility<T> {
    type Target = [T];

    #[inline]
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T> DerefMut for PerFacility<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.0
    }
}

impl<T> ops::Index<FacilityId> for PerFacility<T> {
    type Output = T;

    #[inline]
    fn index(&self, id: FacilityId) -> &T {
        &self.0[id.0 as usize]
    }
}

impl<T> ops::IndexMut<FacilityId> for PerFacility<T> {
    #[inline]
    fn index_mut(&mut self, id: FacilityId) -> &mut T {
        &mut self.0[id.0 as usize]
    }
}

impl<T> ops::Index<usize> for PerFacility<T> {
    type Output = T;

    #[inline]
    fn index(&self, i: usize) -> &T {
        &self.0[i]
    }
}

impl<T> ops::IndexMut<usize> for PerFacility<T> {
    #[inline]
    fn index_mut(&mut self, i: usize) -> &mut T {
        &mut self.0[i]
    }
}

/// The scenario's facility `id`.
#[inline]
fn spec(scenario: &Scenario, id: FacilityId) -> &Facility {
    &scenario.facilities[id.0 as usize]
}

/// A service-time sampler built from a checked [`ServiceDist`].
#[derive(Clone, Copy, Debug)]
pub enum Sampler {
    /// Exponential.
    Exp(Exp<f64>),
    /// Lognormal.
    LogNormal(LogNormal<f64>),
    /// Gamma.
    Gamma(Gamma<f64>),
    /// Constant.
    Fixed(f64),
}

impl Sampler {
    /// Builds the sampler; the scenario validator guarantees mean > 0, cv > 0.
    pub fn new(d: ServiceDist) -> Sampler {
        const CHECKED: &str = "service parameters were validated (mean > 0, cv > 0)";
        match d {
            ServiceDist::Exponential { mean_minutes } => Sampler::Exp(Exp::new(1.0 / mean_minutes).expect(CHECKED)),
            ServiceDist::Lognormal { mean_minutes, cv } => {
                // Mean m and cv c: sigma^2 = ln(1 + c^2), mu = ln m - sigma^2 / 2.
                let s2 = (1.0 + cv * cv).ln();
                Sampler::LogNormal(LogNormal::new(mean_minutes.ln() - s2 / 2.0, s2.sqrt()).expect(CHECKED))
            }
            ServiceDist::Gamma { mean_minutes, cv } => {
                // Shape k = 1 / c^2, scale = m c^2.
                Sampler::Gamma(Gamma::new(1.0 / (cv * cv), mean_minutes * cv * cv).expect(CHECKED))
            }
            ServiceDist::Fixed { mean_minutes } => Sampler::Fixed(mean_minutes),
        }
    }

    /// One service time \[minutes\].
    pub fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Sampler::Exp(d) => d.sample(rng),
            Sampler::LogNormal(d) => d.sample(rng),
            Sampler::Gamma(d) => d.sample(rng),
            Sampler::Fixed(m) => {
                // Keep one draw per service so streams stay aligned across dists.
                let _ = rng.next_u64();
                *m
            }
        }
    }
}

/// A facility as the engine sees it.
#[derive(Clone, Debug)]
pub struct FacilityInfo {
    /// Name.
    pub name: String,
    /// Tier.
    pub tier: Tier,
    /// Region.
    pub region: RegionId,
    /// Location.
    pub at_km: Point,
    /// Doctors on duty while open.
    pub doctors: u32,
    /// Quality score.
    pub quality: f64,
    /// Highest severity treated.
    pub capability: Severity,
    /// Opening hours.
    pub hours: Hours,
    /// Queue discipline.
    pub discipline: Discipline,
    /// Service-time samplers per severity.
    pub service: [Sampler; 4],
    /// Mean service minutes over the severity mix (for `live` wait beliefs).
    pub mean_service_minutes: f64,
    /// Outpatient price per severity as billed \[CNY\]: the listed price,
    /// at a zero-markup tier with its drugs at cost ([`crate::levers::drugs`]).
    pub price: [f64; 4],
    /// Where a patient of each severity it cannot treat is referred: the
    /// partner if it can treat them, else the nearest facility that can.
    pub refer_to: [Option<FacilityId>; 4],
    /// Upward referral and transfer target.
    pub partner: Option<FacilityId>,
    /// Inpatient beds.
    pub beds: u32,
    /// Price of an inpatient day as billed \[CNY\] (as `price`).
    pub bed_day_price: f64,
    /// Drug markup forgone per CNY billed: listed - billed = billed x
    /// this; 0 away from the zero-markup tiers.
    pub markup_forgone_per_billed: f64,
    /// Length-of-stay samplers per severity \[days\].
    pub los_days: [Sampler; 4],
    /// Medical community.
    pub alliance: AllianceId,
    /// Has a telemedicine link.
    pub tele: bool,
}

/// One entry of a settlement's choice set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChoiceOption {
    /// The facility.
    pub facility: FacilityId,
    /// Travel from the settlement \[minutes\].
    pub travel_minutes: f64,
    /// A contracted resident of this settlement holds a contract with it.
    pub contract: bool,
    /// In the choice set only for contracted residents (not among the nearest).
    pub contract_only: bool,
}

/// A settlement as the engine sees it.
#[derive(Clone, Debug)]
pub struct SettlementInfo {
    /// Region.
    pub region: RegionId,
    /// Location.
    pub at_km: Point,
    /// Residents.
    pub population: u32,
    /// Choice set: the nearest facilities of each tier within reach, plus
    /// the contracted ones, ordered by tier, then travel minutes, then
    /// facility index.
    pub options: Vec<ChoiceOption>,
    /// Medical community of its residents.
    pub alliance: AllianceId,
    /// Contracted residents' grassroots facility (gatekeeping, down-referral).
    pub contract_grassroots: Option<FacilityId>,
    /// Nearest township center (down-referral of non-contracted residents).
    pub nearest_township: Option<FacilityId>,
    /// Travel to it \[minutes\] (infinite without one).
    pub township_minutes: f64,
    /// Quintile (0 nearest to 4 farthest) of travel to the nearest
    /// township center, population-weighted ([`travel_quintiles`]).
    pub travel_quintile: u8,
}

/// The built world.
#[derive(Clone, Debug)]
pub struct World {
    /// The scenario it was built from.
    pub scenario: Scenario,
    /// Facilities, indexed by [`FacilityId`].
    pub facilities: PerFacility<FacilityInfo>,
    /// Settlements of all regions, region by region.
    pub settlements: Vec<SettlementInfo>,
    /// Residents per alliance (for global budgets).
    pub alliance_population: Vec<u64>,
}

impl World {
    /// Builds the world: samplers, choice sets and referral targets.
    pub fn new(scenario: &Scenario) -> World {
        let index = Index::new(scenario);
        let mut facilities = facility_infos(scenario);
        set_referral_targets(scenario, &index, &mut facilities);
        let settlements = settlement_infos(scenario, &index);
        let mut alliance_population = vec![0u64; scenario.alliances.len()];
        for s in &settlements {
            alliance_population[s.alliance.0 as usize] += u64::from(s.population);
        }
        World {
            scenario: scenario.clone(),
            facilities,
            settlements,
            alliance_population,
        }
    }

    /// Travel minutes between two facilities.
    pub fn travel_minutes(&self, a: FacilityId, b: FacilityId) -> f64 {
        self.scenario
            .travel
            .minutes(self.facilities[a].at_km, self.facilities[b].at_km)
    }

    /// The facility.
    pub fn facility(&self, id: FacilityId) -> &FacilityInfo {
        &self.facilities[id]
    }
}

/// Every facility with its samplers (referral targets still unset).
fn facility_infos(scenario: &Scenario) -> PerFacility<FacilityInfo> {
    let mix = scenario.demand.severity_mix;
    let tele: HashSet<FacilityId> = scenario
        .telemedicine
        .iter()
        .flat_map(|t| t.sites.iter().copied())
        .collect();
    let cv = scenario.admission.los_cv;
    scenario
        .facilities
        .iter()
        .enumerate()
        .map(|(i, f)| FacilityInfo {
            name: f.name.clone(),
            tier: f.tier,
            region: f.region,
            at_km: f.at_km,
            doctors: f.doctors,
            quality: f.quality,
            capability: f.capability,
            hours: f.hours,
            discipline: f.discipline,
            service: f.service.map(Sampler::new),
            mean_service_minutes: (0..4).map(|s| mix[s] * f.service[s].mean_minutes()).sum(),
            price: f.outpatient_price.map(|p| billed(scenario, f.tier, p)),
            refer_to: [None; 4],
            partner: f.partner,
            beds: f.beds,
            bed_day_price: billed(scenario, f.tier, f.bed_day_price),
            markup_forgone_per_billed: scenario.drugs.map_or(0.0, |d| d.forgone_per_billed(f.tier)),
            los_days: f
                .los_days
                .map(|mean_minutes| Sampler::new(ServiceDist::Lognormal { mean_minutes, cv })),
            alliance: f.alliance,
            tele: tele.contains(&FacilityId(i as u32)),
        })
        .collect()
}

/// A listed price at `tier` as billed: the zero-markup reform applied once
/// here, so bills and the choice's expected costs cannot miss it.
fn billed(scenario: &Scenario, tier: Tier, listed: f64) -> f64 {
    scenario.drugs.map_or(listed, |d| d.billed(tier, listed))
}

/// Where each facility refers the severities it cannot treat: the partner
/// if it can treat them, else the nearest facility that can.
fn set_referral_targets(scenario: &Scenario, index: &Index, facilities: &mut PerFacility<FacilityInfo>) {
    for (f, info) in scenario.facilities.iter().zip(facilities.iter_mut()) {
        for sev in Severity::ALL {
            if sev <= f.capability {
                continue;
            }
            let partner = f.partner.filter(|&p| spec(scenario, p).capability >= sev);
            info.refer_to[sev as usize] = partner.or_else(|| index.nearest_able(sev, f.at_km, &scenario.travel));
        }
    }
}

/// Settlements of all regions, region by region, with their choice sets.
fn settlement_infos(scenario: &Scenario, index: &Index) -> Vec<SettlementInfo> {
    let mut settlements: Vec<SettlementInfo> = scenario
        .regions
        .iter()
        .enumerate()
        .flat_map(|(ri, r)| r.settlements.iter().map(move |s| (ri, s)))
        .map(|(ri, s)| {
            let contracted = contract_targets(scenario, index, s.at_km);
            SettlementInfo {
                region: RegionId(ri as u32),
                alliance: scenario.regions[ri].alliance,
                at_km: s.at_km,
                population: s.population,
                options: choice_set(scenario, index, s.at_km, &contracted),
                contract_grassroots: contracted
                    .iter()
                    .copied()
                    .filter(|&f| spec(scenario, f).tier.is_grassroots())
                    .min_by_key(|&f| spec(scenario, f).tier),
                nearest_township: index.nearest_of(Tier::Township, s.at_km, &scenario.travel),
                township_minutes: f64::INFINITY,
                travel_quintile: 0,
            }
        })
        .collect();
    for s in &mut settlements {
        if let Some(t) = s.nearest_township {
            s.township_minutes = scenario.travel.minutes(s.at_km, spec(scenario, t).at_km);
        }
    }
    let minutes: Vec<(f64, u32)> = settlements.iter().map(|s| (s.township_minutes, s.population)).collect();
    for (s, q) in settlements.iter_mut().zip(travel_quintiles(&minutes)) {
        s.travel_quintile = q;
    }
    settlements
}

/// Population-weighted quintiles of travel to the nearest township center:
/// settlements in order of `(minutes, population)`'s minutes, each placed
/// by the midpoint of its residents in the cumulative population (a
/// settlement is never split; settlements at equal minutes share the
/// midpoint of their block, so ties land in one quintile). Quintile q
/// holds midpoints in [q/5, (q+1)/5). Without a township center the
/// minutes are infinite: the farthest.
pub fn travel_quintiles(settlements: &[(f64, u32)]) -> Vec<u8> {
    let total: f64 = settlements.iter().map(|s| f64::from(s.1)).sum();
    let mut order: Vec<usize> = (0..settlements.len()).collect();
    order.sort_by(|&a, &b| settlements[a].0.total_cmp(&settlements[b].0).then(a.cmp(&b)));
    let mut out = vec![0u8; settlements.len()];
    let mut before = 0.0;
    let mut i = 0;
    while i < order.len() {
        let minutes = settlements[order[i]].0;
        let block: Vec<usize> = order[i..]
            .iter()
            .copied()
            .take_while(|&j| settlements[j].0 == minutes)
            .collect();
        let people: f64 = block.iter().map(|&j| f64::from(settlements[j].1)).sum();
        let mid = if total > 0.0 {
            (before + people / 2.0) / total
        } else {
            0.0
        };
        let q = ((mid * 5.0).floor() as u8).min(4);
        for &j in &block {
            out[j] = q;
        }
        before += people;
        i += block.len();
    }
    out
}

/// Facilities by tier and by capability, for nearest-facility searches
/// that give what a scan in (travel minutes, index) order gives.
struct Index {
    by_tier: [Tree; 4],
    by_capability: [Tree; 4],
}

impl Index {
    fn new(scenario: &Scenario) -> Index {
        let group = |keep: &dyn Fn(&Facility) -> bool| {
            Tree::new(
                scenario
                    .facilities
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| keep(f))
                    .map(|(i, f)| (f.at_km, i as u32))
                    .collect(),
            )
        };
        Index {
            by_tier: Tier::ALL.map(|t| group(&|f| f.tier == t)),
            by_capability: Severity::ALL.map(|c| group(&|f| f.capability == c)),
        }
    }

    /// The nearest facility of `tier` (ties: lowest index).
    fn nearest_of(&self, tier: Tier, from: Point, travel: &Travel) -> Option<FacilityId> {
        self.by_tier[tier as usize]
            .nearest(from, |p| travel.minutes(from, p))
            .map(|(_, i)| FacilityId(i))
    }

    /// The nearest facility treating `sev` (ties: lowest index).
    fn nearest_able(&self, sev: Severity, from: Point, travel: &Travel) -> Option<FacilityId> {
        self.by_capability[sev as usize..]
            .iter()
            .filter_map(|t| t.nearest(from, |p| travel.minutes(from, p)))
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
            .map(|(_, i)| FacilityId(i))
    }
}

/// What a contracted resident living at `at` contracts with: the nearest
/// facility of each tier named in `contract.with`, and the named facilities.
fn contract_targets(scenario: &Scenario, index: &Index, at: Point) -> Vec<FacilityId> {
    if scenario.contract.share <= 0.0 {
        return Vec::new();
    }
    let mut out: Vec<FacilityId> = scenario
        .contract
        .with
        .iter()
        .filter_map(|t| match t {
            Target::Tier(tier) => index.nearest_of(*tier, at, &scenario.travel),
            Target::Facility(id) => Some(*id),
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The `nearest_per_tier` nearest facilities of each tier within
/// `max_travel_minutes`, plus the contract targets, ordered by tier,
/// travel, index.
fn choice_set(scenario: &Scenario, index: &Index, at: Point, contracted: &[FacilityId]) -> Vec<ChoiceOption> {
    let c = &scenario.choice;
    let mut out = Vec::new();
    for tree in &index.by_tier {
        // The k nearest by (minutes, index); those within reach are a prefix.
        let nearest = tree.k_nearest(at, c.nearest_per_tier as usize, |p| scenario.travel.minutes(at, p));
        for (travel_minutes, i) in nearest.into_iter().filter(|(t, _)| *t <= c.max_travel_minutes) {
            out.push(ChoiceOption {
                facility: FacilityId(i),
                travel_minutes,
                contract: contracted.contains(&FacilityId(i)),
                contract_only: false,
            });
        }
    }
    for &f in contracted {
        if !out.iter().any(|o| o.facility == f) {
            out.push(ChoiceOption {
                facility: f,
                travel_minutes: scenario.travel.minutes(at, spec(scenario, f).at_km),
                contract: true,
                contract_only: true,
            });
        }
    }
    let tier = |o: &ChoiceOption| spec(scenario, o.facility).tier;
    out.sort_by(|a, b| {
        tier(a)
            .cmp(&tier(b))
            .then(a.travel_minutes.total_cmp(&b.travel_minutes))
            .then(a.facility.cmp(&b.facility))
    });
    out
}
