//! What every chart shares: the figure kinds, rendering to SVG and PNG,
//! fonts, title and legend, number formatting and axis ticks.

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontDesc, FontFamily, FontStyle, RGBColor};

use super::bars::Bars;
use super::lines::{Heatmap, Lines};
use super::text::Typeset;
use super::units;
use super::{Chart, FONT, PlotError};

/// Chart width in pixels; bar charts grow taller with their bars.
pub(crate) const WIDTH: u32 = 1200;
/// Default chart height in pixels.
pub(crate) const HEIGHT: u32 = 800;
/// Space above the plot for the title.
const TITLE_H: u32 = 48;
/// Space for a legend row under the title.
const LEGEND_H: u32 = 34;
/// Space for a footnote under the plot.
const NOTE_H: u32 = 28;

/// Axis titles, tick labels and text sizes, the same on every chart with
/// [`Axis`] axes; the caller adds its grid style and draws.
pub(crate) fn label_axes<'m, 'a, 'b, DB: DrawingBackend>(
    mesh: &'m mut plotters::chart::MeshStyle<'a, 'b, Axis, Axis, DB>,
    desc: (&str, &str),
    x_fmt: &'b dyn Fn(&f64) -> String,
    y_fmt: &'b dyn Fn(&f64) -> String,
) -> &'m mut plotters::chart::MeshStyle<'a, 'b, Axis, Axis, DB> {
    mesh.x_desc(desc.0)
        .y_desc(desc.1)
        .x_label_formatter(x_fmt)
        .y_label_formatter(y_fmt)
        .label_style(text(16.0))
        .axis_desc_style(text(18.0))
}

/// Both axes of every chart: numbers with hand-picked tick positions, so
/// ticks and category labels fall exactly where we want them. (plotters'
/// own `WithKeyPoints` over f64 cannot take a label formatter.)
#[derive(Clone)]
pub(crate) struct Axis {
    range: RangedCoordf64,
    ticks: Vec<f64>,
}

impl Axis {
    /// `lo..hi` with ticks (and labels) at `ticks`.
    pub(crate) fn new(lo: f64, hi: f64, ticks: Vec<f64>) -> Axis {
        Axis {
            range: (lo..hi).into(),
            ticks,
        }
    }
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.range.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // Only bold lines: no unlabelled light grid.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.range.range()
    }
}

/// The coordinates of every chart's plotting area.
pub(crate) type Coord = Cartesian2d<Axis, Axis>;
/// What drawing calls return for a backend.
pub(crate) type DrawResult<T, DB> = Result<T, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A chart before rendering.
pub(crate) enum Figure {
    /// Horizontal bars.
    Bars(Bars),
    /// Lines over a numeric x axis, with optional bands.
    Lines(Lines),
    /// A grid of coloured cells with a colour scale.
    Heatmap(Heatmap),
    /// A title and a message where there is nothing to draw.
    Empty {
        /// Title.
        title: String,
        /// Message in the middle.
        message: String,
    },
}

impl Figure {
    /// A chart with nothing but a message.
    pub(crate) fn empty(title: &str, message: &str) -> Figure {
        Figure::Empty {
            title: title.into(),
            message: message.into(),
        }
    }

    fn title(&self) -> &str {
        match self {
            Figure::Bars(b) => &b.title,
            Figure::Lines(l) => &l.title,
            Figure::Heatmap(h) => &h.title,
            Figure::Empty { title, .. } => title,
        }
    }

