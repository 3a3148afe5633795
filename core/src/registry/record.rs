//! The person record: the versioned byte encoding of a [`Person`]'s personal data, which the
//! store seals as one value (docs/formats/schema.md, "Person record").
//!
//! Length-prefixed and strict: one encoding per person, every tag and code checked, no
//! trailing bytes. There is no checksum: the record only exists sealed with AES-256-GCM,
//! whose tag already rejects any altered byte.

use thiserror::Error;

use super::model::{
    Birth, Consent, ConsentDecision, ConsentMethod, Date, DocumentKind, GeoPoint, IdentityDocument,
    OperatorId, Person, Phone, Sex, Timestamp, Vulnerabilities,
};

/// The first four bytes of every person record.
pub const PERSON_MAGIC: [u8; 4] = *b"JTGP";
/// The person record version this code writes (and the only one it reads).
pub const PERSON_VERSION: u8 = 1;

/// Why a person record could not be encoded or decoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RecordError {
    #[error("not a Jatigi record of this kind (bad magic)")]
    BadMagic,
    #[error("unsupported record version {0}")]
    UnsupportedVersion(u8),
    #[error("record truncated while reading {field}")]
    Truncated { field: &'static str },
    #[error("record has {0} trailing bytes")]
    TrailingBytes(usize),
    #[error("{field} in the record is not valid UTF-8")]
    InvalidUtf8 { field: &'static str },
    #[error("invalid {field} in the record: {value}")]
    InvalidValue { field: &'static str, value: i64 },
    #[error("invalid {field} in the record")]
    InvalidField { field: &'static str },
    #[error("{field} is too long for the record ({len} bytes, at most 65535)")]
    FieldTooLong { field: &'static str, len: usize },
}

/// Appends little-endian fields and u16-length-prefixed strings.
struct Writer {
    out: Vec<u8>,
}

impl Writer {
    fn u8(&mut self, v: u8) {
        self.out.push(v);
    }
    fn u16(&mut self, v: u16) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }
    fn str(&mut self, field: &'static str, s: &str) -> Result<(), RecordError> {
        let len = u16::try_from(s.len()).map_err(|_| RecordError::FieldTooLong {
            field,
            len: s.len(),
        })?;
        self.u16(len);
        self.out.extend_from_slice(s.as_bytes());
        Ok(())
    }
    fn date(&mut self, d: Date) {
        // Years are 1-9999, so they fit u16.
        self.u16(d.year() as u16);
        self.u8(d.month());
        self.u8(d.day());
    }
}

/// Reads what [`Writer`] wrote, never past the end, never panicking.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], RecordError> {
        if self.rest.len() < n {
            return Err(RecordError::Truncated { field });
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }
    fn u8(&mut self, field: &'static str) -> Result<u8, RecordError> {
        Ok(self.take(1, field)?[0])
    }
    fn u16(&mut self, field: &'static str) -> Result<u16, RecordError> {
        let b = self.take(2, field)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn i64(&mut self, field: &'static str) -> Result<i64, RecordError> {
        let b = self.take(8, field)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(i64::from_le_bytes(a))
    }
    fn str(&mut self, field: &'static str) -> Result<String, RecordError> {
        let len = self.u16(field)?;
        let bytes = self.take(usize::from(len), field)?;
        std::str::from_utf8(bytes)
            .map(str::to_string)
            .map_err(|_| RecordError::InvalidUtf8 { field })
    }
    fn date(&mut self, field: &'static str) -> Result<Date, RecordError> {
        let year = self.u16(field)?;
        let month = self.u8(field)?;
        let day = self.u8(field)?;
        Date::new(i32::from(year), month, day).map_err(|_| RecordError::InvalidField { field })
    }
    /// A presence tag: 0 absent, 1 present.
    fn present(&mut self, field: &'static str) -> Result<bool, RecordError> {
        match self.u8(field)? {
            0 => Ok(false),
            1 => Ok(true),
            v => Err(RecordError::InvalidValue {
                field,
                value: i64::from(v),
            }),
        }
    }
}

fn invalid(field: &'static str, value: u8) -> RecordError {
    RecordError::InvalidValue {
        field,
        value: i64::from(value),
    }
}

/// The sealed part of a household row: what locates or describes it beyond the clear
/// columns (GPS point, origin below region, the text of an "other" displacement reason).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdSecrets {
    pub gps: Option<GeoPoint>,
    pub origin_cercle: String,
    pub origin_commune: String,
    pub origin_village: String,
    pub other_reason: String,
}

/// Magic and version of the household secrets record.
pub const HOUSEHOLD_MAGIC: [u8; 4] = *b"JTGH";
pub const HOUSEHOLD_VERSION: u8 = 1;

impl HouseholdSecrets {
    /// Encodes the record (magic, version, then length-prefixed fields).
    pub fn to_bytes(&self) -> Result<Vec<u8>, RecordError> {
        let mut w = Writer { out: Vec::with_capacity(64) };
        w.out.extend_from_slice(&HOUSEHOLD_MAGIC);
        w.u8(HOUSEHOLD_VERSION);
        match self.gps {
            Some(p) => {
                w.u8(1);
                w.out.extend_from_slice(&p.lat_e6().to_le_bytes());
                w.out.extend_from_slice(&p.lon_e6().to_le_bytes());
            }
            None => w.u8(0),
        }
        w.str("origin_cercle", &self.origin_cercle)?;
        w.str("origin_commune", &self.origin_commune)?;
        w.str("origin_village", &self.origin_village)?;
        w.str("other_reason", &self.other_reason)?;
        Ok(w.out)
    }

    /// Decodes a record; every malformed input is a typed error.
    pub fn from_bytes(bytes: &[u8]) -> Result<HouseholdSecrets, RecordError> {
        let mut r = Reader { rest: bytes };
        if r.take(4, "magic")? != HOUSEHOLD_MAGIC {
            return Err(RecordError::BadMagic);
        }
        let version = r.u8("version")?;
        if version != HOUSEHOLD_VERSION {
            return Err(RecordError::UnsupportedVersion(version));
        }
        let gps = if r.present("gps")? {
            let lat = i32::from_le_bytes(r.take(4, "gps")?.try_into().map_err(|_| RecordError::InvalidField { field: "gps" })?);
            let lon = i32::from_le_bytes(r.take(4, "gps")?.try_into().map_err(|_| RecordError::InvalidField { field: "gps" })?);
            Some(GeoPoint::from_micro_degrees(lat, lon).map_err(|_| RecordError::InvalidField { field: "gps" })?)
        } else {
            None
        };
        let secrets = HouseholdSecrets {
            gps,
            origin_cercle: r.str("origin_cercle")?,
            origin_commune: r.str("origin_commune")?,
            origin_village: r.str("origin_village")?,
            other_reason: r.str("other_reason")?,
        };
        if !r.rest.is_empty() {
            return Err(RecordError::TrailingBytes(r.rest.len()));
        }
        Ok(secrets)
    }
}

impl Person {
    /// Encodes the person record (format in docs/formats/schema.md). Fails only if a text
    /// field exceeds 65,535 bytes, which a validated person never does.
    pub fn to_bytes(&self) -> Result<Vec<u8>, RecordError> {
        let mut w = Writer {
            out: Vec::with_capacity(96),
        };
        w.out.extend_from_slice(&PERSON_MAGIC);
        w.u8(PERSON_VERSION);
        w.str("given names", &self.given_names)?;
        w.str("family name", &self.family_name)?;
        w.str("other names", &self.other_names)?;
        w.u8(self.sex.iso5218());
        match self.birth {
            Birth::Date(d) => {
                w.u8(1);
                w.date(d);
            }
            Birth::Estimated { years, as_of } => {
                w.u8(2);
                w.u8(years);
                w.date(as_of);
            }
        }
        match &self.phone {
            None => w.u8(0),
            Some(p) => {
                w.u8(1);
                w.str("phone", p.as_str())?;
            }
        }
        match &self.document {
            None => w.u8(0),
            Some(doc) => {
                w.u8(1);
                w.u8(doc.kind.code());
                if let DocumentKind::Other(name) = &doc.kind {
                    w.str("document kind", name)?;
                }
                w.str("document number", &doc.number)?;
            }
        }
        w.u16(self.vulnerabilities.bits());
        w.u8(match self.consent.decision {
            ConsentDecision::Given => 1,
            ConsentDecision::Refused => 2,
        });
        w.i64(self.consent.at.0);
        w.str("consent operator", self.consent.operator.as_str())?;
        w.u8(match self.consent.method {
            ConsentMethod::Verbal => 1,
            ConsentMethod::Signed => 2,
            ConsentMethod::Thumbprint => 3,
        });
        Ok(w.out)
    }

    /// Decodes a person record. Checks the format and that every value is representable
    /// (calendar dates, E.164 phone in canonical form, known codes and bits); the business
    /// rules are [`Person::validate`]'s.
    pub fn from_bytes(bytes: &[u8]) -> Result<Person, RecordError> {
        let mut r = Reader { rest: bytes };
        if r.take(4, "magic")? != PERSON_MAGIC {
            return Err(RecordError::BadMagic);
        }
        let version = r.u8("version")?;
        if version != PERSON_VERSION {
            return Err(RecordError::UnsupportedVersion(version));
        }
        let given_names = r.str("given names")?;
        let family_name = r.str("family name")?;
        let other_names = r.str("other names")?;
        let sex_code = r.u8("sex")?;
        let sex = Sex::from_iso5218(sex_code).ok_or(invalid("sex", sex_code))?;
        let birth = match r.u8("birth")? {
            1 => Birth::Date(r.date("date of birth")?),
            2 => {
                let years = r.u8("estimated age")?;
                Birth::Estimated {
                    years,
                    as_of: r.date("estimate date")?,
                }
            }
            v => return Err(invalid("birth", v)),
        };
        let phone = if r.present("phone")? {
            let text = r.str("phone")?;
            // Only the canonical E.164 form is accepted: one encoding per person.
            let phone =
                Phone::parse(&text).map_err(|_| RecordError::InvalidField { field: "phone" })?;
            if phone.as_str() != text {
                return Err(RecordError::InvalidField { field: "phone" });
            }
            Some(phone)
        } else {
            None
        };
        let document = if r.present("document")? {
            let code = r.u8("document kind")?;
            let kind = if code == 255 {
                DocumentKind::Other(r.str("document kind")?)
            } else {
                DocumentKind::from_code(code).ok_or(invalid("document kind", code))?
            };
            let number = r.str("document number")?;
            Some(IdentityDocument { kind, number })
        } else {
            None
        };
        let bits = r.u16("vulnerabilities")?;
        let vulnerabilities =
            Vulnerabilities::from_bits(bits).ok_or(RecordError::InvalidValue {
                field: "vulnerabilities",
                value: i64::from(bits),
            })?;
        let decision = match r.u8("consent decision")? {
            1 => ConsentDecision::Given,
            2 => ConsentDecision::Refused,
            v => return Err(invalid("consent decision", v)),
        };
        let at = Timestamp(r.i64("consent time")?);
        let operator_text = r.str("consent operator")?;
        let operator = OperatorId::new(&operator_text).map_err(|_| RecordError::InvalidField {
            field: "consent operator",
        })?;
        let method = match r.u8("consent method")? {
            1 => ConsentMethod::Verbal,
            2 => ConsentMethod::Signed,
            3 => ConsentMethod::Thumbprint,
            v => return Err(invalid("consent method", v)),
        };
        if !r.rest.is_empty() {
            return Err(RecordError::TrailingBytes(r.rest.len()));
        }
        Ok(Person {
            given_names,
            family_name,
            other_names,
            sex,
            birth,
            phone,
            document,
            vulnerabilities,
            consent: Consent {
                decision,
                at,
                operator,
                method,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::model::tests::sample_person;
    use crate::registry::model::Vulnerability;
    use proptest::prelude::*;

    #[test]
    fn sample_round_trips_and_has_the_documented_layout() {
        let p = sample_person();
        let bytes = p.to_bytes().unwrap();
        assert_eq!(&bytes[..5], b"JTGP\x01");
        // given names: u16 length 9, "Fatoumata".
        assert_eq!(&bytes[5..7], &[9, 0]);
        assert_eq!(&bytes[7..16], b"Fatoumata");
        assert_eq!(Person::from_bytes(&bytes), Ok(p));
    }

    #[test]
    fn minimal_record_vector() {
        // The vector in docs/formats/schema.md.
        let p = Person {
            given_names: "Aïcha".into(),
            family_name: String::new(),
            other_names: String::new(),
            sex: Sex::Female,
            birth: Birth::Estimated {
                years: 7,
                as_of: Date::new(2025, 3, 1).unwrap(),
            },
            phone: None,
            document: None,
            vulnerabilities: [Vulnerability::SeparatedChild].into_iter().collect(),
            consent: Consent {
                decision: ConsentDecision::Given,
                at: Timestamp(1_740_830_400),
                operator: OperatorId::new("OP-7").unwrap(),
                method: ConsentMethod::Verbal,
            },
        };
        let bytes = p.to_bytes().unwrap();
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let expected = [
            "4a54475001", // magic JTGP, version 1
            "0600",
            "41c3af636861", // given names: 6 bytes, "Aïcha"
            "0000",         // family name: empty
            "0000",         // other names: empty
            "02",           // sex: female (ISO/IEC 5218)
            "02",
            "07",
            "e9070301",         // birth: estimated, 7 years, as of 2025-03-01
            "00",               // phone: absent
            "00",               // document: absent
            "0001",             // vulnerabilities: bit 8, separated child
            "01",               // consent: given
            "c0f6c26700000000", // at 1740830400 = 2025-03-01T12:00:00Z
            "0400",
            "4f502d37", // operator "OP-7"
            "01",       // method: verbal
        ]
        .concat();
        assert_eq!(hex, expected);
        assert_eq!(Person::from_bytes(&bytes), Ok(p));
    }

    #[test]
    fn decode_errors_are_typed() {
        let good = sample_person().to_bytes().unwrap();
        assert_eq!(
            Person::from_bytes(b""),
            Err(RecordError::Truncated { field: "magic" })
        );
        assert_eq!(Person::from_bytes(b"JTGT\x01"), Err(RecordError::BadMagic));
        let mut v2 = good.clone();
        v2[4] = 2;
        assert_eq!(
            Person::from_bytes(&v2),
            Err(RecordError::UnsupportedVersion(2))
        );
        let mut trailing = good.clone();
        trailing.push(0);
        assert_eq!(
            Person::from_bytes(&trailing),
            Err(RecordError::TrailingBytes(1))
        );
        for cut in 0..good.len() {
            assert!(
                matches!(
                    Person::from_bytes(&good[..cut]),
                    Err(RecordError::Truncated { .. }) | Err(RecordError::BadMagic)
                ),
                "cut at {cut}"
            );
        }
        // Invalid UTF-8 in the given names.
        let mut bad_utf8 = good.clone();
        bad_utf8[7] = 0xFF;
        assert_eq!(
            Person::from_bytes(&bad_utf8),
            Err(RecordError::InvalidUtf8 {
                field: "given names"
            })
        );
        let long = Person {
            other_names: "x".repeat(70_000),
            ..sample_person()
        };
        assert_eq!(
            long.to_bytes(),
            Err(RecordError::FieldTooLong {
                field: "other names",
                len: 70_000
            })
        );
    }

    fn arb_date() -> impl Strategy<Value = Date> {
        (1u16..=9999, 1u8..=12, 1u8..=28).prop_map(|(y, m, d)| {
            Date::new(i32::from(y), m, d).unwrap_or(Date::new(2000, 1, 1).unwrap())
        })
    }

    fn arb_phone() -> impl Strategy<Value = Option<Phone>> {
        prop_oneof![
            Just(None),
            (2u32..=9, 0u32..10_000_000)
                .prop_map(|(first, rest)| Phone::parse(&format!("{first}{rest:07}")).ok()),
            (1u32..=999, 10_000u64..=999_999_999)
                .prop_map(|(cc, n)| Phone::parse(&format!("+{cc}{n}")).ok()),
        ]
    }

    fn arb_person() -> impl Strategy<Value = Person> {
        let names = ("\\PC{0,30}", "\\PC{0,30}", "\\PC{0,10}");
        let birth = prop_oneof![
            arb_date().prop_map(Birth::Date),
            (any::<u8>(), arb_date()).prop_map(|(years, as_of)| Birth::Estimated { years, as_of }),
        ];
        let document = prop_oneof![
            Just(None),
            (1u8..=7, "[A-Z0-9 ]{0,20}").prop_map(|(code, number)| Some(IdentityDocument {
                kind: DocumentKind::from_code(code).unwrap_or(DocumentKind::Passport),
                number,
            })),
            ("\\PC{0,20}", "\\PC{0,20}").prop_map(|(kind, number)| Some(IdentityDocument {
                kind: DocumentKind::Other(kind),
                number,
            })),
        ];
        let consent = (any::<bool>(), any::<i64>(), "[A-Za-z0-9._-]{1,32}", 0u8..3).prop_map(
            |(given, at, op, method)| Consent {
                decision: if given {
                    ConsentDecision::Given
                } else {
                    ConsentDecision::Refused
                },
                at: Timestamp(at),
                operator: OperatorId::new(&op).unwrap_or(OperatorId::new("OP").unwrap()),
                method: [
                    ConsentMethod::Verbal,
                    ConsentMethod::Signed,
                    ConsentMethod::Thumbprint,
                ][usize::from(method)],
            },
        );
        (
            names,
            any::<bool>(),
            birth,
            arb_phone(),
            document,
            0u16..(1 << 11),
            consent,
        )
            .prop_map(
                |((given, family, other), female, birth, phone, document, bits, consent)| Person {
                    given_names: given,
                    family_name: family,
                    other_names: other,
                    sex: if female { Sex::Female } else { Sex::Male },
                    birth,
                    phone,
                    document,
                    vulnerabilities: Vulnerabilities::from_bits(bits).unwrap_or_default(),
                    consent,
                },
            )
    }

    proptest! {
        #[test]
        fn prop_person_record_round_trips(p in arb_person()) {
            let bytes = p.to_bytes().unwrap();
            prop_assert_eq!(Person::from_bytes(&bytes), Ok(p));
        }

        #[test]
        fn prop_arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = Person::from_bytes(&bytes);
            let mut with_header = b"JTGP\x01".to_vec();
            with_header.extend_from_slice(&bytes);
            let _ = Person::from_bytes(&with_header);
        }

        #[test]
        fn prop_mutated_records_never_panic_and_reencode_identically(
            p in arb_person(), pos in any::<prop::sample::Index>(), byte in any::<u8>()
        ) {
            let mut bytes = p.to_bytes().unwrap();
            let i = pos.index(bytes.len());
            bytes[i] = byte;
            // Strictness: anything that decodes encodes back to exactly the same bytes.
            if let Ok(decoded) = Person::from_bytes(&bytes) {
                prop_assert_eq!(decoded.to_bytes().unwrap(), bytes);
            }
        }
    }
}
