//! Marker segments of a WSQ file: codes, byte-level reading and writing, and the
//! "scaled integer" number format the tables use.
//!
//! A WSQ file is `SOI`, table and comment segments, a frame header `SOF`, then for each of
//! up to three blocks an optional Huffman table `DHT` and a block header `SOB` followed by
//! entropy-coded bytes, and `EOI`. Every segment but SOI/EOI starts with a big-endian
//! 16-bit length that counts itself. Real numbers are written as a scale byte `s` and an
//! unsigned integer `v`, meaning `v / 10^s` (the filter taps add a sign byte and use 32 bits).

use super::WsqError;

pub const SOI: u16 = 0xFFA0;
pub const EOI: u16 = 0xFFA1;
pub const SOF: u16 = 0xFFA2;
pub const SOB: u16 = 0xFFA3;
pub const DTT: u16 = 0xFFA4;
pub const DQT: u16 = 0xFFA5;
pub const DHT: u16 = 0xFFA6;
pub const DRT: u16 = 0xFFA7;
pub const COM: u16 = 0xFFA8;

/// Number of subbands in the specification's decomposition; the last four (60..63, the
/// finest diagonal details) are never coded.
pub const NUM_SUBBANDS: usize = 64;
/// Subbands that may carry data.
pub const CODED_SUBBANDS: usize = 60;
/// Longest analysis filter we accept in a DTT segment (the standard ones have 9 and 7 taps).
pub const MAX_FILTER_TAPS: usize = 31;
/// Huffman table identifiers the DHT segment may define (a 3-bit field in the specification).
pub const MAX_HUFFMAN_TABLES: usize = 8;

/// Bin centre the reference encoder writes (0.44 of a bin, scale 2).
pub const BIN_CENTER: f64 = 0.44;

/// Largest scale exponent we honour when reading; 10^-40 is already far below any
/// meaningful bin width, and bounding it keeps `powi` finite.
const MAX_READ_SCALE: u8 = 40;

