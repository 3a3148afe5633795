//! Key providers: what wraps the database's data key.
//!
//! The data key (random, 256 bits) encrypts everything; a [`KeyProvider`] only wraps and
//! unwraps that one key. On Android the shell implements the trait over the Keystore (through
//! the bindings crate); the hub uses [`PassphraseKeyProvider`]; tests and the simulator use
//! [`StaticKeyProvider`].

use std::fmt;
use std::num::NonZeroU32;

use ring::pbkdf2;
use ring::rand::{SecureRandom, SystemRandom};
use unicode_normalization::UnicodeNormalization;
use zeroize::{Zeroize, Zeroizing};

use super::crypto::{unwrap_key, wrap_key, DataKey, KEY_LEN};
use super::StoreError;

/// Default PBKDF2-HMAC-SHA256 iteration count (OWASP 2023 recommendation).
pub const PBKDF2_ITERATIONS: u32 = 600_000;
/// Highest iteration count accepted: a larger count read from a damaged or hostile file
/// would keep the hub busy for hours.
pub const MAX_PBKDF2_ITERATIONS: u32 = 50_000_000;
/// Length of the PBKDF2 salt in bytes.
pub const SALT_LEN: usize = 16;
/// Associated data for wrapping the data key, so a wrapped data key cannot be confused with
/// any other value sealed under the same key-encryption key.
pub const DATA_KEY_WRAP_LABEL: &[u8] = b"jatigi data key v1";
/// Name of the key-derivation function recorded in the `meta` table.
pub const KDF_PBKDF2_SHA256: &str = "pbkdf2-hmac-sha256";

/// Wraps and unwraps the database's data key. Object-safe so it can be passed as
/// `&dyn KeyProvider` and implemented across the FFI.
pub trait KeyProvider: Send + Sync {
    /// Encrypt `key` for storage in the database's `meta` table.
    fn wrap(&self, key: &DataKey) -> Result<Vec<u8>, StoreError>;
    /// Decrypt a key made by [`wrap`](Self::wrap); a key that does not authenticate is
    /// [`StoreError::WrongKey`].
    fn unwrap(&self, wrapped: &[u8]) -> Result<DataKey, StoreError>;
    /// A stable, non-secret name for this kind of provider, recorded in `meta` so a data
    /// manager can tell what protects a database (e.g. `android-keystore:jatigi-v1`).
    fn id(&self) -> String;
    /// For passphrase-derived providers, the PBKDF2 parameters to record beside the wrapped
    /// key so the database can be reopened with the passphrase alone. `None` otherwise.
    fn passphrase_params(&self) -> Option<PassphraseParams> {
        None
    }
}

/// The non-secret PBKDF2 parameters of a passphrase-protected database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassphraseParams {
    /// Random per-database salt.
    pub salt: [u8; SALT_LEN],
    /// PBKDF2-HMAC-SHA256 iteration count.
    pub iterations: u32,
}

/// A key-encryption key derived from a passphrase with PBKDF2-HMAC-SHA256 (for the hub).
pub struct PassphraseKeyProvider {
    kek: Box<[u8; KEY_LEN]>,
    params: PassphraseParams,
}

impl PassphraseKeyProvider {
    /// Derive the key-encryption key (slow on purpose: `iterations` rounds of HMAC-SHA256).
    ///
    /// The passphrase is normalised to Unicode NFC first, so "é" typed as one code point or
    /// as "e" + combining accent (different keyboards do both) gives the same key.
    pub fn new(
        passphrase: &str,
        salt: [u8; SALT_LEN],
        iterations: u32,
    ) -> Result<Self, StoreError> {
        let rounds = NonZeroU32::new(iterations)
            .ok_or_else(|| StoreError::InvalidKdf("the iteration count is zero".into()))?;
        if iterations > MAX_PBKDF2_ITERATIONS {
            return Err(StoreError::InvalidKdf(format!(
                "{iterations} iterations is more than the {MAX_PBKDF2_ITERATIONS} allowed"
            )));
        }
        if passphrase.is_empty() {
            return Err(StoreError::InvalidKdf("the passphrase is empty".into()));
        }
        let normalised: Zeroizing<String> = Zeroizing::new(passphrase.nfc().collect());
        let mut kek = Box::new([0u8; KEY_LEN]);
        pbkdf2::derive(
            pbkdf2::PBKDF2_HMAC_SHA256,
            rounds,
            &salt,
            normalised.as_bytes(),
            &mut kek[..],
        );
        Ok(PassphraseKeyProvider { kek, params: PassphraseParams { salt, iterations } })
    }

