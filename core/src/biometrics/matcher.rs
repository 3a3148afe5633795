//! 1:1 matcher: Minutia Cylinder-Code bit descriptors (Cappelli, Ferrara and Maltoni, IEEE
//! TPAMI 2010) compared by XOR and popcount, consolidated by Local Similarity Sort with
//! Relaxation. Descriptors are relative to each minutia, so the score is invariant to
//! rotation and translation; the Gaussian spread of each cylinder cell and the relaxation's
//! tolerances absorb elastic distortion; cells outside the overlapping area are ignored.
//!
//! A [`PreparedTemplate`] is built once per template; a [`Matcher`] owns scratch buffers and
//! lookup tables, so [`Matcher::compare`] allocates nothing.

use super::calibration::calibrate;
use super::params::*;
use super::template::Template;
use std::f32::consts::{PI, TAU};

const NS: usize = MCC_SPATIAL_CELLS;
const ND: usize = MCC_DIRECTION_CELLS;
/// Machine words holding one direction layer of spatial cells.
const WORDS: usize = (NS * NS).div_ceil(64);
/// Prepared templates keep at most this many minutiae (bit sets are 128 wide).
const MAX_PREPARED: usize = 128;

type Bits = [u64; WORDS];

/// One minutia with its cylinder.
#[derive(Debug, Clone, Copy)]
struct Entry {
    x: f32,
    y: f32,
    /// Direction in image coordinates (y down), radians, with its cosine and sine.
    theta: f32,
    cos: f32,
    sin: f32,
    /// Cells that lie inside the disc and the finger's area.
    valid: Bits,
    /// One bit per spatial cell, per direction layer.
    layers: [Bits; ND],
}

/// A template prepared once for many comparisons: one cylinder per usable minutia.
#[derive(Debug, Clone)]
pub struct PreparedTemplate {
    entries: Vec<Entry>,
}

impl PreparedTemplate {
    /// Build the cylinders of a template.
    pub fn new(template: &Template) -> Self {
        let mut minutiae = template.minutiae.clone();
        if minutiae.len() > MAX_PREPARED {
            minutiae.sort_by(|a, b| b.quality.cmp(&a.quality));
            minutiae.truncate(MAX_PREPARED);
        }
        let points: Vec<(f32, f32, f32)> =
            minutiae.iter().map(|m| (m.x as f32, m.y as f32, (-m.radians()).rem_euclid(TAU))).collect();
        let area = Area::new(&points.iter().map(|p| (p.0, p.1)).collect::<Vec<_>>());
        let mut entries: Vec<Entry> = points
            .iter()
            .enumerate()
            .filter_map(|(i, &(x, y, theta))| cylinder(i, &points, &area).map(|(valid, layers)| Entry { x, y, theta, cos: theta.cos(), sin: theta.sin(), valid, layers }))
            .collect();
        // Sorted by direction, the minutiae a probe minutia may pair with form one or two
        // contiguous runs: no test and no mispredicted branch per impossible pair.
        entries.sort_by(|p, q| p.theta.total_cmp(&q.theta));
        PreparedTemplate { entries }
    }

    /// Number of minutiae with a usable cylinder.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Angle difference folded to [-π, π).
#[inline]
fn angle_diff(a: f32, b: f32) -> f32 {
    // Inputs are angles in [0, 2π) or differences in [-π, π): one wrap suffices, and a
    // branch is much cheaper than a float remainder in the matcher's inner loop.
    let d = a - b;
    if d >= PI {
        d - TAU
    } else if d < -PI {
        d + TAU
    } else {
        d
    }
}

fn erf(x: f32) -> f32 {
    // Abramowitz and Stegun 7.1.26, error below 1.5e-7.
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let y = 1.0 - (((((1.061_405_4 * t - 1.453_152_1) * t) + 1.421_413_7) * t - 0.284_496_74) * t + 0.254_829_6) * t * (-x * x).exp();
    if x >= 0.0 { y } else { -y }
}

/// Steps of the spatial contribution table over squared distances 0..reach².
const GAUSSIAN_STEPS: usize = 4096;

/// The spatial contribution (normalised Gaussian, σS) by squared distance, computed once.
fn spatial_table() -> &'static [f32; GAUSSIAN_STEPS + 1] {
    static TABLE: std::sync::OnceLock<[f32; GAUSSIAN_STEPS + 1]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let reach2 = (3.0 * MCC_SIGMA_S) * (3.0 * MCC_SIGMA_S);
        let norm = 1.0 / (MCC_SIGMA_S * (2.0 * PI).sqrt());
        std::array::from_fn(|i| {
            let d2 = i as f32 / GAUSSIAN_STEPS as f32 * reach2;
            norm * (-d2 / (2.0 * MCC_SIGMA_S * MCC_SIGMA_S)).exp()
        })
    })
}

