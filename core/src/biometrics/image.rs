//! Image input: decode files or raw scanner buffers into 8-bit grey levels at 500 dpi.
//!
//! Every entry point validates before it allocates: the pixel size is read from the file
//! header (or given by the caller) and checked against [`MAX_SIDE`] and [`MAX_PIXELS`] before
//! any pixel buffer exists, the resolution must lie in [`MIN_DPI`]`..=`[`MAX_DPI`], and the
//! image must still be at least [`MIN_SIDE`] pixels a side once brought to [`TARGET_DPI`].
//!
//! Resampling to 500 dpi is separable: bilinear interpolation when enlarging or shrinking
//! gently, area averaging (a box filter with fractional coverage) when shrinking by more than
//! 1.5x, so that fine ridges do not alias.

use std::io::Cursor;
use std::path::Path;

use thiserror::Error;

/// The resolution every later stage works at.
pub const TARGET_DPI: u32 = 500;

/// Lowest accepted scanner resolution.
pub const MIN_DPI: u32 = 250;
/// Highest accepted scanner resolution.
pub const MAX_DPI: u32 = 1000;
/// Largest accepted input side, in pixels (before resampling).
pub const MAX_SIDE: usize = 4000;
/// Largest accepted input area, in pixels (before resampling).
pub const MAX_PIXELS: usize = 16_000_000;
/// Smallest accepted side at 500 dpi, in pixels (about 4.9 mm).
pub const MIN_SIDE: usize = 96;

/// Grey level returned by [`FingerImage::get`] outside the image: paper white, no ridge.
const BACKGROUND: u8 = 255;

/// Shrinking by more than this factor switches from bilinear to area averaging.
const AREA_AVERAGING_FACTOR: f64 = 1.5;

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
    #[error("the image file could not be read: {0}")]
    Io(String),
}

/// An 8-bit grey image at its own size and resolution (nothing resampled): what format
/// conversion works on. Row-major, 0 = black.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrayImage {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

/// Lossless formats a [`GrayImage`] can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrayFormat {
    Png,
    Tiff,
    Bmp,
}

impl GrayImage {
    /// Wrap a raw buffer, checking its size against `width` x `height` and the limits.
    pub fn from_raw(width: usize, height: usize, pixels: Vec<u8>) -> Result<GrayImage, ImageError> {
        if width == 0 || height == 0 || pixels.is_empty() {
            return Err(ImageError::Empty);
        }
        check_not_too_large(width, height)?;
        let expected = checked_area(width, height)?;
        if pixels.len() != expected {
            return Err(ImageError::BadBufferLength { expected, actual: pixels.len() });
        }
        Ok(GrayImage { width, height, pixels })
    }

    /// Encode as PNG, TIFF or BMP (8-bit grey; BMP through the encoder's palette).
    pub fn encode(&self, format: GrayFormat) -> Result<Vec<u8>, ImageError> {
        let (w, h) = (
            u32::try_from(self.width).map_err(|_| ImageError::TooLarge { width: self.width, height: self.height })?,
            u32::try_from(self.height).map_err(|_| ImageError::TooLarge { width: self.width, height: self.height })?,
        );
        let format = match format {
            GrayFormat::Png => ::image::ImageFormat::Png,
            GrayFormat::Tiff => ::image::ImageFormat::Tiff,
            GrayFormat::Bmp => ::image::ImageFormat::Bmp,
        };
        let mut out = Cursor::new(Vec::new());
        ::image::write_buffer_with_format(&mut out, &self.pixels, w, h, ::image::ExtendedColorType::L8, format)
            .map_err(|e| ImageError::Corrupt(format!("encoding failed: {e}")))?;
        Ok(out.into_inner())
    }
}

/// Decode a PNG, TIFF, BMP, JPEG or WSQ file to 8-bit grey at its own size (no resampling).
/// The same limits as [`FingerImage::decode`] apply, with the file taken as 500 dpi.
pub fn decode_gray(bytes: &[u8]) -> Result<GrayImage, ImageError> {
    if bytes.is_empty() {
        return Err(ImageError::Empty);
    }
    let (width, height, pixels) = std::panic::catch_unwind(|| decode_to_gray(bytes, TARGET_DPI))
        .map_err(|_| ImageError::Corrupt("the decoder failed on malformed data".into()))??;
    Ok(GrayImage { width, height, pixels })
}

