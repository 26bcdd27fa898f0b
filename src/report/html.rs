//! Self-contained HTML reports: a scenario summary, tables and the charts
//! inline as SVG, in one file that opens offline in any browser.
//!
//! Reports are built from saved tables only (like charts), so `tiersim
//! plot DIR` can rebuild them without rerunning anything.

use std::path::Path;

use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::compare::Row;
use crate::compare::buys::Purchase;
use crate::compare::fieller::Interval;
use crate::plot::units;
use crate::scenario::Scenario;

use super::thousands;

/// A chart to place in a report: its file stem in `charts/` and SVG markup
/// (which carries its own title).
pub struct Figure<'a> {
    /// File stem of `charts/<name>.png` and `.svg`.
    pub name: &'a str,
    /// The SVG document.
    pub svg: &'a str,
}

/// The report's style sheet. Wide tables scroll sideways inside their
/// `.scroll` wrapper instead of running past the page (or being cut off),
/// and header cells wrap at the underscores of metric names.
const STYLE: &str = "body{font-family:'DejaVu Sans',Verdana,'Droid Sans Fallback','Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',sans-serif;max-width:1280px;margin:2em auto;padding:0 1em;color:#222}\
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ccc}\
.sub{color:#555}table{border-collapse:collapse;margin:0;font-size:.9em}\
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:right}th{background:#f2f2f2;white-space:normal;vertical-align:bottom}\
td:first-child,th:first-child{text-align:left}figure{margin:1.5em 0}figcaption{font-weight:bold;margin-bottom:.4em}\
figure svg{max-width:100%;height:auto}.files a{margin-right:1em}td{white-space:nowrap}\
.scroll{overflow-x:auto;max-width:100%;margin:1em 0}figcaption a{font-weight:normal;margin-left:.6em}";

/// A whole page. Every interpolated value is escaped by `maud`; only the
/// style sheet above and our own SVG charts go in unescaped.
pub fn page(title: &str, subtitle: &str, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                h1 { (title) }
                p.sub { (subtitle) }
                (body)
            }
        }
    }
    .into_string()
}

/// A header cell's text with a line-break opportunity after each
/// underscore and dot, so long metric names wrap.
fn breakable(name: &str) -> Markup {
    html! {
        @for (i, part) in name.split_inclusive(['_', '.']).enumerate() {
            @if i > 0 { wbr; }
            (part)
        }
    }
}

/// An HTML table inside a wrapper that scrolls sideways when the table is
/// wider than the page; no header row when `headers` is empty.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> Markup {
    html! {
        div.scroll {
            table {
                @if !headers.is_empty() {
                    tr { @for h in headers { th { (breakable(h)) } } }
                }
                @for row in rows {
                    tr { @for c in row { td { (c) } } }
                }
            }
        }
    }
}

/// Every figure, inline.
pub fn figures(figs: &[Figure]) -> Markup {
    html! {
        h2 { "Charts" }
        @for f in figs {
            figure {
                // Our own SVG, drawn by plotters (which escapes its text);
                // the XML prolog is dropped: it is not allowed inside HTML.
                (PreEscaped(f.svg.find("<svg").map_or(f.svg, |i| &f.svg[i..])))
                figcaption {
                    a href={ "charts/" (f.name) ".png" } { (f.name) ".png" }
                    a href={ "charts/" (f.name) ".svg" } { (f.name) ".svg" }
                }
            }
        }
    }
}

/// Links to the folder's tables that exist.
pub fn file_links(dir: &Path, names: &[&str]) -> Markup {
    html! {
        p.files {
            "Tables: "
            @for n in names.iter().filter(|n| dir.join(n).is_file()) {
                a href=(n) { (n) }
            }
        }
    }
}

