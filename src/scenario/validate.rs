//! Raw scenario -> checked [`Scenario`], reporting every problem at once.
//!
//! Defaults of the core sections live here and only here; each policy
//! lever's defaults and checks live in its file of [`crate::levers`] (the
//! README's key reference, "Writing a scenario" and "Policy levers", lists
//! the same values). Generated regions are expanded, names resolved to ids
//! and default partners chosen, so the engine gets plain typed data.

use std::collections::HashMap;
use std::path::Path;

use super::error::{Problem, ScenarioError, did_you_mean};

mod parse;
use super::generate::{self, GenerateParams};
use super::limits::*;
use super::raw::*;
use super::*;
use crate::levers::layout;
use crate::spatial::Tree;
pub(crate) use parse::syntax_message;
use parse::{follows_from, parse_raw};

/// Reads and checks a scenario file; also returns the resolved raw form.
pub fn load(path: &Path) -> Result<(Scenario, RawScenario), ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    from_toml(&text, &path.display().to_string())
}

/// Checks scenario text; `origin` names it in messages.
pub fn from_toml(text: &str, origin: &str) -> Result<(Scenario, RawScenario), ScenarioError> {
    from_toml_with(text, origin, &toml::Table::new())
}

/// Checks scenario text with top-level keys replaced by `overrides` (the
/// command line's `--days`) before any default is resolved, so a default
/// that depends on them (`warmup_days = min(30, days / 4)`) follows them.
pub fn from_toml_with(
    text: &str,
    origin: &str,
    overrides: &toml::Table,
) -> Result<(Scenario, RawScenario), ScenarioError> {
    let mut table: toml::Table = toml::from_str(text).map_err(|e| ScenarioError::Syntax {
        origin: origin.to_string(),
        message: syntax_message(text, &e),
    })?;
    if let Some(message) = super::kind::not_a_scenario(&table, origin) {
        return Err(ScenarioError::NotAScenario {
            origin: origin.to_string(),
            message,
        });
    }
    table.extend(overrides.iter().map(|(k, v)| (k.clone(), v.clone())));
    from_table(table, origin)
}

/// Checks an already parsed TOML table (a sweep point is one).
pub fn from_table(table: toml::Table, origin: &str) -> Result<(Scenario, RawScenario), ScenarioError> {
    let (raw, mut problems) = parse_raw(toml::Value::Table(table));
    let mut checker = Checker::default();
    let scenario = checker.scenario(&raw);
    // A key removed for a type error is not also missing, nor are the
    // tables that hold it empty: one problem, one message.
    let reported: Vec<String> = problems.iter().map(Problem::plain_path).collect();
    problems.extend(
        checker
            .problems
            .into_iter()
            .filter(|p| !follows_from(&p.plain_path(), &reported)),
    );
    if problems.is_empty() {
        let resolved = super::resolved::to_raw(&scenario);
        Ok((scenario, resolved))
    } else {
        problems.sort();
        problems.dedup();
        Err(ScenarioError::Invalid {
            origin: origin.to_string(),
            problems,
        })
    }
}

/// Collects problems while building typed values from raw ones. The
/// helpers (`count`, `probability`, `per_tier`, ...) check one key each
/// and return its default when it is missing or wrong.
#[derive(Default)]
pub(crate) struct Checker {
    pub(crate) problems: Vec<Problem>,
}

/// Alliance names in order of first mention.
#[derive(Default)]
struct Alliances {
    names: Vec<String>,
}

impl Alliances {
    /// The id of `name`, adding it if new.
    fn id(&mut self, name: &str) -> AllianceId {
        match self.names.iter().position(|n| n == name) {
            Some(i) => AllianceId(i as u32),
            None => {
                self.names.push(name.to_string());
                AllianceId((self.names.len() - 1) as u32)
            }
        }
    }
}

