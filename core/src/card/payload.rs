//! The card's payload: CWT claims (RFC 8392) signed in a COSE_Sign1 envelope (RFC 9052) with
//! Ed25519, compressed with zlib and written in Base45 behind the prefix `JT1:`.
//!
//! Why this stack: it is the one the EU digital COVID certificate used for hundreds of
//! millions of offline checks, so every layer is specified, reviewed and has independent
//! implementations a partner can verify our cards with. The exact bytes are in
//! docs/formats/card.md.
//!
//! Parsing is strict: every layer must be in the one encoding we write (definite lengths,
//! shortest integers, claims in order, an empty unprotected header, nothing after the
//! end). The decoded envelope is re-encoded and must give back the same bytes, so a changed
//! bit can never be absorbed by an alternative encoding: it either breaks the structure or
//! the signature.

use std::io::Read;

use ciborium::value::{Integer, Value};
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use flate2::Compression;
use thiserror::Error;

use super::base45::{self, Base45Error};
use crate::registry::{HouseholdId, MemberNo, Timestamp};

/// What every card text starts with: Jatigi card, payload format 1. In the QR alphanumeric
/// set, like Base45, so the whole text is one alphanumeric segment.
pub const PREFIX: &str = "JT1:";
/// Largest decompressed COSE message accepted. A card with 99 members and a long head name
/// is under 600 bytes; anything bigger is a zlib bomb or not ours.
pub const MAX_COSE_BYTES: usize = 2048;
/// Longest card text accepted before any decoding (a version 40 QR holds 4296 characters).
pub const MAX_TEXT_CHARS: usize = 4296;
/// Longest site code, in characters (upper-case ASCII letters, digits and `-`).
pub const MAX_SITE_CHARS: usize = 16;
/// Longest head-of-household name carried on a card, in characters.
pub const MAX_NAME_CHARS: usize = 64;
/// Most members a household can have (member numbers are 1-99).
pub const MAX_MEMBERS: usize = 99;

/// COSE header parameter `alg` (RFC 9052, table 2).
const HEADER_ALG: i64 = 1;
/// COSE header parameter `kid`.
const HEADER_KID: i64 = 4;
/// COSE algorithm EdDSA (RFC 9053, table 2).
const ALG_EDDSA: i64 = -8;
/// CBOR tag of a COSE_Sign1 message (RFC 9052, section 2).
const TAG_COSE_SIGN1: u64 = 18;
/// Context string of the signed structure for COSE_Sign1.
const SIGNATURE1: &str = "Signature1";

/// CWT claim `sub` (RFC 8392, section 3.1.2): the household id, canonical text.
pub const CLAIM_SUB: i64 = 2;
/// CWT claim `exp`: expiry, seconds since 1970 (UTC).
pub const CLAIM_EXP: i64 = 4;
/// CWT claim `iat`: issue time, seconds since 1970 (UTC).
pub const CLAIM_IAT: i64 = 6;
/// CWT claim `cti`: the card serial, 8 bytes.
pub const CLAIM_CTI: i64 = 7;
/// Private CWT claim holding the Jatigi household map. Keys below -65536 are for private
/// use in the IANA CWT claims registry; one private claim keeps its cost (5 bytes) paid
/// once, as the EU certificate's `hcert` claim (-260) did.
pub const CLAIM_JATIGI: i64 = -65537;
/// Keys inside the Jatigi map.
pub const JATIGI_SITE: i64 = 1;
pub const JATIGI_MEMBER_COUNT: i64 = 2;
pub const JATIGI_MEMBERS: i64 = 3;
pub const JATIGI_HEAD_NAME: i64 = 4;

/// Length of an issuer key id and of a card serial, in bytes.
pub const KID_LEN: usize = 8;
pub const SERIAL_LEN: usize = 8;

/// Identifies an issuer's public key: the first 8 bytes of SHA-256 over the 32-byte key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub [u8; KID_LEN]);