    fn size(&self) -> (u32, u32) {
        match self {
            Figure::Bars(b) => (WIDTH, b.height()),
            _ => (WIDTH, HEIGHT),
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        match self {
            Figure::Bars(b) => b.draw(root),
            Figure::Lines(l) => l.draw(root),
            Figure::Heatmap(h) => h.draw(root),
            Figure::Empty { title, message } => {
                let body = frame(root, title, &[], "")?;
                let (w, h) = body.dim_in_pixel();
                let style = text(18.0).pos(Pos::new(HPos::Center, VPos::Center));
                body.draw_text(message, &style, (w as i32 / 2, h as i32 / 2))
            }
        }
    }

    /// Renders the figure as SVG and PNG.
    pub(crate) fn render(&self, name: &str) -> Result<Chart, PlotError> {
        let (w, h) = self.size();
        let fail = |message: String| PlotError::Draw {
            chart: name.to_string(),
            message,
        };
        let mut svg = String::new();
        {
            let root = Typeset::vector(SVGBackend::with_string(&mut svg, (w, h))).into_drawing_area();
            self.draw(&root).map_err(|e| fail(e.to_string()))?;
            root.present().map_err(|e| fail(e.to_string()))?;
        }
        let mut rgb = vec![255u8; w as usize * h as usize * 3];
        {
            let root = Typeset::raster(BitMapBackend::with_buffer(&mut rgb, (w, h))).into_drawing_area();
            self.draw(&root).map_err(|e| fail(e.to_string()))?;
            root.present().map_err(|e| fail(e.to_string()))?;
        }
        Ok(Chart {
            name: name.to_string(),
            title: self.title().to_string(),
            svg,
            png: encode_png(&rgb, w, h).map_err(|e| fail(e.to_string()))?,
        })
    }
}

/// PNG bytes of an RGB buffer; fixed settings, so equal pixels give equal bytes.
fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Default);
        let mut writer = enc.write_header()?;
        writer.write_image_data(rgb)?;
        writer.finish()?;
    }
    Ok(out)
}

/// The chart font at `size` pixels.
pub(crate) fn font(size: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FONT), size, FontStyle::Normal)
}

/// The bold chart font at `size` pixels. (A new `FontDesc`: plotters'
/// `FontDesc::style` keeps the regular glyphs.)
pub(crate) fn bold(size: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FONT), size, FontStyle::Bold)
}

/// Black text at `size` pixels.
pub(crate) fn text(size: f64) -> TextStyle<'static> {
    font(size).color(&BLACK)
}

/// Width in pixels of `s` in the chart font, 0 if it cannot be measured.
pub(crate) fn text_width<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    s: &str,
    size: f64,
) -> u32 {
    area.estimate_text_size(s, &text(size)).map(|(w, _)| w).unwrap_or(0)
}

/// `s` cut to at most `max_px` pixels wide, with an ellipsis when cut.
pub(crate) fn fit<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    s: &str,
    size: f64,
    max_px: u32,
) -> String {
    if text_width(area, s, size) <= max_px {
        return s.to_string();
    }
    let chars: Vec<char> = s.chars().collect();
    (1..chars.len())
        .rev()
        .map(|n| format!("{}…", chars[..n].iter().collect::<String>()))
        .find(|t| text_width(area, t, size) <= max_px)
        .unwrap_or_else(|| "…".into())
}

/// What a legend entry shows beside its label.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Swatch {
    /// A filled square.
    Box(RGBColor),
    /// A line.
    Line(RGBColor),
    /// A marker shape in black.
    Marker(Marker),
}

/// Marker shapes (for quantiles and sweep points).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Marker {
    /// Filled circle.
    Circle,
    /// Filled triangle.
    Triangle,
    /// Diagonal cross.
    Cross,
}

/// One legend entry.
#[derive(Clone, Debug)]
pub(crate) struct LegendEntry {
    /// Label.
    pub label: String,
    /// What it shows.
    pub swatch: Swatch,
}

impl LegendEntry {
    /// A labelled swatch.
    pub(crate) fn new(label: impl Into<String>, swatch: Swatch) -> LegendEntry {
        LegendEntry {
            label: label.into(),
            swatch,
        }
    }
}

/// Draws a marker at `at` (in the area's coordinates).
pub(crate) fn draw_marker<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    at: CT::From,
    marker: Marker,
    colour: RGBColor,
) -> DrawResult<(), DB> {
    match marker {
        Marker::Circle => area.draw(&Circle::new(at, 5, colour.filled())),
        Marker::Triangle => area.draw(&TriangleMarker::new(at, 7, colour.filled())),
        Marker::Cross => area.draw(&Cross::new(at, 6, colour.stroke_width(2))),
    }
}

