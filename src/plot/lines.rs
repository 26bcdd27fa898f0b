//! Lines over a numeric axis (daily series, 1-D sweeps) and heatmaps (2-D
//! sweeps).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::RGBColor;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::{
    Coord, DrawResult, LegendEntry, Marker, Swatch, Ticks, Unit, category_axis, fit, frame, label_axes, slot, text,
    tint,
};

/// How a series is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    /// Joined points, the interval as a shaded band.
    Lines,
    /// Joined points with markers, the interval as a shaded band.
    LinesAndPoints,
    /// Unjoined points with vertical interval whiskers (other parameters
    /// vary between neighbours, so joining them would mislead).
    Points,
}

/// A line chart.
pub(crate) struct Lines {
    /// Title.
    pub title: String,
    /// Series.
    pub series: Vec<LineSeries>,
    /// x axis label, with its unit.
    pub x_desc: String,
    /// y axis label, with its unit.
    pub y_desc: String,
    /// How series are drawn.
    pub style: Style,
    /// Start the y axis at zero (counts and waits).
    pub y_from_zero: bool,
    /// Show a legend of series names.
    pub legend: bool,
    /// The range y values can take (a share's 0..100%): bands and the axis
    /// stop there.
    pub bounds: (f64, f64),
    /// Footnote under the plot.
    pub note: String,
}

/// One line.
pub(crate) struct LineSeries {
    /// Legend label.
    pub name: String,
    /// Colour.
    pub colour: RGBColor,
    /// (x, y) in x order; an undefined y breaks the line.
    pub points: Vec<(f64, f64)>,
    /// (x, low, high) of the 95% interval; may be empty.
    pub band: Vec<(f64, f64, f64)>,
}

/// Runs of consecutive items for which `ok` holds (gaps break lines and bands).
fn runs<T: Copy>(items: &[T], ok: impl Fn(&T) -> bool) -> Vec<Vec<T>> {
    items
        .split(|t| !ok(t))
        .filter(|r| !r.is_empty())
        .map(<[T]>::to_vec)
        .collect()
}

impl Lines {
    fn ranges(&self) -> (Ticks, Ticks) {
        let xs = self.series.iter().flat_map(|s| s.points.iter().map(|p| p.0));
        let ys = self.series.iter().flat_map(|s| {
            s.points
                .iter()
                .map(|p| p.1)
                .chain(s.band.iter().flat_map(|b| [b.1, b.2]))
        });
        let (mut x0, mut x1) = min_max(xs);
        if self.style != Style::Lines {
            // Room for markers at the ends.
            let pad = (x1 - x0) * 0.04;
            (x0, x1) = (x0 - pad, x1 + pad);
        }
        let (mut y0, mut y1) = min_max(ys);
        if self.y_from_zero {
            y0 = y0.min(0.0);
            y1 = y1.max(0.0);
        }
        (Ticks::nice(x0, x1, 10), Ticks::nice(y0, y1, 8).within(self.bounds))
    }

