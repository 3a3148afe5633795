//! `jatigi hub …`: the hub's commands (issue 7).
//!
//! The hub's folder holds `hub.db`, a registry like a tablet's (encrypted at rest, opened
//! with the passphrase in an environment variable) that also holds the programme's X25519
//! secret, sealed; and `programme-key.txt`, the public half that tablets are provisioned
//! with. Tablets are registered from their device files (`device.json`, written at
//! provisioning: docs/formats/packet.md). Everything the hub writes besides its registry
//! (adjudication files, reports) holds personal data and is written only where asked.

mod adjudication;
mod report;

use std::io::Write;
use std::path::{Path, PathBuf};

use jatigi_core::registry::model::{OperatorId, Timestamp};
use jatigi_core::registry::repository::Registry;
use jatigi_core::sync::keys::{to_hex, DevicePublicKey, ProgrammePublicKey};
use jatigi_core::sync::{hub, PacketError, SyncError};
use serde::Serialize;

use crate::cli::{AddDeviceArgs, HubArgs, HubCommand, ImportArgs};
use crate::error::{sync_fr, HubError};

pub use adjudication::{dedup, dedup_into};
pub use report::{report, report_into};

/// The registry file in a hub's folder.
pub const HUB_DB: &str = "hub.db";
/// The programme's public key, in hexadecimal, for provisioning tablets.
pub const PROGRAMME_KEY_FILE: &str = "programme-key.txt";
/// Extension of packet files.
pub const PACKET_EXTENSION: &str = "jtgx";
/// Largest packet file read (the format's own bound on the ciphertext, plus its header).
const MAX_PACKET_FILE: u64 = jatigi_core::sync::packet::MAX_CIPHERTEXT as u64 + 4096;
/// Operator id of the hub's own actions in the audit log (imports).
pub const HUB_OPERATOR: &str = "HUB";
pub use jatigi_core::sync::DeviceFile;

pub fn run(command: &HubCommand, out: &mut dyn Write) -> Result<(), HubError> {
    match command {
        HubCommand::Init(args) => init(args, out),
        HubCommand::AddDevice(args) => add_devices(args, out),
        HubCommand::Import(args) => import(args, out).map(|_| ()),
        HubCommand::Dedup(args) => dedup(args, out).map(|_| ()),
        HubCommand::Adjudicate(args) => adjudication::adjudicate(args, out),
        HubCommand::Report(args) => report(args, out).map(|_| ()),
    }
}

/// Now, for the audit log and import times.
pub fn now() -> Timestamp {
    let seconds = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    Timestamp(seconds)
}

pub fn hub_operator() -> OperatorId {
    // A constant that satisfies the operator id rules.
    OperatorId::new(HUB_OPERATOR).unwrap_or_else(|_| unreachable!("HUB is a valid operator id"))
}

fn passphrase(args: &HubArgs) -> Result<String, HubError> {
    std::env::var(&args.passphrase_env).ok().filter(|p| !p.is_empty()).ok_or_else(|| HubError::PassphraseMissing { var: args.passphrase_env.clone() })
}

pub fn sync_error(context: impl Into<String>, source: SyncError) -> HubError {
    HubError::Sync { context: context.into(), source }
}

/// Open the hub in `args.dir`.
pub fn open(args: &HubArgs) -> Result<Registry, HubError> {
    let path = args.dir.join(HUB_DB);
    if !path.exists() {
        return Err(HubError::NoHub { path: args.dir.clone() });
    }
    open_with(&args.dir, &passphrase(args)?)
}

pub fn open_with(dir: &Path, passphrase: &str) -> Result<Registry, HubError> {
    let path = dir.join(HUB_DB);
    Registry::open_with_passphrase(&path, passphrase).map_err(|source| HubError::Registry { path, source })
}

/// `jatigi hub init`.
fn init(args: &HubArgs, out: &mut dyn Write) -> Result<(), HubError> {
    let key = create(&args.dir, &passphrase(args)?)?;
    writeln!(out, "hub created in {} / hub créé dans {}", args.dir.display(), args.dir.display())?;
    writeln!(out, "programme key / clé de programme: {}", to_hex(&key.0))?;
    Ok(())
}

