//! The API driven from Rust, with Rust implementations of the callbacks: the adapters, and
//! the enrollment flow the Kotlin tests repeat across the boundary.

use std::sync::{Arc, Mutex};

use jatigi_core::store::{self as core_store, DataKey, StoreError};

use crate::keys::ForeignKeyProvider;
use crate::*;

/// Wraps by appending a tag that only this provider's `secret` reproduces (tests only).
struct TagProvider {
    secret: u8,
}

impl KeyProvider for TagProvider {
    fn wrap(&self, key: Vec<u8>) -> Result<Vec<u8>, KeyProviderError> {
        Ok(key.iter().map(|b| b ^ self.secret).chain([self.secret]).collect())
    }
    fn unwrap(&self, wrapped: Vec<u8>) -> Result<Vec<u8>, KeyProviderError> {
        match wrapped.split_last() {
            Some((&tag, key)) if tag == self.secret => Ok(key.iter().map(|b| b ^ self.secret).collect()),
            _ => Err(KeyProviderError::WrongKey),
        }
    }
    fn id(&self) -> String {
        "rust-test-tag".into()
    }
}

#[test]
fn the_key_provider_adapter_maps_its_errors() {
    use core_store::KeyProvider as _;
    let key = DataKey::generate().expect("key");
    let right = ForeignKeyProvider(Box::new(TagProvider { secret: 7 }));
    let wrapped = right.wrap(&key).expect("wraps");
    assert_eq!(right.unwrap(&wrapped).expect("unwraps").expose_secret(), key.expose_secret());
    let wrong = ForeignKeyProvider(Box::new(TagProvider { secret: 8 }));
    assert!(matches!(wrong.unwrap(&wrapped), Err(StoreError::WrongKey)));
    // A provider handing back a key of the wrong length did not unwrap ours.
    let short = ForeignKeyProvider(Box::new(TagProvider { secret: 7 }));
    assert!(matches!(short.unwrap(&wrapped[1..]), Err(StoreError::WrongKey)));
}

/// Returns everything it holds on each read, whatever was asked.
struct Greedy(Mutex<Vec<Vec<u8>>>);

impl ByteTransport for Greedy {
    fn write(&self, _bytes: Vec<u8>) -> Result<(), TransportError> {
        Ok(())
    }
    fn read(&self, _max_len: u32, _timeout_ms: u32) -> Result<Vec<u8>, TransportError> {
        self.0.lock().expect("lock").pop().ok_or(TransportError::Closed)
    }
    fn close(&self) {
        panic!("a shell's close() that throws must not end the link thread");
    }
}

#[test]
fn the_transport_adapter_keeps_bytes_beyond_what_was_asked_and_survives_a_throwing_close() {
    use jatigi_core::scanner::transport::ByteTransport as _;
    let mut t = crate::scanner::foreign(Box::new(Greedy(Mutex::new(vec![(0..10).collect()]))));
    let mut buf = [0u8; 4];
    let got: Vec<usize> = (0..3).map(|_| t.read(&mut buf, std::time::Duration::from_millis(1)).expect("read")).collect();
    assert_eq!(got, vec![4, 4, 2]);
    assert_eq!(&buf[..2], &[8, 9]);
    assert!(t.read(&mut buf, std::time::Duration::from_millis(1)).is_err());
    t.close();
}

/// A shell's transport as the Kotlin tests write theirs: every byte through a [`SimulatedLink`].
struct Forwarding(Arc<SimulatedLink>);

impl ByteTransport for Forwarding {
    fn write(&self, bytes: Vec<u8>) -> Result<(), TransportError> {
        self.0.write(bytes)
    }
    fn read(&self, max_len: u32, timeout_ms: u32) -> Result<Vec<u8>, TransportError> {
        self.0.read(max_len, timeout_ms)
    }
    fn close(&self) {
        self.0.close_link();
    }
}

/// On the JVM a Kotlin `SimulatedScanner` is freed whenever the garbage collector finds it
/// unreachable, which it is once a test has taken its link and presented the finger, though
/// the link is still in use (FrameCostTest ended in `ScannerDisconnected` in about one run
/// in two). Here the caller's last handle goes at once: the links must still be served.
#[test]
fn links_to_a_simulated_scanner_outlive_the_callers_handle_to_it() {
    let sim = SimulatedScanner::new(9);
    sim.present(1, Finger::RightThumb);
    let link = Arc::clone(&sim).connect();
    drop(sim);
    let scanner = ScannerSession::connect(Box::new(Forwarding(link))).expect("connects through the link");
    for _ in 0..8 {
        let scan = scanner.scan(true).expect("a capture through the link");
        assert!(scan.image.is_some() && scan.wsq.is_some());
    }
    scanner.disconnect();

    let sim = SimulatedScanner::new(9);
    sim.present(1, Finger::RightThumb);
    let direct = ScannerSession::connect_simulated(sim).expect("connects straight");
    for _ in 0..3 {
        direct.scan(true).expect("a capture straight to the simulator");
    }
    direct.disconnect();
}

