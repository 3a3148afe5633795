//! The extraction pipeline: image → template, as a sequence of named stages.

use super::binarization::binarize;
use super::enhancement::enhance;
use super::filtering::remove_false_minutiae;
use super::frequency::{ridge_period, RidgePeriod};
use super::image::FingerImage;
use super::minutiae::detect;
use super::normalization::{normalize, normalize_unsmoothed};
use super::orientation::{orientation_field, OrientationField};
use super::params::MAX_MINUTIAE;
use super::quality::{image_quality, minutia_quality};
use super::raster::Grid;
use super::segmentation::{segment, ForegroundMask};
use super::template::{Minutia, Template};
use thiserror::Error;

/// Smallest finger area (in 8x8 blocks, ~6,400 px) worth extracting.
const MIN_FOREGROUND_BLOCKS: usize = 100;

/// Why no template could be made from an image.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ExtractError {
    #[error("no finger found in the image")]
    NoFinger,
    #[error("the finger area is too small ({0} px)")]
    FingerTooSmall(usize),
    #[error("the image buffer is inconsistent with its size")]
    InvalidImage,
}

/// Every intermediate product of the pipeline, for inspection and tests.
pub struct Extraction {
    pub normalized: Grid<f32>,
    pub field: OrientationField,
    pub mask: ForegroundMask,
    pub period: RidgePeriod,
    pub enhanced: Grid<f32>,
    pub ridges: Grid<bool>,
    pub skeleton: Grid<bool>,
    pub template: Template,
}

/// Extract a template from a 500 dpi image.
pub fn extract(image: &FingerImage) -> Result<Template, ExtractError> {
    run_pipeline(image).map(|e| e.template)
}

