//! Regenerate the committed test fixtures:
//!
//! * `fixtures/fingerprints/f{1,2,3}_{1,2}.png`: synthetic fingerprints with known minutiae,
//!   plus their ground truth as `.truth.jtgt` (a Jatigi template) and `.truth.json`;
//! * `fixtures/templates/*.jtgt`: template format test vectors, each with a `.json` sibling.
//!
//! Run with `cargo run -p jatigi-tests --example make_fixtures [OUTPUT_DIR]`; OUTPUT_DIR
//! defaults to `tests/fixtures`. Output is deterministic: running it twice gives the same bytes.
//!
//! # How the fingerprints are made
//!
//! Larkin & Fletcher's phase model ("A coherent framework for fingerprint analysis: are
//! fingerprints holograms?", Optics Express 2007): the grey level is
//! `127.5 + 110 cos φ(x, y)` with `φ = 2π·C(x, y) + Σ_k s_k·atan2(y - y_k, x - x_k)`.
//! `C` is a smooth carrier (ridge period about 9 px at 500 dpi, a loop-like curved field) and
//! every spiral point `(x_k, y_k)` with `s_k = ±1` adds one ridge line that ends there: a
//! minutia whose position, direction and kind (ending or bifurcation) are known exactly.
//! The second impression of a finger renders the same phase field rotated and shifted, with
//! another finger mask and other noise.

use std::error::Error;
use std::f64::consts::{PI, TAU};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use jatigi_core::biometrics::template::{Minutia, MinutiaKind, Template};

type Res<T> = Result<T, Box<dyn Error>>;

/// Image side, pixels at 500 dpi.
const SIDE: usize = 300;
/// Ridge period in pixels.
const PERIOD: f64 = 9.0;
/// Minimum distance between two minutiae.
const MIN_SPACING: f64 = 20.0;
/// Minimum distance from a minutia to the image border.
const BORDER: f64 = 25.0;
/// Distance from the loop's axis over which the fold correction fades out.
const FOLD_FADE: f64 = 45.0;
/// Minimum distance from a minutia to the loop's axis.
const AXIS_CLEARANCE: f64 = 16.0;