/// A shell that reads its socket on a thread of its own (as docs/kotlin-api.md advises for
/// RFCOMM) waits in `read` while the driver's thread writes: the write must go out at once,
/// not after the read has given up.
#[test]
fn a_simulated_link_writes_while_another_thread_waits_in_read() {
    use jatigi_core::scanner::frame::{RootMessage, RootType};
    let sim = SimulatedScanner::new(1);
    let link = Arc::clone(&sim).connect();
    let reader = {
        let link = Arc::clone(&link);
        std::thread::spawn(move || link.read(64, 5_000))
    };
    // Let the reader start waiting (were it late, the test would pass for any link).
    std::thread::sleep(std::time::Duration::from_millis(100));
    let command = RootMessage::command(RootType::UnifiedVersion).encode().expect("a command");
    link.write(command).expect("written");
    let answer = reader.join().expect("the reader thread").expect("read");
    assert!(!answer.is_empty(), "the scanner answered while the reader waited");
    link.close_link();
}

fn consent_and_fingers(session: &EnrollmentSession, member: u8, person: u64, sim: &SimulatedScanner, scanner: &Arc<ScannerSession>) {
    session.record_consent(member, ConsentDecision::Given, ConsentMethod::Verbal).expect("consent");
    for finger in [Finger::RightIndex, Finger::LeftIndex] {
        sim.present(person, finger);
        loop {
            let attempt = session.capture_finger(member, finger, Arc::clone(scanner)).expect("capture");
            if !matches!(attempt.verdict, AttemptVerdict::TryAgain { .. }) {
                break;
            }
        }
    }
}

/// The store's first supervisor, signed in.
fn first_supervisor(store: &JatigiStore) -> Arc<OperatorSession> {
    store
        .add_first_supervisor(NewOperator { id: "SUP-0001".into(), name: "Aminata Keïta".into(), role: Role::Supervisor, pin: "4827".into() })
        .expect("supervisor");
    store.sign_in("SUP-0001".into(), "4827".into()).expect("sign in")
}

/// A household displaced from Bankass to a site in Mopti.
fn mopti_household() -> HouseholdDetails {
    HouseholdDetails {
        site: DisplacementSite { region: Region::Mopti, cercle: "Mopti".into(), commune: "Socoura".into(), site_name: "Site de Socoura".into(), gps: None },
        origin: Origin { region: Region::Mopti, cercle: "Bankass".into(), commune: String::new(), village: String::new() },
        displaced_on: CalendarDate { year: 2023, month: 5, day: 1 },
        reason: DisplacementReason::Violence,
    }
}

fn member(relation: Relation, given: &str, family: &str) -> MemberDetails {
    MemberDetails {
        relation,
        given_names: given.into(),
        family_name: family.into(),
        other_names: String::new(),
        sex: Sex::Female,
        birth: BirthInfo::EstimatedAge { years: 30 },
        phone: None,
        document: None,
        vulnerabilities: vec![],
    }
}

#[test]
fn a_person_enrolled_twice_is_caught_and_linked() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("registry.db").display().to_string();
    let store = JatigiStore::create(path.clone(), "TAB-GAO-07".into(), Box::new(TagProvider { secret: 3 })).expect("create");
    assert!(matches!(
        JatigiStore::open(path, "TAB-GAO-07".into(), Box::new(TagProvider { secret: 4 })),
        Err(JatigiError::WrongKey)
    ));
    let operator = first_supervisor(&store);
    let sim = SimulatedScanner::new(11);
    let scanner = ScannerSession::connect_simulated(Arc::clone(&sim)).expect("scanner");
    let details = mopti_household();

    let first = operator.start_household(details.clone()).expect("household");
    let head = first.add_member(member(Relation::Head, "Kadiatou", "Diallo")).expect("member");
    consent_and_fingers(&first, head, 1, &sim, &scanner);
    let saved = first.save().expect("saved");

    let second = operator.start_household(details).expect("household");
    let head = second.add_member(member(Relation::Head, "Kadiatou", "Diallo")).expect("member");
    consent_and_fingers(&second, head, 1, &sim, &scanner);
    let matches = second.check_duplicates(None, None).expect("check");
    let top = &matches[0].candidates[0];
    assert!(matches[0].needs_decision && top.person_id == format!("{}/01", saved.household_id), "{matches:?}");
    assert_eq!(top.name, "Kadiatou Diallo");
    assert!(matches!(second.save(), Err(JatigiError::DecisionMissing { member: 1 })));
    second.decide(head, Decision::SamePerson { person_id: top.person_id.clone() }).expect("decide");
    let again = second.save().expect("saved");
    assert_eq!(again.members[0].linked_to.as_deref(), Some(top.person_id.as_str()));
    assert_eq!(again.fingers_saved, 0);
    assert!(matches!(second.save(), Err(JatigiError::SessionClosed)));
    scanner.disconnect();
}

