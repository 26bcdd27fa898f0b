//! Charts of one run folder, from tiers.csv, facilities.csv, daily.csv,
//! system.csv and (when there is one) groups.csv.

use std::collections::BTreeMap;
use std::path::Path;

use plotters::style::RGBColor;

use super::bars::{self, BarSeries, Bars, MarkerSeries};
use super::canvas::{self, Figure, LegendEntry, Marker, Swatch, Unit};
use super::lines::{LineSeries, Lines, Style};
use super::tables::{self, Stat, Table, intervals_note};
use super::{PlotError, tier_colour};
use crate::metrics::MetricId;
use crate::metrics::MetricId as M;
use crate::scenario::Tier;

/// Tier metrics the charts draw.
const TIER_METRICS: [MetricId; 9] = [
    M::FirstContactShare,
    M::WaitMeanMinutes,
    M::WaitP50Minutes,
    M::WaitP90Minutes,
    M::WaitP95Minutes,
    M::Fund,
    M::Oop,
    M::ReferralsUpOut,
    M::ReferralsDownOut,
];

/// Named figures of the run folder `dir`; charts without data are left out.
pub(crate) fn figures(dir: &Path) -> Result<Vec<(String, Figure)>, PlotError> {
    let tiers = tables::read(&dir.join("tiers.csv"), &TIER_METRICS)?;
    let system = tables::read(&dir.join("system.csv"), &[M::FirstContactGrassrootsShare])?;
    let facilities = tables::read(&dir.join("facilities.csv"), &[M::Utilization, M::BedOccupancy])?;
    let daily = tables::read(&dir.join("daily.csv"), &[M::MaxQueue, M::WaitMeanMinutes])?;
    let t = TierStats::new(&tiers)?;
    let grassroots = tables::find(&system, M::FirstContactGrassrootsShare, &[])?;
    let mut out = vec![
        (M::FirstContactShare.name().to_string(), first_contact(&t, grassroots)),
        ("wait_by_tier".to_string(), waits(&t)),
    ];
    let daily_title = |what: &str| format!("{what} per tier, by day (mean over replications)");
    let queue = daily_lines(
        &daily,
        M::MaxQueue,
        &daily_title("Largest queue"),
        "Patients waiting (largest that day)",
    )?;
    let wait = daily_lines(
        &daily,
        M::WaitMeanMinutes,
        &daily_title("Mean wait"),
        "Mean wait (minutes)",
    )?;
    out.extend(queue.map(|f| ("daily_max_queue".to_string(), f)));
    out.extend(wait.map(|f| ("daily_mean_wait".to_string(), f)));
    let util = facility_bars(
        &facilities,
        M::Utilization,
        "Doctor utilization by facility",
        "Doctor utilization (%)",
    )?;
    let beds = facility_bars(
        &facilities,
        M::BedOccupancy,
        "Bed occupancy by facility (facilities with beds)",
        "Bed occupancy (%)",
    )?;
    out.extend(util.map(|f| ("doctor_utilization".to_string(), f)));
    out.extend(beds.map(|f| ("bed_occupancy".to_string(), f)));
    out.push(("money_by_tier".to_string(), money(&t)));
    out.push(("referrals".to_string(), referrals(&t)));
    out.extend(catastrophic_by_income(dir)?.map(|f| ("catastrophic_by_income".to_string(), f)));
    Ok(out)
}

