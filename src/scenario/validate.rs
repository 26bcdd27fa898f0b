//! Raw scenario -> checked [`Scenario`], reporting every problem at once.
//!
//! Defaults live here and only here (the README's key reference lists the
//! same values). Generated regions are expanded, names resolved to ids and
//! default partners chosen, so the engine gets plain typed data.

use std::collections::HashMap;
use std::path::Path;

use serde_path_to_error::Segment;

use super::error::{Problem, ScenarioError, did_you_mean};
use super::generate::{self, GenerateParams};
use super::raw::*;
use super::*;

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
    let table: toml::Table = toml::from_str(text).map_err(|e| ScenarioError::Syntax {
        origin: origin.to_string(),
        message: syntax_message(text, &e),
    })?;
    let (raw, mut problems) = parse_raw(toml::Value::Table(table));
    let mut checker = Checker::default();
    let scenario = checker.scenario(&raw);
    problems.append(&mut checker.problems);
    if problems.is_empty() {
        let resolved = to_raw(&scenario);
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

/// "line 3, column 7: invalid table header" from a TOML parse error.
fn syntax_message(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim().replace('\n', "; ");
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}

/// Deserialises, and on each type error or unknown key records it, removes
/// the offending key and tries again, so one run reports all of them.
fn parse_raw(mut value: toml::Value) -> (RawScenario, Vec<Problem>) {
    let mut problems = Vec::new();
    for _ in 0..100 {
        let err = match serde_path_to_error::deserialize::<_, RawScenario>(value.clone()) {
            Ok(raw) => return (raw, problems),
            Err(err) => err,
        };
        let mut segments: Vec<Segment> = err.path().iter().cloned().collect();
        let message = err.inner().message().trim().to_string();
        let message = message.as_str();
        let problem = if let Some((key, expected)) = split_unknown(message, "unknown field `") {
            // serde_path_to_error stops at the table that holds the unknown key.
            if !matches!(segments.last(), Some(Segment::Map { key: k }) if *k == key) {
                segments.push(Segment::Map { key: key.clone() });
            }
            let hint = did_you_mean(&key, expected.iter().map(String::as_str)).unwrap_or_default();
            Problem::new(
                display_path(&segments),
                format!("unknown key `{key}`{hint}; allowed keys here: {}", expected.join(", ")),
            )
        } else if let Some((found, expected)) = split_unknown(message, "unknown variant `") {
            let hint = did_you_mean(&found, expected.iter().map(String::as_str)).unwrap_or_default();
            Problem::new(
                display_path(&segments),
                format!(
                    "\"{found}\" is not allowed: expected one of {}{hint}",
                    expected.join(", ")
                ),
            )
        } else {
            Problem::new(display_path(&segments), friendly_type_error(message))
        };
        problems.push(problem);
        if !remove_at(&mut value, &segments) {
            return (RawScenario::default(), problems);
        }
    }
    (RawScenario::default(), problems)
}

/// Splits "unknown field `x`, expected one of `a`, `b`" into ("x", [a, b]).
fn split_unknown(message: &str, prefix: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix(prefix)?;
    let (found, rest) = rest.split_once('`')?;
    let expected = rest.split('`').skip(1).step_by(2).map(str::to_string).collect();
    Some((found.to_string(), expected))
}

/// serde's "invalid type: string \"x\", expected f64" in a user's words.
fn friendly_type_error(message: &str) -> String {
    let message = message
        .replace("expected f64", "expected a number")
        .replace("expected i64", "expected a whole number")
        .replace("expected a boolean", "expected true or false")
        .replace("expected an array of length 2", "expected [x_km, y_km]")
        .replace("invalid type: ", "found ");
    message.lines().next().unwrap_or_default().to_string()
}

/// `facility[3].doctors` style path from serde segments.
fn display_path(segments: &[Segment]) -> String {
    let mut out = String::new();
    for s in segments {
        match s {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Unknown => out.push_str(".?"),
        }
    }
    if out.is_empty() { "(top level)".into() } else { out }
}

/// Removes the value at `segments` (or, for an array element, the whole
/// array) so parsing can go on. False if nothing could be removed.
fn remove_at(value: &mut toml::Value, segments: &[Segment]) -> bool {
    let Some(last_key) = segments.iter().rposition(|s| matches!(s, Segment::Map { .. })) else {
        return false;
    };
    let mut cur = value;
    for s in &segments[..last_key] {
        cur = match (s, cur) {
            (Segment::Map { key }, toml::Value::Table(t)) => match t.get_mut(key) {
                Some(v) => v,
                None => return false,
            },
            (Segment::Seq { index }, toml::Value::Array(a)) => match a.get_mut(*index) {
                Some(v) => v,
                None => return false,
            },
            _ => return false,
        };
    }
    match (&segments[last_key], cur) {
        (Segment::Map { key }, toml::Value::Table(t)) => t.remove(key).is_some(),
        _ => false,
    }
}

/// Collects problems while building typed values from raw ones.
#[derive(Default)]
struct Checker {
    problems: Vec<Problem>,
}

/// Built-in tier defaults. Prices and loads follow ../shared/DOMAIN.md:
/// township visit 85 CNY, hospital visits ~360 CNY (2023); village clinic
/// 40 CNY is illustrative; doctors sized for ~10 visits per doctor-day.
fn builtin_tier(tier: Tier) -> TierParams {
    let (capability, quality, doctors, beds, hours, mean, price) = match tier {
        Tier::Village => (Severity::Mild, 1.0, 1, 0, "08:00-18:00", 10.0, 40.0),
        Tier::Township => (Severity::Moderate, 2.0, 8, 45, "08:00-17:30", 15.0, 85.0),
        Tier::County => (Severity::Severe, 3.0, 60, 500, "08:00-17:30", 15.0, 300.0),
        Tier::Regional => (Severity::Critical, 4.0, 150, 1500, "08:00-17:30", 18.0, 360.0),
    };
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

const TIER_NAMES: [&str; 4] = ["village", "township", "county", "regional"];

fn tier_of(n: TierName) -> Tier {
    Tier::ALL[n as usize]
}

fn severity_of(n: SeverityName) -> Severity {
    Severity::ALL[n as usize]
}

impl Checker {
    fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem::new(path, message));
    }

    /// A whole number >= `min`.
    fn count(&mut self, path: &str, v: Option<i64>, default: u32, min: i64) -> u32 {
        match v {
            None => default,
            Some(x) if x >= min && x <= i64::from(u32::MAX) => x as u32,
            Some(x) => {
                self.push(path, format!("{x}: expected a whole number >= {min}"));
                default
            }
        }
    }

    /// A finite number within `[lo, hi]`; `what` describes the range.
    fn number(&mut self, path: &str, v: Option<f64>, default: f64, ok: impl Fn(f64) -> bool, what: &str) -> f64 {
        match v {
            None => default,
            Some(x) if x.is_finite() && ok(x) => x,
            Some(x) => {
                self.push(path, format!("{x}: expected {what}"));
                default
            }
        }
    }

    fn probability(&mut self, path: &str, v: Option<f64>, default: f64) -> f64 {
        self.number(
            path,
            v,
            default,
            |x| (0.0..=1.0).contains(&x),
            "a probability between 0 and 1",
        )
    }

    fn positive(&mut self, path: &str, v: Option<f64>, default: f64) -> f64 {
        self.number(path, v, default, |x| x > 0.0, "a number > 0")
    }

    fn non_negative(&mut self, path: &str, v: Option<f64>, default: f64) -> f64 {
        self.number(path, v, default, |x| x >= 0.0, "a number >= 0")
    }

    fn finite(&mut self, path: &str, v: Option<f64>, default: f64) -> f64 {
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
            Some([x, y]) if x.is_finite() && y.is_finite() => Point { x, y },
            Some(_) => {
                self.push(path, "expected two finite numbers [x_km, y_km]");
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
        let mean_minutes = self.positive(&format!("{path}.mean_minutes"), raw.mean_minutes, base.mean_minutes());
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
                cv: self.positive(&format!("{path}.cv"), Some(cv()), base_cv),
            },
            DistName::Gamma => ServiceDist::Gamma {
                mean_minutes,
                cv: self.positive(&format!("{path}.cv"), Some(cv()), base_cv),
            },
        }
    }

    fn per_severity(
        &mut self,
        path: &str,
        raw: Option<&PerSeverity<f64>>,
        default: [f64; 4],
        ok: fn(&mut Self, &str, Option<f64>, f64) -> f64,
    ) -> [f64; 4] {
        let mut out = default;
        if let Some(raw) = raw {
            for (i, v) in raw.as_array().into_iter().enumerate() {
                out[i] = ok(self, &format!("{path}.{}", Severity::ALL[i].name()), *v, default[i]);
            }
        }
        out
    }

    fn per_tier(
        &mut self,
        path: &str,
        raw: Option<&PerTier<f64>>,
        default: [f64; 4],
        ok: fn(&mut Self, &str, Option<f64>, f64) -> f64,
    ) -> [f64; 4] {
        let mut out = default;
        if let Some(raw) = raw {
            for (i, v) in raw.as_array().into_iter().enumerate() {
                out[i] = ok(self, &format!("{path}.{}", TIER_NAMES[i]), *v, default[i]);
            }
        }
        out
    }

    fn scenario(&mut self, raw: &RawScenario) -> Scenario {
        let name = match &raw.name {
            None => "scenario".to_string(),
            Some(n) if valid_name(n) => n.clone(),
            Some(n) => {
                self.push("name", format!("\"{n}\": expected letters, digits, '-', '_' or '.', not starting with '.' (it names the output folder)"));
                "scenario".to_string()
            }
        };
        let seed = match raw.seed {
            None => 42,
            Some(s) if s >= 0 => s as u64,
            Some(s) => {
                self.push("seed", format!("{s}: expected a whole number >= 0"));
                0
            }
        };
        let days = self.count("days", raw.days, 365, 1);
        let warmup_days = self.count("warmup_days", raw.warmup_days, 30.min(days / 4), 0);
        if warmup_days >= days {
            self.push("warmup_days", format!("{warmup_days}: must be less than days ({days})"));
        }
        let replications = self.count("replications", raw.replications, 10, 1);
        let travel = self.travel(raw.travel.as_ref().cloned().unwrap_or_default());
        let demand = self.demand(raw.demand.as_ref().cloned().unwrap_or_default());
        let choice = self.choice(raw.choice.as_ref().cloned().unwrap_or_default());
        let tiers = self.tiers(raw.tiers.as_ref());
        let (regions, generated) = self.regions(&raw.region, seed);
        let facilities = self.facilities(raw, &tiers, &regions, &generated, &travel);
        let policy = self.policy(raw.policy.as_ref().cloned().unwrap_or_default());
        let r = raw.referral.clone().unwrap_or_default();
        let referral = Referral {
            triage_factor: self.positive("referral.triage_factor", r.triage_factor, 0.5),
            priority_referrals: r.priority_referrals.unwrap_or(false),
        };
        let patience = raw.patience.as_ref().map(|p| Patience {
            mean_minutes: self.positive("patience.mean_minutes", p.mean_minutes, 120.0),
            retry_prob: self.probability("patience.retry_prob", p.retry_prob, 0.5),
        });
        let scenario = Scenario {
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
            policy,
            referral,
            patience,
        };
        self.cross_checks(&scenario);
        scenario
    }

    fn travel(&mut self, t: RawTravel) -> Travel {
        Travel {
            speed_kmh: self.positive("travel.speed_kmh", t.speed_kmh, 30.0),
            detour_factor: self.number(
                "travel.detour_factor",
                t.detour_factor,
                1.3,
                |x| x >= 1.0,
                "a number >= 1 (road km per straight-line km)",
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
            episodes_per_resident_year: self.non_negative(
                "demand.episodes_per_resident_year",
                d.episodes_per_resident_year,
                2.5,
            ),
            chronic_share: self.probability("demand.chronic_share", d.chronic_share, 0.2),
            chronic_multiplier: self.non_negative("demand.chronic_multiplier", d.chronic_multiplier, 3.0),
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
            b_contract: self.finite("choice.b_contract", c.b_contract, 0.5),
            asc,
        }
    }

    /// At most 16 per tier: choice sets of up to 64 facilities, one bit
    /// each in an episode's record of facilities already left.
    fn nearest_per_tier(&mut self, v: Option<i64>) -> u32 {
        match v {
            Some(x) if !(1..=16).contains(&x) => {
                self.push(
                    "choice.nearest_per_tier",
                    format!("{x}: expected a whole number from 1 to 16"),
                );
                2
            }
            v => v.map_or(2, |x| x as u32),
        }
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
                capability: t.capability.map(severity_of).unwrap_or(base.capability),
                quality: self.finite(&format!("{path}.quality"), t.quality, base.quality),
                doctors: self.count(&format!("{path}.doctors"), t.doctors, base.doctors, 0),
                beds: self.count(&format!("{path}.beds"), t.beds, base.beds, 0),
                hours: self.hours(&format!("{path}.hours"), t.hours.as_ref(), base.hours),
                discipline: t.discipline.map(discipline_of).unwrap_or(base.discipline),
                service,
                outpatient_price: self.per_severity(
                    &format!("{path}.outpatient_price"),
                    t.outpatient_price.as_ref(),
                    base.outpatient_price,
                    Checker::non_negative,
                ),
            }
        })
    }

    /// Regions, and for each the generator settings if it has `[region.generate]`.
    fn regions(&mut self, raw: &[RawRegion], seed: u64) -> (Vec<Region>, Vec<Option<GenerateParams>>) {
        if raw.is_empty() {
            self.push(
                "region",
                "no [[region]]: a scenario needs at least one region with settlements",
            );
        }
        let mut seen = HashMap::new();
        raw.iter()
            .enumerate()
            .map(|(i, r)| {
                let name = r.name.clone().unwrap_or_default();
                let path = format!("region \"{name}\" (region[{i}])");
                if name.is_empty() {
                    self.push(format!("region[{i}].name"), "missing: every region needs a unique name");
                } else if seen.insert(name.clone(), i).is_some() {
                    self.push(
                        format!("{path}.name"),
                        "another region has this name: names must be unique",
                    );
                }
                let params = r
                    .generate
                    .as_ref()
                    .map(|g| self.generate_params(&format!("{path}.generate"), g, seed));
                let mut settlements = params
                    .as_ref()
                    .map(|p| generate::settlements(&name, p))
                    .unwrap_or_default();
                for (j, s) in r.settlement.iter().enumerate() {
                    let sname = s.name.clone().unwrap_or_else(|| format!("{name} settlement {}", j + 1));
                    let spath = format!("{path}.settlement[{j}]");
                    settlements.push(Settlement {
                        at_km: self.point(&format!("{spath}.at_km"), s.at_km),
                        population: self.count(&format!("{spath}.population"), s.population, 0, 0),
                        name: sname,
                    });
                }
                (Region { name, settlements }, params)
            })
            .unzip()
    }

    fn generate_params(&mut self, path: &str, g: &RawGenerate, seed: u64) -> GenerateParams {
        let center = g
            .center_km
            .map(|p| self.point(&format!("{path}.center_km"), Some(p)))
            .unwrap_or(Point { x: 0.0, y: 0.0 });
        GenerateParams {
            center_km: center,
            radius_km: self.positive(&format!("{path}.radius_km"), g.radius_km, 25.0),
            villages: self.count(&format!("{path}.villages"), g.villages, 150, 1),
            population: self.count(&format!("{path}.population"), g.population, 300_000, 0),
            townships: self.count(&format!("{path}.townships"), g.townships, 10, 0),
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

    fn facilities(
        &mut self,
        raw: &RawScenario,
        tiers: &[TierParams; 4],
        regions: &[Region],
        generated: &[Option<GenerateParams>],
        travel: &Travel,
    ) -> Vec<Facility> {
        let region_ids: HashMap<&str, u32> = regions
            .iter()
            .enumerate()
            .map(|(i, r)| (r.name.as_str(), i as u32))
            .collect();
        let mut out = Vec::new();
        // Generated facilities first, region by region, then explicit ones.
        for (ri, (region, params)) in regions.iter().zip(generated).enumerate() {
            if let Some(params) = params {
                for spec in generate::facilities(&region.name, params) {
                    out.push(facility_from_tier(
                        spec.name,
                        spec.tier,
                        RegionId(ri as u32),
                        spec.at_km,
                        &tiers[spec.tier as usize],
                    ));
                }
            }
        }
        let mut partner_names = Vec::new();
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
            let tier = tier_of(tier_name);
            let base = &tiers[tier as usize];
            let region = match f.region.as_deref() {
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
                None if regions.len() == 1 => RegionId(0),
                None => {
                    self.push(
                        format!("{path}.region"),
                        "missing: this scenario has several regions, say which one",
                    );
                    RegionId(0)
                }
            };
            let mut fac = facility_from_tier(name, tier, region, self.point(&format!("{path}.at_km"), f.at_km), base);
            fac.doctors = self.count(&format!("{path}.doctors"), f.doctors, base.doctors, 0);
            fac.beds = self.count(&format!("{path}.beds"), f.beds, base.beds, 0);
            fac.quality = self.finite(&format!("{path}.quality"), f.quality, base.quality);
            fac.capability = f.capability.map(severity_of).unwrap_or(base.capability);
            fac.hours = self.hours(&format!("{path}.hours"), f.hours.as_ref(), base.hours);
            fac.discipline = f.discipline.map(discipline_of).unwrap_or(base.discipline);
            partner_names.push((out.len(), path, f.partner.clone()));
            out.push(fac);
        }
        self.unique_facility_names(&out, raw.facility.len());
        let ids: HashMap<&str, u32> = out
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.as_str(), i as u32))
            .collect();
        let mut partners = vec![None; out.len()];
        for (idx, path, partner) in partner_names {
            let Some(pn) = partner else { continue };
            match ids.get(pn.as_str()) {
                Some(&p) if out[p as usize].tier > out[idx].tier => partners[idx] = Some(FacilityId(p)),
                Some(&p) => self.push(
                    format!("{path}.partner"),
                    format!(
                        "\"{pn}\" is a {} facility: a partner must be of a higher tier than {}",
                        out[p as usize].tier.name(),
                        out[idx].tier.name()
                    ),
                ),
                None => {
                    let hint = did_you_mean(&pn, ids.keys().copied()).unwrap_or_default();
                    self.push(
                        format!("{path}.partner"),
                        format!("\"{pn}\" is not a facility of this scenario{hint}"),
                    );
                }
            }
        }
        for i in 0..out.len() {
            out[i].partner = partners[i].or_else(|| default_partner(&out, FacilityId(i as u32), travel));
        }
        out
    }

    fn unique_facility_names(&mut self, facilities: &[Facility], explicit: usize) {
        let first_explicit = facilities.len() - explicit;
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, f) in facilities.iter().enumerate() {
            if let Some(prev) = seen.insert(f.name.as_str(), i) {
                let j = i.saturating_sub(first_explicit);
                let other = if prev >= first_explicit {
                    "another [[facility]]"
                } else {
                    "a generated facility"
                };
                self.push(
                    format!("facility \"{}\" (facility[{j}]).name", f.name),
                    format!("{other} has this name: names must be unique"),
                );
            }
        }
    }

    fn policy(&mut self, p: RawPolicy) -> Policy {
        let o = p.outpatient.unwrap_or_default();
        Policy {
            outpatient_rate: self.per_tier(
                "policy.outpatient.rate",
                o.rate.as_ref(),
                [0.5; 4],
                Checker::probability,
            ),
            outpatient_deductible: self.per_tier(
                "policy.outpatient.deductible",
                o.deductible.as_ref(),
                [0.0; 4],
                Checker::non_negative,
            ),
        }
    }

    fn cross_checks(&mut self, s: &Scenario) {
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

fn discipline_of(d: DisciplineName) -> Discipline {
    match d {
        DisciplineName::Fifo => Discipline::Fifo,
        DisciplineName::Severity => Discipline::Severity,
    }
}

fn valid_name(n: &str) -> bool {
    !n.is_empty() && !n.starts_with('.') && n.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

fn facility_from_tier(name: String, tier: Tier, region: RegionId, at_km: Point, t: &TierParams) -> Facility {
    Facility {
        name,
        tier,
        region,
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
    }
}

/// The nearest facility of the next tier up that treats more than this one
/// does, preferring the same region; ties go to the lower index.
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

/// The resolved scenario as raw TOML types: every default written out,
/// generated settlements and facilities listed, so it reloads identically.
pub fn to_raw(s: &Scenario) -> RawScenario {
    let sev = |a: [f64; 4]| PerSeverity {
        mild: Some(a[0]),
        moderate: Some(a[1]),
        severe: Some(a[2]),
        critical: Some(a[3]),
    };
    let tier = |a: [f64; 4]| PerTier {
        village: Some(a[0]),
        township: Some(a[1]),
        county: Some(a[2]),
        regional: Some(a[3]),
    };
    let c = &s.choice;
    let (beliefs, learning_rate) = match c.beliefs {
        Beliefs::None => (BeliefsKind::None, None),
        Beliefs::Live => (BeliefsKind::Live, None),
        Beliefs::Published => (BeliefsKind::Published, None),
        Beliefs::WordOfMouth { learning_rate } => (BeliefsKind::WordOfMouth, Some(learning_rate)),
    };
    let asc = PerTier {
        village: Some(sev(c.asc[0])),
        township: Some(sev(c.asc[1])),
        county: Some(sev(c.asc[2])),
        regional: Some(sev(c.asc[3])),
    };
    let tiers = s.tiers.clone().map(|t| RawTierDefaults {
        capability: Some(severity_name(t.capability)),
        quality: Some(t.quality),
        doctors: Some(i64::from(t.doctors)),
        beds: Some(i64::from(t.beds)),
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
    });
    let [village, township, county, regional] = tiers;
    RawScenario {
        name: Some(s.name.clone()),
        seed: Some(s.seed as i64),
        days: Some(i64::from(s.days)),
        warmup_days: Some(i64::from(s.warmup_days)),
        replications: Some(i64::from(s.replications)),
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
        choice: Some(RawChoice {
            nearest_per_tier: Some(i64::from(c.nearest_per_tier)),
            max_travel_minutes: Some(c.max_travel_minutes),
            beliefs: Some(beliefs),
            learning_rate,
            b_quality: Some(c.b_quality),
            b_cost: Some(c.b_cost),
            b_travel: Some(c.b_travel),
            b_wait: Some(c.b_wait),
            b_contract: Some(c.b_contract),
            asc: Some(asc),
        }),
        tiers: Some(PerTier {
            village: Some(village),
            township: Some(township),
            county: Some(county),
            regional: Some(regional),
        }),
        policy: Some(RawPolicy {
            outpatient: Some(RawPayment {
                rate: Some(tier(s.policy.outpatient_rate)),
                deductible: Some(tier(s.policy.outpatient_deductible)),
            }),
        }),
        referral: Some(RawReferral {
            triage_factor: Some(s.referral.triage_factor),
            priority_referrals: Some(s.referral.priority_referrals),
        }),
        patience: s.patience.map(|p| RawPatience {
            mean_minutes: Some(p.mean_minutes),
            retry_prob: Some(p.retry_prob),
        }),
        region: s
            .regions
            .iter()
            .map(|r| RawRegion {
                name: Some(r.name.clone()),
                generate: None,
                settlement: r
                    .settlements
                    .iter()
                    .map(|st| RawSettlement {
                        name: Some(st.name.clone()),
                        at_km: Some([st.at_km.x, st.at_km.y]),
                        population: Some(i64::from(st.population)),
                    })
                    .collect(),
            })
            .collect(),
        facility: s
            .facilities
            .iter()
            .map(|f| RawFacility {
                name: Some(f.name.clone()),
                tier: Some(
                    [
                        TierName::Village,
                        TierName::Township,
                        TierName::County,
                        TierName::Regional,
                    ][f.tier as usize],
                ),
                region: Some(s.regions[f.region.0 as usize].name.clone()),
                at_km: Some([f.at_km.x, f.at_km.y]),
                doctors: Some(i64::from(f.doctors)),
                beds: Some(i64::from(f.beds)),
                quality: Some(f.quality),
                capability: Some(severity_name(f.capability)),
                partner: f.partner.map(|p| s.facilities[p.0 as usize].name.clone()),
                hours: Some(f.hours.to_text()),
                discipline: Some(discipline_name(f.discipline)),
            })
            .collect(),
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