fn main() -> Res<()> {
    let out: PathBuf = match std::env::args_os().nth(1) {
        Some(dir) => dir.into(),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
    };
    let prints = out.join("fingerprints");
    let templates = out.join("templates");
    std::fs::create_dir_all(&prints)?;
    std::fs::create_dir_all(&templates)?;

    for spec in fingers() {
        let master = Master::new(&spec);
        for (impression, view) in [(1, spec.first), (2, spec.second)] {
            let name = format!("f{}_{}", spec.id, impression);
            let (pixels, truth) = master.render(&view);
            let png = prints.join(format!("{name}.png"));
            write_png(&png, &pixels)?;
            std::fs::write(prints.join(format!("{name}.truth.jtgt")), truth.to_bytes()?)?;
            std::fs::write(
                prints.join(format!("{name}.truth.json")),
                truth_json(&name, &view, &truth),
            )?;
            let endings = truth
                .minutiae
                .iter()
                .filter(|m| m.kind == MinutiaKind::Ending)
                .count();
            println!(
                "{}: {} minutiae ({} endings, {} bifurcations), {} bytes",
                png.display(),
                truth.minutiae.len(),
                endings,
                truth.minutiae.len() - endings,
                std::fs::metadata(&png)?.len()
            );
        }
    }

    for (name, description, template) in template_vectors() {
        let bytes = template.to_bytes()?;
        let path = templates.join(format!("{name}.jtgt"));
        std::fs::write(&path, &bytes)?;
        std::fs::write(
            templates.join(format!("{name}.json")),
            template_json(description, &template, None),
        )?;
        println!("{}: {} bytes", path.display(), bytes.len());
    }
    // A corrupted vector: the valid "two_minutiae" vector with one bit of the first minutia's
    // x flipped and the checksum left as it was.
    let (_, _, two) = template_vectors().swap_remove(1);
    let mut bytes = two.to_bytes()?;
    bytes[11] ^= 0x01;
    std::fs::write(templates.join("bad_checksum.jtgt"), &bytes)?;
    std::fs::write(
        templates.join("bad_checksum.json"),
        template_json(
            "two_minutiae.jtgt with bit 0 of byte 11 (first minutia x) flipped; the CRC no longer matches",
            &two,
            Some("BadChecksum"),
        ),
    )?;
    println!(
        "{}: {} bytes",
        templates.join("bad_checksum.jtgt").display(),
        bytes.len()
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Template vectors

fn minutia(x: u16, y: u16, angle: u8, kind: MinutiaKind, quality: u8) -> Minutia {
    Minutia {
        x,
        y,
        angle,
        kind,
        quality,
    }
}

/// (file stem, description, template). Keep in sync with tests/template_vectors.rs.
fn template_vectors() -> Vec<(&'static str, &'static str, Template)> {
    use MinutiaKind::{Bifurcation, Ending};
    vec![
        (
            "empty",
            "no minutiae: the smallest valid template (15 bytes)",
            Template {
                width: 256,
                height: 360,
                quality: 0,
                minutiae: vec![],
            },
        ),
        (
            "two_minutiae",
            "the worked example of docs/formats/template.md",
            Template {
                width: 300,
                height: 400,
                quality: 87,
                minutiae: vec![
                    minutia(100, 150, 64, Ending, 90),
                    minutia(200, 250, 192, Bifurcation, 45),
                ],
            },
        ),
        (
            "edge_values",
            "extremes of every field: corners, angles 0/1/128/255, qualities 0 and 100",
            Template {
                width: 65535,
                height: 480,
                quality: 100,
                minutiae: vec![
                    minutia(0, 0, 0, Ending, 0),
                    minutia(65534, 479, 255, Bifurcation, 100),
                    minutia(65534, 0, 128, Ending, 100),
                    minutia(0, 479, 1, Bifurcation, 0),
                    minutia(4660, 291, 127, Ending, 50),
                    minutia(258, 257, 129, Bifurcation, 99),
                ],
            },
        ),
    ]
}

fn kind_name(kind: MinutiaKind) -> &'static str {
    match kind {
        MinutiaKind::Ending => "ending",
        MinutiaKind::Bifurcation => "bifurcation",
    }
}

fn minutiae_json(out: &mut String, minutiae: &[Minutia]) {
    out.push_str("  \"minutiae\": [");
    for (i, m) in minutiae.iter().enumerate() {
        let sep = if i + 1 < minutiae.len() { "," } else { "" };
        let _ = write!(
            out,
            "\n    {{ \"x\": {}, \"y\": {}, \"angle\": {}, \"kind\": \"{}\", \"quality\": {} }}{sep}",
            m.x,
            m.y,
            m.angle,
            kind_name(m.kind),
            m.quality
        );
    }
    out.push_str(if minutiae.is_empty() {
        "]\n"
    } else {
        "\n  ]\n"
    });
}

fn template_json(description: &str, t: &Template, error: Option<&str>) -> String {
    let mut s = String::from("{\n");
    let _ = writeln!(s, "  \"description\": \"{description}\",");
    match error {
        Some(e) => {
            let _ = writeln!(s, "  \"expected_error\": \"{e}\",");
            s.push_str("  \"note\": \"fields of the template the bytes were made from\",\n");
        }
        None => {
            let _ = writeln!(
                s,
                "  \"length\": {},",
                Template::encoded_len(t.minutiae.len())
            );
        }
    }
    let _ = writeln!(s, "  \"version\": 1,");
    let _ = writeln!(s, "  \"width\": {},", t.width);
    let _ = writeln!(s, "  \"height\": {},", t.height);
    let _ = writeln!(s, "  \"quality\": {},", t.quality);
    minutiae_json(&mut s, &t.minutiae);
    s.push_str("}\n");
    s
}

fn truth_json(name: &str, view: &View, t: &Template) -> String {
    let mut s = String::from("{\n");
    let _ = writeln!(s, "  \"image\": \"{name}.png\",");
    let _ = writeln!(s, "  \"dpi\": 500,");
    let _ = writeln!(
        s,
        "  \"note\": \"ground truth; same data as {name}.truth.jtgt. angle in units of 2*pi/256 counter-clockwise with y up (docs/formats/template.md); quality 100 well inside the finger, 40 near its edge. Master point p maps to image point R(p - (150, 150)) + (150, 150) + shift, R rotating clockwise on screen.\","
    );
    let _ = writeln!(
        s,
        "  \"transform_from_master\": {{ \"rotation_degrees_clockwise\": {}, \"shift_x\": {}, \"shift_y\": {} }},",
        view.rotation_deg, view.shift.0, view.shift.1
    );
    let _ = writeln!(s, "  \"width\": {},", t.width);
    let _ = writeln!(s, "  \"height\": {},", t.height);
    minutiae_json(&mut s, &t.minutiae);
    s.push_str("}\n");
    s
}

// ---------------------------------------------------------------------------------------------
// Fingerprints

/// SplitMix64: a tiny deterministic generator, plenty for fixtures.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// Roughly normal, mean 0, standard deviation 1 (Irwin-Hall with 4 terms).
    fn normal(&mut self) -> f64 {
        let s: f64 = (0..4).map(|_| self.unit()).sum();
        (s - 2.0) * 3f64.sqrt()
    }
}