    pub(crate) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let legend: Vec<LegendEntry> = if self.legend {
            self.series
                .iter()
                .map(|s| LegendEntry::new(s.name.clone(), Swatch::Line(s.colour)))
                .collect()
        } else {
            Vec::new()
        };
        let body = frame(root, &self.title, &legend, &self.note)?;
        let (xt, yt) = self.ranges();
        let mut chart = ChartBuilder::on(&body)
            .margin(10)
            .margin_right(40)
            .x_label_area_size(56)
            .y_label_area_size(96)
            .build_cartesian_2d(xt.axis(), yt.axis())?;
        let x_fmt = |v: &f64| xt.label(*v);
        let y_fmt = |v: &f64| yt.label(*v);
        let desc = (self.x_desc.as_str(), self.y_desc.as_str());
        label_axes(&mut chart.configure_mesh(), desc, &x_fmt, &y_fmt)
            .bold_line_style(RGBColor(225, 225, 225))
            .draw()?;
        for s in &self.series {
            self.draw_series(&mut chart, s)?;
        }
        Ok(())
    }

    fn draw_series<DB: DrawingBackend>(
        &self,
        chart: &mut ChartContext<'_, DB, Coord>,
        s: &LineSeries,
    ) -> DrawResult<(), DB> {
        let finite = |p: &(f64, f64)| p.0.is_finite() && p.1.is_finite();
        let band_ok = |b: &(f64, f64, f64)| b.0.is_finite() && b.1.is_finite() && b.2.is_finite();
        if self.style == Style::Points {
            let bars = s.band.iter().filter(|b| band_ok(b));
            let style = s.colour.stroke_width(2);
            chart.draw_series(bars.map(|b| PathElement::new(vec![(b.0, b.1), (b.0, b.2)], style)))?;
        } else {
            for run in runs(&s.band, band_ok) {
                let mut outline: Vec<(f64, f64)> = run.iter().map(|b| (b.0, b.1)).collect();
                outline.extend(run.iter().rev().map(|b| (b.0, b.2)));
                // A light tint rather than transparency keeps PNG and SVG alike.
                chart.draw_series(std::iter::once(Polygon::new(outline, tint(s.colour, 0.75).filled())))?;
            }
            for run in runs(&s.points, finite) {
                chart.draw_series(plotters::series::LineSeries::new(run, s.colour.stroke_width(2)))?;
            }
        }
        if self.style != Style::Lines {
            let area = chart.plotting_area();
            for p in s.points.iter().filter(|p| finite(p)) {
                super::canvas::draw_marker(area, *p, Marker::Circle, s.colour)?;
            }
        }
        Ok(())
    }
}

/// Smallest and largest finite value (0, 1 when there is none).
pub(crate) fn min_max(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo <= hi { (lo, hi) } else { (0.0, 1.0) }
}

/// A heatmap of a metric over a grid of two parameters.
pub(crate) struct Heatmap {
    /// Title.
    pub title: String,
    /// x axis label.
    pub x_desc: String,
    /// y axis label.
    pub y_desc: String,
    /// Label of the colour scale, with its unit.
    pub scale_desc: String,
    /// Column labels, left to right.
    pub x_labels: Vec<String>,
    /// Row labels, bottom to top.
    pub y_labels: Vec<String>,
    /// `cells[row][column]`; undefined cells are grey.
    pub cells: Vec<Vec<f64>>,
    /// Unit of the values (cell labels).
    pub unit: Unit,
    /// Footnote under the plot.
    pub note: String,
}

/// Width of the colour scale at the right.
const SCALE_W: u32 = 190;
/// Cells are labelled with their value up to this many.
const MAX_LABELLED_CELLS: usize = 144;

