//! The Jatigi template: minutiae of one finger view, and its versioned binary format
//! (see docs/formats/template.md).

use thiserror::Error;

/// Kind of a minutia.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MinutiaKind {
    /// A ridge ends.
    Ending,
    /// A ridge splits in two.
    Bifurcation,
}

/// One minutia at 500 dpi.
///
/// Coordinates are pixels from the top-left corner, x to the right, y down. `angle` is the
/// direction in units of 2π/256 (1.40625°), measured counter-clockwise from the +x axis as a
/// viewer sees the image (so y up), pointing along the ridge (ending) or valley (bifurcation)
/// that ends at the minutia, away from the minutia.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Minutia {
    pub x: u16,
    pub y: u16,
    pub angle: u8,
    pub kind: MinutiaKind,
    /// Reliability 0-100.
    pub quality: u8,
}

impl Minutia {
    /// Direction in radians, counter-clockwise with y up, in [0, 2π).
    pub fn radians(&self) -> f32 {
        self.angle as f32 * (std::f32::consts::TAU / 256.0)
    }

    /// Quantise a direction in radians (counter-clockwise, y up) to template units.
    pub fn angle_from_radians(theta: f32) -> u8 {
        let turns = theta / std::f32::consts::TAU;
        let units = (turns - turns.floor()) * 256.0;
        (units.round() as u32 % 256) as u8
    }
}

/// Minutiae of one finger view, with the image size and a quality score 0-100.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Template {
    /// Image width at 500 dpi.
    pub width: u16,
    /// Image height at 500 dpi.
    pub height: u16,
    /// Image quality 0-100 (NFIQ 2 spirit: higher is better).
    pub quality: u8,
    pub minutiae: Vec<Minutia>,
}

/// Why template bytes were rejected.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum TemplateError {
    #[error("not a Jatigi template (bad magic)")]
    BadMagic,
    #[error("unsupported template version {0}")]
    UnsupportedVersion(u8),
    #[error("template truncated: {needed} bytes needed, {actual} present")]
    Truncated { needed: usize, actual: usize },
    #[error("template has {0} trailing bytes")]
    TrailingBytes(usize),
    #[error("template checksum mismatch")]
    BadChecksum,
    #[error("invalid field in template: {0}")]
    Invalid(&'static str),
    #[error("too many minutiae: {0} (at most 255)")]
    TooManyMinutiae(usize),
}

/// The first four bytes of every Jatigi template.
pub const MAGIC: [u8; 4] = *b"JTGT";
/// The format version this code writes (and the only one it reads).
pub const FORMAT_VERSION: u8 = 1;
/// Bytes before the first minutia: magic, version, width, height, quality, count.
const HEADER_LEN: usize = 11;
/// Bytes per minutia.
const MINUTIA_LEN: usize = 6;
/// Bytes of the trailing CRC-32.
const CRC_LEN: usize = 4;
/// Highest quality value (template and minutia).
const MAX_QUALITY: u8 = 100;
/// Bit 7 of a minutia's kind/quality byte: set for a bifurcation.
const BIFURCATION_BIT: u8 = 0x80;

impl Template {
    /// Size in bytes of an encoded template holding `minutiae` minutiae.
    pub fn encoded_len(minutiae: usize) -> usize {
        HEADER_LEN + MINUTIA_LEN * minutiae + CRC_LEN
    }