/// Steps of the directional contribution table over relative directions −π..π (0.35°).
const DIRECTION_STEPS: usize = 1024;

/// A neighbour's contribution to each direction layer (Gaussian σD integrated over the
/// layer) by its direction relative to the centre minutia, computed once.
fn directional_table() -> &'static [[f32; ND]; DIRECTION_STEPS] {
    static TABLE: std::sync::OnceLock<[[f32; ND]; DIRECTION_STEPS]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let layer_width = TAU / ND as f32;
        let scale = MCC_SIGMA_D * std::f32::consts::SQRT_2;
        std::array::from_fn(|step| {
            let dtheta = step as f32 / DIRECTION_STEPS as f32 * TAU - PI;
            std::array::from_fn(|k| {
                let centre = -PI + (k as f32 + 0.5) * layer_width;
                let x = angle_diff(centre, dtheta);
                0.5 * (erf((x + layer_width / 2.0) / scale) - erf((x - layer_width / 2.0) / scale))
            })
        })
    })
}

/// Build the cylinder of minutia `i`; `None` when too little of it is valid.
fn cylinder(i: usize, points: &[(f32, f32, f32)], area: &Area) -> Option<(Bits, [Bits; ND])> {
    let (xm, ym, tm) = points[i];
    let (c, s) = (tm.cos(), tm.sin());
    let step = 2.0 * MCC_RADIUS / NS as f32;
    let reach = 3.0 * MCC_SIGMA_S;
    // Each neighbour's directional contribution to the six layers depends only on its
    // direction relative to the centre minutia: read from a table, not once per cell.
    let directional = directional_table();
    let neighbours: Vec<(f32, f32, [f32; ND])> = (0..points.len())
        .filter(|&t| t != i)
        .filter(|&t| {
            let (dx, dy) = (points[t].0 - xm, points[t].1 - ym);
            dx * dx + dy * dy <= (MCC_RADIUS + reach) * (MCC_RADIUS + reach)
        })
        .map(|t| {
            let dtheta = angle_diff(tm, points[t].2);
            let step = ((dtheta + PI) / TAU * DIRECTION_STEPS as f32).round() as usize % DIRECTION_STEPS;
            (points[t].0, points[t].1, directional[step])
        })
        .collect();
    if neighbours.len() < MCC_MIN_NEIGHBOURS {
        return None;
    }
    // Cell centres in the minutia's frame: (index − (NS − 1) / 2) · step on each axis.
    let centre = |index: usize| (index as f32 - (NS as f32 - 1.0) / 2.0) * step;
    let (mut valid, mut in_disc) = ([0u64; WORDS], 0usize);
    for cj in 0..NS {
        for ci in 0..NS {
            let (u, v) = (centre(ci), centre(cj));
            if u * u + v * v > MCC_RADIUS * MCC_RADIUS {
                continue;
            }
            in_disc += 1;
            // Rotated into the image to test against the finger's area.
            let (px, py) = (xm + c * u - s * v, ym + s * u + c * v);
            if area.contains(px, py, MCC_HULL_MARGIN) {
                let cell = cj * NS + ci;
                valid[cell / 64] |= 1u64 << (cell % 64);
            }
        }
    }
    // Each neighbour adds to the few cells within its reach only.
    let gaussian = spatial_table();
    let gaussian_scale = GAUSSIAN_STEPS as f32 / (reach * reach);
    let mut sums = [[0.0f32; ND]; NS * NS];
    let last = (NS - 1) as f32;
    for (nx, ny, directional) in &neighbours {
        let (dx, dy) = (nx - xm, ny - ym);
        let (u, v) = (c * dx + s * dy, c * dy - s * dx);
        let range = |t: f32| {
            let lo = ((t - reach) / step + last / 2.0).ceil().clamp(0.0, last) as usize;
            let hi = ((t + reach) / step + last / 2.0).floor().clamp(0.0, last) as usize;
            lo..=hi
        };
        for cj in range(v) {
            for ci in range(u) {
                let cell = cj * NS + ci;
                if valid[cell / 64] & (1u64 << (cell % 64)) == 0 {
                    continue;
                }
                let (du, dv) = (u - centre(ci), v - centre(cj));
                let d2 = du * du + dv * dv;
                if d2 > reach * reach {
                    continue;
                }
                let spatial = gaussian[((d2 * gaussian_scale) as usize).min(GAUSSIAN_STEPS)];
                for (sum, d) in sums[cell].iter_mut().zip(directional) {
                    *sum += spatial * d;
                }
            }
        }
    }
    let mut layers = [[0u64; WORDS]; ND];
    for (cell, cell_sums) in sums.iter().enumerate() {
        for k in 0..ND {
            if cell_sums[k] >= MCC_BIT_THRESHOLD {
                layers[k][cell / 64] |= 1u64 << (cell % 64);
            }
        }
    }
    let valid_cells: u32 = valid.iter().map(|w| w.count_ones()).sum();
    let enough = valid_cells as f32 >= MCC_MIN_VALID_FRACTION * in_disc as f32;
    enough.then_some((valid, layers))
}

