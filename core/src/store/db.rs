//! The SQLite database: opening, pragmas, migrations, the wrapped data key, record keys and
//! erasure.
//!
//! Opening checks everything that can be checked without writing — that the file is a
//! database, that it is not from a newer version, that the key unlocks it — before the first
//! write, so a refused open leaves the file byte for byte as it was.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{
    params, Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior,
};
use zeroize::Zeroizing;

use super::crypto::{self, Aad, DataKey};
use super::keys::{
    KeyProvider, PassphraseKeyProvider, PassphraseParams, KDF_PBKDF2_SHA256, MAX_PBKDF2_ITERATIONS,
    SALT_LEN,
};
use super::StoreError;

/// One schema step: SQL run in a transaction that also sets `PRAGMA user_version = version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migration {
    /// The schema version this step brings the database to (steps are numbered 1, 2, 3…).
    pub version: u32,
    /// A short description, for reviews and error messages.
    pub name: &'static str,
    /// The SQL; several statements are allowed. Must be transactional (no `VACUUM`, no
    /// `PRAGMA journal_mode`).
    pub sql: &'static str,
}

/// Table holding the wrapped data key and the key-provider description (one row, id 1).
pub const META_TABLE: &str = "meta";
/// Table holding per-record keys wrapped under the data key; destroying a row erases the
/// record's sealed values.
pub const RECORD_KEYS_TABLE: &str = "record_keys";
/// Column of [`RECORD_KEYS_TABLE`] holding the wrapped key (also its AAD column name).
pub const RECORD_KEYS_COLUMN: &str = "wrapped";

/// The store's own schema steps. Version 1 belongs to the store; other modules number their
/// steps from 2 and pass them to [`Store::open_with_schema`]. A later store step takes the
/// next free number in the combined list (the validation catches collisions in tests).
pub const STORE_MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "store: meta and record_keys",
    sql: "
        CREATE TABLE meta (
            id             INTEGER PRIMARY KEY CHECK (id = 1),
            format         INTEGER NOT NULL,
            provider_id    TEXT    NOT NULL,
            wrapped_key    BLOB    NOT NULL,
            kdf            TEXT,
            kdf_salt       BLOB,
            kdf_iterations INTEGER,
            created_at     TEXT    NOT NULL,
            key_rotated_at TEXT,
            CHECK ((kdf IS NULL) = (kdf_salt IS NULL) AND (kdf IS NULL) = (kdf_iterations IS NULL))
        ) STRICT;
        -- AUTOINCREMENT: an erased record's key id is never reused.
        CREATE TABLE record_keys (
            id      INTEGER PRIMARY KEY AUTOINCREMENT,
            wrapped BLOB    NOT NULL
        ) STRICT;
    ",
}];

/// Format of the `meta` row and of sealed values (see `docs/formats/store.md`).
const META_FORMAT: i64 = 1;
/// How long a writer waits for another connection's lock before [`StoreError::Busy`].
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// UTC timestamp in SQL, so the store needs no date library.
const NOW_SQL: &str = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')";

/// Facts about a store's key protection, for `jatigi store info`-style commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreInfo {
    /// [`KeyProvider::id`] of the provider that wraps the data key.
    pub provider_id: String,
    /// PBKDF2 parameters when the data key is wrapped by a passphrase.
    pub passphrase: Option<PassphraseParams>,
    /// When the store was created (UTC, RFC 3339).
    pub created_at: String,
    /// When the data key was last re-wrapped, if ever (UTC, RFC 3339).
    pub key_rotated_at: Option<String>,
    /// Current `PRAGMA user_version`.
    pub schema_version: u32,
}

/// An open, unlocked Jatigi database.
///
/// Not `Sync` (a SQLite connection serves one thread at a time); wrap it in a `Mutex` to
/// share it. The data key lives only in memory and is wiped when the store is dropped.
pub struct Store {
    conn: Connection,
    key: DataKey,
    path: PathBuf,
    schema_version: u32,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .field("schema_version", &self.schema_version)
            .finish_non_exhaustive()
    }
}

/// The `meta` row as read before the key is unlocked.
struct MetaRow {
    provider_id: String,
    wrapped_key: Vec<u8>,
    kdf: Option<String>,
    kdf_salt: Option<Vec<u8>>,
    kdf_iterations: Option<i64>,
}

