//! One impression of a master: how a 500 dpi optical sensor sees one touch of the finger.
//!
//! For every output pixel the renderer walks back to the master: undo the placement of the
//! finger on the sensor (rotation and translation), then the plastic distortion of the skin,
//! then reads the master's ridge pattern there. The distortion follows Cappelli, Maio and
//! Maltoni (2001): inside the close-contact region the skin does not move, in the outer region
//! it moves rigidly (a twist and a shift, as when the finger is pushed or turned on the
//! glass), and in between a smooth brake function blends the two. The grey level then
//! depends on the contact region (an irregular ellipse, offset for partial touches), the
//! pressure (a threshold on the ridge pattern: dry or light fingers give thin, broken ridges,
//! wet or heavy ones thick, merged ridges), smudges, optical blur and sensor noise.

use std::f32::consts::TAU;

use super::ridges::gaussian_blur;
use super::rng::{derive, smoothstep, Rng, ValueNoise};
use super::Master;
use crate::biometrics::FingerImage;

const TAG_IMPRESSION: u64 = 0x696D_7072_6573; // "impres"
const TAG_SKIN: u64 = 0x736B_696E; // "skin"

/// Capture conditions of [`impression_with`](super::impression_with). Each impression draws
/// its own values uniformly within these bounds.
///
/// The defaults are tuned so that the engine's equal error rate on a 20-finger, 8-impression
/// set lies close to its rate on FVC2002 DB1 (1.07 % on `jatigi synth --seed 1` against
/// 1.13 %, docs/synth.md): hard enough to measure something, not so hard that the task
/// stops resembling real captures. [`ImpressionParams::cooperative`] gives careful
/// enrollment captures, on which the engine makes almost no errors.
#[derive(Debug, Clone, PartialEq)]
pub struct ImpressionParams {
    /// Image size in pixels (500 dpi). Default 300 x 400 (15 x 20 mm), a common optical
    /// sensor window.
    pub width: usize,
    pub height: usize,
    /// Largest rotation of the finger on the sensor, degrees (default 15, as in FVC
    /// acquisition rules).
    pub max_rotation_degrees: f32,
    /// Largest translation of the finger, pixels (default 30).
    pub max_translation: f32,
    /// Largest shift of the outer skin relative to the close-contact region, pixels
    /// (default 14): the plastic distortion. With partial contact, the main source of
    /// genuine-pair errors.
    pub distortion: f32,
    /// Largest twist of the outer skin around the contact centre, degrees (default 4).
    pub distortion_twist_degrees: f32,
    /// Size of the contact region relative to the finger silhouette (default 0.6-1.0).
    /// Small, offset contact areas cause most errors, as on real sensors.
    pub contact: (f32, f32),
    /// Largest offset of the contact region from the finger centre, as a fraction of the
    /// finger's half-size (default 0.33): touches with the tip or the side of the finger.
    pub contact_offset: f32,
    /// Largest threshold shift on the ridge pattern (default 0.3): positive values thin the
    /// ridges (light or dry touch), negative values thicken them (heavy or wet touch).
    pub pressure: f32,
    /// Largest strength of dry patches where ridges break into fragments (default 0.7).
    pub dryness: f32,
    /// Standard deviation of the sensor noise, grey levels (default 10).
    pub noise: f32,
    /// Most smudges (wet smears or faded patches) per impression (default 2).
    pub smudges: usize,
}

impl Default for ImpressionParams {
    fn default() -> Self {
        ImpressionParams {
            width: 300,
            height: 400,
            max_rotation_degrees: 15.0,
            max_translation: 30.0,
            distortion: 14.0,
            distortion_twist_degrees: 4.0,
            contact: (0.6, 1.0),
            contact_offset: 0.33,
            pressure: 0.3,
            dryness: 0.7,
            noise: 10.0,
            smudges: 2,
        }
    }
}

impl ImpressionParams {
    /// A careful, operator-guided capture as at enrollment: the finger laid flat and
    /// centred, little twist, a normal skin condition. Distortion 7 px, contact 0.8-1.0 of
    /// the finger, offset up to 0.15, dryness up to 0.4, noise 6; the rest as the default.
    pub fn cooperative() -> Self {
        ImpressionParams {
            distortion: 7.0,
            distortion_twist_degrees: 2.0,
            contact: (0.8, 1.0),
            contact_offset: 0.15,
            dryness: 0.4,
            noise: 6.0,
            ..ImpressionParams::default()
        }
    }
}

/// A smudge: an elliptical patch where the ridges are smeared dark (wet) or faded (dry).
struct Smudge {
    x: f32,
    y: f32,
    rx: f32,
    ry: f32,
    strength: f32,
    wet: bool,
}

/// Half-width of the grey-level transition at a ridge edge, in units of the master's ridge
/// profile (1 = ridge centre): about a pixel and a half.
pub(crate) const RIDGE_EDGE: f32 = 0.35;

/// Most smudges drawn, whatever the parameters ask.
const MAX_SMUDGES: usize = 20;

/// Smallest and largest image side accepted from the parameters.
const MIN_SIDE: usize = 96;
const MAX_SIDE: usize = 2000;

