//! The master's geometry: finger silhouette, ridge orientation model with its singular
//! points, and ridge period map. All are smooth analytic functions of the position (image
//! coordinates: x right, y down, angles in radians).

use std::f32::consts::{FRAC_PI_2, PI};

use super::rng::{smoothstep, Rng, ValueNoise};

/// The five classes of the Henry system, as SFinGe generates them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FingerClass {
    /// Ridges cross the finger from side to side, rising in the middle; no singular point.
    Arch,
    /// An arch whose middle ridges rise to a point: a core right above a delta.
    TentedArch,
    /// Ridges enter from the left, recurve around the core and leave to the left; the delta
    /// is on the right.
    LeftLoop,
    /// The mirror image: ridges enter and leave on the right, delta on the left.
    RightLoop,
    /// Circular or spiral ridges around two cores, a delta on each side below.
    Whorl,
}

impl FingerClass {
    /// Natural class frequencies (Wilson, Candela and Watson 1994, as used by SFinGe):
    /// arch 3.7 %, tented arch 2.9 %, left loop 33.8 %, right loop 31.7 %, whorl 27.9 %.
    pub(crate) fn draw(rng: &mut Rng) -> FingerClass {
        let u = rng.unit();
        if u < 0.037 {
            FingerClass::Arch
        } else if u < 0.066 {
            FingerClass::TentedArch
        } else if u < 0.404 {
            FingerClass::LeftLoop
        } else if u < 0.721 {
            FingerClass::RightLoop
        } else {
            FingerClass::Whorl
        }
    }

    /// Lower-case name (`arch`, `tented-arch`, `left-loop`, `right-loop`, `whorl`).
    pub fn name(self) -> &'static str {
        match self {
            FingerClass::Arch => "arch",
            FingerClass::TentedArch => "tented-arch",
            FingerClass::LeftLoop => "left-loop",
            FingerClass::RightLoop => "right-loop",
            FingerClass::Whorl => "whorl",
        }
    }
}

/// The finger's silhouette: the top half of an ellipse on a flatter bottom (a superellipse of
/// exponent 4), the shape a fingertip leaves on a flat sensor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Shape {
    pub cx: f32,
    pub cy: f32,
    /// Half-width.
    pub a: f32,
    /// Extent above and below the centre.
    pub top: f32,
    pub bottom: f32,
}

impl Shape {
    /// Normalised distance from the centre: < 1 inside, 1 on the outline.
    pub fn distance(&self, x: f32, y: f32) -> f32 {
        let u = (x - self.cx) / self.a;
        if y <= self.cy {
            let v = (self.cy - y) / self.top;
            (u * u + v * v).sqrt()
        } else {
            let v = (y - self.cy) / self.bottom;
            (u.powi(4) + v.powi(4)).sqrt().sqrt()
        }
    }

    /// 1 inside, 0 outside, a soft edge about 4 px wide.
    pub fn coverage(&self, x: f32, y: f32) -> f32 {
        ((1.0 - self.distance(x, y)) * self.a / 4.0 + 0.5).clamp(0.0, 1.0)
    }
}

/// The arch "hump": how much the ridges of an arch rise in the middle of the finger.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Hump {
    /// Height (y) where the hump is most pronounced.
    pub y: f32,
    /// Vertical extent of the region with humped ridges.
    pub extent: f32,
    /// Rise of the ridges in the middle (px) and the half-width of the hump (px).
    pub rise: f32,
    pub spread: f32,
}

/// Ridge orientation: the zero-pole model (Sherlock and Monro 1993) θ = θ₀ + ½ Σ arg(z − core)
/// − ½ Σ arg(z − delta), with two corrections that keep every singular point where it is and
/// every Poincaré index as it is:
///
/// - around a loop's core, the angle is warped as Vizcaya and Gerhardt (1996) do with their
///   piecewise-linear functions, here the smooth g(α) = α − k·sin(α − α₀), where α₀ is the
///   direction in which the loop opens: g is flat around α₀ (the loop's two legs stay
///   parallel for longer) and steep around α₀ + π (the ridges turn quickly at the head), so
///   loops are narrow and long like real ones instead of round; g(α + 2π) = g(α) + 2π, so
///   the index stays ½;
/// - a smooth single-valued term bends ridges along the fingertip (and raises the middle of
///   an arch), and a gentle random waviness makes every finger's flow its own.
#[derive(Debug, Clone)]
pub(crate) struct OrientationModel {
    pub cores: Vec<(f32, f32)>,
    /// Per core: (axis direction α₀, k) of the angular correction g(α) = α − k·sin(α − α₀)
    /// (k = 0: none). See [`OrientationModel::angle`].
    pub core_warp: Vec<(f32, f32)>,
    pub deltas: Vec<(f32, f32)>,
    /// Background rotation θ₀ (0 = horizontal ridges far from the singular points).
    pub theta0: f32,
    pub shape: Shape,
    /// Strength of the fingertip arcs (0 = none).
    pub tip: f32,
    /// Where the fingertip arcs begin, in units of `shape.top` above the centre.
    pub tip_start: f32,
    pub hump: Option<Hump>,
    /// Individual waviness: smooth random angles added everywhere, (field, amplitude in
    /// radians) per octave.
    pub wobble: Vec<(ValueNoise, f32)>,
}

