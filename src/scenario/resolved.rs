//! The resolved scenario: a checked [`Scenario`] written back as raw TOML
//! types with every default filled in and generated settlements and
//! facilities listed, so it reloads to the same scenario. Each lever
//! writes its own section (`Lever::to_raw` in `src/levers/`).

use super::raw::*;
use super::*;
use crate::levers::layout;

/// The scenario with every default filled in, as TOML that reloads to the
/// same scenario.
pub fn to_toml(s: &Scenario) -> String {
    use std::fmt::Write as _;
    let raw = to_raw(s);
    let body = toml::to_string(&raw).expect("resolved scenarios always serialise to TOML");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Scenario \"{}\" as resolved by tiersim {}: every default filled in,\n# generated settlements and facilities listed. `tiersim run` on this file\n# reproduces the results next to it.\n",
        s.name,
        env!("CARGO_PKG_VERSION")
    );
    out.push_str(&body);
    out
}

fn discipline_name(d: Discipline) -> DisciplineName {
    match d {
        Discipline::Fifo => DisciplineName::Fifo,
        Discipline::Severity => DisciplineName::Severity,
    }
}

fn raw_service(d: ServiceDist) -> RawService {
    let (dist, mean, cv) = match d {
        ServiceDist::Exponential { mean_minutes } => (DistName::Exponential, mean_minutes, None),
        ServiceDist::Lognormal { mean_minutes, cv } => (DistName::Lognormal, mean_minutes, Some(cv)),
        ServiceDist::Gamma { mean_minutes, cv } => (DistName::Gamma, mean_minutes, Some(cv)),
        ServiceDist::Fixed { mean_minutes } => (DistName::Fixed, mean_minutes, None),
    };
    RawService {
        dist: Some(dist),
        mean_minutes: Some(mean),
        cv,
    }
}

fn tier_defaults(t: &TierParams) -> RawTierDefaults {
    RawTierDefaults {
        capability: Some(SeverityName::of(t.capability)),
        quality: Some(t.quality),
        doctors: count(t.doctors),
        beds: count(t.beds),
        hours: Some(t.hours.to_text()),
        discipline: Some(discipline_name(t.discipline)),
        service: None,
        service_by_severity: Some(PerSeverity::full(t.service.map(raw_service))),
        outpatient_price: Some(PerSeverity::full(t.outpatient_price)),
        bed_day_price: Some(t.bed_day_price),
        los_days: Some(PerSeverity::full(t.los_days)),
    }
}

fn facility(s: &Scenario, f: &Facility, partner: Option<String>) -> RawFacility {
    RawFacility {
        name: Some(f.name.clone()),
        tier: Some(TierName::of(f.tier)),
        region: Some(s.regions[f.region.0 as usize].name.clone()),
        at_km: Some([f.at_km.x, f.at_km.y]),
        doctors: count(f.doctors),
        beds: count(f.beds),
        quality: Some(f.quality),
        capability: Some(SeverityName::of(f.capability)),
        partner,
        hours: Some(f.hours.to_text()),
        discipline: Some(discipline_name(f.discipline)),
        alliance: Some(s.alliances[f.alliance.0 as usize].clone()),
        emergency: f.emergency,
        emergency_doctors: f.emergency_doctors.and_then(count),
    }
}

/// Active facilities with their resolved partners, then the ones the
/// layout leaves out with their partners as written.
fn facilities(s: &Scenario) -> Vec<RawFacility> {
    let active = s
        .facilities
        .iter()
        .map(|f| facility(s, f, f.partner.map(|p| s.facilities[p.0 as usize].name.clone())));
    let inactive = s
        .inactive_facilities
        .iter()
        .map(|f| facility(s, f, f.partner_name.clone()));
    active.chain(inactive).collect()
}

/// Regions with every settlement listed, generated ones included.
fn regions(s: &Scenario) -> Vec<RawRegion> {
    s.regions
        .iter()
        .map(|r| RawRegion {
            name: Some(r.name.clone()),
            alliance: Some(s.alliances[r.alliance.0 as usize].clone()),
            generate: None,
            settlement: r
                .settlements
                .iter()
                .map(|st| RawSettlement {
                    name: Some(st.name.clone()),
                    at_km: Some([st.at_km.x, st.at_km.y]),
                    population: count(st.population),
                })
                .collect(),
        })
        .collect()
}

fn choice(c: &ChoiceParams) -> RawChoice {
    let (beliefs, learning_rate) = match c.beliefs {
        Beliefs::None => (BeliefsKind::None, None),
        Beliefs::Live => (BeliefsKind::Live, None),
        Beliefs::Published => (BeliefsKind::Published, None),
        Beliefs::WordOfMouth { learning_rate } => (BeliefsKind::WordOfMouth, Some(learning_rate)),
    };
    RawChoice {
        nearest_per_tier: count(c.nearest_per_tier),
        max_travel_minutes: Some(c.max_travel_minutes),
        beliefs: Some(beliefs),
        learning_rate,
        b_quality: Some(c.b_quality),
        b_cost: Some(c.b_cost),
        b_travel: Some(c.b_travel),
        b_wait: Some(c.b_wait),
        b_contract: Some(c.b_contract),
        cost_quality_gate: Some(c.cost_quality_gate),
        asc: Some(PerTier::full(c.asc.map(PerSeverity::full))),
    }
}

fn demand(d: &Demand) -> RawDemand {
    RawDemand {
        episodes_per_resident_year: Some(d.episodes_per_resident_year),
        chronic_share: Some(d.chronic_share),
        chronic_multiplier: Some(d.chronic_multiplier),
        severity_mix: Some(PerSeverity::full(d.severity_mix)),
        presentation_hours: Some(d.presentation.to_text()),
    }
}

/// The resolved scenario as raw TOML types.
pub fn to_raw(s: &Scenario) -> RawScenario {
    let mut raw = RawScenario {
        name: Some(s.name.clone()),
        seed: Some(s.seed as i64),
        days: count(s.days),
        warmup_days: count(s.warmup_days),
        replications: count(s.replications),
        travel: Some(RawTravel {
            speed_kmh: Some(s.travel.speed_kmh),
            detour_factor: Some(s.travel.detour_factor),
        }),
        demand: Some(demand(&s.demand)),
        choice: Some(choice(&s.choice)),
        tiers: Some(PerTier::full(s.tiers.clone().map(|t| tier_defaults(&t)))),
        region: regions(s),
        facility: facilities(s),
        ..RawScenario::default()
    };
    layout::to_raw(s, &mut raw);
    s.levers_to_raw(&mut raw);
    raw
}