impl MetaRow {
    fn passphrase_params(&self) -> Result<Option<PassphraseParams>, StoreError> {
        let (Some(kdf), Some(salt), Some(iterations)) =
            (&self.kdf, &self.kdf_salt, self.kdf_iterations)
        else {
            return Ok(None);
        };
        if kdf != KDF_PBKDF2_SHA256 {
            return Err(StoreError::InvalidKdf(format!("unknown key derivation `{kdf}`")));
        }
        let salt: [u8; SALT_LEN] = salt.as_slice().try_into().map_err(|_| StoreError::Corrupt {
            detail: format!("the passphrase salt has {} bytes", salt.len()),
        })?;
        let iterations = u32::try_from(iterations)
            .ok()
            .filter(|&n| (1..=MAX_PBKDF2_ITERATIONS).contains(&n))
            .ok_or_else(|| StoreError::Corrupt {
                detail: format!("the passphrase iteration count {iterations} is out of range"),
            })?;
        Ok(Some(PassphraseParams { salt, iterations }))
    }
}

impl Store {
    /// Create a new store with only the store's own tables.
    pub fn create(path: impl AsRef<Path>, provider: &dyn KeyProvider) -> Result<Store, StoreError> {
        Self::create_with_schema(path, provider, &[])
    }

    /// Open an existing store that has only the store's own tables.
    pub fn open(path: impl AsRef<Path>, provider: &dyn KeyProvider) -> Result<Store, StoreError> {
        Self::open_with_schema(path, provider, &[])
    }

