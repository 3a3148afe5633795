//! Sync: how a tablet's work reaches the hub (issue 7).
//!
//! A tablet only knows the people it enrolled itself; duplicates across tablets are found
//! only when all tablets' work meets at the hub. Tablets hand over *export packets* by
//! cable, memory card or network. A packet may sit on a lost memory card, so it is
//! encrypted to the programme's key, which only the hub holds (a tablet cannot read its own
//! packets back), and signed by the device, so the hub knows which registered tablet made
//! it and that no byte changed. Sequence numbers let the hub refuse replays and report
//! packets that never arrived. The format is in docs/formats/packet.md.
//!
//! - [`keys`]: the device signing key and the programme encryption key.
//! - [`packet`]: the wire format, sealing and opening.
//! - [`event`]: the CBOR enrollment events a packet carries.
//! - [`tablet`]: export on the tablet (next packet, re-export of a lost one).
//! - [`hub`]: the hub's keys, registered devices and idempotent import.
//! - [`dedup`]: every person against every other, on all cores, grouped into clusters.

pub mod dedup;
pub mod device_file;
pub mod event;
pub mod hub;
pub mod keys;
pub mod packet;
pub mod tablet;

pub use device_file::{DeviceFile, DeviceFileError, DEVICE_FILE_FORMAT};
pub use keys::{DeviceKey, DevicePublicKey, KeyError, ProgrammeKey, ProgrammePublicKey};
pub use packet::{ExportPacket, PacketError, PacketHeader};
pub use tablet::Exported;

/// Tables of the sync (registry schema step 3; docs/formats/schema.md). A tablet uses the
/// first two and `device_identity`, the hub the others; both are registries, so both have
/// all of them.
pub const SYNC_TABLES_SQL: &str = "
    -- The tablet's identity: its device id, its Ed25519 public key, its seed sealed by the
    -- store's data key, and the programme's public key it encrypts to.
    CREATE TABLE device_identity (
        one INTEGER PRIMARY KEY CHECK (one = 1),
        device TEXT NOT NULL,
        public_key BLOB NOT NULL,
        sealed_seed BLOB NOT NULL,
        programme_key BLOB NOT NULL
    );
    -- Packets this tablet made, and which household went into which.
    CREATE TABLE exports (
        seq INTEGER PRIMARY KEY,
        created_at INTEGER NOT NULL,
        records INTEGER NOT NULL
    );
    CREATE TABLE exported (
        household TEXT PRIMARY KEY,
        seq INTEGER NOT NULL REFERENCES exports(seq)
    );
    -- The hub's programme key pair: the X25519 secret sealed by the store's data key.
    CREATE TABLE programme_key (
        one INTEGER PRIMARY KEY CHECK (one = 1),
        public_key BLOB NOT NULL,
        sealed_secret BLOB NOT NULL
    );
    -- Tablets the hub accepts packets from.
    CREATE TABLE devices (
        id TEXT PRIMARY KEY,
        public_key BLOB NOT NULL,
        added_at INTEGER NOT NULL
    );
    -- Packets the hub imported: a replay is refused by this table's key.
    CREATE TABLE imports (
        device TEXT NOT NULL,
        seq INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        digest BLOB NOT NULL,
        records INTEGER NOT NULL,
        imported_at INTEGER NOT NULL,
        PRIMARY KEY (device, seq)
    );
    -- Supervisors' decisions on cross-tablet duplicate pairs (person ids, a < b).
    CREATE TABLE adjudications (
        a TEXT NOT NULL,
        b TEXT NOT NULL,
        same INTEGER NOT NULL,
        operator TEXT NOT NULL,
        decided_at INTEGER NOT NULL,
        PRIMARY KEY (a, b)
    );
";

use thiserror::Error;

use crate::registry::repository::RegistryError;

/// Why an export or an import failed. Import errors concern one packet: the hub reports
/// them and carries on with the next.
#[derive(Debug, Error)]
pub enum SyncError {
    #[error(transparent)]
    Packet(#[from] PacketError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error("this tablet has no device identity yet (provision it first)")]
    NotProvisioned,
    #[error("this store already has a device identity ({0})")]
    AlreadyProvisioned(String),
    #[error("this tablet never made packet {0}")]
    NoSuchExport(u64),
    #[error("this store holds no programme key: it is not a hub (run `jatigi hub init`)")]
    NotAHub,
    #[error("this hub already has a programme key")]
    AlreadyAHub,
    #[error("unknown device {0}: register its device file first (`jatigi hub add-device`)")]
    UnknownDevice(String),
    #[error("device {0} is already registered with another public key")]
    DeviceKeyConflict(String),
    #[error("replayed packet: {device} packet {sequence} was already imported{}", if *identical { "" } else { " (from another copy of it)" })]
    Replayed { device: String, sequence: u64, identical: bool },
    #[error("out-of-order packet: {device} packet {sequence} was made at {created_at}, which contradicts the times of its neighbours {detail}")]
    OutOfOrder { device: String, sequence: u64, created_at: i64, detail: String },
    #[error("the packet of {device} holds a household made by {found}")]
    ForeignRecord { device: String, found: String },
    #[error("household {0} is already in the hub's registry from another packet")]
    HouseholdConflict(String),
}

impl From<crate::store::StoreError> for SyncError {
    fn from(e: crate::store::StoreError) -> Self {
        SyncError::Registry(RegistryError::Store(e))
    }
}

#[cfg(test)]
mod tests;
