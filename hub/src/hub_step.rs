//! The demo's hub step (issue 7): both simulated tablets are provisioned, export their
//! packets, and the hub registers them, imports, finds the persons enrolled on both
//! tablets and writes its reports.
//!
//! Kept apart from `field_demo.rs`, which only calls [`run`] and adds its report's keys.

use std::collections::HashMap;
use std::path::Path;

use jatigi_core::registry::model::{DeviceId, OperatorId, Timestamp};
use jatigi_core::registry::repository::Registry;
use jatigi_core::registry::PersonId;
use jatigi_core::sync::dedup::DEDUP_THRESHOLD;
use jatigi_core::sync::{hub, tablet};
use serde::Serialize;

use crate::error::HubError;
use crate::hub_cmd::{self, DeviceFile, PACKET_EXTENSION};

/// The demo hub's passphrase (a demo secret, printed like the tablets' ones).
pub const HUB_PASSPHRASE: &str = "demo hub";

/// One tablet as the hub step needs it.
pub struct TabletOutput<'a> {
    pub name: &'a str,
    pub store: &'a Path,
    pub passphrase: &'a str,
    /// Which stored person each planned synthetic person became on this tablet.
    pub stored_as: &'a HashMap<u64, PersonId>,
}

/// The hub's folder and what importing more packets needs.
#[derive(Debug, Serialize)]
pub struct HubFolder {
    pub folder: String,
    pub passphrase_env: String,
    pub passphrase: String,
    pub import_command: String,
    pub adjudication: Vec<String>,
    pub reports: Vec<String>,
}

/// The keys the hub step adds to the demo's `--json` report.
#[derive(Debug, Serialize)]
pub struct HubStepReport {
    pub packets: Vec<String>,
    pub hub: HubFolder,
    pub hub_households: usize,
    pub hub_individuals: usize,
    pub cross_tablet_pairs: usize,
    pub cross_tablet_duplicates_caught: usize,
}

/// The device id of a demo tablet: the households it enrols carry it.
pub fn device_id(tablet: &str) -> DeviceId {
    let id = format!("TAB-DEMO-{}", tablet.rsplit('-').next().unwrap_or("X").to_uppercase());
    DeviceId::new(&id).unwrap_or_else(|_| unreachable!("TAB-DEMO-<letter> is a valid device id"))
}

fn demo_error(e: impl std::fmt::Display) -> HubError {
    HubError::Demo(e.to_string())
}

/// Run the hub step in `dir` (a folder the demo made).
pub fn run(dir: &Path, tablets: &[TabletOutput<'_>], now: Timestamp) -> Result<HubStepReport, HubError> {
    let hub_dir = dir.join("hub");
    let packets_dir = dir.join("packets");
    for old in [&hub_dir, &packets_dir] {
        if old.exists() {
            std::fs::remove_dir_all(old).map_err(|e| HubError::write(old, e))?;
        }
    }
    std::fs::create_dir_all(&packets_dir).map_err(|e| HubError::write(&packets_dir, e))?;
    let programme = hub_cmd::create(&hub_dir, HUB_PASSPHRASE)?;
    let hub_registry = hub_cmd::open_with(&hub_dir, HUB_PASSPHRASE)?;
    let operator = OperatorId::new("OP-0001").map_err(demo_error)?;

    let mut packets = Vec::new();
    for t in tablets {
        let registry = Registry::open_with_passphrase(t.store, t.passphrase).map_err(demo_error)?;
        let device = device_id(t.name);
        // Provisioning: the tablet gets its signing key and the programme key, and writes
        // the device file the hub registers.
        let public = tablet::provision(&registry, &device, &programme).map_err(demo_error)?;
        let device_file = t.store.with_file_name("device.json");
        let file = DeviceFile::new(device.as_str(), &public, &programme);
        std::fs::write(&device_file, file.to_json()).map_err(|e| HubError::write(&device_file, e))?;
        let (id, key) = hub_cmd::read_device_file(&device_file, &programme)?;
        hub::add_device(&hub_registry, &id, &key, &hub_cmd::hub_operator(), now).map_err(demo_error)?;
        if let Some(packet) = tablet::export_next(&registry, &operator, now).map_err(demo_error)? {
            let path = packets_dir.join(format!("{}-{:06}.{PACKET_EXTENSION}", device.as_str(), packet.sequence));
            std::fs::write(&path, &packet.bytes).map_err(|e| HubError::write(&path, e))?;
            packets.push(path.display().to_string());
        }
    }

    let mut log = Vec::new();
    let imported = hub_cmd::import_into(&hub_registry, &[packets_dir.clone()], &mut log)?;
    if imported.refused > 0 {
        return Err(HubError::Demo(String::from_utf8_lossy(&log).into_owned()));
    }
    let dedup = hub_cmd::dedup_into(&hub_registry, DEDUP_THRESHOLD, &hub_dir)?;
    let report = hub_cmd::report_into(&hub_registry, &hub_dir.join("report"))?;

    // Persons planned on both tablets, and whether the hub paired their two records.
    let found: std::collections::HashSet<(String, String)> = dedup.rows.iter().map(|r| (r.a.clone(), r.b.clone())).collect();
    let mut caught = 0;
    if let [a, b] = tablets {
        for (person, on_a) in a.stored_as {
            if let Some(on_b) = b.stored_as.get(person) {
                let (x, y) = (on_a.to_string(), on_b.to_string());
                let pair = if x <= y { (x, y) } else { (y, x) };
                caught += usize::from(found.contains(&pair));
            }
        }
    }
    let folder = hub_dir.display().to_string();
    Ok(HubStepReport {
        packets,
        hub: HubFolder {
            import_command: format!("JATIGI_PASSPHRASE='{HUB_PASSPHRASE}' jatigi hub import --hub {folder} PACKET_OR_FOLDER..."),
            folder,
            passphrase_env: "JATIGI_PASSPHRASE".into(),
            passphrase: HUB_PASSPHRASE.into(),
            adjudication: vec![dedup.csv.clone(), dedup.json.clone()],
            reports: report.files.clone(),
        },
        hub_households: report.households,
        hub_individuals: report.individuals,
        cross_tablet_pairs: dedup.cross_tablet_pairs,
        cross_tablet_duplicates_caught: caught,
    })
}


/// The hub step's lines of the demo's human summary.
pub fn print(hub: &HubStepReport, out: &mut dyn std::io::Write) -> Result<(), HubError> {
    writeln!(out, "  packets exported / paquets exportés: {}", hub.packets.join(", "))?;
    writeln!(
        out,
        "  hub: {} households, {} persons imported / ménages, personnes importés; {} cross-tablet pairs, {} planted persons caught / paires entre tablettes, personnes plantées trouvées",
        hub.hub_households, hub.hub_individuals, hub.cross_tablet_pairs, hub.cross_tablet_duplicates_caught
    )?;
    writeln!(out, "  hub folder / dossier du hub: {} (passphrase / phrase secrète: \"{}\")", hub.hub.folder, hub.hub.passphrase)?;
    writeln!(out, "  import more / importer d'autres paquets: {}", hub.hub.import_command)?;
    writeln!(out, "  adjudication / arbitrage: {}", hub.hub.adjudication.join(", "))?;
    writeln!(out, "  reports / rapports: {}", hub.hub.reports.join(", "))?;
    Ok(())
}
