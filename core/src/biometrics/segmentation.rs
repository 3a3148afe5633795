//! Stage 3: foreground segmentation. A block belongs to the finger when its grey-level
//! contrast is high (relative to the image, so every sensor works) and its ridges have a
//! dominant direction. The mask is smoothed, reduced to its largest piece and its holes
//! filled; the distance of each block to the background drops border minutiae later.

use super::image::FingerImage;
use super::orientation::OrientationField;
use super::params::*;
use super::raster::{window, Grid, Integral};

/// Block mask of the finger area with each block's distance to the background in pixels.
#[derive(Debug, Clone)]
pub struct ForegroundMask {
    pub blocks_wide: usize,
    pub blocks_high: usize,
    pub foreground: Vec<bool>,
    /// Distance from a block centre to the nearest background block centre (or the image
    /// edge), in pixels; 0 for background blocks.
    pub border_distance: Vec<f32>,
}

impl ForegroundMask {
    #[inline]
    pub fn contains(&self, x: usize, y: usize) -> bool {
        let (bx, by) = (x / BLOCK, y / BLOCK);
        bx < self.blocks_wide && by < self.blocks_high && self.foreground[by * self.blocks_wide + bx]
    }

    /// Distance to the background (pixels) at a pixel, interpolated between block centres.
    pub fn distance_at(&self, x: f32, y: f32) -> f32 {
        let fx = ((x - BLOCK as f32 / 2.0) / BLOCK as f32).clamp(0.0, (self.blocks_wide - 1) as f32);
        let fy = ((y - BLOCK as f32 / 2.0) / BLOCK as f32).clamp(0.0, (self.blocks_high - 1) as f32);
        let (x0, y0) = (fx as usize, fy as usize);
        let (x1, y1) = ((x0 + 1).min(self.blocks_wide - 1), (y0 + 1).min(self.blocks_high - 1));
        let (tx, ty) = (fx - x0 as f32, fy - y0 as f32);
        let d = |bx: usize, by: usize| self.border_distance[by * self.blocks_wide + bx];
        let top = d(x0, y0) * (1.0 - tx) + d(x1, y0) * tx;
        let bottom = d(x0, y1) * (1.0 - tx) + d(x1, y1) * tx;
        top * (1.0 - ty) + bottom * ty
    }

    /// Number of foreground blocks.
    pub fn area_blocks(&self) -> usize {
        self.foreground.iter().filter(|&&f| f).count()
    }
}

/// Segment the finger from the background.
pub fn segment(image: &FingerImage, field: &OrientationField) -> ForegroundMask {
    let (w, h) = (image.width, image.height);
    let (bw, bh) = (field.blocks_wide, field.blocks_high);
    let grey = Grid { width: w, height: h, data: image.pixels.iter().map(|&p| p as f32).collect() };
    let integral = Integral::new(&grey);
    let mut contrast = vec![0.0f32; bw * bh];
    for by in 0..bh {
        let (y0, y1) = window((by * BLOCK + BLOCK / 2).min(h - 1), SEGMENT_RADIUS, h);
        for bx in 0..bw {
            let (x0, x1) = window((bx * BLOCK + BLOCK / 2).min(w - 1), SEGMENT_RADIUS, w);
            contrast[by * bw + bx] = integral.mean_std(x0, y0, x1, y1).1;
        }
    }
    let mut sorted = contrast.clone();
    sorted.sort_by(f32::total_cmp);
    let p90 = sorted[(sorted.len() * 9 / 10).min(sorted.len() - 1)];
    let threshold = (SEGMENT_RELATIVE_THRESHOLD * p90).max(SEGMENT_ABSOLUTE_THRESHOLD);

    let mut fg: Vec<bool> = (0..bw * bh)
        .map(|i| contrast[i] >= threshold && field.coherence[i] >= SEGMENT_MIN_COHERENCE)
        .collect();
    for _ in 0..SEGMENT_SMOOTHING_ROUNDS {
        fg = majority(&fg, bw, bh);
    }
    fg = largest_component(&fg, bw, bh);
    fg = fill_holes(&fg, bw, bh);
    let border_distance = distance_to_background(&fg, bw, bh);
    ForegroundMask { blocks_wide: bw, blocks_high: bh, foreground: fg, border_distance }
}

fn majority(fg: &[bool], bw: usize, bh: usize) -> Vec<bool> {
    let mut out = vec![false; fg.len()];
    for by in 0..bh {
        for bx in 0..bw {
            let mut count = 0;
            let mut total = 0;
            for dy in -1i64..=1 {
                for dx in -1i64..=1 {
                    let (x, y) = (bx as i64 + dx, by as i64 + dy);
                    if x >= 0 && y >= 0 && (x as usize) < bw && (y as usize) < bh {
                        total += 1;
                        count += fg[y as usize * bw + x as usize] as usize;
                    }
                }
            }
            out[by * bw + bx] = 2 * count > total;
        }
    }
    out
}

