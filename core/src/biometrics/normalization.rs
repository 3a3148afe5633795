//! Stage 1: grey-level normalisation. A light Gaussian first removes detail finer than a
//! ridge (noise, pores, compression artefacts); then local mean is removed and local
//! contrast divided out, so dry, wet, light and dark regions reach the filters on one scale.
//! Ridges become positive, valleys negative.

use super::image::FingerImage;
use super::orientation::gaussian_blur;
use super::params::{NORMALIZE_RADIUS, PRE_SMOOTH_SIGMA};
use super::raster::{window, Grid, Integral};

/// Normalised image: roughly zero mean, unit contrast, ridges positive, clipped to ±3.
pub fn normalize(image: &FingerImage) -> Grid<f32> {
    normalize_grey(gaussian_blur(&grey(image), PRE_SMOOTH_SIGMA))
}

/// The same without the pre-smoothing: the image as the sensor recorded it, noise included
/// (image quality judges that).
pub fn normalize_unsmoothed(image: &FingerImage) -> Grid<f32> {
    normalize_grey(grey(image))
}

fn grey(image: &FingerImage) -> Grid<f32> {
    Grid { width: image.width, height: image.height, data: image.pixels.iter().map(|&p| p as f32).collect() }
}

fn normalize_grey(grey: Grid<f32>) -> Grid<f32> {
    let (w, h) = (grey.width, grey.height);
    let integral = Integral::new(&grey);
    let mut out = Grid::filled(w, h, 0.0f32);
    for y in 0..h {
        let (y0, y1) = window(y, NORMALIZE_RADIUS, h);
        for x in 0..w {
            let (x0, x1) = window(x, NORMALIZE_RADIUS, w);
            let (mean, std) = integral.mean_std(x0, y0, x1, y1);
            // Contrast floor: flat areas stay flat instead of amplifying sensor noise.
            let v = (mean - grey.data[y * w + x]) / std.max(4.0);
            out.data[y * w + x] = v.clamp(-3.0, 3.0);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dark_ridges_become_positive_and_contrast_is_equalised() {
        // Left half: low-contrast stripes; right half: high contrast. Both normalise alike.
        let (w, h) = (64usize, 32usize);
        let mut pixels = vec![0u8; w * h];
        for y in 0..h {
            for x in 0..w {
                let ridge = (x / 4) % 2 == 0;
                let amp = if x < w / 2 { 10.0 } else { 100.0 };
                pixels[y * w + x] = (128.0 + if ridge { -amp } else { amp }) as u8;
            }
        }
        let n = normalize(&FingerImage { width: w, height: h, pixels });
        let left = n.get(16, 16); // on a ridge (x/4 = 4, even)
        let right = n.get(48, 16); // on a ridge (x/4 = 12, even)
        assert!(left > 0.5 && right > 0.5, "ridges positive: {left} {right}");
        assert!((left - right).abs() < 0.3, "equalised: {left} vs {right}");
        assert!(n.get(20, 16) < -0.5, "valley negative");
    }
}
