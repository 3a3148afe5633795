//! Reading ISO/IEC 19794-2:2005 finger minutiae records (the format scanners' SDKs and
//! other registries hand over). Writing, the 2011 edition and ANSI/INCITS 378 come with
//! issue 5; docs/formats/iso-ansi.md will give the full mapping.
//!
//! Layout (all integers big-endian): a 24-byte record header (`FMR\0`, version ` 20\0`,
//! record length u32, capture equipment u16, image width and height u16, x and y resolution
//! u16 in pixels per centimetre, finger view count u8, reserved u8), then per view a 4-byte
//! header (finger position, view number and impression type, finger quality, minutia count)
//! followed by 6 bytes per minutia (2 bits type and 14 bits x; 2 reserved bits and 14 bits y;
//! angle in units of 360/256 degrees counter-clockwise; quality) and an extended data block
//! (u16 length, then data, skipped).

use super::template::{Minutia, MinutiaKind, Template};
use thiserror::Error;

/// Why an ISO record was rejected.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum IsoError {
    #[error("not an ISO/IEC 19794-2 record (bad magic)")]
    BadMagic,
    #[error("unsupported ISO/IEC 19794-2 version {0:?}")]
    UnsupportedVersion([u8; 4]),
    #[error("ISO record truncated while reading {0}")]
    Truncated(&'static str),
    #[error("ISO record length field says {declared} bytes, {actual} present")]
    LengthMismatch { declared: usize, actual: usize },
    #[error("invalid {0} in the ISO record")]
    Invalid(&'static str),
    #[error("the ISO record holds no finger view")]
    NoView,
}

/// One finger view of an ISO record, converted to a Jatigi template at 500 dpi.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsoView {
    /// ISO finger position code (0 unknown, 1-10).
    pub finger_position: u8,
    pub view_number: u8,
    pub impression_type: u8,
    pub template: Template,
}

struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], IsoError> {
        if self.rest.len() < n {
            return Err(IsoError::Truncated(what));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }
    fn u8(&mut self, what: &'static str) -> Result<u8, IsoError> {
        Ok(self.take(1, what)?[0])
    }
    fn u16(&mut self, what: &'static str) -> Result<u16, IsoError> {
        let b = self.take(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self, what: &'static str) -> Result<u32, IsoError> {
        let b = self.take(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// Read every finger view of an ISO/IEC 19794-2:2005 record. Coordinates are rescaled from
/// the record's resolution to 500 dpi; minutiae of type "other" are kept as endings.
pub fn read_iso_2005(bytes: &[u8]) -> Result<Vec<IsoView>, IsoError> {
    let mut r = Reader { rest: bytes };
    if r.take(4, "magic")? != b"FMR\0" {
        return Err(IsoError::BadMagic);
    }
    let version: [u8; 4] = r.take(4, "version")?.try_into().map_err(|_| IsoError::Truncated("version"))?;
    if &version != b" 20\0" {
        return Err(IsoError::UnsupportedVersion(version));
    }
    let declared = r.u32("record length")? as usize;
    if declared != bytes.len() {
        return Err(IsoError::LengthMismatch { declared, actual: bytes.len() });
    }
    let _equipment = r.u16("capture equipment")?;
    let (width, height) = (r.u16("image width")?, r.u16("image height")?);
    let (x_res, y_res) = (r.u16("x resolution")?, r.u16("y resolution")?);
    if x_res == 0 || y_res == 0 {
        return Err(IsoError::Invalid("resolution"));
    }
    let views = r.u8("view count")?;
    let _reserved = r.u8("reserved")?;
    if views == 0 {
        return Err(IsoError::NoView);
    }
    // Pixels per centimetre to 500 dpi (196.85 px/cm).
    let (sx, sy) = (500.0 / (f32::from(x_res) * 2.54), 500.0 / (f32::from(y_res) * 2.54));
    let scale = |v: u16, s: f32| (f32::from(v) * s).round().min(f32::from(u16::MAX)) as u16;
    let (out_w, out_h) = (scale(width, sx).max(1), scale(height, sy).max(1));
    let mut out = Vec::with_capacity(usize::from(views));
    for _ in 0..views {
        let finger_position = r.u8("finger position")?;
        let view_impression = r.u8("view number")?;
        let quality = r.u8("finger quality")?;
        let count = r.u8("minutia count")?;
        let mut minutiae = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            let tx = r.u16("minutia x")?;
            let ry = r.u16("minutia y")?;
            let angle = r.u8("minutia angle")?;
            let q = r.u8("minutia quality")?;
            let kind = if tx >> 14 == 0b10 { MinutiaKind::Bifurcation } else { MinutiaKind::Ending };
            let (x, y) = (scale(tx & 0x3FFF, sx), scale(ry & 0x3FFF, sy));
            // Points on or past the declared image edge are clamped in, not rejected: some
            // SDKs write them.
            minutiae.push(Minutia { x: x.min(out_w - 1), y: y.min(out_h - 1), angle, kind, quality: q.min(100) });
        }
        let extended = r.u16("extended data length")?;
        r.take(usize::from(extended), "extended data")?;
        out.push(IsoView {
            finger_position,
            view_number: view_impression >> 4,
            impression_type: view_impression & 0x0F,
            template: Template { width: out_w, height: out_h, quality: quality.min(100), minutiae },
        });
    }
    if !r.rest.is_empty() {
        return Err(IsoError::Invalid("trailing bytes after the last view"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A one-view record at 197 px/cm (500 dpi) with the given minutiae (type, x, y, angle).
    fn record(minutiae: &[(u8, u16, u16, u8)]) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(b"FMR\0 20\0");
        let len = 24 + 4 + 6 * minutiae.len() + 2;
        b.extend_from_slice(&(len as u32).to_be_bytes());
        for v in [0u16, 300, 400, 197, 197] {
            b.extend_from_slice(&v.to_be_bytes());
        }
        b.extend_from_slice(&[1, 0, 7, 0x10, 80, minutiae.len() as u8]);
        for &(kind, x, y, angle) in minutiae {
            b.extend_from_slice(&((u16::from(kind) << 14) | x).to_be_bytes());
            b.extend_from_slice(&y.to_be_bytes());
            b.extend_from_slice(&[angle, 60]);
        }
        b.extend_from_slice(&0u16.to_be_bytes());
        b
    }

    #[test]
    fn reads_views_and_minutiae() {
        let views = read_iso_2005(&record(&[(1, 100, 50, 64), (2, 200, 300, 200)])).expect("valid");
        assert_eq!(views.len(), 1);
        let v = &views[0];
        assert_eq!((v.finger_position, v.view_number, v.impression_type), (7, 1, 0));
        let m = &v.template.minutiae;
        assert_eq!((m[0].kind, m[0].x, m[0].y, m[0].angle), (MinutiaKind::Ending, 100, 50, 64));
        assert_eq!((m[1].kind, m[1].x, m[1].y, m[1].angle), (MinutiaKind::Bifurcation, 200, 300, 200));
    }

    #[test]
    fn malformed_records_are_typed_errors() {
        let good = record(&[(1, 10, 10, 0)]);
        assert_eq!(read_iso_2005(b"XMR\0 20\0"), Err(IsoError::BadMagic));
        assert_eq!(read_iso_2005(&good[..good.len() - 1]), Err(IsoError::LengthMismatch { declared: good.len(), actual: good.len() - 1 }));
        let mut v = good.clone();
        v[5] = b'3';
        assert!(matches!(read_iso_2005(&v), Err(IsoError::UnsupportedVersion(_))));
        assert_eq!(read_iso_2005(&good[..10]), Err(IsoError::Truncated("record length")));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = read_iso_2005(&bytes);
        }

        #[test]
        fn mutated_records_never_panic(pos in 0usize..64, byte in any::<u8>()) {
            let mut r = record(&[(1, 10, 10, 0), (2, 299, 399, 255)]);
            let i = pos % r.len();
            r[i] = byte;
            let _ = read_iso_2005(&r);
        }
    }
}