/// Convex hull (Andrew's monotone chain), counter-clockwise in image coordinates.
fn convex_hull(points: &[(f32, f32)]) -> Vec<(f32, f32)> {
    let mut p = points.to_vec();
    p.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    p.dedup();
    if p.len() < 3 {
        return p;
    }
    let cross = |o: (f32, f32), a: (f32, f32), b: (f32, f32)| (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0);
    let mut hull: Vec<(f32, f32)> = Vec::with_capacity(2 * p.len());
    for pass in 0..2 {
        let start = hull.len();
        let iter: Box<dyn Iterator<Item = &(f32, f32)>> = if pass == 0 { Box::new(p.iter()) } else { Box::new(p.iter().rev()) };
        for &pt in iter {
            while hull.len() >= start + 2 && cross(hull[hull.len() - 2], hull[hull.len() - 1], pt) <= 0.0 {
                hull.pop();
            }
            hull.push(pt);
        }
        hull.pop();
    }
    hull
}

/// The finger's area as the minutiae's convex hull grown by a margin, held as edge lines:
/// a point is inside when its signed distance to every edge line is at most the margin.
/// (Corners come out mitred rather than rounded: slightly generous, and one dot product per
/// edge instead of a point-to-segment distance.)
struct Area {
    /// Outward unit normal (nx, ny) and offset c of each edge: distance = nx·x + ny·y − c.
    edges: Vec<(f32, f32, f32)>,
    /// Fewer than three distinct minutiae: the points themselves.
    points: Vec<(f32, f32)>,
}

impl Area {
    fn new(points: &[(f32, f32)]) -> Self {
        let hull = convex_hull(points);
        if hull.len() < 3 {
            return Area { edges: Vec::new(), points: hull };
        }
        let edges = (0..hull.len())
            .filter_map(|k| {
                let (a, b) = (hull[k], hull[(k + 1) % hull.len()]);
                let (ex, ey) = (b.0 - a.0, b.1 - a.1);
                let len = (ex * ex + ey * ey).sqrt();
                // Counter-clockwise in image coordinates (y down): outward is (ey, −ex).
                (len > 0.0).then(|| {
                    let (nx, ny) = (ey / len, -ex / len);
                    (nx, ny, nx * a.0 + ny * a.1)
                })
            })
            .collect();
        Area { edges, points: Vec::new() }
    }

