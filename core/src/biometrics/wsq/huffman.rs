//! Entropy coding of the bin indices: WSQ symbol categories, Huffman tables built from
//! symbol counts (the JPEG procedure, codes of at most 16 bits, no all-ones code), and the
//! bit-level writer and reader with 0xFF byte stuffing.
//!
//! Categories (one byte each):
//! - `1..=100`: a run of that many zero indices;
//! - `101`/`102`: a positive / negative index whose magnitude follows in 8 bits;
//! - `103`/`104`: the same with 16 bits;
//! - `105`/`106`: a zero run whose length follows in 8 / 16 bits;
//! - `180 + v` for `v` in `-73..=73`, `v != 0`: the index `v` itself.
//!
//! Runs never cross a block: each block is coded on its own and padded with 1 bits.

use super::segments::HuffmanSpec;
use super::WsqError;

/// Longest zero run with a category of its own.
const MAX_SHORT_RUN: usize = 100;
/// Largest index magnitude with a category of its own.
const MAX_SHORT_INDEX: i32 = 73;
/// Category of index 0, around which the index categories are centred.
const INDEX_BASE: i32 = 180;
const ESCAPE_POS8: u8 = 101;
const ESCAPE_NEG8: u8 = 102;
const ESCAPE_POS16: u8 = 103;
const ESCAPE_NEG16: u8 = 104;
const ESCAPE_RUN8: u8 = 105;
const ESCAPE_RUN16: u8 = 106;
/// Longest Huffman code the DHT segment can describe.
const MAX_CODE_LENGTH: usize = 16;

/// One coded item: a category and the extra bits that follow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    pub category: u8,
    pub extra: u16,
    pub extra_bits: u8,
}

impl Item {
    fn plain(category: u8) -> Item {
        Item {
            category,
            extra: 0,
            extra_bits: 0,
        }
    }
}

/// Turn a block's bin indices into coded items.
pub fn items(indices: &[i32], out: &mut Vec<Item>) {
    let mut run = 0usize;
    for &p in indices {
        if p == 0 {
            run += 1;
            if run == usize::from(u16::MAX) {
                push_run(run, out);
                run = 0;
            }
            continue;
        }
        push_run(run, out);
        run = 0;
        let magnitude = p.unsigned_abs().min(u32::from(u16::MAX));
        let item = if p.abs() <= MAX_SHORT_INDEX {
            Item::plain((INDEX_BASE + p) as u8)
        } else if magnitude <= 0xFF {
            let category = if p > 0 { ESCAPE_POS8 } else { ESCAPE_NEG8 };
            Item {
                category,
                extra: magnitude as u16,
                extra_bits: 8,
            }
        } else {
            let category = if p > 0 { ESCAPE_POS16 } else { ESCAPE_NEG16 };
            Item {
                category,
                extra: magnitude as u16,
                extra_bits: 16,
            }
        };
        out.push(item);
    }
    push_run(run, out);
}

fn push_run(run: usize, out: &mut Vec<Item>) {
    match run {
        0 => {}
        r if r <= MAX_SHORT_RUN => out.push(Item::plain(r as u8)),
        r if r <= 0xFF => out.push(Item {
            category: ESCAPE_RUN8,
            extra: r as u16,
            extra_bits: 8,
        }),
        r => out.push(Item {
            category: ESCAPE_RUN16,
            extra: r as u16,
            extra_bits: 16,
        }),
    }
}

/// Build an optimal table (code lengths limited to 16, no all-ones code) for the
/// categories of `items`. `None` when there is nothing to code.
pub fn build_table(items: &[Item]) -> Option<HuffmanSpec> {
    let mut freq = [0u64; 257];
    for item in items {
        freq[usize::from(item.category)] += 1;
    }
    if freq.iter().all(|&f| f == 0) {
        return None;
    }
    // One reserved symbol of frequency 1 takes the all-ones code, then is removed.
    freq[256] = 1;
    let mut size = [0usize; 257];
    let mut next: [Option<usize>; 257] = [None; 257];
    loop {
        // The two least frequent live trees (ties: the larger symbol, as in JPEG).
        let least = |freq: &[u64; 257], exclude: Option<usize>| -> Option<usize> {
            let mut best: Option<usize> = None;
            for v in 0..257 {
                if freq[v] == 0 || Some(v) == exclude {
                    continue;
                }
                match best {
                    Some(b) if freq[v] > freq[b] => {}
                    _ => best = Some(v),
                }
            }
            best
        };
        let v1 = least(&freq, None);
        let v2 = least(&freq, v1);
        let (Some(a), Some(b)) = (v1, v2) else { break };
        freq[a] += freq[b];
        freq[b] = 0;
        for start in [a, b] {
            let mut v = start;
            size[v] += 1;
            while let Some(n) = next[v] {
                v = n;
                size[v] += 1;
            }
        }
        // Chain b's tree after a's.
        let mut v = a;
        while let Some(n) = next[v] {
            v = n;
        }
        next[v] = Some(b);
    }

    let mut counts = [0usize; 258];
    for &s in &size {
        if s > 0 {
            counts[s] += 1;
        }
    }
    // Limit lengths to 16: move pairs of longest codes up (JPEG Annex K.3).
    let mut i = counts.len() - 1;
    while i > MAX_CODE_LENGTH {
        while counts[i] > 0 {
            let mut j = i - 2;
            while counts[j] == 0 {
                j -= 1;
            }
            counts[i] -= 2;
            counts[i - 1] += 1;
            counts[j + 1] += 2;
            counts[j] -= 1;
        }
        i -= 1;
    }
    // Drop the reserved symbol's code (one of the longest).
    while counts[i] == 0 {
        i -= 1;
    }
    counts[i] -= 1;

    let mut symbols: Vec<(usize, u8)> = (0..256)
        .filter(|&v| size[v] > 0)
        .map(|v| (size[v], v as u8))
        .collect();
    symbols.sort_unstable();
    let mut spec_counts = [0u8; 16];
    for len in 1..=MAX_CODE_LENGTH {
        spec_counts[len - 1] = counts[len] as u8;
    }
    Some(HuffmanSpec {
        counts: spec_counts,
        symbols: symbols.into_iter().map(|(_, v)| v).collect(),
    })
}

