//! ISO/IEC 19794-2:2005 finger minutiae record format.
//!
//! Layout (big-endian): a 24-byte header (`FMR\0`, ` 20\0`, record length u32, capture
//! equipment u16, image width and height u16, x and y resolution u16 in pixels per
//! centimetre, view count u8, reserved u8), then per view a 4-byte header (finger position,
//! view number << 4 | impression type, finger quality, minutia count), 6 bytes per minutia
//! and the extended data (u16 total length, then blocks). ANSI/INCITS 378-2004 uses the same
//! view layout after its own 26-byte header, so the view codec here serves both.

use super::bytes::{check_record_length, Reader, Writer};
use super::{check_minutia, read_extended, read_minutia_6, write_extended, write_minutia_head};
use super::{FingerRecord, FingerView, Format, FormatError};

/// Header length, view header length and minutia length.
const HEADER_LEN: usize = 24;
const VIEW_HEADER_LEN: usize = 4;
const MINUTIA_LEN: usize = 6;

/// Image size and resolution: one per record in ISO 2005 and ANSI 378.
#[derive(Clone, Copy)]
pub(super) struct Geometry {
    pub width: u16,
    pub height: u16,
    pub x_res: u16,
    pub y_res: u16,
}

impl Geometry {
    pub(super) fn read(r: &mut Reader<'_>) -> Result<Geometry, FormatError> {
        let g = Geometry {
            width: r.u16("image width")?,
            height: r.u16("image height")?,
            x_res: r.u16("x resolution")?,
            y_res: r.u16("y resolution")?,
        };
        if g.x_res == 0 || g.y_res == 0 {
            return Err(FormatError::Invalid("zero resolution"));
        }
        Ok(g)
    }

    /// The views' common geometry; the record header can hold only one.
    pub(super) fn of(record: &FingerRecord) -> Result<Geometry, FormatError> {
        let first = record.views.first().ok_or(FormatError::Unwritable { format: record.format, reason: "no finger view" })?;
        let g = Geometry { width: first.width, height: first.height, x_res: first.x_res, y_res: first.y_res };
        let same = |v: &FingerView| (v.width, v.height, v.x_res, v.y_res) == (g.width, g.height, g.x_res, g.y_res);
        if !record.views.iter().all(same) {
            return Err(FormatError::Unwritable { format: record.format, reason: "views differ in image size or resolution (one per record in this format)" });
        }
        if g.x_res == 0 || g.y_res == 0 {
            return Err(FormatError::Unwritable { format: record.format, reason: "zero resolution" });
        }
        Ok(g)
    }

    pub(super) fn write(&self, w: &mut Writer) {
        for v in [self.width, self.height, self.x_res, self.y_res] {
            w.u16(v);
        }
    }
}

/// Read `count` views in the 2005/ANSI layout.
pub(super) fn read_views(r: &mut Reader<'_>, count: u8, g: Geometry, format: Format) -> Result<Vec<FingerView>, FormatError> {
    let mut views = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let finger_position = r.u8("finger position")?;
        let view_impression = r.u8("view number and impression type")?;
        let quality = r.u8("finger quality")?;
        let n = r.u8("minutia count")?;
        let mut minutiae = Vec::with_capacity(usize::from(n));
        for _ in 0..n {
            let m = read_minutia_6(r)?;
            if format == Format::Ansi378 && m.angle >= 180 {
                return Err(FormatError::Invalid("minutia angle above 179 (ANSI 2-degree units)"));
            }
            minutiae.push(m);
        }
        let ext_len = r.u16("extended data length")?;
        let extended = read_extended(r.take(usize::from(ext_len), "extended data")?)?;
        views.push(FingerView {
            finger_position,
            view_number: view_impression >> 4,
            impression_type: view_impression & 0x0F,
            quality,
            width: g.width,
            height: g.height,
            x_res: g.x_res,
            y_res: g.y_res,
            minutiae,
            extended,
            capture: None,
        });
    }
    Ok(views)
}

/// Write the views in the 2005/ANSI layout.
pub(super) fn write_views(w: &mut Writer, record: &FingerRecord) -> Result<(), FormatError> {
    let format = record.format;
    let unwritable = |reason| FormatError::Unwritable { format, reason };
    for v in &record.views {
        if v.view_number > 15 || v.impression_type > 15 {
            return Err(unwritable("view number or impression type above 15 (4 bits)"));
        }
        if v.quality > 100 {
            return Err(unwritable("finger quality above 100"));
        }
        let n = u8::try_from(v.minutiae.len()).map_err(|_| unwritable("more than 255 minutiae in a view"))?;
        w.u8(v.finger_position);
        w.u8((v.view_number << 4) | v.impression_type);
        w.u8(v.quality);
        w.u8(n);
        for m in &v.minutiae {
            check_minutia(m, format)?;
            write_minutia_head(w, m);
            w.u8(m.quality);
        }
        write_extended(w, &v.extended, format)?;
    }
    Ok(())
}

/// Bytes the views take in the 2005/ANSI layout.
pub(super) fn views_len(record: &FingerRecord) -> usize {
    record
        .views
        .iter()
        .map(|v| VIEW_HEADER_LEN + MINUTIA_LEN * v.minutiae.len() + 2 + v.extended.iter().map(|b| 4 + b.data.len()).sum::<usize>())
        .sum()
}

/// Read an ISO/IEC 19794-2:2005 record.
pub fn read(bytes: &[u8]) -> Result<FingerRecord, FormatError> {
    let mut r = Reader::new(bytes);
    r.magic_and_version(b" 20\0")?;
    check_record_length(u64::from(r.u32("record length")?), bytes.len())?;
    let capture_equipment = r.u16("capture equipment")?;
    let g = Geometry::read(&mut r)?;
    let count = r.u8("view count")?;
    let _reserved = r.u8("reserved byte")?;
    if count == 0 {
        return Err(FormatError::NoView);
    }
    let views = read_views(&mut r, count, g, Format::Iso2005)?;
    r.finish("trailing bytes after the last view")?;
    Ok(FingerRecord {
        format: Format::Iso2005,
        product: Default::default(),
        capture_equipment,
        certification_flag: false,
        views,
    })
}

/// Write `record` (which must be in ISO 2005 form: see [`FingerRecord::to_bytes`]).
pub fn write(record: &FingerRecord) -> Result<Vec<u8>, FormatError> {
    let format = Format::Iso2005;
    let unwritable = |reason| FormatError::Unwritable { format, reason };
    if record.format != format {
        return Err(unwritable("the record is in another format (convert it first)"));
    }
    if record.product != Default::default() || record.certification_flag || record.views.iter().any(|v| v.capture.is_some()) {
        return Err(unwritable("the record carries fields of another format"));
    }
    let g = Geometry::of(record)?;
    let count = u8::try_from(record.views.len()).map_err(|_| unwritable("more than 255 views"))?;
    let total = u32::try_from(HEADER_LEN + views_len(record)).map_err(|_| unwritable("record longer than 4 GiB"))?;
    let mut w = Writer { out: Vec::with_capacity(total as usize) };
    w.bytes(b"FMR\0 20\0");
    w.u32(total);
    w.u16(record.capture_equipment);
    g.write(&mut w);
    w.u8(count);
    w.u8(0);
    write_views(&mut w, record)?;
    debug_assert_eq!(w.out.len(), total as usize);
    Ok(w.out)
}
