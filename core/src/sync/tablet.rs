//! Export on the tablet: every household not yet exported goes into the next packet, and a
//! lost packet can be made again from its sequence number.
//!
//! The store remembers which household went into which packet (tables `exports` and
//! `exported`), so a re-export holds the same households under the same sequence number and
//! creation time; only its ephemeral key, and so its bytes, differ. A household erased
//! since is simply no longer in it.

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension};

use crate::registry::audit::AuditAction;
use crate::registry::ids::{HouseholdId, PersonId};
use crate::registry::model::{DeviceId, OperatorId, Timestamp};
use crate::registry::repository::{Registry, RegistryError};
use crate::store::Aad;

use super::event::{encode_events, HouseholdEvent};
use super::keys::{DeviceKey, DevicePublicKey, ProgrammePublicKey};
use super::packet;
use super::SyncError;

const IDENTITY: (&str, &str) = ("device_identity", "sealed_seed");

/// Give the tablet its identity: a new signing key for `device`, and the programme key it
/// will encrypt to. Returns the public key the hub must register.
pub fn provision(registry: &Registry, device: &DeviceId, programme: &ProgrammePublicKey) -> Result<DevicePublicKey, SyncError> {
    if let Some((existing, _)) = identity(registry)? {
        return Err(SyncError::AlreadyProvisioned(existing));
    }
    let key = DeviceKey::generate()?;
    let sealed = registry.store().seal(&Aad::new(IDENTITY.0, IDENTITY.1, 1), key.seed()).map_err(RegistryError::from)?;
    registry
        .store()
        .conn()
        .execute(
            "INSERT INTO device_identity (one, device, public_key, sealed_seed, programme_key) VALUES (1, ?1, ?2, ?3, ?4)",
            params![device.as_str(), key.public().0.to_vec(), sealed, programme.0.to_vec()],
        )
        .map_err(RegistryError::from)?;
    Ok(key.public())
}