impl KeyId {
    /// The key id of an Ed25519 public key.
    pub fn of_public_key(public_key: &[u8]) -> KeyId {
        let digest = ring::digest::digest(&ring::digest::SHA256, public_key);
        let mut kid = [0u8; KID_LEN];
        kid.copy_from_slice(&digest.as_ref()[..KID_LEN]);
        KeyId(kid)
    }

    /// Parse the 16 hexadecimal digits of [`Display`](std::fmt::Display).
    pub fn from_hex(text: &str) -> Option<KeyId> {
        hex_array(text).map(KeyId)
    }
}

impl std::fmt::Display for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&to_hex(&self.0))
    }
}

/// The card's own number, random, so that one card can be revoked (lost, stolen, replaced)
/// without revoking the household.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CardSerial(pub [u8; SERIAL_LEN]);

impl CardSerial {
    /// A fresh serial from the system's secure random generator.
    pub fn generate() -> Result<CardSerial, CardError> {
        let mut bytes = [0u8; SERIAL_LEN];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes).map_err(|_| CardError::RandomUnavailable)?;
        Ok(CardSerial(bytes))
    }

    /// Parse the 16 hexadecimal digits of [`Display`](std::fmt::Display).
    pub fn from_hex(text: &str) -> Option<CardSerial> {
        hex_array(text).map(CardSerial)
    }
}

impl std::fmt::Display for CardSerial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&to_hex(&self.0))
    }
}

pub(crate) fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn hex_array<const N: usize>(text: &str) -> Option<[u8; N]> {
    let text = text.trim();
    if text.len() != 2 * N || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// What a card says about its household. Only what a distribution check needs: no names
/// unless the programme asks for the head's name, no birth dates, no places of origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardClaims {
    pub household: HouseholdId,
    pub serial: CardSerial,
    pub issued_at: Timestamp,
    pub expires_at: Timestamp,
    /// Site code, e.g. `GAO-SOSSO` (see [`site_code`](super::site_code)).
    pub site: String,
    /// Number of members on the day of issue.
    pub member_count: u8,
    /// Short ids of the members the card covers: their member numbers (1-99) in the
    /// household, `GAO-7K3M-9QX2-C/03` read as member 3.
    pub members: Vec<MemberNo>,
    /// The head of household's name, only when the programme's configuration carries it.
    pub head_name: Option<String>,
}