/// A tier's built-in figures: capability, quality, doctors, beds, hours,
/// mean service minutes, visit price, bed-day price, stays per severity.
type TierFigures = (Severity, f64, u32, u32, &'static str, f64, f64, f64, [f64; 4]);

/// Default `choice.cost_quality_gate` \[per quality point\]: fitted so that
/// on the default county (`scenarios/baseline.toml`) a 50-point outpatient
/// reimbursement gap moves about 3.7 times as many patients to grassroots
/// first contact when the township centers match the county hospital's
/// quality as at the built-in qualities (Wenzhou: 51% vs 14%, ratio 3.6;
/// `docs/model.md`, "Choice"). Queues damp every shift, so the gate has to
/// be steeper than ln 3.6 per quality point.
pub(crate) const COST_QUALITY_GATE: f64 = 2.0;

/// Built-in figures per tier, lowest first. Prices and loads follow
/// `docs/data-sources.md`: township visit 85 CNY, hospital visits ~360 CNY
/// (2023); village clinic 40 CNY is illustrative; doctors sized for ~10
/// visits per doctor-day. Bed-day prices: admission price / length of stay
/// (township 2,083 CNY over ~6.6 days, secondary 6,822 over 9.2, tertiary
/// 14,017 over 12.4).
#[rustfmt::skip]
const BUILTIN_TIERS: [TierFigures; 4] = [
    (Severity::Mild, 1.0, 1, 0, "08:00-18:00", 10.0, 40.0, 0.0, [2.0, 3.0, 4.0, 5.0]),
    (Severity::Moderate, 2.0, 8, 45, "08:00-17:30", 15.0, 85.0, 300.0, [4.0, 5.0, 6.6, 7.0]),
    (Severity::Severe, 3.0, 60, 500, "08:00-17:30", 15.0, 300.0, 700.0, [5.0, 7.0, 9.2, 11.0]),
    (Severity::Critical, 4.0, 150, 1500, "08:00-17:30", 18.0, 360.0, 1100.0, [6.0, 8.0, 10.0, 12.4]),
];

/// Built-in tier defaults (see [`BUILTIN_TIERS`]).
fn builtin_tier(tier: Tier) -> TierParams {
    let (capability, quality, doctors, beds, hours, mean, price, bed_day, los) = BUILTIN_TIERS[tier as usize];
    let service = ServiceDist::Lognormal {
        mean_minutes: mean,
        cv: 0.6,
    };
    TierParams {
        capability,
        quality,
        doctors,
        beds,
        hours: parse_hours(hours).expect("built-in hours are valid"),
        discipline: Discipline::Fifo,
        service: [service; 4],
        outpatient_price: [price; 4],
        bed_day_price: bed_day,
        los_days: los,
    }
}

/// `"24h"` or `"HH:MM-HH:MM"` with opening before closing, within one day.
pub fn parse_hours(text: &str) -> Result<Hours, String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("24h") {
        return Ok(Hours::ALWAYS);
    }
    let hm = |s: &str| -> Option<f64> {
        let (h, m) = s.trim().split_once(':')?;
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(f64::from(h * 60 + m))
    };
    let (open, close) = t
        .split_once('-')
        .and_then(|(a, b)| Some((hm(a)?, hm(b)?)))
        .ok_or_else(|| format!("\"{text}\": expected \"24h\" or \"HH:MM-HH:MM\", e.g. \"08:00-17:30\""))?;
    if open >= close {
        return Err(format!(
            "\"{text}\": opening must come before closing on the same day (00:00-24:00)"
        ));
    }
    Ok(Hours {
        open_minute: open,
        close_minute: close,
    })
}