#[test]
fn a_face_photo_needs_consent_is_checked_and_is_saved_sealed_with_the_member() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("registry.db").display().to_string();
    let store = JatigiStore::create(path, "TAB-MOP-02".into(), Box::new(TagProvider { secret: 9 })).expect("create");
    let operator = first_supervisor(&store);
    let session = operator.start_household(mopti_household()).expect("household");
    let head = session.add_member(member(Relation::Head, "Fatoumata", "Traoré")).expect("head");
    let child = session.add_member(member(Relation::Child, "Awa", "Traoré")).expect("child");
    let jpeg = |len: usize| {
        let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
        bytes.resize(len, 0x42);
        bytes
    };

    assert!(matches!(session.set_face_photo(head, jpeg(5_000)), Err(JatigiError::ConsentRequired { member: 1 })));
    session.record_consent(head, ConsentDecision::Given, ConsentMethod::Verbal).expect("consent");
    let not_jpeg = session.set_face_photo(head, b"\x89PNG\r\n\x1a\n-not-a-jpeg".to_vec());
    assert!(matches!(not_jpeg, Err(JatigiError::InvalidInput { .. })), "{not_jpeg:?}");
    let too_big = session.set_face_photo(head, jpeg(crate::enrollment::MAX_FACE_PHOTO_BYTES + 1));
    assert!(matches!(too_big, Err(JatigiError::InvalidInput { .. })), "{too_big:?}");
    assert!(matches!(session.set_face_photo(9, jpeg(5_000)), Err(JatigiError::UnknownMember { member: 9 })));
    session.set_face_photo(head, jpeg(6_000)).expect("photo");
    session.set_face_photo(head, jpeg(7_000)).expect("a second photo replaces the first");

    // A refusal takes the photo away with the fingerprints.
    session.record_consent(child, ConsentDecision::Given, ConsentMethod::Verbal).expect("consent");
    session.set_face_photo(child, jpeg(4_000)).expect("photo");
    session.record_consent(child, ConsentDecision::Refused, ConsentMethod::Verbal).expect("refusal");
    let has: Vec<bool> = session.members().expect("members").iter().map(|m| m.has_face_photo).collect();
    assert_eq!(has, [true, false]);

    let saved = session.save().expect("saved");
    let household = store.saved_household(&saved.household_id);
    let faces: Vec<Option<usize>> = household.members.iter().map(|m| m.face.as_ref().map(|f| f.jpeg.len())).collect();
    assert_eq!(faces, [Some(7_000), None]);
}

/// The device file and packets the FFI gives a tablet are what a hub accepts: the device
/// file's key registers, the packet verifies, decrypts and imports. And a card issued
/// through the FFI verifies against the FFI's key ring and passes the 1:1 check.
#[test]
fn a_tablet_provisioned_through_the_ffi_exports_what_a_hub_imports_and_its_cards_verify() {
    use jatigi_core::registry::repository::Registry;
    use jatigi_core::registry::{OperatorId, Timestamp};
    use jatigi_core::sync::{hub, DevicePublicKey};

    let dir = tempfile::tempdir().expect("dir");
    let hub_registry = Registry::create_with_passphrase(dir.path().join("hub.db"), "hub test").expect("hub");
    let programme = hub::init(&hub_registry).expect("programme key");
    let programme_hex = jatigi_core::sync::keys::to_hex(&programme.0);

    let store = JatigiStore::create(dir.path().join("tablet.db").display().to_string(), "TAB-MOP-03".into(), Box::new(TagProvider { secret: 5 })).expect("create");
    let operator = first_supervisor(&store);
    let sim = SimulatedScanner::new(12);
    let scanner = ScannerSession::connect_simulated(Arc::clone(&sim)).expect("scanner");
    let details = mopti_household();
    let session = operator.start_household(details).expect("household");
    let head = session.add_member(member(Relation::Head, "Kadiatou", "Diallo")).expect("member");
    consent_and_fingers(&session, head, 1, &sim, &scanner);
    let saved = session.save().expect("saved");

    // The card.
    let card = operator.issue_card(saved.household_id.clone(), false).expect("card");
    let ring = operator.key_ring().expect("key ring");
    let verdict = verify_card_text(card.qr_text.clone(), ring.clone(), None).expect("verdict");
    assert_eq!((verdict.status, verdict.household_id.as_deref()), (CardStatus::Valid, Some(saved.household_id.as_str())), "{verdict:?}");
    sim.present(1, Finger::LeftIndex);
    let check = operator.check_member_on_card(card.qr_text, ring, Arc::clone(&scanner), None, None).expect("check");
    assert_eq!(check.person_id, Some(format!("{}/01", saved.household_id)));
    assert_eq!(check.name, "Kadiatou Diallo");

    // Sync, to a real hub.
    let identity = operator.provision_device(programme_hex.clone()).expect("provision");
    let file: serde_json::Value = serde_json::from_str(&identity.device_file_json).expect("device file is JSON");
    assert_eq!(file["format"], "jatigi-device/1");
    assert_eq!(file["device"], "TAB-MOP-03");
    assert_eq!(file["programme_key"], programme_hex.as_str());
    let key = DevicePublicKey::from_hex(file["public_key"].as_str().expect("key")).expect("hex key");
    let by = OperatorId::new("OP-HUB").expect("id");
    hub::add_device(&hub_registry, "TAB-MOP-03", &key, &by, Timestamp(1)).expect("registered");
    let packet = operator.export_packet(None, None).expect("export").expect("a packet");
    assert_eq!((packet.sequence, packet.household_count), (1, 1));
    let imported = hub::import(&hub_registry, &packet.bytes, &by, crate::store::now()).expect("imported");
    assert_eq!((imported.device.as_str(), imported.sequence, imported.households), ("TAB-MOP-03", 1, 1));
    assert!(operator.export_packet(None, None).expect("export").is_none());
    // The re-export is the same packet to the hub: a replay of an imported one.
    let again = operator.reexport_packet(1).expect("re-export");
    assert!(matches!(
        hub::import(&hub_registry, &again.bytes, &by, crate::store::now()),
        Err(jatigi_core::sync::SyncError::Replayed { sequence: 1, identical: false, .. })
    ));
    assert!(matches!(operator.reexport_packet(7), Err(JatigiError::NoSuchPacket { sequence: 7 })));
    scanner.disconnect();
}

