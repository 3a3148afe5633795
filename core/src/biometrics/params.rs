//! Every tunable number of the extractor and the matcher, with the reason for its value.
//!
//! Distances are pixels at 500 dpi, where the ridge period of an adult finger is about
//! 8-12 px (Maltoni et al., Handbook of Fingerprint Recognition, ch. 3).

/// Side of the square blocks that carry the mask, orientation and frequency maps.
/// 8 px is under one ridge period, so curvature near cores is still followed.
pub const BLOCK: usize = 8;

// ---- normalisation -------------------------------------------------------------------

/// Gaussian smoothing (sigma, px) of the grey image before anything else. Ridges (about
/// 0.1 cycle/px) keep 86 % of their amplitude; content above 0.25 cycle/px (sensor noise,
/// pores, and exactly what WSQ at 0.75 bpp quantises away) drops below half. Raw and
/// WSQ-compressed images then reach the filters alike. Measured with `jatigi eval` (the
/// sixteen EERs of the eight FVC folders, raw and through WSQ 0.75): mean 3.61 % without it,
/// 2.66 % with it and the along-ridge sigma below (docs/biometrics.md).
pub const PRE_SMOOTH_SIGMA: f32 = 0.8;

/// Half-width of the window for local mean and contrast normalisation: about 1.5 ridge
/// periods, enough to hold a ridge and a valley whatever the phase.
pub const NORMALIZE_RADIUS: usize = 8;

// ---- segmentation --------------------------------------------------------------------

/// Half-width of the window measuring a block's grey-level contrast: just over one period,
/// so blocks beside the finger's edge are not lifted by the edge itself.
pub const SEGMENT_RADIUS: usize = 6;
/// A block is foreground when its contrast exceeds this fraction of the 90th percentile
/// contrast of the image: relative, because sensors differ tenfold in contrast.
pub const SEGMENT_RELATIVE_THRESHOLD: f32 = 0.35;
/// ... and this absolute grey-level standard deviation (a blank sensor is below it).
pub const SEGMENT_ABSOLUTE_THRESHOLD: f32 = 6.0;
/// Foreground blocks whose orientation coherence is below this are smudge or noise.
pub const SEGMENT_MIN_COHERENCE: f32 = 0.12;
/// Rounds of 3x3 majority smoothing of the block mask (removes isolated blocks).
pub const SEGMENT_SMOOTHING_ROUNDS: usize = 2;

// ---- orientation ---------------------------------------------------------------------

/// Half-width of the structure-tensor window around each block centre.
pub const ORIENTATION_RADIUS: usize = 8;
/// Gaussian smoothing (in blocks) of the doubled-angle field: removes noise and scars while
/// keeping the turn of ridges around cores and deltas.
pub const ORIENTATION_SMOOTH_SIGMA: f32 = 1.5;

// ---- frequency -----------------------------------------------------------------------

/// Half-length of the x-signature across the ridges: two to three periods each side.
pub const FREQUENCY_HALF_LENGTH: i32 = 16;
/// Half-width of the x-signature along the ridges (averages out noise and pores).
pub const FREQUENCY_HALF_WIDTH: i32 = 5;
/// Plausible ridge periods at 500 dpi; outside them a measurement is noise.
pub const MIN_PERIOD: f32 = 5.0;
pub const MAX_PERIOD: f32 = 15.0;
/// Period assumed where no block could be measured.
pub const DEFAULT_PERIOD: f32 = 9.0;

// ---- enhancement ---------------------------------------------------------------------

/// Number of quantised orientations of the oriented filters (5.6° steps).
pub const FILTER_ORIENTATIONS: usize = 32;
/// Across-ridge band-pass (Gabor profile): Gaussian sigma as a fraction of the period.
/// 0.5 keeps about one and a half periods of support (Hong, Wan and Jain 1998 use 4 px
/// for a ~9 px period).
pub const GABOR_SIGMA_PER_PERIOD: f32 = 0.5;
/// Half-length of the across-ridge filter in pixels (covers 1.5 periods of the longest one).
pub const GABOR_HALF_LENGTH: i32 = 12;
/// Along-ridge smoothing: Gaussian sigma and half-length. Long enough to bridge pores and
/// small scars, short enough to follow ridge curvature (the pre-smoothing above already
/// averages a little, so 5 px rather than 6).
pub const ALONG_SIGMA: f32 = 5.0;
pub const ALONG_HALF_LENGTH: i32 = 13;

// ---- binarization --------------------------------------------------------------------

/// Ridge fragments smaller than this (px) are dust or noise, not ridges (a dot ridge of one
/// period across is about 50 px).
pub const MIN_RIDGE_AREA: usize = 30;
/// Valley holes smaller than this inside a ridge are sweat pores.
pub const MIN_LAKE_AREA: usize = 40;

// ---- minutiae ------------------------------------------------------------------------

