//! The enrollment events a packet carries, as CBOR (RFC 8949).
//!
//! One event per household enrolled: the household's facts in the clear structure of the
//! registry, each member's personal data as the registry's versioned person record
//! (docs/formats/schema.md, "Person record") and their captures. Field names are short
//! and stable: they are part of the packet format (docs/formats/packet.md).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::registry::ids::{HouseholdId, MemberNo, PersonId, Region};
use crate::registry::model::{
    Capture, CaptureException, CaptureExceptionKind, CaptureOutcome, DeviceId, Displacement, DisplacementReason, DisplacementSite,
    FacePhoto, FingerImage, FingerImageFormat, FingerPosition, FingerSample, GeoPoint, Household, Member, OperatorId, Origin, Person,
    Relation, Timestamp,
};
use crate::registry::repository::parse_date;

use super::packet::PacketError;

/// Kind of an event: a household enrolled (the only kind of format version 1).
pub const EVENT_HOUSEHOLD_ENROLLED: u8 = 1;

/// One household enrolled on a tablet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HouseholdEvent {
    pub kind: u8,
    pub id: String,
    pub head: u8,
    pub region: String,
    pub cercle: String,
    pub commune: String,
    pub site: String,
    /// Micro-degrees (latitude, longitude).
    pub gps: Option<(i32, i32)>,
    pub origin_region: String,
    pub origin_cercle: String,
    pub origin_commune: String,
    pub origin_village: String,
    pub displaced_on: String,
    pub reason: u8,
    pub other_reason: String,
    pub registered_at: i64,
    pub operator: String,
    pub device: String,
    pub members: Vec<MemberEvent>,
}

/// One member of an enrolled household.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberEvent {
    pub number: u8,
    pub relation: u8,
    /// The registry's person record (versioned bytes).
    #[serde(with = "bytes")]
    pub person: Vec<u8>,
    /// The person this member was linked to by the tablet's duplicate check.
    pub same_as: Option<String>,
    #[serde(with = "opt_bytes")]
    pub face: Option<Vec<u8>>,
    pub captures: Vec<CaptureEvent>,
}

/// One finger: a template (with its image when kept), or a recorded exception.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaptureEvent {
    pub finger: u8,
    pub quality: Option<u8>,
    #[serde(with = "opt_bytes")]
    pub template: Option<Vec<u8>>,
    pub image_format: Option<u8>,
    #[serde(with = "opt_bytes")]
    pub image: Option<Vec<u8>>,
    pub exception: Option<(u8, String)>,
}

/// Byte strings as CBOR byte strings (serde would write arrays of integers).
mod bytes {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        Ok(ciborium::value::Value::deserialize(d)?.into_bytes().map_err(|_| serde::de::Error::custom("expected a byte string"))?)
    }
}

mod opt_bytes {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(b) => s.serialize_bytes(b),
            None => s.serialize_none(),
        }
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        match ciborium::value::Value::deserialize(d)? {
            ciborium::value::Value::Null => Ok(None),
            ciborium::value::Value::Bytes(b) => Ok(Some(b)),
            _ => Err(serde::de::Error::custom("expected a byte string or null")),
        }
    }
}

impl HouseholdEvent {
    /// The event of a stored household; `links` names the members the tablet linked to an
    /// already enrolled person.
    pub fn from_household(h: &Household, links: &HashMap<u8, PersonId>) -> Result<HouseholdEvent, PacketError> {
        let members = h
            .members
            .iter()
            .map(|m| {
                Ok(MemberEvent {
                    number: m.number.get(),
                    relation: m.relation.code(),
                    person: m.person.to_bytes().map_err(|e| PacketError::BadBody(e.to_string()))?,
                    same_as: links.get(&m.number.get()).map(|p| p.to_string()),
                    face: m.face.as_ref().map(|f| f.jpeg.clone()),
                    captures: m.captures.iter().map(capture_event).collect(),
                })
            })
            .collect::<Result<_, PacketError>>()?;
        Ok(HouseholdEvent {
            kind: EVENT_HOUSEHOLD_ENROLLED,
            id: h.id.to_string(),
            head: h.head.get(),
            region: h.site.region.code().to_string(),
            cercle: h.site.cercle.clone(),
            commune: h.site.commune.clone(),
            site: h.site.site_name.clone(),
            gps: h.site.gps.map(|g| (g.lat_e6(), g.lon_e6())),
            origin_region: h.origin.region.code().to_string(),
            origin_cercle: h.origin.cercle.clone(),
            origin_commune: h.origin.commune.clone(),
            origin_village: h.origin.village.clone(),
            displaced_on: h.displacement.date.to_string(),
            reason: h.displacement.reason.code(),
            other_reason: match &h.displacement.reason {
                DisplacementReason::Other(t) => t.clone(),
                _ => String::new(),
            },
            registered_at: h.registered_at.0,
            operator: h.operator.as_str().to_string(),
            device: h.device.as_str().to_string(),
            members,
        })
    }