    fn contains(&self, x: f32, y: f32, margin: f32) -> bool {
        if self.edges.is_empty() {
            return self.points.iter().any(|&(px, py)| (px - x).powi(2) + (py - y).powi(2) <= margin * margin);
        }
        self.edges.iter().all(|&(nx, ny, c)| nx * x + ny * y - c <= margin)
    }
}


/// A sigmoid's linear stand-in: (value at which it is 1, value at which it is 0).
type Ramp = (f32, f32);

/// Distances of two pairs agree (paper: sigmoid μ = 5 px, τ = −8/5; the ramp keeps the
/// centre and the slope τ/4).
const DISTANCE_RAMP: Ramp = ramp_of(RELAX_MU_DISTANCE, RELAX_TAU_DISTANCE);
/// Angles agree (paper: μ = π/12, τ = −30), as cosines of the angle difference.
const ANGLE_RAMP: Ramp = ramp_of(RELAX_MU_ANGLE, RELAX_TAU_ANGLE);

const fn ramp_of(mu: f32, tau: f32) -> Ramp {
    let half_width = 2.0 / -tau;
    (mu - half_width, mu + half_width)
}

#[inline(always)]
fn ramp(v: f32, (one, zero): Ramp) -> f32 {
    ((zero - v) / (zero - one)).clamp(0.0, 1.0)
}

/// The angle ramp applied to an angle given by its cosine (cos falls on [0, π]).
#[inline(always)]
fn ramp_cos(c: f32, (cos_one, cos_zero): (f32, f32)) -> f32 {
    ((c - cos_zero) / (cos_one - cos_zero)).clamp(0.0, 1.0)
}

/// Dot product with independent lanes so that it vectorises.
#[inline]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            lanes[l] += x[l] * y[l];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// Positions and directions of the chosen pairs, laid out for the relaxation loop.
#[derive(Debug, Clone)]
struct PairGeometry {
    ax: Vec<f32>,
    ay: Vec<f32>,
    ac: Vec<f32>,
    as_: Vec<f32>,
    bx: Vec<f32>,
    by: Vec<f32>,
    bc: Vec<f32>,
    bs: Vec<f32>,
    /// cos and sin of the rotation θa − θb that the pair implies.
    rot_cos: Vec<f32>,
    rot_sin: Vec<f32>,
}

impl PairGeometry {
    fn with_capacity(n: usize) -> Self {
        let v = || Vec::with_capacity(n);
        PairGeometry { ax: v(), ay: v(), ac: v(), as_: v(), bx: v(), by: v(), bc: v(), bs: v(), rot_cos: v(), rot_sin: v() }
    }

    fn clear(&mut self) {
        for v in [&mut self.ax, &mut self.ay, &mut self.ac, &mut self.as_, &mut self.bx, &mut self.by, &mut self.bc, &mut self.bs, &mut self.rot_cos, &mut self.rot_sin] {
            v.clear();
        }
    }

    fn push(&mut self, a: &Entry, b: &Entry) {
        self.ax.push(a.x);
        self.ay.push(a.y);
        self.ac.push(a.cos);
        self.as_.push(a.sin);
        self.bx.push(b.x);
        self.by.push(b.y);
        self.bc.push(b.cos);
        self.bs.push(b.sin);
        self.rot_cos.push(a.cos * b.cos + a.sin * b.sin);
        self.rot_sin.push(a.sin * b.cos - a.cos * b.sin);
    }
}

/// Compares prepared templates; holds scratch space and lookup tables.
#[derive(Debug, Clone)]
pub struct Matcher {
    /// Candidate pairs as sortable keys: similarity bits (positive floats order like their
    /// bits), then the two minutia indices.
    pairs: Vec<u64>,
    chosen: Vec<(f32, u8, u8)>,
    geometry: PairGeometry,
    rho: Vec<f32>,
    lambda: Vec<f32>,
    next: Vec<f32>,
    efficiency: Vec<(f32, f32)>,
    /// cos of the angle differences where the angle ramp reaches 1 and 0.
    cos_ramp: (f32, f32),
    sqrt_lut: Vec<f32>,
    kernel: Kernel,
}

