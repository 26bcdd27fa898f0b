//! What a reform buys: the fund's extra spending per extra grassroots first
//! contact and per poor outcome averted, as health economists report an
//! incremental cost-effectiveness ratio (ICER).
//!
//! Each ratio is the mean paired difference in `fund_total` over the mean
//! paired difference in the effect, replication by replication on common
//! seeds, with Fieller's 95% set ([`super::fieller`]): a reform whose
//! effect cannot be told from zero gets an unbounded set, never a number.
//! A ratio whose signs say the reform saves money and does more (dominant)
//! or costs more and does less (dominated) is named in words, since a
//! negative ICER alone does not say which.

use std::collections::BTreeMap;

use super::Values;
use super::fieller::{self, Interval};
use crate::metrics::MetricId as M;
use crate::metrics::{MetricId, describe};

/// What the fund's spending is set against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Episodes whose first visit is at a village clinic or township
    /// center: `first_contact_grassroots_share` x `episodes`.
    GrassrootsContacts,
    /// Expected poor outcomes, baseline - reform (needs `[outcome]`).
    PoorOutcomesAverted,
}

impl Effect {
    /// Both, in the order they are reported.
    pub const ALL: [Effect; 2] = [Effect::GrassrootsContacts, Effect::PoorOutcomesAverted];

    /// Its name in `buys.csv`.
    pub fn key(self) -> &'static str {
        match self {
            Effect::GrassrootsContacts => "grassroots_first_contact",
            Effect::PoorOutcomesAverted => "poor_outcome_averted",
        }
    }

    /// What one unit of the ratio buys: "per extra grassroots first contact".
    pub fn per(self) -> &'static str {
        match self {
            Effect::GrassrootsContacts => "per extra grassroots first contact",
            Effect::PoorOutcomesAverted => "per poor outcome averted",
        }
    }

    /// The effect's change as a table labels it.
    pub fn change(self) -> &'static str {
        match self {
            Effect::GrassrootsContacts => "grassroots first contacts",
            Effect::PoorOutcomesAverted => "poor outcomes averted",
        }
    }

    /// The metric whose unit writes the effect's change.
    pub fn metric(self) -> MetricId {
        match self {
            Effect::GrassrootsContacts => M::Episodes,
            Effect::PoorOutcomesAverted => M::PoorOutcomes,
        }
    }

    fn more(self) -> &'static str {
        match self {
            Effect::GrassrootsContacts => "raises grassroots first contacts",
            Effect::PoorOutcomesAverted => "averts poor outcomes",
        }
    }

    fn fewer(self) -> &'static str {
        match self {
            Effect::GrassrootsContacts => "lowers grassroots first contacts",
            Effect::PoorOutcomesAverted => "adds poor outcomes",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Effect::GrassrootsContacts => "grassroots first contacts",
            Effect::PoorOutcomesAverted => "poor outcomes",
        }
    }
}

/// A mean paired difference and its 95% t-interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Change {
    /// Mean of reform - baseline.
    pub mean: f64,
    /// Lower end of its 95% t-interval.
    pub ci_low: f64,
    /// Upper end.
    pub ci_high: f64,
}

/// Which way a change goes, judged by its interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// The interval lies above zero.
    Up,
    /// The interval lies below zero.
    Down,
    /// The interval contains zero (or there is none).
    Unclear,
}

impl Change {
    fn of(values: impl IntoIterator<Item = f64>) -> Change {
        let (mean, _, ci_low, ci_high, _) = describe(values);
        Change { mean, ci_low, ci_high }
    }

    /// Up or down only when the interval excludes zero.
    pub fn direction(&self) -> Direction {
        if self.ci_low > 0.0 {
            Direction::Up
        } else if self.ci_high < 0.0 {
            Direction::Down
        } else {
            Direction::Unclear
        }
    }
}

/// A ratio estimated from the paired replications.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    /// The change in `fund_total`.
    pub cost: Change,
    /// The change in the effect (more contacts, more poor outcomes averted).
    pub effect: Change,
    /// Mean cost change / mean effect change (NaN when the effect's mean is 0).
    pub ratio: f64,
    /// Fieller's 95% set of the ratio.
    pub interval: Interval,
    /// Replications paired.
    pub n: u32,
}