/// Elliptical finger mask: centre, semi-axes, tilt (radians).
#[derive(Clone, Copy)]
struct Mask {
    centre: (f64, f64),
    axes: (f64, f64),
    tilt: f64,
}

impl Mask {
    /// Approximate signed distance inside the ellipse, in pixels (negative outside).
    fn inside(&self, x: f64, y: f64) -> f64 {
        let (dx, dy) = (x - self.centre.0, y - self.centre.1);
        let (c, s) = (self.tilt.cos(), self.tilt.sin());
        let (u, v) = (c * dx + s * dy, -s * dx + c * dy);
        let rho = ((u / self.axes.0).powi(2) + (v / self.axes.1).powi(2)).sqrt();
        (1.0 - rho) * self.axes.0.min(self.axes.1)
    }

    /// Weight of the finger against the white background: 0 outside, 1 well inside.
    fn weight(&self, x: f64, y: f64) -> f64 {
        let t = (self.inside(x, y) / 14.0).clamp(0.0, 1.0);
        t * t * (3.0 - 2.0 * t)
    }
}

/// How one impression sees the master finger.
#[derive(Clone, Copy)]
struct View {
    rotation_deg: f64,
    shift: (f64, f64),
    mask: Mask,
    seed: u64,
}

struct FingerSpec {
    id: u32,
    seed: u64,
    /// Carrier centre (the loop's core), master coordinates.
    core: (f64, f64),
    /// Vertical stretch of the carrier's distance field.
    stretch: f64,
    /// Direction of the loop's axis from the core, degrees from straight down.
    lean_deg: f64,
    /// How much the axis turns over its length, degrees.
    turn_deg: f64,
    minutiae: usize,
    first: View,
    second: View,
}

