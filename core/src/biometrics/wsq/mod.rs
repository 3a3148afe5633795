//! WSQ: the FBI Wavelet Scalar Quantization codec for 8-bit grey fingerprint images
//! (IAFIS-IC-0110, "WSQ Gray-scale Fingerprint Image Compression Specification", v3.1).
//!
//! Why we carry our own: enrollment stations store and exchange finger images in the format
//! that AFIS back ends and the NIST tools expect, offline, on Android, without a C library
//! to cross-compile. Files written by the reference implementation (NIST NBIS) decode here
//! and ours decode there; `docs/formats/wsq.md` records how that was checked.
//!
//! The codec in one paragraph. The image is shifted and scaled to about ±128
//! ([`segments::Frame`]), split by a separable 9/7 biorthogonal filter bank with symmetric
//! extension into the 64 subbands of the specification ([`transform`]), each subband is
//! quantized with its own bin width derived from its variance and the target bit rate
//! ([`quantize`]), and the integer bin indices are Huffman coded with run lengths for zeros
//! ([`huffman`]) in three blocks. The file is a sequence of JPEG-like marker segments
//! ([`segments`]).
//!
//! Every parse is checked: the frame size is bounded before anything is allocated, every
//! table is validated, and no input makes the decoder panic (see the `wsq_decoder` fuzz
//! target).

mod decoder;
mod encoder;
mod huffman;
mod quantize;
pub mod segments;
mod transform;

pub use decoder::decode;
pub use encoder::encode;

use thiserror::Error;

use super::image::{FingerImage, TARGET_DPI};

/// The usual field setting: 0.75 bits per pixel, about 15:1.
pub const DEFAULT_BITRATE: f32 = 0.75;
/// Highest accepted target bit rate. Above about 4 bpp the quantizer already keeps nearly
/// every coefficient; larger values only risk overflowing the 16-bit bin indices.
pub const MAX_BITRATE: f32 = 8.0;
/// Lowest accepted target bit rate: below this almost every subband is dropped.
pub const MIN_BITRATE: f32 = 0.05;
/// Smallest side we encode: five levels of decomposition of the low band leave subbands of
/// one or two coefficients at 32 pixels; below that the subband layout degenerates.
pub const MIN_ENCODE_SIDE: usize = 32;
/// Largest side we encode or decode (the frame header holds 16 bits, but a finger or a
/// whole ten-print card at 1000 ppi fits well within this).
pub const MAX_SIDE: usize = 16_000;
/// Largest area we encode or decode: bounds the allocation a hostile header can cause
/// (a 16 MP image needs about 64 MB of floats while decoding).
pub const MAX_PIXELS: usize = 16_000_000;

/// Why an image could not be encoded or a WSQ file decoded.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum WsqError {
    #[error("not a WSQ file (no SOI marker)")]
    NotWsq,
    #[error("the WSQ data ends too early: {0}")]
    Truncated(&'static str),
    #[error("unexpected marker 0x{0:04X}")]
    UnexpectedMarker(u16),
    #[error("malformed {segment} segment: {reason}")]
    Malformed {
        segment: &'static str,
        reason: &'static str,
    },
    #[error("the file has no {0} segment before the image data")]
    Missing(&'static str),
    #[error("unsupported WSQ feature: {0}")]
    Unsupported(&'static str),
    #[error("corrupt entropy-coded data: {0}")]
    BadData(&'static str),
    #[error("image size {width}x{height} is outside the accepted range")]
    BadSize { width: usize, height: usize },
    #[error("pixel buffer holds {actual} bytes, {expected} expected for the given size")]
    BadBufferLength { expected: usize, actual: usize },
    #[error("bit rate {0} is outside {MIN_BITRATE}..={MAX_BITRATE} bpp")]
    BadBitrate(f32),
    #[error("comment is too long for one segment ({0} bytes)")]
    CommentTooLong(usize),
}

/// A decoded WSQ image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsqImage {
    pub width: usize,
    pub height: usize,
    /// Resolution from the NISTCOM comment (`PPI`), if the file states a positive one.
    pub ppi: Option<u16>,
    /// Row-major 8-bit grey levels, 0 = black.
    pub pixels: Vec<u8>,
    /// Every comment segment, in file order (the NISTCOM one included), as text.
    pub comments: Vec<String>,
}

/// Peak signal-to-noise ratio of `decoded` against `original` in dB (8-bit images of the
/// same size; infinite when they are equal): how WSQ quality is compared with the reference.
pub fn psnr(original: &[u8], decoded: &[u8]) -> f64 {
    let mse = original.iter().zip(decoded).map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2)).sum::<f64>() / original.len() as f64;
    10.0 * (255.0 * 255.0 / mse).log10()
}

/// Mean absolute difference in grey levels between two images of the same size.
pub fn mean_abs_error(a: &[u8], b: &[u8]) -> f64 {
    a.iter().zip(b).map(|(&x, &y)| (f64::from(x) - f64::from(y)).abs()).sum::<f64>() / a.len() as f64
}

/// Whether `bytes` start like a WSQ file (the start-of-image marker `FF A0`): how image
/// readers tell WSQ from PNG, TIFF, BMP and JPEG, none of which starts so.
pub fn is_wsq(bytes: &[u8]) -> bool {
    bytes.len() >= 2 && u16::from_be_bytes([bytes[0], bytes[1]]) == segments::SOI
}


/// Encode a [`FingerImage`] (always 500 dpi) at `bitrate` bits per pixel.
pub fn encode_finger(image: &FingerImage, bitrate: f32) -> Result<Vec<u8>, WsqError> {
    let ppi = u16::try_from(TARGET_DPI).ok();
    encode(&image.pixels, image.width, image.height, ppi, bitrate, &[])
}

/// Why a WSQ file could not become a [`FingerImage`].
#[derive(Debug, Error, PartialEq)]
pub enum WsqFingerError {
    #[error(transparent)]
    Wsq(#[from] WsqError),
    #[error(transparent)]
    Image(#[from] super::image::ImageError),
}

/// Decode a WSQ file into a [`FingerImage`], resampled to 500 dpi from the resolution the
/// file states (500 dpi when it states none).
pub fn decode_finger(bytes: &[u8]) -> Result<FingerImage, WsqFingerError> {
    let image = decode(bytes)?;
    let dpi = image.ppi.map_or(TARGET_DPI, u32::from);
    Ok(FingerImage::from_raw(
        image.width,
        image.height,
        dpi,
        &image.pixels,
    )?)
}

#[cfg(test)]
mod tests;
