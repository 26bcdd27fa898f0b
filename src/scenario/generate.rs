//! Seeded generation of a rural county: villages in a disk, a clinic in each
//! village, township health centers spread evenly, a county hospital at the
//! county seat in the middle.
//!
//! Placement depends only on the generator's seed and the region's name
//! (never on the replication), so every replication sees the same map.

use rand::RngExt;
use rand_distr::{Distribution, LogNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;

use super::{Point, Settlement, Tier};
use crate::spatial::Tree;

/// Generator settings from `[region.generate]`, defaults filled in.
#[derive(Clone, Debug, PartialEq)]
pub struct GenerateParams {
    /// Centre of the county (the county seat) \[km\].
    pub center_km: Point,
    /// Radius of the disk villages lie in \[km\].
    pub radius_km: f64,
    /// Number of villages.
    pub villages: u32,
    /// Residents shared among the villages.
    pub population: u32,
    /// Township health centers.
    pub townships: u32,
    /// A village clinic in every village.
    pub village_clinics: bool,
    /// A county hospital at the centre.
    pub county_hospital: bool,
    /// Seed of the placement.
    pub seed: u64,
}

/// A generated facility before tier defaults are applied.
pub struct FacilitySpec {
    /// Unique name built from the region's name.
    pub name: String,
    /// Tier.
    pub tier: Tier,
    /// Location.
    pub at_km: Point,
}

/// Villages uniform in the disk; populations lognormal (sigma 0.5, i.e.
/// villages differ by a factor of ~2), apportioned exactly to the total.
pub fn settlements(region: &str, p: &GenerateParams) -> Vec<Settlement> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(p.seed ^ fnv1a(region));
    let size = LogNormal::new(0.0, 0.5).expect("sigma 0.5 is a valid lognormal");
    let mut points = Vec::with_capacity(p.villages as usize);
    let mut weights = Vec::with_capacity(p.villages as usize);
    for _ in 0..p.villages {
        let r = p.radius_km * rng.random::<f64>().sqrt();
        let theta = std::f64::consts::TAU * rng.random::<f64>();
        points.push(Point {
            x: round_m(p.center_km.x + r * theta.cos()),
            y: round_m(p.center_km.y + r * theta.sin()),
        });
        weights.push(size.sample(&mut rng));
    }
    let populations = apportion(p.population, &weights);
    points
        .into_iter()
        .zip(populations)
        .enumerate()
        .map(|(i, (at_km, population))| Settlement {
            name: format!("{region} village {}", i + 1),
            at_km,
            population,
        })
        .collect()
}

/// Clinics in villages, township centers at the villages nearest an even
/// (sunflower) spread of points over the disk, and the county hospital.
pub fn facilities(region: &str, p: &GenerateParams) -> Vec<FacilitySpec> {
    let villages = settlements(region, p);
    let mut out = Vec::new();
    if p.village_clinics {
        for (i, v) in villages.iter().enumerate() {
            out.push(FacilitySpec {
                name: format!("{region} VC {}", i + 1),
                tier: Tier::Village,
                at_km: v.at_km,
            });
        }
    }
    let golden_angle = std::f64::consts::PI * (3.0 - 5f64.sqrt());
    let village_tree = Tree::new(villages.iter().enumerate().map(|(i, v)| (v.at_km, i as u32)).collect());
    for k in 0..p.townships {
        let r = p.radius_km * ((f64::from(k) + 0.5) / f64::from(p.townships)).sqrt();
        let theta = f64::from(k) * golden_angle;
        let target = Point {
            x: p.center_km.x + r * theta.cos(),
            y: p.center_km.y + r * theta.sin(),
        };
        // The nearest village (ties: the first), found in a tree.
        let seat = village_tree
            .nearest(target, |p| p.dist_km(target))
            .map(|(_, i)| villages[i as usize].at_km)
            .unwrap_or(target);
        out.push(FacilitySpec {
            name: format!("{region} THC {}", k + 1),
            tier: Tier::Township,
            at_km: seat,
        });
    }
    if p.county_hospital {
        out.push(FacilitySpec {
            name: format!("{region} County Hospital"),
            tier: Tier::County,
            at_km: p.center_km,
        });
    }
    out
}

/// Largest-remainder apportionment of `total` in proportion to `weights`.
fn apportion(total: u32, weights: &[f64]) -> Vec<u32> {
    let sum: f64 = weights.iter().sum();
    if weights.is_empty() || sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let quotas: Vec<f64> = weights.iter().map(|w| f64::from(total) * w / sum).collect();
    let mut out: Vec<u32> = quotas.iter().map(|q| q.floor() as u32).collect();
    let assigned: u32 = out.iter().sum();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        (quotas[b] - quotas[b].floor())
            .total_cmp(&(quotas[a] - quotas[a].floor()))
            .then(a.cmp(&b))
    });
    for &i in order.iter().take((total - assigned) as usize) {
        out[i] += 1;
    }
    out
}

/// Coordinates to the metre, so resolved scenarios print short numbers.
fn round_m(km: f64) -> f64 {
    (km * 1000.0).round() / 1000.0
}

/// Stable 64-bit hash of a name (FNV-1a), independent of Rust's hasher.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> GenerateParams {
        GenerateParams {
            center_km: Point { x: 0.0, y: 0.0 },
            radius_km: 20.0,
            villages: 50,
            population: 100_001,
            townships: 5,
            village_clinics: true,
            county_hospital: true,
            seed: 7,
        }
    }

    #[test]
    fn population_is_apportioned_exactly_and_inside_the_disk() {
        let s = settlements("A", &params());
        assert_eq!(s.len(), 50);
        assert_eq!(s.iter().map(|v| v.population).sum::<u32>(), 100_001);
        assert!(s.iter().all(|v| v.at_km.dist_km(Point { x: 0.0, y: 0.0 }) <= 20.001));
    }

    #[test]
    fn placement_is_stable_per_seed_and_region_name() {
        assert_eq!(settlements("A", &params()), settlements("A", &params()));
        assert_ne!(settlements("A", &params()), settlements("B", &params()));
    }

    #[test]
    fn facilities_cover_every_village_and_tier() {
        let f = facilities("A", &params());
        assert_eq!(f.iter().filter(|f| f.tier == Tier::Village).count(), 50);
        assert_eq!(f.iter().filter(|f| f.tier == Tier::Township).count(), 5);
        assert_eq!(f.iter().filter(|f| f.tier == Tier::County).count(), 1);
    }
}