/// Viridis, sampled at 0, 1/4, 1/2, 3/4 and 1 and interpolated linearly:
/// perceptually ordered, readable in grey and by colour-blind readers.
pub(crate) fn viridis(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.5 };
    let pos = t * 4.0;
    let i = (pos.floor() as usize).min(3);
    let f = pos - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |x: f64, y: f64| (x + (y - x) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

impl Heatmap {
    fn range(&self) -> (f64, f64) {
        let (lo, hi) = min_max(self.cells.iter().flatten().copied());
        if hi > lo {
            (lo, hi)
        } else {
            (lo - 0.5 * lo.abs().max(1e-9), hi + 0.5 * hi.abs().max(1e-9))
        }
    }

    fn colour(&self, v: f64) -> RGBColor {
        if !v.is_finite() {
            return RGBColor(200, 200, 200);
        }
        let (lo, hi) = self.range();
        viridis((v - lo) / (hi - lo))
    }

    pub(crate) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let body = frame(root, &self.title, &[], &self.note)?;
        let (w, _) = body.dim_in_pixel();
        let (main, scale) = body.split_horizontally(w - SCALE_W);
        self.draw_cells(&main)?;
        self.draw_scale(&scale)
    }

    fn draw_cells<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let (nx, ny) = (self.x_labels.len(), self.y_labels.len());
        let xl: Vec<String> = self.x_labels.iter().map(|l| fit(area, l, 16.0, 180)).collect();
        let yl: Vec<String> = self.y_labels.iter().map(|l| fit(area, l, 16.0, 180)).collect();
        let y_px = yl
            .iter()
            .map(|l| super::canvas::text_width(area, l, 16.0))
            .max()
            .unwrap_or(0);
        // Thin labels on crowded axes.
        let x_step = (nx * 70).div_ceil(900).max(1);
        let y_step = (ny * 20).div_ceil(600).max(1);
        // The same top and bottom margins as the colour scale, so they line up.
        let mut chart = ChartBuilder::on(area)
            .margin(10)
            .margin_top(40)
            .margin_bottom(20)
            .x_label_area_size(56)
            .y_label_area_size(y_px + 48)
            .build_cartesian_2d(category_axis(nx, x_step), category_axis(ny, y_step))?;
        let x_fmt = |v: &f64| xl.get(slot(*v)).cloned().unwrap_or_default();
        let y_fmt = |v: &f64| yl.get(slot(*v)).cloned().unwrap_or_default();
        let desc = (self.x_desc.as_str(), self.y_desc.as_str());
        label_axes(chart.configure_mesh().disable_mesh(), desc, &x_fmt, &y_fmt).draw()?;
        let cells = self
            .cells
            .iter()
            .enumerate()
            .flat_map(|(r, row)| row.iter().enumerate().map(move |(c, v)| (c as f64, r as f64, *v)));
        chart.draw_series(
            cells
                .clone()
                .map(|(x, y, v)| Rectangle::new([(x, y), (x + 1.0, y + 1.0)], self.colour(v).filled())),
        )?;
        if nx * ny <= MAX_LABELLED_CELLS {
            let labels = cells.map(|(x, y, v)| {
                let c = self.colour(v);
                let light = 0.299 * f64::from(c.0) + 0.587 * f64::from(c.1) + 0.114 * f64::from(c.2) > 140.0;
                let style = text(18.0)
                    .color(if light { &BLACK } else { &WHITE })
                    .pos(Pos::new(HPos::Center, VPos::Center));
                EmptyElement::at((x + 0.5, y + 0.5)) + Text::new(self.unit.bare(v), (0, 0), style)
            });
            chart.draw_series(labels)?;
        }
        Ok(())
    }

    /// A vertical colour bar with ticks, aligned with the cells.
    fn draw_scale<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let (lo, hi) = self.range();
        let nice = Ticks::nice(lo, hi, 6);
        let inside: Vec<f64> = nice
            .ticks
            .iter()
            .copied()
            .filter(|t| *t >= lo - 1e-12 && *t <= hi + 1e-12)
            .collect();
        let axis = super::canvas::Axis::new(lo, hi, inside);
        let blank = super::canvas::Axis::new(0.0, 1.0, Vec::new());
        let mut chart = ChartBuilder::on(area)
            .margin(10)
            .margin_left(20)
            .margin_right(10)
            .margin_bottom(20)
            .margin_top(40)
            .x_label_area_size(56)
            .right_y_label_area_size(100)
            .build_cartesian_2d(blank, axis)?;
        let fmt = |v: &f64| nice.label(*v);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .disable_y_mesh()
            .disable_x_axis()
            .y_label_formatter(&fmt)
            .label_style(text(16.0))
            .draw()?;
        const STEPS: usize = 100;
        let band = (0..STEPS).map(|k| {
            let (a, b) = (k as f64 / STEPS as f64, (k + 1) as f64 / STEPS as f64);
            let (ya, yb) = (lo + (hi - lo) * a, lo + (hi - lo) * b);
            Rectangle::new([(0.0, ya), (1.0, yb)], viridis((a + b) / 2.0).filled())
        });
        chart.draw_series(band)?;
        let style = text(16.0).pos(Pos::new(HPos::Left, VPos::Center));
        area.draw_text(&fit(area, &self.scale_desc, 16.0, SCALE_W - 12), &style, (8, 24))
    }
}
