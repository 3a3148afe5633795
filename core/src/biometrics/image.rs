//! Image input: decode files or raw scanner buffers into 8-bit grey levels at 500 dpi.

use thiserror::Error;

/// The resolution every later stage works at.
pub const TARGET_DPI: u32 = 500;

/// An 8-bit grey-level fingerprint image at 500 dpi, row-major, 0 = black (ridge).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FingerImage {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

/// Why an image could not be read.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ImageError {
    #[error("the image is empty")]
    Empty,
    #[error("the image could not be decoded: {0}")]
    Corrupt(String),
    #[error("image too small to hold a finger: {width}x{height} px at 500 dpi")]
    TooSmall { width: usize, height: usize },
    #[error("image size is absurd: {width}x{height} px (limit 4000 px a side, 16 MP)")]
    TooLarge { width: usize, height: usize },
    #[error("resolution {0} dpi is outside 250..=1000")]
    BadResolution(u32),
    #[error("raw buffer holds {actual} bytes, {expected} expected for the given size")]
    BadBufferLength { expected: usize, actual: usize },
}