impl Checker {
    pub(crate) fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem::new(path, message));
    }

    /// A whole number in `min..=max` (every count has an upper bound: see [`super::limits`]).
    pub(crate) fn count(&mut self, path: &str, v: Option<i64>, default: u32, min: u32, max: u32) -> u32 {
        match v {
            None => default,
            Some(x) if x >= i64::from(min) && x <= i64::from(max) => x as u32,
            Some(x) => {
                self.push(path, format!("{x}: expected a whole number between {min} and {max}"));
                default
            }
        }
    }

    /// A finite number within `[lo, hi]`; `what` describes the range.
    pub(crate) fn number(
        &mut self,
        path: &str,
        v: Option<f64>,
        default: f64,
        ok: impl Fn(f64) -> bool,
        what: &str,
    ) -> f64 {
        match v {
            None => default,
            Some(x) if x.is_finite() && ok(x) => x,
            Some(x) => {
                self.push(path, format!("{x}: expected {what}"));
                default
            }
        }
    }

    pub(crate) fn probability(&mut self, path: &str, v: Option<f64>, default: f64) -> f64 {
        self.number(
            path,
            v,
            default,
            |x| (0.0..=1.0).contains(&x),
            "a probability between 0 and 1",
        )
    }

    pub(crate) fn positive(&mut self, path: &str, v: Option<f64>, default: f64) -> f64 {
        self.number(path, v, default, |x| x > 0.0, "a number > 0")
    }

    /// A coefficient of variation of a service or stay distribution.
    pub(crate) fn cv(&mut self, path: &str, v: Option<f64>, default: f64) -> f64 {
        self.number(
            path,
            v,
            default,
            |x| (MIN_CV..=MAX_CV).contains(&x),
            &format!("a number between {MIN_CV} and {MAX_CV}"),
        )
    }

    /// A mean length of stay \[days\].
    fn stay_days(&mut self, path: &str, v: Option<f64>, default: f64) -> f64 {
        self.number(
            path,
            v,
            default,
            |x| x > 0.0 && x <= f64::from(MAX_DAYS),
            &format!("a number > 0 and <= {MAX_DAYS}"),
        )
    }

    pub(crate) fn non_negative(&mut self, path: &str, v: Option<f64>, default: f64) -> f64 {
        self.number(path, v, default, |x| x >= 0.0, "a number >= 0")
    }

    pub(crate) fn finite(&mut self, path: &str, v: Option<f64>, default: f64) -> f64 {
        self.number(path, v, default, |_| true, "a finite number")
    }

    fn hours(&mut self, path: &str, v: Option<&String>, default: Hours) -> Hours {
        match v.map(|t| parse_hours(t)) {
            None => default,
            Some(Ok(h)) => h,
            Some(Err(msg)) => {
                self.push(path, msg);
                default
            }
        }
    }

    fn point(&mut self, path: &str, v: Option<[f64; 2]>) -> Point {
        match v {
            Some([x, y]) if x.abs() <= MAX_COORDINATE_KM && y.abs() <= MAX_COORDINATE_KM => Point { x, y },
            Some(_) => {
                self.push(
                    path,
                    format!("expected two numbers [x_km, y_km] between -{MAX_COORDINATE_KM} and {MAX_COORDINATE_KM}"),
                );
                Point { x: 0.0, y: 0.0 }
            }
            None => {
                self.push(path, "missing: give the location as [x_km, y_km]");
                Point { x: 0.0, y: 0.0 }
            }
        }
    }

    fn service(&mut self, path: &str, raw: &RawService, base: ServiceDist) -> ServiceDist {
        let dist = raw.dist.unwrap_or(match base {
            ServiceDist::Exponential { .. } => DistName::Exponential,
            ServiceDist::Lognormal { .. } => DistName::Lognormal,
            ServiceDist::Gamma { .. } => DistName::Gamma,
            ServiceDist::Fixed { .. } => DistName::Fixed,
        });
        let mean_minutes = self.number(
            &format!("{path}.mean_minutes"),
            raw.mean_minutes,
            base.mean_minutes(),
            |x| x > 0.0 && x <= MAX_SERVICE_MINUTES,
            &format!("a number > 0 and <= {MAX_SERVICE_MINUTES}"),
        );
        let base_cv = match base {
            ServiceDist::Lognormal { cv, .. } | ServiceDist::Gamma { cv, .. } => cv,
            _ => 0.6,
        };
        match dist {
            DistName::Exponential | DistName::Fixed if raw.cv.is_some() => {
                self.push(
                    format!("{path}.cv"),
                    "cv applies only to dist = \"lognormal\" or \"gamma\" (exponential has cv 1, fixed has cv 0)",
                );
            }
            _ => {}
        }
        let cv = || raw.cv.unwrap_or(base_cv);
        match dist {
            DistName::Exponential => ServiceDist::Exponential { mean_minutes },
            DistName::Fixed => ServiceDist::Fixed { mean_minutes },
            DistName::Lognormal => ServiceDist::Lognormal {
                mean_minutes,
                cv: self.cv(&format!("{path}.cv"), Some(cv()), base_cv),
            },
            DistName::Gamma => ServiceDist::Gamma {
                mean_minutes,
                cv: self.cv(&format!("{path}.cv"), Some(cv()), base_cv),
            },
        }
    }

    /// Four checked values keyed by `names` (severities or tiers), each
    /// defaulting to its entry of `default`.
    fn four(
        &mut self,
        path: &str,
        entries: Option<[&Option<f64>; 4]>,
        names: [&str; 4],
        default: [f64; 4],
        ok: fn(&mut Self, &str, Option<f64>, f64) -> f64,
    ) -> [f64; 4] {
        let mut out = default;
        for (i, v) in entries.into_iter().flatten().enumerate() {
            out[i] = ok(self, &format!("{path}.{}", names[i]), *v, default[i]);
        }
        out
    }

    pub(crate) fn per_severity(
        &mut self,
        path: &str,
        raw: Option<&PerSeverity<f64>>,
        default: [f64; 4],
        ok: fn(&mut Self, &str, Option<f64>, f64) -> f64,
    ) -> [f64; 4] {
        let names = Severity::ALL.map(Severity::name);
        self.four(path, raw.map(PerSeverity::as_array), names, default, ok)
    }

    pub(crate) fn per_tier(
        &mut self,
        path: &str,
        raw: Option<&PerTier<f64>>,
        default: [f64; 4],
        ok: fn(&mut Self, &str, Option<f64>, f64) -> f64,
    ) -> [f64; 4] {
        self.four(path, raw.map(PerTier::as_array), TIER_NAMES, default, ok)
    }

    fn scenario(&mut self, raw: &RawScenario) -> Scenario {
        let name = self.name(raw.name.as_ref());
        let seed = self.seed(raw.seed);
        let (days, warmup_days, replications) = self.run_length(raw);
        let travel = self.travel(raw.travel.as_ref().cloned().unwrap_or_default());
        let demand = self.demand(raw.demand.as_ref().cloned().unwrap_or_default());
        let choice = self.choice(raw.choice.as_ref().cloned().unwrap_or_default());
        let tiers = self.tiers(raw.tiers.as_ref());
        let mut alliances = Alliances::default();
        let (regions, generated) = self.regions(&raw.region, raw.facility.len(), seed, &mut alliances);
        let all_facilities = self.facilities(raw, &tiers, &regions, &generated, &mut alliances);
        self.check_partners(&all_facilities);
        let (layouts, layout) = layout::check(self, raw);
        let (mut facilities, inactive_facilities) = layout::split(all_facilities, &layouts, layout.as_deref());
        resolve_partners(&mut facilities, &travel);
        let core = ScenarioCore {
            name,
            seed,
            days,
            warmup_days,
            replications,
            travel,
            demand,
            choice,
            tiers,
            regions,
            facilities,
            alliances: alliances.names,
            layouts,
            layout,
            inactive_facilities,
        };
        let scenario = core.with_levers(self, raw);
        crate::levers::deposit::check_groups(self, scenario.deposit.as_ref(), &scenario.population);
        self.cross_checks(&scenario);
        scenario
    }

    /// `name`: it names the output folder.
    fn name(&mut self, name: Option<&String>) -> String {
        match name {
            None => "scenario".to_string(),
            Some(n) if valid_name(n) => n.clone(),
            Some(n) => {
                self.push("name", format!("\"{n}\": expected letters, digits, '-', '_' or '.', not starting with '.' (it names the output folder)"));
                "scenario".to_string()
            }
        }
    }

    fn seed(&mut self, seed: Option<i64>) -> u64 {
        match seed {
            None => 42,
            Some(s) if s >= 0 => s as u64,
            Some(s) => {
                self.push("seed", format!("{s}: expected a whole number >= 0"));
                0
            }
        }
    }

    /// `days`, `warmup_days` (default: a quarter of `days`, at most 30) and `replications`.
    fn run_length(&mut self, raw: &RawScenario) -> (u32, u32, u32) {
        let days = self.count("days", raw.days, 365, 1, MAX_DAYS);
        let warmup_days = self.count("warmup_days", raw.warmup_days, 30.min(days / 4), 0, MAX_DAYS);
        if warmup_days >= days {
            self.push("warmup_days", format!("{warmup_days}: must be less than days ({days})"));
        }
        let replications = self.count("replications", raw.replications, 10, 1, MAX_REPLICATIONS);
        (days, warmup_days, replications)
    }

    fn travel(&mut self, t: RawTravel) -> Travel {
        Travel {
            speed_kmh: self.number(
                "travel.speed_kmh",
                t.speed_kmh,
                30.0,
                |x| x > 0.0 && x <= MAX_SPEED_KMH,
                &format!("a number > 0 and <= {MAX_SPEED_KMH}"),
            ),
            detour_factor: self.number(
                "travel.detour_factor",
                t.detour_factor,
                1.3,
                |x| (1.0..=MAX_DETOUR_FACTOR).contains(&x),
                &format!("a number between 1 and {MAX_DETOUR_FACTOR} (road km per straight-line km)"),
            ),
        }
    }

    fn demand(&mut self, d: RawDemand) -> Demand {
        let severity_mix = self.per_severity(
            "demand.severity_mix",
            d.severity_mix.as_ref(),
            [0.70, 0.22, 0.07, 0.01],
            Checker::probability,
        );
        if let Some(raw_mix) = &d.severity_mix {
            let sum: f64 = raw_mix.as_array().iter().map(|v| v.unwrap_or(0.0)).sum();
            if (sum - 1.0).abs() > 1e-6 {
                self.push("demand.severity_mix", format!("shares sum to {sum}: expected mild + moderate + severe + critical = 1 (missing ones count as 0)"));
            }
        }
        // Missing entries in a given mix count as 0, as the message says.
        let severity_mix = match &d.severity_mix {
            Some(m) => {
                let mut out = severity_mix;
                for (i, v) in m.as_array().into_iter().enumerate() {
                    if v.is_none() {
                        out[i] = 0.0;
                    }
                }
                out
            }
            None => severity_mix,
        };
        Demand {
            episodes_per_resident_year: self.number(
                "demand.episodes_per_resident_year",
                d.episodes_per_resident_year,
                2.5,
                |x| (0.0..=MAX_EPISODES_PER_RESIDENT_YEAR).contains(&x),
                &format!("a number between 0 and {MAX_EPISODES_PER_RESIDENT_YEAR}"),
            ),
            chronic_share: self.probability("demand.chronic_share", d.chronic_share, 0.2),
            chronic_multiplier: self.number(
                "demand.chronic_multiplier",
                d.chronic_multiplier,
                3.0,
                |x| (0.0..=MAX_CHRONIC_MULTIPLIER).contains(&x),
                &format!("a number between 0 and {MAX_CHRONIC_MULTIPLIER}"),
            ),
            severity_mix,
            presentation: self.hours(
                "demand.presentation_hours",
                d.presentation_hours.as_ref(),
                Hours::ALWAYS,
            ),
        }
    }

    fn choice(&mut self, c: RawChoice) -> ChoiceParams {
        let learning_rate = self.number(
            "choice.learning_rate",
            c.learning_rate,
            0.3,
            |x| x > 0.0 && x <= 1.0,
            "a weight in (0, 1]",
        );
        let beliefs = match c.beliefs.unwrap_or(BeliefsKind::Live) {
            BeliefsKind::None => Beliefs::None,
            BeliefsKind::Live => Beliefs::Live,
            BeliefsKind::Published => Beliefs::Published,
            BeliefsKind::WordOfMouth => Beliefs::WordOfMouth { learning_rate },
        };
        let mut asc = [[0.0; 4]; 4];
        if let Some(raw) = &c.asc {
            for (t, per) in raw.as_array().into_iter().enumerate() {
                asc[t] = self.per_severity(
                    &format!("choice.asc.{}", TIER_NAMES[t]),
                    per.as_ref(),
                    [0.0; 4],
                    Checker::finite,
                );
            }
        }
        ChoiceParams {
            nearest_per_tier: self.nearest_per_tier(c.nearest_per_tier),
            max_travel_minutes: self.positive("choice.max_travel_minutes", c.max_travel_minutes, 180.0),
            beliefs,
            b_quality: self.finite("choice.b_quality", c.b_quality, 1.0),
            b_cost: self.finite("choice.b_cost", c.b_cost, -0.01),
            b_travel: self.finite("choice.b_travel", c.b_travel, -1.5),
            b_wait: self.finite("choice.b_wait", c.b_wait, -0.5),
            b_contract: self.finite("choice.b_contract", c.b_contract, 1.6),
            cost_quality_gate: self.non_negative("choice.cost_quality_gate", c.cost_quality_gate, COST_QUALITY_GATE),
            asc,
        }
    }

    /// At most [`MAX_NEAREST_PER_TIER`] per tier: with the contracted
    /// facilities, choice sets of up to [`MAX_CHOICE_SET`] facilities.
    fn nearest_per_tier(&mut self, v: Option<i64>) -> u32 {
        self.count("choice.nearest_per_tier", v, 2, 1, MAX_NEAREST_PER_TIER)
    }

    fn tiers(&mut self, raw: Option<&RawTiers>) -> [TierParams; 4] {
        Tier::ALL.map(|tier| {
            let base = builtin_tier(tier);
            let Some(Some(t)) = raw.map(|r| r.as_array()[tier as usize]) else {
                return base;
            };
            let path = format!("tiers.{}", tier.name());
            let mut service = base.service;
            if let Some(s) = &t.service {
                let one = self.service(&format!("{path}.service"), s, base.service[0]);
                service = [one; 4];
            }
            if let Some(by) = &t.service_by_severity {
                for (i, s) in by.as_array().into_iter().enumerate() {
                    if let Some(s) = s {
                        service[i] = self.service(
                            &format!("{path}.service_by_severity.{}", Severity::ALL[i].name()),
                            s,
                            service[i],
                        );
                    }
                }
            }
            TierParams {
                capability: t.capability.map(SeverityName::severity).unwrap_or(base.capability),
                quality: self.finite(&format!("{path}.quality"), t.quality, base.quality),
                doctors: self.count(&format!("{path}.doctors"), t.doctors, base.doctors, 0, MAX_DOCTORS),
                beds: self.count(&format!("{path}.beds"), t.beds, base.beds, 0, MAX_BEDS),
                hours: self.hours(&format!("{path}.hours"), t.hours.as_ref(), base.hours),
                discipline: t.discipline.map(discipline_of).unwrap_or(base.discipline),
                service,
                outpatient_price: self.per_severity(
                    &format!("{path}.outpatient_price"),
                    t.outpatient_price.as_ref(),
                    base.outpatient_price,
                    Checker::non_negative,
                ),
                bed_day_price: self.non_negative(&format!("{path}.bed_day_price"), t.bed_day_price, base.bed_day_price),
                los_days: self.per_severity(
                    &format!("{path}.los_days"),
                    t.los_days.as_ref(),
                    base.los_days,
                    Checker::stay_days,
                ),
            }
        })
    }

    /// Regions, and for each the generator settings if it has `[region.generate]`.
    fn regions(
        &mut self,
        raw: &[RawRegion],
        explicit_facilities: usize,
        seed: u64,
        alliances: &mut Alliances,
    ) -> (Vec<Region>, Vec<Option<GenerateParams>>) {
        if raw.is_empty() {
            self.push(
                "region",
                "no [[region]]: a scenario needs at least one region with settlements",
            );
        }
        if raw.len() > MAX_REGIONS {
            self.push("region", format!("{} regions: at most {MAX_REGIONS}", raw.len()));
            return (Vec::new(), Vec::new());
        }
        let path_of = |i: usize, r: &RawRegion| format!("region \"{}\" (region[{i}])", r.name.as_deref().unwrap_or(""));
        // Sizes are checked before anything is generated.
        let params: Vec<Option<GenerateParams>> = raw
            .iter()
            .enumerate()
            .map(|(i, r)| {
                r.generate
                    .as_ref()
                    .map(|g| self.generate_params(&format!("{}.generate", path_of(i, r)), g, seed))
            })
            .collect();
        if !self.generated_sizes_fit(raw, &params, explicit_facilities) {
            // Too large to generate: the error says so, nothing is built.
            return (Vec::new(), Vec::new());
        }
        let mut seen = HashMap::new();
        raw.iter()
            .zip(params)
            .enumerate()
            .map(|(i, (r, params))| {
                let region = self.region(i, &path_of(i, r), r, params.as_ref(), &mut seen, alliances);
                (region, params)
            })
            .unzip()
    }

    /// `region[i]` with its generated settlements, then its explicit ones.
    fn region(
        &mut self,
        i: usize,
        path: &str,
        r: &RawRegion,
        params: Option<&GenerateParams>,
        seen: &mut HashMap<String, usize>,
        alliances: &mut Alliances,
    ) -> Region {
        let name = r.name.clone().unwrap_or_default();
        if name.is_empty() {
            self.push(format!("region[{i}].name"), "missing: every region needs a unique name");
        } else if seen.insert(name.clone(), i).is_some() {
            self.push(
                format!("{path}.name"),
                "another region has this name: names must be unique",
            );
        }
        let mut settlements = params.map(|p| generate::settlements(&name, p)).unwrap_or_default();
        for (j, s) in r.settlement.iter().enumerate() {
            let sname = s.name.clone().unwrap_or_else(|| format!("{name} settlement {}", j + 1));
            let spath = format!("{path}.settlement[{j}]");
            settlements.push(Settlement {
                at_km: self.point(&format!("{spath}.at_km"), s.at_km),
                population: self.count(
                    &format!("{spath}.population"),
                    s.population,
                    0,
                    0,
                    MAX_SETTLEMENT_POPULATION,
                ),
                name: sname,
            });
        }
        let alliance = alliances.id(r.alliance.as_deref().unwrap_or(&name));
        Region {
            name,
            alliance,
            settlements,
        }
    }

    /// Settlements and facilities of all regions together, counted from
    /// the generator settings before generating, within their bounds.
    fn generated_sizes_fit(
        &mut self,
        raw: &[RawRegion],
        params: &[Option<GenerateParams>],
        explicit_facilities: usize,
    ) -> bool {
        let mut settlements = 0u64;
        let mut facilities = explicit_facilities as u64;
        for (r, p) in raw.iter().zip(params) {
            settlements += r.settlement.len() as u64;
            if let Some(p) = p {
                settlements += u64::from(p.villages);
                facilities += u64::from(p.townships) + u64::from(p.county_hospital);
                if p.village_clinics {
                    facilities += u64::from(p.villages);
                }
            }
        }
        let mut fits = true;
        if settlements > MAX_SETTLEMENTS {
            self.push(
                "region",
                format!(
                    "{settlements} settlements in all (villages of [region.generate] plus [[region.settlement]]): at most {MAX_SETTLEMENTS}"
                ),
            );
            fits = false;
        }
        if facilities > MAX_FACILITIES {
            self.push(
                "facility",
                format!(
                    "{facilities} facilities in all (village clinics and townships of [region.generate] plus [[facility]]): at most {MAX_FACILITIES}"
                ),
            );
            fits = false;
        }
        fits
    }

    fn generate_params(&mut self, path: &str, g: &RawGenerate, seed: u64) -> GenerateParams {
        let center = g
            .center_km
            .map(|p| self.point(&format!("{path}.center_km"), Some(p)))
            .unwrap_or(Point { x: 0.0, y: 0.0 });
        GenerateParams {
            center_km: center,
            radius_km: self.positive(&format!("{path}.radius_km"), g.radius_km, 25.0),
            villages: self.count(&format!("{path}.villages"), g.villages, 150, 1, MAX_VILLAGES_PER_REGION),
            population: self.count(
                &format!("{path}.population"),
                g.population,
                300_000,
                0,
                MAX_REGION_POPULATION,
            ),
            townships: self.count(
                &format!("{path}.townships"),
                g.townships,
                10,
                0,
                MAX_TOWNSHIPS_PER_REGION,
            ),
            village_clinics: g.village_clinics.unwrap_or(true),
            county_hospital: g.county_hospital.unwrap_or(true),
            seed: match g.seed {
                None => seed,
                Some(s) if s >= 0 => s as u64,
                Some(s) => {
                    self.push(format!("{path}.seed"), format!("{s}: expected a whole number >= 0"));
                    seed
                }
            },
        }
    }

    /// Generated facilities first, region by region, then explicit ones.
    fn facilities(
        &mut self,
        raw: &RawScenario,
        tiers: &[TierParams; 4],
        regions: &[Region],
        generated: &[Option<GenerateParams>],
        alliances: &mut Alliances,
    ) -> Vec<Facility> {
        let mut out = generated_facilities(tiers, regions, generated);
        let region_ids: HashMap<&str, u32> = regions
            .iter()
            .enumerate()
            .map(|(i, r)| (r.name.as_str(), i as u32))
            .collect();
        for (i, f) in raw.facility.iter().enumerate() {
            let name = f.name.clone().unwrap_or_default();
            let path = format!("facility \"{name}\" (facility[{i}])");
            if name.is_empty() {
                self.push(
                    format!("facility[{i}].name"),
                    "missing: every facility needs a unique name",
                );
            }
            let Some(tier_name) = f.tier else {
                self.push(
                    format!("{path}.tier"),
                    "missing: expected one of village, township, county, regional",
                );
                continue;
            };
            let region = self.facility_region(&path, f.region.as_deref(), &region_ids, regions.len());
            let alliance = match &f.alliance {
                Some(a) => alliances.id(a),
                None => regions.get(region.0 as usize).map_or(AllianceId(0), |r| r.alliance),
            };
            let base = &tiers[tier_name.tier() as usize];
            let at_km = self.point(&format!("{path}.at_km"), f.at_km);
            let fac = facility_from_tier(name, tier_name.tier(), (region, alliance), at_km, base);
            out.push(self.explicit_facility(&path, f, fac, base, i));
        }
        self.unique_facility_names(&out);
        out
    }

    /// `region` of a `[[facility]]`: required once there are several.
    fn facility_region(
        &mut self,
        path: &str,
        name: Option<&str>,
        region_ids: &HashMap<&str, u32>,
        regions: usize,
    ) -> RegionId {
        match name {
            Some(rn) => match region_ids.get(rn) {
                Some(&id) => RegionId(id),
                None => {
                    let hint = did_you_mean(rn, region_ids.keys().copied()).unwrap_or_default();
                    self.push(
                        format!("{path}.region"),
                        format!("\"{rn}\" is not a region of this scenario{hint}"),
                    );
                    RegionId(0)
                }
            },
            // With no region, `region` has its own message already.
            None if regions <= 1 => RegionId(0),
            None => {
                self.push(
                    format!("{path}.region"),
                    "missing: this scenario has several regions, say which one",
                );
                RegionId(0)
            }
        }
    }

    /// The keys of `[[facility]]` entry `i` over its tier's defaults.
    fn explicit_facility(
        &mut self,
        path: &str,
        f: &RawFacility,
        mut fac: Facility,
        base: &TierParams,
        i: usize,
    ) -> Facility {
        fac.doctors = self.count(&format!("{path}.doctors"), f.doctors, base.doctors, 0, MAX_DOCTORS);
        fac.beds = self.count(&format!("{path}.beds"), f.beds, base.beds, 0, MAX_BEDS);
        fac.quality = self.finite(&format!("{path}.quality"), f.quality, base.quality);
        fac.capability = f.capability.map(SeverityName::severity).unwrap_or(base.capability);
        fac.hours = self.hours(&format!("{path}.hours"), f.hours.as_ref(), base.hours);
        fac.discipline = f.discipline.map(discipline_of).unwrap_or(base.discipline);
        fac.partner_name = f.partner.clone();
        fac.explicit_index = Some(i);
        fac.emergency = f.emergency;
        fac.emergency_doctors = f
            .emergency_doctors
            .map(|v| self.count(&format!("{path}.emergency_doctors"), Some(v), 1, 1, MAX_DOCTORS));
        fac
    }

    /// Partners must name a facility (of any layout) of a higher tier.
    fn check_partners(&mut self, all: &[Facility]) {
        let by_name: HashMap<&str, &Facility> = all.iter().map(|f| (f.name.as_str(), f)).collect();
        for f in all {
            let (Some(pn), Some(i)) = (&f.partner_name, f.explicit_index) else {
                continue;
            };
            let path = format!("facility \"{}\" (facility[{i}]).partner", f.name);
            match by_name.get(pn.as_str()) {
                Some(p) if p.tier > f.tier => {}
                Some(p) => self.push(
                    path,
                    format!(
                        "\"{pn}\" is a {} facility: a partner must be of a higher tier than {}",
                        p.tier.name(),
                        f.tier.name()
                    ),
                ),
                None => {
                    let hint = did_you_mean(pn, by_name.keys().copied()).unwrap_or_default();
                    self.push(path, format!("\"{pn}\" is not a facility of this scenario{hint}"));
                }
            }
        }
    }

    /// Each repeated name is reported at its later holder, by that
    /// holder's own index among the `[[facility]]` entries.
    fn unique_facility_names(&mut self, facilities: &[Facility]) {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, f) in facilities.iter().enumerate() {
            if let Some(prev) = seen.insert(f.name.as_str(), i) {
                let other = if facilities[prev].explicit_index.is_some() {
                    "another [[facility]]"
                } else {
                    "a generated facility"
                };
                let at = match f.explicit_index {
                    Some(j) => format!("facility[{j}]"),
                    None => "generated".to_string(),
                };
                self.push(
                    format!("facility \"{}\" ({at}).name", f.name),
                    format!("{other} has this name: names must be unique"),
                );
            }
        }
    }

    fn cross_checks(&mut self, s: &Scenario) {
        // Events pack facility indices into 28 bits (engine::queue).
        const _: () = assert!(MAX_FACILITIES < 1 << 28);
        let population = s.population();
        if population > MAX_POPULATION {
            self.push(
                "region",
                format!(
                    "{population} residents in all: at most {MAX_POPULATION} (settlement populations and [region.generate] population)"
                ),
            );
        }
        let doctors: u64 = s.facilities.iter().map(|f| u64::from(f.doctors)).sum();
        if doctors > MAX_TOTAL_DOCTORS {
            self.push(
                "facility",
                format!("{doctors} doctors in all facilities together: at most {MAX_TOTAL_DOCTORS}"),
            );
        }
        if s.facilities.is_empty() {
            self.push(
                "facility",
                "no facilities: add [[facility]] entries or a [region.generate] block",
            );
        }
        if s.population() == 0 && !s.regions.is_empty() {
            self.push("region", "no residents: give settlements a population > 0");
        }
        let top = s.facilities.iter().map(|f| f.capability).max();
        for sev in Severity::ALL {
            if s.demand.severity_mix[sev as usize] > 0.0 && top.is_some_and(|t| t < sev) {
                self.push(
                    format!("demand.severity_mix.{}", sev.name()),
                    format!(
                        "{} episodes occur but no facility can treat them: give one facility capability = \"{}\"",
                        sev.name(),
                        sev.name()
                    ),
                );
            }
        }
    }
}

