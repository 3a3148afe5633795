//! Finger minutiae interchange records: ISO/IEC 19794-2:2005, ISO/IEC 19794-2:2011 (record
//! format) and ANSI/INCITS 378-2004, read and written through one format-neutral model.
//!
//! Why a neutral model ([`FingerRecord`]) rather than three object models: the hub converts
//! between the formats and our [`Template`], and a single model lets every conversion be a
//! function of two values instead of six pairwise codecs. The model keeps every field any of
//! the three formats carries (the per-representation capture block of 2011 lives in
//! [`CaptureInfo`]), so reading a record and writing it in the same format gives equal
//! records; angles stay in the record's own units ([`RecordMinutia::angle`]) so no
//! quantisation happens until a conversion asks for it.
//!
//! Readers are strict about structure (magic, version, every length field, counts, type
//! codes, angle range) and lenient about values that do not change the structure (qualities
//! are kept as found); writers check everything, so what we write is a valid record.
//! Hostile input gets a typed [`FormatError`]: no panic, and allocation is bounded by the
//! input size (counts are at most 255 and every block is sliced out of the input).
//!
//! The mapping to our native template (axes, angle units and direction, resolution, types,
//! quality) and the byte layouts are in docs/formats/iso-ansi.md.

mod bytes;
pub mod ansi378;
pub mod iso2005;
pub mod iso2011;

use std::fmt;

use thiserror::Error;

use super::template::{Minutia, MinutiaKind, Template};

/// One of the three interchange formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// ISO/IEC 19794-2:2005, finger minutiae record format (version ` 20`).
    Iso2005,
    /// ISO/IEC 19794-2:2011, finger minutiae record format (version `030`).
    Iso2011,
    /// ANSI/INCITS 378-2004 (version ` 20`, 26-byte header).
    Ansi378,
}

impl Format {
    /// Minutia angles of this format in degrees per unit: 360/256 for ISO, 2 for ANSI.
    pub fn degrees_per_angle_unit(self) -> f64 {
        match self {
            Format::Iso2005 | Format::Iso2011 => 360.0 / 256.0,
            Format::Ansi378 => 2.0,
        }
    }

    /// Number of distinct angle values: 256 for ISO, 180 for ANSI.
    fn angle_units_per_turn(self) -> u16 {
        match self {
            Format::Iso2005 | Format::Iso2011 => 256,
            Format::Ansi378 => 180,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Iso2005 => "ISO/IEC 19794-2:2005",
            Format::Iso2011 => "ISO/IEC 19794-2:2011",
            Format::Ansi378 => "ANSI/INCITS 378-2004",
        })
    }
}

/// Why a record was rejected, or could not be written.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum FormatError {
    #[error("not a finger minutiae record (bad magic)")]
    BadMagic,
    #[error("unsupported finger minutiae record version {0:?}")]
    UnsupportedVersion([u8; 4]),
    #[error("minutiae record truncated while reading {0}")]
    Truncated(&'static str),
    #[error("minutiae record length field says {declared} bytes, {actual} present")]
    LengthMismatch { declared: u64, actual: usize },
    #[error("invalid minutiae record: {0}")]
    Invalid(&'static str),
    #[error("the minutiae record holds no finger view")]
    NoView,
    #[error("cannot write an {format} record: {reason}")]
    Unwritable { format: Format, reason: &'static str },
}

/// CBEFF product identifier of the extractor (ANSI 378 only): IBIA-registered owner and a
/// product type the owner assigns. Zero means "not reported".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ProductId {
    pub owner: u16,
    pub product_type: u16,
}

/// A finger minutiae record: one or more views of one or more fingers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FingerRecord {
    /// The format the record was read from, which also fixes the unit of every
    /// [`RecordMinutia::angle`].
    pub format: Format,
    /// ANSI 378 only (zero in the ISO formats).
    pub product: ProductId,
    /// ISO 2005 and ANSI 378: capture equipment compliance (high 4 bits) and capture
    /// equipment ID (low 12 bits). Zero in ISO 2011, which describes the device per view.
    pub capture_equipment: u16,
    /// ISO 2011 only: the record header's certification flag (each view then carries a
    /// certification block count).
    pub certification_flag: bool,
    pub views: Vec<FingerView>,
}

