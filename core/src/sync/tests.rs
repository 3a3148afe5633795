//! Field-to-hub tests: tablets export, the hub imports, and every kind of bad packet is
//! refused with its own error and imports nothing.

use std::path::Path;

use super::hub::{self, Imported};
use super::packet::PacketError;
use super::tablet;
use super::SyncError;
use crate::registry::model::{Date, DeviceId, OperatorId, Role, Timestamp};
use crate::registry::repository::Registry;
use crate::registry::synthetic;
use crate::store::StaticKeyProvider;

fn now() -> Timestamp {
    Date::new(2025, 6, 1).unwrap().start()
}

fn registry(dir: &Path, name: &str) -> Registry {
    Registry::create(dir.join(name), &StaticKeyProvider::new([name.len() as u8; 32])).unwrap()
}

fn hub_operator() -> OperatorId {
    OperatorId::new("HUB-0001").unwrap()
}

/// A provisioned tablet with `n` synthetic households, and its device id.
fn tablet_with(dir: &Path, name: &str, hub: &Registry, n: u64, seed: u64) -> Registry {
    let tablet = registry(dir, name);
    let programme = hub::programme_public(hub).unwrap().unwrap();
    let device = DeviceId::new(name).unwrap();
    let public = tablet::provision(&tablet, &device, &programme).unwrap();
    hub::add_device(hub, name, &public, &hub_operator(), now()).unwrap();
    let operator = synthetic::operator("OP-0001", Role::Enumerator, "5927", 1000).unwrap();
    for k in 0..n {
        let mut h = synthetic::household(seed + k, now(), 2);
        h.device = device.clone();
        tablet.save_household(&h, &[], &operator, now()).unwrap();
    }
    tablet
}

fn hub_registry(dir: &Path) -> Registry {
    let hub = registry(dir, "hub.db");
    hub::init(&hub).unwrap();
    hub
}

fn count(hub: &Registry) -> (usize, i64) {
    let imports: i64 = hub.store().conn().query_row("SELECT COUNT(*) FROM imports", [], |r| r.get(0)).unwrap();
    (hub.household_ids().unwrap().len(), imports)
}

fn import(hub: &Registry, bytes: &[u8]) -> Result<Imported, SyncError> {
    hub::import(hub, bytes, &hub_operator(), now())
}

#[test]
fn a_packet_round_trips_from_tablet_to_hub() {
    let dir = tempfile::tempdir().unwrap();
    let hub = hub_registry(dir.path());
    let tablet = tablet_with(dir.path(), "TAB-A", &hub, 3, 10);
    let packet = tablet::export_next(&tablet, &OperatorId::new("OP-0001").unwrap(), now()).unwrap().unwrap();
    assert_eq!((packet.sequence, packet.records), (1, 3));
    let imported = import(&hub, &packet.bytes).unwrap();
    assert_eq!((imported.device.as_str(), imported.sequence, imported.households), ("TAB-A", 1, 3));
    for id in tablet.household_ids().unwrap() {
        assert_eq!(hub.load_household(&id).unwrap(), tablet.load_household(&id).unwrap());
    }
    assert!(hub.verify_audit().unwrap().is_ok());
    // Nothing new: no packet.
    assert!(tablet::export_next(&tablet, &OperatorId::new("OP-0001").unwrap(), now()).unwrap().is_none());
}

#[test]
fn a_tampered_byte_anywhere_is_refused_and_imports_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let hub = hub_registry(dir.path());
    let tablet = tablet_with(dir.path(), "TAB-A", &hub, 1, 20);
    let packet = tablet::export_next(&tablet, &OperatorId::new("OP-0001").unwrap(), now()).unwrap().unwrap();
    // Every byte of the header and signature, and a stride through the ciphertext.
    let positions: Vec<usize> = (0..packet.bytes.len()).filter(|&i| i < 120 || i + 80 > packet.bytes.len() || i % 97 == 0).collect();
    for i in positions {
        let mut bad = packet.bytes.clone();
        bad[i] ^= 0x20;
        let err = import(&hub, &bad).expect_err("tampered");
        assert!(
            matches!(
                err,
                SyncError::Packet(PacketError::BadSignature(_) | PacketError::NotAPacket | PacketError::UnsupportedVersion(_) | PacketError::BadHeader(_) | PacketError::Truncated { .. } | PacketError::TrailingBytes(_))
                    | SyncError::UnknownDevice(_)
            ),
            "byte {i}: {err}"
        );
    }
    assert_eq!(count(&hub), (0, 0));
    import(&hub, &packet.bytes).unwrap();
}