/// The tablet's device id and public key, if provisioned.
pub fn identity(registry: &Registry) -> Result<Option<(String, DevicePublicKey)>, SyncError> {
    let row: Option<(String, Vec<u8>)> = registry
        .store()
        .conn()
        .query_row("SELECT device, public_key FROM device_identity WHERE one = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map_err(RegistryError::from)?;
    match row {
        Some((device, key)) => Ok(Some((device, DevicePublicKey::from_bytes(&key)?))),
        None => Ok(None),
    }
}

pub(crate) fn signing_key(registry: &Registry) -> Result<(String, DeviceKey, ProgrammePublicKey), SyncError> {
    let row: Option<(String, Vec<u8>, Vec<u8>)> = registry
        .store()
        .conn()
        .query_row("SELECT device, sealed_seed, programme_key FROM device_identity WHERE one = 1", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()
        .map_err(RegistryError::from)?;
    let (device, sealed, programme) = row.ok_or(SyncError::NotProvisioned)?;
    let seed = registry.store().open_sealed(&Aad::new(IDENTITY.0, IDENTITY.1, 1), &sealed).map_err(RegistryError::from)?;
    Ok((device, DeviceKey::from_seed(&seed)?, ProgrammePublicKey::from_bytes(&programme)?))
}

/// Members of a household that the tablet linked to an already enrolled person.
fn links(registry: &Registry, id: &HouseholdId) -> Result<HashMap<u8, PersonId>, SyncError> {
    let mut stmt = registry
        .store()
        .conn()
        .prepare("SELECT m.number, m.same_as FROM members m JOIN households h ON m.household = h.row WHERE h.id = ?1 AND m.same_as IS NOT NULL")
        .map_err(RegistryError::from)?;
    let rows: Vec<(i64, String)> =
        stmt.query_map([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?))).map_err(RegistryError::from)?.collect::<Result<_, _>>().map_err(RegistryError::from)?;
    let mut out = HashMap::new();
    for (number, same) in rows {
        let bad = RegistryError::InvalidStoredValue { column: "members.same_as", row: number };
        out.insert(u8::try_from(number).map_err(|_| RegistryError::InvalidStoredValue { column: "members.number", row: number })?, PersonId::parse(&same).map_err(|_| bad)?);
    }
    Ok(out)
}

fn packet_of(registry: &Registry, sequence: u64, created_at: i64, ids: &[HouseholdId]) -> Result<Vec<u8>, SyncError> {
    let (device, key, programme) = signing_key(registry)?;
    let mut events = Vec::with_capacity(ids.len());
    for id in ids {
        let household = match registry.load_household(id) {
            Ok(h) => h,
            // Erased since it was exported: it leaves the re-export too.
            Err(RegistryError::UnknownHousehold(_)) => continue,
            Err(e) => return Err(e.into()),
        };
        events.push(HouseholdEvent::from_household(&household, &links(registry, id)?)?);
    }
    let body = zeroize::Zeroizing::new(encode_events(&events)?);
    let records = u32::try_from(events.len()).map_err(|_| packet::PacketError::BadHeader("too many records"))?;
    Ok(packet::seal(&device, sequence, created_at, records, &body, &key, &programme)?)
}

/// A packet made by [`export_next`] or [`reexport`].
#[derive(Debug)]
pub struct Exported {
    pub sequence: u64,
    pub records: usize,
    pub bytes: Vec<u8>,
}

/// Put every household not yet exported into the next packet; `None` if there is none.
/// The packet is recorded as made (with an audit entry) once its bytes exist: write them
/// out, and make the packet again with [`reexport`] if the file is lost.
pub fn export_next(registry: &Registry, by: &OperatorId, now: Timestamp) -> Result<Option<Exported>, SyncError> {
    let mut stmt = registry
        .store()
        .conn()
        .prepare("SELECT id FROM households WHERE id NOT IN (SELECT household FROM exported) ORDER BY row")
        .map_err(RegistryError::from)?;
    let ids: Vec<String> = stmt.query_map([], |r| r.get(0)).map_err(RegistryError::from)?.collect::<Result<_, _>>().map_err(RegistryError::from)?;
    if ids.is_empty() {
        return Ok(None);
    }
    let ids: Vec<HouseholdId> = ids.iter().map(|s| HouseholdId::parse(s).map_err(RegistryError::from)).collect::<Result<_, _>>()?;
    let last: i64 = registry.store().conn().query_row("SELECT COALESCE(MAX(seq), 0) FROM exports", [], |r| r.get(0)).map_err(RegistryError::from)?;
    let sequence = last as u64 + 1;
    let bytes = packet_of(registry, sequence, now.0, &ids)?;
    registry.store().transaction(|tx| -> Result<(), RegistryError> {
        tx.execute("INSERT INTO exports (seq, created_at, records) VALUES (?1, ?2, ?3)", params![sequence as i64, now.0, ids.len() as i64])?;
        for id in &ids {
            tx.execute("INSERT INTO exported (household, seq) VALUES (?1, ?2)", params![id.to_string(), sequence as i64])?;
        }
        registry.append_audit(tx, &[(now.0, by.as_str(), AuditAction::PacketExported, format!("packet:{sequence}"), format!("records={}", ids.len()))])
    })?;
    Ok(Some(Exported { sequence, records: ids.len(), bytes }))
}

/// Make packet `sequence` again (the file was lost): same households, same sequence number
/// and creation time.
pub fn reexport(registry: &Registry, sequence: u64) -> Result<Exported, SyncError> {
    let conn = registry.store().conn();
    let created_at: Option<i64> = conn
        .query_row("SELECT created_at FROM exports WHERE seq = ?1", [sequence as i64], |r| r.get(0))
        .optional()
        .map_err(RegistryError::from)?;
    let created_at = created_at.ok_or(SyncError::NoSuchExport(sequence))?;
    let mut stmt = conn.prepare("SELECT household FROM exported WHERE seq = ?1 ORDER BY rowid").map_err(RegistryError::from)?;
    let ids: Vec<String> = stmt.query_map([sequence as i64], |r| r.get(0)).map_err(RegistryError::from)?.collect::<Result<_, _>>().map_err(RegistryError::from)?;
    let ids: Vec<HouseholdId> = ids.iter().map(|s| HouseholdId::parse(s).map_err(RegistryError::from)).collect::<Result<_, _>>()?;
    let bytes = packet_of(registry, sequence, created_at, &ids)?;
    Ok(Exported { sequence, records: ids.len(), bytes })
}