    /// Create a new store at `path` (which must not exist) with a fresh data key wrapped by
    /// `provider`, and the store's steps plus `schema` applied in one transaction.
    pub fn create_with_schema(
        path: impl AsRef<Path>,
        provider: &dyn KeyProvider,
        schema: &[Migration],
    ) -> Result<Store, StoreError> {
        let path = path.as_ref();
        let steps = combined_steps(schema)?;
        if path.try_exists()? {
            return Err(StoreError::AlreadyExists { path: path.to_owned() });
        }
        let key = DataKey::generate()?;
        let wrapped = provider.wrap(&key)?;
        let kdf = provider.passphrase_params();

        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| at_path(path, e))?;
        let result = (|| {
            apply_pragmas(&conn).map_err(|e| at_path(path, e))?;
            let tx = Transaction::new_unchecked(&conn, TransactionBehavior::Immediate)?;
            apply_steps(&tx, 0, &steps)?;
            tx.execute(
                &format!(
                    "INSERT INTO meta (id, format, provider_id, wrapped_key, kdf, kdf_salt,
                                       kdf_iterations, created_at)
                     VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, {NOW_SQL})"
                ),
                params![
                    META_FORMAT,
                    provider.id(),
                    wrapped,
                    kdf.map(|_| KDF_PBKDF2_SHA256),
                    kdf.map(|p| p.salt.to_vec()),
                    kdf.map(|p| i64::from(p.iterations)),
                ],
            )?;
            tx.commit()?;
            Ok::<_, StoreError>(())
        })();
        match result {
            Ok(()) => {
                Ok(Store { conn, key, path: path.to_owned(), schema_version: steps.len() as u32 })
            }
            Err(e) => {
                // We made the file, and it holds nothing of value: leave no half-made store.
                drop(conn);
                remove_database_files(path);
                Err(e)
            }
        }
    }

    /// Open an existing store, unlock its data key with `provider`, and apply any pending
    /// steps of the store's and `schema`'s migrations.
    ///
    /// Nothing is written unless the file is a Jatigi store of a known version and the key
    /// unlocks it.
    pub fn open_with_schema(
        path: impl AsRef<Path>,
        provider: &dyn KeyProvider,
        schema: &[Migration],
    ) -> Result<Store, StoreError> {
        Self::open_inner(path.as_ref(), schema, |meta| provider.unwrap(&meta.wrapped_key))
    }

    /// Create a store whose data key is wrapped by `passphrase` (PBKDF2 with a new random
    /// salt and [`PBKDF2_ITERATIONS`](super::PBKDF2_ITERATIONS) rounds, recorded in `meta`).
    pub fn create_with_passphrase(
        path: impl AsRef<Path>,
        passphrase: &str,
        schema: &[Migration],
    ) -> Result<Store, StoreError> {
        let provider = PassphraseKeyProvider::with_new_salt(passphrase)?;
        Self::create_with_schema(path, &provider, schema)
    }

    /// Open a passphrase-protected store with the passphrase alone (salt and iteration count
    /// are read from `meta`). A wrong passphrase is [`StoreError::WrongKey`], nothing written.
    pub fn open_with_passphrase(
        path: impl AsRef<Path>,
        passphrase: &str,
        schema: &[Migration],
    ) -> Result<Store, StoreError> {
        Self::open_inner(path.as_ref(), schema, |meta| {
            let params = meta.passphrase_params()?.ok_or_else(|| {
                StoreError::NotPassphraseProtected { provider_id: meta.provider_id.clone() }
            })?;
            PassphraseKeyProvider::new(passphrase, params.salt, params.iterations)?
                .unwrap(&meta.wrapped_key)
        })
    }

    fn open_inner(
        path: &Path,
        schema: &[Migration],
        unlock: impl FnOnce(&MetaRow) -> Result<DataKey, StoreError>,
    ) -> Result<Store, StoreError> {
        let steps = combined_steps(schema)?;
        if !path.try_exists()? {
            return Err(StoreError::NotFound { path: path.to_owned() });
        }
        // No SQLITE_OPEN_CREATE: a mistyped path must not become a new empty database.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags).map_err(|e| at_path(path, e))?;
        conn.busy_timeout(BUSY_TIMEOUT)?;

        // SQLite silently falls back to read-only when the file is write-protected; we would
        // only find out at the first save, so refuse now.
        if conn.is_readonly("main")? {
            return Err(StoreError::ReadOnly);
        }
        // The first read: a file that is not a database fails here with SQLITE_NOTADB.
        let found = user_version(&conn).map_err(|e| at_path(path, e))?;
        let supported = steps.len() as u32;
        if found > supported {
            return Err(StoreError::NewerVersion { found, supported });
        }
        let meta = read_meta(&conn)?;
        let key = unlock(&meta)?;

        // From here on we may write: the file is ours, known and unlocked.
        apply_pragmas(&conn).map_err(|e| at_path(path, e))?;
        let schema_version = migrate_steps(&mut conn, &steps)?;
        Ok(Store { conn, key, path: path.to_owned(), schema_version })
    }

    /// The underlying connection, for the registry's queries.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The database file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version (`PRAGMA user_version`) after migrations.
    pub fn schema_version(&self) -> u32 {
        self.schema_version
    }

    /// Run `f` in an immediate (write-locking) transaction: committed if `f` returns `Ok`,
    /// rolled back otherwise, or if the commit itself fails (e.g. the disk is full).
    ///
    /// `f` may call the store's other `&self` methods ([`seal`](Self::seal),
    /// [`insert_record_key`](Self::insert_record_key)…): they run inside the transaction.
    /// Transactions do not nest; starting one inside `f` is a [`StoreError::Sqlite`] error.
    pub fn transaction<T, E>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        // IMMEDIATE takes the write lock up front, so a WAL reader never has to upgrade
        // mid-transaction (which fails with SQLITE_BUSY instead of waiting).
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let value = f(&tx)?;
        // On failure `commit` drops the transaction, which rolls back.
        tx.commit().map_err(StoreError::from)?;
        Ok(value)
    }

    /// Seal `plaintext` under the data key for the place `aad`.
    pub fn seal(&self, aad: &Aad, plaintext: &[u8]) -> Result<Vec<u8>, StoreError> {
        check_table(aad)?;
        crypto::seal(&self.key, aad, plaintext)
    }

    /// Open a value sealed by [`seal`](Self::seal) for the same place.
    pub fn open_sealed(&self, aad: &Aad, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, StoreError> {
        check_table(aad)?;
        crypto::open(&self.key, aad, sealed)
    }

    /// Re-wrap the data key with `new_provider` (no data is re-encrypted), then checkpoint so
    /// the old wrapped key is gone from the WAL: the old provider no longer opens the store.
    ///
    /// The new provider must unwrap its own output before it replaces the old one, so a
    /// faulty provider cannot lock the data away. A [`StoreError::Busy`] from the final
    /// checkpoint means the rotation is done but the old wrapped key may remain in the WAL
    /// until [`checkpoint_truncate`](Self::checkpoint_truncate) succeeds.
    pub fn rotate_key(&mut self, new_provider: &dyn KeyProvider) -> Result<(), StoreError> {
        let wrapped = new_provider.wrap(&self.key)?;
        let check = new_provider.unwrap(&wrapped)?;
        if check.expose_secret() != self.key.expose_secret() {
            return Err(StoreError::KeyProvider(
                "the new key provider does not give back the key it wrapped".into(),
            ));
        }
        drop(check);
        let kdf = new_provider.passphrase_params();
        self.transaction(|tx| {
            tx.execute(
                &format!(
                    "UPDATE meta SET provider_id = ?1, wrapped_key = ?2, kdf = ?3, kdf_salt = ?4,
                                     kdf_iterations = ?5, key_rotated_at = {NOW_SQL}
                     WHERE id = 1"
                ),
                params![
                    new_provider.id(),
                    wrapped,
                    kdf.map(|_| KDF_PBKDF2_SHA256),
                    kdf.map(|p| p.salt.to_vec()),
                    kdf.map(|p| i64::from(p.iterations)),
                ],
            )?;
            Ok::<_, StoreError>(())
        })?;
        self.checkpoint_truncate()
    }

    /// [`rotate_key`](Self::rotate_key) to a new passphrase (new salt, default iterations).
    pub fn rotate_passphrase(&mut self, new_passphrase: &str) -> Result<(), StoreError> {
        let provider = PassphraseKeyProvider::with_new_salt(new_passphrase)?;
        self.rotate_key(&provider)
    }

    /// A fresh random per-record key (not yet stored).
    pub fn new_record_key(&self) -> Result<DataKey, StoreError> {
        DataKey::generate()
    }

    /// Wrap a record key under the data key, bound to `record_keys.wrapped` at row `id`.
    pub fn wrap_record_key(&self, id: i64, key: &DataKey) -> Result<Vec<u8>, StoreError> {
        crypto::seal(&self.key, &record_key_aad(id), key.expose_secret())
    }

    /// Unwrap a record key made by [`wrap_record_key`](Self::wrap_record_key) for row `id`.
    pub fn unwrap_record_key(&self, id: i64, wrapped: &[u8]) -> Result<DataKey, StoreError> {
        let plain = crypto::open(&self.key, &record_key_aad(id), wrapped)?;
        DataKey::from_slice(&plain).map_err(|_| StoreError::Corrupt {
            detail: format!("record key {id} has the wrong length"),
        })
    }

    /// Store `key` wrapped in a new `record_keys` row and return its id. Runs inside the
    /// caller's transaction if one is open (so a household and its key commit together).
    pub fn insert_record_key(&self, key: &DataKey) -> Result<i64, StoreError> {
        let insert = |conn: &Connection| -> Result<i64, StoreError> {
            // The row id is part of the AAD, so take the id first (an empty placeholder,
            // overwritten before the transaction commits) and seal for it.
            conn.execute("INSERT INTO record_keys (wrapped) VALUES (x'')", [])?;
            let id = conn.last_insert_rowid();
            let wrapped = self.wrap_record_key(id, key)?;
            conn.execute(
                "UPDATE record_keys SET wrapped = ?1 WHERE id = ?2",
                params![wrapped, id],
            )?;
            Ok(id)
        };
        if self.conn.is_autocommit() {
            self.transaction(|tx| insert(tx))
        } else {
            insert(&self.conn)
        }
    }

    /// A fresh record key, stored: `(id, key)`.
    pub fn create_record_key(&self) -> Result<(i64, DataKey), StoreError> {
        let key = self.new_record_key()?;
        let id = self.insert_record_key(&key)?;
        Ok((id, key))
    }

    /// Load and unwrap the record key `id`; [`StoreError::RecordKeyMissing`] once erased.
    pub fn load_record_key(&self, id: i64) -> Result<DataKey, StoreError> {
        let wrapped: Option<Vec<u8>> = self
            .conn
            .query_row("SELECT wrapped FROM record_keys WHERE id = ?1", [id], |r| r.get(0))
            .optional()?;
        let wrapped = wrapped.ok_or(StoreError::RecordKeyMissing { id })?;
        self.unwrap_record_key(id, &wrapped)
    }

    /// Delete the record key `id` (true if it existed). Prefer
    /// [`erase_record`](Self::erase_record), which also checkpoints.
    pub fn delete_record_key(&self, id: i64) -> Result<bool, StoreError> {
        Ok(self.conn.execute("DELETE FROM record_keys WHERE id = ?1", [id])? > 0)
    }

    /// Erase a record: in one transaction run `delete_rows` (the caller deletes its rows)
    /// and delete record key `id`; then [`checkpoint_truncate`](Self::checkpoint_truncate)
    /// so neither the main file (zeroed by `secure_delete`) nor the WAL keeps the wrapped
    /// key. Whatever sealed bytes remain anywhere can no longer be opened.
    pub fn erase_record<E>(
        &self,
        id: i64,
        delete_rows: impl FnOnce(&Transaction<'_>) -> Result<(), E>,
    ) -> Result<(), E>
    where
        E: From<StoreError>,
    {
        self.transaction(|tx| -> Result<(), E> {
            delete_rows(tx)?;
            if !self.delete_record_key(id)? {
                return Err(StoreError::RecordKeyMissing { id }.into());
            }
            Ok(())
        })?;
        self.checkpoint_truncate().map_err(E::from)
    }

    /// Copy every WAL frame into the main file and truncate the WAL to zero bytes, so old
    /// page versions (a deleted key, a rotated wrapped key) stop existing in the WAL.
    /// [`StoreError::Busy`] if another connection's reader prevented a full checkpoint.
    pub fn checkpoint_truncate(&self) -> Result<(), StoreError> {
        let (busy, log, done): (i64, i64, i64) =
            self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?;
        // (0, 0, 0) after TRUNCATE: not blocked and every frame copied; the WAL is empty.
        if busy != 0 || log != done {
            return Err(StoreError::Busy);
        }
        Ok(())
    }

    /// Run `PRAGMA integrity_check`; any finding is [`StoreError::Corrupt`].
    pub fn integrity_check(&self) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        let findings: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        if findings.len() == 1 && findings[0] == "ok" {
            Ok(())
        } else {
            Err(StoreError::Corrupt { detail: findings.join("; ") })
        }
    }

    /// The key provider, key derivation and dates recorded in `meta`.
    pub fn info(&self) -> Result<StoreInfo, StoreError> {
        let meta = read_meta(&self.conn)?;
        let (created_at, key_rotated_at) = self.conn.query_row(
            "SELECT created_at, key_rotated_at FROM meta WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(StoreInfo {
            passphrase: meta.passphrase_params()?,
            provider_id: meta.provider_id,
            created_at,
            key_rotated_at,
            schema_version: self.schema_version,
        })
    }

    /// Close the connection (checkpointing the WAL as SQLite does on close) and wipe the key.
    pub fn close(self) -> Result<(), StoreError> {
        let Store { conn, key, .. } = self;
        drop(key);
        conn.close().map_err(|(_, e)| StoreError::from(e))
    }
}

