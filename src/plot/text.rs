//! Text in charts: the embedded fonts, a glyph-by-glyph fallback from the
//! Latin font to a CJK one, and the rasteriser that draws text into PNGs.
//!
//! plotters' own ab_glyph text takes one font per family and places each
//! glyph by truncating its bounding box to whole pixels, which lifts a
//! period a pixel above the digits beside it and drops left side bearings.
//! [`Typeset`] wraps a backend and takes over text: it lays out every
//! character in the first font that has it (DejaVu Sans, else Droid Sans
//! Fallback for Chinese, Japanese and Korean), on one baseline with
//! sub-pixel positions, and rasterises it with ab_glyph. SVGs keep their
//! `<text>` elements (with a CJK-capable font-family list); only their
//! widths are measured here.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont, point};
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind, FontStyle,
};

/// DejaVu Sans: Latin, Greek, Cyrillic and symbols.
pub(crate) const REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
/// DejaVu Sans Bold (titles).
pub(crate) const BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");
/// Droid Sans Fallback, cut to the CJK ranges (see assets/fonts/LICENSE-DroidSansFallback.txt).
const CJK: &[u8] = include_bytes!("../../assets/fonts/DroidSansFallback-CJK.ttf");

/// The parsed fonts, in the order glyphs are looked up.
pub(crate) struct Fonts {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
    cjk: FontRef<'static>,
}

/// The embedded fonts, parsed once per process.
pub(crate) fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        // Compiled-in TrueType files: a failure is a broken build, caught by every chart test.
        let parse = |bytes: &'static [u8]| FontRef::try_from_slice(bytes).expect("embedded font parses");
        Fonts {
            regular: parse(REGULAR),
            bold: parse(BOLD),
            cjk: parse(CJK),
        }
    })
}

/// One glyph placed on a line: its font, id and pen position.
struct Placed<'f> {
    font: &'f FontRef<'static>,
    scale: PxScale,
    id: GlyphId,
    x: f32,
}

/// A laid-out line of text.
pub(crate) struct Line<'f> {
    glyphs: Vec<Placed<'f>>,
    /// Advance width in pixels.
    pub width: f32,
    /// Baseline to the top of the line box (the Latin font's ascent).
    pub ascent: f32,
    /// Baseline to the bottom of the line box (negative).
    pub descent: f32,
}

/// The scale that gives `font` the em size `em` pixels.
fn scale_for(font: &FontRef<'static>, em: f32) -> PxScale {
    let upem = font.units_per_em().unwrap_or(1000.0);
    PxScale::from(em * font.height_unscaled() / upem)
}

impl Fonts {
    /// The Latin font of a style (bold or regular; other styles are regular).
    fn primary(&self, style: FontStyle) -> &FontRef<'static> {
        match style {
            FontStyle::Bold => &self.bold,
            _ => &self.regular,
        }
    }

    /// The font that draws `c`: the Latin font when it has the glyph, else
    /// the CJK font when it does, else the Latin font (its `.notdef` box).
    pub(crate) fn font_for(&self, c: char, style: FontStyle) -> &FontRef<'static> {
        let primary = self.primary(style);
        if primary.glyph_id(c).0 != 0 || c.is_control() {
            primary
        } else if self.cjk.glyph_id(c).0 != 0 {
            &self.cjk
        } else {
            primary
        }
    }

    /// Characters of `s` that the font [`Fonts::font_for`] picks cannot
    /// draw (they would show as `.notdef` boxes).
    #[cfg(test)]
    pub(crate) fn missing(&self, s: &str, style: FontStyle) -> Vec<char> {
        s.chars()
            .filter(|&c| !c.is_whitespace() && self.font_for(c, style).glyph_id(c).0 == 0)
            .collect()
    }

    /// Characters of `s` that DejaVu Sans alone cannot draw (what charts
    /// showed before the CJK fallback).
    #[cfg(test)]
    pub(crate) fn missing_in_latin(&self, s: &str) -> Vec<char> {
        s.chars()
            .filter(|&c| !c.is_whitespace() && self.regular.glyph_id(c).0 == 0)
            .collect()
    }

    /// Lays out `s` at `size` (the line height in pixels, as plotters sizes
    /// fonts), every glyph in the font [`Fonts::font_for`] picks, all at
    /// one em size and on one baseline.
    pub(crate) fn layout(&self, s: &str, size: f64, style: FontStyle) -> Line<'_> {
        let primary = self.primary(style);
        let line = PxScale::from(size as f32);
        let em = line.y * primary.units_per_em().unwrap_or(1000.0) / primary.height_unscaled();
        let scaled = primary.as_scaled(line);
        let mut glyphs = Vec::with_capacity(s.len());
        let mut x = 0.0f32;
        let mut prev: Option<(&FontRef<'static>, GlyphId)> = None;
        for c in s.chars() {
            let font = self.font_for(c, style);
            let scale = if std::ptr::eq(font, primary) {
                line
            } else {
                scale_for(font, em)
            };
            let sf = font.as_scaled(scale);
            let id = sf.glyph_id(c);
            if let Some((pf, pid)) = prev
                && std::ptr::eq(pf, font)
            {
                x += sf.kern(pid, id);
            }
            glyphs.push(Placed { font, scale, id, x });
            x += sf.h_advance(id);
            prev = Some((font, id));
        }
        // The baseline on a whole pixel: every glyph's flat bottom (a
        // period's, a digit's serif-less foot) then ends on a pixel edge,
        // crisp and level, with only round overshoots spilling below.
        let ascent = scaled.ascent().round();
        Line {
            glyphs,
            width: x,
            ascent,
            descent: ascent - (scaled.ascent() - scaled.descent()).round(),
        }
    }
}

