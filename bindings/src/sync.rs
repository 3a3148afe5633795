//! Sync packets: the tablet's identity for the hub, and the export of its work.
//!
//! Everything is core's (`sync::tablet`): provisioning makes the tablet's signing key
//! (sealed in the store) and records the programme key packets are encrypted to; an export
//! puts every household not yet exported into the next packet, encrypted so that only the
//! hub can read it; a lost packet is made again from its sequence number. Format:
//! docs/formats/packet.md. The shell only writes the bytes to a file or a memory card.

use std::sync::Arc;

use jatigi_core::sync::tablet;
use jatigi_core::sync::{DeviceFile, DevicePublicKey, ProgrammePublicKey, SyncError};

use crate::error::JatigiError;
use crate::progress::{CancelToken, ProgressListener, Reporter, Stage};
use crate::store::{now, OperatorSession};

/// Extension of packet files, as the hub looks for them.
pub const PACKET_EXTENSION: &str = "jtgx";

/// The tablet's identity for the hub.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeviceIdentity {
    pub device_id: String,
    /// The tablet's Ed25519 public key, 64 hexadecimal digits.
    pub public_key: String,
    /// The programme key its packets are encrypted to, 64 hexadecimal digits.
    pub programme_key: String,
    /// The device file (JSON) the data manager registers at the hub; no secret in it.
    pub device_file_json: String,
}

/// One packet, to write to a file (`file_name`) and carry to the hub.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ExportedPacket {
    /// 1 for this tablet's first packet, then one more each.
    pub sequence: u64,
    pub household_count: u32,
    /// `TAB-GAO-07-000001.jtgx`.
    pub file_name: String,
    /// Encrypted to the programme key and signed by the tablet.
    pub bytes: Vec<u8>,
}

fn identity_of(device: &str, public_key: &DevicePublicKey, programme_key: &ProgrammePublicKey) -> DeviceIdentity {
    let file = DeviceFile::new(device, public_key, programme_key);
    DeviceIdentity {
        device_id: device.to_string(),
        device_file_json: file.to_json(),
        public_key: file.public_key,
        programme_key: file.programme_key,
    }
}

fn packet(device: &str, exported: tablet::Exported) -> ExportedPacket {
    ExportedPacket {
        sequence: exported.sequence,
        household_count: u32::try_from(exported.records).unwrap_or(u32::MAX),
        file_name: format!("{device}-{:06}.{PACKET_EXTENSION}", exported.sequence),
        bytes: exported.bytes,
    }
}

#[uniffi::export]
impl OperatorSession {
    /// Provision this tablet for sync (supervisors only, once): make its signing key and
    /// record `programme_key` (the hub's public key, 64 hexadecimal digits, from
    /// `programme-key.txt` or its QR code). Returns the identity, with the device file to
    /// hand to the hub. A second call throws `AlreadyProvisioned`.
    pub fn provision_device(&self, programme_key: String) -> Result<DeviceIdentity, JatigiError> {
        if !self.operator.role.is_supervisor() {
            return Err(JatigiError::SupervisorRequired);
        }
        let programme = ProgrammePublicKey::from_hex(&programme_key).map_err(|e| {
            JatigiError::invalid(
                format!("the programme key must be 64 hexadecimal digits ({e})"),
                "la clé de programme doit compter 64 chiffres hexadécimaux",
            )
        })?;
        let registry = self.shared.registry();
        let public = tablet::provision(&registry, &self.shared.device, &programme)?;
        log::info!("tablet {} provisioned for sync", self.shared.device);
        Ok(identity_of(self.shared.device.as_str(), &public, &programme))
    }

    /// This tablet's identity (and device file), or `None` before `provisionDevice`.
    pub fn device_identity(&self) -> Result<Option<DeviceIdentity>, JatigiError> {
        let registry = self.shared.registry();
        let Some((device, public)) = tablet::identity(&registry)? else { return Ok(None) };
        let programme: Vec<u8> = registry
            .store()
            .conn()
            .query_row("SELECT programme_key FROM device_identity WHERE one = 1", [], |r| r.get(0))
            .map_err(jatigi_core::store::StoreError::from)?;
        let programme = ProgrammePublicKey::from_bytes(&programme).map_err(|e| JatigiError::internal(format!("stored programme key: {e}")))?;
        Ok(Some(identity_of(&device, &public, &programme)))
    }

    /// Put every household not exported yet into the next packet; `None` when there is
    /// nothing new. The packet counts as made once this returns: write its bytes out, and
    /// if the file is lost make it again with `reexportPacket(sequence)`. Throws
    /// `NotProvisioned` before `provisionDevice`.
    pub fn export_packet(
        &self,
        listener: Option<Box<dyn ProgressListener>>,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<Option<ExportedPacket>, JatigiError> {
        let reporter = Reporter::new(listener, cancel);
        reporter.check()?;
        reporter.step(Stage::ExportingPacket, 0, 1);
        let exported = {
            let registry = self.shared.registry();
            let device = tablet::identity(&registry)?.ok_or(JatigiError::NotProvisioned)?.0;
            tablet::export_next(&registry, &self.operator.id, now())?.map(|e| packet(&device, e))
        };
        reporter.step(Stage::ExportingPacket, 1, 1);
        if let Some(p) = &exported {
            log::info!("packet {} exported with {} households", p.sequence, p.household_count);
        }
        Ok(exported)
    }

    /// Make packet `sequence` again (its file was lost): the same households under the same
    /// sequence number. `NoSuchPacket` if this tablet never made it.
    pub fn reexport_packet(&self, sequence: u64) -> Result<ExportedPacket, JatigiError> {
        let registry = self.shared.registry();
        let device = tablet::identity(&registry)?.ok_or(JatigiError::NotProvisioned)?.0;
        Ok(packet(&device, tablet::reexport(&registry, sequence)?))
    }
}

impl From<SyncError> for JatigiError {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Registry(e) => e.into(),
            SyncError::NotProvisioned => JatigiError::NotProvisioned,
            SyncError::AlreadyProvisioned(device) => JatigiError::AlreadyProvisioned { device },
            SyncError::NoSuchExport(sequence) => JatigiError::NoSuchPacket { sequence },
            e => JatigiError::SyncFailed { detail: e.to_string() },
        }
    }
}
