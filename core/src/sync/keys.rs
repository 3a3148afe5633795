//! Device and programme keys.
//!
//! Each tablet signs its packets with an Ed25519 key made at provisioning; its 32-byte seed
//! is sealed in the tablet's store and never leaves it. The programme has one X25519 key
//! pair: the hub keeps the secret half sealed in its store, tablets get the public half at
//! provisioning and encrypt every packet to it. ring signs Ed25519 from a seed, but has no
//! static X25519 secret, so the programme key uses x25519-dalek.

use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{Ed25519KeyPair, KeyPair, UnparsedPublicKey, ED25519};
use thiserror::Error;
use zeroize::Zeroizing;

/// Length of an Ed25519 signature.
pub const SIGNATURE_LEN: usize = 64;
/// Length of every public key and secret here (Ed25519 and X25519 alike).
pub const KEY_BYTES: usize = 32;

/// Why a key could not be made or used.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("the system's random generator failed")]
    Random,
    #[error("a key must be {KEY_BYTES} bytes, not {0}")]
    Length(usize),
    #[error("the Ed25519 seed was refused")]
    BadSeed,
    #[error("a public key is not valid hexadecimal of {KEY_BYTES} bytes")]
    BadHex,
}

fn random_32() -> Result<Zeroizing<[u8; KEY_BYTES]>, KeyError> {
    let mut bytes = Zeroizing::new([0u8; KEY_BYTES]);
    SystemRandom::new().fill(&mut bytes[..]).map_err(|_| KeyError::Random)?;
    Ok(bytes)
}

fn array(bytes: &[u8]) -> Result<[u8; KEY_BYTES], KeyError> {
    bytes.try_into().map_err(|_| KeyError::Length(bytes.len()))
}

/// Lower-case hexadecimal, for key files and messages.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bytes from hexadecimal (either case), `None` if not hexadecimal.
pub fn from_hex(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    if text.len() % 2 != 0 || !text.is_ascii() {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok()).collect()
}

/// A tablet's signing key.
pub struct DeviceKey {
    seed: Zeroizing<[u8; KEY_BYTES]>,
    pair: Ed25519KeyPair,
}

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceKey").field("public", &to_hex(self.pair.public_key().as_ref())).finish()
    }
}

impl DeviceKey {
    /// A new random key.
    pub fn generate() -> Result<DeviceKey, KeyError> {
        DeviceKey::from_seed(&random_32()?[..])
    }

    /// The key of a 32-byte seed (as sealed in the store; test vectors).
    pub fn from_seed(seed: &[u8]) -> Result<DeviceKey, KeyError> {
        let seed = Zeroizing::new(array(seed)?);
        let pair = Ed25519KeyPair::from_seed_unchecked(&seed[..]).map_err(|_| KeyError::BadSeed)?;
        Ok(DeviceKey { seed, pair })
    }

    /// The seed, to be sealed in the tablet's store and nowhere else.
    pub fn seed(&self) -> &[u8; KEY_BYTES] {
        &self.seed
    }

    pub fn public(&self) -> DevicePublicKey {
        let mut bytes = [0u8; KEY_BYTES];
        bytes.copy_from_slice(self.pair.public_key().as_ref());
        DevicePublicKey(bytes)
    }

    /// Ed25519 signature of `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; SIGNATURE_LEN] {
        let mut out = [0u8; SIGNATURE_LEN];
        out.copy_from_slice(self.pair.sign(message).as_ref());
        out
    }
}

/// A tablet's public key, as the hub registers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DevicePublicKey(pub [u8; KEY_BYTES]);

impl DevicePublicKey {
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        Ok(DevicePublicKey(array(bytes)?))
    }

    pub fn from_hex(text: &str) -> Result<Self, KeyError> {
        DevicePublicKey::from_bytes(&from_hex(text).ok_or(KeyError::BadHex)?)
    }

    /// Whether `signature` is this key's signature of `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        UnparsedPublicKey::new(&ED25519, &self.0).verify(message, signature).is_ok()
    }
}