/// Run all stages and keep their products.
pub fn run_pipeline(image: &FingerImage) -> Result<Extraction, ExtractError> {
    let (w, h) = (image.width, image.height);
    if w < 32 || h < 32 || w > u16::MAX as usize || h > u16::MAX as usize || image.pixels.len() != w * h {
        return Err(ExtractError::InvalidImage);
    }
    let normalized = normalize(image);
    let field = orientation_field(&normalized);
    let mask = segment(image, &field);
    let blocks = mask.area_blocks();
    if blocks == 0 {
        return Err(ExtractError::NoFinger);
    }
    if blocks < MIN_FOREGROUND_BLOCKS {
        return Err(ExtractError::FingerTooSmall(blocks * 64));
    }
    let period = ridge_period(&normalized, &field, &mask);
    let enhanced = enhance(&normalized, &field, &period, &mask);
    let ridges = binarize(&enhanced, &mask);
    let skeleton = super::thinning::thin(&ridges);
    let candidates = remove_false_minutiae(detect(&skeleton, &field), &mask);

    let mut minutiae: Vec<Minutia> = candidates
        .iter()
        .map(|c| Minutia {
            x: c.x as u16,
            y: c.y as u16,
            // Image coordinates have y down; templates count angles with y up.
            angle: Minutia::angle_from_radians(-c.direction),
            kind: c.kind,
            quality: minutia_quality(c, &field, &mask),
        })
        .collect();
    minutiae.sort_by(|a, b| b.quality.cmp(&a.quality).then((a.y, a.x).cmp(&(b.y, b.x))));
    minutiae.truncate(MAX_MINUTIAE);
    minutiae.sort_by_key(|m| (m.y, m.x));
    // Image quality judges the image as captured: ridge clarity is measured again without
    // the pre-smoothing, which would hide noise the sensor really recorded.
    let captured_field = orientation_field(&normalize_unsmoothed(image));
    let quality = image_quality(&captured_field, &mask, minutiae.len());
    let template = Template { width: w as u16, height: h as u16, quality, minutiae };
    Ok(Extraction { normalized, field, mask, period, enhanced, ridges, skeleton, template })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::biometrics::params::MAX_MINUTIAE;
    use proptest::prelude::*;

    use crate::registry::synthetic::SplitMix64 as Rng;

    fn image(width: usize, height: usize, pixels: Vec<u8>) -> FingerImage {
        FingerImage { width, height, pixels }
    }

    /// Straight ridges of the given period and direction, full contrast.
    fn stripes(width: usize, height: usize, period: f32, theta: f32) -> FingerImage {
        let (c, s) = (theta.cos(), theta.sin());
        let pixels = (0..width * height)
            .map(|i| {
                let (x, y) = ((i % width) as f32, (i / width) as f32);
                (127.5 + 110.0 * (std::f32::consts::TAU * (x * c + y * s) / period).cos()) as u8
            })
            .collect();
        image(width, height, pixels)
    }

    /// What every successful extraction must satisfy, whatever the image.
    fn check_template(img: &FingerImage, t: &Template) -> Result<(), String> {
        if (t.width as usize, t.height as usize) != (img.width, img.height) {
            return Err(format!("template size {}x{} for a {}x{} image", t.width, t.height, img.width, img.height));
        }
        if t.quality > 100 {
            return Err(format!("image quality {}", t.quality));
        }
        if t.minutiae.len() > MAX_MINUTIAE {
            return Err(format!("{} minutiae", t.minutiae.len()));
        }
        for m in &t.minutiae {
            if m.x as usize >= img.width || m.y as usize >= img.height || !(1..=100).contains(&m.quality) {
                return Err(format!("bad minutia {m:?}"));
            }
        }
        let bytes = t.to_bytes().map_err(|e| format!("template does not encode: {e}"))?;
        match Template::from_bytes(&bytes) {
            Ok(back) if back == *t => Ok(()),
            other => Err(format!("template does not decode to itself: {other:?}")),
        }
    }

    #[test]
    fn a_buffer_that_does_not_fit_the_size_is_an_invalid_image() {
        for (w, h, len) in [(100, 100, 100 * 100 - 1), (100, 100, 100 * 100 + 1), (100, 100, 0), (300, 200, 200 * 200)] {
            let img = image(w, h, vec![128; len]);
            assert_eq!(run_pipeline(&img).err(), Some(ExtractError::InvalidImage), "{w}x{h} with {len} bytes");
            assert_eq!(extract(&img), Err(ExtractError::InvalidImage));
        }
    }

    #[test]
    fn an_image_below_32_pixels_a_side_is_an_invalid_image() {
        for (w, h) in [(31, 200), (200, 31), (0, 0), (1, 1)] {
            let img = stripes(w, h, 9.0, 0.3);
            assert_eq!(run_pipeline(&img).err(), Some(ExtractError::InvalidImage), "{w}x{h}");
        }
    }

    #[test]
    fn a_32_by_32_image_is_too_small_for_a_finger_but_does_not_panic() {
        // 16 blocks at most: below the smallest finger area, whatever the content.
        let mut rng = Rng::new(3);
        let noise = image(32, 32, (0..32 * 32).map(|_| rng.next_u64() as u8).collect());
        for img in [stripes(32, 32, 9.0, 0.5), noise, image(32, 32, vec![0; 32 * 32])] {
            match run_pipeline(&img) {
                Err(ExtractError::NoFinger | ExtractError::FingerTooSmall(_)) => {}
                Err(e) => panic!("unexpected error {e:?}"),
                Ok(e) => panic!("a template from 32x32 pixels: {:?}", e.template),
            }
        }
    }

    #[test]
    fn a_constant_image_holds_no_finger() {
        for level in [0u8, 1, 128, 254, 255] {
            for (w, h) in [(300, 300), (96, 400), (500, 120)] {
                let img = image(w, h, vec![level; w * h]);
                assert_eq!(extract(&img), Err(ExtractError::NoFinger), "level {level}, {w}x{h}");
            }
        }
    }

    #[test]
    fn extraction_is_deterministic() {
        let img = stripes(200, 240, 9.5, 1.1);
        let a = run_pipeline(&img);
        let b = run_pipeline(&img);
        match (a, b) {
            (Ok(a), Ok(b)) => assert_eq!(a.template, b.template),
            (a, b) => assert_eq!(a.err(), b.err()),
        }
    }

    /// Images that reach different depths of the pipeline: pure noise and blocky noise
    /// usually stop at segmentation, noisy stripes run every stage, stripes with spiral
    /// points also give minutiae to detect, filter and rate.
    #[derive(Debug, Clone, Copy)]
    enum Content {
        Noise,
        Blocks(usize),
        NoisyStripes { period: f32, theta: f32, noise: u8 },
        Spirals { period: f32, count: usize, noise: u8 },
    }

    fn content() -> impl Strategy<Value = Content> {
        prop_oneof![
            Just(Content::Noise),
            (2usize..24).prop_map(Content::Blocks),
            (4.0f32..20.0, 0.0f32..std::f32::consts::PI, 0u8..=255)
                .prop_map(|(period, theta, noise)| Content::NoisyStripes { period, theta, noise }),
            (6.0f32..14.0, 1usize..40, 0u8..=60).prop_map(|(period, count, noise)| Content::Spirals { period, count, noise }),
        ]
    }

    fn render(w: usize, h: usize, content: Content, seed: u64) -> FingerImage {
        let mut rng = Rng::new(seed);
        match content {
            Content::Noise => image(w, h, (0..w * h).map(|_| rng.next_u64() as u8).collect()),
            Content::Blocks(side) => {
                let (bw, bh) = (w.div_ceil(side), h.div_ceil(side));
                let levels: Vec<u8> = (0..bw * bh).map(|_| rng.next_u64() as u8).collect();
                image(w, h, (0..w * h).map(|i| levels[(i / w / side) * bw + (i % w) / side]).collect())
            }
            Content::NoisyStripes { period, theta, noise } => {
                let mut img = stripes(w, h, period, theta);
                add_noise(&mut img, noise, &mut rng);
                img
            }
            Content::Spirals { period, count, noise } => {
                // Each spiral point ends one ridge line: a minutia (Larkin and Fletcher).
                let spirals: Vec<(f32, f32, f32)> = (0..count)
                    .map(|k| {
                        let x = (rng.next_u64() % w as u64) as f32;
                        let y = (rng.next_u64() % h as u64) as f32;
                        (x, y, if k % 2 == 0 { 1.0 } else { -1.0 })
                    })
                    .collect();
                let pixels = (0..w * h)
                    .map(|i| {
                        let (x, y) = ((i % w) as f32, (i / w) as f32);
                        let mut phase = std::f32::consts::TAU * (0.6 * x + 0.8 * y) / period;
                        for &(sx, sy, s) in &spirals {
                            phase += s * (y - sy).atan2(x - sx);
                        }
                        (127.5 + 110.0 * phase.cos()) as u8
                    })
                    .collect();
                let mut img = image(w, h, pixels);
                add_noise(&mut img, noise, &mut rng);
                img
            }
        }
    }

    /// Uniform noise of amplitude ±`amplitude` grey levels, clipped.
    fn add_noise(img: &mut FingerImage, amplitude: u8, rng: &mut Rng) {
        for p in &mut img.pixels {
            let n = (rng.next_u64() % (2 * amplitude as u64 + 1)) as i32 - amplitude as i32;
            *p = (*p as i32 + n).clamp(0, 255) as u8;
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_images_never_panic(w in 32usize..200, h in 32usize..200, content in content(), seed in any::<u64>()) {
            let img = render(w, h, content, seed);
            match run_pipeline(&img) {
                Ok(e) => {
                    prop_assert!(e.mask.area_blocks() >= MIN_FOREGROUND_BLOCKS);
                    if let Err(why) = check_template(&img, &e.template) {
                        return Err(TestCaseError::fail(why));
                    }
                }
                Err(ExtractError::NoFinger) => {}
                Err(ExtractError::FingerTooSmall(px)) => {
                    prop_assert!(px > 0 && px < MIN_FOREGROUND_BLOCKS * 64, "FingerTooSmall({})", px);
                }
                Err(ExtractError::InvalidImage) => {
                    return Err(TestCaseError::fail(format!("a consistent {w}x{h} image rejected as invalid")));
                }
            }
        }
    }
}