/// The canonical codes of a table: for each symbol in table order, (code, length).
fn canonical_codes(spec: &HuffmanSpec) -> Result<Vec<(u32, u8)>, WsqError> {
    let mut codes = Vec::with_capacity(spec.symbols.len());
    let mut code = 0u32;
    for len in 1..=MAX_CODE_LENGTH {
        for _ in 0..spec.counts[len - 1] {
            if code >= (1u32 << len) {
                return Err(WsqError::Malformed {
                    segment: "DHT",
                    reason: "code lengths overflow",
                });
            }
            codes.push((code, len as u8));
            code += 1;
        }
        code <<= 1;
    }
    Ok(codes)
}

/// Writes coded items MSB first, stuffing a zero byte after every 0xFF.
pub struct BitWriter<'a> {
    out: &'a mut Vec<u8>,
    buffer: u32,
    bits: u32,
}

impl<'a> BitWriter<'a> {
    pub fn new(out: &'a mut Vec<u8>) -> Self {
        BitWriter {
            out,
            buffer: 0,
            bits: 0,
        }
    }

    fn put(&mut self, value: u32, length: u32) {
        for i in (0..length).rev() {
            self.buffer = (self.buffer << 1) | ((value >> i) & 1);
            self.bits += 1;
            if self.bits == 8 {
                let byte = self.buffer as u8;
                self.out.push(byte);
                if byte == 0xFF {
                    self.out.push(0);
                }
                self.buffer = 0;
                self.bits = 0;
            }
        }
    }

    /// Pad the last byte with 1 bits.
    pub fn finish(mut self) {
        while self.bits != 0 {
            self.put(1, 1);
        }
    }
}

/// Entropy-code `items` with `spec` (which must have a code for each of their categories).
pub fn write_items(spec: &HuffmanSpec, items: &[Item], out: &mut Vec<u8>) -> Result<(), WsqError> {
    let mut table = [(0u32, 0u8); 256];
    for (&symbol, code) in spec.symbols.iter().zip(canonical_codes(spec)?) {
        table[usize::from(symbol)] = code;
    }
    let mut writer = BitWriter::new(out);
    for item in items {
        let (code, length) = table[usize::from(item.category)];
        if length == 0 {
            return Err(WsqError::BadData("category missing from the Huffman table"));
        }
        writer.put(code, u32::from(length));
        writer.put(u32::from(item.extra), u32::from(item.extra_bits));
    }
    writer.finish();
    Ok(())
}

/// A table ready for decoding (the JPEG min-code / max-code method).
#[derive(Debug, Clone)]
pub struct Decoder {
    /// For each length, the largest code of that length (or -1 when none).
    max_code: [i32; MAX_CODE_LENGTH + 1],
    /// For each length, the index in `symbols` of its first code minus that code.
    offset: [i32; MAX_CODE_LENGTH + 1],
    symbols: Vec<u8>,
}

impl Decoder {
    pub fn new(spec: &HuffmanSpec) -> Result<Decoder, WsqError> {
        let codes = canonical_codes(spec)?;
        let mut max_code = [-1i32; MAX_CODE_LENGTH + 1];
        let mut offset = [0i32; MAX_CODE_LENGTH + 1];
        let mut index = 0usize;
        for len in 1..=MAX_CODE_LENGTH {
            let n = usize::from(spec.counts[len - 1]);
            if n > 0 {
                let first = codes[index].0 as i32;
                offset[len] = index as i32 - first;
                max_code[len] = codes[index + n - 1].0 as i32;
                index += n;
            }
        }
        Ok(Decoder {
            max_code,
            offset,
            symbols: spec.symbols.clone(),
        })
    }