#[test]
fn a_truncated_file_a_wrong_key_a_replay_and_an_unknown_device_each_have_their_error() {
    let dir = tempfile::tempdir().unwrap();
    let hub = hub_registry(dir.path());
    let tablet = tablet_with(dir.path(), "TAB-A", &hub, 2, 30);
    let packet = tablet::export_next(&tablet, &OperatorId::new("OP-0001").unwrap(), now()).unwrap().unwrap();

    let truncated = import(&hub, &packet.bytes[..packet.bytes.len() - 10]).unwrap_err();
    assert!(matches!(truncated, SyncError::Packet(PacketError::Truncated { .. })), "{truncated}");

    // Another hub (another programme key) that knows the device cannot decrypt.
    let other_dir = tempfile::tempdir().unwrap();
    let other = hub_registry(other_dir.path());
    let (_, public) = tablet::identity(&tablet).unwrap().unwrap();
    hub::add_device(&other, "TAB-A", &public, &hub_operator(), now()).unwrap();
    let wrong = hub::import(&other, &packet.bytes, &hub_operator(), now()).unwrap_err();
    assert!(matches!(wrong, SyncError::Packet(PacketError::WrongProgrammeKey)), "{wrong}");
    assert_eq!(count(&other), (0, 0));

    // A hub that does not know the device.
    let third_dir = tempfile::tempdir().unwrap();
    let third = hub_registry(third_dir.path());
    assert!(matches!(hub::import(&third, &packet.bytes, &hub_operator(), now()), Err(SyncError::UnknownDevice(d)) if d == "TAB-A"));

    assert_eq!(count(&hub), (0, 0));
    import(&hub, &packet.bytes).unwrap();
    let before = count(&hub);
    let replay = import(&hub, &packet.bytes).unwrap_err();
    assert!(matches!(replay, SyncError::Replayed { sequence: 1, identical: true, .. }), "{replay}");
    // A re-export of the same packet is a replay too.
    let again = tablet::reexport(&tablet, 1).unwrap();
    assert_ne!(again.bytes, packet.bytes);
    assert!(matches!(import(&hub, &again.bytes), Err(SyncError::Replayed { identical: false, .. })));
    assert_eq!(count(&hub), before);
}

#[test]
fn a_lost_packet_is_re_exported_gaps_are_reported_and_out_of_order_times_refused() {
    let dir = tempfile::tempdir().unwrap();
    let hub = hub_registry(dir.path());
    let tablet = tablet_with(dir.path(), "TAB-B", &hub, 1, 40);
    let op = OperatorId::new("OP-0001").unwrap();
    let operator = synthetic::operator("OP-0001", Role::Enumerator, "5927", 1000).unwrap();
    let mut packets = Vec::new();
    for k in 0..3 {
        if k > 0 {
            let mut h = synthetic::household(400 + k, now(), 2);
            h.device = DeviceId::new("TAB-B").unwrap();
            tablet.save_household(&h, &[], &operator, now()).unwrap();
        }
        packets.push(tablet::export_next(&tablet, &op, Timestamp(now().0 + 100 * k as i64)).unwrap().unwrap());
    }
    import(&hub, &packets[0].bytes).unwrap();
    import(&hub, &packets[2].bytes).unwrap();
    assert_eq!(hub::gaps(&hub).unwrap(), vec![("TAB-B".to_string(), vec![2])]);
    // Packet 2 is lost; the tablet makes it again and it fills the gap.
    let again = tablet::reexport(&tablet, 2).unwrap();
    import(&hub, &again.bytes).unwrap();
    assert!(hub::gaps(&hub).unwrap().is_empty());
    assert_eq!(hub.household_ids().unwrap().len(), 3);
    assert!(matches!(tablet::reexport(&tablet, 9), Err(SyncError::NoSuchExport(9))));
}

#[test]
fn a_sequence_number_contradicting_creation_times_is_out_of_order() {
    let dir = tempfile::tempdir().unwrap();
    let hub = hub_registry(dir.path());
    let tablet = tablet_with(dir.path(), "TAB-C", &hub, 1, 50);
    let (device, key, programme) = tablet::signing_key(&tablet).unwrap();
    let body = super::event::encode_events(&[]).unwrap();
    let p2 = super::packet::seal(&device, 2, 2_000, 0, &body, &key, &programme).unwrap();
    let p3 = super::packet::seal(&device, 3, 1_000, 0, &body, &key, &programme).unwrap();
    import(&hub, &p2).unwrap();
    assert!(matches!(import(&hub, &p3), Err(SyncError::OutOfOrder { sequence: 3, .. })));
}

#[test]
fn importing_a_folder_twice_gives_the_same_registry_as_once() {
    let dir = tempfile::tempdir().unwrap();
    let hub = hub_registry(dir.path());
    let a = tablet_with(dir.path(), "TAB-A", &hub, 2, 60);
    let b = tablet_with(dir.path(), "TAB-B", &hub, 2, 70);
    let op = OperatorId::new("OP-0001").unwrap();
    let folder: Vec<Vec<u8>> = [&a, &b].iter().map(|t| tablet::export_next(t, &op, now()).unwrap().unwrap().bytes).collect();
    for p in &folder {
        import(&hub, p).unwrap();
    }
    let once: Vec<_> = hub.household_ids().unwrap().iter().map(|id| hub.load_household(id).unwrap()).collect();
    let imports_once = count(&hub);
    for p in &folder {
        assert!(matches!(import(&hub, p), Err(SyncError::Replayed { .. })));
    }
    let twice: Vec<_> = hub.household_ids().unwrap().iter().map(|id| hub.load_household(id).unwrap()).collect();
    assert_eq!(once, twice);
    assert_eq!(count(&hub), imports_once);
    assert_eq!(once.len(), 4);
}
