//! Stage 10: quality. A value per minutia (how much to trust it) and an image score 0-100
//! in the spirit of NFIQ 2: a blank, smudged or half-empty image scores low.

use super::minutiae::Candidate;
use super::orientation::OrientationField;
use super::params::BORDER_MARGIN;
use super::segmentation::ForegroundMask;

/// Foreground area (pixels at 500 dpi) of a full, well-placed finger on a small sensor;
/// larger contact does not raise the score further.
const FULL_AREA: f32 = 50_000.0;
/// Mean ridge coherence of a smudge and of a clean print.
const COHERENCE_POOR: f32 = 0.25;
const COHERENCE_GOOD: f32 = 0.65;
/// Minutiae count that carries enough identity for reliable matching.
const ENOUGH_MINUTIAE: f32 = 30.0;

/// Reliability 0-100 of one minutia: the ridge flow's clarity around it and its distance
/// from the finger's edge.
pub fn minutia_quality(c: &Candidate, field: &OrientationField, mask: &ForegroundMask) -> u8 {
    let coherence = field.coherence_at_pixel(c.x, c.y);
    let border = (mask.distance_at(c.x as f32, c.y as f32) / (3.0 * BORDER_MARGIN)).min(1.0);
    let q = 100.0 * (coherence / COHERENCE_GOOD).min(1.0) * (0.5 + 0.5 * border);
    q.round().clamp(1.0, 100.0) as u8
}

/// Image quality 0-100 from contact area, ridge clarity and the number of minutiae.
pub fn image_quality(field: &OrientationField, mask: &ForegroundMask, minutiae: usize) -> u8 {
    let blocks = mask.area_blocks();
    if blocks == 0 {
        return 0;
    }
    let block_area = (super::params::BLOCK * super::params::BLOCK) as f32;
    let area = (blocks as f32 * block_area / FULL_AREA).min(1.0);
    let mean_coherence: f32 = mask
        .foreground
        .iter()
        .zip(&field.coherence)
        .filter(|(f, _)| **f)
        .map(|(_, c)| *c)
        .sum::<f32>()
        / blocks as f32;
    let clarity = ((mean_coherence - COHERENCE_POOR) / (COHERENCE_GOOD - COHERENCE_POOR)).clamp(0.0, 1.0);
    let detail = (minutiae as f32 / ENOUGH_MINUTIAE).min(1.0);
    (100.0 * area.sqrt() * clarity * detail.sqrt()).round().clamp(0.0, 100.0) as u8
}

#[cfg(test)]
mod tests {
    //! Image quality as a whole (through the pipeline) and the score formula itself.
    //!
    //! Two kinds of prints: the synthetic fixtures of `tests/fixtures/fingerprints` (an
    //! elliptic finger on white, like a real capture) and a print built here, ridges of
    //! period 9 px across the whole image with a ridge ending or a bifurcation every 40 px
    //! (Larkin and Fletcher's spiral phase, as the fixture generator does). Plain stripes
    //! are no use here: without minutiae the score is 0 by design (see
    //! `stripes_without_minutiae_carry_no_identity`).

    use super::*;
    use crate::biometrics::extractor::{run_pipeline, Extraction};
    use crate::biometrics::{ExtractError, FingerImage};
    use std::path::Path;

    const FIXTURES: [&str; 3] = ["f1_1.png", "f2_2.png", "f3_1.png"];

