//! A small bitmap font of our own for the printed card: capitals, digits, the punctuation of
//! ids and dates, and the accented capitals French needs (É È Ê À Â Ç Ô Î Ï Û Ù).
//!
//! Why our own: no system font can be assumed on a tablet or a field laptop, and a vector
//! font file with a renderer would weigh more than the rest of the card code. Glyphs are
//! 5 x 7 cells drawn at a whole-number scale (6 px per cell at 300 dpi gives letters 3.6 mm
//! tall: legible at arm's length). Upper case only: card text is short and upper case reads
//! better from a poor print.

/// Glyph width and body height, in cells.
pub const GLYPH_W: usize = 5;
pub const GLYPH_H: usize = 7;
/// Rows above the body kept for accents (2 for the mark, 1 gap).
pub const ACCENT_ROWS: usize = 3;
/// Cells from one character to the next, and from one line to the next.
pub const ADVANCE: usize = GLYPH_W + 1;
pub const LINE: usize = ACCENT_ROWS + GLYPH_H + 2;

/// The body of a base character, row by row (`#` ink).
fn body(c: char) -> Option<[&'static str; 7]> {
    Some(match c {
        'A' => [".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"],
        'B' => ["####.", "#...#", "#...#", "####.", "#...#", "#...#", "####."],
        'C' => [".###.", "#...#", "#....", "#....", "#....", "#...#", ".###."],
        'D' => ["####.", "#...#", "#...#", "#...#", "#...#", "#...#", "####."],
        'E' => ["#####", "#....", "#....", "####.", "#....", "#....", "#####"],
        'F' => ["#####", "#....", "#....", "####.", "#....", "#....", "#...."],
        'G' => [".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".####"],
        'H' => ["#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"],
        'I' => [".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."],
        'J' => ["..###", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##.."],
        'K' => ["#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#"],
        'L' => ["#....", "#....", "#....", "#....", "#....", "#....", "#####"],
        'M' => ["#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#"],
        'N' => ["#...#", "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#"],
        'O' => [".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."],
        'P' => ["####.", "#...#", "#...#", "####.", "#....", "#....", "#...."],
        'Q' => [".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#"],
        'R' => ["####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"],
        'S' => [".####", "#....", "#....", ".###.", "....#", "....#", "####."],
        'T' => ["#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."],
        'U' => ["#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."],
        'V' => ["#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#.."],
        'W' => ["#...#", "#...#", "#...#", "#.#.#", "#.#.#", "#.#.#", ".#.#."],
        'X' => ["#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"],
        'Y' => ["#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#.."],
        'Z' => ["#####", "....#", "...#.", "..#..", ".#...", "#....", "#####"],
        // A slashed zero: ids mix digits and letters, and 0/O must never be confused.
        '0' => [".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."],
        '1' => ["..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."],
        '2' => [".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"],
        '3' => ["#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."],
        '4' => ["...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."],
        '5' => ["#####", "#....", "####.", "....#", "....#", "#...#", ".###."],
        '6' => ["..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."],
        '7' => ["#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."],
        '8' => [".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."],
        '9' => [".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."],
        '-' => [".....", ".....", ".....", ".###.", ".....", ".....", "....."],
        '/' => [".....", "....#", "...#.", "..#..", ".#...", "#....", "....."],
        ':' => [".....", "..#..", "..#..", ".....", "..#..", "..#..", "....."],
        '.' => [".....", ".....", ".....", ".....", ".....", ".##..", ".##.."],
        ',' => [".....", ".....", ".....", ".....", ".##..", "..#..", ".#..."],
        '\'' => ["..#..", "..#..", ".#...", ".....", ".....", ".....", "....."],
        '(' => ["...#.", "..#..", ".#...", ".#...", ".#...", "..#..", "...#."],
        ')' => [".#...", "..#..", "...#.", "...#.", "...#.", "..#..", ".#..."],
        ' ' => [".....", ".....", ".....", ".....", ".....", ".....", "....."],
        _ => return None,
    })
}

/// Accent marks drawn in the two rows above a capital.
fn accent(mark: char) -> [&'static str; 2] {
    match mark {
        '\u{301}' => ["...#.", "..#.."], // acute
        '\u{300}' => [".#...", "..#.."], // grave
        '\u{302}' => ["..#..", ".#.#."], // circumflex
        '\u{308}' => [".#.#.", "....."], // diaeresis
        _ => [".....", "....."],
    }
}

/// Base character and accent of a (possibly accented) capital; `Ç` gets its cedilla drawn
/// as part of the body's last row.
fn split(c: char) -> (char, Option<char>) {
    match c {
        'É' => ('E', Some('\u{301}')),
        'È' => ('E', Some('\u{300}')),
        'Ê' => ('E', Some('\u{302}')),
        'Ë' => ('E', Some('\u{308}')),
        'À' => ('A', Some('\u{300}')),
        'Â' => ('A', Some('\u{302}')),
        'Î' => ('I', Some('\u{302}')),
        'Ï' => ('I', Some('\u{308}')),
        'Ô' => ('O', Some('\u{302}')),
        'Û' => ('U', Some('\u{302}')),
        'Ù' => ('U', Some('\u{300}')),
        'Ü' => ('U', Some('\u{308}')),
        other => (other, None),
    }
}

/// Whether the font can draw `c` (after upper-casing).
pub fn has_glyph(c: char) -> bool {
    let upper = c.to_uppercase().next().unwrap_or(c);
    upper == 'Ç' || body(split(upper).0).is_some()
}

/// The ink cells of `c` in a `GLYPH_W` x (`ACCENT_ROWS` + `GLYPH_H` + 2) box (the two last
/// rows hold the cedilla). Characters the font lacks are drawn as `?`-less blanks: text on
/// cards is ours, and tests check every string we print is covered.
pub fn cells(c: char) -> Vec<(usize, usize)> {
    let upper = c.to_uppercase().next().unwrap_or(c);
    let (base, mark) = if upper == 'Ç' { ('C', None) } else { split(upper) };
    let mut ink = Vec::new();
    if let Some(rows) = body(base) {
        for (y, row) in rows.iter().enumerate() {
            ink.extend(row.bytes().enumerate().filter(|(_, b)| *b == b'#').map(|(x, _)| (x, y + ACCENT_ROWS)));
        }
    }
    if let Some(mark) = mark {
        for (y, row) in accent(mark).iter().enumerate() {
            ink.extend(row.bytes().enumerate().filter(|(_, b)| *b == b'#').map(|(x, _)| (x, y)));
        }
    }
    if upper == 'Ç' {
        ink.extend([(2, ACCENT_ROWS + GLYPH_H), (1, ACCENT_ROWS + GLYPH_H + 1)]);
    }
    ink
}

/// Width in pixels of `text` at `scale` pixels per cell.
pub fn text_width(text: &str, scale: usize) -> usize {
    let n = text.chars().count();
    if n == 0 {
        0
    } else {
        (n * ADVANCE - 1) * scale
    }
}

/// Draw `text` with its top-left corner at (`x`, `y`) into a grey image (`width` columns),
/// ink 0 (black).
pub fn draw_text(pixels: &mut [u8], width: usize, x: usize, y: usize, text: &str, scale: usize) {
    let height = pixels.len() / width.max(1);
    for (i, c) in text.chars().enumerate() {
        let left = x + i * ADVANCE * scale;
        for (cx, cy) in cells(c) {
            for dy in 0..scale {
                for dx in 0..scale {
                    let (px, py) = (left + cx * scale + dx, y + cy * scale + dy);
                    if px < width && py < height {
                        pixels[py * width + px] = 0;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_glyph_is_five_by_seven() {
        for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-/:.,'() ".chars() {
            let rows = body(c).expect("glyph");
            assert!(rows.iter().all(|r| r.len() == GLYPH_W), "{c}");
        }
    }

    #[test]
    fn french_capitals_are_drawn_with_their_accents() {
        for c in "ÉÈÊÀÂÇÔÎÏÛÙéèçà".chars() {
            assert!(has_glyph(c), "{c}");
            assert!(cells(c).len() > cells(split(c.to_uppercase().next().unwrap()).0).len() - 1, "{c}");
        }
        assert!(cells('É').iter().any(|&(_, y)| y < ACCENT_ROWS));
        assert!(!has_glyph('€'));
    }
}
