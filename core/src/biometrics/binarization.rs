//! Stage 6: binarization. The enhanced image is zero-mean by construction, so its sign
//! separates ridges (positive) from valleys.

use super::raster::Grid;
use super::segmentation::ForegroundMask;

/// Ridge pixels (true) on the finger.
pub fn binarize(enhanced: &Grid<f32>, mask: &ForegroundMask) -> Grid<bool> {
    let (w, h) = (enhanced.width, enhanced.height);
    let mut out = Grid::filled(w, h, false);
    for y in 0..h {
        for x in 0..w {
            out.data[y * w + x] = enhanced.data[y * w + x] > 0.0 && mask.contains(x, y);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positive_inside_the_mask_is_ridge() {
        let e = Grid { width: 16, height: 8, data: (0..128).map(|i| if i % 2 == 0 { 1.0 } else { -1.0 }).collect() };
        let mask = ForegroundMask { blocks_wide: 2, blocks_high: 1, foreground: vec![true, false], border_distance: vec![4.0, 0.0] };
        let b = binarize(&e, &mask);
        assert!(b.get(0, 0));
        assert!(!b.get(1, 0));
        assert!(!b.get(8, 0), "outside the mask is never ridge");
    }
}