/// One finger view (ISO 2011: one finger representation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FingerView {
    /// Finger position code: 0 unknown, 1-10 right thumb to left little finger, and the
    /// multi-finger codes above.
    pub finger_position: u8,
    /// View number (ISO 2005, ANSI: 0-15) or representation number (ISO 2011: 0-255).
    pub view_number: u8,
    /// Impression type: 0 live-scan plain, 1 live-scan rolled, 2 and 3 non-live-scan, 8
    /// swipe (ISO 2005, ANSI: 0-15; ISO 2011: 0-255).
    pub impression_type: u8,
    /// Finger quality 0-100. In ISO 2011, which has no such field, it is the score of the
    /// first quality block (0 if there is none).
    pub quality: u8,
    /// Image size in pixels. In ISO 2005 and ANSI these are record header fields, equal in
    /// every view.
    pub width: u16,
    pub height: u16,
    /// Resolution in pixels per centimetre (197 = 500 dpi).
    pub x_res: u16,
    pub y_res: u16,
    pub minutiae: Vec<RecordMinutia>,
    /// Extended data blocks, in record order, kept as bytes (ridge counts, cores and deltas,
    /// zonal quality and vendor blocks alike).
    pub extended: Vec<ExtendedBlock>,
    /// ISO 2011 only: the representation header's capture block.
    pub capture: Option<CaptureInfo>,
}

/// The ISO 2011 per-representation fields that the 2005 and ANSI formats do not have.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaptureInfo {
    pub datetime: CaptureDateTime,
    /// Capture device technology: 0 unknown, 1 white-light optical TIR, ..., 18 (ISO
    /// 19794-2:2011 table).
    pub device_technology: u8,
    /// IBIA-registered vendor of the capture device (0 unknown).
    pub device_vendor: u16,
    /// Device type ID assigned by the vendor (0 unknown).
    pub device_type: u16,
    pub quality_blocks: Vec<QualityBlock>,
    pub certifications: Vec<CertificationBlock>,
    /// Low nibble of the minutia field byte: 0 ridge endings placed at the valley skeleton
    /// bifurcation, 1 at the ridge skeleton end point.
    pub ridge_ending_type: u8,
}

/// Capture date and time (UTC); every field all-ones when unknown (ISO 19794-1:2011).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaptureDateTime {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub millisecond: u16,
}

impl Default for CaptureDateTime {
    /// "Not recorded".
    fn default() -> Self {
        CaptureDateTime { year: 0xFFFF, month: 0xFF, day: 0xFF, hour: 0xFF, minute: 0xFF, second: 0xFF, millisecond: 0xFFFF }
    }
}

/// One ISO 2011 quality block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QualityBlock {
    /// 0-100, or 255 when the algorithm failed.
    pub score: u8,
    pub algorithm_vendor: u16,
    pub algorithm: u16,
}

/// One ISO 2011 certification block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertificationBlock {
    pub authority: u16,
    pub scheme: u8,
}

/// Type of a minutia as the records code it (2 bits; the fourth value is reserved and
/// rejected).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordMinutiaKind {
    Other,
    RidgeEnding,
    Bifurcation,
}

impl RecordMinutiaKind {
    fn from_bits(bits: u16) -> Result<RecordMinutiaKind, FormatError> {
        match bits {
            0 => Ok(RecordMinutiaKind::Other),
            1 => Ok(RecordMinutiaKind::RidgeEnding),
            2 => Ok(RecordMinutiaKind::Bifurcation),
            _ => Err(FormatError::Invalid("reserved minutia type 3")),
        }
    }