impl OrientationModel {
    /// Ridge direction at (x, y) in [0, π).
    pub fn angle(&self, x: f32, y: f32) -> f32 {
        let mut t = self.theta0;
        for (i, &(cx, cy)) in self.cores.iter().enumerate() {
            let alpha = (y - cy).atan2(x - cx);
            let (axis, k) = self.core_warp.get(i).copied().unwrap_or((0.0, 0.0));
            t += 0.5 * (alpha - k * (alpha - axis).sin());
        }
        for &(dx, dy) in &self.deltas {
            t -= 0.5 * (y - dy).atan2(x - dx);
        }
        t += self.slope(x, y).atan();
        for (noise, amplitude) in &self.wobble {
            t += amplitude * noise.at(x, y);
        }
        t.rem_euclid(PI)
    }

    /// Direction in which the loop of core `i` opens: the one direction α where the ridges
    /// run radially, θ(α) = α (mod π), found on a small circle around the core.
    pub fn opening(&self, i: usize) -> f32 {
        let (cx, cy) = self.cores[i];
        let mut best = (f32::MAX, 0.0);
        for step in 0..720 {
            let alpha = std::f32::consts::TAU * step as f32 / 720.0 - PI;
            let theta = self.angle(cx + 2.0 * alpha.cos(), cy + 2.0 * alpha.sin());
            let off = (theta - alpha).sin().abs();
            if off < best.0 {
                best = (off, alpha);
            }
        }
        best.1
    }

    /// Slope dy/dx of the correcting ridge family at (x, y).
    fn slope(&self, x: f32, y: f32) -> f32 {
        let s = &self.shape;
        let u = (x - s.cx) / s.a;
        let v = (s.cy - y) / s.top;
        let mut slope = 0.0;
        if self.tip > 0.0 {
            // Tangent of the elliptical outline through (x, y), faded in toward the tip.
            let k = self.tip * smoothstep(self.tip_start, 1.0, v);
            slope += k * (s.top / s.a) * u / (1.0 - u * u).max(0.12).sqrt();
        }
        if let Some(h) = self.hump {
            // Ridges y = y₀ − rise·exp(−x²/2s²) (image y down): slope rise·x/s²·exp(…).
            let dx = x - s.cx;
            let g = (-(((y - h.y) / h.extent).powi(2))).exp();
            slope += g * h.rise * dx / (h.spread * h.spread)
                * (-(dx * dx) / (2.0 * h.spread * h.spread)).exp();
        }
        slope
    }
}

/// Ridge period map: shorter toward the fingertip, a slow random drift, clamped to a
/// plausible range at 500 dpi.
#[derive(Debug, Clone)]
pub(crate) struct PeriodModel {
    pub base: f32,
    /// Change in period from the middle of the finger to its top (negative: shorter there).
    pub tip_change: f32,
    /// Change from the middle to the bottom.
    pub bottom_change: f32,
    pub drift: ValueNoise,
    pub drift_amplitude: f32,
    pub shape: Shape,
}

/// Shortest and longest ridge period the generator produces (px at 500 dpi).
pub const MIN_PERIOD: f32 = 7.5;
pub const MAX_PERIOD: f32 = 11.5;

impl PeriodModel {
    pub fn period(&self, x: f32, y: f32) -> f32 {
        let s = &self.shape;
        let v = ((y - s.cy) / if y < s.cy { s.top } else { s.bottom }).clamp(-1.2, 1.2);
        let vertical = if v < 0.0 {
            -v * self.tip_change
        } else {
            v * self.bottom_change
        };
        let p = self.base + vertical + self.drift_amplitude * self.drift.at(x, y);
        p.clamp(MIN_PERIOD, MAX_PERIOD)
    }
}

/// Poincaré index of an orientation field (angles in [0, π) or any representative) along a
/// circle of `radius` around (`cx`, `cy`): +½ for a core, −½ for a delta, 0 elsewhere.
pub fn poincare_index(cx: f32, cy: f32, radius: f32, orientation: impl Fn(f32, f32) -> f32) -> f32 {
    const STEPS: usize = 64;
    let at = |k: usize| {
        let a = std::f32::consts::TAU * k as f32 / STEPS as f32;
        orientation(cx + radius * a.cos(), cy + radius * a.sin())
    };
    let mut total = 0.0;
    let mut previous = at(0);
    for k in 1..=STEPS {
        let next = at(k % STEPS);
        let mut d = next - previous;
        // Orientations are defined modulo π: take the smallest turn.
        while d > FRAC_PI_2 {
            d -= PI;
        }
        while d <= -FRAC_PI_2 {
            d += PI;
        }
        total += d;
        previous = next;
    }
    total / std::f32::consts::TAU
}