fn fingers() -> Vec<FingerSpec> {
    let mask = |cx, cy, ax, ay, tilt_deg: f64| Mask {
        centre: (cx, cy),
        axes: (ax, ay),
        tilt: tilt_deg.to_radians(),
    };
    vec![
        FingerSpec {
            id: 1,
            seed: 0x4A41_5449_4749_0001,
            core: (152.0, 118.0),
            stretch: 1.1,
            lean_deg: 10.0,
            turn_deg: 60.0,
            minutiae: 34,
            first: View {
                rotation_deg: 0.0,
                shift: (0.0, 0.0),
                mask: mask(150.0, 155.0, 118.0, 150.0, 0.0),
                seed: 11,
            },
            second: View {
                rotation_deg: 14.0,
                shift: (12.0, -9.0),
                mask: mask(155.0, 150.0, 114.0, 148.0, 6.0),
                seed: 12,
            },
        },
        FingerSpec {
            id: 2,
            seed: 0x4A41_5449_4749_0002,
            core: (140.0, 132.0),
            stretch: 0.9,
            lean_deg: -5.0,
            turn_deg: -70.0,
            minutiae: 32,
            first: View {
                rotation_deg: 0.0,
                shift: (0.0, 0.0),
                mask: mask(148.0, 152.0, 120.0, 146.0, -4.0),
                seed: 21,
            },
            second: View {
                rotation_deg: -17.0,
                shift: (-10.0, 11.0),
                mask: mask(146.0, 156.0, 116.0, 150.0, -9.0),
                seed: 22,
            },
        },
        FingerSpec {
            id: 3,
            seed: 0x4A41_5449_4749_0003,
            core: (160.0, 108.0),
            stretch: 1.15,
            lean_deg: 20.0,
            turn_deg: 45.0,
            minutiae: 36,
            first: View {
                rotation_deg: 0.0,
                shift: (0.0, 0.0),
                mask: mask(152.0, 150.0, 122.0, 152.0, 3.0),
                seed: 31,
            },
            second: View {
                rotation_deg: 11.0,
                shift: (8.0, 13.0),
                mask: mask(150.0, 148.0, 117.0, 147.0, 8.0),
                seed: 32,
            },
        },
    ]
}

/// The loop's axis: a circular arc that starts at the core and leaves the finger. Its
/// nearest-point map is continuous over the whole image (the arc's centre lies far outside).
struct Arc {
    centre: (f64, f64),
    radius: f64,
    /// Polar angle, seen from the centre, of the core end.
    start: f64,
    /// +1 or -1: the direction in which the polar angle runs along the arc.
    sense: f64,
    /// Angular length.
    span: f64,
}

impl Arc {
    /// The arc from `core`, heading `lean_deg` from straight down and turning by `turn_deg`
    /// (non-zero) over 320 px.
    fn new(core: (f64, f64), lean_deg: f64, turn_deg: f64) -> Arc {
        let length = 320.0;
        let turn = turn_deg.to_radians();
        let radius = length / turn.abs().max(1e-3);
        let heading = lean_deg.to_radians();
        let dir = (heading.sin(), heading.cos());
        // d(dir)/d(heading) = (cos, -sin): the centre lies on that side for a positive turn.
        let side = turn.signum();
        let centre = (
            core.0 + side * radius * heading.cos(),
            core.1 - side * radius * heading.sin(),
        );
        let (ax, ay) = (core.0 - centre.0, core.1 - centre.1);
        let sense = (ax * dir.1 - ay * dir.0).signum();
        Arc {
            centre,
            radius,
            start: ay.atan2(ax),
            sense,
            span: length / radius,
        }
    }

    fn nearest(&self, x: f64, y: f64) -> (f64, f64) {
        let beta = (y - self.centre.1).atan2(x - self.centre.0);
        let t = (self.sense * (beta - self.start) + PI).rem_euclid(TAU) - PI;
        let a = self.start + self.sense * t.clamp(0.0, self.span);
        (
            self.centre.0 + self.radius * a.cos(),
            self.centre.1 + self.radius * a.sin(),
        )
    }
}

/// A spiral point: position (master coordinates) and polarity ±1.
#[derive(Clone, Copy)]
struct Spiral {
    x: f64,
    y: f64,
    s: f64,
    /// Wanted minutia kind; the point is nudged until the rendered pattern agrees.
    kind: MinutiaKind,
}

/// The phase field of one finger.
struct Master {
    core: (f64, f64),
    stretch: f64,
    /// The loop's axis.
    axis: Arc,
    spirals: Vec<Spiral>,
}