    fn bits(self) -> u16 {
        match self {
            RecordMinutiaKind::Other => 0,
            RecordMinutiaKind::RidgeEnding => 1,
            RecordMinutiaKind::Bifurcation => 2,
        }
    }
}

/// One minutia as a record stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecordMinutia {
    pub kind: RecordMinutiaKind,
    /// Pixels from the upper-left corner of the image, x to the right, y down (14 bits).
    pub x: u16,
    pub y: u16,
    /// Direction in the record format's units ([`Format::degrees_per_angle_unit`]),
    /// counter-clockwise from the x axis to the right.
    pub angle: u8,
    /// 0-100 (ISO 2005, ANSI: 0 = not reported); ISO 2011 also 254 (not reported) and 255
    /// (failed).
    pub quality: u8,
}

/// An extended data block: its type code and its data (without the 4-byte block header).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExtendedBlock {
    /// 0x0001 ridge counts, 0x0002 cores and deltas, 0x0003 zonal quality (2011),
    /// 0x0100 and up vendor-defined.
    pub type_code: u16,
    pub data: Vec<u8>,
}

/// Highest coordinate a record can hold (14 bits).
pub const MAX_COORDINATE: u16 = 0x3FFF;
/// 500 dpi expressed, as the standards do, in whole pixels per centimetre.
pub const RES_500_DPI: u16 = 197;
/// ISO 2011 minutia quality: not reported.
const QUALITY_NOT_REPORTED_2011: u8 = 254;
/// ISO 2011 minutia quality: the quality algorithm failed.
const QUALITY_FAILED_2011: u8 = 255;
/// Extended block types below this are defined by the standards themselves, with layouts
/// (angle units in particular) that differ between editions.
const FIRST_VENDOR_BLOCK: u16 = 0x0100;
/// Ridge count block: minutia indices and counts only, the same in every edition.
const RIDGE_COUNT_BLOCK: u16 = 0x0001;

/// Which of the three formats `bytes` are, from the header alone (no validation).
///
/// ISO 2005 and ANSI 378-2004 share magic and version (`FMR\0`, ` 20\0`); they differ in
/// the record length field, a u32 in ISO and a u16 (or a zero u16 followed by a u32) in
/// ANSI. The field that equals the input length decides; failing that, a non-zero u16
/// says ANSI (an ISO record that large would need 64 KiB).
pub fn detect(bytes: &[u8]) -> Result<Format, FormatError> {
    const MAGIC: &[u8; 4] = b"FMR\0";
    let prefix = bytes.len().min(MAGIC.len());
    if bytes[..prefix] != MAGIC[..prefix] {
        return Err(FormatError::BadMagic);
    }
    let version: [u8; 4] = bytes.get(4..8).and_then(|v| v.try_into().ok()).ok_or(FormatError::Truncated("version"))?;
    match &version {
        b" 20\0" => {
            let be16 = |at: usize| bytes.get(at..at + 2).map(|b| u64::from(u16::from_be_bytes([b[0], b[1]])));
            let be32 = |at: usize| bytes.get(at..at + 4).map(|b| u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]])));
            let actual = Some(bytes.len() as u64);
            if be32(8) == actual {
                Ok(Format::Iso2005)
            } else if be16(8) == actual || (be16(8) == Some(0) && be32(10) == actual) {
                Ok(Format::Ansi378)
            } else if be16(8).is_some_and(|n| n != 0) {
                Ok(Format::Ansi378)
            } else {
                Ok(Format::Iso2005)
            }
        }
        b"030\0" => Ok(Format::Iso2011),
        _ => Err(FormatError::UnsupportedVersion(version)),
    }
}

/// Read a record in whichever of the three formats it is ([`detect`]).
pub fn read_any(bytes: &[u8]) -> Result<FingerRecord, FormatError> {
    FingerRecord::from_bytes(bytes)
}

