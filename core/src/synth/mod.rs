//! Synthetic fingerprints: master fingers and their impressions, deterministic from a seed.
//!
//! The method follows SFinGe (Cappelli, Maio and Maltoni, 2000-2004; Maltoni et al.,
//! *Handbook of Fingerprint Recognition*, ch. 6), written from the published descriptions:
//!
//! 1. **Master** ([`master`]): a class drawn with natural frequencies, singular points placed
//!    for that class, a finger silhouette, a ridge orientation field from the zero-pole model
//!    (Sherlock and Monro 1993) with smooth corrections (a Vizcaya-Gerhardt-style warp of
//!    the angle around loop cores, ridges bent along the fingertip, an individual waviness),
//!    a ridge period map (7.5-11.5 px at 500 dpi, shorter toward the tip), and the ridge
//!    pattern grown from weak noise by iterative oriented Gabor filtering, which leaves
//!    endings and bifurcations at random places.
//! 2. **Impression** ([`impression`]): the master seen through one touch of a 500 dpi optical
//!    sensor: rotation and translation, plastic skin distortion (Cappelli, Maio and Maltoni
//!    2001: a close-contact region that does not move, an outer region moved rigidly, a
//!    smooth transition between), partial contact, pressure and dryness (ridge thickness and
//!    breaks), smudges, blur and noise; dark ridges on a light background.
//!
//! Everything is a pure function of the seeds: no clock, no system randomness, no threads.
//! The same seed gives the same bytes on every run (and on every platform whose `f32`
//! transcendental functions agree).
//!
//! ```no_run
//! use jatigi_core::synth;
//! let finger = synth::master(42);
//! let first = synth::impression(&finger, 1);
//! let second = synth::impression(&finger, 2);
//! std::fs::write("42_1.png", synth::encode_png(&first).unwrap()).unwrap();
//! # let _ = second;
//! ```
//!
//! The model, its parameters and the measured accuracy are documented in docs/synth.md.

mod field;
mod impression;
mod ridges;
mod rng;

#[cfg(test)]
mod tests;

use thiserror::Error;

use crate::biometrics::FingerImage;
pub use field::{poincare_index, FingerClass, MAX_PERIOD, MIN_PERIOD};
pub use impression::ImpressionParams;

use field::{Hump, OrientationModel, PeriodModel, Shape};
use rng::{derive, Rng, ValueNoise};

/// Size of a master finger's canvas (pixels at 500 dpi, about 17 x 23 mm).
pub const MASTER_WIDTH: usize = 336;
pub const MASTER_HEIGHT: usize = 448;

/// Filtering passes that grow a master's ridges from noise. Two or three passes cover the
/// finger with short ridges; later passes join them and heal defects one by one, lining the
/// survivors up along the places where the flow forces a ridge more or less. 16 passes leave
/// long ridges and a count like real fingers (a median of 34 minutiae found by the extractor
/// in a 300 x 400 impression, 32 on FVC2002 DB1); 30 passes leave fewer, more regular ones,
/// and impostor scores between different masters rise (docs/synth.md).
const GROWTH_PASSES: usize = 16;

/// Random waviness added to every master's orientation field: (lattice spacing in pixels,
/// amplitude in radians) per octave. Without it masters of one class differ only by the
/// placement of their singular points and their minutiae sit in like neighbourhoods:
/// impostor scores between different masters are much higher (docs/synth.md).
const WOBBLE: [(f32, f32); 2] = [(64.0, 0.5), (32.0, 0.4)];

/// Why a synthetic image could not be written.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SynthError {
    #[error("the image buffer is inconsistent with its size")]
    InvalidImage,
    #[error("PNG encoding failed: {0}")]
    Png(String),
}

/// Stream tags, so that the seeds of different purposes never collide.
const TAG_MASTER: u64 = 0x6D61_7374_6572; // "master"
const TAG_FINGER: u64 = 0x6669_6E67_6572; // "finger"

/// A master fingerprint: the whole ridge pattern of one synthetic finger, from which any
/// number of impressions can be taken.
#[derive(Debug, Clone)]
pub struct Master {
    seed: u64,
    class: FingerClass,
    orientation: OrientationModel,
    period: PeriodModel,
    shape: Shape,
    /// Ridge pattern, row-major, [-1, 1]: 1 at a ridge centre, -1 in a valley.
    ridges: Vec<f32>,
}

