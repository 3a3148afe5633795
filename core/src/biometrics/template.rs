//! The Jatigi template: minutiae of one finger view, and its versioned binary format
//! (see docs/formats/template.md).

use thiserror::Error;

/// Kind of a minutia.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MinutiaKind {
    /// A ridge ends.
    Ending,
    /// A ridge splits in two.
    Bifurcation,
}

/// One minutia at 500 dpi.
///
/// Coordinates are pixels from the top-left corner, x to the right, y down. `angle` is the
/// direction in units of 2π/256 (1.40625°), measured counter-clockwise from the +x axis as a
/// viewer sees the image (so y up), pointing along the ridge (ending) or valley (bifurcation)
/// that ends at the minutia, away from the minutia.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Minutia {
    pub x: u16,
    pub y: u16,
    pub angle: u8,
    pub kind: MinutiaKind,
    /// Reliability 0-100.
    pub quality: u8,
}

impl Minutia {
    /// Direction in radians, counter-clockwise with y up, in [0, 2π).
    pub fn radians(&self) -> f32 {
        self.angle as f32 * (std::f32::consts::TAU / 256.0)
    }

    /// Quantise a direction in radians (counter-clockwise, y up) to template units.
    pub fn angle_from_radians(theta: f32) -> u8 {
        let turns = theta / std::f32::consts::TAU;
        let units = (turns - turns.floor()) * 256.0;
        (units.round() as u32 % 256) as u8
    }
}

/// Minutiae of one finger view, with the image size and a quality score 0-100.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Template {
    /// Image width at 500 dpi.
    pub width: u16,
    /// Image height at 500 dpi.
    pub height: u16,
    /// Image quality 0-100 (NFIQ 2 spirit: higher is better).
    pub quality: u8,
    pub minutiae: Vec<Minutia>,
}

/// Why template bytes were rejected.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum TemplateError {
    #[error("not a Jatigi template (bad magic)")]
    BadMagic,
    #[error("unsupported template version {0}")]
    UnsupportedVersion(u8),
    #[error("template truncated: {needed} bytes needed, {actual} present")]
    Truncated { needed: usize, actual: usize },
    #[error("template has {0} trailing bytes")]
    TrailingBytes(usize),
    #[error("template checksum mismatch")]
    BadChecksum,
    #[error("invalid field in template: {0}")]
    Invalid(&'static str),
    #[error("too many minutiae: {0} (at most 255)")]
    TooManyMinutiae(usize),
}