/// One of the reform's purchases, or why it cannot be priced.
#[derive(Clone, Debug, PartialEq)]
pub struct Purchase {
    /// What the spending buys.
    pub effect: Effect,
    /// The estimate, or what it needs ("needs [outcome] in both runs").
    pub estimate: Result<Estimate, String>,
}

impl Purchase {
    /// The reform in words, by the directions of the cost and effect
    /// changes whose intervals exclude zero.
    pub fn verdict(&self) -> String {
        match &self.estimate {
            Ok(e) => verdict(self.effect, e.cost.direction(), e.effect.direction()),
            Err(why) => why.clone(),
        }
    }
}

/// How health economists read the cost-effect plane.
pub fn verdict(effect: Effect, cost: Direction, gain: Direction) -> String {
    use Direction::{Down, Unclear, Up};
    let (more, fewer, noun) = (effect.more(), effect.fewer(), effect.noun());
    match (cost, gain) {
        (Down, Up) => format!("dominant: saves money and {more}"),
        (Up, Down) => format!("dominated: costs more and {fewer}"),
        (Up, Up) => format!("costs more and {more}: the ratio is the price {}", effect.per()),
        (Down, Down) => format!("saves money but {fewer}: the ratio is the saving per unit forgone"),
        (Unclear, Up) => format!("{more}, no clear change in spending"),
        (Unclear, Down) => format!("{fewer}, no clear change in spending"),
        (Up, Unclear) => format!("costs more, no clear change in {noun}"),
        (Down, Unclear) => format!("saves money, no clear change in {noun}"),
        (Unclear, Unclear) => format!("no clear change in spending or {noun}"),
    }
}

/// A system metric's values by replication.
fn system(values: &Values, metric: MetricId) -> Option<&BTreeMap<u32, f64>> {
    values
        .iter()
        .find(|((scope, _, name), _)| scope == "system" && name == metric.name())
        .map(|(_, v)| v)
}

/// Grassroots first contacts by replication: the share times the episodes
/// it is a share of, rounded back to the whole count it was made from.
fn contacts(values: &Values) -> Option<BTreeMap<u32, f64>> {
    let share = system(values, M::FirstContactGrassrootsShare)?;
    let episodes = system(values, M::Episodes)?;
    Some(
        share
            .iter()
            .filter_map(|(r, s)| episodes.get(r).map(|e| (*r, (s * e).round())))
            .collect(),
    )
}

/// The effect's gain by replication in one run (higher is better).
fn gains(values: &Values, effect: Effect) -> Option<BTreeMap<u32, f64>> {
    match effect {
        Effect::GrassrootsContacts => contacts(values),
        // Fewer poor outcomes is the gain: their negative.
        Effect::PoorOutcomesAverted => {
            system(values, M::PoorOutcomes).map(|p| p.iter().map(|(r, x)| (*r, -x)).collect())
        }
    }
}

fn needs(effect: Effect) -> String {
    match effect {
        Effect::GrassrootsContacts => {
            "needs fund_total, episodes and first_contact_grassroots_share in both runs".into()
        }
        Effect::PoorOutcomesAverted => "needs [outcome] in both runs".into(),
    }
}

/// Prices one effect from the paired replications `common`.
fn price(base: &Values, reform: &Values, common: &[u32], effect: Effect) -> Result<Estimate, String> {
    let (Some(fund_a), Some(fund_b)) = (system(base, M::FundTotal), system(reform, M::FundTotal)) else {
        return Err(needs(Effect::GrassrootsContacts));
    };
    let (Some(gain_a), Some(gain_b)) = (gains(base, effect), gains(reform, effect)) else {
        return Err(needs(effect));
    };
    let diff = |a: &BTreeMap<u32, f64>, b: &BTreeMap<u32, f64>, r: &u32| Some(b.get(r)? - a.get(r)?);
    let pairs: Vec<(f64, f64)> = common
        .iter()
        .filter_map(|r| Some((diff(fund_a, fund_b, r)?, diff(&gain_a, &gain_b, r)?)))
        .filter(|(c, g)| c.is_finite() && g.is_finite())
        .collect();
    if pairs.is_empty() {
        return Err(needs(effect));
    }
    let (ratio, interval) = fieller::ratio(&pairs);
    Ok(Estimate {
        cost: Change::of(pairs.iter().map(|p| p.0)),
        effect: Change::of(pairs.iter().map(|p| p.1)),
        ratio,
        interval,
        n: pairs.len() as u32,
    })
}