impl FingerRecord {
    /// Read a record in whichever of the three formats it is.
    pub fn from_bytes(bytes: &[u8]) -> Result<FingerRecord, FormatError> {
        match detect(bytes)? {
            Format::Iso2005 => iso2005::read(bytes),
            Format::Iso2011 => iso2011::read(bytes),
            Format::Ansi378 => ansi378::read(bytes),
        }
    }

    /// Encode in `format`, converting first ([`FingerRecord::converted`]) if the record is
    /// in another one.
    pub fn to_bytes(&self, format: Format) -> Result<Vec<u8>, FormatError> {
        let converted;
        let record = if self.format == format {
            self
        } else {
            converted = self.converted(format)?;
            &converted
        };
        match format {
            Format::Iso2005 => iso2005::write(record),
            Format::Iso2011 => iso2011::write(record),
            Format::Ansi378 => ansi378::write(record),
        }
    }

    /// The same record in another format: angles re-quantised to the target's unit, fields
    /// the target lacks dropped, fields it needs given their "unknown" values.
    ///
    /// Extended blocks: when the target is a different format, ridge-count and vendor blocks
    /// are kept and the other standard blocks (cores and deltas, zonal quality) are dropped,
    /// because their inner layouts and angle units differ between editions.
    pub fn converted(&self, target: Format) -> Result<FingerRecord, FormatError> {
        if target == self.format {
            return Ok(self.clone());
        }
        let views = self
            .views
            .iter()
            .map(|v| {
                let minutiae = v
                    .minutiae
                    .iter()
                    .map(|m| RecordMinutia {
                        angle: convert_angle(m.angle, self.format, target),
                        quality: convert_minutia_quality(m.quality, target),
                        ..*m
                    })
                    .collect();
                let extended = v
                    .extended
                    .iter()
                    .filter(|b| b.type_code == RIDGE_COUNT_BLOCK || b.type_code >= FIRST_VENDOR_BLOCK)
                    .cloned()
                    .collect();
                let capture = match target {
                    Format::Iso2011 => Some(v.capture.clone().unwrap_or_else(|| CaptureInfo {
                        quality_blocks: quality_blocks_for(v.quality),
                        ..CaptureInfo::default()
                    })),
                    Format::Iso2005 | Format::Ansi378 => None,
                };
                FingerView { minutiae, extended, capture, ..v.clone() }
            })
            .collect();
        let legacy = matches!(self.format, Format::Iso2005 | Format::Ansi378) && matches!(target, Format::Iso2005 | Format::Ansi378);
        Ok(FingerRecord {
            format: target,
            product: if target == Format::Ansi378 { self.product } else { ProductId::default() },
            capture_equipment: if legacy { self.capture_equipment } else { 0 },
            certification_flag: target == Format::Iso2011 && self.certification_flag,
            views,
        })
    }

    /// A one-view record holding `template` (500 dpi, so 197 px/cm), ready to write in
    /// `format`. `finger_position` is the standards' code (0 unknown, 1-10).
    pub fn from_template(template: &Template, finger_position: u8, format: Format) -> FingerRecord {
        let minutiae = template
            .minutiae
            .iter()
            .map(|m| RecordMinutia {
                kind: match m.kind {
                    MinutiaKind::Ending => RecordMinutiaKind::RidgeEnding,
                    MinutiaKind::Bifurcation => RecordMinutiaKind::Bifurcation,
                },
                x: m.x,
                y: m.y,
                angle: angle_from_template(m.angle, format),
                quality: m.quality,
            })
            .collect();
        let capture = (format == Format::Iso2011).then(|| CaptureInfo { quality_blocks: quality_blocks_for(template.quality), ..CaptureInfo::default() });
        FingerRecord {
            format,
            product: ProductId::default(),
            capture_equipment: 0,
            certification_flag: false,
            views: vec![FingerView {
                finger_position,
                view_number: 0,
                impression_type: 0,
                quality: template.quality,
                width: template.width,
                height: template.height,
                x_res: RES_500_DPI,
                y_res: RES_500_DPI,
                minutiae,
                extended: Vec::new(),
                capture,
            }],
        }
    }

