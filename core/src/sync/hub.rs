//! The hub: its programme key, the devices it accepts, and idempotent import.
//!
//! A packet is imported whole or not at all: verified, decrypted and applied in one
//! transaction together with its row in `imports`, whose key (device, sequence) makes a
//! second import of the same packet a clear "replayed" refusal that changes nothing.
//! Packets may arrive in any order (a memory card is lost, its packet re-exported later);
//! what the hub refuses is a sequence number that contradicts the creation times of the
//! device's packets already imported. Missing sequence numbers are reported as gaps.

use ring::digest::{digest, SHA256};
use rusqlite::{params, OptionalExtension};

use crate::biometrics::Template;
use crate::registry::audit::AuditAction;
use crate::registry::model::{CaptureOutcome, OperatorId, Timestamp};
use crate::registry::repository::{DuplicateDecision, Registry, RegistryError};
use crate::store::Aad;

use super::event::decode_events;
use super::keys::{DevicePublicKey, ProgrammeKey, ProgrammePublicKey};
use super::packet::{ExportPacket, PacketError, PacketHeader};
use super::SyncError;

const PROGRAMME: (&str, &str) = ("programme_key", "sealed_secret");

/// Make this registry a hub: a new programme key pair, its secret sealed in the store.
pub fn init(registry: &Registry) -> Result<ProgrammePublicKey, SyncError> {
    if programme_public(registry)?.is_some() {
        return Err(SyncError::AlreadyAHub);
    }
    let key = ProgrammeKey::generate()?;
    let sealed = registry.store().seal(&Aad::new(PROGRAMME.0, PROGRAMME.1, 1), &key.secret_bytes()[..]).map_err(RegistryError::from)?;
    registry
        .store()
        .conn()
        .execute("INSERT INTO programme_key (one, public_key, sealed_secret) VALUES (1, ?1, ?2)", params![key.public().0.to_vec(), sealed])
        .map_err(RegistryError::from)?;
    Ok(key.public())
}

/// The programme's public key, if this registry is a hub.
pub fn programme_public(registry: &Registry) -> Result<Option<ProgrammePublicKey>, SyncError> {
    let key: Option<Vec<u8>> =
        registry.store().conn().query_row("SELECT public_key FROM programme_key WHERE one = 1", [], |r| r.get(0)).optional().map_err(RegistryError::from)?;
    key.map(|k| ProgrammePublicKey::from_bytes(&k).map_err(SyncError::from)).transpose()
}

fn programme_key(registry: &Registry) -> Result<ProgrammeKey, SyncError> {
    let sealed: Option<Vec<u8>> =
        registry.store().conn().query_row("SELECT sealed_secret FROM programme_key WHERE one = 1", [], |r| r.get(0)).optional().map_err(RegistryError::from)?;
    let sealed = sealed.ok_or(SyncError::NotAHub)?;
    let secret = registry.store().open_sealed(&Aad::new(PROGRAMME.0, PROGRAMME.1, 1), &sealed).map_err(RegistryError::from)?;
    Ok(ProgrammeKey::from_secret(&secret)?)
}

/// Accept packets from `device`, signed by `key`. Registering the same key again is
/// harmless; another key for a known device is refused (a replaced tablet gets a new id).
pub fn add_device(registry: &Registry, device: &str, key: &DevicePublicKey, by: &OperatorId, now: Timestamp) -> Result<bool, SyncError> {
    crate::registry::model::DeviceId::new(device).map_err(RegistryError::from)?;
    if let Some(known) = device_key(registry, device)? {
        return if known == *key { Ok(false) } else { Err(SyncError::DeviceKeyConflict(device.to_string())) };
    }
    registry.store().transaction(|tx| -> Result<(), RegistryError> {
        tx.execute("INSERT INTO devices (id, public_key, added_at) VALUES (?1, ?2, ?3)", params![device, key.0.to_vec(), now.0])?;
        registry.append_audit(tx, &[(now.0, by.as_str(), AuditAction::DeviceRegistered, format!("device:{device}"), String::new())])
    })?;
    Ok(true)
}

