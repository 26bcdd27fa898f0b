//! The resolved scenario: a checked [`Scenario`] written back as raw TOML
//! types with every default filled in and generated settlements and
//! facilities listed, so it reloads to the same scenario.

use super::raw::*;
use super::*;

fn sev(a: [f64; 4]) -> PerSeverity<f64> {
    PerSeverity {
        mild: Some(a[0]),
        moderate: Some(a[1]),
        severe: Some(a[2]),
        critical: Some(a[3]),
    }
}

fn per_tier<T: Clone>(a: [T; 4]) -> PerTier<T> {
    let [village, township, county, regional] = a;
    PerTier {
        village: Some(village),
        township: Some(township),
        county: Some(county),
        regional: Some(regional),
    }
}

fn severity_name(s: Severity) -> SeverityName {
    [
        SeverityName::Mild,
        SeverityName::Moderate,
        SeverityName::Severe,
        SeverityName::Critical,
    ][s as usize]
}

fn tier_name(t: Tier) -> TierName {
    [
        TierName::Village,
        TierName::Township,
        TierName::County,
        TierName::Regional,
    ][t as usize]
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

fn count(x: u32) -> Option<i64> {
    Some(i64::from(x))
}

fn payment(rate: [f64; 4], deductible: [f64; 4]) -> Option<RawPayment> {
    Some(RawPayment {
        rate: Some(per_tier(rate)),
        deductible: Some(per_tier(deductible)),
    })
}

fn tier_defaults(t: &TierParams) -> RawTierDefaults {
    RawTierDefaults {
        capability: Some(severity_name(t.capability)),
        quality: Some(t.quality),
        doctors: count(t.doctors),
        beds: count(t.beds),
        hours: Some(t.hours.to_text()),
        discipline: Some(discipline_name(t.discipline)),
        service: None,
        service_by_severity: Some(PerSeverity {
            mild: Some(raw_service(t.service[0])),
            moderate: Some(raw_service(t.service[1])),
            severe: Some(raw_service(t.service[2])),
            critical: Some(raw_service(t.service[3])),
        }),
        outpatient_price: Some(sev(t.outpatient_price)),
        bed_day_price: Some(t.bed_day_price),
        los_days: Some(sev(t.los_days)),
    }
}

fn facility(s: &Scenario, f: &Facility, partner: Option<String>) -> RawFacility {
    RawFacility {
        name: Some(f.name.clone()),
        tier: Some(tier_name(f.tier)),
        region: Some(s.regions[f.region.0 as usize].name.clone()),
        at_km: Some([f.at_km.x, f.at_km.y]),
        doctors: count(f.doctors),
        beds: count(f.beds),
        quality: Some(f.quality),
        capability: Some(severity_name(f.capability)),
        partner,
        hours: Some(f.hours.to_text()),
        discipline: Some(discipline_name(f.discipline)),
        alliance: Some(s.alliances[f.alliance.0 as usize].clone()),
    }
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
        asc: Some(per_tier(c.asc.map(sev))),
    }
}

fn policy(p: &Policy) -> RawPolicy {
    let [r, e] = p.schemes;
    RawPolicy {
        outpatient: payment(r.outpatient_rate, r.outpatient_deductible),
        inpatient: payment(r.inpatient_rate, r.inpatient_deductible),
        employee: Some(RawSchemePolicy {
            outpatient: payment(e.outpatient_rate, e.outpatient_deductible),
            inpatient: payment(e.inpatient_rate, e.inpatient_deductible),
            annual_cap: e.annual_cap,
        }),
        annual_cap: r.annual_cap,
        referral_required_from: p.referral_required_from.map(tier_name),
        unreferred_penalty: Some(p.unreferred_penalty),
        gatekeeping: Some(p.gatekeeping),
    }
}