    /// Every view as a template ([`FingerView::to_template`]).
    pub fn to_templates(&self) -> Vec<Template> {
        self.views.iter().map(|v| v.to_template(self.format)).collect()
    }

    /// The first view as a template: what the matcher compares when a record holds several.
    pub fn first_template(&self) -> Result<Template, FormatError> {
        self.views.first().map(|v| v.to_template(self.format)).ok_or(FormatError::NoView)
    }
}

impl FingerView {
    /// This view as a Jatigi template at 500 dpi. `format` is the record's format (it fixes
    /// the angle unit).
    ///
    /// Coordinates are rescaled from the view's resolution to 500 dpi (197 px/cm is taken
    /// as 500 dpi exactly, as the standards intend) and points on or past the image edge
    /// are clamped in (some SDKs write them). Angles keep their direction (both the ISO and
    /// ANSI conventions are ours: counter-clockwise, y up, along the ending ridge or valley).
    /// Type "other" becomes a ridge ending. Qualities above 100 (ISO 2011's "not reported"
    /// and "failed") become 0, like the 0 = "not reported" of ISO 2005 and ANSI.
    pub fn to_template(&self, format: Format) -> Template {
        let (sx, sy) = (scale_to_500_dpi(self.x_res), scale_to_500_dpi(self.y_res));
        let scale = |v: u16, s: f64| (f64::from(v) * s).round().clamp(0.0, f64::from(u16::MAX)) as u16;
        let (width, height) = (scale(self.width, sx).max(1), scale(self.height, sy).max(1));
        let minutiae = self
            .minutiae
            .iter()
            .map(|m| Minutia {
                x: scale(m.x, sx).min(width - 1),
                y: scale(m.y, sy).min(height - 1),
                angle: angle_to_template(m.angle, format),
                kind: match m.kind {
                    RecordMinutiaKind::Bifurcation => MinutiaKind::Bifurcation,
                    RecordMinutiaKind::RidgeEnding | RecordMinutiaKind::Other => MinutiaKind::Ending,
                },
                quality: if m.quality > 100 && format == Format::Iso2011 { 0 } else { m.quality.min(100) },
            })
            .collect();
        Template { width, height, quality: self.quality.min(100), minutiae }
    }
}

/// Factor from a resolution in pixels per centimetre to 500 dpi; 0 (invalid, rejected by
/// the readers) maps to 1.
fn scale_to_500_dpi(res: u16) -> f64 {
    if res == RES_500_DPI || res == 0 {
        1.0
    } else {
        500.0 / (f64::from(res) * 2.54)
    }
}

/// Re-quantise an angle from one format's unit to another's, rounding to nearest.
fn convert_angle(angle: u8, from: Format, to: Format) -> u8 {
    let (a, b) = (u32::from(from.angle_units_per_turn()), u32::from(to.angle_units_per_turn()));
    if a == b {
        return angle;
    }
    // round(angle * b / a) modulo b, in integers.
    (((u32::from(angle) * b * 2 + a) / (2 * a)) % b) as u8
}

/// Our template angles are ISO units with the ISO direction: identity for ISO.
fn angle_to_template(angle: u8, format: Format) -> u8 {
    convert_angle(angle, format, Format::Iso2005)
}

fn angle_from_template(angle: u8, format: Format) -> u8 {
    convert_angle(angle, Format::Iso2005, format)
}

/// ISO 2011's "not reported" and "failed" have no 2005/ANSI counterpart but 0.
fn convert_minutia_quality(quality: u8, target: Format) -> u8 {
    match target {
        Format::Iso2011 => quality,
        Format::Iso2005 | Format::Ansi378 => {
            if quality == QUALITY_NOT_REPORTED_2011 || quality == QUALITY_FAILED_2011 {
                0
            } else {
                quality
            }
        }
    }
}