/// Create a hub in `dir`: registry, programme key, and its public half in a text file.
pub fn create(dir: &Path, passphrase: &str) -> Result<ProgrammePublicKey, HubError> {
    let path = dir.join(HUB_DB);
    if path.exists() {
        return Err(HubError::HubExists { path: dir.to_path_buf() });
    }
    std::fs::create_dir_all(dir).map_err(|e| HubError::write(dir, e))?;
    let registry = Registry::create_with_passphrase(&path, passphrase).map_err(|source| HubError::Registry { path: path.clone(), source })?;
    let key = hub::init(&registry).map_err(|e| sync_error(path.display().to_string(), e))?;
    let key_file = dir.join(PROGRAMME_KEY_FILE);
    std::fs::write(&key_file, format!("{}\n", to_hex(&key.0))).map_err(|e| HubError::write(&key_file, e))?;
    Ok(key)
}

/// Read and check a device file against the hub's programme key.
pub fn read_device_file(path: &Path, programme: &ProgrammePublicKey) -> Result<(String, DevicePublicKey), HubError> {
    let bad = |reason: String| HubError::DeviceFile { path: path.to_path_buf(), reason };
    let meta = std::fs::metadata(path).map_err(|e| HubError::read(path, e))?;
    if meta.len() > jatigi_core::sync::device_file::MAX_DEVICE_FILE_BYTES as u64 {
        return Err(bad(jatigi_core::sync::DeviceFileError::TooLarge.to_string()));
    }
    let text = std::fs::read_to_string(path).map_err(|e| HubError::read(path, e))?;
    DeviceFile::parse(&text, programme).map_err(|e| bad(e.to_string()))
}

/// `jatigi hub add-device`.
fn add_devices(args: &AddDeviceArgs, out: &mut dyn Write) -> Result<(), HubError> {
    let registry = open(&args.hub)?;
    let programme = hub::programme_public(&registry).map_err(|e| sync_error(args.hub.dir.display().to_string(), e))?.ok_or(SyncError::NotAHub).map_err(|e| sync_error(args.hub.dir.display().to_string(), e))?;
    for path in &args.files {
        let (device, key) = read_device_file(path, &programme)?;
        let added = hub::add_device(&registry, &device, &key, &hub_operator(), now()).map_err(|e| sync_error(path.display().to_string(), e))?;
        if added {
            writeln!(out, "device {device} registered / appareil {device} enregistré")?;
        } else {
            writeln!(out, "device {device} was already registered / appareil {device} déjà enregistré")?;
        }
    }
    Ok(())
}

/// What an import run did.
#[derive(Debug, Default, Serialize)]
pub struct ImportSummary {
    pub imported: usize,
    pub refused: usize,
    pub households: usize,
    pub persons: usize,
    pub gaps: Vec<(String, Vec<u64>)>,
}

/// Packet files named by `paths` (folders: their .jtgx files, sorted by name).
fn packet_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, HubError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| HubError::read(path, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == PACKET_EXTENSION))
                .collect();
            if found.is_empty() {
                return Err(HubError::NoPackets { path: path.clone() });
            }
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

