//! A small 2-D grid used by every stage (pixels or blocks), row-major.

/// A `width` x `height` grid of values.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid<T> {
    pub width: usize,
    pub height: usize,
    pub data: Vec<T>,
}

impl<T: Copy> Grid<T> {
    /// A grid filled with `value`.
    pub fn filled(width: usize, height: usize, value: T) -> Self {
        Grid { width, height, data: vec![value; width * height] }
    }

    #[inline]
    pub fn get(&self, x: usize, y: usize) -> T {
        self.data[y * self.width + x]
    }

    #[inline]
    pub fn set(&mut self, x: usize, y: usize, value: T) {
        self.data[y * self.width + x] = value;
    }

    /// The value at signed coordinates, or `None` outside the grid.
    #[inline]
    pub fn get_checked(&self, x: i64, y: i64) -> Option<T> {
        if x < 0 || y < 0 || x >= self.width as i64 || y >= self.height as i64 {
            None
        } else {
            Some(self.data[y as usize * self.width + x as usize])
        }
    }
}

/// Summed-area table for O(1) box sums (values and squares).
pub struct Integral {
    width: usize,
    sum: Vec<f64>,
    sq: Vec<f64>,
}

impl Integral {
    pub fn new(image: &Grid<f32>) -> Self {
        let (w, h) = (image.width, image.height);
        let mut sum = vec![0.0f64; (w + 1) * (h + 1)];
        let mut sq = vec![0.0f64; (w + 1) * (h + 1)];
        for y in 0..h {
            let (mut row, mut row_sq) = (0.0f64, 0.0f64);
            for x in 0..w {
                let v = image.data[y * w + x] as f64;
                row += v;
                row_sq += v * v;
                sum[(y + 1) * (w + 1) + x + 1] = sum[y * (w + 1) + x + 1] + row;
                sq[(y + 1) * (w + 1) + x + 1] = sq[y * (w + 1) + x + 1] + row_sq;
            }
        }
        Integral { width: w, sum, sq }
    }

    /// Mean and standard deviation over the box [x0, x1) x [y0, y1) (must be non-empty).
    pub fn mean_std(&self, x0: usize, y0: usize, x1: usize, y1: usize) -> (f32, f32) {
        let w1 = self.width + 1;
        let at = |t: &[f64], x: usize, y: usize| t[y * w1 + x];
        let n = ((x1 - x0) * (y1 - y0)) as f64;
        let s = at(&self.sum, x1, y1) - at(&self.sum, x0, y1) - at(&self.sum, x1, y0) + at(&self.sum, x0, y0);
        let q = at(&self.sq, x1, y1) - at(&self.sq, x0, y1) - at(&self.sq, x1, y0) + at(&self.sq, x0, y0);
        let mean = s / n;
        let var = (q / n - mean * mean).max(0.0);
        (mean as f32, var.sqrt() as f32)
    }
}

/// Clamp a window [c - r, c + r] to [0, n).
#[inline]
pub fn window(c: usize, r: usize, n: usize) -> (usize, usize) {
    (c.saturating_sub(r), (c + r + 1).min(n))
}
