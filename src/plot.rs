//! Charts drawn from saved output tables, as PNG and SVG.
//!
//! Charts read the summary tables a run or sweep wrote (never the
//! simulation), so `tiersim plot DIR` can redraw them at any time. Drawing
//! is pure Rust: plotters' bitmap and SVG backends with DejaVu Sans
//! embedded and rasterised by ab_glyph, so no fontconfig or freetype is
//! needed. Nothing depends on the clock or on hash order, so the same
//! tables give byte-identical files.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::style::{FontStyle, RGBColor};

use crate::scenario::Tier;

mod bars;
mod canvas;
mod labels;
mod lines;
mod run;
mod sweep;
mod tables;
mod text;
pub mod units;

use bars::{BarSeries, Bars};
use canvas::{Figure, Unit};

/// One chart, rendered both ways.
#[derive(Clone, Debug)]
pub struct Chart {
    /// File stem, e.g. "first_contact_share".
    pub name: String,
    /// Title drawn on the chart (also a caption for reports).
    pub title: String,
    /// The SVG document.
    pub svg: String,
    /// The PNG file's bytes.
    pub png: Vec<u8>,
}

/// Why charts could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// A table the charts need is not in the folder.
    #[error("{}: not found (is this a tiersim output folder?)", .0.display())]
    Missing(PathBuf),
    /// A table could not be read or parsed.
    #[error("{}: {message}", path.display())]
    Table {
        /// The file.
        path: PathBuf,
        /// The reason.
        message: String,
    },
    /// Drawing or encoding a chart failed.
    #[error("drawing chart `{chart}`: {message}")]
    Draw {
        /// The chart's name.
        chart: String,
        /// The reason.
        message: String,
    },
}

/// A paired difference reform - baseline with its 95% interval.
#[derive(Clone, Debug, PartialEq)]
pub struct Difference {
    /// What changed, e.g. "county wait_mean_minutes".
    pub label: String,
    /// Baseline mean.
    pub baseline: f64,
    /// Reform mean.
    pub reform: f64,
    /// Mean paired difference reform - baseline.
    pub diff: f64,
    /// Lower end of the 95% interval of `diff`.
    pub ci_low: f64,
    /// Upper end of the 95% interval of `diff`.
    pub ci_high: f64,
    /// Paired replications behind it.
    pub n: u32,
}

/// The font family every chart names: SVGs write it as their CSS
/// `font-family`, so a viewer without DejaVu Sans falls back to a font with
/// CJK glyphs. PNG text is laid out and drawn by [`text::Typeset`] with the
/// embedded DejaVu Sans and Droid Sans Fallback, glyph by glyph.
const FONT: &str =
    "DejaVu Sans, Droid Sans Fallback, Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif";

static FONTS: Once = Once::new();

/// Registers the embedded Latin fonts with plotters once per process, for
/// any plotters code that measures text itself rather than asking the
/// backend (our backends answer with [`text::Fonts`]).
fn register_fonts() {
    FONTS.call_once(|| {
        let (regular, bold) = (text::REGULAR, text::BOLD);
        for family in [FONT, "sans-serif"] {
            // The bytes are a valid TrueType file compiled in; a failure here
            // would surface as a drawing error ("font unavailable") later.
            let _ = plotters::style::register_font(family, FontStyle::Normal, regular);
            let _ = plotters::style::register_font(family, FontStyle::Bold, bold);
        }
    });
}

/// A tier's colour, the same in every chart (Okabe-Ito, colour-blind safe).
pub fn tier_colour(tier: Tier) -> RGBColor {
    match tier {
        Tier::Village => RGBColor(0, 158, 115),
        Tier::Township => RGBColor(0, 114, 178),
        Tier::County => RGBColor(230, 159, 0),
        Tier::Regional => RGBColor(204, 121, 167),
    }
}

/// Charts of a `tiersim run` output folder, from its tables only.
pub fn run_charts(dir: &Path) -> Result<Vec<Chart>, PlotError> {
    register_fonts();
    run::figures(dir)?
        .into_iter()
        .map(|(name, fig)| fig.render(&name))
        .collect()
}

/// Charts of a sweep folder, from `points.csv` and `points/manifest.json`.
/// Sweeps of unusual shapes give fewer charts, never an error.
pub fn sweep_charts(dir: &Path) -> Result<Vec<Chart>, PlotError> {
    register_fonts();
    sweep::figures(dir)?
        .into_iter()
        .map(|(name, fig)| fig.render(&name))
        .collect()
}

/// Horizontal bars of the (up to 20) largest changes relative to the
/// baseline, in %, with the 95% interval as whiskers, largest first.
/// Differences with a zero or undefined baseline have no relative change
/// and are left out.
pub fn compare_chart(diffs: &[Difference]) -> Result<Chart, PlotError> {
    register_fonts();
    compare_figure(diffs).render("compare")
}

fn compare_figure(diffs: &[Difference]) -> Figure {
    let title = "Largest changes, reform vs baseline (% of baseline, 95% interval)";
    let mut rel: Vec<(&Difference, f64)> = diffs
        .iter()
        .filter(|d| d.baseline.is_finite() && d.baseline != 0.0 && d.diff.is_finite())
        .map(|d| (d, 100.0 * d.diff / d.baseline.abs()))
        .collect();
    rel.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then_with(|| a.0.label.cmp(&b.0.label)));
    rel.truncate(20);
    if rel.is_empty() {
        return Figure::empty(title, "No differences with a non-zero baseline to show");
    }
    let scale = |d: &Difference, x: f64| 100.0 * x / d.baseline.abs();
    let series = BarSeries {
        shade: 0.0,
        values: rel.iter().map(|r| r.1).collect(),
        intervals: Some(
            rel.iter()
                .map(|(d, _)| (scale(d, d.ci_low), scale(d, d.ci_high)))
                .collect(),
        ),
        notes: rel
            .iter()
            .map(|(d, r)| {
                let digits = canvas::digits_for(d.baseline.abs().max(d.reform.abs()));
                format!(
                    "{:+.1}% ({} → {})",
                    r,
                    canvas::fmt_num(d.baseline, digits),
                    canvas::fmt_num(d.reform, digits)
                )
            })
            .collect(),
    };
    Figure::Bars(Bars {
        title: title.into(),
        categories: rel.iter().map(|(d, _)| d.label.clone()).collect(),
        colours: vec![RGBColor(90, 96, 120); rel.len()],
        series: vec![series],
        stacked: false,
        markers: Vec::new(),
        legend: Vec::new(),
        x_desc: "Change relative to baseline (%)".into(),
        y_desc: String::new(),
        unit: Unit::Percent,
        note: tables::intervals_note(
            rel.iter().map(|(d, _)| d.n).max().unwrap_or(0),
            "Paired differences reform - baseline",
        ),
        // Relative changes of any sign and size.
        bounds: (f64::NEG_INFINITY, f64::INFINITY),
    })
}

/// Writes `dir/charts/<name>.png` and `.svg` for every chart, each through
/// a temporary file and a rename so readers never see half a file.
pub fn write_charts(dir: &Path, charts: &[Chart]) -> io::Result<()> {
    let out = dir.join("charts");
    fs::create_dir_all(&out)?;
    for c in charts {
        crate::report::write_file_atomic(&out.join(format!("{}.png", c.name)), &c.png)?;
        crate::report::write_file_atomic(&out.join(format!("{}.svg", c.name)), c.svg.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
