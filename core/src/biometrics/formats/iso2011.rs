//! ISO/IEC 19794-2:2011 finger minutiae record format (the general record format of ISO/IEC
//! 19794-1:2011 specialised for minutiae).
//!
//! Layout (big-endian): a 15-byte record header (`FMR\0`, `030\0`, record length u32,
//! number of finger representations u16, certification flag u8), then per representation:
//! its length u32 (counting these 4 bytes), capture date and time (9 bytes), capture device
//! technology u8, device vendor u16, device type u16, quality block count u8 and 5-byte
//! quality blocks (score, algorithm vendor u16, algorithm u16), certification block count u8
//! and 3-byte blocks (authority u16, scheme u8) only when the header flag is 1, finger
//! position u8, representation number u8, x and y resolution u16 in pixels per centimetre,
//! impression type u8, image width and height u16, minutia field length (high nibble, 5 or
//! 6) and ridge ending type (low nibble), minutia count u8, the minutiae (6 bytes, or 5
//! without the quality byte), and the extended data (u16 total length, then blocks).
//! Angles are in 360/256-degree units, as in 2005.

use super::bytes::{check_record_length, Reader, Writer};
use super::{check_minutia, read_extended, read_minutia_6, write_extended, write_minutia_head};
use super::{CaptureDateTime, CaptureInfo, CertificationBlock, FingerRecord, FingerView, Format, FormatError, QualityBlock, RecordMinutia};

const HEADER_LEN: usize = 15;
/// Length field, date and time, technology, vendor, type, quality count.
const REPRESENTATION_FIXED: usize = 4 + 9 + 1 + 2 + 2 + 1;
/// Position, number, resolutions, impression, size, field length/ending type, count, and
/// the extended data length.
const REPRESENTATION_BODY_FIXED: usize = 1 + 1 + 2 + 2 + 1 + 2 + 2 + 1 + 1 + 2;
/// Minutia quality "not reported": a view whose minutiae all say so is written with 5-byte
/// minutiae.
const NOT_REPORTED: u8 = 254;

/// Read an ISO/IEC 19794-2:2011 record.
pub fn read(bytes: &[u8]) -> Result<FingerRecord, FormatError> {
    let mut r = Reader::new(bytes);
    r.magic_and_version(b"030\0")?;
    check_record_length(u64::from(r.u32("record length")?), bytes.len())?;
    let count = r.u16("representation count")?;
    let certification_flag = match r.u8("certification flag")? {
        0 => false,
        1 => true,
        _ => return Err(FormatError::Invalid("certification flag other than 0 or 1")),
    };
    if count == 0 {
        return Err(FormatError::NoView);
    }
    // Each representation takes at least REPRESENTATION_FIXED bytes: bound the allocation.
    let mut views = Vec::with_capacity(usize::from(count).min(r.remaining() / REPRESENTATION_FIXED));
    for _ in 0..count {
        let len = r.u32("representation length")? as usize;
        if len < REPRESENTATION_FIXED + REPRESENTATION_BODY_FIXED {
            return Err(FormatError::Invalid("representation length too small"));
        }
        let body = r.take(len - 4, "representation")?;
        views.push(read_representation(body, certification_flag)?);
    }
    r.finish("trailing bytes after the last representation")?;
    Ok(FingerRecord { format: Format::Iso2011, product: Default::default(), capture_equipment: 0, certification_flag, views })
}

/// One representation, without its length field; `body` is exactly its bytes.
fn read_representation(body: &[u8], certification_flag: bool) -> Result<FingerView, FormatError> {
    let mut r = Reader::new(body);
    let datetime = CaptureDateTime {
        year: r.u16("capture year")?,
        month: r.u8("capture month")?,
        day: r.u8("capture day")?,
        hour: r.u8("capture hour")?,
        minute: r.u8("capture minute")?,
        second: r.u8("capture second")?,
        millisecond: r.u16("capture millisecond")?,
    };
    let device_technology = r.u8("capture device technology")?;
    let device_vendor = r.u16("capture device vendor")?;
    let device_type = r.u16("capture device type")?;
    let quality_count = r.u8("quality block count")?;
    let mut quality_blocks = Vec::with_capacity(usize::from(quality_count));
    for _ in 0..quality_count {
        quality_blocks.push(QualityBlock {
            score: r.u8("quality score")?,
            algorithm_vendor: r.u16("quality algorithm vendor")?,
            algorithm: r.u16("quality algorithm")?,
        });
    }
    let mut certifications = Vec::new();
    if certification_flag {
        let n = r.u8("certification block count")?;
        certifications.reserve(usize::from(n));
        for _ in 0..n {
            certifications.push(CertificationBlock { authority: r.u16("certification authority")?, scheme: r.u8("certification scheme")? });
        }
    }
    let finger_position = r.u8("finger position")?;
    let view_number = r.u8("representation number")?;
    let x_res = r.u16("x resolution")?;
    let y_res = r.u16("y resolution")?;
    if x_res == 0 || y_res == 0 {
        return Err(FormatError::Invalid("zero resolution"));
    }
    let impression_type = r.u8("impression type")?;
    let width = r.u16("image width")?;
    let height = r.u16("image height")?;
    let field = r.u8("minutia field length")?;
    let with_quality = match field >> 4 {
        5 => false,
        6 => true,
        _ => return Err(FormatError::Invalid("minutia field length other than 5 or 6")),
    };
    let n = r.u8("minutia count")?;
    let mut minutiae = Vec::with_capacity(usize::from(n));
    for _ in 0..n {
        let m = if with_quality {
            read_minutia_6(&mut r)?
        } else {
            // A 5-byte minutia is a 6-byte one without its quality: read the four
            // coordinate bytes and the angle, then mark the quality as not reported.
            let head = r.take(5, "minutia")?;
            let mut six = [0u8; 6];
            six[..5].copy_from_slice(head);
            RecordMinutia { quality: NOT_REPORTED, ..read_minutia_6(&mut Reader::new(&six))? }
        };
        minutiae.push(m);
    }
    let ext_len = r.u16("extended data length")?;
    let extended = read_extended(r.take(usize::from(ext_len), "extended data")?)?;
    r.finish("representation length does not match its content")?;
    let quality = quality_blocks.first().map(|q| q.score).filter(|&s| s <= 100).unwrap_or(0);
    Ok(FingerView {
        finger_position,
        view_number,
        impression_type,
        quality,
        width,
        height,
        x_res,
        y_res,
        minutiae,
        extended,
        capture: Some(CaptureInfo { datetime, device_technology, device_vendor, device_type, quality_blocks, certifications, ridge_ending_type: field & 0x0F }),
    })
}

