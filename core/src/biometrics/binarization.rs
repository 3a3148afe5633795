//! Stage 6: binarization. The enhanced image is zero-mean by construction, so its sign
//! separates ridges (positive) from valleys. Specks of ridge in a valley and pores (small
//! lakes of valley inside a ridge) are then erased: each would become a false minutia pair.

use super::params::{MIN_LAKE_AREA, MIN_RIDGE_AREA};
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
    flip_small_components(&mut out, true, MIN_RIDGE_AREA);
    flip_small_components(&mut out, false, MIN_LAKE_AREA);
    out
}

/// Flip every 4-connected component of `value` pixels smaller than `min_area`.
fn flip_small_components(g: &mut Grid<bool>, value: bool, min_area: usize) {
    let (w, h) = (g.width, g.height);
    let mut seen = vec![false; w * h];
    let mut component = Vec::new();
    let mut stack = Vec::new();
    for start in 0..w * h {
        if seen[start] || g.data[start] != value {
            continue;
        }
        component.clear();
        seen[start] = true;
        stack.push(start);
        let mut touches_edge = false;
        while let Some(i) = stack.pop() {
            component.push(i);
            let (x, y) = (i % w, i / w);
            touches_edge |= x == 0 || y == 0 || x + 1 == w || y + 1 == h;
            let mut visit = |j: usize| {
                if !seen[j] && g.data[j] == value {
                    seen[j] = true;
                    stack.push(j);
                }
            };
            if x > 0 { visit(i - 1); }
            if x + 1 < w { visit(i + 1); }
            if y > 0 { visit(i - w); }
            if y + 1 < h { visit(i + w); }
        }
        // Valley touching the image edge is background, never a pore.
        if component.len() < min_area && !(touches_edge && !value) {
            for &i in &component {
                g.data[i] = !value;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pores_are_filled_and_specks_erased() {
        let (w, h) = (40usize, 40usize);
        let mut e = Grid::filled(w, h, -1.0f32);
        for y in 10..30 {
            for x in 10..30 {
                e.set(x, y, 1.0); // a ridge blob
            }
        }
        e.set(20, 20, -1.0); // a pore
        e.set(35, 35, 1.0); // a speck
        let mask = ForegroundMask { blocks_wide: 5, blocks_high: 5, foreground: vec![true; 25], border_distance: vec![20.0; 25] };
        let b = binarize(&e, &mask);
        assert!(b.get(20, 20), "pore filled");
        assert!(!b.get(35, 35), "speck erased");
        assert!(b.get(12, 12) && !b.get(5, 5));
    }

    #[test]
    fn positive_inside_the_mask_is_ridge() {
        // Vertical stripes 6 px wide over 24 x 16; the mask covers the left two blocks.
        let e = Grid { width: 24, height: 16, data: (0..24 * 16).map(|i| if (i % 24) / 6 % 2 == 0 { 1.0 } else { -1.0 }).collect() };
        let mask = ForegroundMask { blocks_wide: 3, blocks_high: 2, foreground: vec![true, true, false, true, true, false], border_distance: vec![4.0; 6] };
        let b = binarize(&e, &mask);
        assert!(b.get(2, 5));
        assert!(!b.get(8, 5));
        assert!(!b.get(19, 5), "outside the mask is never ridge");
    }
}
