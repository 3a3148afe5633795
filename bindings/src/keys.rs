//! The key provider the shell implements over the Android Keystore.
//!
//! The store's data key (random, 256 bits) encrypts everything; the provider only wraps and
//! unwraps that one key, so the Keystore key that protects it never leaves the Keystore
//! (typically AES-256-GCM, `setUserAuthenticationRequired` as the deployment decides). The
//! data key crosses to Kotlin only for the length of `wrap`, and Kotlin should not keep it.

use jatigi_core::store::{self, DataKey, StoreError};
use zeroize::Zeroizing;

/// Why the key provider could not wrap or unwrap.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum KeyProviderError {
    /// The wrapped key does not authenticate under this provider's key (Keystore: an
    /// `AEADBadTagException`): the wrong key, or a store from another device.
    #[error("the key does not unlock this store")]
    WrongKey,
    /// The key store itself failed (key permanently invalidated, hardware error...).
    #[error("{reason}")]
    Unavailable { reason: String },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for KeyProviderError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        KeyProviderError::Unavailable { reason: e.reason }
    }
}

/// Wraps and unwraps the store's data key; implemented by the shell (Android Keystore).
#[uniffi::export(callback_interface)]
pub trait KeyProvider: Send + Sync {
    /// Encrypt the 32-byte `key` for storage beside the database. Do not keep `key`.
    fn wrap(&self, key: Vec<u8>) -> Result<Vec<u8>, KeyProviderError>;
    /// Decrypt a key made by `wrap`; throw `WrongKey` when it does not authenticate.
    fn unwrap(&self, wrapped: Vec<u8>) -> Result<Vec<u8>, KeyProviderError>;
    /// A stable, non-secret name for this kind of provider, recorded in the store
    /// (e.g. `android-keystore:jatigi-v1`).
    fn id(&self) -> String;
}

/// Core's provider trait over the shell's.
pub(crate) struct ForeignKeyProvider(pub(crate) Box<dyn KeyProvider>);

impl store::KeyProvider for ForeignKeyProvider {
    fn wrap(&self, key: &DataKey) -> Result<Vec<u8>, StoreError> {
        self.0.wrap(key.expose_secret().to_vec()).map_err(StoreError::from_provider)
    }

    fn unwrap(&self, wrapped: &[u8]) -> Result<DataKey, StoreError> {
        let bytes = Zeroizing::new(self.0.unwrap(wrapped.to_vec()).map_err(StoreError::from_provider)?);
        // A provider that hands back something else than 32 bytes did not unwrap our key.
        DataKey::from_slice(&bytes).map_err(|_| StoreError::WrongKey)
    }

    fn id(&self) -> String {
        self.0.id()
    }
}

trait FromProvider {
    fn from_provider(e: KeyProviderError) -> StoreError;
}

impl FromProvider for StoreError {
    fn from_provider(e: KeyProviderError) -> StoreError {
        match e {
            KeyProviderError::WrongKey => StoreError::WrongKey,
            KeyProviderError::Unavailable { reason } => StoreError::KeyProvider(reason),
        }
    }
}