/// How cylinder bits are counted: portable `count_ones`, or 512-bit vector counts where
/// the CPU has them (servers running the hub's deduplication).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kernel {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Kernel {
    fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        if WORDS * ND == 24 && is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512vpopcntdq") {
            return Kernel::Avx512;
        }
        Kernel::Portable
    }
}

/// Minimum number of cells valid in both cylinders for them to be compared.
const MIN_MATCHABLE_CELLS: u32 = (MCC_MIN_MATCHABLE * (NS * NS) as f32) as u32 + 1;

/// Candidate minutiae (indices into `b`, sorted by direction) whose direction is within the
/// tolerance of `theta`: one or two contiguous runs.
#[inline]
fn direction_window(b: &[Entry], theta: f32) -> std::iter::Chain<std::ops::Range<usize>, std::ops::Range<usize>> {
    let (lo, hi) = (theta - MCC_MAX_DIRECTION_DIFF, theta + MCC_MAX_DIRECTION_DIFF);
    let start = |t: f32| b.partition_point(|e| e.theta < t);
    let end = |t: f32| b.partition_point(|e| e.theta <= t);
    let (first, second) = if lo < 0.0 {
        (0..end(hi), start(lo + TAU)..b.len())
    } else if hi >= TAU {
        (start(lo)..b.len(), 0..end(hi - TAU))
    } else {
        (start(lo)..end(hi), 0..0)
    };
    first.chain(second)
}

/// Record a pair with its cylinder similarity 1 − ‖a⊕b‖ / (‖a‖ + ‖b‖), Euclidean norms of
/// bit vectors being square roots of counts (read from `root`).
#[inline]
fn push_pair(pairs: &mut Vec<u64>, root: &[f32], i: usize, j: usize, differ: u32, na: u32, nb: u32) {
    if na + nb == 0 {
        return;
    }
    let lambda = 1.0 - root[differ as usize] / (root[na as usize] + root[nb as usize]);
    if lambda > 0.0 {
        pairs.push(((lambda.to_bits() as u64) << 16) | ((i as u64) << 8) | j as u64);
    }
}

/// The cells valid in both cylinders, when there are enough of them to compare.
#[inline(always)]
fn comparable_cells(ea: &Entry, eb: &Entry) -> Option<Bits> {
    let mut common = [0u64; WORDS];
    let mut matchable = 0;
    for w in 0..WORDS {
        common[w] = ea.valid[w] & eb.valid[w];
        matchable += common[w].count_ones();
    }
    (matchable >= MIN_MATCHABLE_CELLS).then_some(common)
}

/// Local similarity of every comparable pair of cylinders (portable bit counts).
fn local_pairs(a: &[Entry], b: &[Entry], root: &[f32], pairs: &mut Vec<u64>) {
    for (i, ea) in a.iter().enumerate() {
        for j in direction_window(b, ea.theta) {
            let eb = &b[j];
            let Some(common) = comparable_cells(ea, eb) else { continue };
            let (mut differ, mut na, mut nb) = (0u32, 0u32, 0u32);
            for k in 0..ND {
                for w in 0..WORDS {
                    let (x, y) = (ea.layers[k][w] & common[w], eb.layers[k][w] & common[w]);
                    differ += (x ^ y).count_ones();
                    na += x.count_ones();
                    nb += y.count_ones();
                }
            }
            push_pair(pairs, root, i, j, differ, na, nb);
        }
    }
}