impl Master {
    /// The seed this master was made from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn class(&self) -> FingerClass {
        self.class
    }

    pub fn width(&self) -> usize {
        MASTER_WIDTH
    }

    pub fn height(&self) -> usize {
        MASTER_HEIGHT
    }

    /// Positions of the cores (pixels on the master canvas; may lie outside the finger).
    pub fn cores(&self) -> &[(f32, f32)] {
        &self.orientation.cores
    }

    /// Positions of the deltas.
    pub fn deltas(&self) -> &[(f32, f32)] {
        &self.orientation.deltas
    }

    /// Centre of the finger silhouette on the master canvas.
    pub fn centre(&self) -> (f32, f32) {
        (self.shape.cx, self.shape.cy)
    }

    /// Model ridge direction at (x, y), radians in [0, π), image coordinates (y down).
    pub fn orientation_at(&self, x: f32, y: f32) -> f32 {
        self.orientation.angle(x, y)
    }

    /// Model ridge period at (x, y), pixels at 500 dpi.
    pub fn period_at(&self, x: f32, y: f32) -> f32 {
        self.period.period(x, y)
    }

    /// How much of the finger covers (x, y): 1 inside the silhouette, 0 outside.
    pub fn coverage_at(&self, x: f32, y: f32) -> f32 {
        self.shape.coverage(x, y)
    }

    /// Ridge pattern at (x, y), bilinear: 1 at a ridge centre, -1 in a valley, 0 off the
    /// canvas.
    pub fn ridge_at(&self, x: f32, y: f32) -> f32 {
        let (w, h) = (MASTER_WIDTH, MASTER_HEIGHT);
        if !(x >= 0.0 && y >= 0.0 && x <= (w - 1) as f32 && y <= (h - 1) as f32) {
            return 0.0;
        }
        let (x0, y0) = (x as usize, y as usize);
        let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
        let (tx, ty) = (x - x0 as f32, y - y0 as f32);
        let r = &self.ridges;
        let top = r[y0 * w + x0] + (r[y0 * w + x1] - r[y0 * w + x0]) * tx;
        let bottom = r[y1 * w + x0] + (r[y1 * w + x1] - r[y1 * w + x0]) * tx;
        top + (bottom - top) * ty
    }

    /// The ideal print: every ridge of the finger, full contact, no noise (a
    /// `MASTER_WIDTH` x `MASTER_HEIGHT` image, 500 dpi).
    pub fn render(&self) -> FingerImage {
        let (w, h) = (MASTER_WIDTH, MASTER_HEIGHT);
        let mut pixels = Vec::with_capacity(w * h);
        for y in 0..h {
            for x in 0..w {
                let c = self.shape.coverage(x as f32, y as f32);
                let ridge = rng::smoothstep(
                    -impression::RIDGE_EDGE,
                    impression::RIDGE_EDGE,
                    self.ridges[y * w + x],
                );
                pixels.push((250.0 - 215.0 * ridge * c).round().clamp(0.0, 255.0) as u8);
            }
        }
        FingerImage {
            width: w,
            height: h,
            pixels,
        }
    }
}

/// Seed of the master of finger number `finger` in a set generated from `set_seed` (what
/// `jatigi synth --seed S` uses: finger 101 of seed S is `master(master_seed(S, 101))`).
pub fn master_seed(set_seed: u64, finger: u64) -> u64 {
    derive(derive(set_seed, TAG_FINGER), finger)
}

/// Build the master fingerprint of `seed`.
pub fn master(seed: u64) -> Master {
    let mut rng = Rng::new(derive(seed, TAG_MASTER));
    let class = FingerClass::draw(&mut rng);
    let shape = Shape {
        cx: MASTER_WIDTH as f32 / 2.0 + rng.symmetric(6.0),
        cy: 218.0 + rng.symmetric(8.0),
        a: rng.range(128.0, 150.0),
        top: rng.range(150.0, 178.0),
        bottom: rng.range(175.0, 215.0),
    };
    let orientation = orientation_model(class, shape, &mut rng);
    let period = PeriodModel {
        base: rng.range(8.4, 10.0),
        tip_change: -rng.range(0.4, 1.1),
        bottom_change: rng.range(0.0, 0.8),
        drift: ValueNoise::new(&mut rng, MASTER_WIDTH, MASTER_HEIGHT, 70.0),
        drift_amplitude: 0.6,
        shape,
    };

    let (w, h) = (MASTER_WIDTH, MASTER_HEIGHT);
    let mut angles = Vec::with_capacity(w * h);
    let mut periods = Vec::with_capacity(w * h);
    let mut active = Vec::with_capacity(w * h);
    for y in 0..h {
        for x in 0..w {
            let (fx, fy) = (x as f32, y as f32);
            angles.push(orientation.angle(fx, fy));
            periods.push(period.period(fx, fy));
            active.push(shape.distance(fx, fy) < 1.06);
        }
    }
    let mut growth = rng.fork();
    let ridges = ridges::grow(w, h, &angles, &periods, &active, GROWTH_PASSES, &mut growth);
    Master {
        seed,
        class,
        orientation,
        period,
        shape,
        ridges,
    }
}

