//! ANSI/INCITS 378-2004 finger minutiae format.
//!
//! Layout (big-endian): a 26-byte header (`FMR\0`, ` 20\0`, record length u16 — or, for
//! records of 65536 bytes and more, a zero u16 followed by a u32, making the header 30 bytes
//! —, CBEFF product identifier owner u16 and type u16, capture equipment u16 (compliance 4
//! bits, ID 12 bits), image width and height u16, x and y resolution u16 in pixels per
//! centimetre, view count u8, reserved u8), then the views exactly as in ISO 2005 except
//! that minutia angles are in 2-degree units (0-179).

use super::bytes::{check_record_length, Reader, Writer};
use super::iso2005::{read_views, views_len, write_views, Geometry};
use super::{FingerRecord, Format, FormatError, ProductId};

/// Header length with the 2-byte record length field.
const HEADER_LEN: usize = 26;
/// Extra bytes when the record length needs the 6-byte form.
const LONG_LENGTH_EXTRA: usize = 4;

/// Read an ANSI/INCITS 378-2004 record.
pub fn read(bytes: &[u8]) -> Result<FingerRecord, FormatError> {
    let mut r = Reader::new(bytes);
    r.magic_and_version(b" 20\0")?;
    let short = r.u16("record length")?;
    let declared = if short == 0 { u64::from(r.u32("record length")?) } else { u64::from(short) };
    check_record_length(declared, bytes.len())?;
    let product = ProductId { owner: r.u16("product owner")?, product_type: r.u16("product type")? };
    let capture_equipment = r.u16("capture equipment")?;
    let g = Geometry::read(&mut r)?;
    let count = r.u8("view count")?;
    let _reserved = r.u8("reserved byte")?;
    if count == 0 {
        return Err(FormatError::NoView);
    }
    let views = read_views(&mut r, count, g, Format::Ansi378)?;
    r.finish("trailing bytes after the last view")?;
    Ok(FingerRecord { format: Format::Ansi378, product, capture_equipment, certification_flag: false, views })
}

/// Write `record` (which must be in ANSI 378 form: see [`FingerRecord::to_bytes`]).
pub fn write(record: &FingerRecord) -> Result<Vec<u8>, FormatError> {
    let format = Format::Ansi378;
    let unwritable = |reason| FormatError::Unwritable { format, reason };
    if record.format != format {
        return Err(unwritable("the record is in another format (convert it first)"));
    }
    if record.certification_flag || record.views.iter().any(|v| v.capture.is_some()) {
        return Err(unwritable("the record carries fields of another format"));
    }
    let g = Geometry::of(record)?;
    let count = u8::try_from(record.views.len()).map_err(|_| unwritable("more than 255 views"))?;
    let short_total = HEADER_LEN + views_len(record);
    let mut w = Writer::default();
    w.bytes(b"FMR\0 20\0");
    if let Ok(total) = u16::try_from(short_total) {
        w.u16(total);
    } else {
        let total = u32::try_from(short_total + LONG_LENGTH_EXTRA).map_err(|_| unwritable("record longer than 4 GiB"))?;
        w.u16(0);
        w.u32(total);
    }
    w.u16(record.product.owner);
    w.u16(record.product.product_type);
    w.u16(record.capture_equipment);
    g.write(&mut w);
    w.u8(count);
    w.u8(0);
    write_views(&mut w, record)?;
    Ok(w.out)
}