    /// Encode in the v1 binary format (docs/formats/template.md).
    ///
    /// Fails if the template could not be decoded again: more than 255 minutiae, a quality
    /// above 100, or a minutia outside the image.
    pub fn to_bytes(&self) -> Result<Vec<u8>, TemplateError> {
        let count = u8::try_from(self.minutiae.len())
            .map_err(|_| TemplateError::TooManyMinutiae(self.minutiae.len()))?;
        self.validate()?;
        let mut out = Vec::with_capacity(Template::encoded_len(self.minutiae.len()));
        out.extend_from_slice(&MAGIC);
        out.push(FORMAT_VERSION);
        out.extend_from_slice(&self.width.to_le_bytes());
        out.extend_from_slice(&self.height.to_le_bytes());
        out.push(self.quality);
        out.push(count);
        for m in &self.minutiae {
            out.extend_from_slice(&m.x.to_le_bytes());
            out.extend_from_slice(&m.y.to_le_bytes());
            out.push(m.angle);
            let kind = match m.kind {
                MinutiaKind::Ending => 0,
                MinutiaKind::Bifurcation => BIFURCATION_BIT,
            };
            out.push(kind | m.quality);
        }
        let crc = crc32(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        Ok(out)
    }

    /// Decode the v1 binary format, checking structure, checksum and every field.
    pub fn from_bytes(bytes: &[u8]) -> Result<Template, TemplateError> {
        // Magic: a short input that could still become a template is truncated, not foreign.
        let magic_len = bytes.len().min(MAGIC.len());
        if bytes[..magic_len] != MAGIC[..magic_len] {
            return Err(TemplateError::BadMagic);
        }
        let header = bytes.get(..HEADER_LEN).ok_or(TemplateError::Truncated {
            needed: HEADER_LEN,
            actual: bytes.len(),
        });
        // Report an unknown version even when the rest of the header is missing.
        if let Some(&version) = bytes.get(MAGIC.len()) {
            if version != FORMAT_VERSION {
                return Err(TemplateError::UnsupportedVersion(version));
            }
        }
        let header = header?;
        let width = u16::from_le_bytes([header[5], header[6]]);
        let height = u16::from_le_bytes([header[7], header[8]]);
        let quality = header[9];
        let count = usize::from(header[10]);

        let needed = Template::encoded_len(count);
        if bytes.len() < needed {
            return Err(TemplateError::Truncated {
                needed,
                actual: bytes.len(),
            });
        }
        if bytes.len() > needed {
            return Err(TemplateError::TrailingBytes(bytes.len() - needed));
        }
        let (body, stored) = bytes.split_at(needed - CRC_LEN);
        let stored = u32::from_le_bytes([stored[0], stored[1], stored[2], stored[3]]);
        if crc32(body) != stored {
            return Err(TemplateError::BadChecksum);
        }

        let minutiae = body[HEADER_LEN..]
            .chunks_exact(MINUTIA_LEN)
            .map(|c| Minutia {
                x: u16::from_le_bytes([c[0], c[1]]),
                y: u16::from_le_bytes([c[2], c[3]]),
                angle: c[4],
                kind: if c[5] & BIFURCATION_BIT != 0 {
                    MinutiaKind::Bifurcation
                } else {
                    MinutiaKind::Ending
                },
                quality: c[5] & !BIFURCATION_BIT,
            })
            .collect();
        let template = Template {
            width,
            height,
            quality,
            minutiae,
        };
        template.validate()?;
        Ok(template)
    }

    /// Whether `bytes` start like a Jatigi template (magic only; use
    /// [`from_bytes`](Template::from_bytes) to validate).
    pub fn is_template(bytes: &[u8]) -> bool {
        bytes.starts_with(&MAGIC)
    }

    /// Field rules shared by encoding and decoding.
    fn validate(&self) -> Result<(), TemplateError> {
        if self.quality > MAX_QUALITY {
            return Err(TemplateError::Invalid("template quality above 100"));
        }
        for m in &self.minutiae {
            if m.quality > MAX_QUALITY {
                return Err(TemplateError::Invalid("minutia quality above 100"));
            }
            if m.x >= self.width {
                return Err(TemplateError::Invalid("minutia x outside the image"));
            }
            if m.y >= self.height {
                return Err(TemplateError::Invalid("minutia y outside the image"));
            }
        }
        Ok(())
    }
}

/// CRC-32 lookup table for the reflected IEEE 802.3 polynomial 0xEDB88320.
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// CRC-32 (IEEE 802.3, as in zlib, PNG and Ethernet): reflected, initial value and final
/// XOR 0xFFFFFFFF. `crc32(b"123456789") == 0xCBF43926`.
pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    !bytes.iter().fold(!0u32, |c, &b| {
        CRC_TABLE[usize::from((c as u8) ^ b)] ^ (c >> 8)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn minutia(x: u16, y: u16, angle: u8, kind: MinutiaKind, quality: u8) -> Minutia {
        Minutia {
            x,
            y,
            angle,
            kind,
            quality,
        }
    }

    fn sample() -> Template {
        Template {
            width: 300,
            height: 400,
            quality: 73,
            minutiae: vec![
                minutia(12, 250, 0, MinutiaKind::Ending, 80),
                minutia(299, 399, 255, MinutiaKind::Bifurcation, 100),
                minutia(0, 0, 64, MinutiaKind::Bifurcation, 0),
            ],
        }
    }

    fn reseal(bytes: &mut [u8]) {
        let n = bytes.len() - CRC_LEN;
        let crc = crc32(&bytes[..n]);
        bytes[n..].copy_from_slice(&crc.to_le_bytes());
    }

    #[test]
    fn crc32_check_value() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(
            crc32(b"The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
    }

    #[test]
    fn layout_is_as_documented() {
        let bytes = sample().to_bytes().unwrap();
        assert_eq!(bytes.len(), 11 + 3 * 6 + 4);
        assert_eq!(&bytes[0..4], b"JTGT");
        assert_eq!(bytes[4], 1);
        assert_eq!(&bytes[5..7], &300u16.to_le_bytes());
        assert_eq!(&bytes[7..9], &400u16.to_le_bytes());
        assert_eq!(bytes[9], 73);
        assert_eq!(bytes[10], 3);
        assert_eq!(&bytes[11..17], &[12, 0, 250, 0, 0, 80]);
        assert_eq!(&bytes[17..23], &[43, 1, 143, 1, 255, 0x80 | 100]);
        assert_eq!(&bytes[23..29], &[0, 0, 0, 0, 64, 0x80]);
        assert_eq!(&bytes[29..], &crc32(&bytes[..29]).to_le_bytes());
        assert_eq!(Template::from_bytes(&bytes), Ok(sample()));
        assert!(Template::is_template(&bytes));
    }

    #[test]
    fn sixty_minutiae_fit_in_under_a_kilobyte() {
        let t = Template {
            width: 500,
            height: 500,
            quality: 50,
            minutiae: (0..60)
                .map(|i| minutia(i * 8, i * 7, (i * 4) as u8, MinutiaKind::Ending, 60))
                .collect(),
        };
        let bytes = t.to_bytes().unwrap();
        assert_eq!(bytes.len(), 375);
        assert_eq!(bytes.len(), Template::encoded_len(60));
        assert!(bytes.len() < 1024);
    }

    #[test]
    fn empty_template_round_trips() {
        let t = Template {
            width: 0,
            height: 0,
            quality: 0,
            minutiae: vec![],
        };
        let bytes = t.to_bytes().unwrap();
        assert_eq!(bytes.len(), 15);
        assert_eq!(Template::from_bytes(&bytes), Ok(t));
    }

    #[test]
    fn is_template_checks_magic_only() {
        assert!(Template::is_template(b"JTGT"));
        assert!(Template::is_template(b"JTGT\x09garbage"));
        assert!(!Template::is_template(b"JTG"));
        assert!(!Template::is_template(b"FMR\0"));
        assert!(!Template::is_template(b""));
    }

    #[test]
    fn bad_magic() {
        let mut bytes = sample().to_bytes().unwrap();
        bytes[0] = b'X';
        assert_eq!(Template::from_bytes(&bytes), Err(TemplateError::BadMagic));
        assert_eq!(
            Template::from_bytes(b"FMR\0 20\0"),
            Err(TemplateError::BadMagic)
        );
        assert_eq!(Template::from_bytes(b"X"), Err(TemplateError::BadMagic));
    }

    #[test]
    fn unsupported_version() {
        let mut bytes = sample().to_bytes().unwrap();
        bytes[4] = 2;
        reseal(&mut bytes);
        assert_eq!(
            Template::from_bytes(&bytes),
            Err(TemplateError::UnsupportedVersion(2))
        );
        assert_eq!(
            Template::from_bytes(b"JTGT\0"),
            Err(TemplateError::UnsupportedVersion(0))
        );
    }

    #[test]
    fn truncated() {
        let bytes = sample().to_bytes().unwrap();
        assert_eq!(
            Template::from_bytes(&[]),
            Err(TemplateError::Truncated {
                needed: 11,
                actual: 0
            })
        );
        assert_eq!(
            Template::from_bytes(b"JT"),
            Err(TemplateError::Truncated {
                needed: 11,
                actual: 2
            })
        );
        assert_eq!(
            Template::from_bytes(&bytes[..10]),
            Err(TemplateError::Truncated {
                needed: 11,
                actual: 10
            })
        );
        for cut in 11..bytes.len() {
            assert_eq!(
                Template::from_bytes(&bytes[..cut]),
                Err(TemplateError::Truncated {
                    needed: bytes.len(),
                    actual: cut
                })
            );
        }
    }

    #[test]
    fn trailing_bytes() {
        let mut bytes = sample().to_bytes().unwrap();
        bytes.extend_from_slice(&[0, 0]);
        assert_eq!(
            Template::from_bytes(&bytes),
            Err(TemplateError::TrailingBytes(2))
        );
    }

    #[test]
    fn bad_checksum() {
        let mut bytes = sample().to_bytes().unwrap();
        bytes[13] ^= 0x01; // y of the first minutia
        assert_eq!(
            Template::from_bytes(&bytes),
            Err(TemplateError::BadChecksum)
        );
        let mut bytes = sample().to_bytes().unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x80;
        assert_eq!(
            Template::from_bytes(&bytes),
            Err(TemplateError::BadChecksum)
        );
    }

    #[test]
    fn invalid_fields_are_rejected_when_decoding() {
        let cases: [(usize, u8, &str); 4] = [
            (9, 101, "template quality above 100"),
            (16, 101, "minutia quality above 100"),
            (11, 0x2C, "minutia x outside the image"), // x = 300 = width
            (13, 0x90, "minutia y outside the image"), // y = 400 = height
        ];
        for (offset, value, why) in cases {
            let mut bytes = sample().to_bytes().unwrap();
            bytes[offset] = value;
            if offset == 11 {
                bytes[12] = 1;
            }
            if offset == 13 {
                bytes[14] = 1;
            }
            reseal(&mut bytes);
            assert_eq!(
                Template::from_bytes(&bytes),
                Err(TemplateError::Invalid(why)),
                "{why}"
            );
        }
    }

    #[test]
    fn invalid_fields_are_rejected_when_encoding() {
        let mut t = sample();
        t.quality = 101;
        assert_eq!(
            t.to_bytes(),
            Err(TemplateError::Invalid("template quality above 100"))
        );
        let mut t = sample();
        t.minutiae[0].quality = 128;
        assert_eq!(
            t.to_bytes(),
            Err(TemplateError::Invalid("minutia quality above 100"))
        );
        let mut t = sample();
        t.minutiae[1].x = 300;
        assert_eq!(
            t.to_bytes(),
            Err(TemplateError::Invalid("minutia x outside the image"))
        );
        let mut t = sample();
        t.minutiae[1].y = 400;
        assert_eq!(
            t.to_bytes(),
            Err(TemplateError::Invalid("minutia y outside the image"))
        );
    }

    #[test]
    fn too_many_minutiae() {
        let mut t = sample();
        t.minutiae = vec![minutia(1, 1, 0, MinutiaKind::Ending, 50); 256];
        assert_eq!(t.to_bytes(), Err(TemplateError::TooManyMinutiae(256)));
        t.minutiae.pop();
        let bytes = t.to_bytes().unwrap();
        assert_eq!(Template::from_bytes(&bytes), Ok(t));
    }

    fn arb_kind() -> impl Strategy<Value = MinutiaKind> {
        prop_oneof![Just(MinutiaKind::Ending), Just(MinutiaKind::Bifurcation)]
    }

    prop_compose! {
        fn arb_template()(width in 1u16..=u16::MAX, height in 1u16..=u16::MAX)
            (minutiae in proptest::collection::vec(
                (0..width, 0..height, any::<u8>(), arb_kind(), 0u8..=100)
                    .prop_map(|(x, y, angle, kind, quality)| Minutia { x, y, angle, kind, quality }),
                0..=255),
             quality in 0u8..=100, width in Just(width), height in Just(height))
            -> Template
        {
            Template { width, height, quality, minutiae }
        }
    }

    proptest! {
        #[test]
        fn round_trip_is_exact(t in arb_template()) {
            let bytes = t.to_bytes().unwrap();
            prop_assert_eq!(bytes.len(), Template::encoded_len(t.minutiae.len()));
            prop_assert!(Template::is_template(&bytes));
            prop_assert_eq!(Template::from_bytes(&bytes), Ok(t.clone()));
            // Re-encoding the decoded template gives the same bytes.
            prop_assert_eq!(Template::from_bytes(&bytes).unwrap().to_bytes(), Ok(bytes));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
            let _ = Template::from_bytes(&bytes);
        }

        #[test]
        fn arbitrary_bytes_after_magic_never_panic(
            version in prop_oneof![Just(1u8), any::<u8>()],
            rest in proptest::collection::vec(any::<u8>(), 0..1600),
        ) {
            let mut bytes = MAGIC.to_vec();
            bytes.push(version);
            bytes.extend_from_slice(&rest);
            if let Ok(t) = Template::from_bytes(&bytes) {
                prop_assert_eq!(t.to_bytes(), Ok(bytes));
            }
        }

        #[test]
        fn any_single_bit_flip_is_rejected(t in arb_template(), bit in any::<usize>()) {
            let mut bytes = t.to_bytes().unwrap();
            let bit = bit % (bytes.len() * 8);
            bytes[bit / 8] ^= 1 << (bit % 8);
            prop_assert!(Template::from_bytes(&bytes).is_err());
        }
    }
}