/// Why a card text or message is unreadable (before any trust decision).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CardError {
    #[error("the text does not start with {PREFIX}")]
    Prefix,
    #[error("the text is longer than any card ({0} characters)")]
    TextTooLong(usize),
    #[error("not Base45: {0}")]
    Base45(#[from] Base45Error),
    #[error("not zlib data: {0}")]
    Zlib(String),
    #[error("the message inflates beyond {MAX_COSE_BYTES} bytes")]
    TooLarge,
    #[error("not CBOR: {0}")]
    Cbor(String),
    #[error("not a Jatigi COSE_Sign1 message: {0}")]
    Envelope(&'static str),
    #[error("signature algorithm is not EdDSA")]
    Algorithm,
    #[error("invalid claims: {0}")]
    Claims(&'static str),
    #[error("no Jatigi card QR code found in the photo")]
    NoQrCode,
    #[error("the system's random generator is unavailable")]
    RandomUnavailable,
    #[error("signing failed")]
    Signing,
}

impl CardError {
    /// The message in French.
    pub fn message_fr(&self) -> String {
        match self {
            CardError::Prefix => format!("le texte ne commence pas par {PREFIX}"),
            CardError::TextTooLong(n) => format!("le texte est plus long que toute carte ({n} caractères)"),
            CardError::Base45(_) => "le texte n'est pas du Base45".into(),
            CardError::Zlib(_) => "les données ne sont pas au format zlib".into(),
            CardError::TooLarge => format!("le message décompressé dépasse {MAX_COSE_BYTES} octets"),
            CardError::Cbor(_) => "les données ne sont pas du CBOR".into(),
            CardError::Envelope(what) => format!("ce n'est pas un message COSE_Sign1 Jatigi : {what}"),
            CardError::Algorithm => "l'algorithme de signature n'est pas EdDSA".into(),
            CardError::Claims(what) => format!("revendications invalides : {what}"),
            CardError::NoQrCode => "aucun code QR de carte Jatigi trouvé sur la photo".into(),
            CardError::RandomUnavailable => "le générateur aléatoire du système est indisponible".into(),
            CardError::Signing => "la signature a échoué".into(),
        }
    }
}

fn int(n: i64) -> Value {
    Value::Integer(Integer::from(n))
}

fn to_cbor(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing a Value into a Vec cannot fail.
    let _ = ciborium::ser::into_writer(value, &mut out);
    out
}

/// Decode exactly one CBOR item filling `bytes`, and insist that it is in our encoding:
/// re-encoding it must give the same bytes.
fn from_cbor(bytes: &[u8]) -> Result<Value, CardError> {
    let mut rest = bytes;
    let value: Value = ciborium::de::from_reader(&mut rest).map_err(|e| CardError::Cbor(e.to_string()))?;
    if !rest.is_empty() {
        return Err(CardError::Cbor("bytes after the end".into()));
    }
    if to_cbor(&value) != bytes {
        return Err(CardError::Cbor("not in the canonical encoding".into()));
    }
    Ok(value)
}

impl CardClaims {
    /// The CWT claims set, as CBOR bytes (the COSE payload).
    pub fn to_cbor(&self) -> Vec<u8> {
        let mut jatigi = vec![
            (int(JATIGI_SITE), Value::Text(self.site.clone())),
            (int(JATIGI_MEMBER_COUNT), int(i64::from(self.member_count))),
            (int(JATIGI_MEMBERS), Value::Array(self.members.iter().map(|m| int(i64::from(m.get()))).collect())),
        ];
        if let Some(name) = &self.head_name {
            jatigi.push((int(JATIGI_HEAD_NAME), Value::Text(name.clone())));
        }
        // Keys in the deterministic order of RFC 8949, section 4.2.1 (by encoded bytes).
        let claims = Value::Map(vec![
            (int(CLAIM_SUB), Value::Text(self.household.to_string())),
            (int(CLAIM_EXP), int(self.expires_at.0)),
            (int(CLAIM_IAT), int(self.issued_at.0)),
            (int(CLAIM_CTI), Value::Bytes(self.serial.0.to_vec())),
            (int(CLAIM_JATIGI), Value::Map(jatigi)),
        ]);
        to_cbor(&claims)
    }

    /// Read a claims set written by [`to_cbor`](Self::to_cbor).
    pub fn from_cbor(bytes: &[u8]) -> Result<CardClaims, CardError> {
        let Value::Map(entries) = from_cbor(bytes)? else { return Err(CardError::Claims("not a map")) };
        let mut entries = entries.into_iter();
        let mut next = |key: i64, what: &'static str| -> Result<Value, CardError> {
            match entries.next() {
                Some((k, v)) if k == int(key) => Ok(v),
                _ => Err(CardError::Claims(what)),
            }
        };
        let household = match next(CLAIM_SUB, "household id (sub) missing")? {
            Value::Text(t) => HouseholdId::parse(&t).ok().filter(|id| id.to_string() == t),
            _ => None,
        }
        .ok_or(CardError::Claims("household id (sub) invalid"))?;
        let expires_at = Timestamp(as_i64(next(CLAIM_EXP, "expiry (exp) missing")?).ok_or(CardError::Claims("expiry (exp) invalid"))?);
        let issued_at = Timestamp(as_i64(next(CLAIM_IAT, "issue time (iat) missing")?).ok_or(CardError::Claims("issue time (iat) invalid"))?);
        let serial = match next(CLAIM_CTI, "serial (cti) missing")? {
            Value::Bytes(b) => <[u8; SERIAL_LEN]>::try_from(b.as_slice()).ok().map(CardSerial),
            _ => None,
        }
        .ok_or(CardError::Claims("serial (cti) invalid"))?;
        let Value::Map(jatigi) = next(CLAIM_JATIGI, "household claim missing")? else {
            return Err(CardError::Claims("household claim is not a map"));
        };
        if entries.next().is_some() {
            return Err(CardError::Claims("unknown claim"));
        }
        if issued_at.0 < 0 || expires_at.0 < issued_at.0 {
            return Err(CardError::Claims("expiry before issue"));
        }
        let mut inner = jatigi.into_iter();
        let mut next = |key: i64, what: &'static str| -> Result<Value, CardError> {
            match inner.next() {
                Some((k, v)) if k == int(key) => Ok(v),
                _ => Err(CardError::Claims(what)),
            }
        };
        let site = match next(JATIGI_SITE, "site missing")? {
            Value::Text(t) if is_site_code(&t) => t,
            _ => return Err(CardError::Claims("site code invalid")),
        };
        let member_count = as_i64(next(JATIGI_MEMBER_COUNT, "member count missing")?)
            .and_then(|n| u8::try_from(n).ok())
            .filter(|&n| (1..=MAX_MEMBERS as u8).contains(&n))
            .ok_or(CardError::Claims("member count invalid"))?;
        let Value::Array(list) = next(JATIGI_MEMBERS, "members missing")? else {
            return Err(CardError::Claims("members is not a list"));
        };
        let mut members = Vec::with_capacity(list.len());
        for v in list {
            let n = as_i64(v).and_then(|n| u8::try_from(n).ok()).ok_or(CardError::Claims("member short id invalid"))?;
            let member = MemberNo::new(n).map_err(|_| CardError::Claims("member short id invalid"))?;
            if members.last().is_some_and(|&last: &MemberNo| last >= member) {
                return Err(CardError::Claims("member short ids not in increasing order"));
            }
            members.push(member);
        }
        if members.len() > usize::from(member_count) {
            return Err(CardError::Claims("more member ids than members"));
        }
        let head_name = match inner.next() {
            None => None,
            Some((k, Value::Text(t))) if k == int(JATIGI_HEAD_NAME) && !t.is_empty() && t.chars().count() <= MAX_NAME_CHARS => Some(t),
            Some(_) => return Err(CardError::Claims("unknown household claim")),
        };
        if inner.next().is_some() {
            return Err(CardError::Claims("unknown household claim"));
        }
        Ok(CardClaims { household, serial, issued_at, expires_at, site, member_count, members, head_name })
    }
}