/// The ISO 2011 quality blocks that carry a finger quality: none for 0 ("not reported"),
/// else one block with no registered vendor or algorithm.
fn quality_blocks_for(quality: u8) -> Vec<QualityBlock> {
    if quality == 0 {
        Vec::new()
    } else {
        vec![QualityBlock { score: quality, algorithm_vendor: 0, algorithm: 0 }]
    }
}

/// Extended data blocks of one view: `area` is exactly the bytes the view's extended data
/// length field covers, a sequence of (type u16, data length u16, data).
fn read_extended(area: &[u8]) -> Result<Vec<ExtendedBlock>, FormatError> {
    let mut r = bytes::Reader::new(area);
    let mut blocks = Vec::new();
    while r.remaining() > 0 {
        let type_code = r.u16("extended data block type")?;
        let len = r.u16("extended data block length")?;
        let data = r.take(usize::from(len), "extended data block")?;
        if type_code == 0 {
            return Err(FormatError::Invalid("extended data block type 0 is reserved"));
        }
        blocks.push(ExtendedBlock { type_code, data: data.to_vec() });
    }
    Ok(blocks)
}

/// Write the extended data length field and the blocks.
fn write_extended(w: &mut bytes::Writer, blocks: &[ExtendedBlock], format: Format) -> Result<(), FormatError> {
    let mut total: usize = 0;
    for b in blocks {
        if b.type_code == 0 {
            return Err(FormatError::Unwritable { format, reason: "extended data block type 0 is reserved" });
        }
        if b.data.len() > usize::from(u16::MAX) {
            return Err(FormatError::Unwritable { format, reason: "extended data block longer than 65535 bytes" });
        }
        total += 4 + b.data.len();
    }
    let total = u16::try_from(total).map_err(|_| FormatError::Unwritable { format, reason: "extended data longer than 65535 bytes" })?;
    w.u16(total);
    for b in blocks {
        w.u16(b.type_code);
        w.u16(b.data.len() as u16);
        w.bytes(&b.data);
    }
    Ok(())
}

/// Checks shared by every writer on one minutia.
fn check_minutia(m: &RecordMinutia, format: Format) -> Result<(), FormatError> {
    let unwritable = |reason| Err(FormatError::Unwritable { format, reason });
    if m.x > MAX_COORDINATE || m.y > MAX_COORDINATE {
        return unwritable("minutia coordinate above 16383 (14 bits)");
    }
    if u16::from(m.angle) >= format.angle_units_per_turn() {
        return unwritable("minutia angle out of range (ANSI: 0-179)");
    }
    let quality_ok = match format {
        Format::Iso2005 | Format::Ansi378 => m.quality <= 100,
        Format::Iso2011 => m.quality <= 100 || m.quality >= QUALITY_NOT_REPORTED_2011,
    };
    if !quality_ok {
        return unwritable("minutia quality out of range");
    }
    Ok(())
}

/// One 2005/ANSI-style minutia: 2 type bits + 14 bits x, 2 reserved bits + 14 bits y,
/// angle, quality.
fn read_minutia_6(r: &mut bytes::Reader<'_>) -> Result<RecordMinutia, FormatError> {
    let tx = r.u16("minutia x")?;
    let ry = r.u16("minutia y")?;
    let angle = r.u8("minutia angle")?;
    let quality = r.u8("minutia quality")?;
    Ok(RecordMinutia {
        kind: RecordMinutiaKind::from_bits(tx >> 14)?,
        x: tx & MAX_COORDINATE,
        // The two high bits of y are reserved: ignored on reading, written as zero.
        y: ry & MAX_COORDINATE,
        angle,
        quality,
    })
}

fn write_minutia_head(w: &mut bytes::Writer, m: &RecordMinutia) {
    w.u16((m.kind.bits() << 14) | m.x);
    w.u16(m.y);
    w.u8(m.angle);
}

#[cfg(test)]
mod tests;