impl Master {
    fn new(spec: &FingerSpec) -> Master {
        let mut rng = Rng(spec.seed);
        let mut master = Master {
            core: spec.core,
            stretch: spec.stretch,
            axis: Arc::new(spec.core, spec.lean_deg, spec.turn_deg),
            spirals: Vec::new(),
        };
        let region = spec.first.mask;
        let mut tries = 0;
        while master.spirals.len() < spec.minutiae && tries < 20_000 {
            tries += 1;
            let (x, y) = (
                rng.range(BORDER, SIDE as f64 - BORDER),
                rng.range(BORDER, SIDE as f64 - BORDER),
            );
            // Away from the loop's axis (and its core end): the fold correction in `phase`
            // samples the spiral phase on the axis, which must vary smoothly there.
            let far_from_axis = master.axis_distance(x, y) >= AXIS_CLEARANCE + 6.0;
            let spaced = master
                .spirals
                .iter()
                .all(|p| (p.x - x).hypot(p.y - y) >= MIN_SPACING + 6.0);
            if region.inside(x, y) >= 18.0 && far_from_axis && spaced {
                let n = master.spirals.len();
                // Balanced polarities keep the ridge frequency even; kinds alternate in pairs.
                let s = if n & 1 == 0 { 1.0 } else { -1.0 };
                let kind = if (n >> 1) & 1 == 0 {
                    MinutiaKind::Ending
                } else {
                    MinutiaKind::Bifurcation
                };
                master.spirals.push(Spiral { x, y, s, kind });
            }
        }
        master.settle();
        let worst = (0..master.spirals.len())
            .map(|k| {
                let target = match master.spirals[k].kind {
                    MinutiaKind::Ending => PI,
                    MinutiaKind::Bifurcation => 0.0,
                };
                ((target - master.extra_phase(k) + PI).rem_euclid(TAU) - PI).abs()
            })
            .fold(0.0, f64::max);
        if worst > 0.5 {
            eprintln!(
                "warning: finger {}: a minutia is {worst:.2} rad from a clean ending/bifurcation",
                spec.id
            );
        }
        master
    }

    /// Nearest point of the loop's axis to (`x`, `y`) and the distance to it, in a metric
    /// stretched vertically by `stretch`.
    fn nearest_on_axis(&self, x: f64, y: f64) -> ((f64, f64), f64) {
        let p = self.axis.nearest(x, y);
        let d = ((x - p.0).powi(2) + ((y - p.1) * self.stretch).powi(2)).sqrt();
        (p, d)
    }

    /// Plain distance from (`x`, `y`) to the loop's axis.
    fn axis_distance(&self, x: f64, y: f64) -> f64 {
        let (px, py) = self.axis.nearest(x, y);
        (x - px).hypot(y - py)
    }

    /// Sum of the spiral phases at (`x`, `y`).
    fn spiral_phase(&self, x: f64, y: f64) -> f64 {
        self.spirals
            .iter()
            .map(|p| p.s * (y - p.y).atan2(x - p.x))
            .sum()
    }

    /// Full phase in radians.
    ///
    /// The carrier is 2π/PERIOD times the distance to a curved axis hanging from the core and
    /// leaving the finger, so ridges recurve around the core and run out along both sides like
    /// a loop. The distance folds along the axis; near it a correction equal (modulo 2π) to
    /// the spiral phase of the nearest axis point is subtracted, so the phase is exactly 0 (a
    /// valley centre) on the fold, the two sides mirror each other there and the fold is
    /// invisible. The correction fades out within FOLD_FADE px of the axis.
    fn phase(&self, x: f64, y: f64) -> f64 {
        let (p, d) = self.nearest_on_axis(x, y);
        let t = (1.0 - d / FOLD_FADE).clamp(0.0, 1.0);
        let weight = t * t * (3.0 - 2.0 * t);
        let correction = if weight > 0.0 {
            self.fold_correction(p)
        } else {
            0.0
        };
        TAU * d / PERIOD + self.spiral_phase(x, y) - weight * correction
    }