/// Apply the pending steps of `steps` to `conn` in one transaction and return the new
/// `user_version`. Steps must be numbered 1..=n without gaps (in any order).
///
/// A database newer than the list is [`StoreError::NewerVersion`], and nothing is written.
pub fn migrate(conn: &mut Connection, steps: &[Migration]) -> Result<u32, StoreError> {
    migrate_steps(conn, &validate_steps(steps.iter().collect())?)
}

/// [`migrate`] for an already validated, sorted list.
fn migrate_steps(conn: &mut Connection, steps: &[&Migration]) -> Result<u32, StoreError> {
    let supported = steps.len() as u32;
    let found = user_version(conn)?;
    if found > supported {
        return Err(StoreError::NewerVersion { found, supported });
    }
    if found == supported {
        return Ok(found);
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Re-read under the write lock: another connection may have migrated meanwhile.
    let found = user_version(&tx)?;
    if found > supported {
        return Err(StoreError::NewerVersion { found, supported });
    }
    apply_steps(&tx, found, steps)?;
    tx.commit()?;
    Ok(supported)
}

/// The current `PRAGMA user_version`.
pub fn schema_version(conn: &Connection) -> Result<u32, StoreError> {
    Ok(user_version(conn)?)
}

fn user_version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))
        // user_version is a signed 32-bit header field; a negative value is someone else's.
        .map(|v| u32::try_from(v).unwrap_or(u32::MAX))
}

