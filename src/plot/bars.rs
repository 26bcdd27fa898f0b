//! Horizontal bar charts: category names on the y axis (long facility
//! names stay readable), grouped or stacked series, interval whiskers,
//! markers and a value beside each bar.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::RGBColor;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::{
    self, Coord, DrawResult, HEIGHT, LegendEntry, Marker, Ticks, Unit, category_axis, fit, frame, slot, text,
    text_width, tint,
};

/// Pixels per bar row: enough for a 15 px label, so labels never overlap.
const ROW_PX: u32 = 18;
/// Charts stop growing here; beyond it category labels are thinned.
const MAX_HEIGHT: u32 = 4000;
/// Space above and below the bars (title, legend, axis and its label).
const CHROME_PX: u32 = 200;
const LABEL_SIZE: f64 = 15.0;
/// Share of a category's slot the bars fill.
const BAND: f64 = 0.7;

/// A horizontal bar chart.
pub(crate) struct Bars {
    /// Title.
    pub title: String,
    /// Category names, top to bottom.
    pub categories: Vec<String>,
    /// Each category's colour (series are lighter tints of it).
    pub colours: Vec<RGBColor>,
    /// Series: side by side within a category, or stacked.
    pub series: Vec<BarSeries>,
    /// Stack the series instead of grouping them.
    pub stacked: bool,
    /// Markers drawn on the first series' bars (e.g. quantiles).
    pub markers: Vec<MarkerSeries>,
    /// Legend entries (none: no legend row).
    pub legend: Vec<LegendEntry>,
    /// Value axis label, with its unit.
    pub x_desc: String,
    /// Category axis label.
    pub y_desc: String,
    /// Unit of the values.
    pub unit: Unit,
    /// Footnote under the plot (what the intervals are, over how many runs).
    pub note: String,
    /// The range values can take (a share's 0..100%): no tick past it.
    pub bounds: (f64, f64),
}

/// One series of bars.
pub(crate) struct BarSeries {
    /// How far (0..1) the category colour is lightened for this series.
    pub shade: f64,
    /// One value per category; undefined values draw no bar.
    pub values: Vec<f64>,
    /// 95% intervals per category, drawn as whiskers.
    pub intervals: Option<Vec<(f64, f64)>>,
    /// Text beside each bar; empty: the value with its unit. For stacked
    /// bars the last series' notes (or the totals) are shown.
    pub notes: Vec<String>,
}

impl BarSeries {
    /// Whether every value is zero or undefined: nothing to draw.
    pub(crate) fn is_empty(&self) -> bool {
        self.values.iter().all(|v| *v == 0.0 || !v.is_finite())
    }
}

/// Series (with their legend entries) that have something to draw, and the
/// categories where one of them does: a series of zeros (down-referrals a
/// lever turns off) or a category with nothing (the top tier refers no one
/// up) would be empty "0" bars. Returns the indices of the categories kept.
pub(crate) fn drop_empty(series: Vec<(BarSeries, LegendEntry)>) -> (Vec<BarSeries>, Vec<LegendEntry>, Vec<usize>) {
    let kept: Vec<(BarSeries, LegendEntry)> = series.into_iter().filter(|(s, _)| !s.is_empty()).collect();
    let n = kept.iter().map(|(s, _)| s.values.len()).max().unwrap_or(0);
    let cats: Vec<usize> = (0..n)
        .filter(|&i| {
            kept.iter()
                .any(|(s, _)| s.values.get(i).is_some_and(|v| *v != 0.0 && v.is_finite()))
        })
        .collect();
    let pick = |v: &[f64]| cats.iter().map(|&i| v.get(i).copied().unwrap_or(f64::NAN)).collect();
    let (series, legend) = kept
        .into_iter()
        .map(|(s, l)| {
            let s = BarSeries {
                shade: s.shade,
                values: pick(&s.values),
                intervals: s.intervals.map(|iv| {
                    cats.iter()
                        .map(|&i| iv.get(i).copied().unwrap_or((f64::NAN, f64::NAN)))
                        .collect()
                }),
                notes: if s.notes.is_empty() {
                    Vec::new()
                } else {
                    cats.iter()
                        .map(|&i| s.notes.get(i).cloned().unwrap_or_default())
                        .collect()
                },
            };
            (s, l)
        })
        .unzip();
    (series, legend, cats)
}