    /// The household, and the links to apply, checked field by field (hostile input: every
    /// code and text is validated; `Household::validate` runs when it is saved).
    pub fn to_household(&self) -> Result<(Household, Vec<(MemberNo, PersonId)>), PacketError> {
        let bad = |what: &str| PacketError::BadBody(format!("household {}: invalid {what}", self.id.chars().take(20).collect::<String>()));
        if self.kind != EVENT_HOUSEHOLD_ENROLLED {
            return Err(bad("event kind"));
        }
        let reason = match self.reason {
            1 => DisplacementReason::Conflict,
            2 => DisplacementReason::Violence,
            3 => DisplacementReason::Flood,
            4 => DisplacementReason::Drought,
            255 => DisplacementReason::Other(self.other_reason.clone()),
            _ => return Err(bad("displacement reason")),
        };
        let mut members = Vec::with_capacity(self.members.len());
        let mut links = Vec::new();
        for m in &self.members {
            let number = MemberNo::new(m.number).map_err(|_| bad("member number"))?;
            if let Some(same) = &m.same_as {
                links.push((number, PersonId::parse(same).map_err(|_| bad("linked person id"))?));
            }
            let captures = m.captures.iter().map(|c| capture(c).ok_or_else(|| bad("capture"))).collect::<Result<_, _>>()?;
            members.push(Member {
                number,
                relation: Relation::from_code(m.relation).ok_or_else(|| bad("relation"))?,
                person: Person::from_bytes(&m.person).map_err(|_| bad("person record"))?,
                captures,
                face: m.face.as_ref().map(|jpeg| FacePhoto { jpeg: jpeg.clone() }),
            });
        }
        let household = Household {
            id: HouseholdId::parse(&self.id).map_err(|_| bad("id"))?,
            head: MemberNo::new(self.head).map_err(|_| bad("head"))?,
            members,
            site: DisplacementSite {
                region: Region::from_code(&self.region).ok_or_else(|| bad("region"))?,
                cercle: self.cercle.clone(),
                commune: self.commune.clone(),
                site_name: self.site.clone(),
                gps: match self.gps {
                    Some((lat, lon)) => Some(GeoPoint::from_micro_degrees(lat, lon).map_err(|_| bad("gps"))?),
                    None => None,
                },
            },
            origin: Origin {
                region: Region::from_code(&self.origin_region).ok_or_else(|| bad("origin region"))?,
                cercle: self.origin_cercle.clone(),
                commune: self.origin_commune.clone(),
                village: self.origin_village.clone(),
            },
            displacement: Displacement { date: parse_date(&self.displaced_on).ok_or_else(|| bad("displacement date"))?, reason },
            registered_at: Timestamp(self.registered_at),
            operator: OperatorId::new(&self.operator).map_err(|_| bad("operator"))?,
            device: DeviceId::new(&self.device).map_err(|_| bad("device"))?,
        };
        Ok((household, links))
    }
}

