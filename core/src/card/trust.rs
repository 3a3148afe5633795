//! Trust: which issuer keys a verifier accepts, which cards and keys are revoked, and the
//! verdict on one card.
//!
//! The key ring is public data (public keys and revoked serials), so it travels as plain
//! JSON a person can read and diff: `docs/formats/card.md`, "Key ring". Each key id is
//! recomputed from its public key on loading, so a mislabelled entry cannot make one
//! tablet's key answer for another's.

use std::collections::{BTreeMap, BTreeSet};

use ring::signature::{UnparsedPublicKey, ED25519};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::payload::{self, to_be_signed, to_hex, CardClaims, CardError, CardSerial, KeyId, SignedMessage};
use crate::registry::Timestamp;

/// Format tag of the key ring file.
pub const KEYRING_FORMAT: &str = "jatigi-keyring/1";
/// Largest key ring file accepted (about 100,000 revoked serials).
pub const MAX_KEYRING_BYTES: usize = 4 << 20;

/// One issuer: a tablet (or programme) key that signs cards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerKey {
    pub kid: KeyId,
    pub public_key: [u8; 32],
    /// Who holds the private key, for people reading the ring (`tablet-a`).
    pub name: String,
}

/// Issuer public keys by key id, with revocation lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyRing {
    issuers: BTreeMap<KeyId, IssuerKey>,
    revoked_keys: BTreeSet<KeyId>,
    revoked_serials: BTreeSet<CardSerial>,
}