/// Markers at values along the first series' bars.
pub(crate) struct MarkerSeries {
    /// Shape.
    pub marker: Marker,
    /// One value per category.
    pub values: Vec<f64>,
}

/// A bar to draw: category slot, value extent and vertical extent in data units.
struct Bar {
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
    colour: RGBColor,
}

impl Bars {
    fn rows(&self) -> usize {
        let per = if self.stacked { 1 } else { self.series.len().max(1) };
        self.categories.len() * per
    }

    /// Grows with the number of bars, up to [`MAX_HEIGHT`].
    pub(crate) fn height(&self) -> u32 {
        (CHROME_PX + self.rows() as u32 * ROW_PX).clamp(HEIGHT, MAX_HEIGHT)
    }

    /// Label every `step`-th category so labels stay ROW_PX apart.
    fn label_step(&self) -> usize {
        let avail = self.height().saturating_sub(CHROME_PX) as usize;
        let per_cat = avail / self.categories.len().max(1);
        (ROW_PX as usize).div_ceil(per_cat.max(1)).max(1)
    }

    /// Centre of category `i` (0 = top) on the y axis.
    fn centre(&self, i: usize) -> f64 {
        (self.categories.len() - i) as f64 - 0.5
    }

    /// Where bars end, including stacks, whiskers and markers.
    fn extent(&self, i: usize) -> (f64, f64) {
        let mut lo = 0.0f64;
        let mut hi = 0.0f64;
        let mut stack = 0.0;
        for s in &self.series {
            let v = s.values.get(i).copied().filter(|v| v.is_finite()).unwrap_or(0.0);
            let base = if self.stacked { stack } else { 0.0 };
            stack = base + v;
            lo = lo.min(base + v);
            hi = hi.max(base + v);
            if let Some((a, b)) = s.intervals.as_ref().and_then(|iv| iv.get(i)) {
                for x in [a, b].into_iter().filter(|x| x.is_finite()) {
                    lo = lo.min(base + x);
                    hi = hi.max(base + x);
                }
            }
        }
        for m in &self.markers {
            if let Some(v) = m.values.get(i).filter(|v| v.is_finite()) {
                lo = lo.min(*v);
                hi = hi.max(*v);
            }
        }
        (lo, hi)
    }

    /// Where one series' bar ends, including its whisker and the markers.
    fn series_extent(&self, s: &BarSeries, i: usize) -> (f64, f64) {
        let v = s.values.get(i).copied().filter(|v| v.is_finite()).unwrap_or(0.0);
        let iv = s.intervals.as_ref().and_then(|iv| iv.get(i)).copied();
        let marks = self.markers.iter().filter_map(|m| m.values.get(i).copied());
        let all = std::iter::once(v)
            .chain(iv.into_iter().flat_map(|(a, b)| [a, b]))
            .chain(marks);
        all.filter(|x| x.is_finite())
            .fold((0.0f64, 0.0f64), |(lo, hi), x| (lo.min(x), hi.max(x)))
    }

    /// The note beside category `i` of series `s`.
    fn note(&self, s: &BarSeries, i: usize) -> String {
        if let Some(n) = s.notes.get(i) {
            return n.clone();
        }
        if self.stacked {
            let total: f64 = self
                .series
                .iter()
                .filter_map(|s| s.values.get(i))
                .filter(|v| v.is_finite())
                .sum();
            return self.unit.show(total);
        }
        self.unit.show(s.values.get(i).copied().unwrap_or(f64::NAN))
    }

