//! Simulated phone photos of printed cards, for measuring the scanner: the card turned by
//! any angle, scaled, blurred, unevenly lit, with sensor noise, on a 1920 x 1080 frame and
//! JPEG-compressed. Seeded: the same seed gives the same photo.
//!
//! Scale is relative to the card printed at 300 dpi: at 100% a QR module is
//! [`MODULE_PX`](super::render::MODULE_PX) = 7 px in the photo, at 40% 2.8 px, at 200% 14 px
//! (the card then overflows the frame; the code is kept inside it).

use image::GrayImage;

use crate::registry::synthetic::SplitMix64;

/// Photo size (a phone's 1080p preview frame).
pub const PHOTO_W: u32 = 1920;
pub const PHOTO_H: u32 = 1080;

/// How one photo is degraded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Degradation {
    /// Rotation in degrees, any angle.
    pub angle_deg: f64,
    /// Size relative to the 300 dpi print, 0.4-2.0.
    pub scale: f64,
    /// Gaussian blur sigma in photo pixels, 0-1.5.
    pub blur_sigma: f64,
    /// JPEG quality, 30-90.
    pub jpeg_quality: u8,
    /// Light falling off across the frame: brightness drops by up to this fraction (0-0.45).
    pub gradient: f64,
    /// Direction of the light gradient, radians.
    pub gradient_angle: f64,
}

impl Degradation {
    /// A random degradation within the ranges of the acceptance test.
    pub fn random(rng: &mut SplitMix64) -> Degradation {
        Degradation {
            angle_deg: rng.unit() * 360.0,
            scale: 0.4 + rng.unit() * 1.6,
            blur_sigma: rng.unit() * 1.5,
            jpeg_quality: 30 + rng.below(61) as u8,
            gradient: rng.unit() * 0.45,
            gradient_angle: rng.unit() * std::f64::consts::TAU,
        }
    }
}

/// Where the QR code sits on a card image: centre and side (quiet zone included), pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QrPlacement {
    pub cx: f64,
    pub cy: f64,
    pub side: f64,
}

/// Photograph `card` (whose QR code is at `qr`) with degradation `d`; `seed` draws the
/// position, background and noise. Returns JPEG bytes.
pub fn photograph(card: &GrayImage, qr: QrPlacement, d: &Degradation, seed: u64) -> Vec<u8> {
    let mut rng = SplitMix64::new(seed);
    let (pw, ph) = (PHOTO_W as f64, PHOTO_H as f64);
    let (sin, cos) = d.angle_deg.to_radians().sin_cos();
    // The QR's rotated footprint must stay in the frame; place its centre at random where it
    // does (or at the centre when it barely fits).
    let half = qr.side * d.scale * (sin.abs() + cos.abs()) / 2.0;
    let span_x = (pw / 2.0 - half - 4.0).max(0.0);
    let span_y = (ph / 2.0 - half - 4.0).max(0.0);
    let qx = pw / 2.0 + rng.signed_unit() * span_x;
    let qy = ph / 2.0 + rng.signed_unit() * span_y;
    let background = 90.0 + rng.unit() * 80.0;
    let texture = rng.unit() * 12.0;
    let (gs, gc) = d.gradient_angle.sin_cos();
    // Averaging 3 x 3 samples per pixel when shrinking stands in for the camera's pixels
    // integrating light (without it, a shrunk code aliases unlike any photo).
    let taps: &[f64] = if d.scale < 1.0 { &[-1.0 / 3.0, 0.0, 1.0 / 3.0] } else { &[0.0] };
    let mut px = vec![0f32; (PHOTO_W * PHOTO_H) as usize];
    for y in 0..PHOTO_H {
        for x in 0..PHOTO_W {
            let mut acc = 0.0;
            for &oy in taps {
                for &ox in taps {
                    let (dx, dy) = (x as f64 + ox - qx, y as f64 + oy - qy);
                    // Inverse rotation and scale back to card coordinates.
                    let u = (cos * dx + sin * dy) / d.scale + qr.cx;
                    let v = (-sin * dx + cos * dy) / d.scale + qr.cy;
                    acc += sample(card, u, v).unwrap_or_else(|| background + texture * ((x as f64 * 0.05).sin() * (y as f64 * 0.031).cos()));
                }
            }
            px[(y * PHOTO_W + x) as usize] = (acc / (taps.len() * taps.len()) as f64) as f32;
        }
    }
    if d.blur_sigma > 0.05 {
        gaussian_blur(&mut px, PHOTO_W as usize, PHOTO_H as usize, d.blur_sigma);
    }
    let mut out = Vec::with_capacity(px.len());
    for y in 0..PHOTO_H {
        for x in 0..PHOTO_W {
            // Position along the gradient direction, 0 at one corner, 1 at the other.
            let t = ((x as f64 / pw - 0.5) * gc + (y as f64 / ph - 0.5) * gs + 0.71) / 1.42;
            let light = 1.0 - d.gradient * t.clamp(0.0, 1.0);
            let noise = (rng.unit() + rng.unit() + rng.unit() - 1.5) * 4.0;
            let v = f64::from(px[(y * PHOTO_W + x) as usize]) * light * 0.9 + 12.0 + noise;
            out.push(v.clamp(0.0, 255.0) as u8);
        }
    }
    let mut jpeg = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, d.jpeg_quality);
    let _ = image::ImageEncoder::write_image(encoder, &out, PHOTO_W, PHOTO_H, image::ExtendedColorType::L8);
    jpeg
}

/// Bilinear sample of `image` at (u, v); `None` outside.
fn sample(image: &GrayImage, u: f64, v: f64) -> Option<f64> {
    let (w, h) = (image.width() as f64, image.height() as f64);
    if u < 0.0 || v < 0.0 || u > w - 1.0 || v > h - 1.0 {
        return None;
    }
    let (x0, y0) = (u.floor() as u32, v.floor() as u32);
    let (x1, y1) = ((x0 + 1).min(image.width() - 1), (y0 + 1).min(image.height() - 1));
    let (fx, fy) = (u - u.floor(), v - v.floor());
    let p = |x, y| f64::from(image.get_pixel(x, y)[0]);
    let top = p(x0, y0) * (1.0 - fx) + p(x1, y0) * fx;
    let bottom = p(x0, y1) * (1.0 - fx) + p(x1, y1) * fx;
    Some(top * (1.0 - fy) + bottom * fy)
}

/// Separable Gaussian blur in place.
fn gaussian_blur(px: &mut [f32], w: usize, h: usize, sigma: f64) {
    let r = (3.0 * sigma).ceil() as isize;
    let kernel: Vec<f32> = (-r..=r).map(|i| (-(i * i) as f64 / (2.0 * sigma * sigma)).exp() as f32).collect();
    let total: f32 = kernel.iter().sum();
    let kernel: Vec<f32> = kernel.iter().map(|k| k / total).collect();
    let mut tmp = vec![0f32; px.len()];
    for y in 0..h {
        for x in 0..w {
            let mut acc = 0.0;
            for (k, weight) in kernel.iter().enumerate() {
                let xx = (x as isize + k as isize - r).clamp(0, w as isize - 1) as usize;
                acc += px[y * w + xx] * weight;
            }
            tmp[y * w + x] = acc;
        }
    }
    for y in 0..h {
        for x in 0..w {
            let mut acc = 0.0;
            for (k, weight) in kernel.iter().enumerate() {
                let yy = (y as isize + k as isize - r).clamp(0, h as isize - 1) as usize;
                acc += tmp[yy * w + x] * weight;
            }
            px[y * w + x] = acc;
        }
    }
}