impl Line<'_> {
    /// Pen position of each character's glyph, then the line's end.
    #[cfg(test)]
    pub(crate) fn pens(&self) -> Vec<f32> {
        self.glyphs.iter().map(|g| g.x).chain([self.width]).collect()
    }

    /// Width and height of the line box in whole pixels.
    pub(crate) fn size(&self) -> (u32, u32) {
        (
            self.width.ceil().max(0.0) as u32,
            (self.ascent - self.descent).ceil().max(0.0) as u32,
        )
    }

    /// Calls `ink(x, y, coverage)` for every pixel the text covers, with
    /// (0, 0) the top left corner of the line box; the baseline is at
    /// `y = ascent` for every glyph, whatever its font.
    pub(crate) fn raster(&self, mut ink: impl FnMut(i32, i32, f32)) {
        for g in &self.glyphs {
            let glyph = g.id.with_scale_and_position(g.scale, point(g.x, self.ascent));
            if let Some(outline) = g.font.outline_glyph(glyph) {
                let b = outline.px_bounds();
                let (x0, y0) = (b.min.x as i32, b.min.y as i32);
                outline.draw(|x, y, c| {
                    if c > 0.0 {
                        ink(x0 + x as i32, y0 + y as i32, c.min(1.0));
                    }
                });
            }
        }
    }
}

/// A backend whose text goes through [`Fonts`]: drawn pixel by pixel into a
/// bitmap (`raster`), or handed to the inner backend (SVG) and only
/// measured here. Everything else goes straight to the inner backend.
pub(crate) struct Typeset<DB> {
    inner: DB,
    raster: bool,
}

impl<DB: DrawingBackend> Typeset<DB> {
    /// Text into pixels (bitmaps).
    pub(crate) fn raster(inner: DB) -> Typeset<DB> {
        Typeset { inner, raster: true }
    }

    /// Text left to the inner backend, measured with the embedded fonts (SVG).
    pub(crate) fn vector(inner: DB) -> Typeset<DB> {
        Typeset { inner, raster: false }
    }
}

type Res<DB> = Result<(), DrawingErrorKind<<DB as DrawingBackend>::ErrorType>>;

impl<DB: DrawingBackend> DrawingBackend for Typeset<DB> {
    type ErrorType = DB::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Res<DB> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Res<DB> {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Res<DB> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, style: &S) -> Res<DB> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Res<DB> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, path: I, style: &S) -> Res<DB> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(&mut self, center: BackendCoord, radius: u32, style: &S, fill: bool) -> Res<DB> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, vert: I, style: &S) -> Res<DB> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(&mut self, pos: BackendCoord, size: (u32, u32), src: &[u8]) -> Res<DB> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        Ok(fonts().layout(text, style.size(), style.style()).size())
    }

    fn draw_text<S: BackendTextStyle>(&mut self, text: &str, style: &S, pos: BackendCoord) -> Res<DB> {
        if !self.raster {
            return self.inner.draw_text(text, style, pos);
        }
        let color = style.color();
        if color.alpha == 0.0 || text.is_empty() {
            return Ok(());
        }
        let line = fonts().layout(text, style.size(), style.style());
        let (w, h) = line.size();
        let (w, h) = (w as i32, h as i32);
        let anchor = style.anchor();
        let dx = match anchor.h_pos {
            HPos::Left => 0,
            HPos::Center => -w / 2,
            HPos::Right => -w,
        };
        let dy = match anchor.v_pos {
            VPos::Top => 0,
            VPos::Center => -h / 2,
            VPos::Bottom => -h,
        };
        let trans = style.transform();
        let mut pixels = Vec::new();
        line.raster(|x, y, c| pixels.push((x, y, c)));
        for (x, y, c) in pixels {
            let (x, y) = trans.transform(x + dx, y + dy);
            let ink = BackendColor {
                alpha: color.alpha * f64::from(c),
                rgb: color.rgb,
            };
            self.inner.draw_pixel((pos.0 + x, pos.1 + y), ink)?;
        }
        Ok(())
    }
}