fn apply_steps(tx: &Transaction<'_>, from: u32, steps: &[&Migration]) -> Result<(), StoreError> {
    for step in steps.iter().filter(|s| s.version > from) {
        tx.execute_batch(step.sql).map_err(|e| match StoreError::from(e) {
            StoreError::Sqlite(e) => StoreError::InvalidSchema(format!(
                "step {} ({}) failed: {e}",
                step.version, step.name
            )),
            other => other,
        })?;
        tx.pragma_update(None, "user_version", step.version)?;
    }
    Ok(())
}

/// The store's steps followed by `schema`'s, validated and in version order.
fn combined_steps(schema: &[Migration]) -> Result<Vec<&Migration>, StoreError> {
    validate_steps(STORE_MIGRATIONS.iter().chain(schema).collect())
}

fn validate_steps(mut steps: Vec<&Migration>) -> Result<Vec<&Migration>, StoreError> {
    steps.sort_by_key(|s| s.version);
    for (i, step) in steps.iter().enumerate() {
        let expected = i as u32 + 1;
        if step.version != expected {
            return Err(StoreError::InvalidSchema(format!(
                "expected step {expected}, found step {} ({}): steps must be numbered 1, 2, 3… \
                 without gaps or duplicates (step 1 is the store's)",
                step.version, step.name
            )));
        }
    }
    Ok(steps)
}