    /// A value equal to the spiral phase at axis point `p` modulo 2π, continuous along the
    /// axis and small: each spiral's angle is measured from the direction of the axis as seen
    /// from the spiral, so its branch cut points away from the axis and never crosses it.
    fn fold_correction(&self, p: (f64, f64)) -> f64 {
        let wrap = |a: f64| (a + PI).rem_euclid(TAU) - PI;
        let at = |q: (f64, f64)| -> f64 {
            self.spirals
                .iter()
                .map(|sp| {
                    let n = self.axis.nearest(sp.x, sp.y);
                    let reference = (n.1 - sp.y).atan2(n.0 - sp.x);
                    sp.s * (wrap((q.1 - sp.y).atan2(q.0 - sp.x) - reference) + reference)
                })
                .sum()
        };
        let offset = TAU * (at(self.core) / TAU).round();
        at(p) - offset
    }

    /// Phase without the contribution of spiral `k`.
    fn phase_without(&self, k: usize, x: f64, y: f64) -> f64 {
        let own = self
            .spirals
            .get(k)
            .map_or(0.0, |p| p.s * (y - p.y).atan2(x - p.x));
        self.phase(x, y) - own
    }

    /// Local wave vector (gradient of the phase without spiral `k`) at spiral `k`.
    fn wave_vector(&self, k: usize) -> (f64, f64) {
        let Some(p) = self.spirals.get(k) else {
            return (1.0, 0.0);
        };
        let h = 0.5;
        let wrap = |a: f64| (a + PI).rem_euclid(TAU) - PI;
        let gx = wrap(self.phase_without(k, p.x + h, p.y) - self.phase_without(k, p.x - h, p.y))
            / (2.0 * h);
        let gy = wrap(self.phase_without(k, p.x, p.y + h) - self.phase_without(k, p.x, p.y - h))
            / (2.0 * h);
        (gx, gy)
    }

    /// Unit direction, from spiral `k`, of the side that holds one more ridge line than the
    /// other: the ridge (ending) or valley (bifurcation) that ends at the minutia lies there.
    fn extra_side(&self, k: usize) -> (f64, f64) {
        let (gx, gy) = self.wave_vector(k);
        let s = self.spirals.get(k).map_or(1.0, |p| p.s);
        let n = gx.hypot(gy).max(1e-9);
        (s * gy / n, -s * gx / n)
    }

    /// Phase along the extra side, a few pixels from spiral `k`: near π the line that ends is
    /// a dark ridge (ridge ending), near 0 a light valley (bifurcation).
    fn extra_phase(&self, k: usize) -> f64 {
        let (ex, ey) = self.extra_side(k);
        let p = self.spirals[k];
        self.phase(p.x + 3.0 * ex, p.y + 3.0 * ey)
    }

    /// Nudge every spiral across the ridges until the line ending there is the centre of a
    /// ridge (ending) or of a valley (bifurcation), so each minutia is unambiguous; drop
    /// spirals that end up too close to another.
    fn settle(&mut self) {
        for _round in 0..6 {
            for _ in 0..5 {
                for k in 0..self.spirals.len() {
                    let target = match self.spirals[k].kind {
                        MinutiaKind::Ending => PI,
                        MinutiaKind::Bifurcation => 0.0,
                    };
                    let error = (target - self.extra_phase(k) + PI).rem_euclid(TAU) - PI;
                    let (gx, gy) = self.wave_vector(k);
                    let g2 = (gx * gx + gy * gy).max(1e-9);
                    // Moving by δ along the wave vector shifts the phase by |g|·δ.
                    let p = &mut self.spirals[k];
                    p.x += error * gx / g2;
                    p.y += error * gy / g2;
                }
            }
            let before = self.spirals.len();
            let mut kept: Vec<Spiral> = Vec::new();
            for p in self.spirals.iter().copied() {
                let ok = kept
                    .iter()
                    .all(|q| (q.x - p.x).hypot(q.y - p.y) >= MIN_SPACING)
                    && p.x >= BORDER
                    && p.y >= BORDER
                    && p.x <= SIDE as f64 - BORDER
                    && p.y <= SIDE as f64 - BORDER
                    && self.axis_distance(p.x, p.y) >= AXIS_CLEARANCE;
                if ok {
                    kept.push(p);
                }
            }
            self.spirals = kept;
            if self.spirals.len() == before {
                break;
            }
        }
    }