/// Captures made before the call that uses them: a member enrolled from `CapturedFinger`s,
/// then found, verified 1:1, refused for another person, and the inputs that cannot be used
/// refused with typed errors.
#[test]
fn captures_taken_beforehand_enrol_identify_and_verify() {
    let dir = tempfile::tempdir().expect("dir");
    let store = JatigiStore::create(dir.path().join("r.db").display().to_string(), "TAB-GAO-07".into(), Box::new(TagProvider { secret: 5 }))
        .expect("create");
    let operator = first_supervisor(&store);
    let sim = SimulatedScanner::new(12);
    let scanner = ScannerSession::connect_simulated(Arc::clone(&sim)).expect("scanner");
    let take = |person: u64, finger: Finger| {
        sim.present(person, finger);
        scanner.capture(finger).expect("capture")
    };

    let session = operator.start_household(mopti_household()).expect("household");
    let head = session.add_member(member(Relation::Head, "Kadiatou", "Diallo")).expect("member");
    let early = take(1, Finger::RightIndex);
    assert!(matches!(session.add_capture(head, Arc::clone(&early)), Err(JatigiError::ConsentRequired { member: 1 })));
    session.record_consent(head, ConsentDecision::Given, ConsentMethod::Verbal).expect("consent");
    for finger in [Finger::RightIndex, Finger::LeftIndex] {
        loop {
            let attempt = session.add_capture(head, take(1, finger)).expect("attempt");
            assert_eq!(attempt.finger, finger);
            if !matches!(attempt.verdict, AttemptVerdict::TryAgain { .. }) {
                break;
            }
        }
    }
    let saved = session.save().expect("saved");
    assert_eq!(saved.fingers_saved, 2);
    let person = format!("{}/01", saved.household_id);

    let probe = vec![take(1, Finger::RightIndex), take(1, Finger::LeftIndex)];
    let found = operator.identify(probe.clone(), None, None).expect("identify");
    assert_eq!(found[0].person_id, person);
    let yes = operator.verify_person(person.clone(), probe.clone()).expect("verify");
    assert!(yes.matched && yes.fingers.len() == 2, "{yes:?}");
    let stranger = operator.verify_person(person.clone(), vec![take(2, Finger::RightIndex)]).expect("verify");
    assert!(!stranger.matched, "{stranger:?}");

    assert!(matches!(operator.identify(vec![], None, None), Err(JatigiError::InvalidInput { .. })));
    assert!(matches!(
        operator.verify_person(person.clone(), vec![Arc::clone(&early), Arc::clone(&early)]),
        Err(JatigiError::InvalidInput { .. })
    ));
    assert!(matches!(operator.verify_person("nonsense".into(), vec![Arc::clone(&early)]), Err(JatigiError::InvalidInput { .. })));
    assert!(matches!(session.add_capture(head, early), Err(JatigiError::SessionClosed)));
    scanner.disconnect();
}