impl FingerImage {
    /// Decode a PNG, TIFF, BMP, JPEG or WSQ file (format guessed from its content) scanned
    /// at `dpi`, convert it to 8-bit grey and resample it to 500 dpi. (A WSQ file's own
    /// resolution comment is not consulted here: `dpi` rules, as for the other formats; use
    /// [`super::wsq::decode_finger`] to follow the file's PPI.)
    ///
    /// Colour is reduced to luma, 16-bit samples to 8 bits, and transparent pixels are laid
    /// over a white background. The size in the header is checked before any pixel is
    /// decoded.
    pub fn decode(bytes: &[u8], dpi: u32) -> Result<FingerImage, ImageError> {
        if bytes.is_empty() {
            return Err(ImageError::Empty);
        }
        check_dpi(dpi)?;
        // The decoders are third-party code fed with untrusted bytes; keep any panic of theirs
        // from unwinding into the caller (and across the FFI). With panic=abort this is a no-op.
        let decoded = std::panic::catch_unwind(|| decode_to_gray(bytes, dpi))
            .map_err(|_| ImageError::Corrupt("the decoder failed on malformed data".into()))??;
        let (width, height, pixels) = decoded;
        finish(width, height, dpi, pixels)
    }

    /// Wrap a raw 8-bit grey buffer (row-major, top row first, 0 = black) as a scanner
    /// delivers it, and resample it from `dpi` to 500 dpi.
    pub fn from_raw(
        width: usize,
        height: usize,
        dpi: u32,
        pixels: &[u8],
    ) -> Result<FingerImage, ImageError> {
        if width == 0 || height == 0 || pixels.is_empty() {
            return Err(ImageError::Empty);
        }
        check_dpi(dpi)?;
        check_not_too_large(width, height)?;
        let expected = checked_area(width, height)?;
        if pixels.len() != expected {
            return Err(ImageError::BadBufferLength {
                expected,
                actual: pixels.len(),
            });
        }
        let (w500, h500) = size_at_500(width, height, dpi);
        check_not_too_small(w500, h500)?;
        if dpi == TARGET_DPI {
            return Ok(FingerImage {
                width,
                height,
                pixels: pixels.to_vec(),
            });
        }
        Ok(FingerImage {
            width: w500,
            height: h500,
            pixels: resample(width, height, pixels, w500, h500),
        })
    }

    /// Take ownership of an 8-bit grey buffer that is already at 500 dpi.
    pub fn from_gray_500dpi(
        width: usize,
        height: usize,
        pixels: Vec<u8>,
    ) -> Result<FingerImage, ImageError> {
        if width == 0 || height == 0 || pixels.is_empty() {
            return Err(ImageError::Empty);
        }
        check_not_too_large(width, height)?;
        let expected = checked_area(width, height)?;
        if pixels.len() != expected {
            return Err(ImageError::BadBufferLength {
                expected,
                actual: pixels.len(),
            });
        }
        check_not_too_small(width, height)?;
        Ok(FingerImage {
            width,
            height,
            pixels,
        })
    }

    /// Read and [`decode`](FingerImage::decode) an image file scanned at `dpi`.
    pub fn open(path: &Path, dpi: u32) -> Result<FingerImage, ImageError> {
        let bytes =
            std::fs::read(path).map_err(|e| ImageError::Io(format!("{}: {e}", path.display())))?;
        FingerImage::decode(&bytes, dpi)
    }

    /// Grey level at (`x`, `y`); outside the image (or in an inconsistent image) it is 255,
    /// the white background.
    pub fn get(&self, x: usize, y: usize) -> u8 {
        if x >= self.width || y >= self.height {
            return BACKGROUND;
        }
        y.checked_mul(self.width)
            .and_then(|row| row.checked_add(x))
            .and_then(|i| self.pixels.get(i))
            .copied()
            .unwrap_or(BACKGROUND)
    }
}