/// Import packets into an open hub, reporting each on `out`; refused packets are counted,
/// not fatal.
pub fn import_into(registry: &Registry, paths: &[PathBuf], out: &mut dyn Write) -> Result<ImportSummary, HubError> {
    let files = packet_files(paths)?;
    // Read every file, then import in (device, sequence) order whatever the file names:
    // creation times then agree with the order of import.
    let mut packets: Vec<(PathBuf, Result<Vec<u8>, HubError>)> = files
        .into_iter()
        .map(|path| {
            let bytes = match std::fs::metadata(&path) {
                Ok(m) if m.len() > MAX_PACKET_FILE => Err(sync_error(path.display().to_string(), SyncError::Packet(PacketError::BadHeader("file larger than any packet")))),
                Ok(_) => std::fs::read(&path).map_err(|e| HubError::read(&path, e)),
                Err(e) => Err(HubError::read(&path, e)),
            };
            (path, bytes)
        })
        .collect();
    packets.sort_by_key(|(path, bytes)| {
        let header = bytes.as_ref().ok().and_then(|b| hub::peek(b).ok());
        (header.as_ref().map(|h| h.device.clone()), header.map(|h| h.sequence), path.clone())
    });
    let mut summary = ImportSummary::default();
    for (path, bytes) in packets {
        let result = bytes.and_then(|b| hub::import(registry, &b, &hub_operator(), now()).map_err(|e| sync_error(path.display().to_string(), e)));
        match result {
            Ok(done) => {
                summary.imported += 1;
                summary.households += done.households;
                summary.persons += done.persons;
                writeln!(
                    out,
                    "imported / importé: {} ({} packet / paquet {}: {} households / ménages, {} persons / personnes)",
                    path.display(),
                    done.device,
                    done.sequence,
                    done.households,
                    done.persons
                )?;
            }
            Err(e) => {
                summary.refused += 1;
                let french = match &e {
                    HubError::Sync { source, .. } => sync_fr(source),
                    other => other.french(),
                };
                writeln!(out, "REFUSED / REFUSÉ: {e} / {french}; nothing imported from it / rien n'en a été importé")?;
            }
        }
    }
    summary.gaps = hub::gaps(registry).map_err(|e| sync_error("gaps", e))?;
    for (device, missing) in &summary.gaps {
        let list: Vec<String> = missing.iter().map(u64::to_string).collect();
        writeln!(out, "missing packets of {device} / paquets manquants de {device}: {}", list.join(", "))?;
    }
    Ok(summary)
}

