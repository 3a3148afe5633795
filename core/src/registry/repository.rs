//! The registry on disk: households, members, captures, operators and the audit log as rows
//! of the encrypted store (docs/formats/schema.md, "Tables").
//!
//! Each household has its own record key (wrapped by the store's data key): its personal
//! data, templates, images and photos are sealed under it, bound to their table, column and
//! row. Erasing a household destroys that key, so nothing of it can be read again, in the
//! main file or the WAL. Saving a household is one transaction, audit entries included.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{params, OptionalExtension, Transaction};
use thiserror::Error;

use super::audit::{self, AuditAction, AuditBreak, AuditChain, AuditEntry, AuditError, ChainHead, DuplicateOutcome};
use super::ids::{HouseholdId, IdError, MemberNo, PersonId, Region};
use super::model::{
    Capture, CaptureException, CaptureExceptionKind, CaptureOutcome, Date, DeviceId, Displacement, DisplacementReason,
    DisplacementSite, FacePhoto, FingerImage, FingerImageFormat, FingerPosition, FingerSample, Household, Member,
    ModelError, Operator, OperatorId, Origin, Person, Relation, Role, Timestamp,
};
use super::names::NameKey;
use super::pin::{LockoutPolicy, PinError, PinGuard, PinHash};
use super::record::{HouseholdSecrets, RecordError};
use crate::biometrics::search::Gallery;
use crate::biometrics::{Template, TemplateError};
use crate::store::{self, Aad, DataKey, KeyProvider, Migration, Store, StoreError};

/// The registry's tables (store step 1 holds `meta` and `record_keys`).
pub const REGISTRY_MIGRATIONS: &[Migration] = &[Migration {
    version: 2,
    name: "registry tables",
    sql: "
        CREATE TABLE operators (
            row INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            role INTEGER NOT NULL,
            secret BLOB NOT NULL,
            failures INTEGER NOT NULL DEFAULT 0,
            last_failure_at INTEGER
        );
        CREATE TABLE households (
            row INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            key_id INTEGER NOT NULL UNIQUE REFERENCES record_keys(id),
            region TEXT NOT NULL,
            cercle TEXT NOT NULL,
            commune TEXT NOT NULL,
            site_name TEXT NOT NULL,
            origin_region TEXT NOT NULL,
            displaced_on TEXT NOT NULL,
            reason INTEGER NOT NULL,
            registered_at INTEGER NOT NULL,
            operator TEXT NOT NULL,
            device TEXT NOT NULL,
            head INTEGER NOT NULL,
            member_count INTEGER NOT NULL,
            secret BLOB NOT NULL
        );
        CREATE TABLE members (
            row INTEGER PRIMARY KEY,
            household INTEGER NOT NULL REFERENCES households(row) ON DELETE CASCADE,
            number INTEGER NOT NULL,
            relation INTEGER NOT NULL,
            consent INTEGER NOT NULL,
            same_as TEXT,
            person BLOB NOT NULL,
            face BLOB,
            UNIQUE (household, number)
        );
        CREATE TABLE captures (
            row INTEGER PRIMARY KEY,
            member INTEGER NOT NULL REFERENCES members(row) ON DELETE CASCADE,
            finger INTEGER NOT NULL,
            quality INTEGER,
            image_format INTEGER,
            template BLOB,
            image BLOB,
            exception BLOB,
            UNIQUE (member, finger)
        );
        CREATE INDEX members_by_household ON members(household);
        CREATE INDEX captures_by_member ON captures(member);
        -- No biometrics without consent, enforced by the database itself too.
        CREATE TRIGGER captures_need_consent BEFORE INSERT ON captures
        WHEN (SELECT consent FROM members WHERE row = NEW.member) IS NOT 1
        BEGIN
            SELECT RAISE(ABORT, 'no biometrics without consent');
        END;
        CREATE TABLE audit (
            seq INTEGER PRIMARY KEY,
            entry BLOB NOT NULL
        );
        CREATE TABLE audit_head (
            one INTEGER PRIMARY KEY CHECK (one = 1),
            sealed BLOB NOT NULL
        );
    ",
}, Migration {
    version: 3,
    name: "sync: device identity, exports, programme key, devices, imports, adjudications",
    sql: crate::sync::SYNC_TABLES_SQL,
}, crate::card::issuer::ISSUER_MIGRATION];