    /// A provider for a new database: random salt, [`PBKDF2_ITERATIONS`] rounds.
    pub fn with_new_salt(passphrase: &str) -> Result<Self, StoreError> {
        Self::new(passphrase, Self::generate_salt()?, PBKDF2_ITERATIONS)
    }

    /// A fresh random salt.
    pub fn generate_salt() -> Result<[u8; SALT_LEN], StoreError> {
        let mut salt = [0u8; SALT_LEN];
        SystemRandom::new().fill(&mut salt).map_err(|_| StoreError::Random)?;
        Ok(salt)
    }

    /// The salt and iteration count this provider was derived with.
    pub fn params(&self) -> PassphraseParams {
        self.params
    }
}

impl KeyProvider for PassphraseKeyProvider {
    fn wrap(&self, key: &DataKey) -> Result<Vec<u8>, StoreError> {
        wrap_key(&self.kek, DATA_KEY_WRAP_LABEL, key)
    }

    fn unwrap(&self, wrapped: &[u8]) -> Result<DataKey, StoreError> {
        unwrap_key(&self.kek, DATA_KEY_WRAP_LABEL, wrapped)
    }

    fn id(&self) -> String {
        format!("passphrase:{KDF_PBKDF2_SHA256}")
    }

    fn passphrase_params(&self) -> Option<PassphraseParams> {
        Some(self.params)
    }
}

impl Drop for PassphraseKeyProvider {
    fn drop(&mut self) {
        self.kek.zeroize();
    }
}

impl fmt::Debug for PassphraseKeyProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PassphraseKeyProvider")
            .field("iterations", &self.params.iterations)
            .finish_non_exhaustive()
    }
}

/// A provider with a fixed key-encryption key. **For tests and the simulator only**: the key
/// sits in the program, so it protects nothing on a real device or hub.
pub struct StaticKeyProvider {
    kek: Box<[u8; KEY_LEN]>,
}

impl StaticKeyProvider {
    /// Wrap with the given fixed 32-byte key-encryption key (tests and the simulator only).
    pub fn new(kek: [u8; KEY_LEN]) -> Self {
        StaticKeyProvider { kek: Box::new(kek) }
    }
}

impl KeyProvider for StaticKeyProvider {
    fn wrap(&self, key: &DataKey) -> Result<Vec<u8>, StoreError> {
        wrap_key(&self.kek, DATA_KEY_WRAP_LABEL, key)
    }

    fn unwrap(&self, wrapped: &[u8]) -> Result<DataKey, StoreError> {
        unwrap_key(&self.kek, DATA_KEY_WRAP_LABEL, wrapped)
    }

    fn id(&self) -> String {
        "static-test-key".into()
    }
}

impl Drop for StaticKeyProvider {
    fn drop(&mut self) {
        self.kek.zeroize();
    }
}