/// `jatigi hub import`.
fn import(args: &ImportArgs, out: &mut dyn Write) -> Result<ImportSummary, HubError> {
    let registry = open(&args.hub)?;
    let summary = import_into(&registry, &args.paths, out)?;
    writeln!(
        out,
        "{} packets imported, {} refused / {} paquets importés, {} refusés",
        summary.imported, summary.refused, summary.imported, summary.refused
    )?;
    if summary.refused > 0 {
        return Err(HubError::PacketsRefused { refused: summary.refused, total: summary.imported + summary.refused });
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jatigi_core::registry::model::{Date, DeviceId, Role};
    use jatigi_core::registry::synthetic;
    use jatigi_core::store::StaticKeyProvider;

    /// A tablet with `n` synthetic households, provisioned for `programme`, its device file
    /// written next to its store.
    fn tablet(dir: &Path, name: &str, programme: &ProgrammePublicKey, n: u64) -> (Registry, PathBuf) {
        let registry = Registry::create(dir.join(format!("{name}.db")), &StaticKeyProvider::new([3; 32])).unwrap();
        let device = DeviceId::new(name).unwrap();
        let public = tablet_provision(&registry, &device, programme);
        let operator = synthetic::operator("OP-0001", Role::Enumerator, "5927", 1000).unwrap();
        let now = Date::new(2025, 6, 1).unwrap().start();
        for k in 0..n {
            let mut h = synthetic::household(k + u64::from(name.as_bytes()[name.len() - 1]) * 100, now, 2);
            h.device = device.clone();
            registry.save_household(&h, &[], &operator, now).unwrap();
        }
        let path = dir.join(format!("{name}.json"));
        std::fs::write(&path, DeviceFile::new(name, &public, &programme).to_json()).unwrap();
        (registry, path)
    }

    fn tablet_provision(registry: &Registry, device: &DeviceId, programme: &ProgrammePublicKey) -> DevicePublicKey {
        jatigi_core::sync::tablet::provision(registry, device, programme).unwrap()
    }

    #[test]
    fn a_folder_imported_twice_gives_the_same_registry_and_reports_count_what_tablets_enrolled() {
        let dir = tempfile::tempdir().unwrap();
        let hub_dir = dir.path().join("hub");
        let programme = create(&hub_dir, "test hub").unwrap();
        let registry = open_with(&hub_dir, "test hub").unwrap();
        assert!(matches!(create(&hub_dir, "test hub"), Err(HubError::HubExists { .. })));
        let packets = dir.path().join("packets");
        std::fs::create_dir_all(&packets).unwrap();
        let mut enrolled = (0, 0);
        for (name, n) in [("TAB-A", 3), ("TAB-B", 2)] {
            let (t, device_file) = tablet(dir.path(), name, &programme, n);
            let (id, key) = read_device_file(&device_file, &programme).unwrap();
            hub::add_device(&registry, &id, &key, &hub_operator(), now()).unwrap();
            let op = OperatorId::new("OP-0001").unwrap();
            let packet = jatigi_core::sync::tablet::export_next(&t, &op, Timestamp(1_748_736_000)).unwrap().unwrap();
            std::fs::write(packets.join(format!("{name}-000001.jtgx")), &packet.bytes).unwrap();
            enrolled.0 += t.household_ids().unwrap().len();
            enrolled.1 += t.household_ids().unwrap().iter().map(|id| t.load_household(id).unwrap().members.len()).sum::<usize>();
        }
        // A stray file is refused on its own; the packets are imported.
        std::fs::write(packets.join("zz-garbage.jtgx"), b"not a packet").unwrap();
        let mut log = Vec::new();
        let first = import_into(&registry, &[packets.clone()], &mut log).unwrap();
        assert_eq!((first.imported, first.refused, first.households), (2, 1, enrolled.0), "{}", String::from_utf8_lossy(&log));
        let once: Vec<_> = registry.household_ids().unwrap().iter().map(|id| registry.load_household(id).unwrap()).collect();
        let second = import_into(&registry, &[packets.clone()], &mut log).unwrap();
        assert_eq!((second.imported, second.refused), (0, 3));
        let twice: Vec<_> = registry.household_ids().unwrap().iter().map(|id| registry.load_household(id).unwrap()).collect();
        assert_eq!(once, twice);
        let text = String::from_utf8_lossy(&log);
        assert!(text.contains("replayed packet") && text.contains("paquet rejoué"), "{text}");

        // A device file for another programme key is refused.
        let other = jatigi_core::sync::keys::ProgrammeKey::generate().unwrap().public();
        let (_, foreign) = tablet(dir.path(), "TAB-C", &other, 0);
        assert!(matches!(read_device_file(&foreign, &programme), Err(HubError::DeviceFile { .. })));

        let report = report_into(&registry, &dir.path().join("report")).unwrap();
        assert_eq!((report.households, report.individuals), enrolled);
        let registry_csv = std::fs::read_to_string(dir.path().join("report/registry.csv")).unwrap();
        assert!(registry_csv.lines().nth(1).unwrap().starts_with("#beneficiary+household+code,"));
        assert_eq!(registry_csv.lines().count(), 2 + enrolled.1);
        assert!(std::fs::read_to_string(dir.path().join("report/summary.html")).unwrap().contains("<svg"));
    }

    #[test]
    fn decisions_are_read_back_and_applied_with_an_audit_entry() {
        let dir = tempfile::tempdir().unwrap();
        let hub_dir = dir.path().join("hub");
        create(&hub_dir, "test hub").unwrap();
        let registry = open_with(&hub_dir, "test hub").unwrap();
        let id = synthetic::household(1, Date::new(2025, 6, 1).unwrap().start(), 0).id.to_string();
        let csv = format!("cluster,a,b,decision\n1,{id}/01,{id}/02,same\n2,{id}/01,{id}/03,\n");
        let path = dir.path().join("adjudication.csv");
        std::fs::write(&path, csv).unwrap();
        let decisions = adjudication::read_decisions(&path).unwrap();
        assert_eq!(decisions.len(), 1);
        assert!(decisions[0].same);
        hub::adjudicate(&registry, &decisions, &OperatorId::new("SUP-0001").unwrap(), now()).unwrap();
        assert_eq!(hub::adjudications(&registry).unwrap().len(), 1);
        assert!(registry.verify_audit().unwrap().is_ok());
        std::fs::write(&path, "a,b,decision\nX/01,Y/02,maybe\n").unwrap();
        assert!(matches!(adjudication::read_decisions(&path), Err(HubError::AdjudicationFile { line: 2, .. })));
    }
}