/// Fills the background, draws the title, a legend row and a footnote (when
/// `note` is not empty: what the intervals are and over how many
/// replications), and returns the area left for the plot. The legend sits
/// outside the plot so it never hides data.
pub(crate) fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    legend: &[LegendEntry],
    note: &str,
) -> DrawResult<DrawingArea<DB, Shift>, DB> {
    root.fill(&WHITE)?;
    let (w, h) = root.dim_in_pixel();
    let root = if note.is_empty() {
        root.clone()
    } else {
        let (above, foot) = root.split_vertically(h.saturating_sub(NOTE_H));
        let style = font(14.0)
            .color(&RGBColor(90, 90, 90))
            .pos(Pos::new(HPos::Left, VPos::Center));
        foot.draw_text(&fit(&foot, note, 14.0, w - 24), &style, (12, NOTE_H as i32 / 2 - 2))?;
        above
    };
    let root = &root;
    // Shrink a long title rather than clip it.
    let size = [26.0, 23.0, 20.0, 17.0]
        .into_iter()
        .find(|&s| {
            root.estimate_text_size(title, &bold(s).color(&BLACK))
                .map_or(0, |(tw, _)| tw)
                + 40
                <= w
        })
        .unwrap_or(15.0);
    let style = bold(size).color(&BLACK).pos(Pos::new(HPos::Center, VPos::Center));
    root.draw_text(title, &style, (w as i32 / 2, TITLE_H as i32 / 2 + 2))?;
    let (_, body) = root.split_vertically(TITLE_H);
    if legend.is_empty() {
        return Ok(body);
    }
    let (strip, rest) = body.split_vertically(LEGEND_H);
    draw_legend(&strip, legend)?;
    Ok(rest)
}

/// A centred row of legend entries.
fn draw_legend<DB: DrawingBackend>(strip: &DrawingArea<DB, Shift>, entries: &[LegendEntry]) -> DrawResult<(), DB> {
    const SIZE: f64 = 16.0;
    let (w, h) = strip.dim_in_pixel();
    let widths: Vec<i32> = entries
        .iter()
        .map(|e| 26 + text_width(strip, &e.label, SIZE) as i32 + 26)
        .collect();
    let mut x = (w as i32 - widths.iter().sum::<i32>()).max(0) / 2;
    let y = h as i32 / 2;
    let style = text(SIZE).pos(Pos::new(HPos::Left, VPos::Center));
    for (e, width) in entries.iter().zip(widths) {
        match e.swatch {
            Swatch::Box(c) => strip.draw(&Rectangle::new([(x, y - 7), (x + 16, y + 7)], c.filled()))?,
            Swatch::Line(c) => strip.draw(&PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(3)))?,
            Swatch::Marker(m) => draw_marker(strip, (x + 8, y), m, BLACK)?,
        }
        strip.draw_text(&e.label, &style, (x + 24, y))?;
        x += width;
    }
    Ok(())
}

/// `c` moved `amount` (0..1) of the way to white: lighter shades of a tier's
/// colour tell series apart while keeping the tier recognisable.
pub(crate) fn tint(c: RGBColor, amount: f64) -> RGBColor {
    let f = |v: u8| (f64::from(v) + (255.0 - f64::from(v)) * amount).round() as u8;
    RGBColor(f(c.0), f(c.1), f(c.2))
}

/// Units values are shown in. Shares are converted to % before drawing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unit {
    /// Percent (values already x100).
    Percent,
    /// Minutes.
    Minutes,
    /// Yuan.
    Cny,
    /// Counts (patients, referrals, ...).
    Count,
}

impl Unit {
    /// The metric unit these drawn values are in, and the factor from it.
    fn metric(self) -> (units::Unit, f64) {
        match self {
            Unit::Percent => (units::Unit::Share, 100.0),
            Unit::Minutes => (units::Unit::Minutes, 1.0),
            Unit::Cny => (units::Unit::Cny, 1.0),
            Unit::Count => (units::Unit::Count, 1.0),
        }
    }

    /// A value as shown beside a bar or in a cell, with its unit; written
    /// by [`units::Unit::value`], like report cells.
    pub(crate) fn show(self, x: f64) -> String {
        if !x.is_finite() {
            return "n/a".into();
        }
        let bare = self.bare(x);
        match self {
            Unit::Percent => format!("{bare}%"),
            Unit::Minutes => format!("{bare} min"),
            Unit::Cny => format!("{bare} CNY"),
            Unit::Count => bare,
        }
    }

    /// A value without its unit, for compact cells.
    pub(crate) fn bare(self, x: f64) -> String {
        if !x.is_finite() {
            return "n/a".into();
        }
        match self.metric() {
            (units::Unit::Share, _) => fmt_num(x, 1),
            (u, k) => u.value(x / k),
        }
    }

