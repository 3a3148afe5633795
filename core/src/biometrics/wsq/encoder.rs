//! The encoder: normalize, transform, quantize, entropy-code, and write the segments in the
//! order the reference encoder uses (SOI, comments, DTT, DQT, SOF, then per block DHT?/SOB
//! and data, EOI).

use super::huffman::{self, Item};
use super::quantize;
use super::segments::{self, Frame, QuantTable, Writer, EOI, SOI};
use super::transform::{full_filter, FilterBank, Layout, HIGHPASS_HALF, LOWPASS_HALF};
use super::{WsqError, MAX_BITRATE, MAX_PIXELS, MAX_SIDE, MIN_BITRATE, MIN_ENCODE_SIDE};

/// The three entropy-coded blocks: subband ranges and the Huffman table each uses. The
/// second and third blocks share one table, built from both.
pub const BLOCKS: [(std::ops::Range<usize>, u8); 3] = [(0..19, 0), (19..52, 1), (52..60, 1)];

/// Pixels are scaled so that the farthest one from the mean lands at this distance.
const NORMALIZED_RANGE: f64 = 128.0;

/// Encode an 8-bit grey image (row-major, `width * height` bytes) at `bitrate` bits per
/// pixel (0.75 is the usual setting). `ppi` goes into the NISTCOM comment (`-1` there when
/// unknown); each of `comments` is written as one more comment segment.
pub fn encode(
    pixels: &[u8],
    width: usize,
    height: usize,
    ppi: Option<u16>,
    bitrate: f32,
    comments: &[&str],
) -> Result<Vec<u8>, WsqError> {
    if width < MIN_ENCODE_SIDE
        || height < MIN_ENCODE_SIDE
        || width > MAX_SIDE
        || height > MAX_SIDE
        || width.saturating_mul(height) > MAX_PIXELS
        || width > usize::from(u16::MAX)
        || height > usize::from(u16::MAX)
    {
        return Err(WsqError::BadSize { width, height });
    }
    if pixels.len() != width * height {
        return Err(WsqError::BadBufferLength {
            expected: width * height,
            actual: pixels.len(),
        });
    }
    if !(MIN_BITRATE..=MAX_BITRATE).contains(&bitrate) {
        return Err(WsqError::BadBitrate(bitrate));
    }

    let frame = normalization(pixels, width, height);
    let (shift, scale) = (frame.shift as f32, frame.scale as f32);
    let mut plane: Vec<f32> = pixels
        .iter()
        .map(|&p| (f32::from(p) - shift) / scale)
        .collect();

    let layout = Layout::new(width, height);
    let bank = FilterBank::standard();
    bank.forward(&mut plane, width, &layout);

    let table = quantize::bin_widths(&plane, width, &layout.subbands, f64::from(bitrate));
    let mut blocks: Vec<Vec<Item>> = Vec::with_capacity(BLOCKS.len());
    let mut indices = Vec::new();
    for (range, _) in &BLOCKS {
        indices.clear();
        for k in range.clone() {
            quantize_subband(&plane, width, &layout, &table, k, &mut indices);
        }
        let mut items = Vec::new();
        huffman::items(&indices, &mut items);
        blocks.push(items);
    }

    let mut w = Writer::default();
    w.u16(SOI);
    let nistcom = segments::nistcom(width, height, ppi, bitrate);
    segments::write_com(&mut w, nistcom.as_bytes())?;
    for comment in comments {
        segments::write_com(&mut w, comment.as_bytes())?;
    }
    segments::write_dtt(
        &mut w,
        &full_filter(&LOWPASS_HALF),
        &full_filter(&HIGHPASS_HALF),
    );
    segments::write_dqt(&mut w, &table);
    segments::write_sof(&mut w, &frame);

    let table0 = huffman::build_table(&blocks[0]);
    let shared: Vec<Item> = blocks[1].iter().chain(&blocks[2]).copied().collect();
    let table1 = huffman::build_table(&shared);
    let mut written = [false; 2];
    for ((_, id), items) in BLOCKS.iter().zip(&blocks) {
        if items.is_empty() {
            continue;
        }
        let spec = if *id == 0 { &table0 } else { &table1 };
        let Some(spec) = spec else { continue };
        if !written[usize::from(*id)] {
            segments::write_dht(&mut w, *id, spec);
            written[usize::from(*id)] = true;
        }
        segments::write_sob(&mut w, *id);
        huffman::write_items(spec, items, &mut w.bytes)?;
    }
    w.u16(EOI);
    log::debug!("wsq: encoded {width}x{height} into {} bytes", w.bytes.len());
    Ok(w.bytes)
}

/// The shift (mean) and scale that map pixels to about ±128, rounded as SOF stores them.
fn normalization(pixels: &[u8], width: usize, height: usize) -> Frame {
    let sum: u64 = pixels.iter().map(|&p| u64::from(p)).sum();
    let mean = sum as f64 / pixels.len() as f64;
    let (min, max) = pixels
        .iter()
        .fold((255u8, 0u8), |(lo, hi), &p| (lo.min(p), hi.max(p)));
    let spread = (f64::from(max) - mean).max(mean - f64::from(min)) / NORMALIZED_RANGE;
    let shift = segments::round_scaled_u16(mean);
    let mut scale = segments::round_scaled_u16(spread);
    if scale <= 0.0 {
        // A flat image: any scale gives all-zero coefficients; 1 keeps the division sane.
        scale = 1.0;
    }
    Frame {
        width,
        height,
        shift,
        scale,
    }
}

/// Append the bin indices of subband `k` (row by row) if it is coded.
fn quantize_subband(
    plane: &[f32],
    stride: usize,
    layout: &Layout,
    table: &QuantTable,
    k: usize,
    out: &mut Vec<i32>,
) {
    if !table.is_coded(k) {
        return;
    }
    let band = &layout.subbands[k];
    let (q, z) = (table.q[k] as f32, table.z[k] as f32);
    for y in band.y..band.y + band.height {
        let row = &plane[y * stride + band.x..y * stride + band.x + band.width];
        out.extend(row.iter().map(|&a| quantize::quantize(a, q, z)));
    }
}