/// Catastrophic spending by income group from `groups.csv` (folders
/// written before groups have none: no chart): the share after both
/// payers as bars with intervals, before serious-illness insurance as a
/// marker, out-of-pocket per resident-year beside each bar.
fn catastrophic_by_income(dir: &Path) -> Result<Option<Figure>, PlotError> {
    let path = dir.join("groups.csv");
    if !path.is_file() {
        return Ok(None);
    }
    let metrics = [
        M::CatastrophicShare,
        M::CatastrophicShareBeforeSeriousIllness,
        M::OopPerResident,
    ];
    let table = tables::read(&path, &metrics)?;
    let (dim, group, stat) = (table.col("dimension")?, table.col("group")?, tables::stats(&table)?);
    let mut groups: Vec<String> = Vec::new();
    let mut stats: BTreeMap<(String, MetricId), Stat> = BTreeMap::new();
    for r in table.rows().iter().filter(|r| r.get(dim) == Some("income")) {
        let (Some(g), Some(m)) = (r.get(group), table.metric(r)) else {
            continue;
        };
        if !groups.iter().any(|x| x == g) {
            groups.push(g.to_string());
        }
        stats.insert((g.to_string(), m), stat(r));
    }
    if groups.is_empty() {
        return Ok(None);
    }
    let get = |g: &String, m: MetricId| stats.get(&(g.clone(), m)).copied().unwrap_or(Stat::NAN);
    let share = M::CatastrophicShare.def().unit;
    let bars: Vec<Stat> = groups
        .iter()
        .map(|g| get(g, M::CatastrophicShare).scaled(100.0).clipped(share, 100.0))
        .collect();
    let before: Vec<f64> = groups
        .iter()
        .map(|g| get(g, M::CatastrophicShareBeforeSeriousIllness).mean * 100.0)
        .collect();
    let notes = groups
        .iter()
        .zip(&bars)
        .map(|(g, s)| {
            format!(
                "{}%; out-of-pocket {} CNY per resident-year",
                canvas::fmt_num(s.mean, 1),
                canvas::fmt_num(get(g, M::OopPerResident).mean, 0)
            )
        })
        .collect();
    let colour = RGBColor(120, 90, 150);
    Ok(Some(Figure::Bars(Bars {
        title: "Catastrophic health expenditure by income group, with 95% intervals".into(),
        categories: groups.clone(),
        colours: vec![colour; groups.len()],
        series: vec![BarSeries {
            shade: 0.0,
            values: bars.iter().map(|s| s.mean).collect(),
            intervals: Some(bars.iter().map(|s| (s.lo, s.hi)).collect()),
            notes,
        }],
        stacked: false,
        markers: vec![MarkerSeries {
            marker: Marker::Circle,
            values: before,
        }],
        legend: vec![
            LegendEntry::new("after every payer (bar)", Swatch::Box(colour)),
            LegendEntry::new("before serious-illness insurance", Swatch::Marker(Marker::Circle)),
        ],
        x_desc: "Resident-years with catastrophic out-of-pocket spending (%)".into(),
        y_desc: "Income group".into(),
        unit: Unit::Percent,
        note: intervals_note(tables::replications(bars.iter()), "Means over replications"),
        bounds: Unit::Percent.bounds(),
    })))
}

/// Tier metrics by (tier, metric), for the tiers present in tiers.csv.
struct TierStats {
    tiers: Vec<Tier>,
    stats: BTreeMap<(Tier, MetricId), Stat>,
    /// Replications behind the means.
    n: u32,
}

impl TierStats {
    fn new(table: &Table) -> Result<TierStats, PlotError> {
        let (tier, stat) = (table.col("tier")?, tables::stats(table)?);
        let mut stats = BTreeMap::new();
        for r in table.rows() {
            let (Some(t), Some(m)) = (tier_named(r.get(tier).unwrap_or("")), table.metric(r)) else {
                continue;
            };
            stats.insert((t, m), stat(r));
        }
        let tiers = Tier::ALL
            .into_iter()
            .filter(|t| stats.keys().any(|(k, _)| k == t))
            .collect();
        let n = tables::replications(stats.values());
        Ok(TierStats { tiers, stats, n })
    }

    fn get(&self, tier: Tier, metric: MetricId) -> Stat {
        self.stats.get(&(tier, metric)).copied().unwrap_or(Stat::NAN)
    }

    fn names(&self) -> Vec<String> {
        self.tiers.iter().map(|t| t.name().to_string()).collect()
    }

    fn colours(&self) -> Vec<RGBColor> {
        self.tiers.iter().map(|t| tier_colour(*t)).collect()
    }

    /// One series of a metric over the tiers, scaled by `k`, with intervals
    /// cut to the metric's range (an interval reaching below 0 says
    /// "small", not "negative"; a share's stops at 100%).
    fn series(&self, metric: MetricId, k: f64, shade: f64) -> BarSeries {
        let unit = metric.def().unit;
        let stats: Vec<Stat> = self
            .tiers
            .iter()
            .map(|t| self.get(*t, metric).scaled(k).clipped(unit, k))
            .collect();
        BarSeries {
            shade,
            values: stats.iter().map(|s| s.mean).collect(),
            intervals: Some(stats.iter().map(|s| (s.lo, s.hi)).collect()),
            notes: Vec::new(),
        }
    }

    /// The footnote of a chart of these means.
    fn note(&self, what: &str) -> String {
        intervals_note(self.n, what)
    }

    /// A bar chart with one bar per tier; fields are filled in by the caller.
    fn bars(&self, title: String, series: Vec<BarSeries>, x_desc: &str, unit: Unit) -> Bars {
        Bars {
            title,
            categories: self.names(),
            colours: self.colours(),
            series,
            stacked: false,
            markers: Vec::new(),
            legend: Vec::new(),
            x_desc: x_desc.into(),
            y_desc: "Tier".into(),
            unit,
            note: self.note("Means over replications"),
            bounds: unit.bounds(),
        }
    }
}

fn tier_named(name: &str) -> Option<Tier> {
    Tier::ALL.into_iter().find(|t| t.name() == name)
}