/// Why a key ring file cannot be used.
#[derive(Debug, Error)]
pub enum KeyRingError {
    #[error("the key ring is larger than {MAX_KEYRING_BYTES} bytes")]
    TooLarge,
    #[error("the key ring is not valid JSON: {0}")]
    Json(String),
    #[error("the key ring format is {0:?}, expected {KEYRING_FORMAT}")]
    Format(String),
    #[error("issuer entry {0:?} is invalid: {1}")]
    Issuer(String, &'static str),
    #[error("revoked entry {0:?} is not 16 hexadecimal digits")]
    Revoked(String),
}

impl KeyRingError {
    pub fn message_fr(&self) -> String {
        match self {
            KeyRingError::TooLarge => format!("le trousseau de clés dépasse {MAX_KEYRING_BYTES} octets"),
            KeyRingError::Json(_) => "le trousseau de clés n'est pas du JSON valide".into(),
            KeyRingError::Format(f) => format!("le format du trousseau est {f:?}, attendu {KEYRING_FORMAT}"),
            KeyRingError::Issuer(kid, _) => format!("l'entrée d'émetteur {kid:?} est invalide"),
            KeyRingError::Revoked(s) => format!("l'entrée révoquée {s:?} n'a pas 16 chiffres hexadécimaux"),
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyRingFile {
    format: String,
    issuers: Vec<IssuerEntry>,
    #[serde(default)]
    revoked_keys: Vec<String>,
    #[serde(default)]
    revoked_serials: Vec<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct IssuerEntry {
    kid: String,
    public_key: String,
    #[serde(default)]
    name: String,
}

impl KeyRing {
    pub fn new() -> KeyRing {
        KeyRing::default()
    }

    /// Trust `public_key` (32 bytes) as an issuer; returns its key id.
    pub fn add_issuer(&mut self, public_key: [u8; 32], name: &str) -> KeyId {
        let kid = KeyId::of_public_key(&public_key);
        self.issuers.insert(kid, IssuerKey { kid, public_key, name: name.to_string() });
        kid
    }

    /// Stop trusting every card signed by `kid` (a lost or stolen tablet).
    pub fn revoke_key(&mut self, kid: KeyId) {
        self.revoked_keys.insert(kid);
    }

    /// Stop trusting one card (lost, stolen or replaced).
    pub fn revoke_serial(&mut self, serial: CardSerial) {
        self.revoked_serials.insert(serial);
    }

    pub fn issuer(&self, kid: &KeyId) -> Option<&IssuerKey> {
        self.issuers.get(kid)
    }

    pub fn issuers(&self) -> impl Iterator<Item = &IssuerKey> {
        self.issuers.values()
    }

    /// Merge another ring's issuers and revocations into this one.
    pub fn merge(&mut self, other: &KeyRing) {
        self.issuers.extend(other.issuers.iter().map(|(k, v)| (*k, v.clone())));
        self.revoked_keys.extend(other.revoked_keys.iter().copied());
        self.revoked_serials.extend(other.revoked_serials.iter().copied());
    }

    /// The JSON file (pretty, stable order).
    pub fn to_json(&self) -> String {
        let file = KeyRingFile {
            format: KEYRING_FORMAT.into(),
            issuers: self
                .issuers
                .values()
                .map(|i| IssuerEntry { kid: i.kid.to_string(), public_key: to_hex(&i.public_key), name: i.name.clone() })
                .collect(),
            revoked_keys: self.revoked_keys.iter().map(|k| k.to_string()).collect(),
            revoked_serials: self.revoked_serials.iter().map(|s| s.to_string()).collect(),
        };
        serde_json::to_string_pretty(&file).unwrap_or_default() + "\n"
    }

    /// Read a key ring file; every key id must be the one its public key gives.
    pub fn from_json(bytes: &[u8]) -> Result<KeyRing, KeyRingError> {
        if bytes.len() > MAX_KEYRING_BYTES {
            return Err(KeyRingError::TooLarge);
        }
        let file: KeyRingFile = serde_json::from_slice(bytes).map_err(|e| KeyRingError::Json(e.to_string()))?;
        if file.format != KEYRING_FORMAT {
            return Err(KeyRingError::Format(file.format));
        }
        let mut ring = KeyRing::new();
        for entry in file.issuers {
            let public_key: [u8; 32] =
                payload::hex_array(&entry.public_key).ok_or_else(|| KeyRingError::Issuer(entry.kid.clone(), "public key is not 64 hexadecimal digits"))?;
            let kid = KeyId::from_hex(&entry.kid).ok_or_else(|| KeyRingError::Issuer(entry.kid.clone(), "key id is not 16 hexadecimal digits"))?;
            if kid != KeyId::of_public_key(&public_key) {
                return Err(KeyRingError::Issuer(entry.kid, "key id does not belong to the public key"));
            }
            ring.add_issuer(public_key, &entry.name);
        }
        for k in file.revoked_keys {
            ring.revoke_key(KeyId::from_hex(&k).ok_or(KeyRingError::Revoked(k))?);
        }
        for s in file.revoked_serials {
            ring.revoke_serial(CardSerial::from_hex(&s).ok_or(KeyRingError::Revoked(s))?);
        }
        Ok(ring)
    }
}

/// What was revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    /// This card's serial.
    Card,
    /// The key that signed it.
    Key,
}

/// The verdict on one card, with its reason. Claims are given only when the signature
/// checked out: an unsigned claim is never shown as if it meant something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Signed by a trusted key, not revoked, not expired.
    Valid(CardClaims),
    /// Signed by a key the ring does not know (another programme, or a forgery).
    UnknownIssuer(KeyId),
    /// The signature does not match the content: the card was altered or forged.
    BadSignature(KeyId),
    /// Genuine, but past its expiry date.
    Expired(CardClaims),
    /// Genuine, but revoked.
    Revoked(CardClaims, Revocation),
    /// Not a card, or damaged beyond reading.
    Unreadable(CardError),
}

impl Verdict {
    /// Short machine name: `valid`, `unknown_issuer`, `bad_signature`, `expired`, `revoked`,
    /// `unreadable`.
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Valid(_) => "valid",
            Verdict::UnknownIssuer(_) => "unknown_issuer",
            Verdict::BadSignature(_) => "bad_signature",
            Verdict::Expired(_) => "expired",
            Verdict::Revoked(..) => "revoked",
            Verdict::Unreadable(_) => "unreadable",
        }
    }