/// The programme's encryption key pair (the hub's).
pub struct ProgrammeKey {
    secret: x25519_dalek::StaticSecret,
}

impl std::fmt::Debug for ProgrammeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProgrammeKey").field("public", &to_hex(&self.public().0)).finish()
    }
}

impl ProgrammeKey {
    pub fn generate() -> Result<ProgrammeKey, KeyError> {
        ProgrammeKey::from_secret(&random_32()?[..])
    }

    /// The key pair of a 32-byte secret (as sealed in the hub's store; test vectors).
    pub fn from_secret(secret: &[u8]) -> Result<ProgrammeKey, KeyError> {
        Ok(ProgrammeKey { secret: x25519_dalek::StaticSecret::from(array(secret)?) })
    }

    /// The secret, to be sealed in the hub's store and nowhere else.
    pub fn secret_bytes(&self) -> Zeroizing<[u8; KEY_BYTES]> {
        Zeroizing::new(self.secret.to_bytes())
    }

    pub fn public(&self) -> ProgrammePublicKey {
        ProgrammePublicKey(x25519_dalek::PublicKey::from(&self.secret).to_bytes())
    }

    /// The X25519 shared secret with a packet's ephemeral public key.
    pub(crate) fn agree(&self, ephemeral: &[u8; KEY_BYTES]) -> Zeroizing<[u8; KEY_BYTES]> {
        let shared = self.secret.diffie_hellman(&x25519_dalek::PublicKey::from(*ephemeral));
        Zeroizing::new(shared.to_bytes())
    }
}

/// The programme's public key, given to every tablet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgrammePublicKey(pub [u8; KEY_BYTES]);

impl ProgrammePublicKey {
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        Ok(ProgrammePublicKey(array(bytes)?))
    }

    pub fn from_hex(text: &str) -> Result<Self, KeyError> {
        ProgrammePublicKey::from_bytes(&from_hex(text).ok_or(KeyError::BadHex)?)
    }
}

/// A one-packet X25519 key: its public half goes in the header, the shared secret with the
/// programme key derives the packet's content key, and it is forgotten.
pub(crate) struct EphemeralKey(x25519_dalek::StaticSecret);

impl EphemeralKey {
    pub(crate) fn generate() -> Result<EphemeralKey, KeyError> {
        EphemeralKey::from_secret(&random_32()?[..])
    }

    /// Test vectors only need a fixed one.
    pub(crate) fn from_secret(secret: &[u8]) -> Result<EphemeralKey, KeyError> {
        Ok(EphemeralKey(x25519_dalek::StaticSecret::from(array(secret)?)))
    }

    pub(crate) fn public(&self) -> [u8; KEY_BYTES] {
        x25519_dalek::PublicKey::from(&self.0).to_bytes()
    }

    pub(crate) fn agree(&self, programme: &ProgrammePublicKey) -> Zeroizing<[u8; KEY_BYTES]> {
        Zeroizing::new(self.0.diffie_hellman(&x25519_dalek::PublicKey::from(programme.0)).to_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_and_a_changed_message_does_not() {
        let key = DeviceKey::generate().unwrap();
        let sig = key.sign(b"packet");
        assert!(key.public().verify(b"packet", &sig));
        assert!(!key.public().verify(b"packer", &sig));
        let again = DeviceKey::from_seed(key.seed()).unwrap();
        assert_eq!(again.public(), key.public());
    }

    #[test]
    fn both_sides_agree_on_the_shared_secret() {
        let programme = ProgrammeKey::generate().unwrap();
        let eph = EphemeralKey::generate().unwrap();
        assert_eq!(*eph.agree(&programme.public()), *programme.agree(&eph.public()));
        assert_eq!(from_hex(&to_hex(&[0, 15, 255])), Some(vec![0, 15, 255]));
        assert_eq!(from_hex("0g"), None);
        assert!(ProgrammePublicKey::from_hex("00").is_err());
    }
}