    fn noted(&self) -> Vec<&BarSeries> {
        if self.stacked {
            self.series.last().into_iter().collect()
        } else {
            self.series.iter().collect()
        }
    }

    /// The value axis, widened so the notes beside the bars fit inside.
    fn value_ticks<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, plot_px: u32) -> Ticks {
        let n = self.categories.len();
        let (lo, hi) = (0..n)
            .map(|i| self.extent(i))
            .fold((0.0f64, 0.0f64), |a, e| (a.0.min(e.0), a.1.max(e.1)));
        let widest = |neg: bool| {
            (0..n)
                .filter(|&i| (self.extent(i).0 < 0.0) == neg)
                .flat_map(|i| self.noted().into_iter().map(move |s| (s, i)))
                .map(|(s, i)| text_width(area, &self.note(s, i), LABEL_SIZE) + 12)
                .max()
                .unwrap_or(0)
        };
        let share = |px: u32| (f64::from(px) / f64::from(plot_px.max(1))).min(0.45);
        let (left, right) = (share(widest(true)), share(widest(false)));
        let span = (hi - lo).max(f64::MIN_POSITIVE);
        let full = span / (1.0 - left - right);
        Ticks::nice(lo - if lo < 0.0 { full * left } else { 0.0 }, hi + full * right, 8).ticks_within(self.bounds)
    }

    /// The bars of every series, in data coordinates.
    fn bars(&self) -> Vec<Bar> {
        let k = if self.stacked { 1 } else { self.series.len().max(1) };
        let thick = BAND / k as f64;
        let mut out = Vec::new();
        for i in 0..self.categories.len() {
            let top = self.centre(i) + BAND / 2.0;
            let mut stack = 0.0;
            for (j, s) in self.series.iter().enumerate() {
                let Some(&v) = s.values.get(i).filter(|v| v.is_finite()) else {
                    continue;
                };
                let y1 = if self.stacked { top } else { top - j as f64 * thick };
                let x0 = if self.stacked { stack } else { 0.0 };
                stack += v;
                out.push(Bar {
                    x0,
                    x1: x0 + v,
                    y0: y1 - thick,
                    y1,
                    colour: tint(self.colours.get(i).copied().unwrap_or(BLACK), s.shade),
                });
            }
        }
        out
    }

    /// The y centre of series `j`'s bar in category `i`.
    fn bar_centre(&self, i: usize, j: usize) -> f64 {
        if self.stacked {
            return self.centre(i);
        }
        let thick = BAND / self.series.len().max(1) as f64;
        self.centre(i) + BAND / 2.0 - (j as f64 + 0.5) * thick
    }

    pub(crate) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let body = frame(root, &self.title, &self.legend, &self.note)?;
        let (w, _) = body.dim_in_pixel();
        let n = self.categories.len();
        let step = self.label_step();
        let labels: Vec<String> = self
            .categories
            .iter()
            .map(|c| fit(&body, c, LABEL_SIZE, w * 35 / 100))
            .collect();
        let label_px = labels
            .iter()
            .map(|l| text_width(&body, l, LABEL_SIZE))
            .max()
            .unwrap_or(0);
        let y_area = label_px + if self.y_desc.is_empty() { 16 } else { 44 };
        let ticks = self.value_ticks(&body, w.saturating_sub(y_area + 50));
        let mut chart = ChartBuilder::on(&body)
            .margin(10)
            .margin_right(60)
            .x_label_area_size(56)
            .y_label_area_size(y_area)
            .build_cartesian_2d(ticks.axis(), category_axis(n, step))?;
        let x_fmt = |v: &f64| ticks.label(*v);
        let y_fmt = |v: &f64| labels.get(n.saturating_sub(1 + slot(*v))).cloned().unwrap_or_default();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc(self.x_desc.as_str())
            .y_desc(self.y_desc.as_str())
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .label_style(text(LABEL_SIZE))
            .x_label_style(text(16.0))
            .axis_desc_style(text(18.0))
            .bold_line_style(RGBColor(220, 220, 220))
            .draw()?;
        let bars = self.bars();
        chart.draw_series(
            bars.iter()
                .map(|b| Rectangle::new([(b.x0, b.y0), (b.x1, b.y1)], b.colour.filled())),
        )?;
        if ticks.lo < 0.0 {
            let zero = PathElement::new(vec![(0.0, 0.0), (0.0, n as f64)], BLACK.stroke_width(1));
            chart.draw_series(std::iter::once(zero))?;
        }
        self.draw_whiskers(&mut chart)?;
        self.draw_markers(&mut chart)?;
        self.draw_notes(&mut chart)
    }

    fn draw_whiskers<DB: DrawingBackend>(&self, chart: &mut ChartContext<'_, DB, Coord>) -> DrawResult<(), DB> {
        let k = if self.stacked { 1 } else { self.series.len().max(1) };
        // Caps a third of the bar's thickness, but at most 7 px each way.
        let px_per_unit = f64::from(chart.plotting_area().dim_in_pixel().1) / self.categories.len().max(1) as f64;
        let cap = (BAND / k as f64 * 0.3).min(7.0 / px_per_unit.max(1e-9));
        let style = RGBColor(40, 40, 40).stroke_width(2);
        let mut stack = vec![0.0; self.categories.len()];
        for (j, s) in self.series.iter().enumerate() {
            for (i, below) in stack.iter_mut().enumerate() {
                // An interval of a stacked segment sits at the end of the stack below it.
                let base = if self.stacked { *below } else { 0.0 };
                *below += s.values.get(i).copied().filter(|v| v.is_finite()).unwrap_or(0.0);
                let Some(&(lo, hi)) = s.intervals.as_ref().and_then(|iv| iv.get(i)) else {
                    continue;
                };
                if !(lo.is_finite() && hi.is_finite()) {
                    continue;
                }
                let y = self.bar_centre(i, j);
                let (lo, hi) = (base + lo, base + hi);
                let lines = [
                    vec![(lo, y), (hi, y)],
                    vec![(lo, y - cap), (lo, y + cap)],
                    vec![(hi, y - cap), (hi, y + cap)],
                ];
                chart.draw_series(lines.into_iter().map(|p| PathElement::new(p, style)))?;
            }
        }
        Ok(())
    }

    fn draw_markers<DB: DrawingBackend>(&self, chart: &mut ChartContext<'_, DB, Coord>) -> DrawResult<(), DB> {
        let area = chart.plotting_area();
        for m in &self.markers {
            for (i, v) in m.values.iter().enumerate().filter(|(_, v)| v.is_finite()) {
                canvas::draw_marker(area, (*v, self.bar_centre(i, 0)), m.marker, BLACK)?;
            }
        }
        Ok(())
    }

    fn draw_notes<DB: DrawingBackend>(&self, chart: &mut ChartContext<'_, DB, Coord>) -> DrawResult<(), DB> {
        let right = text(LABEL_SIZE).pos(Pos::new(HPos::Left, VPos::Center));
        let left = text(LABEL_SIZE).pos(Pos::new(HPos::Right, VPos::Center));
        for (j, s) in self.series.iter().enumerate() {
            // Stacks carry one note, at the end of the last series.
            if self.stacked && j + 1 != self.series.len() {
                continue;
            }
            for i in 0..self.categories.len() {
                let (lo, hi) = if self.stacked {
                    self.extent(i)
                } else {
                    self.series_extent(s, i)
                };
                let v = s.values.get(i).copied().unwrap_or(f64::NAN);
                let (x, style, dx) = if v < 0.0 { (lo, &left, -8) } else { (hi, &right, 8) };
                let note = EmptyElement::at((x, self.bar_centre(i, j))) + Text::new(self.note(s, i), (dx, 0), style);
                chart.draw_series(std::iter::once(note))?;
            }
        }
        Ok(())
    }
}