/// Write `record` (which must be in ISO 2011 form: see [`FingerRecord::to_bytes`]).
pub fn write(record: &FingerRecord) -> Result<Vec<u8>, FormatError> {
    let format = Format::Iso2011;
    let unwritable = |reason| FormatError::Unwritable { format, reason };
    if record.format != format {
        return Err(unwritable("the record is in another format (convert it first)"));
    }
    if record.product != Default::default() || record.capture_equipment != 0 {
        return Err(unwritable("the record carries fields of another format"));
    }
    if record.views.is_empty() {
        return Err(unwritable("no finger view"));
    }
    let count = u16::try_from(record.views.len()).map_err(|_| unwritable("more than 65535 representations"))?;
    let mut body = Writer::default();
    for v in &record.views {
        let rep = write_representation(v, record.certification_flag)?;
        let len = u32::try_from(rep.len() + 4).map_err(|_| unwritable("representation longer than 4 GiB"))?;
        body.u32(len);
        body.bytes(&rep);
    }
    let total = u32::try_from(HEADER_LEN + body.out.len()).map_err(|_| unwritable("record longer than 4 GiB"))?;
    let mut w = Writer { out: Vec::with_capacity(total as usize) };
    w.bytes(b"FMR\0030\0");
    w.u32(total);
    w.u16(count);
    w.u8(u8::from(record.certification_flag));
    w.bytes(&body.out);
    Ok(w.out)
}

/// One representation without its length field.
fn write_representation(v: &FingerView, certification_flag: bool) -> Result<Vec<u8>, FormatError> {
    let format = Format::Iso2011;
    let unwritable = |reason| FormatError::Unwritable { format, reason };
    let capture = v.capture.as_ref().ok_or(unwritable("a representation lacks its capture block (convert the record first)"))?;
    let first_score = capture.quality_blocks.first().map(|q| q.score).filter(|&s| s <= 100).unwrap_or(0);
    if v.quality != first_score {
        return Err(unwritable("the finger quality must be the score of the first quality block"));
    }
    if v.x_res == 0 || v.y_res == 0 {
        return Err(unwritable("zero resolution"));
    }
    if capture.ridge_ending_type > 15 {
        return Err(unwritable("ridge ending type above 15 (4 bits)"));
    }
    if !certification_flag && !capture.certifications.is_empty() {
        return Err(unwritable("certification blocks without the header's certification flag"));
    }
    let quality_count = u8::try_from(capture.quality_blocks.len()).map_err(|_| unwritable("more than 255 quality blocks"))?;
    let cert_count = u8::try_from(capture.certifications.len()).map_err(|_| unwritable("more than 255 certification blocks"))?;
    let n = u8::try_from(v.minutiae.len()).map_err(|_| unwritable("more than 255 minutiae in a representation"))?;
    let with_quality = v.minutiae.iter().any(|m| m.quality != NOT_REPORTED);
    let mut w = Writer::default();
    let d = &capture.datetime;
    w.u16(d.year);
    for b in [d.month, d.day, d.hour, d.minute, d.second] {
        w.u8(b);
    }
    w.u16(d.millisecond);
    w.u8(capture.device_technology);
    w.u16(capture.device_vendor);
    w.u16(capture.device_type);
    w.u8(quality_count);
    for q in &capture.quality_blocks {
        if q.score > 100 && q.score != 255 {
            return Err(unwritable("quality score other than 0-100 or 255"));
        }
        w.u8(q.score);
        w.u16(q.algorithm_vendor);
        w.u16(q.algorithm);
    }
    if certification_flag {
        w.u8(cert_count);
        for c in &capture.certifications {
            w.u16(c.authority);
            w.u8(c.scheme);
        }
    }
    w.u8(v.finger_position);
    w.u8(v.view_number);
    w.u16(v.x_res);
    w.u16(v.y_res);
    w.u8(v.impression_type);
    w.u16(v.width);
    w.u16(v.height);
    w.u8(if with_quality { 0x60 } else { 0x50 } | capture.ridge_ending_type);
    w.u8(n);
    for m in &v.minutiae {
        check_minutia(m, format)?;
        write_minutia_head(&mut w, m);
        if with_quality {
            w.u8(m.quality);
        }
    }
    write_extended(&mut w, &v.extended, format)?;
    Ok(w.out)
}