pub(crate) fn render(master: &Master, seed: u64, params: &ImpressionParams) -> FingerImage {
    let mut rng = Rng::new(derive(master.seed(), derive(seed, TAG_IMPRESSION)));
    let width = params.width.clamp(MIN_SIDE, MAX_SIDE);
    let height = params.height.clamp(MIN_SIDE, MAX_SIDE);
    let shape = master.shape;
    let (mcx, mcy) = (shape.cx, shape.cy);
    let half_height = 0.5 * (shape.top + shape.bottom);

    // Placement on the sensor.
    let phi = rng.symmetric(params.max_rotation_degrees.to_radians());
    let (tx, ty) = (
        rng.symmetric(params.max_translation),
        rng.symmetric(params.max_translation),
    );
    let (cos_phi, sin_phi) = (phi.cos(), phi.sin());
    let (icx, icy) = (width as f32 / 2.0 + tx, height as f32 / 2.0 + ty);

    // Contact region (master coordinates).
    let scale = rng.range(params.contact.0, params.contact.1.max(params.contact.0));
    let ca = shape.a * scale * rng.range(0.92, 1.08);
    let cb = half_height * scale * rng.range(0.92, 1.05);
    let c0x = mcx + rng.symmetric(params.contact_offset * shape.a);
    let c0y = mcy + rng.symmetric(params.contact_offset * half_height) - 0.1 * half_height;
    let outline = ValueNoise::new(&mut rng, master.width(), master.height(), 36.0);

    // Plastic distortion: the outer skin is shifted and twisted relative to the contact centre.
    let direction = rng.range(0.0, TAU);
    let amount = params.distortion * rng.range(0.3, 1.0);
    let (sx, sy) = (amount * direction.cos(), amount * direction.sin());
    let twist = rng.symmetric(params.distortion_twist_degrees.to_radians());
    let (cos_t, sin_t) = (twist.cos(), twist.sin());
    let (brake_from, brake_to) = (rng.range(0.2, 0.4), rng.range(0.85, 1.1));

    // Pressure and dryness.
    let tau0 = rng.symmetric(params.pressure);
    let dryness = rng.range(0.0, params.dryness);
    let dry_patches = ValueNoise::new(&mut rng, master.width(), master.height(), 50.0);
    let breaks = ValueNoise::new(&mut rng, master.width(), master.height(), 5.0);
    // Skin texture (sweat pores, ridge edges): fixed on the finger, so every impression
    // shows the same; how strongly it prints varies with each touch.
    let skin = ValueNoise::new(
        &mut Rng::new(derive(master.seed(), TAG_SKIN)),
        master.width(),
        master.height(),
        3.0,
    );
    let texture = rng.range(0.15, 0.45);

    // Grey levels.
    let background = rng.range(215.0, 248.0);
    let depth = rng.range(170.0, 215.0);
    let shading = ValueNoise::new(&mut rng, width, height, 110.0);
    let smudges: Vec<Smudge> = (0..rng.below(params.smudges.min(MAX_SMUDGES) + 1))
        .map(|_| Smudge {
            x: c0x + rng.symmetric(0.7 * ca),
            y: c0y + rng.symmetric(0.7 * cb),
            rx: rng.range(12.0, 35.0),
            ry: rng.range(12.0, 35.0),
            strength: rng.range(0.4, 0.9),
            wet: rng.chance(0.5),
        })
        .collect();
    let blur = rng.range(0.45, 0.75);
    let mut noise_rng = rng.fork();

    let mut grey = vec![0.0f32; width * height];
    for y in 0..height {
        for x in 0..width {
            // Undo the placement…
            let (qx, qy) = (x as f32 - icx, y as f32 - icy);
            let px = mcx + cos_phi * qx + sin_phi * qy;
            let py = mcy - sin_phi * qx + cos_phi * qy;
            // …then the skin distortion.
            let (dx, dy) = (px - c0x, py - c0y);
            let d = ((dx / ca).powi(2) + (dy / cb).powi(2)).sqrt();
            let b = smoothstep(brake_from, brake_to, d);
            let mx = px + b * (cos_t * dx - sin_t * dy + sx - dx);
            let my = py + b * (sin_t * dx + cos_t * dy + sy - dy);

            let cover = master.coverage_at(mx, my);
            let edge = d + 0.06 * outline.at(mx, my);
            let contact = ((1.0 - edge) * ca.min(cb) / 3.0 + 0.5).clamp(0.0, 1.0);
            let touch = cover * contact;
            let paper = background + 8.0 * shading.at(x as f32, y as f32);
            if touch <= 0.0 {
                grey[y * width + x] = paper;
                continue;
            }
            // Lighter pressure toward the edge of the contact: thinner, fainter ridges.
            let mut tau = tau0 + 0.3 * smoothstep(0.8, 1.0, edge);
            tau +=
                dryness * smoothstep(-0.2, 0.6, dry_patches.at(mx, my)) * (0.4 + breaks.at(mx, my));
            tau += texture * skin.at(mx, my);
            let mut ridge = smoothstep(-RIDGE_EDGE, RIDGE_EDGE, master.ridge_at(mx, my) - tau);
            for s in &smudges {
                let e = ((mx - s.x) / s.rx).powi(2) + ((my - s.y) / s.ry).powi(2);
                let k = s.strength * (-e).exp();
                if s.wet {
                    ridge = ridge * (1.0 - k) + 0.7 * k;
                } else {
                    ridge *= 1.0 - 0.8 * k;
                }
            }
            let level = paper - depth * ridge * touch * (0.75 + 0.25 * contact);
            grey[y * width + x] = level;
        }
    }
    let grey = gaussian_blur(&grey, width, height, blur);
    let pixels = grey
        .iter()
        .map(|&v| {
            (v + params.noise * noise_rng.normal())
                .round()
                .clamp(0.0, 255.0) as u8
        })
        .collect();
    FingerImage {
        width,
        height,
        pixels,
    }
}