impl fmt::Debug for StaticKeyProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StaticKeyProvider(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tests pass a low count explicitly: 600,000 rounds take seconds in a debug build.
    const FAST: u32 = 1_000;

    #[test]
    fn default_iterations_meet_the_requirement() {
        const { assert!(PBKDF2_ITERATIONS >= 600_000) };
        // The constructor for new databases uses the default, not a test value.
        let salt = [9; SALT_LEN];
        let p = PassphraseKeyProvider::new("x", salt, PBKDF2_ITERATIONS).unwrap();
        assert_eq!(p.passphrase_params(), Some(PassphraseParams { salt, iterations: 600_000 }));
    }

    #[test]
    fn passphrase_wrap_round_trip_and_wrong_passphrase() {
        let salt = PassphraseKeyProvider::generate_salt().unwrap();
        let p = PassphraseKeyProvider::new("correct horse", salt, FAST).unwrap();
        let key = DataKey::generate().unwrap();
        let wrapped = p.wrap(&key).unwrap();
        let again = PassphraseKeyProvider::new("correct horse", salt, FAST).unwrap();
        assert_eq!(again.unwrap(&wrapped).unwrap().expose_secret(), key.expose_secret());

        let wrong = PassphraseKeyProvider::new("correct horsf", salt, FAST).unwrap();
        assert!(matches!(wrong.unwrap(&wrapped), Err(StoreError::WrongKey)));
        let other_salt = PassphraseKeyProvider::new("correct horse", [0; SALT_LEN], FAST).unwrap();
        assert!(matches!(other_salt.unwrap(&wrapped), Err(StoreError::WrongKey)));
        let other_rounds = PassphraseKeyProvider::new("correct horse", salt, FAST + 1).unwrap();
        assert!(matches!(other_rounds.unwrap(&wrapped), Err(StoreError::WrongKey)));
    }

    /// Known-answer vector (docs/formats/store.md), computed independently with Python's
    /// hashlib PBKDF2 and `cryptography` AESGCM: passphrase → KEK → unwrapped data key.
    #[test]
    fn passphrase_test_vector() {
        let salt: [u8; SALT_LEN] = core::array::from_fn(|i| i as u8);
        let p = PassphraseKeyProvider::new("Sévaré 2024", salt, 1000).unwrap();
        let kek: String = p.kek.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(kek, "cd2487ecf2e06e12d1f777901e358d77e5ab49cae0d83563f3b06ff5a74adabd");
        let wrapped: Vec<u8> = (0..61)
            .map(|i| {
                let s = "01b0b0b0b0b0b0b0b0b0b0b0b0aabd67b717750a137c79b91423d09c90b8e63f8a7c0df\
                         f498bd6f1b268f8152b6c65a759fcad45e2d221af28097e705f";
                u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap()
            })
            .collect();
        let key = p.unwrap(&wrapped).unwrap();
        assert_eq!(key.expose_secret().to_vec(), (0x40u8..0x60).collect::<Vec<_>>());
    }

    #[test]
    fn passphrase_is_nfc_normalised() {
        let salt = [1; SALT_LEN];
        let composed = PassphraseKeyProvider::new("Sévaré", salt, FAST).unwrap();
        let decomposed = PassphraseKeyProvider::new("Se\u{301}vare\u{301}", salt, FAST).unwrap();
        let key = DataKey::generate().unwrap();
        let wrapped = composed.wrap(&key).unwrap();
        assert!(decomposed.unwrap(&wrapped).is_ok());
    }

    #[test]
    fn invalid_parameters_are_typed_errors() {
        assert!(matches!(
            PassphraseKeyProvider::new("x", [0; SALT_LEN], 0),
            Err(StoreError::InvalidKdf(_))
        ));
        assert!(matches!(
            PassphraseKeyProvider::new("x", [0; SALT_LEN], MAX_PBKDF2_ITERATIONS + 1),
            Err(StoreError::InvalidKdf(_))
        ));
        assert!(matches!(
            PassphraseKeyProvider::new("", [0; SALT_LEN], FAST),
            Err(StoreError::InvalidKdf(_))
        ));
    }

    #[test]
    fn static_provider_round_trip_and_debug_hides_keys() {
        let p = StaticKeyProvider::new([7; KEY_LEN]);
        let key = DataKey::generate().unwrap();
        let w = p.wrap(&key).unwrap();
        assert_eq!(p.unwrap(&w).unwrap().expose_secret(), key.expose_secret());
        assert!(matches!(
            StaticKeyProvider::new([8; KEY_LEN]).unwrap(&w),
            Err(StoreError::WrongKey)
        ));
        assert_eq!(format!("{p:?}"), "StaticKeyProvider(..)");
        let pp = PassphraseKeyProvider::new("secret", [0; SALT_LEN], FAST).unwrap();
        assert!(!format!("{pp:?}").contains("secret"));
    }

    #[test]
    fn provider_is_object_safe() {
        let providers: Vec<Box<dyn KeyProvider>> = vec![
            Box::new(StaticKeyProvider::new([1; KEY_LEN])),
            Box::new(PassphraseKeyProvider::new("p", [0; SALT_LEN], FAST).unwrap()),
        ];
        assert_eq!(providers[0].id(), "static-test-key");
        assert_eq!(providers[1].id(), "passphrase:pbkdf2-hmac-sha256");
        assert!(providers[0].passphrase_params().is_none());
    }
}