fn capture_event(c: &Capture) -> CaptureEvent {
    let mut e = CaptureEvent { finger: c.finger.code(), quality: None, template: None, image_format: None, image: None, exception: None };
    match &c.outcome {
        CaptureOutcome::Captured(s) => {
            e.quality = Some(s.quality);
            e.template = Some(s.template.clone());
            e.image_format = s.image.as_ref().map(|i| i.format.code());
            e.image = s.image.as_ref().map(|i| i.bytes.clone());
        }
        CaptureOutcome::Exception(x) => e.exception = Some((x.kind.code(), x.reason.clone())),
    }
    e
}

fn capture(e: &CaptureEvent) -> Option<Capture> {
    let finger = FingerPosition::from_code(e.finger)?;
    let outcome = match (&e.template, &e.exception) {
        (Some(template), None) => CaptureOutcome::Captured(FingerSample {
            template: template.clone(),
            quality: e.quality?,
            image: match (&e.image, e.image_format) {
                (Some(bytes), Some(f)) => Some(FingerImage { format: FingerImageFormat::from_code(f)?, bytes: bytes.clone() }),
                (None, None) => None,
                _ => return None,
            },
        }),
        (None, Some((kind, reason))) => CaptureOutcome::Exception(CaptureException { kind: CaptureExceptionKind::from_code(*kind)?, reason: reason.clone() }),
        _ => return None,
    };
    Some(Capture { finger, outcome })
}

/// Deepest CBOR nesting a body may have (events nest four levels; this leaves room and
/// keeps a hostile body from exhausting the stack).
pub const MAX_BODY_DEPTH: usize = 32;

/// The CBOR body of a packet: an array of events.
pub fn encode_events(events: &[HouseholdEvent]) -> Result<Vec<u8>, PacketError> {
    let mut out = Vec::new();
    ciborium::ser::into_writer(events, &mut out).map_err(|e| PacketError::BadBody(e.to_string()))?;
    Ok(out)
}

/// Events from a decrypted body.
pub fn decode_events(body: &[u8]) -> Result<Vec<HouseholdEvent>, PacketError> {
    ciborium::de::from_reader_with_recursion_limit(body, MAX_BODY_DEPTH).map_err(|e: ciborium::de::Error<std::io::Error>| PacketError::BadBody(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::synthetic;

    #[test]
    fn a_household_survives_the_event_round_trip() {
        let now = crate::registry::model::Date::new(2025, 6, 1).unwrap().start();
        for seed in 0..20 {
            let mut h = synthetic::household(seed, now, 2);
            synthetic::add_media(&mut h, seed);
            let event = HouseholdEvent::from_household(&h, &HashMap::new()).unwrap();
            let body = encode_events(&[event.clone()]).unwrap();
            let back = decode_events(&body).unwrap();
            assert_eq!(back, vec![event]);
            let (again, links) = back[0].to_household().unwrap();
            assert_eq!(again, h);
            assert!(links.is_empty());
        }
    }

    /// Writes the body of the packet test vector `v1-one-household` (run once with
    /// JATIGI_WRITE_VECTORS=1; the committed file is then fixed, whatever the synthetic
    /// generator becomes).
    #[test]
    fn the_test_vector_body_decodes_to_a_valid_household() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/packets/v1-one-household.cbor");
        let now = crate::registry::model::Date::new(2025, 6, 1).unwrap().start();
        if std::env::var_os("JATIGI_WRITE_VECTORS").is_some() {
            let mut h = synthetic::household(7, now, 1);
            h.device = crate::registry::model::DeviceId::new("TAB-VECTOR-01").unwrap();
            std::fs::write(&path, encode_events(&[HouseholdEvent::from_household(&h, &HashMap::new()).unwrap()]).unwrap()).unwrap();
        }
        let events = decode_events(&std::fs::read(&path).unwrap()).unwrap();
        let (h, _) = events[0].to_household().unwrap();
        h.validate(now).unwrap();
        assert_eq!(h.device.as_str(), "TAB-VECTOR-01");
    }

    #[test]
    fn hostile_bodies_are_errors_not_panics() {
        for body in [&b""[..], b"\xff", b"\x9f\x9f\x9f\x9f", b"\x5b\xff\xff\xff\xff\xff\xff\xff\xff", b"\x81\xa0", &[0x81; 200]] {
            assert!(decode_events(body).is_err());
        }
    }
}