    /// Render one impression: 8-bit grey pixels and the ground-truth template.
    fn render(&self, view: &View) -> (Vec<u8>, Template) {
        let (c, s) = (
            view.rotation_deg.to_radians().cos(),
            view.rotation_deg.to_radians().sin(),
        );
        let centre = (SIDE as f64 / 2.0, SIDE as f64 / 2.0);
        // Impression pixel q = R (p - centre) + centre + shift, p in master coordinates.
        let to_master = |qx: f64, qy: f64| {
            let (dx, dy) = (qx - centre.0 - view.shift.0, qy - centre.1 - view.shift.1);
            (c * dx + s * dy + centre.0, -s * dx + c * dy + centre.1)
        };
        let to_view = |px: f64, py: f64| {
            let (dx, dy) = (px - centre.0, py - centre.1);
            (
                c * dx - s * dy + centre.0 + view.shift.0,
                s * dx + c * dy + centre.1 + view.shift.1,
            )
        };

        let mut rng = Rng(view.seed);
        // Pressure: a smooth contrast variation across the finger.
        let (px, py) = (rng.range(-1.0, 1.0), rng.range(-1.0, 1.0));
        let mut pixels = Vec::with_capacity(SIDE * SIDE);
        for y in 0..SIDE {
            for x in 0..SIDE {
                let (qx, qy) = (x as f64, y as f64);
                let (mx, my) = to_master(qx, qy);
                let contrast = 0.85
                    + 0.15 * ((px * (qx - 150.0) + py * (qy - 150.0)) / 150.0).clamp(-1.0, 1.0);
                let grey = 127.5 + 110.0 * contrast * self.phase(mx, my).cos() + 5.0 * rng.normal();
                let w = view.mask.weight(qx, qy);
                let v = w * grey + (1.0 - w) * 255.0;
                pixels.push(v.round().clamp(0.0, 255.0) as u8);
            }
        }

        let mut minutiae = Vec::new();
        for (k, p) in self.spirals.iter().enumerate() {
            let (x, y) = to_view(p.x, p.y);
            // Keep every minutia that shows: inside the frame and not lost in the faded edge
            // of the finger. Those near the edge get a lower quality.
            let margin = 4.0;
            if x < margin
                || y < margin
                || x > SIDE as f64 - 1.0 - margin
                || y > SIDE as f64 - 1.0 - margin
            {
                continue;
            }
            let depth = view.mask.inside(x, y);
            if depth < 4.0 {
                continue;
            }
            let quality = if depth >= 16.0
                && x >= 16.0
                && y >= 16.0
                && x <= SIDE as f64 - 17.0
                && y <= SIDE as f64 - 17.0
            {
                100
            } else {
                40
            };
            let (ex, ey) = self.extra_side(k);
            let (vx, vy) = (c * ex - s * ey, s * ex + c * ey);
            // Template angles are counter-clockwise with y up.
            let angle = Minutia::angle_from_radians((-vy).atan2(vx) as f32);
            minutiae.push(Minutia {
                x: x.round() as u16,
                y: y.round() as u16,
                angle,
                kind: p.kind,
                quality,
            });
        }
        minutiae.sort_by_key(|m| (m.y, m.x));
        let truth = Template {
            width: SIDE as u16,
            height: SIDE as u16,
            quality: 100,
            minutiae,
        };
        (pixels, truth)
    }
}

fn write_png(path: &Path, pixels: &[u8]) -> Res<()> {
    let img = image::GrayImage::from_raw(SIDE as u32, SIDE as u32, pixels.to_vec())
        .ok_or("pixel buffer does not match the image size")?;
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let encoder = image::codecs::png::PngEncoder::new_with_quality(
        file,
        image::codecs::png::CompressionType::Best,
        image::codecs::png::FilterType::Adaptive,
    );
    img.write_with_encoder(encoder)?;
    Ok(())
}