fn first_contact(t: &TierStats, grassroots: Option<Stat>) -> Figure {
    let share = grassroots.map(|s| s.mean * 100.0).filter(|v| v.is_finite());
    let title = match share {
        Some(g) => format!("First contact by tier (grassroots: {g:.1}%), with 95% intervals"),
        None => "First contact by tier, with 95% intervals".to_string(),
    };
    let series = vec![t.series(M::FirstContactShare, 100.0, 0.0)];
    Figure::Bars(t.bars(
        title,
        series,
        "Share of episodes whose first visit is at the tier (%)",
        Unit::Percent,
    ))
}

fn waits(t: &TierStats) -> Figure {
    let marker = |metric: MetricId, marker: Marker| MarkerSeries {
        marker,
        values: t.tiers.iter().map(|tier| t.get(*tier, metric).mean).collect(),
    };
    let series = vec![t.series(M::WaitMeanMinutes, 1.0, 0.0)];
    let mut bars = t.bars(
        "Wait for a doctor by tier: mean (bar, 95% interval) and quantiles".into(),
        series,
        "Wait from arrival to service (minutes)",
        Unit::Minutes,
    );
    // One note per tier with every number, so none is mistaken for a marker's.
    bars.series[0].notes = t
        .tiers
        .iter()
        .map(|tier| {
            let m = |metric: MetricId| canvas::fmt_num(t.get(*tier, metric).mean, 1);
            format!(
                "mean {}, p50 {}, p90 {}, p95 {} min",
                m(M::WaitMeanMinutes),
                m(M::WaitP50Minutes),
                m(M::WaitP90Minutes),
                m(M::WaitP95Minutes)
            )
        })
        .collect();
    bars.markers = vec![
        marker(M::WaitP50Minutes, Marker::Circle),
        marker(M::WaitP90Minutes, Marker::Triangle),
        marker(M::WaitP95Minutes, Marker::Cross),
    ];
    bars.legend = vec![
        LegendEntry::new("mean", Swatch::Box(RGBColor(150, 150, 150))),
        LegendEntry::new("median (p50)", Swatch::Marker(Marker::Circle)),
        LegendEntry::new("p90", Swatch::Marker(Marker::Triangle)),
        LegendEntry::new("p95", Swatch::Marker(Marker::Cross)),
    ];
    Figure::Bars(bars)
}

fn money(t: &TierStats) -> Figure {
    let mut fund = t.series(M::Fund, 1.0, 0.0);
    let mut oop = t.series(M::Oop, 1.0, 0.55);
    // Whiskers on stacked segments read as the stack's uncertainty; leave them out.
    fund.intervals = None;
    oop.intervals = None;
    let mut bars = t.bars(
        "Money billed by tier: fund and out-of-pocket (mean per replication)".into(),
        vec![fund, oop],
        "Amount billed over the measured days (CNY)",
        Unit::Cny,
    );
    bars.stacked = true;
    bars.note = match t.n {
        0 => "Means over replications".into(),
        n => format!("Means over n = {n} replications"),
    };
    bars.legend = vec![
        LegendEntry::new("paid by the fund (dark)", Swatch::Box(RGBColor(110, 110, 110))),
        LegendEntry::new("out-of-pocket (light)", Swatch::Box(RGBColor(200, 200, 200))),
    ];
    Figure::Bars(bars)
}

/// Up and down referrals by tier. A direction no tier used (down-referral
/// turned off) and a tier that sent none are left out, not drawn as 0 bars.
fn referrals(t: &TierStats) -> Figure {
    let title = "Referrals sent by each tier (mean per replication, 95% intervals)";
    let up = t.series(M::ReferralsUpOut, 1.0, 0.0);
    let down = t.series(M::ReferralsDownOut, 1.0, 0.55);
    let mut unused: Vec<&str> = Vec::new();
    if up.is_empty() {
        unused.push("no tier referred up");
    }
    if down.is_empty() {
        unused.push("no tier referred down");
    }
    let (series, legend, kept) = bars::drop_empty(vec![
        (
            up,
            LegendEntry::new("referred up (dark)", Swatch::Box(RGBColor(110, 110, 110))),
        ),
        (
            down,
            LegendEntry::new("follow-ups referred down (light)", Swatch::Box(RGBColor(200, 200, 200))),
        ),
    ]);
    if series.is_empty() {
        return Figure::empty(title, "No tier sent a referral");
    }
    let silent: Vec<&str> = (0..t.tiers.len())
        .filter(|i| !kept.contains(i))
        .map(|i| t.tiers[i].name())
        .collect();
    let silent = format!("{} sent none", silent.join(", "));
    if kept.len() < t.tiers.len() {
        unused.push(&silent);
    }
    let mut bars = t.bars(
        title.into(),
        series,
        "Referrals sent over the measured days (count)",
        Unit::Count,
    );
    bars.categories = kept.iter().map(|&i| t.tiers[i].name().to_string()).collect();
    bars.colours = kept.iter().map(|&i| tier_colour(t.tiers[i])).collect();
    bars.legend = legend;
    if !unused.is_empty() {
        bars.note = format!("{} (left out: {})", bars.note, unused.join("; "));
    }
    Figure::Bars(bars)
}