/// What a scenario is, in a few lines.
pub fn scenario_summary(s: &Scenario) -> Markup {
    let by_tier: Vec<String> = crate::scenario::Tier::ALL
        .iter()
        .map(|t| format!("{} {}", s.facilities.iter().filter(|f| f.tier == *t).count(), t.name()))
        .collect();
    let rows = vec![
        vec!["scenario".into(), s.name.clone()],
        vec!["residents".into(), thousands(s.population() as f64)],
        vec!["facilities".into(), by_tier.join(", ")],
        vec![
            "regions".into(),
            s.regions.iter().map(|r| r.name.clone()).collect::<Vec<_>>().join(", "),
        ],
        vec![
            "simulated".into(),
            format!(
                "{} days ({} warm-up), {} replication(s), seed {}",
                s.days, s.warmup_days, s.replications, s.seed
            ),
        ],
    ];
    html! { h2 { "Scenario" } (table(&[], &rows)) }
}

/// A number for a report cell, written for the metric's unit
/// ([`units::Unit::value`]): shares as %, counts whole, thousands separated.
pub fn cell(metric: &str, x: f64) -> String {
    units::unit_of(metric).value(x)
}

/// A mean with the half-width of its 95% interval, written for the
/// metric's unit ([`units::Unit::estimate`]): "31.2% ± 1.1%", "26,882 ±
/// 489", and "0" rather than "0.00 ± 0.00".
pub fn estimate(metric: &str, mean: f64, half: f64) -> String {
    units::unit_of(metric).estimate(mean, half)
}

/// Whether a metric is a fraction (shown as %, its changes in percentage points).
pub fn is_fraction(metric: &str) -> bool {
    units::unit_of(metric) == units::Unit::Share
}

/// A change in a metric, signed: fractions in percentage points
/// (3.8% -> 0.0% is "-3.8 pp", never "-3.8%"), others in the metric's unit.
pub fn change_cell(metric: &str, x: f64) -> String {
    if !x.is_finite() {
        "-".into()
    } else if is_fraction(metric) {
        format!("{:+.1} pp", 100.0 * x)
    } else {
        let sign = if x > 0.0 {
            "+"
        } else if x < 0.0 {
            "-"
        } else {
            ""
        };
        format!("{sign}{}", cell(metric, x.abs()))
    }
}

/// A standardised effect (difference / standard error) for a table.
pub fn effect_cell(t: f64) -> String {
    if t.is_nan() {
        "-".into()
    } else if t.is_infinite() {
        if t > 0.0 { "+inf" } else { "-inf" }.into()
    } else {
        format!("{t:+.1}")
    }
}

/// One comparison row as cells: label, baseline, reform, difference, its
/// interval and the standardised effect (the report and the terminal share it).
pub fn compare_cells(r: &Row) -> Vec<String> {
    vec![
        r.label(),
        cell(&r.metric, r.baseline),
        cell(&r.metric, r.reform),
        change_cell(&r.metric, r.diff),
        format!(
            "[{}, {}]",
            change_cell(&r.metric, r.ci_low),
            change_cell(&r.metric, r.ci_high)
        ),
        effect_cell(r.standardised()),
    ]
}

/// An interval's end in money, infinite ends spelled out.
fn money_end(x: f64) -> String {
    if x.is_infinite() {
        if x > 0.0 { "+inf" } else { "-inf" }.into()
    } else {
        cell("fund_total", x)
    }
}

/// A Fieller set in words: a finite interval as "[a, b]", never an
/// unbounded one written as if it were a number.
pub fn interval_cell(set: &Interval) -> String {
    match set {
        Interval::Between(lo, hi) => {
            // A ray (one infinite end) is open at that end.
            let open = if lo.is_infinite() { "(" } else { "[" };
            let close = if hi.is_infinite() { ")" } else { "]" };
            format!("{open}{}, {}{close}", money_end(*lo), money_end(*hi))
        }
        Interval::Outside(lo, hi) => format!("unbounded: <= {} or >= {}", money_end(*lo), money_end(*hi)),
        Interval::Everything => "unbounded: any value".into(),
        Interval::NotEstimable(why) => format!("not estimable: {why}"),
    }
}

