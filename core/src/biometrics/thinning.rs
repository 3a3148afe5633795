//! Stage 7: thinning. Ridges are reduced to one-pixel, 8-connected skeletons (Zhang and
//! Suen 1984, table-driven), then staircase pixels that 8-connectivity makes redundant are
//! removed so that the crossing number reads minutiae correctly.

use super::raster::Grid;

/// Neighbour offsets in ring order: N, NE, E, SE, S, SW, W, NW.
pub const RING: [(i64, i64); 8] = [(0, -1), (1, -1), (1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1)];

/// The 8 neighbours of (x, y) as bits in ring order (bit 0 = N); outside counts as 0.
#[inline]
pub fn neighbourhood(g: &Grid<bool>, x: usize, y: usize) -> u8 {
    let mut code = 0u8;
    for (i, (dx, dy)) in RING.iter().enumerate() {
        if g.get_checked(x as i64 + dx, y as i64 + dy) == Some(true) {
            code |= 1 << i;
        }
    }
    code
}

/// Number of 0→1 transitions around the ring (Rutovitz crossing number times 2 / 2).
#[inline]
pub fn transitions(code: u8) -> u32 {
    (0..8).filter(|&i| code & (1 << i) == 0 && code & (1 << ((i + 1) % 8)) != 0).count() as u32
}

fn zhang_suen_tables() -> [[bool; 256]; 2] {
    let mut t = [[false; 256]; 2];
    for code in 0..256usize {
        let c = code as u8;
        let p = |i: usize| (c >> i) & 1 == 1; // 0=N(p2) 2=E(p4) 4=S(p6) 6=W(p8)
        let b = c.count_ones();
        let a = transitions(c);
        // Lü and Wang (1986): B >= 3 keeps two-pixel-thick diagonals from vanishing.
        let base = (3..=6).contains(&b) && a == 1;
        t[0][code] = base && !(p(0) && p(2) && p(4)) && !(p(2) && p(4) && p(6));
        t[1][code] = base && !(p(0) && p(2) && p(6)) && !(p(0) && p(4) && p(6));
    }
    t
}

/// Yokoi's 8-connectivity number: 1 means removing the pixel keeps its neighbours connected.
fn connectivity8(code: u8) -> u32 {
    let q = |i: usize| 1 - ((code >> (i % 8)) & 1) as i32; // complement
    let mut n = 0;
    for k in [0usize, 2, 4, 6] {
        n += q(k) - q(k) * q(k + 1) * q(k + 2);
    }
    n as u32
}

/// Thin a binary ridge image to a one-pixel skeleton.
pub fn thin(ridges: &Grid<bool>) -> Grid<bool> {
    let tables = zhang_suen_tables();
    let mut g = ridges.clone();
    let (w, h) = (g.width, g.height);
    let mut candidates: Vec<(usize, usize)> =
        (0..h).flat_map(|y| (0..w).map(move |x| (x, y))).filter(|&(x, y)| ridges.get(x, y)).collect();
    let mut remove = Vec::new();
    loop {
        let mut changed = false;
        for table in &tables {
            remove.clear();
            for &(x, y) in &candidates {
                if g.get(x, y) && table[neighbourhood(&g, x, y) as usize] {
                    remove.push((x, y));
                }
            }
            for &(x, y) in &remove {
                g.set(x, y, false);
            }
            changed |= !remove.is_empty();
        }
        candidates.retain(|&(x, y)| g.get(x, y));
        if !changed {
            break;
        }
    }
    // Staircases: a pixel with two 4-neighbours at a right angle is redundant when removing
    // it keeps the skeleton connected.
    for &(x, y) in &candidates {
        let c = neighbourhood(&g, x, y);
        let right_angle = [(0, 2), (2, 4), (4, 6), (6, 0)].iter().any(|&(a, b)| c & (1 << a) != 0 && c & (1 << b) != 0);
        if right_angle && connectivity8(c) == 1 {
            g.set(x, y, false);
        }
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_rows(rows: &[&str]) -> Grid<bool> {
        let (w, h) = (rows[0].len(), rows.len());
        Grid { width: w, height: h, data: rows.iter().flat_map(|r| r.chars().map(|c| c == '#')).collect() }
    }

    #[test]
    fn a_thick_bar_becomes_a_one_pixel_line() {
        let mut g = Grid::filled(40, 12, false);
        for y in 4..9 {
            for x in 3..37 {
                g.set(x, y, true);
            }
        }
        let s = thin(&g);
        for x in 8..32 {
            let column: usize = (0..12).filter(|&y| s.get(x, y)).count();
            assert_eq!(column, 1, "column {x} is one pixel thick");
        }
        // Every interior skeleton pixel has exactly two neighbours.
        for x in 8..32 {
            let y = (0..12).find(|&y| s.get(x, y)).unwrap_or(0);
            assert_eq!(neighbourhood(&s, x, y).count_ones(), 2);
        }
    }

    #[test]
    fn staircases_lose_their_redundant_pixels() {
        let g = from_rows(&[
            "........",
            ".##.....",
            "..##....",
            "...##...",
            "....##..",
            "........",
        ]);
        let s = thin(&g);
        // No pixel of the result has two 4-neighbours at a right angle.
        for y in 0..s.height {
            for x in 0..s.width {
                if s.get(x, y) {
                    let c = neighbourhood(&s, x, y);
                    assert!(!(c & 1 != 0 && c & 4 != 0), "N+E staircase at {x},{y}");
                    assert!(!(c & 4 != 0 && c & 16 != 0), "E+S staircase at {x},{y}");
                }
            }
        }
        assert!(s.data.iter().filter(|&&b| b).count() >= 4, "the line survives");
    }

    #[test]
    fn crossing_number_counts_branches() {
        assert_eq!(transitions(0b0000_0001), 1); // ending
        assert_eq!(transitions(0b0001_0001), 2); // N and S: line
        assert_eq!(transitions(0b0101_0001), 3); // N, S, W: bifurcation
    }
}
