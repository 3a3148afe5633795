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