/// The facilities `[region.generate]` blocks ask for, region by region.
fn generated_facilities(
    tiers: &[TierParams; 4],
    regions: &[Region],
    generated: &[Option<GenerateParams>],
) -> Vec<Facility> {
    let mut out = Vec::new();
    for (ri, (region, params)) in regions.iter().zip(generated).enumerate() {
        let Some(params) = params else { continue };
        for spec in generate::facilities(&region.name, params) {
            out.push(facility_from_tier(
                spec.name,
                spec.tier,
                (RegionId(ri as u32), region.alliance),
                spec.at_km,
                &tiers[spec.tier as usize],
            ));
        }
    }
    out
}

fn discipline_of(d: DisciplineName) -> Discipline {
    match d {
        DisciplineName::Fifo => Discipline::Fifo,
        DisciplineName::Severity => Discipline::Severity,
    }
}

fn valid_name(n: &str) -> bool {
    !n.is_empty() && !n.starts_with('.') && n.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

fn facility_from_tier(
    name: String,
    tier: Tier,
    (region, alliance): (RegionId, AllianceId),
    at_km: Point,
    t: &TierParams,
) -> Facility {
    Facility {
        name,
        tier,
        region,
        alliance,
        at_km,
        doctors: t.doctors,
        beds: t.beds,
        quality: t.quality,
        capability: t.capability,
        partner: None,
        hours: t.hours,
        discipline: t.discipline,
        service: t.service,
        outpatient_price: t.outpatient_price,
        bed_day_price: t.bed_day_price,
        los_days: t.los_days,
        partner_name: None,
        explicit_index: None,
        emergency: None,
        emergency_doctors: None,
    }
}

/// Named partners where present among the active facilities, else the default.
fn resolve_partners(facilities: &mut [Facility], travel: &Travel) {
    let ids: HashMap<String, u32> = facilities
        .iter()
        .enumerate()
        .map(|(i, f)| (f.name.clone(), i as u32))
        .collect();
    let index = PartnerIndex::new(facilities);
    for f in facilities.iter_mut() {
        let named = f.partner_name.as_ref().and_then(|n| ids.get(n)).map(|&p| FacilityId(p));
        f.partner = named.or_else(|| index.default_partner(f, travel));
    }
}

/// Facilities grouped by (tier, capability), each group as a tree over all
/// regions and one per region, for [`PartnerIndex::default_partner`].
struct PartnerIndex {
    all: HashMap<(Tier, Severity), Tree>,
    by_region: HashMap<(Tier, Severity, RegionId), Tree>,
}

impl PartnerIndex {
    fn new(facilities: &[Facility]) -> PartnerIndex {
        let mut all: HashMap<(Tier, Severity), Vec<(Point, u32)>> = HashMap::new();
        let mut by_region: HashMap<(Tier, Severity, RegionId), Vec<(Point, u32)>> = HashMap::new();
        for (i, f) in facilities.iter().enumerate() {
            all.entry((f.tier, f.capability)).or_default().push((f.at_km, i as u32));
            by_region
                .entry((f.tier, f.capability, f.region))
                .or_default()
                .push((f.at_km, i as u32));
        }
        PartnerIndex {
            all: all.into_iter().map(|(k, v)| (k, Tree::new(v))).collect(),
            by_region: by_region.into_iter().map(|(k, v)| (k, Tree::new(v))).collect(),
        }
    }

    /// The nearest facility of the next tier up that treats more than `me`
    /// does, preferring the same region; ties go to the lower index. The
    /// same answer as a scan ordered by (tier, other region, minutes, index).
    fn default_partner(&self, me: &Facility, travel: &Travel) -> Option<FacilityId> {
        let minutes = |p: Point| travel.minutes(me.at_km, p);
        let best_of = |trees: &mut dyn Iterator<Item = &Tree>| {
            trees
                .filter_map(|t| t.nearest(me.at_km, minutes))
                .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
        };
        let abler = || Severity::ALL.into_iter().filter(|c| *c > me.capability);
        for tier in Tier::ALL.into_iter().filter(|t| *t > me.tier) {
            let same = best_of(&mut abler().filter_map(|c| self.by_region.get(&(tier, c, me.region))));
            let found = same.or_else(|| best_of(&mut abler().filter_map(|c| self.all.get(&(tier, c)))));
            if let Some((_, i)) = found {
                return Some(FacilityId(i));
            }
        }
        None
    }
}

/// The nearest facility of the next tier up that treats more than this one
/// does, preferring the same region; ties go to the lower index. A full
/// scan: the reference [`PartnerIndex`] is tested against.
#[cfg(test)]
fn default_partner(facilities: &[Facility], id: FacilityId, travel: &Travel) -> Option<FacilityId> {
    let me = &facilities[id.0 as usize];
    facilities
        .iter()
        .enumerate()
        .filter(|(_, f)| f.tier > me.tier && f.capability > me.capability)
        .map(|(i, f)| (f.tier, f.region != me.region, travel.minutes(me.at_km, f.at_km), i))
        .min_by(|a, b| {
            a.0.cmp(&b.0)
                .then(a.1.cmp(&b.1))
                .then(a.2.total_cmp(&b.2))
                .then(a.3.cmp(&b.3))
        })
        .map(|(.., i)| FacilityId(i as u32))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The indexed search picks the partner the full scan picks, ties
        /// (shared sites, equal distances) included.
        #[test]
        fn indexed_default_partners_match_the_full_scan(
            raw in prop::collection::vec((0usize..4, 0usize..4, 0u32..3, 0i32..6, 0i32..6), 1..80),
        ) {
            let tiers = builtin_tiers();
            let facilities: Vec<Facility> = raw
                .iter()
                .enumerate()
                .map(|(i, &(t, c, region, x, y))| {
                    let mut f = facility_from_tier(
                        format!("f{i}"),
                        Tier::ALL[t],
                        (RegionId(region), AllianceId(0)),
                        Point { x: f64::from(x) * 1.5, y: f64::from(y) },
                        &tiers[t],
                    );
                    f.capability = Severity::ALL[c];
                    f
                })
                .collect();
            let travel = Travel { speed_kmh: 30.0, detour_factor: 1.3 };
            let index = PartnerIndex::new(&facilities);
            for (i, f) in facilities.iter().enumerate() {
                prop_assert_eq!(
                    index.default_partner(f, &travel),
                    default_partner(&facilities, FacilityId(i as u32), &travel)
                );
            }
        }
    }

    fn builtin_tiers() -> [TierParams; 4] {
        Tier::ALL.map(builtin_tier)
    }

    #[test]
    fn duplicate_name_message_names_the_second_facility() {
        // facility[0] has no tier and is skipped: indices must still be the file's.
        use crate::testing::{facility, region};
        let text = region(10)
            + "[[facility]]\nname = \"x\"\nat_km = [0.0, 0.0]\n"
            + &facility("A", "county", 0.0, "")
            + &facility("A", "county", 1.0, "");
        let Err(ScenarioError::Invalid { problems, .. }) = from_toml(&text, "t") else {
            panic!("duplicate names must be refused");
        };
        let dup: Vec<&Problem> = problems
            .iter()
            .filter(|p| p.message.contains("has this name"))
            .collect();
        assert_eq!(dup.len(), 1, "{problems:?}");
        assert_eq!(dup[0].path, "facility \"A\" (facility[2]).name");
        assert!(dup[0].message.starts_with("another [[facility]]"), "{}", dup[0].message);
    }
}
