//! Checks of the policy-lever sections: payment, referral, population,
//! admission, contracts, telemedicine, rotation, layouts. Part of
//! [`super`]: the same [`Checker`] collects every problem.

use std::collections::{BTreeMap, HashMap};

use super::super::error::did_you_mean;
use super::super::limits::*;
use super::super::raw::*;
use super::super::*;
use super::{Checker, TIER_NAMES, tier_of};
use crate::spatial::Tree;

/// Alliance names in order of first mention.
#[derive(Default)]
pub(super) struct Alliances {
    pub(super) names: Vec<String>,
}

impl Alliances {
    /// The id of `name`, adding it if new.
    pub(super) fn id(&mut self, name: &str) -> AllianceId {
        match self.names.iter().position(|n| n == name) {
            Some(i) => AllianceId(i as u32),
            None => {
                self.names.push(name.to_string());
                AllianceId((self.names.len() - 1) as u32)
            }
        }
    }
}

/// What a name in `with`, `sites`, `from` or `to` can refer to.
pub(super) struct FacilityNames {
    active: HashMap<String, FacilityId>,
    inactive: Vec<String>,
}

enum Named {
    Tier(Tier),
    Active(FacilityId),
    /// A facility the selected layout leaves out: ignored, not an error,
    /// so sweeps over layouts can share one file.
    Inactive,
}

impl FacilityNames {
    pub(super) fn new(active: &[Facility], inactive: &[Facility]) -> FacilityNames {
        FacilityNames {
            active: active
                .iter()
                .enumerate()
                .map(|(i, f)| (f.name.clone(), FacilityId(i as u32)))
                .collect(),
            inactive: inactive.iter().map(|f| f.name.clone()).collect(),
        }
    }

    fn lookup(&self, name: &str) -> Option<Named> {
        if let Some(i) = TIER_NAMES.iter().position(|t| *t == name) {
            return Some(Named::Tier(Tier::ALL[i]));
        }
        if let Some(&id) = self.active.get(name) {
            return Some(Named::Active(id));
        }
        self.inactive.iter().any(|n| n == name).then_some(Named::Inactive)
    }

    fn unknown(&self, name: &str) -> String {
        let candidates = TIER_NAMES
            .iter()
            .copied()
            .chain(self.active.keys().map(String::as_str))
            .chain(self.inactive.iter().map(String::as_str));
        let hint = did_you_mean(name, candidates).unwrap_or_default();
        format!(
            "\"{name}\" is neither a tier (village, township, county, regional) nor a facility of this scenario{hint}"
        )
    }
}

impl Checker {
    fn payment(&mut self, path: &str, raw: Option<&RawPayment>, base: ([f64; 4], [f64; 4])) -> ([f64; 4], [f64; 4]) {
        let raw = raw.cloned().unwrap_or_default();
        (
            self.per_tier(&format!("{path}.rate"), raw.rate.as_ref(), base.0, Checker::probability),
            self.per_tier(
                &format!("{path}.deductible"),
                raw.deductible.as_ref(),
                base.1,
                Checker::non_negative,
            ),
        )
    }

    fn cap(&mut self, path: &str, v: Option<f64>, default: Option<f64>) -> Option<f64> {
        v.map(|x| self.non_negative(path, Some(x), 0.0)).or(default)
    }

    pub(super) fn policy(&mut self, p: RawPolicy) -> Policy {
        // Inpatient defaults follow one example county scheme (docs/data-sources.md):
        // township 90% above 100, county ~70% above 400, regional ~55% above 1,200.
        let (out_rate, out_ded) = self.payment("policy.outpatient", p.outpatient.as_ref(), ([0.5; 4], [0.0; 4]));
        let (in_rate, in_ded) = self.payment(
            "policy.inpatient",
            p.inpatient.as_ref(),
            ([0.9, 0.9, 0.7, 0.55], [0.0, 100.0, 400.0, 1200.0]),
        );
        let annual_cap = self.cap("policy.annual_cap", p.annual_cap, None);
        let resident = SchemePolicy {
            outpatient_rate: out_rate,
            outpatient_deductible: out_ded,
            inpatient_rate: in_rate,
            inpatient_deductible: in_ded,
            annual_cap,
        };
        let e = p.employee.unwrap_or_default();
        let (eo_rate, eo_ded) = self.payment("policy.employee.outpatient", e.outpatient.as_ref(), (out_rate, out_ded));
        let (ei_rate, ei_ded) = self.payment("policy.employee.inpatient", e.inpatient.as_ref(), (in_rate, in_ded));
        let employee = SchemePolicy {
            outpatient_rate: eo_rate,
            outpatient_deductible: eo_ded,
            inpatient_rate: ei_rate,
            inpatient_deductible: ei_ded,
            annual_cap: self.cap("policy.employee.annual_cap", e.annual_cap, annual_cap),
        };
        Policy {
            schemes: [resident, employee],
            referral_required_from: p.referral_required_from.map(tier_of),
            unreferred_penalty: self.probability("policy.unreferred_penalty", p.unreferred_penalty, 0.0),
            gatekeeping: p.gatekeeping.unwrap_or(false),
        }
    }

