//! Reading a card from a camera photo: find and decode the QR code (rqrr), trying again on
//! prepared versions of the photo when the first look fails.
//!
//! Why several looks: field photos are tilted, small, blurred, JPEG-compressed and unevenly
//! lit. rqrr binarises with a local threshold and reads any rotation, which covers most
//! photos at full size; a half-size copy merges blur and JPEG noise and is four times
//! faster to search, our own binarisation (local mean over a square window) keeps small
//! blurred finder patterns that rqrr's row-wise threshold loses, a contrast-normalised copy
//! rescues shadows and glare, and enlarged crops rescue codes whose modules are about 3 px.
//! The cheap looks come first, so a good photo costs one look.

use image::GrayImage;
use thiserror::Error;

use super::payload::PREFIX;

/// Decode the grids rqrr finds in a prepared image (a macro: rqrr does not export the trait
/// its image buffers implement, so no function can be generic over them).
macro_rules! grids {
    ($prepared:expr) => {{
    let mut seen = Vec::new();
    for grid in $prepared.detect_grids() {
        if let Ok((_, text)) = grid.decode() {
            if text.starts_with(PREFIX) {
                return Look::Read(text);
            }
        }
        let xs = grid.bounds.iter().map(|p| i64::from(p.x));
        let ys = grid.bounds.iter().map(|p| i64::from(p.y));
        seen.push(Region { x0: xs.clone().min().unwrap_or(0), x1: xs.max().unwrap_or(0), y0: ys.clone().min().unwrap_or(0), y1: ys.max().unwrap_or(0) });
    }
    Look::Seen(seen)
    }};
}

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
        let (w, h) = ((f64::from(photo.width()) * f) as u32, (f64::from(photo.height()) * f) as u32);
        image::imageops::resize(photo, w.max(1), h.max(1), image::imageops::FilterType::Triangle)
    } else {
        photo.clone()
    };
    // Smaller than the smallest QR code (21 modules): nothing to find, and no look below
    // has to think about degenerate sizes.
    if base.width().min(base.height()) < MIN_SIDE {
        return Err(ScanError::NotFound);
    }
    // 1. The photo as it is.
    let mut seen = match look(&base) {
        Look::Read(text) => return Ok(text),
        Look::Seen(regions) => regions,
    };
    // 2. A half-size copy: blur and JPEG noise average out, and it is cheap.
    let half = half_size(&base);
    match look(&half) {
        Look::Read(text) => return Ok(text),
        Look::Seen(regions) => seen.extend(regions.into_iter().map(|r| r.scaled(2))),
    }
    // 3. Our own binarisation (local mean over a square window): rqrr's own threshold
    //    follows rows and loses small, blurred finder patterns.
    match look_binarised(&base, BINARISE_RADIUS) {
        Look::Read(text) => return Ok(text),
        Look::Seen(regions) => seen.extend(regions),
    }
    // 4. Codes found but not decoded: their region enlarged and contrast-normalised.
    for region in seen.iter().take(MAX_REGIONS) {
        if let Some(text) = read_region(&base, region) {
            return Ok(text);
        }
    }
    // 5. Shadows and glare: local contrast, at half and full size.
    for image in [local_contrast(&half, CONTRAST_RADIUS / 2), local_contrast(&base, CONTRAST_RADIUS)] {
        match look(&image) {
            Look::Read(text) => return Ok(text),
            Look::Seen(regions) => {
                let factor = if image.width() == half.width() { 2 } else { 1 };
                for region in regions.into_iter().take(MAX_REGIONS) {
                    if let Some(text) = read_region(&base, &region.scaled(factor)) {
                        return Ok(text);
                    }
                }
            }
        }
    }
    // 6. Small blurred codes: the whole photo enlarged by half, sharpened, binarised our
    //    way (about 5 megapixels: only photos that failed everything else pay for it).
    let (w, h) = (base.width() * 3 / 2, base.height() * 3 / 2);
    let enlarged = image::imageops::resize(&base, w, h, image::imageops::FilterType::CatmullRom);
    if let Look::Read(text) = look_binarised(&image::imageops::unsharpen(&enlarged, 1.5, 0), BINARISE_RADIUS * 3 / 2) {
        return Ok(text);
    }
    // 7. Codes too small for their finder patterns to be found: enlarged quarters, also
    //    sharpened and binarised our way.
    for tile in quarters(&base) {
        let big = image::imageops::resize(&tile, tile.width() * 2, tile.height() * 2, image::imageops::FilterType::CatmullRom);
        if let Look::Read(text) = look(&big) {
            return Ok(text);
        }
        if let Look::Read(text) = look_binarised(&image::imageops::unsharpen(&big, 2.0, 0), BINARISE_RADIUS) {
            return Ok(text);
        }
    }
    Err(ScanError::NotFound)
}