fn device_key(registry: &Registry, device: &str) -> Result<Option<DevicePublicKey>, SyncError> {
    let key: Option<Vec<u8>> =
        registry.store().conn().query_row("SELECT public_key FROM devices WHERE id = ?1", [device], |r| r.get(0)).optional().map_err(RegistryError::from)?;
    key.map(|k| DevicePublicKey::from_bytes(&k).map_err(SyncError::from)).transpose()
}

/// What one imported packet brought.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub device: String,
    pub sequence: u64,
    pub households: usize,
    pub persons: usize,
}

/// Only the header of a packet, parsed without any check: to sort a folder's packets by
/// device and sequence before importing them.
pub fn peek(bytes: &[u8]) -> Result<PacketHeader, PacketError> {
    Ok(ExportPacket::parse(bytes)?.header)
}

/// Import one packet: verify, decrypt, apply in one transaction. Any error leaves the hub
/// exactly as it was.
pub fn import(registry: &Registry, bytes: &[u8], by: &OperatorId, now: Timestamp) -> Result<Imported, SyncError> {
    let packet = ExportPacket::parse(bytes)?;
    let h = &packet.header;
    let device_key = device_key(registry, &h.device)?.ok_or_else(|| SyncError::UnknownDevice(h.device.clone()))?;
    packet.verify(&device_key)?;
    let digest = digest(&SHA256, bytes).as_ref().to_vec();
    let seq = i64::try_from(h.sequence).map_err(|_| PacketError::BadHeader("sequence number"))?;
    let conn = registry.store().conn();
    let earlier: Option<Vec<u8>> =
        conn.query_row("SELECT digest FROM imports WHERE device = ?1 AND seq = ?2", params![h.device, seq], |r| r.get(0)).optional().map_err(RegistryError::from)?;
    if let Some(earlier) = earlier {
        return Err(SyncError::Replayed { device: h.device.clone(), sequence: h.sequence, identical: earlier == digest });
    }
    // Neighbours already imported: a packet cannot be older than one made before it.
    let before: Option<(i64, i64)> = conn
        .query_row("SELECT seq, created_at FROM imports WHERE device = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT 1", params![h.device, seq], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map_err(RegistryError::from)?;
    let after: Option<(i64, i64)> = conn
        .query_row("SELECT seq, created_at FROM imports WHERE device = ?1 AND seq > ?2 ORDER BY seq LIMIT 1", params![h.device, seq], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map_err(RegistryError::from)?;
    let out_of_order = |detail: String| SyncError::OutOfOrder { device: h.device.clone(), sequence: h.sequence, created_at: h.created_at, detail };
    if let Some((s, t)) = before.filter(|&(_, t)| t > h.created_at) {
        return Err(out_of_order(format!("(packet {s} was made later, at {t})")));
    }
    if let Some((s, t)) = after.filter(|&(_, t)| t < h.created_at) {
        return Err(out_of_order(format!("(packet {s} was made earlier, at {t})")));
    }
    let body = packet.decrypt(&programme_key(registry)?)?;
    let events = decode_events(&body)?;
    if events.len() != h.records as usize {
        return Err(PacketError::RecordCount { declared: h.records, found: events.len() }.into());
    }
    let mut households = Vec::with_capacity(events.len());
    for event in &events {
        if event.device != h.device {
            return Err(SyncError::ForeignRecord { device: h.device.clone(), found: event.device.chars().take(64).collect() });
        }
        let (household, links) = event.to_household()?;
        household.validate(now).map_err(RegistryError::from)?;
        for member in &household.members {
            for capture in &member.captures {
                if let CaptureOutcome::Captured(sample) = &capture.outcome {
                    Template::from_bytes(&sample.template).map_err(RegistryError::from)?;
                }
            }
        }
        let decisions: Vec<_> = links.into_iter().map(|(n, p)| (n, DuplicateDecision::SamePerson(p))).collect();
        households.push((household, decisions));
    }
    let persons = households.iter().map(|(h, _)| h.members.len()).sum();
    registry.store().transaction(|tx| -> Result<(), SyncError> {
        for (household, decisions) in &households {
            let taken: i64 = tx.query_row("SELECT COUNT(*) FROM households WHERE id = ?1", [household.id.to_string()], |r| r.get(0)).map_err(RegistryError::from)?;
            if taken > 0 {
                return Err(SyncError::HouseholdConflict(household.id.to_string()));
            }
            registry.insert_household(tx, household, decisions, by.as_str(), now)?;
        }
        tx.execute(
            "INSERT INTO imports (device, seq, created_at, digest, records, imported_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![h.device, seq, h.created_at, digest, i64::from(h.records), now.0],
        )
        .map_err(RegistryError::from)?;
        registry.append_audit(tx, &[(now.0, by.as_str(), AuditAction::PacketImported, format!("packet:{}/{}", h.device, h.sequence), format!("records={}", h.records))])?;
        Ok(())
    })?;
    Ok(Imported { device: h.device.clone(), sequence: h.sequence, households: households.len(), persons })
}

/// For each device, the sequence numbers below its highest imported one that never
/// arrived.
pub fn gaps(registry: &Registry) -> Result<Vec<(String, Vec<u64>)>, SyncError> {
    let mut stmt = registry.store().conn().prepare("SELECT device, seq FROM imports ORDER BY device, seq").map_err(RegistryError::from)?;
    let rows: Vec<(String, i64)> = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map_err(RegistryError::from)?.collect::<Result<_, _>>().map_err(RegistryError::from)?;
    let mut out: Vec<(String, Vec<u64>)> = Vec::new();
    let mut expected = 1i64;
    for (device, seq) in rows {
        if out.last().map(|(d, _)| d != &device).unwrap_or(true) {
            out.push((device, Vec::new()));
            expected = 1;
        }
        if let Some((_, missing)) = out.last_mut() {
            // Bounded: a hostile sequence number far ahead lists at most this many.
            missing.extend((expected..seq).take(MAX_GAPS_LISTED).map(|s| s as u64));
        }
        expected = seq + 1;
    }
    out.retain(|(_, missing)| !missing.is_empty());
    Ok(out)
}

/// Most missing sequence numbers listed per gap.
pub const MAX_GAPS_LISTED: usize = 1000;

/// Devices the hub knows, with their last imported sequence number (0 if none).
pub fn devices(registry: &Registry) -> Result<Vec<(String, u64)>, SyncError> {
    let mut stmt = registry
        .store()
        .conn()
        .prepare("SELECT d.id, COALESCE((SELECT MAX(seq) FROM imports i WHERE i.device = d.id), 0) FROM devices d ORDER BY d.id")
        .map_err(RegistryError::from)?;
    let rows: Vec<(String, i64)> = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map_err(RegistryError::from)?.collect::<Result<_, _>>().map_err(RegistryError::from)?;
    Ok(rows.into_iter().map(|(d, s)| (d, s as u64)).collect())
}

/// Every person with fingerprints, for the dedup: keys are member rows, mapped back to
/// person ids.
pub fn dedup_persons(registry: &Registry) -> Result<(Vec<super::dedup::DedupPerson>, std::collections::HashMap<u64, crate::registry::PersonId>), SyncError> {
    use crate::registry::ids::{HouseholdId, MemberNo, PersonId};
    let store = registry.store();
    let mut stmt = store
        .conn()
        .prepare(
            "SELECT h.id, h.key_id, m.row, m.number, c.row, c.finger, c.template
             FROM households h JOIN members m ON m.household = h.row JOIN captures c ON c.member = m.row
             WHERE c.template IS NOT NULL ORDER BY m.row, c.finger",
        )
        .map_err(RegistryError::from)?;
    let mut rows = stmt.query([]).map_err(RegistryError::from)?;
    let mut persons: Vec<super::dedup::DedupPerson> = Vec::new();
    let mut ids = std::collections::HashMap::new();
    let mut keys: std::collections::HashMap<i64, crate::store::DataKey> = std::collections::HashMap::new();
    while let Some(r) = rows.next().map_err(RegistryError::from)? {
        let (hid, key_id, member_row, number, capture_row, finger, sealed): (String, i64, i64, i64, i64, i64, Vec<u8>) =
            (r.get(0).map_err(RegistryError::from)?, r.get(1).map_err(RegistryError::from)?, r.get(2).map_err(RegistryError::from)?, r.get(3).map_err(RegistryError::from)?, r.get(4).map_err(RegistryError::from)?, r.get(5).map_err(RegistryError::from)?, r.get(6).map_err(RegistryError::from)?);
        if !keys.contains_key(&key_id) {
            keys.insert(key_id, store.load_record_key(key_id).map_err(RegistryError::from)?);
        }
        let key = keys.get(&key_id).ok_or(RegistryError::InvalidStoredValue { column: "households.key_id", row: key_id })?;
        let template = Template::from_bytes(&crate::store::open(key, &Aad::new("captures", "template", capture_row), &sealed).map_err(RegistryError::from)?).map_err(RegistryError::from)?;
        let member = member_row as u64;
        if persons.last().map(|p| p.key) != Some(member) {
            let number = MemberNo::new(u8::try_from(number).map_err(|_| RegistryError::InvalidStoredValue { column: "members.number", row: member_row })?).map_err(RegistryError::from)?;
            ids.insert(member, PersonId::new(HouseholdId::parse(&hid).map_err(RegistryError::from)?, number));
            persons.push(super::dedup::DedupPerson { key: member, fingers: Vec::new() });
        }
        if let Some(p) = persons.last_mut() {
            p.fingers.push((u8::try_from(finger).unwrap_or(0), template));
        }
    }
    Ok((persons, ids))
}

/// A supervisor's decision on a pair of persons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adjudication {
    pub a: crate::registry::PersonId,
    pub b: crate::registry::PersonId,
    /// True: one person enrolled twice (b is a duplicate of a); false: two people.
    pub same: bool,
}

/// Record decisions in one transaction, each with an audit entry. A pair decided again
/// takes the new decision (the audit log keeps both).
pub fn adjudicate(registry: &Registry, decisions: &[Adjudication], by: &OperatorId, now: Timestamp) -> Result<usize, SyncError> {
    use crate::registry::audit::DuplicateOutcome;
    registry.store().transaction(|tx| -> Result<(), SyncError> {
        let mut audit = Vec::with_capacity(decisions.len());
        for d in decisions {
            let (a, b) = if d.a.to_string() <= d.b.to_string() { (&d.a, &d.b) } else { (&d.b, &d.a) };
            tx.execute(
                "INSERT INTO adjudications (a, b, same, operator, decided_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(a, b) DO UPDATE SET same = excluded.same, operator = excluded.operator, decided_at = excluded.decided_at",
                params![a.to_string(), b.to_string(), d.same, by.as_str(), now.0],
            )
            .map_err(RegistryError::from)?;
            let outcome = if d.same { DuplicateOutcome::SamePerson { existing: a.clone() } } else { DuplicateOutcome::NewPerson };
            audit.push((now.0, by.as_str(), AuditAction::DuplicateDecision { outcome }, b.to_string(), format!("hub pair with {a}")));
        }
        registry.append_audit(tx, &audit)?;
        Ok(())
    })?;
    Ok(decisions.len())
}

/// Every recorded decision: (a, b, same).
pub fn adjudications(registry: &Registry) -> Result<Vec<(String, String, bool)>, SyncError> {
    let mut stmt = registry.store().conn().prepare("SELECT a, b, same FROM adjudications ORDER BY a, b").map_err(RegistryError::from)?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).map_err(RegistryError::from)?.collect::<Result<_, _>>().map_err(RegistryError::from)?;
    Ok(rows)
}