/// Connection settings. None of them writes to an existing WAL-mode file.
fn apply_pragmas(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // WAL: crash-safe with concurrent readers; FULL: fsync the WAL at every commit, so an
    // acknowledged save survives a power cut (tablets run out of battery).
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
            Some(format!("the database could not switch to WAL mode (it is in `{mode}` mode)")),
        ));
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Deleted content is overwritten with zeros, so an erased record's key leaves no trace
    // in free pages once the WAL is checkpointed.
    conn.pragma_update(None, "secure_delete", "ON")?;
    // Sorts and temporary indexes stay in memory: no temp files beside the database (and
    // Android has no usable temp directory for SQLite anyway).
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

fn read_meta(conn: &Connection) -> Result<MetaRow, StoreError> {
    let has_meta: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta')",
        [],
        |r| r.get(0),
    )?;
    if !has_meta {
        return Err(StoreError::NotAStore);
    }
    let row = conn
        .query_row(
            "SELECT format, provider_id, wrapped_key, kdf, kdf_salt, kdf_iterations
             FROM meta WHERE id = 1",
            [],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    MetaRow {
                        provider_id: r.get(1)?,
                        wrapped_key: r.get(2)?,
                        kdf: r.get(3)?,
                        kdf_salt: r.get(4)?,
                        kdf_iterations: r.get(5)?,
                    },
                ))
            },
        )
        .optional()?;
    let (format, meta) = row.ok_or(StoreError::NotAStore)?;
    if format != META_FORMAT {
        return Err(StoreError::UnsupportedFormat(u8::try_from(format).unwrap_or(u8::MAX)));
    }
    Ok(meta)
}

fn record_key_aad(id: i64) -> Aad<'static> {
    Aad::new(RECORD_KEYS_TABLE, RECORD_KEYS_COLUMN, id)
}

/// The store's own tables are not for callers' values: a value sealed as
/// `record_keys.wrapped` would be accepted as a record key.
fn check_table(aad: &Aad) -> Result<(), StoreError> {
    if aad.table == RECORD_KEYS_TABLE || aad.table == META_TABLE {
        return Err(StoreError::ReservedTable(aad.table.to_owned()));
    }
    Ok(())
}

/// Classify an error from opening or first touching `path`: SQLite reports a write-protected
/// folder (where the WAL cannot be created) as "cannot open", which is really read-only.
fn at_path(path: &Path, e: rusqlite::Error) -> StoreError {
    match StoreError::from(e) {
        StoreError::CannotOpen { detail } => {
            let folder_read_only = path
                .parent()
                .map(|p| if p.as_os_str().is_empty() { Path::new(".") } else { p })
                .and_then(|p| std::fs::metadata(p).ok())
                .is_some_and(|m| m.permissions().readonly());
            let file_read_only = std::fs::metadata(path).is_ok_and(|m| m.permissions().readonly());
            if folder_read_only || file_read_only {
                StoreError::ReadOnly
            } else {
                StoreError::CannotOpen { detail }
            }
        }
        other => other,
    }
}

/// Remove a database and its side files after a failed `create` (errors ignored: the
/// create error is what the caller needs to see).
fn remove_database_files(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}
