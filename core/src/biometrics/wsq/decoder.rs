//! The decoder: walk the segments, entropy-decode the blocks into bin indices, dequantize
//! them into their subbands, run the inverse transform and undo the normalization.
//!
//! Tables may come in any order before the first block; Huffman tables may also be
//! (re)defined between blocks, as the reference encoder does for its second table. The
//! frame size is checked against [`MAX_SIDE`] and [`MAX_PIXELS`] before anything sized by
//! it is allocated, and the index buffer only grows as data is actually decoded.

use super::encoder::BLOCKS;
use super::huffman::{self, Decoder};
use super::quantize;
use super::segments::{
    self, Filters, Frame, QuantTable, Reader, COM, DHT, DQT, DRT, DTT, EOI, MAX_HUFFMAN_TABLES,
    SOB, SOF, SOI,
};
use super::transform::{FilterBank, Layout};
use super::{WsqError, WsqImage, MAX_PIXELS, MAX_SIDE};

/// State gathered from the table segments.
#[derive(Default)]
struct Tables {
    filters: Option<Filters>,
    quant: Option<QuantTable>,
    frame: Option<Frame>,
    huffman: [Option<Decoder>; MAX_HUFFMAN_TABLES],
}

/// What the first block fixes: the layout and where each block's indices end.
struct Image {
    layout: Layout,
    /// Cumulative number of indices at the end of each block.
    block_ends: [usize; 3],
    indices: Vec<i32>,
}

/// Decode a WSQ file.
pub fn decode(bytes: &[u8]) -> Result<WsqImage, WsqError> {
    let mut r = Reader::new(bytes);
    if bytes.len() < 2 || r.u16("SOI")? != SOI {
        return Err(WsqError::NotWsq);
    }
    let mut tables = Tables::default();
    let mut comments = Vec::new();
    let mut image: Option<Image> = None;
    let mut data = Vec::new();
    loop {
        let marker = r.u16("marker (no EOI)")?;
        match marker {
            EOI => break,
            COM => {
                let body = r.segment("COM")?;
                comments.push(String::from_utf8_lossy(body.rest()).into_owned());
            }
            DTT => {
                if image.is_some() {
                    return Err(WsqError::Malformed {
                        segment: "DTT",
                        reason: "after image data",
                    });
                }
                tables.filters = Some(segments::read_dtt(r.segment("DTT")?)?);
            }
            DQT => {
                if image.is_some() {
                    return Err(WsqError::Malformed {
                        segment: "DQT",
                        reason: "after image data",
                    });
                }
                tables.quant = Some(segments::read_dqt(r.segment("DQT")?)?);
            }
            DHT => {
                for (id, spec) in segments::read_dht(r.segment("DHT")?)? {
                    tables.huffman[id] = Some(Decoder::new(&spec)?);
                }
            }
            SOF => {
                if tables.frame.is_some() {
                    return Err(WsqError::Malformed {
                        segment: "SOF",
                        reason: "second frame",
                    });
                }
                let frame = segments::read_sof(r.segment("SOF")?)?;
                check_size(frame.width, frame.height)?;
                tables.frame = Some(frame);
            }
            DRT => {
                let mut body = r.segment("DRT")?;
                if body.u16("DRT")? != 0 {
                    return Err(WsqError::Unsupported("restart intervals"));
                }
            }
            SOB => {
                let id = segments::read_sob(r.segment("SOB")?)?;
                if image.is_none() {
                    image = Some(start_image(&tables)?);
                }
                let table = tables.huffman[id]
                    .as_ref()
                    .ok_or(WsqError::Missing("DHT"))?;
                unstuff(&mut r, &mut data)?;
                if let Some(image) = image.as_mut() {
                    let done = image.indices.len();
                    let limit = image
                        .block_ends
                        .iter()
                        .copied()
                        .find(|&end| end > done)
                        .unwrap_or(done);
                    huffman::decode_block(table, &data, &mut image.indices, limit)?;
                }
            }
            other => return Err(WsqError::UnexpectedMarker(other)),
        }
    }

    let frame = tables.frame.clone().ok_or(WsqError::Missing("SOF"))?;
    let image = match image {
        Some(image) => image,
        // No block at all is fine when nothing is coded (a flat image).
        None => start_image(&tables)?,
    };
    let total = image.block_ends[2];
    if image.indices.len() != total {
        return Err(WsqError::Truncated("image data"));
    }
    let quant = tables.quant.as_ref().ok_or(WsqError::Missing("DQT"))?;
    let filters = tables.filters.as_ref().ok_or(WsqError::Missing("DTT"))?;
    let pixels = reconstruct(&frame, quant, filters, &image);
    let ppi = comments.iter().find_map(|c| segments::nistcom_ppi(c));
    Ok(WsqImage {
        width: frame.width,
        height: frame.height,
        ppi,
        pixels,
        comments,
    })
}