fn rotation(r: &Rotation) -> RawRotation {
    RawRotation {
        from: Some(r.from_name.clone()),
        to: Some(r.to_names.clone()),
        doctors_per_site: count(r.doctors_per_site),
        days_on: count(r.days_on),
        cycle_days: count(r.cycle_days),
        start_day: count(r.start_day),
        quality_boost: Some(r.quality_boost),
        training_gain: Some(r.training_gain),
        quality_cap: r.quality_cap,
        capability_boost: Some(r.capability_boost),
        allowance_per_day: Some(r.allowance_per_day),
    }
}

/// The resolved scenario as raw TOML types.
pub fn to_raw(s: &Scenario) -> RawScenario {
    let followups = s.referral.followups.map(i64::from);
    RawScenario {
        name: Some(s.name.clone()),
        seed: Some(s.seed as i64),
        days: count(s.days),
        warmup_days: count(s.warmup_days),
        replications: count(s.replications),
        travel: Some(RawTravel {
            speed_kmh: Some(s.travel.speed_kmh),
            detour_factor: Some(s.travel.detour_factor),
        }),
        demand: Some(RawDemand {
            episodes_per_resident_year: Some(s.demand.episodes_per_resident_year),
            chronic_share: Some(s.demand.chronic_share),
            chronic_multiplier: Some(s.demand.chronic_multiplier),
            severity_mix: Some(sev(s.demand.severity_mix)),
            presentation_hours: Some(s.demand.presentation.to_text()),
        }),
        choice: Some(choice(&s.choice)),
        tiers: Some(per_tier(s.tiers.clone().map(|t| tier_defaults(&t)))),
        policy: Some(policy(&s.policy)),
        referral: Some(RawReferral {
            triage_factor: Some(s.referral.triage_factor),
            priority_referrals: Some(s.referral.priority_referrals),
            down_referral_prob: Some(s.referral.down_referral_prob),
            followups: Some(PerSeverity {
                mild: Some(followups[0]),
                moderate: Some(followups[1]),
                severe: Some(followups[2]),
                critical: Some(followups[3]),
            }),
            followup_interval_days: Some(s.referral.followup_interval_days),
        }),
        patience: s.patience.map(|p| RawPatience {
            mean_minutes: Some(p.mean_minutes),
            retry_prob: Some(p.retry_prob),
        }),
        population: Some(RawPopulation {
            employee_share: Some(s.population.employee_share),
            income_group: s
                .population
                .income_groups
                .iter()
                .map(|g| RawIncomeGroup {
                    name: Some(g.name.clone()),
                    share: Some(g.share),
                    cost_multiplier: Some(g.cost_multiplier),
                })
                .collect(),
        }),
        admission: Some(RawAdmission {
            prob: Some(sev(s.admission.prob)),
            max_boarding_hours: Some(s.admission.max_boarding_hours),
            los_cv: Some(s.admission.los_cv),
        }),
        contract: Some(RawContract {
            share: Some(s.contract.share),
            with: Some(s.contract.with_names.clone()),
        }),
        telemedicine: s.telemedicine.as_ref().map(|t| RawTelemedicine {
            sites: Some(t.site_names.clone()),
            success_prob: Some(t.success_prob),
            consult_minutes: Some(t.consult_minutes),
        }),
        budget: s.budget.map(|b| RawBudget {
            per_capita_year: Some(b.per_capita_year),
        }),
        layout: s.layout.clone(),
        layouts: (!s.layouts.is_empty()).then(|| {
            s.layouts
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        RawLayout {
                            facilities: Some(v.clone()),
                        },
                    )
                })
                .collect()
        }),
        rotation: s.rotations.iter().map(rotation).collect(),
        region: s
            .regions
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
            .collect(),
        facility: s
            .facilities
            .iter()
            .map(|f| facility(s, f, f.partner.map(|p| s.facilities[p.0 as usize].name.clone())))
            .chain(
                s.inactive_facilities
                    .iter()
                    .map(|f| facility(s, f, f.partner_name.clone())),
            )
            .collect(),
    }
}