/// Smallest photo side worth looking at, in pixels.
const MIN_SIDE: u32 = 21;

/// At most this many found-but-unread regions are retried (a photo of a sheet holds 10).
const MAX_REGIONS: usize = 12;

/// Where rqrr saw a code: the bounding box of its four corners.
#[derive(Debug, Clone, Copy)]
struct Region {
    x0: i64,
    y0: i64,
    x1: i64,
    y1: i64,
}

impl Region {
    fn scaled(self, f: i64) -> Region {
        Region { x0: self.x0 * f, y0: self.y0 * f, x1: self.x1 * f, y1: self.y1 * f }
    }
}

enum Look {
    Read(String),
    Seen(Vec<Region>),
}

/// One look with rqrr: the first grid that decodes to a card text, or where codes were seen.
fn look(image: &GrayImage) -> Look {
    let (w, h) = (image.width() as usize, image.height() as usize);
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| image.as_raw()[y * w + x]);
    grids!(prepared)
}


/// A region cut out with a margin, enlarged so the code is about [`REGION_SIDE`] px wide,
/// then looked at as it is and contrast-normalised.
fn read_region(image: &GrayImage, r: &Region) -> Option<String> {
    let margin = ((r.x1 - r.x0).max(r.y1 - r.y0) / 4).max(8);
    let x0 = (r.x0 - margin).clamp(0, i64::from(image.width()) - 1) as u32;
    let y0 = (r.y0 - margin).clamp(0, i64::from(image.height()) - 1) as u32;
    let x1 = (r.x1 + margin).clamp(0, i64::from(image.width())) as u32;
    let y1 = (r.y1 + margin).clamp(0, i64::from(image.height())) as u32;
    if x1 <= x0 + 8 || y1 <= y0 + 8 {
        return None;
    }
    let crop = image::imageops::crop_imm(image, x0, y0, x1 - x0, y1 - y0).to_image();
    let f = (REGION_SIDE / f64::from(crop.width().max(crop.height()))).clamp(1.0, 4.0);
    let big = image::imageops::resize(&crop, (f64::from(crop.width()) * f) as u32, (f64::from(crop.height()) * f) as u32, image::imageops::FilterType::CatmullRom);
    if let Look::Read(text) = look(&big) {
        return Some(text);
    }
    match look(&local_contrast(&big, CONTRAST_RADIUS)) {
        Look::Read(text) => Some(text),
        Look::Seen(_) => None,
    }
}

/// Side, in pixels, to which a seen-but-unread code is enlarged: about 12 px per module for
/// a version 10 code.
const REGION_SIDE: f64 = 800.0;

/// Radius of the binarisation window: a few modules of the smallest code we read, less than
/// a lighting gradient changes over.
const BINARISE_RADIUS: usize = 20;

/// A look at our own binarisation: dark where a pixel is below the mean of its window.
fn look_binarised(image: &GrayImage, radius: usize) -> Look {
    let (w, h) = (image.width() as usize, image.height() as usize);
    let px = image.as_raw();
    let mut sum = vec![0u32; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0u32;
        for x in 0..w {
            row += u32::from(px[y * w + x]);
            sum[(y + 1) * (w + 1) + x + 1] = sum[y * (w + 1) + x + 1] + row;
        }
    }
    let mut prepared = rqrr::PreparedImage::prepare_from_bitmap(w, h, |x, y| {
        let (x0, x1) = (x.saturating_sub(radius), (x + radius + 1).min(w));
        let (y0, y1) = (y.saturating_sub(radius), (y + radius + 1).min(h));
        let total = sum[y1 * (w + 1) + x1] + sum[y0 * (w + 1) + x0] - sum[y0 * (w + 1) + x1] - sum[y1 * (w + 1) + x0];
        let n = ((x1 - x0) * (y1 - y0)) as u32;
        // Dark if more than 3 grey levels under the local mean (flat areas stay light).
        u32::from(px[y * w + x]) * n + 3 * n < total
    });
    grids!(prepared)
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