    fn fixture(name: &str) -> FingerImage {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/fingerprints").join(name);
        FingerImage::open(&path, 500).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    use crate::registry::synthetic::SplitMix64 as Rng;

    /// Standard normal (Box-Muller) from the seeded stream.
    fn gauss(rng: &mut Rng) -> f32 {
        let mut uniform = || ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
        let (u1, u2) = (uniform(), uniform());
        ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
    }

    /// A 300x300 print: slanted ridges of period 9 px with a minutia every 40 px (a spiral
    /// point of alternating sign, jittered by up to 4 px) and mild noise, inside an upright
    /// ellipse of 110 x 140 px half-axes on white: about the contact area of a full finger
    /// ([`FULL_AREA`]).
    fn print_like(seed: u64) -> FingerImage {
        const SIZE: usize = 300;
        const SPACING: usize = 40;
        let mut rng = Rng::new(seed);
        let mut spirals = Vec::new();
        let mut sign = 1.0f32;
        for gy in (SPACING / 2..SIZE).step_by(SPACING) {
            for gx in (SPACING / 2..SIZE).step_by(SPACING) {
                let jx = (rng.next_u64() % 9) as f32 - 4.0;
                let jy = (rng.next_u64() % 9) as f32 - 4.0;
                spirals.push((gx as f32 + jx, gy as f32 + jy, sign));
                sign = -sign;
            }
        }
        let mut pixels = vec![255u8; SIZE * SIZE];
        for y in 0..SIZE {
            for x in 0..SIZE {
                let (fx, fy) = (x as f32, y as f32);
                let (ex, ey) = ((fx - 150.0) / 110.0, (fy - 150.0) / 140.0);
                if ex * ex + ey * ey > 1.0 {
                    continue;
                }
                let mut phase = std::f32::consts::TAU * (0.3 * fx + 0.95 * fy) / 9.0;
                for &(sx, sy, s) in &spirals {
                    phase += s * (fy - sy).atan2(fx - sx);
                }
                let v = 127.5 + 110.0 * phase.cos() + 5.0 * gauss(&mut rng);
                pixels[y * SIZE + x] = v.round().clamp(0.0, 255.0) as u8;
            }
        }
        FingerImage { width: SIZE, height: SIZE, pixels }
    }

    /// Stripes inside a disc on a flat white background (as in the segmentation tests).
    fn disc_of_stripes(size: usize, radius: f32) -> FingerImage {
        let mut pixels = vec![255u8; size * size];
        let c = size as f32 / 2.0;
        for y in 0..size {
            for x in 0..size {
                let (dx, dy) = (x as f32 - c, y as f32 - c);
                if dx * dx + dy * dy < radius * radius {
                    let v = 128.0 + 100.0 * (std::f32::consts::TAU * (x as f32 + 0.3 * y as f32) / 9.0).cos();
                    pixels[y * size + x] = v as u8;
                }
            }
        }
        FingerImage { width: size, height: size, pixels }
    }

    /// The clean prints every degradation test starts from, with a name for messages.
    fn clean_prints() -> Vec<(String, FingerImage)> {
        let mut prints: Vec<(String, FingerImage)> = FIXTURES.iter().map(|n| (n.to_string(), fixture(n))).collect();
        prints.extend([1, 2].map(|seed| (format!("print_like({seed})"), print_like(seed))));
        prints
    }

    /// Paper white outside the rectangle [x0, x1) x [y0, y1): the finger touched only there.
    fn keep_only(img: &FingerImage, x0: usize, y0: usize, x1: usize, y1: usize) -> FingerImage {
        let mut out = img.clone();
        for y in 0..img.height {
            for x in 0..img.width {
                if !(x0..x1).contains(&x) || !(y0..y1).contains(&y) {
                    out.pixels[y * img.width + x] = 255;
                }
            }
        }
        out
    }

    /// Separable box blur of half-width `r`.
    fn box_blur(img: &FingerImage, r: usize) -> FingerImage {
        let (w, h) = (img.width, img.height);
        let mut rows = vec![0u8; w * h];
        for y in 0..h {
            for x in 0..w {
                let (a, b) = (x.saturating_sub(r), (x + r).min(w - 1));
                let sum: u32 = (a..=b).map(|i| img.pixels[y * w + i] as u32).sum();
                rows[y * w + x] = (sum / (b - a + 1) as u32) as u8;
            }
        }
        let mut out = vec![0u8; w * h];
        for y in 0..h {
            for x in 0..w {
                let (a, b) = (y.saturating_sub(r), (y + r).min(h - 1));
                let sum: u32 = (a..=b).map(|i| rows[i * w + x] as u32).sum();
                out[y * w + x] = (sum / (b - a + 1) as u32) as u8;
            }
        }
        FingerImage { width: w, height: h, pixels: out }
    }

    /// Gaussian noise of standard deviation `sigma` grey levels, clipped to 0..=255.
    fn with_noise(img: &FingerImage, sigma: f32, seed: u64) -> FingerImage {
        let mut rng = Rng::new(seed);
        let pixels = img.pixels.iter().map(|&p| (p as f32 + sigma * gauss(&mut rng)).round().clamp(0.0, 255.0) as u8).collect();
        FingerImage { width: img.width, height: img.height, pixels }
    }

    /// A wet, smeared print: ridges blurred into each other, then a grainy low-contrast
    /// surface.
    fn smudged(img: &FingerImage) -> FingerImage {
        with_noise(&box_blur(img, 2), 40.0, 99)
    }

    /// Image quality, with an image that yields no template counting as 0.
    fn quality(img: &FingerImage) -> u8 {
        match run_pipeline(img) {
            Ok(e) => e.template.quality,
            Err(ExtractError::NoFinger | ExtractError::FingerTooSmall(_)) => 0,
            Err(e) => panic!("unexpected extraction error {e:?}"),
        }
    }

    fn extraction(img: &FingerImage, what: &str) -> Extraction {
        run_pipeline(img).unwrap_or_else(|e| panic!("{what}: extraction failed: {e}"))
    }

    #[test]
    fn a_blank_sensor_holds_no_finger() {
        let white = FingerImage { width: 300, height: 300, pixels: vec![255; 300 * 300] };
        let grey = FingerImage { width: 300, height: 300, pixels: vec![128; 300 * 300] };
        // An empty glass still shows sensor noise: a few grey levels, no ridges.
        let noisy_glass = with_noise(&FingerImage { width: 300, height: 300, pixels: vec![245; 300 * 300] }, 3.0, 5);
        for (name, img) in [("white", white), ("grey", grey), ("noisy glass", noisy_glass)] {
            assert_eq!(run_pipeline(&img).err(), Some(ExtractError::NoFinger), "{name}");
        }
    }

    #[test]
    fn a_clean_full_print_scores_high() {
        for (name, img) in clean_prints() {
            let q = quality(&img);
            eprintln!("{name}: quality {q}");
            assert!(q >= 80, "{name}: clean print scores only {q}");
        }
    }

    #[test]
    fn stripes_without_minutiae_carry_no_identity() {
        // Perfect ridges over a large area, but nothing to match on.
        let e = extraction(&disc_of_stripes(300, 140.0), "disc of stripes");
        assert!(e.template.minutiae.len() <= 2, "{} minutiae on plain stripes", e.template.minutiae.len());
        assert!(e.template.quality <= 20, "plain stripes score {}", e.template.quality);
    }

    #[test]
    fn a_half_empty_image_scores_lower_than_a_full_one() {
        for (name, img) in clean_prints() {
            let (w, h) = (img.width, img.height);
            let full = quality(&img);
            let half = quality(&keep_only(&img, 0, 0, w / 2, h));
            let quarter = quality(&keep_only(&img, 0, 0, w / 2, h / 2));
            eprintln!("{name}: full {full}, left half {half}, top-left quarter {quarter}");
            assert!(half + 15 <= full, "{name}: half finger {half} vs full {full}");
            assert!(quarter + 10 <= half, "{name}: quarter {quarter} vs half {half}");
            assert!(quarter <= 60, "{name}: a quarter of the finger scores {quarter}");
        }
    }

    #[test]
    fn a_smudged_print_scores_lower_than_a_clean_one() {
        for (name, img) in clean_prints() {
            let clean = quality(&img);
            let smudge = quality(&smudged(&img));
            let noisy = quality(&with_noise(&img, 80.0, 7));
            eprintln!("{name}: clean {clean}, smudged {smudge}, strong noise {noisy}");
            assert!(smudge + 15 <= clean, "{name}: smudged {smudge} vs clean {clean}");
            assert!(noisy + 25 <= clean, "{name}: noise 80 scores {noisy} vs clean {clean}");
        }
    }

    #[test]
    fn more_noise_never_raises_quality() {
        for (name, img) in clean_prints() {
            let scores: Vec<u8> = [0.0, 30.0, 60.0, 90.0, 120.0, 160.0]
                .iter()
                .map(|&sigma| quality(&with_noise(&img, sigma, 11)))
                .collect();
            eprintln!("{name}: quality at noise 0, 30, .. 160: {scores:?}");
            for w in scores.windows(2) {
                assert!(w[1] <= w[0] + 5, "{name}: quality rose with noise: {scores:?}");
            }
            assert!(scores[5] <= 20, "{name}: drowned in noise yet scores {scores:?}");
        }
    }

    #[test]
    fn image_quality_grows_with_area_clarity_and_minutiae() {
        let e = extraction(&fixture("f1_1.png"), "f1_1");
        let (field, mask) = (&e.field, &e.mask);
        let n = e.template.minutiae.len();
        let base = image_quality(field, mask, n);
        assert_eq!(base, e.template.quality);

        // No minutiae, no identity; more minutiae never lower the score.
        assert_eq!(image_quality(field, mask, 0), 0);
        let by_count: Vec<u8> = (0..=80).map(|k| image_quality(field, mask, k)).collect();
        assert!(by_count.windows(2).all(|w| w[0] <= w[1]), "{by_count:?}");
        assert!(by_count[5] < by_count[30], "{by_count:?}");

        // No foreground: 0, whatever the minutiae.
        let mut empty = mask.clone();
        empty.foreground.iter_mut().for_each(|f| *f = false);
        assert_eq!(image_quality(field, &empty, n), 0);

        // Half the contact area.
        let mut half = mask.clone();
        let bw = half.blocks_wide;
        for (i, f) in half.foreground.iter_mut().enumerate() {
            if i % bw >= bw / 2 {
                *f = false;
            }
        }
        let q_half = image_quality(field, &half, n);
        assert!(q_half < base, "half area {q_half} vs {base}");

        // Blurrier ridge flow.
        let mut blurry = field.clone();
        blurry.coherence.iter_mut().for_each(|c| *c *= 0.5);
        let q_blurry = image_quality(&blurry, mask, n);
        assert!(q_blurry < base, "half coherence {q_blurry} vs {base}");
        blurry.coherence.iter_mut().for_each(|c| *c = COHERENCE_POOR);
        assert_eq!(image_quality(&blurry, mask, n), 0);

        // Never above 100, even for an absurd minutiae count.
        assert!(image_quality(field, mask, 10_000) <= 100);
    }

    #[test]
    fn minutiae_beside_a_cut_edge_are_trusted_less() {
        // Blank the right half: minutiae just left of the cut keep their position but lose
        // the ridge area around them, so their quality must not rise.
        let mut lowered = 0;
        for name in FIXTURES {
            let img = fixture(name);
            let full = extraction(&img, name).template;
            let half = extraction(&keep_only(&img, 0, 0, img.width / 2, img.height), name).template;
            let cut = (img.width / 2) as i32;
            for m in half.minutiae.iter().filter(|m| cut - (m.x as i32) <= 25) {
                let twin = full.minutiae.iter().find(|o| (o.x as i32 - m.x as i32).abs() <= 3 && (o.y as i32 - m.y as i32).abs() <= 3);
                if let Some(o) = twin {
                    eprintln!("{name}: ({}, {}) quality {} whole, {} beside the cut", m.x, m.y, o.quality, m.quality);
                    assert!(m.quality <= o.quality, "{name}: ({}, {}) rose from {} to {}", m.x, m.y, o.quality, m.quality);
                    if m.quality < o.quality {
                        lowered += 1;
                    }
                }
            }
        }
        assert!(lowered >= 2, "only {lowered} minutiae beside the cut lost quality");
    }
}