fn check_dpi(dpi: u32) -> Result<(), ImageError> {
    if (MIN_DPI..=MAX_DPI).contains(&dpi) {
        Ok(())
    } else {
        Err(ImageError::BadResolution(dpi))
    }
}

fn check_not_too_large(width: usize, height: usize) -> Result<(), ImageError> {
    let area = width.checked_mul(height);
    if width > MAX_SIDE || height > MAX_SIDE || !matches!(area, Some(a) if a <= MAX_PIXELS) {
        Err(ImageError::TooLarge { width, height })
    } else {
        Ok(())
    }
}

fn check_not_too_small(width: usize, height: usize) -> Result<(), ImageError> {
    if width < MIN_SIDE || height < MIN_SIDE {
        Err(ImageError::TooSmall { width, height })
    } else {
        Ok(())
    }
}

fn checked_area(width: usize, height: usize) -> Result<usize, ImageError> {
    width
        .checked_mul(height)
        .ok_or(ImageError::TooLarge { width, height })
}

/// Size of a `width` x `height` image at `dpi` once brought to 500 dpi.
fn size_at_500(width: usize, height: usize, dpi: u32) -> (usize, usize) {
    if dpi == TARGET_DPI {
        return (width, height);
    }
    let scale = f64::from(TARGET_DPI) / f64::from(dpi.max(1));
    let side = |n: usize| ((n as f64) * scale).round().max(0.0) as usize;
    (side(width), side(height))
}

/// Decode to 8-bit grey at the file's own resolution: (width, height, pixels).
fn decode_to_gray(bytes: &[u8], dpi: u32) -> Result<(usize, usize, Vec<u8>), ImageError> {
    if super::wsq::is_wsq(bytes) {
        // WSQ is grey already; its decoder bounds the size before allocating.
        let image = super::wsq::decode(bytes).map_err(|e| ImageError::Corrupt(format!("WSQ: {e}")))?;
        check_not_too_large(image.width, image.height)?;
        let (w500, h500) = size_at_500(image.width, image.height, dpi);
        check_not_too_small(w500, h500)?;
        return Ok((image.width, image.height, image.pixels));
    }
    let reader = ::image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ImageError::Corrupt(e.to_string()))?;
    if reader.format().is_none() {
        return Err(ImageError::Corrupt("unrecognised image format".into()));
    }
    // Building the decoder reads the header only; no pixel buffer exists yet.
    let decoder = reader.into_decoder().map_err(corrupt)?;
    let (w, h) = ::image::ImageDecoder::dimensions(&decoder);
    let (width, height) = (w as usize, h as usize);
    if width == 0 || height == 0 {
        return Err(ImageError::Empty);
    }
    check_not_too_large(width, height)?;
    let (w500, h500) = size_at_500(width, height, dpi);
    check_not_too_small(w500, h500)?;

    let image = ::image::DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    if (image.width() as usize, image.height() as usize) != (width, height) {
        return Err(ImageError::Corrupt(
            "decoded size differs from the header".into(),
        ));
    }
    let pixels = if image.color().has_alpha() {
        // Lay transparent parts over white paper.
        image
            .to_luma_alpha8()
            .pixels()
            .map(|p| {
                let (l, a) = (u32::from(p.0[0]), u32::from(p.0[1]));
                ((l * a + 255 * (255 - a) + 127) / 255) as u8
            })
            .collect()
    } else {
        image.to_luma8().into_raw()
    };
    Ok((width, height, pixels))
}

fn corrupt(e: ::image::ImageError) -> ImageError {
    match e {
        ::image::ImageError::Limits(l) => ImageError::Corrupt(format!("decoder limit: {l}")),
        other => ImageError::Corrupt(other.to_string()),
    }
}

/// Check the final size and resample a validated grey buffer to 500 dpi.
fn finish(
    width: usize,
    height: usize,
    dpi: u32,
    pixels: Vec<u8>,
) -> Result<FingerImage, ImageError> {
    let expected = checked_area(width, height)?;
    if pixels.len() != expected {
        return Err(ImageError::BadBufferLength {
            expected,
            actual: pixels.len(),
        });
    }
    let (w500, h500) = size_at_500(width, height, dpi);
    check_not_too_small(w500, h500)?;
    if dpi == TARGET_DPI {
        return Ok(FingerImage {
            width,
            height,
            pixels,
        });
    }
    Ok(FingerImage {
        width: w500,
        height: h500,
        pixels: resample(width, height, &pixels, w500, h500),
    })
}