/// Singular points and correction terms for a class.
fn orientation_model(class: FingerClass, shape: Shape, rng: &mut Rng) -> OrientationModel {
    let (cx, cy) = (shape.cx, shape.cy);
    let mut cores = Vec::new();
    let mut deltas = Vec::new();
    let mut hump = None;
    match class {
        FingerClass::Arch => {
            hump = Some(Hump {
                y: cy - rng.range(-10.0, 40.0),
                extent: rng.range(60.0, 100.0),
                rise: rng.range(25.0, 50.0),
                spread: rng.range(45.0, 70.0),
            });
        }
        FingerClass::TentedArch => {
            let core = (cx + rng.symmetric(15.0), cy - rng.range(0.0, 40.0));
            cores.push(core);
            deltas.push((core.0 + rng.symmetric(10.0), core.1 + rng.range(45.0, 80.0)));
        }
        FingerClass::LeftLoop | FingerClass::RightLoop => {
            let core = (cx + rng.symmetric(20.0), cy - rng.range(10.0, 50.0));
            let side = if class == FingerClass::LeftLoop {
                1.0
            } else {
                -1.0
            };
            cores.push(core);
            deltas.push((
                core.0 + side * rng.range(70.0, 120.0),
                core.1 + rng.range(80.0, 130.0),
            ));
        }
        FingerClass::Whorl => {
            let centre = (cx + rng.symmetric(12.0), cy - rng.range(10.0, 40.0));
            let half = rng.range(8.0, 18.0);
            let a = std::f32::consts::FRAC_PI_2 + rng.symmetric(0.8);
            cores.push((centre.0 + half * a.cos(), centre.1 - half * a.sin()));
            cores.push((centre.0 - half * a.cos(), centre.1 + half * a.sin()));
            deltas.push((
                centre.0 - rng.range(90.0, 130.0),
                centre.1 + rng.range(80.0, 130.0),
            ));
            deltas.push((
                centre.0 + rng.range(90.0, 130.0),
                centre.1 + rng.range(80.0, 130.0),
            ));
        }
    }
    let warp = match class {
        FingerClass::LeftLoop | FingerClass::RightLoop => rng.range(0.35, 0.65),
        FingerClass::TentedArch => rng.range(0.0, 0.3),
        _ => 0.0,
    };
    let mut model = OrientationModel {
        cores,
        core_warp: Vec::new(),
        deltas,
        theta0: rng.symmetric(0.12),
        shape,
        tip: rng.range(0.6, 1.0),
        tip_start: rng.range(0.1, 0.4),
        hump,
        wobble: WOBBLE
            .iter()
            .map(|&(spacing, amplitude)| {
                (ValueNoise::new(rng, MASTER_WIDTH, MASTER_HEIGHT, spacing), amplitude)
            })
            .collect(),
    };
    // The warp is about the direction the loop opens in without it (g(α₀) = α₀ keeps it).
    model.core_warp = (0..model.cores.len())
        .map(|i| (model.opening(i), warp))
        .collect();
    model
}

/// One impression of `master` with the default capture conditions
/// ([`ImpressionParams::default`]). Different `seed`s give different touches of the same
/// finger; the same seed gives the same image.
pub fn impression(master: &Master, seed: u64) -> FingerImage {
    impression::render(master, seed, &ImpressionParams::default())
}

/// One impression of `master` under the given capture conditions.
pub fn impression_with(master: &Master, seed: u64, params: &ImpressionParams) -> FingerImage {
    impression::render(master, seed, params)
}

/// Encode an image as an 8-bit grey PNG (what `jatigi eval` and `FingerImage::decode` read).
pub fn encode_png(image: &FingerImage) -> Result<Vec<u8>, SynthError> {
    use image::ImageEncoder;
    let (w, h) = (image.width, image.height);
    if w == 0
        || h == 0
        || w.checked_mul(h) != Some(image.pixels.len())
        || w > u32::MAX as usize
        || h > u32::MAX as usize
    {
        return Err(SynthError::InvalidImage);
    }
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(
            &image.pixels,
            w as u32,
            h as u32,
            image::ExtendedColorType::L8,
        )
        .map_err(|e| SynthError::Png(e.to_string()))?;
    Ok(out)
}

/// Lay images side by side on a white background, `gap` pixels apart and top-aligned
/// (for contact sheets such as the README picture).
pub fn side_by_side(images: &[&FingerImage], gap: usize) -> FingerImage {
    let width = images.iter().map(|i| i.width).sum::<usize>() + gap * (images.len() + 1);
    let height = images.iter().map(|i| i.height).max().unwrap_or(0) + 2 * gap;
    let mut pixels = vec![255u8; width * height];
    let mut left = gap;
    for image in images {
        for y in 0..image.height {
            for x in 0..image.width {
                pixels[(y + gap) * width + left + x] = image.get(x, y);
            }
        }
        left += image.width + gap;
    }
    FingerImage {
        width,
        height,
        pixels,
    }
}