/// Both purchases of a comparison.
pub(super) fn purchases(base: &Values, reform: &Values, common: &[u32]) -> Vec<Purchase> {
    Effect::ALL
        .iter()
        .map(|&effect| Purchase {
            effect,
            estimate: price(base, reform, common, effect),
        })
        .collect()
}

/// An end of an interval for a table: infinite ends spelled out.
fn end(x: f64) -> String {
    if x == f64::INFINITY {
        "inf".into()
    } else if x == f64::NEG_INFINITY {
        "-inf".into()
    } else {
        crate::report::num(x)
    }
}

/// `buys.csv`: one row per effect.
pub fn csv(purchases: &[Purchase]) -> Vec<u8> {
    let num = crate::report::num;
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "effect",
        "fund_diff",
        "fund_ci_low",
        "fund_ci_high",
        "effect_diff",
        "effect_ci_low",
        "effect_ci_high",
        "ratio",
        "interval",
        "ci_low",
        "ci_high",
        "n",
        "verdict",
    ]);
    for p in purchases {
        let mut row = vec![p.effect.key().to_string()];
        match &p.estimate {
            Ok(e) => {
                let (lo, hi) = e.interval.ends();
                row.extend([e.cost.mean, e.cost.ci_low, e.cost.ci_high].map(num));
                row.extend([e.effect.mean, e.effect.ci_low, e.effect.ci_high].map(num));
                row.extend([num(e.ratio), e.interval.kind().into(), end(lo), end(hi)]);
                row.push(e.n.to_string());
            }
            Err(_) => {
                row.extend(std::iter::repeat_n(String::new(), 7));
                row.extend(["not_estimable".into(), String::new(), String::new(), "0".into()]);
            }
        }
        row.push(p.verdict());
        let _ = w.write_record(&row);
    }
    w.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Direction::{Down, Unclear, Up};

    fn values(fund: &[f64], share: &[f64], episodes: f64, poor: Option<&[f64]>) -> Values {
        let mut v = Values::new();
        let mut put = |metric: MetricId, xs: &[f64]| {
            let key = ("system".to_string(), "system".to_string(), metric.name().to_string());
            v.insert(key, xs.iter().enumerate().map(|(r, x)| (r as u32, *x)).collect());
        };
        put(M::FundTotal, fund);
        put(M::FirstContactGrassrootsShare, share);
        put(M::Episodes, &vec![episodes; fund.len()]);
        if let Some(p) = poor {
            put(M::PoorOutcomes, p);
        }
        v
    }

    #[test]
    fn contacts_ratio_is_fund_change_over_share_times_episodes_change() {
        // 1,000 episodes a replication; the reform adds 50, 40, 60 contacts
        // for 5,000, 4,200, 5,800 more fund spending: 15,000 / 150 = 100 each.
        let base = values(&[10_000.0; 3], &[0.5, 0.5, 0.5], 1000.0, None);
        let reform = values(&[15_000.0, 14_200.0, 15_800.0], &[0.55, 0.54, 0.56], 1000.0, None);
        let p = purchases(&base, &reform, &[0, 1, 2]);
        let e = p[0].estimate.as_ref().unwrap();
        assert_eq!(p[0].effect, Effect::GrassrootsContacts);
        assert!((e.ratio - 100.0).abs() < 1e-9, "{}", e.ratio);
        assert!((e.effect.mean - 50.0).abs() < 1e-9);
        assert!(
            e.interval.is_bounded() && e.interval.contains(e.ratio),
            "{:?}",
            e.interval
        );
        assert_eq!(
            p[0].verdict(),
            "costs more and raises grassroots first contacts: the ratio is the price per extra grassroots first contact"
        );
        // No [outcome]: the second ratio says what it needs, not a number.
        assert_eq!(p[1].estimate, Err("needs [outcome] in both runs".into()));
        let table = String::from_utf8(csv(&p)).unwrap();
        assert!(
            table.contains("poor_outcome_averted,,,,,,,,not_estimable,,,0,needs [outcome] in both runs"),
            "{table}"
        );
    }

    #[test]
    fn poor_outcomes_averted_are_baseline_minus_reform() {
        let base = values(&[100.0, 100.0], &[0.5, 0.5], 10.0, Some(&[8.0, 9.0]));
        let reform = values(&[90.0, 80.0], &[0.6, 0.6], 10.0, Some(&[6.0, 5.0]));
        let p = purchases(&base, &reform, &[0, 1]);
        let e = p[1].estimate.as_ref().unwrap();
        // 2 and 4 averted for 10 and 20 less fund: -15 / 3 = -5 per poor outcome averted.
        assert!(
            (e.effect.mean - 3.0).abs() < 1e-12 && (e.ratio + 5.0).abs() < 1e-12,
            "{e:?}"
        );
        // Two pairs: t(1) = 12.7 makes both intervals cross zero.
        assert_eq!(p[1].verdict(), "no clear change in spending or poor outcomes");
        assert!(e.interval.contains(e.ratio));
    }

    #[test]
    fn dominance_is_said_in_words() {
        let g = Effect::GrassrootsContacts;
        assert_eq!(
            verdict(g, Down, Up),
            "dominant: saves money and raises grassroots first contacts"
        );
        assert_eq!(
            verdict(g, Up, Down),
            "dominated: costs more and lowers grassroots first contacts"
        );
        assert_eq!(
            verdict(Effect::PoorOutcomesAverted, Up, Down),
            "dominated: costs more and adds poor outcomes"
        );
        assert_eq!(
            verdict(g, Unclear, Down),
            "lowers grassroots first contacts, no clear change in spending"
        );
        assert_eq!(
            verdict(g, Down, Unclear),
            "saves money, no clear change in grassroots first contacts"
        );
        assert_eq!(
            verdict(g, Unclear, Unclear),
            "no clear change in spending or grassroots first contacts"
        );
        // A reform that saves money and raises contacts, measured.
        let base = values(&[1000.0, 1100.0, 900.0], &[0.5, 0.5, 0.5], 100.0, None);
        let reform = values(&[900.0, 1010.0, 790.0], &[0.6, 0.62, 0.61], 100.0, None);
        let p = purchases(&base, &reform, &[0, 1, 2]);
        assert_eq!(
            p[0].verdict(),
            "dominant: saves money and raises grassroots first contacts"
        );
        assert!(p[0].estimate.as_ref().unwrap().ratio < 0.0);
    }

    #[test]
    fn contacts_that_do_not_clearly_change_give_an_unbounded_interval() {
        // Contacts +5, -4, +3, -6, +4 (of 100 episodes): mean +0.4, its
        // interval across zero, while spending clearly rises.
        let base = values(&[100.0; 5], &[0.5; 5], 100.0, None);
        let reform = values(
            &[110.0, 112.0, 109.0, 113.0, 111.0],
            &[0.55, 0.46, 0.53, 0.44, 0.54],
            100.0,
            None,
        );
        let p = purchases(&base, &reform, &[0, 1, 2, 3, 4]);
        let e = p[0].estimate.as_ref().unwrap();
        assert!((e.ratio - 27.5).abs() < 1e-9);
        assert!(matches!(e.interval, Interval::Outside(..)), "{:?}", e.interval);
        assert_eq!(
            p[0].verdict(),
            "costs more, no clear change in grassroots first contacts"
        );
        let table = String::from_utf8(csv(&p)).unwrap();
        assert!(table.lines().nth(1).unwrap().contains(",outside,"), "{table}");
    }
}
