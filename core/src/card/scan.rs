//! Reading a card from a camera photo: find and decode the QR code (rqrr), trying again on
//! prepared versions of the photo when the first look fails.
//!
//! Why several looks: field photos are tilted, small, blurred, JPEG-compressed and unevenly
//! lit. rqrr binarises with a local threshold and reads any rotation, which covers most
//! photos at full size; a half-size copy merges blur and JPEG noise and is four times
//! faster to search, a contrast-normalised copy rescues shadows and glare, and an enlarged
//! crop rescues codes whose modules are under 3 px. The cheap looks come first, so a good
//! photo costs one look.

use image::GrayImage;
use thiserror::Error;

use super::payload::PREFIX;

/// Photos larger than this (either side) are reduced first: a card QR needs no more, and
/// rqrr's time grows with the pixel count.
pub const MAX_SIDE: u32 = 2000;
/// Radius of the local-contrast window, in pixels of the looked-at image: larger than a
/// QR module at every scale we look at, smaller than an uneven-lighting gradient.
pub const CONTRAST_RADIUS: usize = 24;
/// Largest photo file accepted (a 12-megapixel JPEG is about 8 MB).
pub const MAX_PHOTO_BYTES: usize = 40 << 20;

/// Why no card text came out of a photo.
#[derive(Debug, Error)]
pub enum ScanError {
    #[error("the photo cannot be decoded: {0}")]
    Image(String),
    #[error("no Jatigi card QR code found in the photo")]
    NotFound,
}

impl ScanError {
    pub fn message_fr(&self) -> String {
        match self {
            ScanError::Image(_) => "la photo ne peut pas être décodée".into(),
            ScanError::NotFound => "aucun code QR de carte Jatigi trouvé sur la photo".into(),
        }
    }
}

/// Decode a photo file (JPEG, PNG…) and read the card text in it.
pub fn scan_photo(bytes: &[u8]) -> Result<String, ScanError> {
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(ScanError::Image("file too large".into()));
    }
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes)).with_guessed_format().map_err(|e| ScanError::Image(e.to_string()))?;
    let mut limits = image::Limits::default();
    // 64 megapixels of RGBA: refuse decompression bombs before allocating them.
    limits.max_alloc = Some(256 << 20);
    reader.limits(limits);
    let image = reader.decode().map_err(|e| ScanError::Image(e.to_string()))?;
    scan_image(&image.to_luma8())
}

/// Read the card text in a grey photo.
pub fn scan_image(photo: &GrayImage) -> Result<String, ScanError> {
    let base = if photo.width().max(photo.height()) > MAX_SIDE {
        let f = f64::from(MAX_SIDE) / f64::from(photo.width().max(photo.height()));
        image::imageops::resize(photo, (f64::from(photo.width()) * f) as u32, (f64::from(photo.height()) * f) as u32, image::imageops::FilterType::Triangle)
    } else {
        photo.clone()
    };
    if let Some(text) = look(&base) {
        return Ok(text);
    }
    let half = half_size(&base);
    if let Some(text) = look(&half) {
        return Ok(text);
    }
    if let Some(text) = look(&local_contrast(&half, CONTRAST_RADIUS / 2)) {
        return Ok(text);
    }
    if let Some(text) = look(&local_contrast(&base, CONTRAST_RADIUS)) {
        return Ok(text);
    }
    // Small codes: enlarge the whole photo's central part would be costly; enlarge the
    // regions where rqrr saw finder patterns is not exposed, so enlarge quarters instead.
    for tile in quarters(&base) {
        let big = image::imageops::resize(&tile, tile.width() * 2, tile.height() * 2, image::imageops::FilterType::Triangle);
        if let Some(text) = look(&big) {
            return Ok(text);
        }
    }
    Err(ScanError::NotFound)
}

/// One look with rqrr: the first grid that decodes to a card text.
fn look(image: &GrayImage) -> Option<String> {
    let (w, h) = (image.width() as usize, image.height() as usize);
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| image.as_raw()[y * w + x]);
    prepared
        .detect_grids()
        .into_iter()
        .filter_map(|grid| grid.decode().ok())
        .map(|(_, text)| text)
        .find(|text| text.starts_with(PREFIX))
}

/// Half the size, each pixel the mean of four.
fn half_size(image: &GrayImage) -> GrayImage {
    let (w, h) = (image.width() / 2, image.height() / 2);
    GrayImage::from_fn(w.max(1), h.max(1), |x, y| {
        let p = |dx: u32, dy: u32| u32::from(image.get_pixel((2 * x + dx).min(image.width() - 1), (2 * y + dy).min(image.height() - 1))[0]);
        image::Luma([((p(0, 0) + p(1, 0) + p(0, 1) + p(1, 1) + 2) / 4) as u8])
    })
}

/// Each pixel against the mean and spread of its neighbourhood: removes lighting gradients
/// and stretches low contrast.
fn local_contrast(image: &GrayImage, radius: usize) -> GrayImage {
    let (w, h) = (image.width() as usize, image.height() as usize);
    let px = image.as_raw();
    // Integral images of values and squares.
    let mut sum = vec![0u64; (w + 1) * (h + 1)];
    let mut sq = vec![0u64; (w + 1) * (h + 1)];
    for y in 0..h {
        let (mut row, mut row_sq) = (0u64, 0u64);
        for x in 0..w {
            let v = u64::from(px[y * w + x]);
            row += v;
            row_sq += v * v;
            sum[(y + 1) * (w + 1) + x + 1] = sum[y * (w + 1) + x + 1] + row;
            sq[(y + 1) * (w + 1) + x + 1] = sq[y * (w + 1) + x + 1] + row_sq;
        }
    }
    let mut out = vec![0u8; w * h];
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(radius), (y + radius + 1).min(h));
        for x in 0..w {
            let (x0, x1) = (x.saturating_sub(radius), (x + radius + 1).min(w));
            let n = ((y1 - y0) * (x1 - x0)) as f64;
            let at = |t: &[u64], yy: usize, xx: usize| t[yy * (w + 1) + xx] as f64;
            let s = at(&sum, y1, x1) - at(&sum, y0, x1) - at(&sum, y1, x0) + at(&sum, y0, x0);
            let s2 = at(&sq, y1, x1) - at(&sq, y0, x1) - at(&sq, y1, x0) + at(&sq, y0, x0);
            let mean = s / n;
            let sd = (s2 / n - mean * mean).max(0.0).sqrt().max(8.0);
            let v = 128.0 + 60.0 * (f64::from(px[y * w + x]) - mean) / sd;
            out[y * w + x] = v.clamp(0.0, 255.0) as u8;
        }
    }
    GrayImage::from_raw(w as u32, h as u32, out).unwrap_or_else(|| image.clone())
}

/// Four overlapping quarters (each 60% of the side), for enlarging small codes.
fn quarters(image: &GrayImage) -> Vec<GrayImage> {
    let (w, h) = (image.width(), image.height());
    let (tw, th) = (w * 3 / 5, h * 3 / 5);
    [(0, 0), (w - tw, 0), (0, h - th), (w - tw, h - th)]
        .into_iter()
        .map(|(x, y)| image::imageops::crop_imm(image, x, y, tw, th).to_image())
        .collect()
}