/// One purchase of a comparison as cells: what it buys, the fund's change,
/// the effect's change, the ratio, its Fieller set and the verdict (the
/// report and the terminal share it).
pub fn buys_cells(p: &Purchase) -> Vec<String> {
    let label = format!("fund {}", p.effect.per());
    match &p.estimate {
        Ok(e) => {
            let unit = p.effect.metric().name();
            vec![
                label,
                change_cell("fund_total", e.cost.mean),
                format!("{} {}", change_cell(unit, e.effect.mean), p.effect.change()),
                cell("fund_total", e.ratio),
                interval_cell(&e.interval),
                p.verdict(),
            ]
        }
        Err(why) => vec![label, "-".into(), "-".into(), "-".into(), "-".into(), why.clone()],
    }
}

/// The header of the purchases table.
pub const BUYS_HEADER: [&str; 6] = [
    "what the reform buys",
    "fund_total change",
    "effect change",
    "ratio",
    "95% interval (Fieller)",
    "verdict",
];

/// The purchases table of a comparison.
pub fn buys_table(purchases: &[Purchase]) -> Markup {
    let body: Vec<Vec<String>> = purchases.iter().map(buys_cells).collect();
    table(&BUYS_HEADER, &body)
}

/// The differences table of a comparison.
pub fn compare_table(rows: &[&Row]) -> Markup {
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut cells = compare_cells(r);
            cells.push(r.n.to_string());
            cells
        })
        .collect();
    table(
        &[
            "metric",
            "baseline",
            "reform",
            "difference",
            "95% interval",
            "difference / SE",
            "n",
        ],
        &body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unbounded_fieller_set_is_written_in_words_never_as_a_number() {
        assert_eq!(interval_cell(&Interval::Between(-1825.7, 173.4)), "[-1,826, 173]");
        assert_eq!(
            interval_cell(&Interval::Outside(-2.159, 1.397)),
            "unbounded: <= -2.16 or >= 1.40"
        );
        assert_eq!(interval_cell(&Interval::Between(12.5, f64::INFINITY)), "[12.5, +inf)");
        assert_eq!(interval_cell(&Interval::Everything), "unbounded: any value");
        assert_eq!(
            interval_cell(&Interval::NotEstimable("needs 2 or more paired replications")),
            "not estimable: needs 2 or more paired replications"
        );
    }

    #[test]
    fn share_changes_are_percentage_points_and_other_changes_signed() {
        assert_eq!(change_cell("bypass_rate", -0.038), "-3.8 pp");
        assert_eq!(change_cell("first_contact_share", 0.05), "+5.0 pp");
        assert_eq!(change_cell("wait_mean_minutes", -2.5), "-2.5");
        assert_eq!(change_cell("cost_total", 12345.0), "+12,345");
        assert_eq!(effect_cell(f64::NEG_INFINITY), "-inf");
        assert_eq!(effect_cell(2.04), "+2.0");
    }

    #[test]
    fn every_value_is_escaped_and_headers_wrap() {
        let rows = vec![vec!["<b>&\"x\"".to_string()]];
        let t = table(&["wait_mean.minutes"], &rows).into_string();
        assert!(t.contains("<td>&lt;b&gt;&amp;&quot;x&quot;</td>"), "{t}");
        assert!(t.contains("<th>wait_<wbr>mean.<wbr>minutes</th>"), "{t}");
        let p = page("A <script>", "b & c", html! { p { "<i>" } });
        assert!(p.starts_with("<!DOCTYPE html>"));
        assert!(p.contains("<title>A &lt;script&gt;</title>") && p.contains("b &amp; c") && p.contains("&lt;i&gt;"));
        assert!(!p.contains("<script>") && !p.contains("<i>"));
    }
}