    fn decode(&self, bits: &mut BitReader<'_>) -> Result<u8, WsqError> {
        let mut code = 0i32;
        for len in 1..=MAX_CODE_LENGTH {
            code = (code << 1) | bits.bit()? as i32;
            if code <= self.max_code[len] {
                let at = usize::try_from(self.offset[len] + code).ok();
                return at
                    .and_then(|at| self.symbols.get(at).copied())
                    .ok_or(WsqError::BadData("code outside the table"));
            }
        }
        Err(WsqError::BadData("no Huffman code matches"))
    }
}

/// Reads bits MSB first from entropy-coded bytes that are already unstuffed.
pub struct BitReader<'a> {
    bytes: &'a [u8],
    pos: usize,
    bit: u32,
}

impl<'a> BitReader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        BitReader {
            bytes,
            pos: 0,
            bit: 0,
        }
    }

    fn bit(&mut self) -> Result<u32, WsqError> {
        let byte = *self
            .bytes
            .get(self.pos)
            .ok_or(WsqError::Truncated("entropy-coded data"))?;
        let value = u32::from(byte >> (7 - self.bit)) & 1;
        self.bit += 1;
        if self.bit == 8 {
            self.bit = 0;
            self.pos += 1;
        }
        Ok(value)
    }

    fn bits(&mut self, n: u32) -> Result<u32, WsqError> {
        let mut v = 0;
        for _ in 0..n {
            v = (v << 1) | self.bit()?;
        }
        Ok(v)
    }

    /// True when only padding (1 bits completing the last byte) or nothing is left.
    fn at_end(&self) -> bool {
        match self.bytes.len() - self.pos {
            0 => true,
            1 => {
                let rest = self.bytes[self.pos] << self.bit;
                self.bit > 0 && rest == (0xFFu8 << self.bit)
            }
            _ => false,
        }
    }
}

/// Decode one block's entropy-coded bytes (unstuffed) into `out`, never past `limit`
/// indices in total. Stops at the end of the data or when `limit` is reached.
pub fn decode_block(
    table: &Decoder,
    data: &[u8],
    out: &mut Vec<i32>,
    limit: usize,
) -> Result<(), WsqError> {
    let mut bits = BitReader::new(data);
    while out.len() < limit && !bits.at_end() {
        let category = table.decode(&mut bits)?;
        let room = limit - out.len();
        let run = |n: usize, out: &mut Vec<i32>| -> Result<(), WsqError> {
            if n > room {
                return Err(WsqError::BadData("zero run past the end of the image"));
            }
            out.resize(out.len() + n, 0);
            Ok(())
        };
        match category {
            0 => return Err(WsqError::BadData("category 0")),
            1..=100 => run(usize::from(category), out)?,
            ESCAPE_POS8 => out.push(bits.bits(8)? as i32),
            ESCAPE_NEG8 => out.push(-(bits.bits(8)? as i32)),
            ESCAPE_POS16 => out.push(bits.bits(16)? as i32),
            ESCAPE_NEG16 => out.push(-(bits.bits(16)? as i32)),
            ESCAPE_RUN8 => run(bits.bits(8)? as usize, out)?,
            ESCAPE_RUN16 => run(bits.bits(16)? as usize, out)?,
            c => out.push(i32::from(c) - INDEX_BASE),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_round_trip_through_a_table() {
        let mut indices = vec![0i32; 300];
        indices.extend([5, -5, 73, -74, 200, -255, 256, -65535, 0, 0, 1]);
        indices.extend(vec![0; 70_000]);
        indices.push(-1);
        let mut coded = Vec::new();
        items(&indices, &mut coded);
        let spec = build_table(&coded).expect("table");
        let mut bytes = Vec::new();
        write_items(&spec, &coded, &mut bytes).expect("write");
        // Unstuff as the decoder's segment reader does.
        let mut data = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            data.push(bytes[i]);
            i += if bytes[i] == 0xFF { 2 } else { 1 };
        }
        let mut out = Vec::new();
        decode_block(
            &Decoder::new(&spec).expect("decoder"),
            &data,
            &mut out,
            indices.len(),
        )
        .expect("decode");
        assert_eq!(out, indices);
    }

    #[test]
    fn long_tailed_counts_stay_within_16_bits() {
        // Fibonacci-like counts force a deep tree before length limiting.
        let mut coded = Vec::new();
        let (mut a, mut b) = (1usize, 1usize);
        for category in 1..=40u8 {
            coded.extend((0..a).map(|_| Item::plain(category)));
            (a, b) = (b, (a + b).min(1_000_000));
        }
        let spec = build_table(&coded).expect("table");
        assert_eq!(spec.symbols.len(), 40);
        assert!(canonical_codes(&spec).is_ok());
        let codes = canonical_codes(&spec).expect("codes");
        assert!(
            codes.iter().all(|&(c, l)| c != (1 << l) - 1),
            "no all-ones code"
        );
    }
}
