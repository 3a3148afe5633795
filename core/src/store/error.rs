//! The one error type of the store module, with messages that field staff and data managers
//! can act on.
//!
//! SQLite failures are classified by their (extended) result code in [`From<rusqlite::Error>`]
//! so that callers — the registry, the CLI, the FFI layer — match on a handful of typed
//! variants instead of parsing SQLite's text.

use std::path::PathBuf;

use rusqlite::ffi;

/// Everything that can go wrong in `jatigi_core::store`.
///
/// Messages are English; the CLI and the Android shell translate by variant, not by text.
/// No variant ever carries key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The passphrase or platform key does not unlock the database's data key.
    #[error(
        "wrong passphrase or key: the database key could not be unlocked (nothing was changed)"
    )]
    WrongKey,

    /// A sealed value failed authentication: altered, damaged, or moved from another row,
    /// column or table.
    #[error(
        "a stored value in {table}.{column} (row {row}) failed its integrity check: it was \
         altered, damaged or moved from another row; restore the record from a backup or a \
         sync packet"
    )]
    Tampered {
        /// Table the caller expected the value to belong to.
        table: String,
        /// Column the caller expected the value to belong to.
        column: String,
        /// Row id the caller expected the value to belong to.
        row: i64,
    },

    /// A sealed value or wrapped key uses a format version this build does not know.
    #[error(
        "a stored value uses encryption format version {0}, which this version of Jatigi does \
         not know: update Jatigi"
    )]
    UnsupportedFormat(u8),

    /// The database schema is newer than this build knows; nothing was written.
    #[error(
        "this database was written by a newer version of Jatigi (schema {found}, this version \
         knows up to {supported}): update Jatigi before opening it (nothing was changed)"
    )]
    NewerVersion {
        /// `PRAGMA user_version` found in the file.
        found: u32,
        /// Highest schema version this build can handle.
        supported: u32,
    },

    /// The file is damaged or is not a SQLite database at all.
    #[error(
        "the database file is damaged or is not a Jatigi database ({detail}): restore it from \
         a backup or a sync packet (nothing was changed)"
    )]
    Corrupt {
        /// What SQLite or the store found wrong.
        detail: String,
    },

    /// The file is a SQLite database, but not one created by the Jatigi store.
    #[error(
        "this file is a database but not a Jatigi store (it has no key table): check that you \
         chose the right file (nothing was changed)"
    )]
    NotAStore,

    /// The database file or its folder cannot be written.
    #[error(
        "the database file or its folder is read-only: check the file permissions, the free \
         space on the storage card and its write-protect switch (nothing was changed)"
    )]
    ReadOnly,

    /// The device storage is full; the transaction in progress was rolled back.
    #[error(
        "the device storage is full: the last change was cancelled and nothing saved before \
         it was lost; free some space and try again"
    )]
    DiskFull,

    /// Another connection holds the database lock for longer than the busy timeout.
    #[error("the database is in use by another task or program: wait a moment and try again")]
    Busy,

    /// `Store::open` was given a path where no file exists.
    #[error("no database file at {}: check the path", path.display())]
    NotFound {
        /// The path that was asked for.
        path: PathBuf,
    },

    /// `Store::create` was given a path where a file already exists.
    #[error(
        "a file already exists at {}: open it instead, or choose another path (nothing was \
         changed)",
        path.display()
    )]
    AlreadyExists {
        /// The path that was asked for.
        path: PathBuf,
    },

    /// SQLite could not open the file for another reason (missing folder, too many files…).
    #[error("the database file could not be opened ({detail}): check that its folder exists")]
    CannotOpen {
        /// SQLite's description.
        detail: String,
    },

    /// `open_with_passphrase` on a store protected by another kind of key provider.
    #[error(
        "this database is not protected by a passphrase but by `{provider_id}`: open it on \
         the device that created it"
    )]
    NotPassphraseProtected {
        /// The provider recorded in the store.
        provider_id: String,
    },

    /// The record key was erased (or never existed): the record's values cannot be read.
    #[error("the key of record {id} has been erased: its data can no longer be read")]
    RecordKeyMissing {
        /// The `record_keys` row id.
        id: i64,
    },

    /// The key provider (e.g. the Android Keystore) failed for a reason other than a wrong key.
    #[error("the key store failed: {0}")]
    KeyProvider(String),

    /// Key-derivation parameters are unusable (zero iterations, missing salt…).
    #[error("invalid key derivation parameters: {0}")]
    InvalidKdf(String),

    /// The operating system's random number generator failed (should never happen).
    #[error("the system random number generator failed: no key or nonce could be made")]
    Random,

    /// A value is too large for AES-GCM (over 64 GiB; never happens with real records).
    #[error("a value is too large to encrypt")]
    ValueTooLarge,

    /// A migration list is malformed (a programming error, caught by the tests).
    #[error("invalid schema migration list: {0}")]
    InvalidSchema(String),

    /// A caller used a table name that the store reserves for itself.
    #[error("table name `{0}` is reserved by the store")]
    ReservedTable(String),

    /// A file-system operation around the database failed.
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),

    /// Any other SQLite error (usually a bug in a query).
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for StoreError {
    /// Classify a SQLite failure by its primary result code (the low byte of the extended
    /// code), so every extended variant (`SQLITE_READONLY_DBMOVED`, `SQLITE_CORRUPT_INDEX`, …)
    /// lands in the right typed variant.
    fn from(e: rusqlite::Error) -> Self {
        let rusqlite::Error::SqliteFailure(ref failure, ref message) = e else {
            return StoreError::Sqlite(e);
        };
        let detail = || message.clone().unwrap_or_else(|| failure.to_string());
        match failure.extended_code & 0xff {
            ffi::SQLITE_FULL => StoreError::DiskFull,
            ffi::SQLITE_READONLY => StoreError::ReadOnly,
            ffi::SQLITE_NOTADB | ffi::SQLITE_CORRUPT => StoreError::Corrupt { detail: detail() },
            ffi::SQLITE_BUSY | ffi::SQLITE_LOCKED => StoreError::Busy,
            ffi::SQLITE_CANTOPEN => StoreError::CannotOpen { detail: detail() },
            _ => StoreError::Sqlite(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(extended: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(ffi::Error::new(extended), None)
    }

    #[test]
    fn extended_codes_map_to_typed_variants() {
        assert!(matches!(StoreError::from(failure(ffi::SQLITE_FULL)), StoreError::DiskFull));
        assert!(matches!(
            StoreError::from(failure(ffi::SQLITE_READONLY_DBMOVED)),
            StoreError::ReadOnly
        ));
        assert!(matches!(
            StoreError::from(failure(ffi::SQLITE_READONLY_DIRECTORY)),
            StoreError::ReadOnly
        ));
        assert!(matches!(
            StoreError::from(failure(ffi::SQLITE_NOTADB)),
            StoreError::Corrupt { .. }
        ));
        assert!(matches!(
            StoreError::from(failure(ffi::SQLITE_CORRUPT_INDEX)),
            StoreError::Corrupt { .. }
        ));
        assert!(matches!(StoreError::from(failure(ffi::SQLITE_BUSY_SNAPSHOT)), StoreError::Busy));
        assert!(matches!(
            StoreError::from(failure(ffi::SQLITE_CONSTRAINT_UNIQUE)),
            StoreError::Sqlite(_)
        ));
        assert!(matches!(
            StoreError::from(rusqlite::Error::QueryReturnedNoRows),
            StoreError::Sqlite(_)
        ));
    }
}