fn as_i64(v: Value) -> Option<i64> {
    match v {
        Value::Integer(i) => i64::try_from(i).ok(),
        _ => None,
    }
}

/// Whether `text` is a site code: 1-16 of `A-Z 0-9 -`.
pub fn is_site_code(text: &str) -> bool {
    !text.is_empty() && text.len() <= MAX_SITE_CHARS && text.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
}

/// The protected header: `{1: -8, 4: kid}`.
fn protected_header(kid: &KeyId) -> Vec<u8> {
    to_cbor(&Value::Map(vec![(int(HEADER_ALG), int(ALG_EDDSA)), (int(HEADER_KID), Value::Bytes(kid.0.to_vec()))]))
}

/// The bytes the signature covers (RFC 9052, section 4.4): `["Signature1", protected, h'',
/// payload]`.
pub fn to_be_signed(protected: &[u8], payload: &[u8]) -> Vec<u8> {
    to_cbor(&Value::Array(vec![
        Value::Text(SIGNATURE1.into()),
        Value::Bytes(protected.to_vec()),
        Value::Bytes(Vec::new()),
        Value::Bytes(payload.to_vec()),
    ]))
}

/// A COSE_Sign1 message taken apart, signature not yet checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedMessage {
    pub kid: KeyId,
    pub protected: Vec<u8>,
    pub payload: Vec<u8>,
    pub signature: Vec<u8>,
}

impl SignedMessage {
    /// Sign `payload` with `sign` (which returns a 64-byte Ed25519 signature).
    pub fn sign(kid: KeyId, payload: Vec<u8>, sign: impl FnOnce(&[u8]) -> Vec<u8>) -> SignedMessage {
        let protected = protected_header(&kid);
        let signature = sign(&to_be_signed(&protected, &payload));
        SignedMessage { kid, protected, payload, signature }
    }