fn check_size(width: usize, height: usize) -> Result<(), WsqError> {
    if width == 0
        || height == 0
        || width > MAX_SIDE
        || height > MAX_SIDE
        || width * height > MAX_PIXELS
    {
        return Err(WsqError::BadSize { width, height });
    }
    Ok(())
}

/// Fix the layout and the number of indices each block holds, from the frame and DQT.
fn start_image(tables: &Tables) -> Result<Image, WsqError> {
    let frame = tables.frame.as_ref().ok_or(WsqError::Missing("SOF"))?;
    let quant = tables.quant.as_ref().ok_or(WsqError::Missing("DQT"))?;
    if tables.filters.is_none() {
        return Err(WsqError::Missing("DTT"));
    }
    let layout = Layout::new(frame.width, frame.height);
    let mut block_ends = [0usize; 3];
    let mut total = 0;
    for (i, (range, _)) in BLOCKS.iter().enumerate() {
        total += range
            .clone()
            .filter(|&k| quant.is_coded(k))
            .map(|k| layout.subbands[k].len())
            .sum::<usize>();
        block_ends[i] = total;
    }
    Ok(Image {
        layout,
        block_ends,
        indices: Vec::new(),
    })
}

/// Copy the entropy-coded bytes that follow a block header into `out`, removing the zero
/// byte stuffed after each 0xFF, and stop before the next marker.
fn unstuff(r: &mut Reader<'_>, out: &mut Vec<u8>) -> Result<(), WsqError> {
    out.clear();
    let rest = r.rest();
    let mut i = 0;
    while i < rest.len() {
        let byte = rest[i];
        if byte == 0xFF {
            match rest.get(i + 1) {
                None => return Err(WsqError::Truncated("entropy-coded data")),
                Some(0) => {
                    out.push(0xFF);
                    i += 2;
                    continue;
                }
                Some(_) => break,
            }
        }
        out.push(byte);
        i += 1;
    }
    r.skip(i, "entropy-coded data")
}

/// Dequantize, inverse-transform and convert back to grey levels.
fn reconstruct(frame: &Frame, quant: &QuantTable, filters: &Filters, image: &Image) -> Vec<u8> {
    let (width, height) = (frame.width, frame.height);
    if image.indices.is_empty() {
        // Nothing coded: every coefficient is zero, so is the transform; the image is flat.
        let level = (frame.shift as f32).round().clamp(0.0, 255.0) as u8;
        return vec![level; width * height];
    }
    let mut plane = vec![0.0f32; width * height];
    let c = quant.bin_center as f32;
    let mut next = image.indices.iter();
    for k in 0..segments::CODED_SUBBANDS {
        if !quant.is_coded(k) {
            continue;
        }
        let band = &image.layout.subbands[k];
        let (q, z) = (quant.q[k] as f32, quant.z[k] as f32);
        for y in band.y..band.y + band.height {
            for value in &mut plane[y * width + band.x..y * width + band.x + band.width] {
                let p = next.next().copied().unwrap_or(0);
                *value = quantize::dequantize(p, q, z, c);
            }
        }
    }
    let bank = FilterBank::new(&filters.lowpass, &filters.highpass);
    bank.inverse(&mut plane, width, &image.layout);
    let (shift, scale) = (frame.shift as f32, frame.scale as f32);
    plane
        .iter()
        .map(|&v| (v * scale + shift).round().clamp(0.0, 255.0) as u8)
        .collect()
}