/// Label 4-connected components of `value` cells; returns labels (usize::MAX where not value).
fn components(cells: &[bool], value: bool, bw: usize, bh: usize) -> (Vec<usize>, Vec<usize>) {
    let mut label = vec![usize::MAX; cells.len()];
    let mut sizes = Vec::new();
    let mut stack = Vec::new();
    for start in 0..cells.len() {
        if cells[start] != value || label[start] != usize::MAX {
            continue;
        }
        let id = sizes.len();
        let mut size = 0;
        label[start] = id;
        stack.push(start);
        while let Some(i) = stack.pop() {
            size += 1;
            let (x, y) = (i % bw, i / bw);
            let mut visit = |j: usize| {
                if cells[j] == value && label[j] == usize::MAX {
                    label[j] = id;
                    stack.push(j);
                }
            };
            if x > 0 { visit(i - 1); }
            if x + 1 < bw { visit(i + 1); }
            if y > 0 { visit(i - bw); }
            if y + 1 < bh { visit(i + bw); }
        }
        sizes.push(size);
    }
    (label, sizes)
}

fn largest_component(fg: &[bool], bw: usize, bh: usize) -> Vec<bool> {
    let (label, sizes) = components(fg, true, bw, bh);
    let Some(best) = (0..sizes.len()).max_by_key(|&i| sizes[i]) else {
        return fg.to_vec();
    };
    label.iter().map(|&l| l == best).collect()
}

fn fill_holes(fg: &[bool], bw: usize, bh: usize) -> Vec<bool> {
    let (label, sizes) = components(fg, false, bw, bh);
    let mut touches_edge = vec![false; sizes.len()];
    for by in 0..bh {
        for bx in 0..bw {
            if bx == 0 || by == 0 || bx + 1 == bw || by + 1 == bh {
                let l = label[by * bw + bx];
                if l != usize::MAX {
                    touches_edge[l] = true;
                }
            }
        }
    }
    (0..fg.len()).map(|i| fg[i] || !touches_edge[label[i]]).collect()
}

/// Chamfer (3-4) distance from each foreground block to background or the image edge.
fn distance_to_background(fg: &[bool], bw: usize, bh: usize) -> Vec<f32> {
    const FAR: f32 = 1e9;
    let mut d: Vec<f32> = fg.iter().map(|&f| if f { FAR } else { 0.0 }).collect();
    // Outside the image counts as background one block away.
    let edge = |x: usize, y: usize| {
        let m = x.min(y).min(bw - 1 - x).min(bh - 1 - y);
        (m + 1) as f32
    };
    for y in 0..bh {
        for x in 0..bw {
            let i = y * bw + x;
            if d[i] == 0.0 { continue; }
            let mut v = d[i].min(edge(x, y));
            if x > 0 { v = v.min(d[i - 1] + 1.0); }
            if y > 0 {
                v = v.min(d[i - bw] + 1.0);
                if x > 0 { v = v.min(d[i - bw - 1] + 1.4); }
                if x + 1 < bw { v = v.min(d[i - bw + 1] + 1.4); }
            }
            d[i] = v;
        }
    }
    for y in (0..bh).rev() {
        for x in (0..bw).rev() {
            let i = y * bw + x;
            if d[i] == 0.0 { continue; }
            let mut v = d[i];
            if x + 1 < bw { v = v.min(d[i + 1] + 1.0); }
            if y + 1 < bh {
                v = v.min(d[i + bw] + 1.0);
                if x + 1 < bw { v = v.min(d[i + bw + 1] + 1.4); }
                if x > 0 { v = v.min(d[i + bw - 1] + 1.4); }
            }
            d[i] = v;
        }
    }
    // Block steps to pixels; a block next to the background is half a block from its edge.
    d.iter().map(|&v| if v == 0.0 { 0.0 } else { (v - 0.5) * BLOCK as f32 }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::biometrics::normalization::normalize;
    use crate::biometrics::orientation::orientation_field;

    /// Stripes inside a disc on a flat white background.
    fn disc_of_stripes(size: usize, radius: f32) -> FingerImage {
        let mut pixels = vec![255u8; size * size];
        let c = size as f32 / 2.0;
        for y in 0..size {
            for x in 0..size {
                let (dx, dy) = (x as f32 - c, y as f32 - c);
                if dx * dx + dy * dy < radius * radius {
                    let v = 128.0 + 100.0 * (2.0 * std::f32::consts::PI * (x as f32 + 0.3 * y as f32) / 9.0).cos();
                    pixels[y * size + x] = v as u8;
                }
            }
        }
        FingerImage { width: size, height: size, pixels }
    }

    #[test]
    fn finds_the_disc_and_not_the_background() {
        let img = disc_of_stripes(160, 55.0);
        let field = orientation_field(&normalize(&img));
        let mask = segment(&img, &field);
        assert!(mask.contains(80, 80));
        assert!(!mask.contains(5, 5));
        assert!(!mask.contains(150, 80));
        let area = mask.area_blocks() as f32 * 64.0;
        let disc = std::f32::consts::PI * 55.0 * 55.0;
        assert!((area / disc - 1.0).abs() < 0.3, "area {area} vs disc {disc}");
        assert!(mask.distance_at(80.0, 80.0) > 35.0);
        assert!(mask.distance_at(80.0, 30.0) < 16.0, "edge distance {}", mask.distance_at(80.0, 30.0));
    }

    #[test]
    fn blank_image_has_no_foreground() {
        let img = FingerImage { width: 128, height: 128, pixels: vec![200; 128 * 128] };
        let field = orientation_field(&normalize(&img));
        assert_eq!(segment(&img, &field).area_blocks(), 0);
    }
}
