//! The extraction pipeline: image → template, as a sequence of named stages.

use super::binarization::binarize;
use super::enhancement::enhance;
use super::filtering::remove_false_minutiae;
use super::frequency::{ridge_period, RidgePeriod};
use super::image::FingerImage;
use super::minutiae::detect;
use super::normalization::normalize;
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
    let quality = image_quality(&field, &mask, minutiae.len());
    let template = Template { width: w as u16, height: h as u16, quality, minutiae };
    Ok(Extraction { normalized, field, mask, period, enhanced, ridges, skeleton, template })
}