/// One output sample as a weighted sum of input samples (weights sum to 1).
struct Taps {
    first: usize,
    weights: Vec<f32>,
}

/// Weights to resample a line of `src` samples to `dst` samples.
fn line_taps(src: usize, dst: usize) -> Vec<Taps> {
    let ratio = src as f64 / dst as f64; // input samples per output sample
    let last = src.saturating_sub(1);
    if ratio > AREA_AVERAGING_FACTOR {
        // Area averaging: output i covers input interval [i*ratio, (i+1)*ratio).
        (0..dst)
            .map(|i| {
                let lo = i as f64 * ratio;
                let hi = ((i + 1) as f64 * ratio).min(src as f64);
                let first = (lo.floor() as usize).min(last);
                let end = (hi.ceil() as usize).clamp(first + 1, src);
                let span = (hi - lo).max(f64::MIN_POSITIVE);
                let weights = (first..end)
                    .map(|j| {
                        let cover = (hi.min((j + 1) as f64) - lo.max(j as f64)).max(0.0);
                        (cover / span) as f32
                    })
                    .collect();
                Taps { first, weights }
            })
            .collect()
    } else {
        // Bilinear: centre of output i sits at (i + 0.5) * ratio - 0.5 in input coordinates.
        (0..dst)
            .map(|i| {
                let pos = ((i as f64 + 0.5) * ratio - 0.5).clamp(0.0, last as f64);
                let first = (pos.floor() as usize).min(last);
                let frac = (pos - first as f64) as f32;
                if first < last && frac > 0.0 {
                    Taps {
                        first,
                        weights: vec![1.0 - frac, frac],
                    }
                } else {
                    Taps {
                        first,
                        weights: vec![1.0],
                    }
                }
            })
            .collect()
    }
}