    /// The range drawn values can take (shares 0..100%, others >= 0).
    pub(crate) fn bounds(self) -> (f64, f64) {
        let (u, k) = self.metric();
        let (lo, hi) = u.bounds();
        (lo * k, hi * k)
    }
}

/// Decimals that keep about three significant digits below 100.
pub(crate) fn digits_for(x: f64) -> usize {
    match x.abs() {
        a if a >= 100.0 => 0,
        a if a >= 10.0 => 1,
        _ => 2,
    }
}

/// `x` with `digits` decimals and thousands separators; "n/a" when undefined.
pub(crate) fn fmt_num(x: f64, digits: usize) -> String {
    if x.is_finite() {
        crate::report::grouped(x, digits)
    } else {
        "n/a".into()
    }
}

/// A numeric axis: its range, tick positions and the decimals tick labels need.
#[derive(Clone, Debug)]
pub(crate) struct Ticks {
    /// Lower end.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
    /// Tick positions.
    pub ticks: Vec<f64>,
    /// Decimals for tick labels.
    pub digits: usize,
}

impl Ticks {
    /// Round ticks (steps of 1, 2, 2.5 or 5 x 10^k) covering `lo..hi`, about `target` of them.
    pub(crate) fn nice(lo: f64, hi: f64, target: usize) -> Ticks {
        let (mut lo, mut hi) = if lo.is_finite() && hi.is_finite() && lo <= hi {
            (lo, hi)
        } else {
            (0.0, 1.0)
        };
        if hi - lo < 1e-12 * lo.abs().max(hi.abs()).max(1e-300) {
            let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
            lo -= pad;
            hi += pad;
        }
        let raw = (hi - lo) / target.max(1) as f64;
        let mag = 10f64.powf(raw.log10().floor());
        let norm = [1.0, 2.0, 2.5, 5.0, 10.0]
            .into_iter()
            .find(|&m| m * mag >= raw * (1.0 - 1e-9))
            .unwrap_or(10.0);
        let step = norm * mag;
        let first = (lo / step + 1e-9).floor() as i64;
        let last = (hi / step - 1e-9).ceil() as i64;
        let ticks: Vec<f64> = (first..=last).map(|k| k as f64 * step).collect();
        let extra = usize::from(norm == 2.5);
        let digits = (-step.log10().floor()).max(0.0) as usize + extra;
        Ticks {
            lo: first as f64 * step,
            hi: last as f64 * step,
            ticks,
            digits,
        }
    }

    /// These ticks with the axis cut to `lo..hi` (a metric's valid range):
    /// no tick, and no axis, past a bound.
    pub(crate) fn within(mut self, (lo, hi): (f64, f64)) -> Ticks {
        if self.lo < lo && lo < self.hi {
            self.lo = lo;
        }
        if self.hi > hi && hi > self.lo {
            self.hi = hi;
        }
        let (a, b) = (self.lo, self.hi);
        self.ticks
            .retain(|t| *t >= a - 1e-9 * (b - a) && *t <= b + 1e-9 * (b - a));
        self
    }

    /// These ticks without those past `lo..hi`; the axis keeps its range
    /// (bar charts need room beside the bars for their notes).
    pub(crate) fn ticks_within(mut self, (lo, hi): (f64, f64)) -> Ticks {
        let eps = 1e-9 * (self.hi - self.lo).abs().max(1e-300);
        self.ticks.retain(|t| *t >= lo - eps && *t <= hi + eps);
        self
    }

    /// The plotters axis for these ticks.
    pub(crate) fn axis(&self) -> Axis {
        Axis::new(self.lo, self.hi, self.ticks.clone())
    }

    /// A tick label.
    pub(crate) fn label(&self, v: f64) -> String {
        fmt_num(v, self.digits)
    }
}

/// Categories on an axis: slot `i` spans `i..i+1`; labels at the centres,
/// every `step`-th one when they would not fit.
pub(crate) fn category_axis(n: usize, step: usize) -> Axis {
    let centres: Vec<f64> = (0..n).step_by(step.max(1)).map(|i| i as f64 + 0.5).collect();
    Axis::new(0.0, n.max(1) as f64, centres)
}

/// The category index a key point at `v` stands for.
pub(crate) fn slot(v: f64) -> usize {
    v.max(0.0).floor() as usize
}
