//! Encrypted storage: SQLite (rusqlite, bundled) with values sealed by AES-256-GCM (ring).
//!
//! Key hierarchy: a [`KeyProvider`] (Android Keystore, a passphrase, or a test key) wraps one
//! random 256-bit data key, stored wrapped in the `meta` table; the data key seals values and
//! wraps per-record keys (table `record_keys`); a record key seals one record's values, so
//! deleting it erases the record. The format is documented in `docs/formats/store.md`.
//!
//! This module knows nothing of households or persons: the registry passes its tables in as
//! [`Migration`] steps and seals its values with [`Store::seal`] or a record key.

mod crypto;
mod db;
mod error;
mod keys;

#[cfg(test)]
mod tests;

pub use crypto::{
    open, seal, Aad, DataKey, KEY_LEN, SEAL_NONCE_LEN, SEAL_OVERHEAD, SEAL_TAG_LEN, SEAL_VERSION,
};
pub use db::{
    migrate, schema_version, Migration, Store, StoreInfo, META_TABLE, RECORD_KEYS_COLUMN,
    RECORD_KEYS_TABLE, STORE_MIGRATIONS,
};
pub use error::StoreError;
pub use keys::{
    KeyProvider, PassphraseKeyProvider, PassphraseParams, StaticKeyProvider, DATA_KEY_WRAP_LABEL,
    KDF_PBKDF2_SHA256, MAX_PBKDF2_ITERATIONS, PBKDF2_ITERATIONS, SALT_LEN,
};