/// Distance along the skeleton used to measure a minutia's direction.
pub const DIRECTION_TRACE: usize = 10;
/// Minutiae closer than this to the edge of the foreground sit where enhancement is
/// unreliable.
pub const BORDER_MARGIN: f32 = 8.0;
/// An ending whose ridge, continued this far past its end, leaves the finger was cut by the
/// edge of the contact area (two ridge periods).
pub const BORDER_PROBE: f32 = 20.0;
/// An ending whose ridge reaches a bifurcation within this length is a spur.
pub const SPUR_LENGTH: usize = 10;
/// A ridge with two endings shorter than this is an island or a dot.
pub const SHORT_RIDGE_LENGTH: usize = 16;
/// Two bifurcations joined by a skeleton path shorter than this are a bridge or a hole.
pub const BRIDGE_LENGTH: usize = 12;
/// Two endings closer than this that face each other are a broken ridge.
pub const BREAK_DISTANCE: f32 = 16.0;
/// Any two minutiae closer than this are noise (a real pair is at least a period apart).
pub const MIN_MINUTIA_DISTANCE: f32 = 5.0;
/// Radius and count for the cluster rule: many minutiae in a small disc is a scar or smudge.
pub const CLUSTER_RADIUS: f32 = 16.0;
pub const CLUSTER_COUNT: usize = 4;
/// Keep at most this many minutiae, the most reliable first (bounds matching time).
pub const MAX_MINUTIAE: usize = 80;

// ---- matcher (Minutia Cylinder-Code, Cappelli, Ferrara and Maltoni, TPAMI 2010) --------

/// Cylinder radius: a disc of about 7 ridge periods holds enough neighbours to be distinctive
/// and is small enough to survive partial overlap.
pub const MCC_RADIUS: f32 = 70.0;
/// Spatial cells per side (8 x 8 = 64, one machine word per direction layer).
pub const MCC_SPATIAL_CELLS: usize = 16;
/// Direction layers (60° each).
pub const MCC_DIRECTION_CELLS: usize = 6;
/// Spatial contribution spread: tolerates the elastic shift of a neighbour.
pub const MCC_SIGMA_S: f32 = 28.0 / 3.0;
/// Directional contribution spread (2π/9 in the paper).
pub const MCC_SIGMA_D: f32 = 2.0 * std::f32::consts::PI / 9.0;
/// A cell's bit is set when its contribution reaches this (the paper's μψ for bit cylinders).
pub const MCC_BIT_THRESHOLD: f32 = 0.01;
/// Cells further than this outside the minutiae's convex hull hold no information.
pub const MCC_HULL_MARGIN: f32 = 50.0;
/// A cylinder needs this fraction of its disc valid, and this many neighbours, to be used.
pub const MCC_MIN_VALID_FRACTION: f32 = 0.75;
pub const MCC_MIN_NEIGHBOURS: usize = 2;
/// Two cylinders are comparable when this fraction of cells is valid in both.
pub const MCC_MIN_MATCHABLE: f32 = 0.6;
/// Minutiae whose directions differ by more than this never correspond.
pub const MCC_MAX_DIRECTION_DIFF: f32 = std::f32::consts::FRAC_PI_2;
/// Relaxation (LSS-R): iterations, weight of a pair's own similarity, and the compatibility
/// sigmoids (distance, direction and radial-angle agreement between two pairs).
pub const RELAX_ITERATIONS: usize = 5;
pub const RELAX_WEIGHT: f32 = 0.5;
pub const RELAX_MU_DISTANCE: f32 = 5.0;
pub const RELAX_TAU_DISTANCE: f32 = -8.0 / 5.0;
pub const RELAX_MU_ANGLE: f32 = std::f32::consts::PI / 12.0;
pub const RELAX_TAU_ANGLE: f32 = -30.0;
/// Pairs entering relaxation, at most (bounds time; the best pairs carry the decision).
pub const RELAX_MAX_PAIRS: usize = 36;
/// Pairs averaged into the score: from MIN for few minutiae to MAX for many.
pub const SCORE_MIN_PAIRS: usize = 4;
pub const SCORE_MAX_PAIRS: usize = 12;
pub const SCORE_PAIRS_MU: f32 = 20.0;
pub const SCORE_PAIRS_TAU: f32 = 2.0 / 5.0;

// ---- 1:N prefilter (search.rs) ----------------------------------------------------------

/// Minutia pairs closer than this are often two artefacts of one scar; further than the
/// maximum, elastic distortion has moved them too far for a coarse bin to hold.
pub const PAIR_MIN_DISTANCE: f32 = 12.0;
pub const PAIR_MAX_DISTANCE: f32 = 156.0;
/// Distance bin width (px) and number of direction bins (15°). Measured on the 640 FVC
/// images (core/examples/prefilter_rank.rs): finer bins rank mates better (sparser codes
/// collide less) down to 8 px and 24 bins, where the best mate is in the top 0.5 % of the
/// gallery for 94.5 % of probes and in the top 5 % for 98.3 %; coarser bins or soft binning
/// did worse.
pub const PAIR_DISTANCE_BIN: f32 = 8.0;
pub const PAIR_ANGLE_BINS: usize = 24;
/// Persons the exact matcher scores after the prefilter: 0.5 % of a 20,000-person tablet;
/// the prefilter puts the mate there for about 95 % of single-finger probes, more with two.
pub const SEARCH_SHORTLIST: usize = 100;
/// Fused scores below this are not worth showing an operator (FMR 1 in 1,000).
pub const SEARCH_MIN_SCORE: f32 = 30.0;