/// [`local_pairs`] with 512-bit population counts: the 6 x 256 cylinder bits are three
/// vectors, the validity mask broadcast over each.
///
/// # Safety
/// The CPU must support `avx512f` and `avx512vpopcntdq`, and `WORDS * ND` must be 24.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vpopcntdq")]
unsafe fn local_pairs_avx512(a: &[Entry], b: &[Entry], root: &[f32], pairs: &mut Vec<u64>) {
    use std::arch::x86_64::*;
    for (i, ea) in a.iter().enumerate() {
        let a_bits: *const u64 = ea.layers.as_ptr().cast();
        for j in direction_window(b, ea.theta) {
            let eb = &b[j];
            let Some(common) = comparable_cells(ea, eb) else { continue };
            let b_bits: *const u64 = eb.layers.as_ptr().cast();
            // SAFETY: `common` holds 4 u64 (256 bits); each layer block holds 24 u64, read
            // as three unaligned 512-bit loads at offsets 0, 8 and 16.
            let mask = _mm512_broadcast_i64x4(_mm256_loadu_si256(common.as_ptr().cast()));
            let (mut differ, mut na, mut nb) = (_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512());
            for z in 0..3 {
                let x = _mm512_and_si512(_mm512_loadu_si512(a_bits.add(8 * z).cast()), mask);
                let y = _mm512_and_si512(_mm512_loadu_si512(b_bits.add(8 * z).cast()), mask);
                differ = _mm512_add_epi64(differ, _mm512_popcnt_epi64(_mm512_xor_si512(x, y)));
                na = _mm512_add_epi64(na, _mm512_popcnt_epi64(x));
                nb = _mm512_add_epi64(nb, _mm512_popcnt_epi64(y));
            }
            let sum = |v| _mm512_reduce_add_epi64(v) as u32;
            push_pair(pairs, root, i, j, sum(differ), sum(na), sum(nb));
        }
    }
}

impl Default for Matcher {
    fn default() -> Self {
        Self::new()
    }
}

fn sigmoid(v: f32, mu: f32, tau: f32) -> f32 {
    1.0 / (1.0 + (-tau * (v - mu)).exp())
}

impl Matcher {
    pub fn new() -> Self {
        let n = RELAX_MAX_PAIRS;
        Matcher {
            pairs: Vec::with_capacity(MAX_PREPARED * MAX_PREPARED),
            chosen: Vec::with_capacity(n),
            geometry: PairGeometry::with_capacity(n),
            rho: vec![0.0; n * n],
            lambda: vec![0.0; n],
            next: vec![0.0; n],
            efficiency: Vec::with_capacity(n),
            sqrt_lut: (0..=NS * NS * ND).map(|n| (n as f32).sqrt()).collect(),
            cos_ramp: (ANGLE_RAMP.0.cos(), ANGLE_RAMP.1.cos()),
            kernel: Kernel::detect(),
        }
    }

    /// A matcher that counts bits with portable code only, as on a tablet (for measurements).
    pub fn portable() -> Self {
        Matcher { kernel: Kernel::Portable, ..Self::new() }
    }