/// A daily metric per tier, averaged over replications day by day.
fn daily_lines(daily: &Table, metric: MetricId, title: &str, y_desc: &str) -> Result<Option<Figure>, PlotError> {
    let (day, tier, value) = (daily.col("day")?, daily.col("tier")?, daily.col("value")?);
    let rep = daily.col("replication").ok();
    let mut reps: Vec<&str> = Vec::new();
    let mut sums: BTreeMap<(Tier, i64), (f64, u32)> = BTreeMap::new();
    for r in daily.rows().iter().filter(|r| daily.metric(r) == Some(metric)) {
        if let Some(id) = rep.and_then(|c| r.get(c))
            && !reps.contains(&id)
        {
            reps.push(id);
        }
        let (Some(t), Ok(d)) = (
            tier_named(r.get(tier).unwrap_or("")),
            r.get(day).unwrap_or("").parse::<i64>(),
        ) else {
            continue;
        };
        let e = sums.entry((t, d)).or_insert((0.0, 0));
        let v = tables::num(r.get(value));
        if v.is_finite() {
            e.0 += v;
            e.1 += 1;
        }
    }
    let series: Vec<LineSeries> = Tier::ALL
        .into_iter()
        .filter(|t| sums.keys().any(|(k, _)| k == t))
        .map(|t| LineSeries {
            name: t.name().to_string(),
            colour: tier_colour(t),
            points: sums
                .range((t, i64::MIN)..=(t, i64::MAX))
                .map(|((_, d), (s, n))| (*d as f64, if *n > 0 { s / f64::from(*n) } else { f64::NAN }))
                .collect(),
            band: Vec::new(),
        })
        .collect();
    if series.is_empty() {
        return Ok(None);
    }
    Ok(Some(Figure::Lines(Lines {
        title: title.into(),
        series,
        x_desc: "Day of the simulation".into(),
        y_desc: y_desc.into(),
        style: Style::Lines,
        y_from_zero: true,
        legend: true,
        bounds: metric.def().bounds(),
        note: match reps.len() {
            0 => "Day by day mean over replications".into(),
            n => format!("Day by day mean over n = {n} replications"),
        },
    })))
}

/// Facilities' `metric` (a share, drawn in %) as bars, largest first,
/// coloured by tier; facilities where it is undefined (e.g. no beds) are
/// left out.
fn facility_bars(table: &Table, metric: MetricId, title: &str, x_desc: &str) -> Result<Option<Figure>, PlotError> {
    let (name, tier, stat) = (table.col("facility")?, table.col("tier")?, tables::stats(table)?);
    let mut rows: Vec<(String, Tier, Stat)> = table
        .rows()
        .iter()
        .filter(|r| table.metric(r) == Some(metric))
        .filter_map(|r| {
            Some((
                r.get(name)?.to_string(),
                tier_named(r.get(tier)?)?,
                stat(r).scaled(100.0).clipped(metric.def().unit, 100.0),
            ))
        })
        .filter(|(_, _, s)| s.mean.is_finite())
        .collect();
    let n = tables::replications(rows.iter().map(|r| &r.2));
    if rows.is_empty() {
        return Ok(None);
    }
    rows.sort_by(|a, b| b.2.mean.total_cmp(&a.2.mean).then_with(|| a.0.cmp(&b.0)));
    let legend = Tier::ALL
        .into_iter()
        .filter(|t| rows.iter().any(|r| r.1 == *t))
        .map(|t| LegendEntry::new(t.name(), Swatch::Box(tier_colour(t))))
        .collect();
    let series = BarSeries {
        shade: 0.0,
        values: rows.iter().map(|r| r.2.mean).collect(),
        intervals: Some(rows.iter().map(|r| (r.2.lo, r.2.hi)).collect()),
        notes: Vec::new(),
    };
    Ok(Some(Figure::Bars(Bars {
        title: format!("{title}, {} facilities, with 95% intervals", rows.len()),
        categories: rows.iter().map(|r| r.0.clone()).collect(),
        colours: rows.iter().map(|r| tier_colour(r.1)).collect(),
        series: vec![series],
        stacked: false,
        markers: Vec::new(),
        legend,
        x_desc: x_desc.into(),
        y_desc: String::new(),
        unit: Unit::Percent,
        note: intervals_note(n, "Means over replications"),
        bounds: Unit::Percent.bounds(),
    })))
}