/// Separable resampling of a `sw` x `sh` grey buffer to `dw` x `dh`.
fn resample(sw: usize, sh: usize, src: &[u8], dw: usize, dh: usize) -> Vec<u8> {
    let xs = line_taps(sw, dw);
    let ys = line_taps(sh, dh);
    // Horizontal pass: sh rows of dw samples.
    let mut mid = vec![0f32; sh * dw];
    for (src_row, mid_row) in src.chunks_exact(sw).zip(mid.chunks_exact_mut(dw)) {
        for (out, taps) in mid_row.iter_mut().zip(&xs) {
            *out = taps
                .weights
                .iter()
                .zip(src_row.iter().skip(taps.first))
                .map(|(w, &v)| w * f32::from(v))
                .sum();
        }
    }
    // Vertical pass.
    let mut out = vec![0u8; dw * dh];
    let mut acc = vec![0f32; dw];
    for (out_row, taps) in out.chunks_exact_mut(dw).zip(&ys) {
        acc.iter_mut().for_each(|a| *a = 0.0);
        for (k, w) in taps.weights.iter().enumerate() {
            let start = (taps.first + k) * dw;
            if let Some(mid_row) = mid.get(start..start + dw) {
                for (a, &m) in acc.iter_mut().zip(mid_row) {
                    *a += w * m;
                }
            }
        }
        for (o, &a) in out_row.iter_mut().zip(&acc) {
            *o = a.round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::image::{ImageBuffer, ImageFormat, Luma, Rgb};
    use proptest::prelude::*;
    use std::time::{Duration, Instant};

    fn stripes(width: usize, height: usize) -> Vec<u8> {
        (0..width * height).map(|i| if (i % width / 5) % 2 == 0 { 40 } else { 210 }).collect()
    }

    #[test]
    fn wsq_files_decode_like_the_other_formats() {
        let (w, h) = (250, 300);
        let pixels = stripes(w, h);
        let bytes = super::super::wsq::encode(&pixels, w, h, Some(500), 2.0, &[]).unwrap();
        let image = FingerImage::decode(&bytes, 500).unwrap();
        assert_eq!((image.width, image.height), (w, h));
        let mae = super::super::wsq::mean_abs_error(&image.pixels, &pixels);
        assert!(mae < 8.0, "mean absolute error {mae}");
        // The caller's resolution rules, as for PNG or TIFF.
        let image = FingerImage::decode(&bytes, 1000).unwrap();
        assert_eq!((image.width, image.height), (125, 150));
        // A damaged WSQ file is an error, not a panic.
        assert!(matches!(FingerImage::decode(&bytes[..bytes.len() / 2], 500), Err(ImageError::Corrupt(_))));
    }

    #[test]
    fn gray_images_round_trip_losslessly_at_their_own_size() {
        let (w, h) = (97, 61);
        let image = GrayImage::from_raw(w, h, stripes(w, h)).unwrap();
        for format in [GrayFormat::Png, GrayFormat::Tiff, GrayFormat::Bmp] {
            let bytes = image.encode(format).unwrap();
            let back = decode_gray(&bytes);
            // 61 rows is under the 96-pixel minimum for a finger: decode_gray applies it.
            assert!(matches!(back, Err(ImageError::TooSmall { .. })), "{format:?}");
        }
        let (w, h) = (120, 100);
        let image = GrayImage::from_raw(w, h, stripes(w, h)).unwrap();
        for format in [GrayFormat::Png, GrayFormat::Tiff, GrayFormat::Bmp] {
            assert_eq!(decode_gray(&image.encode(format).unwrap()).unwrap(), image, "{format:?}");
        }
        assert!(matches!(GrayImage::from_raw(10, 10, vec![0; 99]), Err(ImageError::BadBufferLength { expected: 100, actual: 99 })));
        assert_eq!(GrayImage::from_raw(0, 10, vec![]), Err(ImageError::Empty));
    }

    fn encode<P, C>(img: &ImageBuffer<P, C>, format: ImageFormat) -> Vec<u8>
    where
        P: ::image::Pixel + ::image::PixelWithColorType,
        [P::Subpixel]: ::image::EncodableLayout,
        C: std::ops::Deref<Target = [P::Subpixel]>,
    {
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    fn gradient(w: u32, h: u32) -> ImageBuffer<Luma<u8>, Vec<u8>> {
        ImageBuffer::from_fn(w, h, |x, y| Luma([((x * 7 + y * 3) % 256) as u8]))
    }

    #[test]
    fn grey_png_at_500_dpi_is_copied() {
        let img = gradient(120, 100);
        let f = FingerImage::decode(&encode(&img, ImageFormat::Png), 500).unwrap();
        assert_eq!((f.width, f.height), (120, 100));
        assert_eq!(f.pixels, img.into_raw());
    }

    #[test]
    fn every_supported_format_decodes() {
        let img = gradient(130, 110);
        for format in [ImageFormat::Png, ImageFormat::Tiff, ImageFormat::Bmp] {
            let f = FingerImage::decode(&encode(&img, format), 500).unwrap();
            assert_eq!(f.pixels, img.as_raw().clone(), "{format:?}");
        }
        let flat: ImageBuffer<Luma<u8>, Vec<u8>> = ImageBuffer::from_pixel(130, 110, Luma([90]));
        let f = FingerImage::decode(&encode(&flat, ImageFormat::Jpeg), 500).unwrap();
        assert_eq!((f.width, f.height), (130, 110));
        assert!(f.pixels.iter().all(|&v| v.abs_diff(90) <= 2));
    }

    #[test]
    fn colour_png_is_converted_to_luma() {
        let img: ImageBuffer<Rgb<u8>, Vec<u8>> = ImageBuffer::from_fn(100, 100, |x, _| {
            if x < 50 {
                Rgb([200, 200, 200])
            } else {
                Rgb([0, 255, 0])
            }
        });
        let f = FingerImage::decode(&encode(&img, ImageFormat::Png), 500).unwrap();
        assert_eq!(f.pixels.len(), 100 * 100);
        assert_eq!(f.get(10, 10), 200);
        // Pure green: luma = 0.7152 * 255 ≈ 182.
        assert!(f.get(80, 10).abs_diff(182) <= 1, "{}", f.get(80, 10));
    }

    #[test]
    fn transparent_pixels_become_white() {
        let img: ImageBuffer<::image::LumaA<u8>, Vec<u8>> =
            ImageBuffer::from_fn(100, 100, |x, _| {
                if x < 50 {
                    ::image::LumaA([0, 255])
                } else {
                    ::image::LumaA([0, 0])
                }
            });
        let f = FingerImage::decode(&encode(&img, ImageFormat::Png), 500).unwrap();
        assert_eq!(f.get(10, 10), 0);
        assert_eq!(f.get(80, 10), 255);
    }

    #[test]
    fn sixteen_bit_png_is_reduced_to_eight_bits() {
        let img: ImageBuffer<Luma<u16>, Vec<u16>> = ImageBuffer::from_fn(100, 100, |x, _| {
            Luma([if x < 50 { 0x8080 } else { 0xFFFF }])
        });
        let f = FingerImage::decode(&encode(&img, ImageFormat::Png), 500).unwrap();
        assert_eq!((f.width, f.height), (100, 100));
        assert_eq!(f.get(0, 0), 0x80);
        assert_eq!(f.get(99, 99), 0xFF);
    }

    #[test]
    fn image_at_569_dpi_is_scaled_to_500() {
        let img = gradient(300, 200);
        let f = FingerImage::decode(&encode(&img, ImageFormat::Png), 569).unwrap();
        // 300 * 500 / 569 = 263.6, 200 * 500 / 569 = 175.7
        assert_eq!((f.width, f.height), (264, 176));
        assert_eq!(f.pixels.len(), 264 * 176);
    }

    #[test]
    fn resampling_keeps_flat_areas_and_edges() {
        for dpi in [250, 333, 569, 700, 800, 1000] {
            let f = FingerImage::from_raw(300, 300, dpi, &vec![77; 300 * 300]).unwrap();
            let side = (300.0 * 500.0 / dpi as f64).round() as usize;
            assert_eq!((f.width, f.height), (side, side), "dpi {dpi}");
            assert!(f.pixels.iter().all(|&v| v == 77), "dpi {dpi}");
        }
        // A vertical black/white edge stays monotone after 1000 dpi area averaging.
        let px: Vec<u8> = (0..400 * 400)
            .map(|i| if i % 400 < 200 { 0 } else { 255 })
            .collect();
        let f = FingerImage::from_raw(400, 400, 1000, &px).unwrap();
        assert_eq!((f.width, f.height), (200, 200));
        assert_eq!(f.get(0, 0), 0);
        assert_eq!(f.get(99, 5), 0);
        assert_eq!(f.get(100, 5), 255);
        assert_eq!(f.get(199, 199), 255);
    }

    #[test]
    fn from_raw_at_500_dpi_is_a_copy() {
        let px: Vec<u8> = (0..100 * 120).map(|i| (i % 251) as u8).collect();
        let f = FingerImage::from_raw(100, 120, 500, &px).unwrap();
        assert_eq!((f.width, f.height), (100, 120));
        assert_eq!(f.pixels, px);
        assert_eq!(f.get(3, 2), px[2 * 100 + 3]);
    }

    #[test]
    fn get_outside_is_background() {
        let f = FingerImage::from_gray_500dpi(100, 100, vec![0; 100 * 100]).unwrap();
        assert_eq!(f.get(99, 99), 0);
        assert_eq!(f.get(100, 0), 255);
        assert_eq!(f.get(0, 100), 255);
        assert_eq!(f.get(usize::MAX, usize::MAX), 255);
        let broken = FingerImage {
            width: 10,
            height: 10,
            pixels: vec![],
        };
        assert_eq!(broken.get(5, 5), 255);
    }

    #[test]
    fn empty_inputs_are_rejected() {
        assert_eq!(FingerImage::decode(&[], 500), Err(ImageError::Empty));
        assert_eq!(
            FingerImage::from_raw(0, 100, 500, &[]),
            Err(ImageError::Empty)
        );
        assert_eq!(
            FingerImage::from_raw(100, 100, 500, &[]),
            Err(ImageError::Empty)
        );
        assert_eq!(
            FingerImage::from_gray_500dpi(100, 0, vec![1]),
            Err(ImageError::Empty)
        );
    }

    #[test]
    fn corrupt_inputs_are_rejected() {
        assert!(matches!(
            FingerImage::decode(b"hello, not an image", 500),
            Err(ImageError::Corrupt(_))
        ));
        let mut png = encode(&gradient(120, 120), ImageFormat::Png);
        png.truncate(png.len() / 2);
        assert!(matches!(
            FingerImage::decode(&png, 500),
            Err(ImageError::Corrupt(_))
        ));
        let mut bmp = encode(&gradient(120, 120), ImageFormat::Bmp);
        bmp.truncate(100);
        assert!(matches!(
            FingerImage::decode(&bmp, 500),
            Err(ImageError::Corrupt(_))
        ));
    }

    #[test]
    fn bad_resolution_is_rejected() {
        let png = encode(&gradient(120, 120), ImageFormat::Png);
        assert_eq!(
            FingerImage::decode(&png, 249),
            Err(ImageError::BadResolution(249))
        );
        assert_eq!(
            FingerImage::decode(&png, 1001),
            Err(ImageError::BadResolution(1001))
        );
        assert_eq!(
            FingerImage::decode(&png, 0),
            Err(ImageError::BadResolution(0))
        );
        assert_eq!(
            FingerImage::from_raw(120, 120, 2000, &[0; 120 * 120]),
            Err(ImageError::BadResolution(2000))
        );
        assert!(FingerImage::decode(&png, 250).is_ok());
        assert!(FingerImage::from_raw(200, 200, 1000, &[0; 200 * 200]).is_ok());
    }

    #[test]
    fn too_small_is_rejected() {
        let png = encode(&gradient(95, 200), ImageFormat::Png);
        assert_eq!(
            FingerImage::decode(&png, 500),
            Err(ImageError::TooSmall {
                width: 95,
                height: 200
            })
        );
        // 150 px at 1000 dpi is 75 px at 500 dpi.
        assert_eq!(
            FingerImage::from_raw(150, 300, 1000, &[0; 150 * 300]),
            Err(ImageError::TooSmall {
                width: 75,
                height: 150
            })
        );
        assert_eq!(
            FingerImage::from_gray_500dpi(96, 95, vec![0; 96 * 95]),
            Err(ImageError::TooSmall {
                width: 96,
                height: 95
            })
        );
        assert!(FingerImage::from_gray_500dpi(96, 96, vec![0; 96 * 96]).is_ok());
    }

    #[test]
    fn too_large_raw_is_rejected_before_length_check() {
        assert_eq!(
            FingerImage::from_raw(4001, 100, 500, &[0; 10]),
            Err(ImageError::TooLarge {
                width: 4001,
                height: 100
            })
        );
        assert_eq!(
            FingerImage::from_raw(4000, 4001, 500, &[0; 10]),
            Err(ImageError::TooLarge {
                width: 4000,
                height: 4001
            })
        );
        // 4000 x 4000 = 16 MP exactly is within the limits and reaches the length check.
        assert_eq!(
            FingerImage::from_raw(4000, 4000, 500, &[0; 10]),
            Err(ImageError::BadBufferLength {
                expected: 16_000_000,
                actual: 10
            })
        );
        assert_eq!(
            FingerImage::from_raw(usize::MAX, usize::MAX, 500, &[0; 10]),
            Err(ImageError::TooLarge {
                width: usize::MAX,
                height: usize::MAX
            })
        );
        assert_eq!(
            FingerImage::from_gray_500dpi(5000, 10, vec![0; 10]),
            Err(ImageError::TooLarge {
                width: 5000,
                height: 10
            })
        );
    }

    #[test]
    fn bad_buffer_length_is_rejected() {
        assert_eq!(
            FingerImage::from_raw(100, 100, 500, &[0; 9999]),
            Err(ImageError::BadBufferLength {
                expected: 10000,
                actual: 9999
            })
        );
        assert_eq!(
            FingerImage::from_gray_500dpi(100, 100, vec![0; 10001]),
            Err(ImageError::BadBufferLength {
                expected: 10000,
                actual: 10001
            })
        );
    }

    /// A PNG chunk with its CRC.
    fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crate::biometrics::template::crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }

    #[test]
    fn huge_png_header_is_rejected_without_decoding() {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&100_000u32.to_be_bytes());
        ihdr.extend_from_slice(&100_000u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit grey
        png_chunk(&mut png, b"IHDR", &ihdr);
        png_chunk(
            &mut png,
            b"IDAT",
            &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
        );
        png_chunk(&mut png, b"IEND", &[]);
        let start = Instant::now();
        let r = FingerImage::decode(&png, 500);
        assert_eq!(
            r,
            Err(ImageError::TooLarge {
                width: 100_000,
                height: 100_000
            })
        );
        assert!(start.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn huge_bmp_header_is_rejected_without_decoding() {
        // 3000 x 6000: each side is fine, the area (18 MP) is not.
        let mut bmp = encode(&gradient(120, 120), ImageFormat::Bmp);
        bmp[18..22].copy_from_slice(&3000i32.to_le_bytes());
        bmp[22..26].copy_from_slice(&6000i32.to_le_bytes());
        let start = Instant::now();
        let r = FingerImage::decode(&bmp, 500);
        assert_eq!(
            r,
            Err(ImageError::TooLarge {
                width: 3000,
                height: 6000
            })
        );
        assert!(start.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn open_reports_io_errors_and_reads_files() {
        let missing = std::env::temp_dir().join("jatigi-no-such-image-3a9f.png");
        assert!(matches!(
            FingerImage::open(&missing, 500),
            Err(ImageError::Io(_))
        ));
        let path =
            std::env::temp_dir().join(format!("jatigi-image-test-{}.png", std::process::id()));
        std::fs::write(&path, encode(&gradient(120, 100), ImageFormat::Png)).unwrap();
        let f = FingerImage::open(&path, 500);
        let _ = std::fs::remove_file(&path);
        assert_eq!(f.map(|f| (f.width, f.height)), Ok((120, 100)));
    }

    fn magic() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            Just(Vec::new()),
            Just(b"\x89PNG\r\n\x1a\n".to_vec()),
            Just(b"II*\0".to_vec()),
            Just(b"MM\0*".to_vec()),
            Just(b"BM".to_vec()),
            Just(vec![0xFF, 0xD8, 0xFF]),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn arbitrary_bytes_never_panic(
            prefix in magic(),
            body in proptest::collection::vec(any::<u8>(), 0..2048),
            dpi in 200u32..1100,
        ) {
            let mut bytes = prefix;
            bytes.extend_from_slice(&body);
            let _ = FingerImage::decode(&bytes, dpi);
        }

        #[test]
        fn mutated_real_images_never_panic(
            flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
            format in prop_oneof![Just(ImageFormat::Png), Just(ImageFormat::Bmp), Just(ImageFormat::Tiff)],
        ) {
            let mut bytes = encode(&gradient(100, 100), format);
            let len = bytes.len();
            for (i, v) in flips {
                bytes[i % len] ^= v;
            }
            if let Ok(f) = FingerImage::decode(&bytes, 500) {
                prop_assert_eq!(f.pixels.len(), f.width * f.height);
            }
        }

        #[test]
        fn raw_output_size_is_consistent(w in 1usize..400, h in 1usize..400, dpi in 250u32..=1000) {
            let px = vec![128u8; w * h];
            match FingerImage::from_raw(w, h, dpi, &px) {
                Ok(f) => {
                    prop_assert_eq!(f.pixels.len(), f.width * f.height);
                    prop_assert!(f.width >= MIN_SIDE && f.height >= MIN_SIDE);
                    prop_assert!(f.pixels.iter().all(|&v| v == 128));
                }
                Err(e) => { let is_too_small = matches!(e, ImageError::TooSmall { .. }); prop_assert!(is_too_small); }
            }
        }
    }
}