    pub(super) fn referral(&mut self, r: RawReferral) -> Referral {
        let mut followups = [0; 4];
        if let Some(f) = &r.followups {
            for (i, v) in f.as_array().into_iter().enumerate() {
                let path = format!("referral.followups.{}", Severity::ALL[i].name());
                followups[i] = self.count(&path, *v, followups[i], 0, MAX_DAYS).min(50);
            }
        }
        Referral {
            triage_factor: self.positive("referral.triage_factor", r.triage_factor, 0.5),
            priority_referrals: r.priority_referrals.unwrap_or(false),
            down_referral_prob: self.probability("referral.down_referral_prob", r.down_referral_prob, 0.0),
            followups,
            followup_interval_days: self.positive("referral.followup_interval_days", r.followup_interval_days, 14.0),
        }
    }

    pub(super) fn population(&mut self, p: RawPopulation) -> PopulationParams {
        let employee_share = self.probability("population.employee_share", p.employee_share, 0.0);
        let mut income_groups: Vec<IncomeGroup> = p
            .income_group
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let path = format!("population.income_group[{i}]");
                IncomeGroup {
                    name: g.name.clone().unwrap_or_else(|| format!("group {}", i + 1)),
                    share: self.probability(&format!("{path}.share"), g.share, 0.0),
                    cost_multiplier: self.non_negative(&format!("{path}.cost_multiplier"), g.cost_multiplier, 1.0),
                }
            })
            .collect();
        if income_groups.is_empty() {
            income_groups.push(IncomeGroup {
                name: "all".into(),
                share: 1.0,
                cost_multiplier: 1.0,
            });
        } else if income_groups.len() > 255 {
            self.push("population.income_group", "at most 255 income groups");
        } else {
            let sum: f64 = income_groups.iter().map(|g| g.share).sum();
            if (sum - 1.0).abs() > 1e-6 {
                self.push("population.income_group", format!("shares sum to {sum}: expected 1"));
            }
        }
        PopulationParams {
            employee_share,
            income_groups,
        }
    }

    pub(super) fn admission(&mut self, a: RawAdmission) -> Admission {
        Admission {
            prob: self.per_severity(
                "admission.prob",
                a.prob.as_ref(),
                [0.0, 0.05, 0.4, 0.8],
                Checker::probability,
            ),
            max_boarding_hours: self.non_negative("admission.max_boarding_hours", a.max_boarding_hours, 24.0),
            los_cv: self.cv("admission.los_cv", a.los_cv, 0.6),
        }
    }

    pub(super) fn contract(&mut self, c: RawContract, names: &FacilityNames) -> Contract {
        let with_names = c.with.unwrap_or_else(|| vec!["township".to_string()]);
        if with_names.len() > MAX_CONTRACT_TARGETS {
            self.push(
                "contract.with",
                format!("{} entries: at most {MAX_CONTRACT_TARGETS}", with_names.len()),
            );
        }
        let with = with_names
            .iter()
            .enumerate()
            .filter_map(|(i, n)| match names.lookup(n) {
                Some(Named::Tier(t)) => Some(Target::Tier(t)),
                Some(Named::Active(id)) => Some(Target::Facility(id)),
                Some(Named::Inactive) => None,
                None => {
                    self.push(format!("contract.with[{i}]"), names.unknown(n));
                    None
                }
            })
            .collect();
        Contract {
            share: self.probability("contract.share", c.share, 0.0),
            with,
            with_names,
        }
    }

    /// Facilities named directly or through their tier.
    fn sites(
        &mut self,
        path: &str,
        entries: &[String],
        names: &FacilityNames,
        facilities: &[Facility],
    ) -> Vec<FacilityId> {
        let mut out = Vec::new();
        for (i, n) in entries.iter().enumerate() {
            match names.lookup(n) {
                Some(Named::Tier(t)) => out.extend(
                    facilities
                        .iter()
                        .enumerate()
                        .filter(|(_, f)| f.tier == t)
                        .map(|(j, _)| FacilityId(j as u32)),
                ),
                Some(Named::Active(id)) => out.push(id),
                Some(Named::Inactive) => {}
                None => self.push(format!("{path}[{i}]"), names.unknown(n)),
            }
        }
        out.sort();
        out.dedup();
        out
    }

    pub(super) fn telemedicine(
        &mut self,
        t: RawTelemedicine,
        names: &FacilityNames,
        facilities: &[Facility],
    ) -> Telemedicine {
        let site_names = t.sites.unwrap_or_else(|| vec!["township".to_string()]);
        Telemedicine {
            sites: self.sites("telemedicine.sites", &site_names, names, facilities),
            site_names,
            success_prob: self.probability("telemedicine.success_prob", t.success_prob, 0.6),
            consult_minutes: self.non_negative("telemedicine.consult_minutes", t.consult_minutes, 10.0),
        }
    }

    pub(super) fn rotations(
        &mut self,
        raw: &[RawRotation],
        names: &FacilityNames,
        facilities: &[Facility],
    ) -> Vec<Rotation> {
        if raw.len() > MAX_ROTATIONS {
            self.push("rotation", format!("{} programs: at most {MAX_ROTATIONS}", raw.len()));
            return Vec::new();
        }
        let programs: Vec<Rotation> = raw
            .iter()
            .enumerate()
            .map(|(i, r)| self.rotation(i, r, names, facilities))
            .collect();
        self.check_spare_doctors(&programs, facilities);
        programs
    }

    fn rotation(&mut self, i: usize, r: &RawRotation, names: &FacilityNames, facilities: &[Facility]) -> Rotation {
        let path = format!("rotation[{i}]");
        let from_name = r.from.clone().unwrap_or_default();
        let to_names = r.to.clone().unwrap_or_default();
        let sources: Vec<FacilityId> = match names.lookup(&from_name) {
            _ if from_name.is_empty() => {
                self.push(
                    format!("{path}.from"),
                    "missing: a tier (e.g. \"county\") or a facility name",
                );
                vec![]
            }
            Some(Named::Tier(t)) => facilities
                .iter()
                .enumerate()
                .filter(|(_, f)| f.tier == t)
                .map(|(j, _)| FacilityId(j as u32))
                .collect(),
            Some(Named::Active(id)) => vec![id],
            Some(Named::Inactive) => vec![],
            None => {
                self.push(format!("{path}.from"), names.unknown(&from_name));
                vec![]
            }
        };
        if to_names.is_empty() {
            self.push(
                format!("{path}.to"),
                "missing: a list of tiers or facility names, e.g. [\"township\"]",
            );
        }
        // Tier names in `to` mean that tier inside the source's alliance.
        let sources_by_alliance = SourceIndex::new(&sources, facilities);
        let mut pairs = Vec::new();
        for (k, n) in to_names.iter().enumerate() {
            match names.lookup(n) {
                Some(Named::Tier(t)) => {
                    for (j, dest) in facilities.iter().enumerate() {
                        if dest.tier != t {
                            continue;
                        }
                        if let Some(src) = sources_by_alliance.nearest(dest) {
                            pairs.push((src, FacilityId(j as u32)));
                        }
                    }
                }
                Some(Named::Active(id)) => {
                    let dest = &facilities[id.0 as usize];
                    if let Some(src) = sources_by_alliance.nearest(dest).or(sources.first().copied()) {
                        pairs.push((src, id));
                    }
                }
                Some(Named::Inactive) => {}
                None => self.push(format!("{path}.to[{k}]"), names.unknown(n)),
            }
        }
        pairs.retain(|(s, d)| s != d);
        pairs.sort();
        pairs.dedup();
        let cycle_days = self.count(&format!("{path}.cycle_days"), r.cycle_days, 90, 1, MAX_DAYS);
        let days_on = self.count(&format!("{path}.days_on"), r.days_on, 30, 1, MAX_DAYS);
        if days_on > cycle_days {
            self.push(
                format!("{path}.days_on"),
                format!("{days_on}: a stint cannot be longer than cycle_days ({cycle_days})"),
            );
        }
        Rotation {
            from_name,
            to_names,
            pairs,
            doctors_per_site: self.count(
                &format!("{path}.doctors_per_site"),
                r.doctors_per_site,
                1,
                1,
                MAX_DOCTORS,
            ),
            days_on,
            cycle_days,
            start_day: self.count(&format!("{path}.start_day"), r.start_day, 0, 0, MAX_DAYS),
            quality_boost: self.finite(&format!("{path}.quality_boost"), r.quality_boost, 0.5),
            training_gain: self.non_negative(&format!("{path}.training_gain"), r.training_gain, 0.0),
            quality_cap: r
                .quality_cap
                .map(|q| self.finite(&format!("{path}.quality_cap"), Some(q), 0.0)),
            capability_boost: r.capability_boost.unwrap_or(false),
            allowance_per_day: self.non_negative(&format!("{path}.allowance_per_day"), r.allowance_per_day, 0.0),
        }
    }

    /// Every source keeps at least one doctor even when all programs'
    /// stints overlap.
    fn check_spare_doctors(&mut self, programs: &[Rotation], facilities: &[Facility]) {
        // Summed in 64 bits: many sites times many doctors must not wrap.
        let mut leaving: BTreeMap<FacilityId, (u64, Vec<usize>)> = BTreeMap::new();
        for (i, p) in programs.iter().enumerate() {
            for (src, _) in &p.pairs {
                let e = leaving.entry(*src).or_default();
                e.0 += u64::from(p.doctors_per_site);
                if !e.1.contains(&i) {
                    e.1.push(i);
                }
            }
        }
        for (src, (n, progs)) in leaving {
            let f = &facilities[src.0 as usize];
            if n >= u64::from(f.doctors) {
                let which: Vec<String> = progs.iter().map(|i| format!("rotation[{i}]")).collect();
                self.push(
                    format!("{}.doctors_per_site", which[0]),
                    format!(
                        "{} has {} doctors but {} would send {n} away at once: at least one must stay (fewer doctors per site or fewer sites)",
                        f.name,
                        f.doctors,
                        which.join(" + ")
                    ),
                );
            }
        }
    }

    pub(super) fn layouts(&mut self, raw: &RawScenario) -> (BTreeMap<String, Vec<String>>, Option<String>) {
        let layouts: BTreeMap<String, Vec<String>> = raw
            .layouts
            .iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.facilities.clone().unwrap_or_default()))
            .collect();
        let known: HashMap<&str, Tier> = raw
            .facility
            .iter()
            .filter_map(|f| Some((f.name.as_deref()?, tier_of(f.tier?))))
            .collect();
        for (name, list) in &layouts {
            for (i, f) in list.iter().enumerate() {
                match known.get(f.as_str()) {
                    Some(Tier::Regional) => {}
                    Some(t) => self.push(
                        format!("layouts.{name}.facilities[{i}]"),
                        format!(
                            "\"{f}\" is a {} facility: layouts choose among regional facilities",
                            t.name()
                        ),
                    ),
                    None => {
                        let hint = did_you_mean(f, known.keys().copied()).unwrap_or_default();
                        self.push(
                            format!("layouts.{name}.facilities[{i}]"),
                            format!("\"{f}\" is not a [[facility]] of this scenario{hint}"),
                        );
                    }
                }
            }
        }
        let layout = match &raw.layout {
            Some(l) if layouts.contains_key(l) => Some(l.clone()),
            Some(l) => {
                let hint = did_you_mean(l, layouts.keys().map(String::as_str)).unwrap_or_default();
                let defined: Vec<&str> = layouts.keys().map(String::as_str).collect();
                self.push(
                    "layout",
                    format!(
                        "\"{l}\" is not a layout of this scenario{hint}; defined: [{}]",
                        defined.join(", ")
                    ),
                );
                None
            }
            None if !layouts.is_empty() => {
                let defined: Vec<&str> = layouts.keys().map(String::as_str).collect();
                self.push("layout", format!("missing: choose one of [{}]", defined.join(", ")));
                None
            }
            None => None,
        };
        (layouts, layout)
    }
}

/// A rotation's source facilities, one tree per alliance.
struct SourceIndex(HashMap<AllianceId, Tree>);

impl SourceIndex {
    fn new(sources: &[FacilityId], facilities: &[Facility]) -> SourceIndex {
        let mut groups: HashMap<AllianceId, Vec<(Point, u32)>> = HashMap::new();
        for s in sources {
            let f = &facilities[s.0 as usize];
            groups.entry(f.alliance).or_default().push((f.at_km, s.0));
        }
        SourceIndex(groups.into_iter().map(|(a, v)| (a, Tree::new(v))).collect())
    }

    /// The source facility in the destination's alliance nearest to it
    /// (ties: the lowest index).
    fn nearest(&self, dest: &Facility) -> Option<FacilityId> {
        self.0
            .get(&dest.alliance)?
            .nearest(dest.at_km, |p| p.dist_km(dest.at_km))
            .map(|(_, i)| FacilityId(i))
    }
}