    pub fn is_valid(&self) -> bool {
        matches!(self, Verdict::Valid(_))
    }

    /// The signed claims, if the signature checked out.
    pub fn claims(&self) -> Option<&CardClaims> {
        match self {
            Verdict::Valid(c) | Verdict::Expired(c) | Verdict::Revoked(c, _) => Some(c),
            _ => None,
        }
    }

    /// The reason, in English.
    pub fn reason(&self) -> String {
        match self {
            Verdict::Valid(c) => format!("genuine card, valid until {}", c.expires_at.date()),
            Verdict::UnknownIssuer(kid) => format!("signed by unknown issuer key {kid}"),
            Verdict::BadSignature(kid) => format!("the signature of key {kid} does not match: the card was altered or forged"),
            Verdict::Expired(c) => format!("the card expired on {}", c.expires_at.date()),
            Verdict::Revoked(c, Revocation::Card) => format!("card {} is revoked", c.serial),
            Verdict::Revoked(_, Revocation::Key) => "the key that signed the card is revoked".into(),
            Verdict::Unreadable(e) => format!("unreadable: {e}"),
        }
    }

    /// The reason, in French.
    pub fn reason_fr(&self) -> String {
        match self {
            Verdict::Valid(c) => format!("carte authentique, valable jusqu'au {}", c.expires_at.date()),
            Verdict::UnknownIssuer(kid) => format!("signée par une clé d'émetteur inconnue {kid}"),
            Verdict::BadSignature(kid) => format!("la signature de la clé {kid} ne correspond pas : carte modifiée ou falsifiée"),
            Verdict::Expired(c) => format!("la carte a expiré le {}", c.expires_at.date()),
            Verdict::Revoked(c, Revocation::Card) => format!("la carte {} est révoquée", c.serial),
            Verdict::Revoked(_, Revocation::Key) => "la clé qui a signé la carte est révoquée".into(),
            Verdict::Unreadable(e) => format!("illisible : {}", e.message_fr()),
        }
    }
}

/// Judge a card text (what the QR code holds) at time `now`.
pub fn verify_text(text: &str, ring: &KeyRing, now: Timestamp) -> Verdict {
    match payload::from_text(text) {
        Ok(cose) => verify_cose(&cose, ring, now),
        Err(e) => Verdict::Unreadable(e),
    }
}

/// Judge a COSE_Sign1 message at time `now`. Order: readable, known issuer, signature,
/// then (claims now trusted) revocation and expiry.
pub fn verify_cose(cose: &[u8], ring: &KeyRing, now: Timestamp) -> Verdict {
    let message = match SignedMessage::from_cose(cose) {
        Ok(m) => m,
        Err(e) => return Verdict::Unreadable(e),
    };
    let Some(issuer) = ring.issuer(&message.kid) else { return Verdict::UnknownIssuer(message.kid) };
    let signed = to_be_signed(&message.protected, &message.payload);
    if UnparsedPublicKey::new(&ED25519, &issuer.public_key).verify(&signed, &message.signature).is_err() {
        return Verdict::BadSignature(message.kid);
    }
    let claims = match CardClaims::from_cbor(&message.payload) {
        Ok(c) => c,
        // Signed by a trusted key but not our claims: a bug at the issuer, not a forgery.
        Err(e) => return Verdict::Unreadable(e),
    };
    if ring.revoked_keys.contains(&message.kid) {
        return Verdict::Revoked(claims, Revocation::Key);
    }
    if ring.revoked_serials.contains(&claims.serial) {
        return Verdict::Revoked(claims, Revocation::Card);
    }
    if now.0 > claims.expires_at.0 {
        return Verdict::Expired(claims);
    }
    Verdict::Valid(claims)
}
