//! Heat maps and line plots as PNG files: [`heat_map`], [`line_plot`].

use std::fs::File;
use std::io::BufWriter;

use font8x8::{UnicodeFonts, BASIC_FONTS, GREEK_FONTS, LATIN_FONTS};

type Rgb = [u8; 3];

const WHITE: Rgb = [255, 255, 255];
const BLACK: Rgb = [0, 0, 0];
const GREY: Rgb = [200, 200, 200];

/// Viridis (matplotlib's default map): perceptually uniform and readable in grey scale and by
/// colour-blind readers. Nine anchors, linearly interpolated, `t` in `[0, 1]`.
pub fn viridis(t: f64) -> Rgb {
    const ANCHORS: [Rgb; 9] = [
        [68, 1, 84],
        [71, 44, 122],
        [59, 81, 139],
        [44, 113, 142],
        [33, 144, 141],
        [39, 173, 129],
        [92, 200, 99],
        [170, 220, 50],
        [253, 231, 37],
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * (ANCHORS.len() - 1) as f64;
    let i = (x.floor() as usize).min(ANCHORS.len() - 2);
    let f = x - i as f64;
    let (a, b) = (ANCHORS[i], ANCHORS[i + 1]);
    core::array::from_fn(|c| (a[c] as f64 + f * (b[c] as f64 - a[c] as f64)).round() as u8)
}

/// Colours for the lines of a [`line_plot`], distinguishable by colour-blind readers (the
/// Okabe–Ito palette).
pub const LINE_COLOURS: [Rgb; 6] = [
    [0, 114, 178],
    [213, 94, 0],
    [0, 158, 115],
    [204, 121, 167],
    [230, 159, 0],
    [86, 180, 233],
];

/// An RGB raster.
struct Canvas {
    width: usize,
    height: usize,
    pixels: Vec<Rgb>,
}

/// Where a text's anchor point sits on the text.
#[derive(Clone, Copy)]
enum Align {
    Left,
    Centre,
    Right,
}

impl Canvas {
    fn new(width: usize, height: usize) -> Self {
        Self {
            width,
            height,
            pixels: vec![WHITE; width * height],
        }
    }

    fn set(&mut self, x: i64, y: i64, c: Rgb) {
        if x >= 0 && y >= 0 && (x as usize) < self.width && (y as usize) < self.height {
            self.pixels[y as usize * self.width + x as usize] = c;
        }
    }

    fn rect(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, c: Rgb) {
        for y in y0..y1 {
            for x in x0..x1 {
                self.set(x, y, c);
            }
        }
    }

    fn frame(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, c: Rgb) {
        self.rect(x0, y0, x1, y0 + 1, c);
        self.rect(x0, y1 - 1, x1, y1, c);
        self.rect(x0, y0, x0 + 1, y1, c);
        self.rect(x1 - 1, y0, x1, y1, c);
    }

    /// A line of width `w` (Bresenham, thickened by squares).
    fn line(&mut self, (x0, y0): (i64, i64), (x1, y1): (i64, i64), w: i64, c: Rgb) {
        let (dx, dy) = ((x1 - x0).abs(), -(y1 - y0).abs());
        let (sx, sy) = (if x0 < x1 { 1 } else { -1 }, if y0 < y1 { 1 } else { -1 });
        let (mut x, mut y, mut err) = (x0, y0, dx + dy);
        loop {
            self.rect(x - w / 2, y - w / 2, x - w / 2 + w, y - w / 2 + w, c);
            if x == x1 && y == y1 {
                break;
            }
            let e2 = 2 * err;
            if e2 >= dy {
                err += dy;
                x += sx;
            }
            if e2 <= dx {
                err += dx;
                y += sy;
            }
        }
    }

    /// Text with its vertical centre at `y`, scaled by `scale` (8·scale pixels high);
    /// `vertical` draws it bottom to top, centred on `x`.
    fn text(&mut self, x: i64, y: i64, s: &str, scale: i64, align: Align, vertical: bool) {
        let glyphs: Vec<[u8; 8]> = s
            .chars()
            .map(|ch| {
                BASIC_FONTS
                    .get(ch)
                    .or_else(|| LATIN_FONTS.get(ch))
                    .or_else(|| GREEK_FONTS.get(ch))
                    .unwrap_or([0; 8])
            })
            .collect();
        let length = glyphs.len() as i64 * 8 * scale;
        let start = match align {
            Align::Left => 0,
            Align::Centre => -length / 2,
            Align::Right => -length,
        };
        for (k, glyph) in glyphs.iter().enumerate() {
            for (row, bits) in glyph.iter().enumerate() {
                for col in 0..8 {
                    if bits & (1 << col) == 0 {
                        continue;
                    }
                    let along = start + (k as i64 * 8 + col) * scale;
                    let across = (row as i64 - 4) * scale;
                    for dy in 0..scale {
                        for dx in 0..scale {
                            if vertical {
                                self.set(x + across + dy, y - along - dx, BLACK);
                            } else {
                                self.set(x + along + dx, y + across + dy, BLACK);
                            }
                        }
                    }
                }
            }
        }
    }

    fn save(&self, path: &str) -> Result<(), Box<dyn std::error::Error>> {
        let file = BufWriter::new(File::create(path)?);
        let mut encoder = png::Encoder::new(file, self.width as u32, self.height as u32);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        let bytes: Vec<u8> = self.pixels.iter().flatten().copied().collect();
        writer.write_image_data(&bytes)?;
        Ok(())
    }
}

/// A tick label: few digits, scientific notation for very large or small values.
fn tick_label(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 {
        "0".into()
    } else if !(1e-3..1e4).contains(&a) {
        format!("{v:.1e}")
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// `count + 1` evenly spaced ticks over `[lo, hi]`.
fn ticks(lo: f64, hi: f64, count: usize) -> impl Iterator<Item = f64> {
    (0..=count).map(move |k| lo + (hi - lo) * k as f64 / count as f64)
}

/// Axis lines, ticks, tick labels and the three texts around a plot area whose pixel box is
/// `(x0, y0)–(x1, y1)`; `to_x`/`to_y` map data values to pixels.
#[allow(clippy::too_many_arguments)]
fn axes(
    c: &mut Canvas,
    (x0, y0, x1, y1): (i64, i64, i64, i64),
    x_ticks: &[(f64, String)],
    y_ticks: &[(f64, String)],
    to_x: impl Fn(f64) -> i64,
    to_y: impl Fn(f64) -> i64,
    title: &str,
    x_label: &str,
    y_label: &str,
) {
    c.frame(x0 - 1, y0 - 1, x1 + 1, y1 + 1, BLACK);
    for (v, label) in x_ticks {
        let x = to_x(*v);
        c.rect(x, y1, x + 1, y1 + 6, BLACK);
        c.text(x, y1 + 16, label, 1, Align::Centre, false);
    }
    for (v, label) in y_ticks {
        let y = to_y(*v);
        c.rect(x0 - 6, y, x0, y + 1, BLACK);
        c.text(x0 - 10, y, label, 1, Align::Right, false);
    }
    c.text((x0 + x1) / 2, y0 / 2, title, 2, Align::Centre, false);
    c.text((x0 + x1) / 2, y1 + 40, x_label, 1, Align::Centre, false);
    c.text(16, (y0 + y1) / 2, y_label, 1, Align::Centre, true);
}

/// A field on a regular grid as a heat map: `field[j·nx + i]` is the value at column `i`
/// (x from `x_range.0` to `x_range.1`, left to right) and row `j` (y upwards), with axes, a
/// title and a colour bar that gives the scale.
#[allow(clippy::too_many_arguments)]
pub fn heat_map(
    path: &str,
    field: &[f64],
    (nx, ny): (usize, usize),
    x_range: (f64, f64),
    y_range: (f64, f64),
    title: &str,
    (x_label, y_label): (&str, &str),
    bar_label: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    assert_eq!(
        field.len(),
        nx * ny,
        "heat_map: the field must have nx·ny values"
    );
    let (plot, left, top) = (480i64, 90i64, 60i64);
    let mut c = Canvas::new(800, 620);
    let finite = field.iter().copied().filter(|v| v.is_finite());
    let lo = finite.clone().fold(f64::INFINITY, f64::min);
    let hi = finite.fold(f64::NEG_INFINITY, f64::max);
    let span = if hi > lo { hi - lo } else { 1.0 };
    for py in 0..plot {
        // Row 0 of the grid is at the bottom.
        let j = (((plot - 1 - py) as f64 + 0.5) / plot as f64 * ny as f64) as usize;
        for px in 0..plot {
            let i = ((px as f64 + 0.5) / plot as f64 * nx as f64) as usize;
            let v = field[j.min(ny - 1) * nx + i.min(nx - 1)];
            c.set(left + px, top + py, viridis((v - lo) / span));
        }
    }
    let to_x =
        |v: f64| left + ((v - x_range.0) / (x_range.1 - x_range.0) * (plot - 1) as f64) as i64;
    let to_y = |v: f64| {
        top + plot - 1 - ((v - y_range.0) / (y_range.1 - y_range.0) * (plot - 1) as f64) as i64
    };
    let labelled = |lo: f64, hi: f64| -> Vec<(f64, String)> {
        ticks(lo, hi, 4).map(|v| (v, tick_label(v))).collect()
    };
    axes(
        &mut c,
        (left, top, left + plot, top + plot),
        &labelled(x_range.0, x_range.1),
        &labelled(y_range.0, y_range.1),
        to_x,
        to_y,
        title,
        x_label,
        y_label,
    );
    // The colour bar: low values at the bottom, as on the y axis.
    let (bx0, bx1) = (left + plot + 50, left + plot + 75);
    for py in 0..plot {
        let t = (plot - 1 - py) as f64 / (plot - 1) as f64;
        c.rect(bx0, top + py, bx1, top + py + 1, viridis(t));
    }
    c.frame(bx0 - 1, top - 1, bx1 + 1, top + plot + 1, BLACK);
    for v in ticks(lo, hi, 5) {
        let y = top + plot - 1 - ((v - lo) / span * (plot - 1) as f64) as i64;
        c.rect(bx1, y, bx1 + 5, y + 1, BLACK);
        c.text(bx1 + 9, y, &tick_label(v), 1, Align::Left, false);
    }
    c.text(bx1 + 90, top + plot / 2, bar_label, 1, Align::Centre, true);
    c.save(path)
}

/// Which way an axis maps values to pixels.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Evenly spaced values.
    Linear,
    /// Evenly spaced decades (values must be positive).
    Log,
}

/// One curve of a [`line_plot`]: its legend entry and its points.
pub struct Series<'a> {
    pub label: &'a str,
    pub points: &'a [(f64, f64)],
}

/// Curves `y(x)` with axes, a title and a legend; each axis linear or logarithmic.
pub fn line_plot(
    path: &str,
    series: &[Series<'_>],
    (x_scale, y_scale): (Scale, Scale),
    title: &str,
    (x_label, y_label): (&str, &str),
) -> Result<(), Box<dyn std::error::Error>> {
    let warp = |s: Scale, v: f64| if s == Scale::Log { v.log10() } else { v };
    let usable = |s: Scale, v: f64| v.is_finite() && (s == Scale::Linear || v > 0.0);
    let points = || {
        series
            .iter()
            .flat_map(|s| s.points.iter())
            .filter(|(x, y)| usable(x_scale, *x) && usable(y_scale, *y))
    };
    let range = |f: &dyn Fn(&(f64, f64)) -> f64, s: Scale| {
        let (lo, hi) = points().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            let v = warp(s, f(p));
            (lo.min(v), hi.max(v))
        });
        let (lo, hi) = if hi > lo {
            (lo, hi)
        } else {
            (lo - 0.5, lo + 0.5)
        };
        if s == Scale::Log {
            (lo.floor(), hi.ceil())
        } else {
            (lo, hi)
        }
    };
    let (xlo, xhi) = range(&|p| p.0, x_scale);
    let (ylo, yhi) = range(&|p| p.1, y_scale);
    let (left, top, width, height) = (100i64, 60i64, 560i64, 420i64);
    let mut c = Canvas::new(780, 560);
    let to_x = |v: f64| left + ((v - xlo) / (xhi - xlo) * (width - 1) as f64) as i64;
    let to_y = |v: f64| top + height - 1 - ((v - ylo) / (yhi - ylo) * (height - 1) as f64) as i64;
    let labelled = |lo: f64, hi: f64, s: Scale| -> Vec<(f64, String)> {
        if s == Scale::Log {
            let decades = (hi - lo) as usize;
            let step = decades.div_ceil(10).max(1);
            (0..=decades)
                .step_by(step)
                .map(|k| (lo + k as f64, format!("1e{}", (lo + k as f64) as i64)))
                .collect()
        } else {
            ticks(lo, hi, 5).map(|v| (v, tick_label(v))).collect()
        }
    };
    let (xt, yt) = (labelled(xlo, xhi, x_scale), labelled(ylo, yhi, y_scale));
    for (v, _) in &yt {
        c.rect(left, to_y(*v), left + width, to_y(*v) + 1, GREY);
    }
    axes(
        &mut c,
        (left, top, left + width, top + height),
        &xt,
        &yt,
        to_x,
        to_y,
        title,
        x_label,
        y_label,
    );
    for (k, s) in series.iter().enumerate() {
        let colour = LINE_COLOURS[k % LINE_COLOURS.len()];
        let pixels: Vec<(i64, i64)> = s
            .points
            .iter()
            .filter(|(x, y)| usable(x_scale, *x) && usable(y_scale, *y))
            .map(|&(x, y)| (to_x(warp(x_scale, x)), to_y(warp(y_scale, y))))
            .collect();
        for w in pixels.windows(2) {
            c.line(w[0], w[1], 2, colour);
        }
        // The legend, top right inside the plot.
        let ly = top + 16 + 16 * k as i64;
        c.rect(left + width - 170, ly, left + width - 146, ly + 3, colour);
        c.text(left + width - 138, ly + 1, s.label, 1, Align::Left, false);
    }
    c.save(path)
}