    /// How this matcher counts cylinder bits: "portable" or "avx512".
    pub fn bit_counts(&self) -> &'static str {
        match self.kernel {
            Kernel::Portable => "portable",
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => "avx512",
        }
    }

    /// Calibrated score: 10·log10(1/FMR), so 40 means a false match rate of 1 in 10,000.
    pub fn compare(&mut self, probe: &PreparedTemplate, candidate: &PreparedTemplate) -> f32 {
        calibrate(self.similarity(probe, candidate))
    }

    /// Raw LSS-R similarity in [0, 1].
    pub fn similarity(&mut self, probe: &PreparedTemplate, candidate: &PreparedTemplate) -> f32 {
        let (a, b) = (&probe.entries, &candidate.entries);
        if a.is_empty() || b.is_empty() {
            return 0.0;
        }
        self.pairs.clear();
        match self.kernel {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Kernel::Avx512` is chosen only when the CPU reports both features.
            Kernel::Avx512 => unsafe { local_pairs_avx512(a, b, &self.sqrt_lut, &mut self.pairs) },
            Kernel::Portable => local_pairs(a, b, &self.sqrt_lut, &mut self.pairs),
        }
        if self.pairs.is_empty() {
            return 0.0;
        }
        // Best pairs first; each minutia used once (greedy).
        let keep = (4 * RELAX_MAX_PAIRS).min(self.pairs.len());
        if self.pairs.len() > keep {
            let at = self.pairs.len() - keep;
            self.pairs.select_nth_unstable(at);
            self.pairs.drain(..at);
        }
        self.pairs.sort_unstable_by(|p, q| q.cmp(p));
        let (mut used_a, mut used_b) = (0u128, 0u128);
        self.chosen.clear();
        for &key in &self.pairs {
            let (l, i, j) = (f32::from_bits((key >> 16) as u32), (key >> 8) as u8, key as u8);
            if self.chosen.len() == RELAX_MAX_PAIRS {
                break;
            }
            let (bi, bj) = (1u128 << i, 1u128 << j);
            if used_a & bi == 0 && used_b & bj == 0 {
                used_a |= bi;
                used_b |= bj;
                self.chosen.push((l, i, j));
            }
        }
        let n = self.chosen.len();
        let n_min = a.len().min(b.len());
        let n_p = SCORE_MIN_PAIRS
            + (sigmoid(n_min as f32, SCORE_PAIRS_MU, SCORE_PAIRS_TAU) * (SCORE_MAX_PAIRS - SCORE_MIN_PAIRS) as f32).round() as usize;
        if n < 2 {
            return self.chosen.first().map_or(0.0, |c| c.0) / n_p as f32;
        }

        // Compatibility of every two chosen pairs: distances, relative directions and radial
        // angles must agree in both fingerprints. Angles are compared through the cosines
        // of their differences (dot products), read through a table.
        let g = &mut self.geometry;
        g.clear();
        for &(_, i, j) in &self.chosen {
            let (ea, eb) = (&a[i as usize], &b[j as usize]);
            g.push(ea, eb);
        }
        // Each sigmoid of the paper is replaced by the linear ramp with the same centre and
        // slope: branch-free, so the loop over k runs on SIMD lanes.
        for r in 0..n {
            let (axr, ayr, acr, asr) = (g.ax[r], g.ay[r], g.ac[r], g.as_[r]);
            let (bxr, byr, bcr, bsr) = (g.bx[r], g.by[r], g.bc[r], g.bs[r]);
            let (rcr, rsr) = (g.rot_cos[r], g.rot_sin[r]);
            let row = &mut self.rho[r * n..r * n + n];
            for k in 0..n {
                let (adx, ady) = (g.ax[k] - axr, g.ay[k] - ayr);
                let (bdx, bdy) = (g.bx[k] - bxr, g.by[k] - byr);
                let (la, lb) = ((adx * adx + ady * ady).sqrt(), (bdx * bdx + bdy * bdy).sqrt());
                let z1 = ramp((la - lb).abs(), DISTANCE_RAMP);
                // Relative rotation implied by pair r against pair k.
                let z2 = ramp_cos(rcr * g.rot_cos[k] + rsr * g.rot_sin[k], self.cos_ramp);
                // The joining segment in r's own frame, in both prints.
                let (ua, wa) = (adx * acr + ady * asr, ady * acr - adx * asr);
                let (ub, wb) = (bdx * bcr + bdy * bsr, bdy * bcr - bdx * bsr);
                let z3 = ramp_cos((ua * ub + wa * wb) / (la * lb).max(1e-3), self.cos_ramp);
                row[k] = z1 * z2 * z3;
            }
            row[r] = 0.0;
        }
        for r in 0..n {
            self.lambda[r] = self.chosen[r].0;
        }
        let spread = (1.0 - RELAX_WEIGHT) / (n - 1) as f32;
        for _ in 0..RELAX_ITERATIONS {
            for r in 0..n {
                let support = dot(&self.rho[r * n..r * n + n], &self.lambda[..n]);
                self.next[r] = RELAX_WEIGHT * self.lambda[r] + spread * support;
            }
            std::mem::swap(&mut self.lambda, &mut self.next);
        }
        // The pairs that kept their similarity best through relaxation decide the score.
        self.efficiency.clear();
        for r in 0..n {
            self.efficiency.push((self.lambda[r] / self.chosen[r].0, self.lambda[r]));
        }
        self.efficiency.sort_unstable_by(|p, q| q.0.total_cmp(&p.0));
        let top = n_p.min(n);
        let sum: f32 = self.efficiency[..top].iter().map(|e| e.1).sum();
        sum / n_p as f32
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::biometrics::template::{Minutia, MinutiaKind};

    /// A pseudo-random template with `n` minutiae spread over a finger-sized area.
    pub(crate) fn random_template(seed: u32, n: usize) -> Template {
        let mut s = seed.wrapping_mul(2654435761).wrapping_add(12345);
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            s
        };
        let mut minutiae: Vec<Minutia> = Vec::new();
        while minutiae.len() < n {
            let (x, y) = (40 + next() % 220, 40 + next() % 280);
            if minutiae.iter().any(|m| (m.x as i32 - x as i32).pow(2) + (m.y as i32 - y as i32).pow(2) < 144) {
                continue;
            }
            let kind = if next() % 2 == 0 { MinutiaKind::Ending } else { MinutiaKind::Bifurcation };
            minutiae.push(Minutia { x: x as u16, y: y as u16, angle: (next() % 256) as u8, kind, quality: 80 });
        }
        Template { width: 300, height: 360, quality: 80, minutiae }
    }

    /// Rotate by `deg` about the centre, shift, and jitter positions by up to `jitter` px.
    pub(crate) fn transformed(t: &Template, deg: f32, shift: (f32, f32), jitter: u32, seed: u32) -> Template {
        let (c, s) = (deg.to_radians().cos(), deg.to_radians().sin());
        let (cx, cy) = (150.0, 180.0);
        let mut r = seed | 1;
        let mut noise = || {
            r = r.wrapping_mul(1103515245).wrapping_add(12345);
            ((r >> 16) % (2 * jitter + 1)) as f32 - jitter as f32
        };
        let mut out = t.clone();
        out.minutiae.clear();
        for m in &t.minutiae {
            // Template angles count with y up: rotating the image by +deg (clockwise on
            // screen with y down) lowers them by deg.
            let (dx, dy) = (m.x as f32 - cx, m.y as f32 - cy);
            let x = cx + c * dx - s * dy + shift.0 + noise();
            let y = cy + s * dx + c * dy + shift.1 + noise();
            if x < 0.0 || y < 0.0 || x >= 300.0 || y >= 360.0 {
                continue;
            }
            let angle = Minutia::angle_from_radians(m.radians() - deg.to_radians());
            out.minutiae.push(Minutia { x: x as u16, y: y as u16, angle, ..*m });
        }
        out
    }

    #[test]
    fn a_rotated_and_shifted_copy_matches_high() {
        let mut matcher = Matcher::new();
        for seed in 0..5 {
            let t = random_template(seed, 40);
            let moved = transformed(&t, 25.0, (20.0, -15.0), 2, seed);
            let s = matcher.similarity(&PreparedTemplate::new(&t), &PreparedTemplate::new(&moved));
            assert!(s > 0.5, "seed {seed}: similarity {s}");
        }
    }

    #[test]
    fn unrelated_templates_score_low() {
        let mut matcher = Matcher::new();
        for seed in 0..10 {
            let a = PreparedTemplate::new(&random_template(seed, 40));
            let b = PreparedTemplate::new(&random_template(seed + 100, 40));
            let s = matcher.similarity(&a, &b);
            assert!(s < 0.3, "seed {seed}: similarity {s}");
        }
    }

    #[test]
    fn vector_and_portable_bit_counts_agree() {
        let mut detected = Matcher::new();
        let mut portable = Matcher::new();
        portable.kernel = Kernel::Portable;
        for seed in 0..20 {
            let a = PreparedTemplate::new(&random_template(seed, 45));
            let b = PreparedTemplate::new(&transformed(&random_template(seed, 45), 10.0, (5.0, 5.0), 3, seed));
            let c = PreparedTemplate::new(&random_template(seed + 50, 45));
            assert_eq!(detected.similarity(&a, &b), portable.similarity(&a, &b));
            assert_eq!(detected.similarity(&a, &c), portable.similarity(&a, &c));
        }
    }

    #[test]
    fn empty_templates_score_zero() {
        let empty = PreparedTemplate::new(&Template { width: 300, height: 300, quality: 0, minutiae: vec![] });
        let full = PreparedTemplate::new(&random_template(1, 30));
        let mut m = Matcher::new();
        assert_eq!(m.similarity(&empty, &full), 0.0);
        assert_eq!(m.similarity(&full, &empty), 0.0);
    }
}