    /// The tagged COSE_Sign1 bytes.
    pub fn to_cose(&self) -> Vec<u8> {
        to_cbor(&Value::Tag(
            TAG_COSE_SIGN1,
            Box::new(Value::Array(vec![
                Value::Bytes(self.protected.clone()),
                Value::Map(Vec::new()),
                Value::Bytes(self.payload.clone()),
                Value::Bytes(self.signature.clone()),
            ])),
        ))
    }

    /// Take tagged COSE_Sign1 bytes apart: tag 18, empty unprotected header, protected
    /// header exactly `{1: -8, 4: kid}`, 64-byte signature.
    pub fn from_cose(bytes: &[u8]) -> Result<SignedMessage, CardError> {
        if bytes.len() > MAX_COSE_BYTES {
            return Err(CardError::TooLarge);
        }
        let Value::Tag(TAG_COSE_SIGN1, inner) = from_cbor(bytes)? else {
            return Err(CardError::Envelope("not tagged COSE_Sign1"));
        };
        let Value::Array(parts) = *inner else { return Err(CardError::Envelope("not an array")) };
        let [Value::Bytes(protected), Value::Map(unprotected), Value::Bytes(payload), Value::Bytes(signature)] =
            <[Value; 4]>::try_from(parts).map_err(|_| CardError::Envelope("not four parts"))?
        else {
            return Err(CardError::Envelope("parts of the wrong types"));
        };
        if !unprotected.is_empty() {
            return Err(CardError::Envelope("unprotected header not empty"));
        }
        if signature.len() != 64 {
            return Err(CardError::Envelope("signature is not 64 bytes"));
        }
        let Value::Map(header) = from_cbor(&protected)? else { return Err(CardError::Envelope("protected header not a map")) };
        let [(alg_key, alg), (kid_key, Value::Bytes(kid))] =
            <[(Value, Value); 2]>::try_from(header).map_err(|_| CardError::Envelope("protected header not alg and kid"))?
        else {
            return Err(CardError::Envelope("protected header not alg and kid"));
        };
        if alg_key != int(HEADER_ALG) || kid_key != int(HEADER_KID) {
            return Err(CardError::Envelope("protected header not alg and kid"));
        }
        if alg != int(ALG_EDDSA) {
            return Err(CardError::Algorithm);
        }
        let kid = <[u8; KID_LEN]>::try_from(kid.as_slice()).map(KeyId).map_err(|_| CardError::Envelope("key id is not 8 bytes"))?;
        Ok(SignedMessage { kid, protected, payload, signature })
    }
}

/// zlib, at the strongest level (the payload is small: time does not matter).
pub fn compress(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::best());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

/// Inflate at most [`MAX_COSE_BYTES`]; more is [`CardError::TooLarge`] (a zlib bomb stops
/// after 2 KB of output, whatever it claims).
pub fn decompress(bytes: &[u8]) -> Result<Vec<u8>, CardError> {
    let mut out = Vec::new();
    let mut decoder = ZlibDecoder::new(bytes);
    (&mut decoder).take(MAX_COSE_BYTES as u64 + 1).read_to_end(&mut out).map_err(|e| CardError::Zlib(e.to_string()))?;
    if out.len() > MAX_COSE_BYTES {
        return Err(CardError::TooLarge);
    }
    // Bytes after the zlib stream would be a second, unsigned place to hide things.
    if decoder.total_in() != bytes.len() as u64 {
        return Err(CardError::Zlib("bytes after the end of the stream".into()));
    }
    Ok(out)
}

/// The card text of a COSE message: `JT1:` + Base45(zlib(cose)).
pub fn to_text(cose: &[u8]) -> String {
    format!("{PREFIX}{}", base45::encode(&compress(cose)))
}

/// The COSE message inside a card text.
pub fn from_text(text: &str) -> Result<Vec<u8>, CardError> {
    if text.len() > MAX_TEXT_CHARS {
        return Err(CardError::TextTooLong(text.len()));
    }
    let body = text.strip_prefix(PREFIX).ok_or(CardError::Prefix)?;
    let compressed = base45::decode(body)?;
    decompress(&compressed)
}