/// Why a registry operation failed.
#[derive(Debug, Error)]
pub enum RegistryError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("invalid data: {0}")]
    Model(#[from] ModelError),
    #[error("stored record unreadable: {0}")]
    Record(#[from] RecordError),
    #[error("stored template unreadable: {0}")]
    Template(#[from] TemplateError),
    #[error("audit log: {0}")]
    Audit(#[from] AuditError),
    #[error("identifier: {0}")]
    Id(#[from] IdError),
    #[error("PIN: {0}")]
    Pin(#[from] PinError),
    #[error("household {0} is already registered")]
    DuplicateHouseholdId(String),
    #[error("no household {0}")]
    UnknownHousehold(String),
    #[error("no operator {0}")]
    UnknownOperator(String),
    #[error("wrong PIN for operator {0}")]
    WrongPin(String),
    #[error("member {member} matched enrolled persons and needs a duplicate decision")]
    DecisionMissing { member: u8 },
    #[error("only a supervisor may override a duplicate match")]
    SupervisorRequired,
    #[error("the audit log's head does not match its last entry: entries were removed from its end")]
    AuditTruncated,
    #[error("stored value {column} of row {row} is invalid")]
    InvalidStoredValue { column: &'static str, row: i64 },
}

impl From<rusqlite::Error> for RegistryError {
    fn from(e: rusqlite::Error) -> Self {
        RegistryError::Store(StoreError::from(e))
    }
}

/// What the operator decided for a member who matched enrolled persons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DuplicateDecision {
    /// None of the candidates is this person.
    NewPerson,
    /// The person is already enrolled: the member is linked to them, biometrics not saved
    /// twice.
    SamePerson(PersonId),
    /// Enrolled as new although `candidate` matched; supervisor only, reason code recorded.
    Override { candidate: PersonId, reason: String },
}

/// One saved capture row as the gallery needs it.
fn finger_code(position: FingerPosition) -> u8 {
    position.code()
}

/// The registry: an open store with the registry schema.
pub struct Registry {
    store: Store,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").field("path", &self.store.path()).finish()
    }
}

/// Next free row id of a table (inside the write transaction, so no one else takes it):
/// sealed values are bound to their row id, which must be known before sealing.
fn next_row(tx: &Transaction<'_>, table: &str) -> Result<i64, RegistryError> {
    let sql = format!("SELECT COALESCE(MAX(row), 0) + 1 FROM {table}");
    Ok(tx.query_row(&sql, [], |r| r.get(0))?)
}

fn seal(key: &DataKey, table: &str, column: &str, row: i64, bytes: &[u8]) -> Result<Vec<u8>, RegistryError> {
    Ok(store::seal(key, &Aad::new(table, column, row), bytes)?)
}

fn open(key: &DataKey, table: &str, column: &str, row: i64, sealed: &[u8]) -> Result<zeroize::Zeroizing<Vec<u8>>, RegistryError> {
    Ok(store::open(key, &Aad::new(table, column, row), sealed)?)
}

impl Registry {
    /// Create a new registry file.
    pub fn create(path: impl AsRef<Path>, provider: &dyn KeyProvider) -> Result<Registry, RegistryError> {
        Ok(Registry { store: Store::create_with_schema(path, provider, REGISTRY_MIGRATIONS)? })
    }

    /// Open an existing registry file.
    pub fn open(path: impl AsRef<Path>, provider: &dyn KeyProvider) -> Result<Registry, RegistryError> {
        Ok(Registry { store: Store::open_with_schema(path, provider, REGISTRY_MIGRATIONS)? })
    }

    /// Create a registry protected by a passphrase (the hub).
    pub fn create_with_passphrase(path: impl AsRef<Path>, passphrase: &str) -> Result<Registry, RegistryError> {
        Ok(Registry { store: Store::create_with_passphrase(path, passphrase, REGISTRY_MIGRATIONS)? })
    }

    /// Open a registry protected by a passphrase (the hub).
    pub fn open_with_passphrase(path: impl AsRef<Path>, passphrase: &str) -> Result<Registry, RegistryError> {
        Ok(Registry { store: Store::open_with_passphrase(path, passphrase, REGISTRY_MIGRATIONS)? })
    }

    /// The underlying store (integrity checks, key rotation).
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    // ---- audit -----------------------------------------------------------------------

    fn audit_head(&self, tx: &Transaction<'_>) -> Result<ChainHead, RegistryError> {
        let sealed: Option<Vec<u8>> = tx.query_row("SELECT sealed FROM audit_head WHERE one = 1", [], |r| r.get(0)).optional()?;
        let Some(sealed) = sealed else { return Ok(ChainHead::GENESIS) };
        let bytes = self.store.open_sealed(&Aad::new("audit_head", "sealed", 1), &sealed)?;
        decode_head(&bytes).ok_or(RegistryError::InvalidStoredValue { column: "audit_head", row: 1 })
    }

    /// Append audit entries in the caller's transaction, moving the sealed head with them.
    pub(crate) fn append_audit(&self, tx: &Transaction<'_>, entries: &[(i64, &str, AuditAction, String, String)]) -> Result<(), RegistryError> {
        let mut chain = AuditChain::resume(self.audit_head(tx)?);
        for (at, operator, action, subject, detail) in entries {
            let entry = chain.append(*at, operator, action.clone(), subject, detail)?;
            tx.execute("INSERT INTO audit (seq, entry) VALUES (?1, ?2)", params![entry.seq as i64, entry.to_bytes()])?;
        }
        let head = chain.head();
        let sealed = self.store.seal(&Aad::new("audit_head", "sealed", 1), &encode_head(&head))?;
        tx.execute("INSERT INTO audit_head (one, sealed) VALUES (1, ?1) ON CONFLICT(one) DO UPDATE SET sealed = excluded.sealed", [sealed])?;
        Ok(())
    }

    /// Record one audit entry on its own.
    pub fn audit(&self, at: Timestamp, operator: &OperatorId, action: AuditAction, subject: &str, detail: &str) -> Result<(), RegistryError> {
        self.store.transaction(|tx| self.append_audit(tx, &[(at.0, operator.as_str(), action, subject.to_string(), detail.to_string())]))
    }

    /// Verify the whole audit chain; the error names the first broken link.
    pub fn verify_audit(&self) -> Result<Result<ChainHead, AuditBreak>, RegistryError> {
        let conn = self.store.conn();
        let mut stmt = conn.prepare("SELECT seq, entry FROM audit ORDER BY seq")?;
        let mut entries = Vec::new();
        let mut undecodable = None;
        for row in stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))? {
            let (seq, bytes) = row?;
            match AuditEntry::from_bytes(&bytes) {
                Ok(e) => entries.push(e),
                Err(_) => {
                    undecodable = Some(seq as u64);
                    break;
                }
            }
        }
        let verdict = audit::verify(entries);
        if let Some(seq) = undecodable {
            // Everything before the unreadable row verified; the break is that row at the latest.
            return Ok(Err(match verdict {
                Err(b) if b.first_bad_seq <= seq => b,
                _ => AuditBreak { first_bad_seq: seq, reason: audit::BreakReason::HashMismatch },
            }));
        }
        let head = match verdict {
            Ok(head) => head,
            Err(b) => return Ok(Err(b)),
        };
        let stored = self.store.transaction(|tx| self.audit_head(tx))?;
        if stored != head {
            return Err(RegistryError::AuditTruncated);
        }
        Ok(Ok(head))
    }

    // ---- operators ------------------------------------------------------------------

    /// Add an operator (name and PIN hash sealed).
    pub fn add_operator(&self, operator: &Operator, by: &OperatorId, at: Timestamp) -> Result<(), RegistryError> {
        operator.validate()?;
        self.store.transaction(|tx| {
            let row = next_row(tx, "operators")?;
            let mut secret = Vec::new();
            secret.extend_from_slice(&operator.pin.to_bytes());
            secret.extend_from_slice(operator.name.as_bytes());
            let sealed = self.store.seal(&Aad::new("operators", "secret", row), &secret)?;
            tx.execute(
                "INSERT INTO operators (row, id, role, secret) VALUES (?1, ?2, ?3, ?4)",
                params![row, operator.id.as_str(), role_code(operator.role), sealed],
            )?;
            self.append_audit(tx, &[(at.0, by.as_str(), AuditAction::OperatorCreated, operator.id.as_str().to_string(), String::new())])
        })
    }

    /// Sign in: the operator `id` if `pin` is right. Wrong PINs are counted in the store, so
    /// lockouts survive a restart (policy in `registry::pin`); each lockout is audited.
    pub fn sign_in(&self, id: &OperatorId, pin: &str, now: Timestamp) -> Result<Operator, RegistryError> {
        let row: Option<(i64, i64, Vec<u8>, i64, Option<i64>)> = self
            .store
            .conn()
            .query_row("SELECT row, role, secret, failures, last_failure_at FROM operators WHERE id = ?1", [id.as_str()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .optional()?;
        let (row, role, sealed, failures, last_failure_at) = row.ok_or_else(|| RegistryError::UnknownOperator(id.to_string()))?;
        let secret = self.store.open_sealed(&Aad::new("operators", "secret", row), &sealed)?;
        let split = super::pin::PIN_HASH_ENCODED_LEN;
        if secret.len() < split {
            return Err(RegistryError::InvalidStoredValue { column: "operators.secret", row });
        }
        let pin_hash = PinHash::from_bytes(&secret[..split])?;
        let mut guard = PinGuard::restore(LockoutPolicy::default(), u32::try_from(failures).unwrap_or(u32::MAX), Timestamp(last_failure_at.unwrap_or(0)));
        let before = guard.check(now).is_ok();
        let result = guard.attempt(now, &pin_hash, pin);
        self.store.transaction(|tx| -> Result<(), RegistryError> {
            tx.execute(
                "UPDATE operators SET failures = ?1, last_failure_at = ?2 WHERE row = ?3",
                params![guard.failures(), guard.last_failure_at().0, row],
            )?;
            if before && guard.check(now).is_err() {
                self.append_audit(tx, &[(now.0, id.as_str(), AuditAction::PinLockedOut, id.as_str().to_string(), String::new())])?;
            }
            Ok(())
        })?;
        result?;
        let name = String::from_utf8(secret[split..].to_vec()).map_err(|_| RegistryError::InvalidStoredValue { column: "operators.secret", row })?;
        let role = role_from_code(role).ok_or(RegistryError::InvalidStoredValue { column: "operators.role", row })?;
        Ok(Operator { id: id.clone(), name, role, pin: pin_hash })
    }

    /// Re-wrap the data key under a new key provider (nothing re-encrypted), audited.
    pub fn rotate_key(&mut self, provider: &dyn KeyProvider, by: &OperatorId, at: Timestamp) -> Result<(), RegistryError> {
        self.store.rotate_key(provider)?;
        self.audit(at, by, AuditAction::KeyRotated, "", "")
    }

    /// Persons whose names resemble `query`, accents and case ignored, best first. Names are
    /// sealed, so every person record is opened in memory; nothing is indexed on disk.
    pub fn find_by_name(&self, query: &str, limit: usize) -> Result<Vec<(PersonId, String, f64)>, RegistryError> {
        let wanted = NameKey::new(query);
        let conn = self.store.conn();
        let mut stmt = conn.prepare("SELECT h.id, h.key_id, m.row, m.number, m.person FROM households h JOIN members m ON m.household = h.row")?;
        let rows: Vec<(String, i64, i64, i64, Vec<u8>)> =
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?.collect::<Result<_, _>>()?;
        let mut keys: HashMap<i64, DataKey> = HashMap::new();
        let mut found = Vec::new();
        for (hid, key_id, row, number, sealed) in rows {
            if !keys.contains_key(&key_id) {
                keys.insert(key_id, self.store.load_record_key(key_id)?);
            }
            let key = keys.get(&key_id).ok_or(RegistryError::InvalidStoredValue { column: "households.key_id", row })?;
            let person = Person::from_bytes(&open(key, "members", "person", row, &sealed)?)?;
            let full = format!("{} {}", person.given_names, person.family_name);
            let score = [full.as_str(), person.other_names.as_str()]
                .iter()
                .filter(|n| !n.is_empty())
                .map(|n| wanted.similarity(&NameKey::new(n)))
                .fold(0.0, f64::max);
            let number = MemberNo::new(u8::try_from(number).map_err(|_| RegistryError::InvalidStoredValue { column: "members.number", row })?)?;
            found.push((PersonId::new(HouseholdId::parse(&hid)?, number), full, score));
        }
        found.sort_by(|a, b| b.2.total_cmp(&a.2));
        found.truncate(limit);
        Ok(found)
    }

    // ---- households -------------------------------------------------------------------

    /// Whether a household id is taken.
    pub fn contains(&self, id: &HouseholdId) -> Result<bool, RegistryError> {
        let n: i64 = self.store.conn().query_row("SELECT COUNT(*) FROM households WHERE id = ?1", [id.to_string()], |r| r.get(0))?;
        Ok(n > 0)
    }

    /// Save a new household in one transaction: rows, sealed values, its record key, and the
    /// audit entries (creation, members, consent, captures, duplicate decisions). `decisions`
    /// must hold a decision for every member the duplicate check flagged; linked members keep
    /// their demographic record but not their biometrics.
    pub fn save_household(
        &self,
        household: &Household,
        decisions: &[(MemberNo, DuplicateDecision)],
        operator: &Operator,
        now: Timestamp,
    ) -> Result<(), RegistryError> {
        household.validate(now)?;
        // A template that does not decode would break every later duplicate search.
        for member in &household.members {
            for capture in &member.captures {
                if let CaptureOutcome::Captured(sample) = &capture.outcome {
                    Template::from_bytes(&sample.template)?;
                }
            }
        }
        for (_, decision) in decisions {
            if matches!(decision, DuplicateDecision::Override { .. }) && operator.role != Role::Supervisor {
                return Err(RegistryError::SupervisorRequired);
            }
        }
        self.store.transaction(|tx| self.insert_household(tx, household, decisions, operator.id.as_str(), now))
    }

    /// Insert a validated household in the caller's transaction (the tablet saves one per
    /// transaction; the hub imports a whole packet in one).
    pub(crate) fn insert_household(
        &self,
        tx: &Transaction<'_>,
        household: &Household,
        decisions: &[(MemberNo, DuplicateDecision)],
        who: &str,
        now: Timestamp,
    ) -> Result<(), RegistryError> {
        let hid = household.id.to_string();
        {
            let taken: i64 = tx.query_row("SELECT COUNT(*) FROM households WHERE id = ?1", [&hid], |r| r.get(0))?;
            if taken > 0 {
                return Err(RegistryError::DuplicateHouseholdId(hid.clone()));
            }
            let (key_id, key) = self.store.create_record_key()?;
            let row = next_row(tx, "households")?;
            let secrets = HouseholdSecrets {
                gps: household.site.gps,
                origin_cercle: household.origin.cercle.clone(),
                origin_commune: household.origin.commune.clone(),
                origin_village: household.origin.village.clone(),
                other_reason: match &household.displacement.reason {
                    DisplacementReason::Other(text) => text.clone(),
                    _ => String::new(),
                },
            };
            let sealed = seal(&key, "households", "secret", row, &secrets.to_bytes()?)?;
            tx.execute(
                "INSERT INTO households (row, id, key_id, region, cercle, commune, site_name, origin_region, displaced_on, reason,
                    registered_at, operator, device, head, member_count, secret)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
                params![
                    row,
                    hid,
                    key_id,
                    household.site.region.code(),
                    household.site.cercle,
                    household.site.commune,
                    household.site.site_name,
                    household.origin.region.code(),
                    household.displacement.date.to_string(),
                    household.displacement.reason.code(),
                    household.registered_at.0,
                    household.operator.as_str(),
                    household.device.as_str(),
                    household.head.get(),
                    household.members.len() as i64,
                    sealed
                ],
            )?;
            let at = now.0;
            let mut audit = vec![(at, who, AuditAction::HouseholdCreated, hid.clone(), format!("members={}", household.members.len()))];
            for member in &household.members {
                let pid = PersonId::new(household.id.clone(), member.number).to_string();
                let decision = decisions.iter().find(|(n, _)| *n == member.number).map(|(_, d)| d);
                let same_as = match decision {
                    Some(DuplicateDecision::SamePerson(existing)) => Some(existing.to_string()),
                    _ => None,
                };
                let member_row = next_row(tx, "members")?;
                let person = seal(&key, "members", "person", member_row, &member.person.to_bytes()?)?;
                let keep_biometrics = same_as.is_none();
                let face = match (&member.face, keep_biometrics) {
                    (Some(f), true) => Some(seal(&key, "members", "face", member_row, &f.jpeg)?),
                    _ => None,
                };
                tx.execute(
                    "INSERT INTO members (row, household, number, relation, consent, same_as, person, face) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![member_row, row, member.number.get(), member.relation.code(), member.person.consent.allows_biometrics(), same_as, person, face],
                )?;
                audit.push((at, who, AuditAction::MemberAdded, pid.clone(), String::new()));
                audit.push((at, who, AuditAction::ConsentRecorded, pid.clone(), format!("given={}", member.person.consent.allows_biometrics() as u8)));
                if let Some(d) = decision {
                    let (outcome, detail) = match d {
                        DuplicateDecision::NewPerson => (DuplicateOutcome::NewPerson, String::new()),
                        DuplicateDecision::SamePerson(existing) => (DuplicateOutcome::SamePerson { existing: existing.clone() }, String::new()),
                        DuplicateDecision::Override { candidate, reason } => (DuplicateOutcome::Override { candidate: candidate.clone() }, format!("reason={}", reason_code(reason))),
                    };
                    audit.push((at, who, AuditAction::DuplicateDecision { outcome }, pid.clone(), detail));
                }
                if !keep_biometrics {
                    continue;
                }
                for capture in &member.captures {
                    self.insert_capture(tx, &key, member_row, capture)?;
                    audit.push((at, who, AuditAction::CaptureAdded, pid.clone(), format!("finger={}", finger_code(capture.finger))));
                }
                if member.face.is_some() {
                    audit.push((at, who, AuditAction::FacePhotoAdded, pid.clone(), String::new()));
                }
            }
            self.append_audit(tx, &audit)
        }
    }

    fn insert_capture(&self, tx: &Transaction<'_>, key: &DataKey, member_row: i64, capture: &Capture) -> Result<(), RegistryError> {
        let row = next_row(tx, "captures")?;
        match &capture.outcome {
            CaptureOutcome::Captured(sample) => {
                let template = seal(key, "captures", "template", row, &sample.template)?;
                let image = match &sample.image {
                    Some(img) => Some(seal(key, "captures", "image", row, &img.bytes)?),
                    None => None,
                };
                tx.execute(
                    "INSERT INTO captures (row, member, finger, quality, image_format, template, image) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![row, member_row, finger_code(capture.finger), sample.quality, sample.image.as_ref().map(|i| i.format.code()), template, image],
                )?;
            }
            CaptureOutcome::Exception(exception) => {
                let mut bytes = vec![exception.kind.code()];
                bytes.extend_from_slice(exception.reason.as_bytes());
                let sealed = seal(key, "captures", "exception", row, &bytes)?;
                tx.execute("INSERT INTO captures (row, member, finger, exception) VALUES (?1, ?2, ?3, ?4)", params![row, member_row, finger_code(capture.finger), sealed])?;
            }
        }
        Ok(())
    }

    /// Load a household whole.
    pub fn load_household(&self, id: &HouseholdId) -> Result<Household, RegistryError> {
        let conn = self.store.conn();
        type Row = (i64, i64, String, String, String, String, String, String, i64, i64, String, String, i64, i64, Vec<u8>);
        let row: Option<Row> = conn
            .query_row(
                "SELECT row, key_id, region, cercle, commune, site_name, origin_region, displaced_on, reason, registered_at, operator, device, head, member_count, secret
                 FROM households WHERE id = ?1",
                [id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?, r.get(10)?, r.get(11)?, r.get(12)?, r.get(13)?, r.get(14)?)),
            )
            .optional()?;
        let (row, key_id, region, cercle, commune, site_name, origin_region, displaced_on, reason, registered_at, operator, device, head, member_count, sealed) =
            row.ok_or_else(|| RegistryError::UnknownHousehold(id.to_string()))?;
        let bad = |column: &'static str| RegistryError::InvalidStoredValue { column, row };
        let key = self.store.load_record_key(key_id)?;
        let secrets = HouseholdSecrets::from_bytes(&open(&key, "households", "secret", row, &sealed)?)?;
        let reason = match reason {
            1 => DisplacementReason::Conflict,
            2 => DisplacementReason::Violence,
            3 => DisplacementReason::Flood,
            4 => DisplacementReason::Drought,
            255 => DisplacementReason::Other(secrets.other_reason.clone()),
            _ => return Err(bad("households.reason")),
        };
        let mut members = Vec::new();
        let mut stmt = conn.prepare("SELECT row, number, relation, person, face FROM members WHERE household = ?1 ORDER BY number")?;
        let rows: Vec<(i64, i64, i64, Vec<u8>, Option<Vec<u8>>)> =
            stmt.query_map([row], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?.collect::<Result<_, _>>()?;
        for (member_row, number, relation, person, face) in rows {
            let person = Person::from_bytes(&open(&key, "members", "person", member_row, &person)?)?;
            let face = match face {
                Some(f) => Some(FacePhoto { jpeg: open(&key, "members", "face", member_row, &f)?.to_vec() }),
                None => None,
            };
            members.push(Member {
                number: MemberNo::new(u8::try_from(number).map_err(|_| bad("members.number"))?)?,
                relation: Relation::from_code(u8::try_from(relation).map_err(|_| bad("members.relation"))?).ok_or(bad("members.relation"))?,
                person,
                captures: self.load_captures(&key, member_row)?,
                face,
            });
        }
        if members.len() as i64 != member_count {
            return Err(bad("households.member_count"));
        }
        Ok(Household {
            id: id.clone(),
            head: MemberNo::new(u8::try_from(head).map_err(|_| bad("households.head"))?)?,
            members,
            site: DisplacementSite {
                region: Region::from_code(&region).ok_or(bad("households.region"))?,
                cercle,
                commune,
                site_name,
                gps: secrets.gps,
            },
            origin: Origin {
                region: Region::from_code(&origin_region).ok_or(bad("households.origin_region"))?,
                cercle: secrets.origin_cercle,
                commune: secrets.origin_commune,
                village: secrets.origin_village,
            },
            displacement: Displacement { date: parse_date(&displaced_on).ok_or(bad("households.displaced_on"))?, reason },
            registered_at: Timestamp(registered_at),
            operator: OperatorId::new(&operator)?,
            device: DeviceId::new(&device)?,
        })
    }

    fn load_captures(&self, key: &DataKey, member_row: i64) -> Result<Vec<Capture>, RegistryError> {
        let mut stmt = self.store.conn().prepare(
            "SELECT row, finger, quality, image_format, template, image, exception FROM captures WHERE member = ?1 ORDER BY finger",
        )?;
        type Row = (i64, i64, Option<i64>, Option<i64>, Option<Vec<u8>>, Option<Vec<u8>>, Option<Vec<u8>>);
        let rows: Vec<Row> = stmt
            .query_map([member_row], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))?
            .collect::<Result<_, _>>()?;
        let mut captures = Vec::new();
        for (row, finger, quality, image_format, template, image, exception) in rows {
            let bad = |column: &'static str| RegistryError::InvalidStoredValue { column, row };
            let finger = FingerPosition::from_code(u8::try_from(finger).map_err(|_| bad("captures.finger"))?).ok_or(bad("captures.finger"))?;
            let outcome = match (template, exception) {
                (Some(t), None) => {
                    let image = match (image, image_format) {
                        (Some(i), Some(f)) => Some(FingerImage {
                            format: FingerImageFormat::from_code(u8::try_from(f).map_err(|_| bad("captures.image_format"))?).ok_or(bad("captures.image_format"))?,
                            bytes: open(key, "captures", "image", row, &i)?.to_vec(),
                        }),
                        (None, None) => None,
                        _ => return Err(bad("captures.image")),
                    };
                    CaptureOutcome::Captured(FingerSample {
                        template: open(key, "captures", "template", row, &t)?.to_vec(),
                        quality: quality.and_then(|q| u8::try_from(q).ok()).ok_or(bad("captures.quality"))?,
                        image,
                    })
                }
                (None, Some(e)) => {
                    let bytes = open(key, "captures", "exception", row, &e)?;
                    let (&kind, reason) = bytes.split_first().ok_or(bad("captures.exception"))?;
                    CaptureOutcome::Exception(CaptureException {
                        kind: CaptureExceptionKind::from_code(kind).ok_or(bad("captures.exception"))?,
                        reason: String::from_utf8(reason.to_vec()).map_err(|_| bad("captures.exception"))?,
                    })
                }
                _ => return Err(bad("captures.template")),
            };
            captures.push(Capture { finger, outcome });
        }
        Ok(captures)
    }

    /// Ids of every household, in registration order.
    pub fn household_ids(&self) -> Result<Vec<HouseholdId>, RegistryError> {
        let mut stmt = self.store.conn().prepare("SELECT id FROM households ORDER BY row")?;
        let ids: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        ids.iter().map(|s| Ok(HouseholdId::parse(s)?)).collect()
    }

    /// Erase a household: its record key is destroyed and its rows deleted, the WAL
    /// truncated; the audit log keeps only that it happened, when and by whom.
    pub fn erase_household(&self, id: &HouseholdId, by: &OperatorId, at: Timestamp) -> Result<(), RegistryError> {
        let found: Option<(i64, i64)> = self
            .store
            .conn()
            .query_row("SELECT row, key_id FROM households WHERE id = ?1", [id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let (row, key_id) = found.ok_or_else(|| RegistryError::UnknownHousehold(id.to_string()))?;
        self.store.erase_record(key_id, |tx| -> Result<(), RegistryError> {
            tx.execute("DELETE FROM households WHERE row = ?1", [row])?;
            self.append_audit(tx, &[(at.0, by.as_str(), AuditAction::HouseholdErased, id.to_string(), String::new())])
        })
    }

    /// Erase every household registered before `cutoff` (its retention period has ended).
    /// Returns the erased ids; each erasure is its own transaction and audit entry.
    pub fn erase_registered_before(&self, cutoff: Timestamp, by: &OperatorId, at: Timestamp) -> Result<Vec<HouseholdId>, RegistryError> {
        let mut stmt = self.store.conn().prepare("SELECT id FROM households WHERE registered_at < ?1 ORDER BY row")?;
        let ids: Vec<String> = stmt.query_map([cutoff.0], |r| r.get(0))?.collect::<Result<_, _>>()?;
        let mut erased = Vec::new();
        for id in ids {
            let id = HouseholdId::parse(&id)?;
            self.erase_household(&id, by, at)?;
            erased.push(id);
        }
        Ok(erased)
    }

    /// Every enrolled person's finger templates, ready for duplicate search, with the map
    /// from gallery keys (member rows) back to person ids.
    pub fn load_gallery(&self) -> Result<(Gallery, HashMap<u64, PersonId>), RegistryError> {
        let conn = self.store.conn();
        let mut stmt = conn.prepare(
            "SELECT h.id, h.key_id, m.row, m.number, c.row, c.finger, c.template
             FROM households h JOIN members m ON m.household = h.row JOIN captures c ON c.member = m.row
             WHERE c.template IS NOT NULL ORDER BY m.row, c.finger",
        )?;
        let mut rows = stmt.query([])?;
        let mut gallery = Gallery::new();
        let mut people = HashMap::new();
        let mut keys: HashMap<i64, DataKey> = HashMap::new();
        let mut current: Option<(i64, Vec<(u8, Template)>)> = None;
        while let Some(r) = rows.next()? {
            let (hid, key_id, member_row, number, capture_row, finger, sealed): (String, i64, i64, i64, i64, i64, Vec<u8>) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?);
            if current.as_ref().is_some_and(|(m, _)| *m != member_row) {
                if let Some((m, fingers)) = current.take() {
                    gallery.add(m as u64, &fingers);
                }
            }
            if !keys.contains_key(&key_id) {
                keys.insert(key_id, self.store.load_record_key(key_id)?);
            }
            let key = keys.get(&key_id).ok_or(RegistryError::InvalidStoredValue { column: "households.key_id", row: key_id })?;
            let template = Template::from_bytes(&open(key, "captures", "template", capture_row, &sealed)?)?;
            let entry = current.get_or_insert_with(|| (member_row, Vec::new()));
            entry.1.push((u8::try_from(finger).unwrap_or(0), template));
            if !people.contains_key(&(member_row as u64)) {
                let number = MemberNo::new(u8::try_from(number).map_err(|_| RegistryError::InvalidStoredValue { column: "members.number", row: member_row })?)?;
                people.insert(member_row as u64, PersonId::new(HouseholdId::parse(&hid)?, number));
            }
        }
        if let Some((m, fingers)) = current.take() {
            gallery.add(m as u64, &fingers);
        }
        Ok((gallery, people))
    }
}

fn role_code(role: Role) -> i64 {
    match role {
        Role::Enumerator => 1,
        Role::Supervisor => 2,
    }
}

fn role_from_code(code: i64) -> Option<Role> {
    match code {
        1 => Some(Role::Enumerator),
        2 => Some(Role::Supervisor),
        _ => None,
    }
}

/// Reason codes for overrides go into the audit log, which holds no free text about people:
/// keep letters, digits and hyphens only.
fn reason_code(reason: &str) -> String {
    reason.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(40).collect()
}

fn encode_head(head: &ChainHead) -> Vec<u8> {
    let mut out = head.next_seq.to_le_bytes().to_vec();
    out.extend_from_slice(&head.last_hash);
    out
}

fn decode_head(bytes: &[u8]) -> Option<ChainHead> {
    if bytes.len() != 40 {
        return None;
    }
    let next_seq = u64::from_le_bytes(bytes[..8].try_into().ok()?);
    let last_hash: [u8; 32] = bytes[8..].try_into().ok()?;
    Some(ChainHead { next_seq, last_hash })
}

pub(crate) fn parse_date(text: &str) -> Option<Date> {
    let mut parts = text.split('-');
    let (y, m, d) = (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next()?.parse().ok()?);
    if parts.next().is_some() {
        return None;
    }
    Date::new(y, m, d).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::biometrics::matcher::tests::{random_template, transformed};
    use crate::biometrics::search::SearchOptions;
    use crate::biometrics::Matcher;
    use crate::registry::enrollment::EnrolledPersons;
    use crate::registry::model::tests::{sample_household, ts};
    use crate::store::StaticKeyProvider;

    fn template_bytes(seed: u32) -> Vec<u8> {
        random_template(seed, 35).to_bytes().expect("encodes")
    }

    /// The model's sample household with real templates (seeded) in place of placeholders.
    fn household(seed: u32) -> Household {
        let mut h = sample_household();
        h.id = HouseholdId::from_parts(Region::Gao, [seed as u8 % 32, (seed / 32) as u8 % 32, 3, 20, 9, 23, 29, 2]);
        for (m, member) in h.members.iter_mut().enumerate() {
            for (c, capture) in member.captures.iter_mut().enumerate() {
                if let CaptureOutcome::Captured(sample) = &mut capture.outcome {
                    sample.template = template_bytes(seed * 100 + m as u32 * 10 + c as u32);
                }
            }
        }
        h
    }

    fn now() -> Timestamp {
        ts(2025, 3, 2)
    }

    fn operator(role: Role) -> Operator {
        Operator {
            id: OperatorId::new(if role == Role::Supervisor { "SUP-0001" } else { "OP-0042" }).expect("id"),
            name: "Awa Diarra".into(),
            role,
            pin: PinHash::with_iterations("5927", 1_000, &ring::rand::SystemRandom::new()).expect("pin"),
        }
    }

    fn registry(dir: &tempfile::TempDir) -> Registry {
        Registry::create(dir.path().join("registry.db"), &StaticKeyProvider::new([7; 32])).expect("create")
    }

    #[test]
    fn a_saved_household_loads_back_identical() {
        let dir = tempfile::tempdir().expect("dir");
        let reg = registry(&dir);
        let h = household(1);
        reg.save_household(&h, &[], &operator(Role::Enumerator), now()).expect("save");
        assert_eq!(reg.load_household(&h.id).expect("load"), h);
        drop(reg);
        let reopened = Registry::open(dir.path().join("registry.db"), &StaticKeyProvider::new([7; 32])).expect("open");
        assert_eq!(reopened.load_household(&h.id).expect("load"), h);
        assert!(reopened.verify_audit().expect("audit").is_ok());
    }

    #[test]
    fn operators_sign_in_with_their_pin_and_are_locked_out_after_wrong_ones() {
        let dir = tempfile::tempdir().expect("dir");
        let reg = registry(&dir);
        let op = operator(Role::Enumerator);
        reg.add_operator(&op, &operator(Role::Supervisor).id, now()).expect("add");
        assert_eq!(reg.sign_in(&op.id, "5927", now()).expect("right PIN").name, "Awa Diarra");
        for _ in 0..5 {
            assert!(reg.sign_in(&op.id, "1111", now()).is_err());
        }
        // Locked now, even with the right PIN, and still after reopening the store.
        assert!(matches!(reg.sign_in(&op.id, "5927", now()), Err(RegistryError::Pin(_))));
        drop(reg);
        let reg = Registry::open(dir.path().join("registry.db"), &StaticKeyProvider::new([7; 32])).expect("open");
        assert!(matches!(reg.sign_in(&op.id, "5927", now()), Err(RegistryError::Pin(_))));
        let later = Timestamp(now().0 + 3600);
        assert!(reg.sign_in(&op.id, "5927", later).is_ok(), "the lockout ends");
        assert!(reg.verify_audit().expect("audit").is_ok());
    }

    #[test]
    fn names_are_found_whatever_the_accents_and_case() {
        let dir = tempfile::tempdir().expect("dir");
        let reg = registry(&dir);
        let h = household(6);
        reg.save_household(&h, &[], &operator(Role::Enumerator), now()).expect("save");
        let found = reg.find_by_name("moussa MAIGA", 5).expect("search");
        assert_eq!(found[0].0, PersonId::new(h.id.clone(), h.head));
        assert!(found[0].2 > 0.95, "{found:?}");
        let spouse = reg.find_by_name("fatoumata traore", 5).expect("search");
        assert_eq!(spouse[0].1, "Fatoumata Traoré");
    }

    #[test]
    fn a_household_id_cannot_be_saved_twice() {
        let dir = tempfile::tempdir().expect("dir");
        let reg = registry(&dir);
        let h = household(2);
        reg.save_household(&h, &[], &operator(Role::Enumerator), now()).expect("save");
        assert!(matches!(reg.save_household(&h, &[], &operator(Role::Enumerator), now()), Err(RegistryError::DuplicateHouseholdId(_))));
        assert_eq!(reg.household_ids().expect("ids").len(), 1);
    }

    #[test]
    fn an_undecodable_template_is_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().expect("dir");
        let reg = registry(&dir);
        let mut h = household(3);
        if let CaptureOutcome::Captured(s) = &mut h.members[0].captures[0].outcome {
            s.template = vec![1, 2, 3];
        }
        assert!(matches!(reg.save_household(&h, &[], &operator(Role::Enumerator), now()), Err(RegistryError::Template(_))));
        assert!(reg.household_ids().expect("ids").is_empty());
    }

    #[test]
    fn an_erased_household_is_gone_and_only_the_erasure_is_audited() {
        let dir = tempfile::tempdir().expect("dir");
        let reg = registry(&dir);
        let (a, b) = (household(4), household(5));
        reg.save_household(&a, &[], &operator(Role::Enumerator), now()).expect("save");
        reg.save_household(&b, &[], &operator(Role::Enumerator), now()).expect("save");
        reg.erase_household(&a.id, &operator(Role::Supervisor).id, now()).expect("erase");
        assert!(matches!(reg.load_household(&a.id), Err(RegistryError::UnknownHousehold(_))));
        assert_eq!(reg.load_household(&b.id).expect("other household intact"), b);
        assert!(reg.verify_audit().expect("audit").is_ok());
        let (gallery, _) = reg.load_gallery().expect("gallery");
        assert_eq!(gallery.len(), 1, "only the remaining household's head has fingerprints");
    }

    #[test]
    fn households_past_their_retention_period_are_erased() {
        let dir = tempfile::tempdir().expect("dir");
        let reg = registry(&dir);
        let (old, recent) = (household(30), household(31));
        let mut recent = recent;
        recent.registered_at = Timestamp(old.registered_at.0 + 86_400);
        for m in &mut recent.members {
            m.person.consent.at = Timestamp(m.person.consent.at.0 + 86_400);
        }
        let later = Timestamp(now().0 + 2 * 86_400);
        reg.save_household(&old, &[], &operator(Role::Enumerator), later).expect("save");
        reg.save_household(&recent, &[], &operator(Role::Enumerator), later).expect("save");
        let cutoff = Timestamp(old.registered_at.0 + 1);
        let erased = reg.erase_registered_before(cutoff, &operator(Role::Supervisor).id, later).expect("erase");
        assert_eq!(erased, vec![old.id.clone()]);
        assert_eq!(reg.household_ids().expect("ids"), vec![recent.id.clone()]);
    }

    #[test]
    fn a_changed_audit_row_is_found() {
        let dir = tempfile::tempdir().expect("dir");
        let reg = registry(&dir);
        for seed in 10..14 {
            reg.save_household(&household(seed), &[], &operator(Role::Enumerator), now()).expect("save");
        }
        let seq: i64 = 7;
        let mut entry: Vec<u8> = reg.store().conn().query_row("SELECT entry FROM audit WHERE seq = ?1", [seq], |r| r.get(0)).expect("row");
        let last = entry.len() - 40;
        entry[last] ^= 1;
        reg.store().conn().execute("UPDATE audit SET entry = ?1 WHERE seq = ?2", params![entry, seq]).expect("tamper");
        let verdict = reg.verify_audit().expect("verify runs");
        assert_eq!(verdict.map_err(|b| b.first_bad_seq), Err(seq as u64));
    }

    #[test]
    fn a_person_enrolled_again_is_flagged_and_must_be_decided() {
        let dir = tempfile::tempdir().expect("dir");
        let reg = registry(&dir);
        let enumerator = operator(Role::Enumerator);
        let first = household(20);
        let mut persons = EnrolledPersons::load(&reg).expect("empty gallery");
        let mut matcher = Matcher::new();
        persons.enroll(&reg, &first, &[], &enumerator, now(), &mut matcher).expect("first enrolment");

        // The same head, fingers captured again, in a new household.
        let mut again = household(21);
        for (capture, original) in again.members[0].captures.iter_mut().zip(&first.members[0].captures) {
            if let (CaptureOutcome::Captured(new), CaptureOutcome::Captured(old)) = (&mut capture.outcome, &original.outcome) {
                let t = Template::from_bytes(&old.template).expect("decodes");
                new.template = transformed(&t, 12.0, (8.0, -6.0), 2, 3).to_bytes().expect("encodes");
            }
        }
        let found = persons.check(&again, &mut matcher, &SearchOptions::default());
        let head = found.iter().find(|m| m.member == again.head).expect("head flagged");
        assert!(head.needs_decision());
        assert_eq!(head.candidates[0].person, PersonId::new(first.id.clone(), first.head));

        assert!(matches!(
            persons.enroll(&reg, &again, &[], &enumerator, now(), &mut matcher),
            Err(RegistryError::DecisionMissing { .. })
        ));
        let override_decision = [(again.head, DuplicateDecision::Override { candidate: head.candidates[0].person.clone(), reason: "twin".into() })];
        assert!(matches!(
            persons.enroll(&reg, &again, &override_decision, &enumerator, now(), &mut matcher),
            Err(RegistryError::SupervisorRequired)
        ));
        let link = [(again.head, DuplicateDecision::SamePerson(head.candidates[0].person.clone()))];
        persons.enroll(&reg, &again, &link, &enumerator, now(), &mut matcher).expect("linked");
        let saved = reg.load_household(&again.id).expect("load");
        assert!(saved.members[0].captures.is_empty(), "a linked member's biometrics are not saved twice");
        assert!(reg.verify_audit().expect("audit").is_ok());
    }
}