/// A cursor over the file bytes; every read is bounds-checked.
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, pos: 0 }
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    pub fn rest(&self) -> &'a [u8] {
        &self.bytes[self.pos..]
    }

    pub fn skip(&mut self, n: usize, what: &'static str) -> Result<(), WsqError> {
        if n > self.remaining() {
            return Err(WsqError::Truncated(what));
        }
        self.pos += n;
        Ok(())
    }

    pub fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], WsqError> {
        if n > self.remaining() {
            return Err(WsqError::Truncated(what));
        }
        let out = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    pub fn u8(&mut self, what: &'static str) -> Result<u8, WsqError> {
        Ok(self.take(1, what)?[0])
    }

    pub fn u16(&mut self, what: &'static str) -> Result<u16, WsqError> {
        let b = self.take(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    pub fn u32(&mut self, what: &'static str) -> Result<u32, WsqError> {
        let b = self.take(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A scaled 16-bit number: scale byte, then value.
    pub fn scaled_u16(&mut self, what: &'static str) -> Result<f64, WsqError> {
        let scale = self.u8(what)?;
        let value = self.u16(what)?;
        Ok(unscale(f64::from(value), scale))
    }

    /// Read a segment's length field and return a reader over its body (the bytes after
    /// the length field).
    pub fn segment(&mut self, name: &'static str) -> Result<Reader<'a>, WsqError> {
        let length = usize::from(self.u16(name)?);
        if length < 2 {
            return Err(WsqError::Malformed {
                segment: name,
                reason: "length below 2",
            });
        }
        let body = self.take(length - 2, name)?;
        Ok(Reader::new(body))
    }
}

fn unscale(value: f64, scale: u8) -> f64 {
    if value == 0.0 {
        return 0.0;
    }
    if scale > MAX_READ_SCALE {
        return 0.0;
    }
    value / 10f64.powi(i32::from(scale))
}

/// Write `value` (≥ 0) as a scale byte and an unsigned integer of at most `max`, keeping
/// as many decimals as fit. Returns the pair and the value it now stands for.
fn to_scaled(value: f64, max: f64) -> (u8, u64, f64) {
    // Zero, negative and NaN values are all written as 0.
    if value.is_nan() || value <= 0.0 || !value.is_finite() {
        return (0, 0, 0.0);
    }
    let mut scale = 0u8;
    let mut scaled = value;
    while scale < MAX_READ_SCALE && scaled * 10.0 < max {
        scaled *= 10.0;
        scale += 1;
    }
    let integer = scaled.round().min(max);
    (scale, integer as u64, unscale(integer, scale))
}

/// The value a number will have once written as a scaled 16-bit field.
pub fn round_scaled_u16(value: f64) -> f64 {
    to_scaled(value, f64::from(u16::MAX)).2
}

/// Output buffer with the big-endian helpers the segments need.
#[derive(Default)]
pub struct Writer {
    pub bytes: Vec<u8>,
}

impl Writer {
    pub fn u8(&mut self, v: u8) {
        self.bytes.push(v);
    }
    pub fn u16(&mut self, v: u16) {
        self.bytes.extend_from_slice(&v.to_be_bytes());
    }
    pub fn u32(&mut self, v: u32) {
        self.bytes.extend_from_slice(&v.to_be_bytes());
    }
    pub fn scaled_u16(&mut self, value: f64) {
        let (scale, integer, _) = to_scaled(value, f64::from(u16::MAX));
        self.u8(scale);
        self.u16(integer as u16);
    }
    /// A signed filter tap: sign byte (1 = negative), scale byte, 32-bit value.
    fn tap(&mut self, value: f64) {
        let (scale, integer, _) = to_scaled(value.abs(), f64::from(u32::MAX));
        self.u8(u8::from(value < 0.0));
        self.u8(scale);
        self.u32(integer as u32);
    }
    /// Start a segment: marker and a length placeholder; returns where the length goes.
    fn begin(&mut self, marker: u16) -> usize {
        self.u16(marker);
        let at = self.bytes.len();
        self.u16(0);
        at
    }
    /// Fill in the length of the segment begun at `at`.
    fn end(&mut self, at: usize) {
        let length = (self.bytes.len() - at) as u16;
        self.bytes[at..at + 2].copy_from_slice(&length.to_be_bytes());
    }
}

/// The two analysis filters, full length (symmetric, odd number of taps).
#[derive(Debug, Clone, PartialEq)]
pub struct Filters {
    pub lowpass: Vec<f32>,
    pub highpass: Vec<f32>,
}

/// Read a DTT body. Only the symmetric odd-length filters of the specification's
/// "whole-sample symmetric" case are supported.
pub fn read_dtt(mut r: Reader<'_>) -> Result<Filters, WsqError> {
    const NAME: &str = "DTT";
    let low_len = usize::from(r.u8(NAME)?);
    let high_len = usize::from(r.u8(NAME)?);
    for len in [low_len, high_len] {
        if len == 0 || len > MAX_FILTER_TAPS {
            return Err(WsqError::Malformed {
                segment: NAME,
                reason: "filter length out of range",
            });
        }
        if len % 2 == 0 {
            return Err(WsqError::Unsupported("even-length transform filters"));
        }
    }
    let mut read_half = |len: usize| -> Result<Vec<f32>, WsqError> {
        // Stored from the centre tap outwards.
        let half = len / 2 + 1;
        let mut taps = Vec::with_capacity(half);
        for _ in 0..half {
            let sign = r.u8(NAME)?;
            let scale = r.u8(NAME)?;
            let value = unscale(f64::from(r.u32(NAME)?), scale);
            taps.push(if sign == 0 { value } else { -value } as f32);
        }
        let mut full = Vec::with_capacity(len);
        full.extend(taps.iter().rev());
        full.extend(taps.iter().skip(1));
        Ok(full)
    };
    let lowpass = read_half(low_len)?;
    let highpass = read_half(high_len)?;
    if r.remaining() != 0 {
        return Err(WsqError::Malformed {
            segment: NAME,
            reason: "unexpected bytes at the end",
        });
    }
    Ok(Filters { lowpass, highpass })
}

pub fn write_dtt(w: &mut Writer, lowpass: &[f64], highpass: &[f64]) {
    let at = w.begin(DTT);
    w.u8(lowpass.len() as u8);
    w.u8(highpass.len() as u8);
    for filter in [lowpass, highpass] {
        for &tap in &filter[filter.len() / 2..] {
            w.tap(tap);
        }
    }
    w.end(at);
}

/// Quantization table: bin widths `q`, zero-bin widths `z` per subband, and the bin centre.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantTable {
    pub bin_center: f64,
    pub q: [f64; NUM_SUBBANDS],
    pub z: [f64; NUM_SUBBANDS],
}

impl QuantTable {
    /// Whether subband `k` carries coefficients.
    pub fn is_coded(&self, k: usize) -> bool {
        k < CODED_SUBBANDS && self.q[k] > 0.0
    }
}

pub fn read_dqt(mut r: Reader<'_>) -> Result<QuantTable, WsqError> {
    const NAME: &str = "DQT";
    let bin_center = r.scaled_u16(NAME)?;
    let mut q = [0.0; NUM_SUBBANDS];
    let mut z = [0.0; NUM_SUBBANDS];
    for k in 0..NUM_SUBBANDS {
        q[k] = r.scaled_u16(NAME)?;
        z[k] = r.scaled_u16(NAME)?;
    }
    if r.remaining() != 0 {
        return Err(WsqError::Malformed {
            segment: NAME,
            reason: "unexpected bytes at the end",
        });
    }
    Ok(QuantTable { bin_center, q, z })
}

pub fn write_dqt(w: &mut Writer, table: &QuantTable) {
    let at = w.begin(DQT);
    // The reference writes the bin centre with a fixed scale of 2.
    w.u8(2);
    w.u16((table.bin_center * 100.0).round() as u16);
    for k in 0..NUM_SUBBANDS {
        w.scaled_u16(table.q[k]);
        w.scaled_u16(table.z[k]);
    }
    w.end(at);
}

/// One Huffman table as stored: how many codes of each length 1..=16, and the symbols in
/// code order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HuffmanSpec {
    pub counts: [u8; 16],
    pub symbols: Vec<u8>,
}

/// Read a DHT body; one segment may define several tables.
pub fn read_dht(mut r: Reader<'_>) -> Result<Vec<(usize, HuffmanSpec)>, WsqError> {
    const NAME: &str = "DHT";
    let mut tables = Vec::new();
    while r.remaining() > 0 {
        let id = usize::from(r.u8(NAME)?);
        if id >= MAX_HUFFMAN_TABLES {
            return Err(WsqError::Malformed {
                segment: NAME,
                reason: "table id above 7",
            });
        }
        let mut counts = [0u8; 16];
        counts.copy_from_slice(r.take(16, NAME)?);
        let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
        if total == 0 || total > 256 {
            return Err(WsqError::Malformed {
                segment: NAME,
                reason: "symbol count not in 1..=256",
            });
        }
        let symbols = r.take(total, NAME)?.to_vec();
        tables.push((id, HuffmanSpec { counts, symbols }));
    }
    if tables.is_empty() {
        return Err(WsqError::Malformed {
            segment: NAME,
            reason: "no table",
        });
    }
    Ok(tables)
}

pub fn write_dht(w: &mut Writer, id: u8, spec: &HuffmanSpec) {
    let at = w.begin(DHT);
    w.u8(id);
    w.bytes.extend_from_slice(&spec.counts);
    w.bytes.extend_from_slice(&spec.symbols);
    w.end(at);
}

/// The frame header: image size and the shift and scale that bring pixels to about ±128.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub width: usize,
    pub height: usize,
    /// Subtracted from every pixel before the transform (the mean grey level).
    pub shift: f64,
    /// Divides every shifted pixel before the transform.
    pub scale: f64,
}

pub fn read_sof(mut r: Reader<'_>) -> Result<Frame, WsqError> {
    const NAME: &str = "SOF";
    let _black = r.u8(NAME)?;
    let _white = r.u8(NAME)?;
    let height = usize::from(r.u16(NAME)?);
    let width = usize::from(r.u16(NAME)?);
    let shift = r.scaled_u16(NAME)?;
    let scale = r.scaled_u16(NAME)?;
    let _encoder = r.u8(NAME)?;
    let _software = r.u16(NAME)?;
    Ok(Frame {
        width,
        height,
        shift,
        scale,
    })
}

/// Encoder number written in the frame header (the reference writes 2).
const ENCODER_NUMBER: u8 = 2;

pub fn write_sof(w: &mut Writer, frame: &Frame) {
    let at = w.begin(SOF);
    w.u8(0); // black
    w.u8(255); // white
    w.u16(frame.height as u16);
    w.u16(frame.width as u16);
    w.scaled_u16(frame.shift);
    w.scaled_u16(frame.scale);
    w.u8(ENCODER_NUMBER);
    w.u16(0); // software implementation number: unregistered
    w.end(at);
}

pub fn read_sob(mut r: Reader<'_>) -> Result<usize, WsqError> {
    let id = usize::from(r.u8("SOB")?);
    if id >= MAX_HUFFMAN_TABLES {
        return Err(WsqError::Malformed {
            segment: "SOB",
            reason: "table id above 7",
        });
    }
    Ok(id)
}

pub fn write_sob(w: &mut Writer, table: u8) {
    let at = w.begin(SOB);
    w.u8(table);
    w.end(at);
}

/// Largest comment body one segment can hold.
pub const MAX_COMMENT: usize = u16::MAX as usize - 2;

pub fn write_com(w: &mut Writer, text: &[u8]) -> Result<(), WsqError> {
    if text.len() > MAX_COMMENT {
        return Err(WsqError::CommentTooLong(text.len()));
    }
    let at = w.begin(COM);
    w.bytes.extend_from_slice(text);
    w.end(at);
    Ok(())
}

/// The NISTCOM comment: key/value lines, the first giving the number of lines.
pub fn nistcom(width: usize, height: usize, ppi: Option<u16>, bitrate: f32) -> String {
    let ppi = ppi.map_or_else(|| "-1".to_string(), |p| p.to_string());
    let lines = [
        format!("PIX_WIDTH {width}"),
        format!("PIX_HEIGHT {height}"),
        "PIX_DEPTH 8".to_string(),
        format!("PPI {ppi}"),
        "LOSSY 1".to_string(),
        "COLORSPACE GRAY".to_string(),
        "COMPRESSION WSQ".to_string(),
        format!("WSQ_BITRATE {bitrate:.6}"),
    ];
    let mut text = format!("NIST_COM {}\n", lines.len() + 1);
    text.push_str(&lines.join("\n"));
    text
}

/// The `PPI` value of a NISTCOM comment, if the comment is one and states a positive one.
pub fn nistcom_ppi(comment: &str) -> Option<u16> {
    if !comment.starts_with("NIST_COM") {
        return None;
    }
    comment.lines().find_map(|line| {
        let value = line.strip_prefix("PPI")?.trim();
        value.parse::<u16>().ok().filter(|&p| p > 0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_numbers_keep_five_digits() {
        assert_eq!(round_scaled_u16(131.4219), 131.42);
        assert!((round_scaled_u16(1.026_71) - 1.0267).abs() < 1e-12);
        assert_eq!(round_scaled_u16(0.0), 0.0);
        let mut w = Writer::default();
        w.scaled_u16(28.3021);
        assert_eq!(w.bytes, vec![3, 0x6e, 0x8e]);
    }

    #[test]
    fn nistcom_round_trip() {
        let text = nistcom(300, 400, Some(500), 0.75);
        assert!(text.starts_with("NIST_COM 9\nPIX_WIDTH 300\n"));
        assert_eq!(nistcom_ppi(&text), Some(500));
        assert_eq!(nistcom_ppi(&nistcom(3, 4, None, 0.75)), None);
    }
}
