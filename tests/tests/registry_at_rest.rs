//! Issue 3, acceptance 2, 3, 5 and 6: what the registry leaves on disk.
//!
//! - 2: names, templates, images and photos never appear in the clear in the database, its
//!   WAL, its shared-memory file or any other file beside it, whether the store is open or
//!   closed.
//! - 3: a sealed value moved to another row (or column, or household) fails to open with a
//!   typed error naming the place it was read from.
//! - 5: in an audit log of 10,000 entries, one altered byte in one row is found, and the
//!   verification names that row; entries cut from the end are found too.
//! - 6: after a household is erased, none of its sealed values (read from the file before
//!   the erasure) can be opened with the data key or any record key the store still holds,
//!   none of them is left in the files, and its id remains only in the audit log.

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use jatigi_core::registry::audit::AuditEntry;
use jatigi_core::registry::model::{CaptureOutcome, Household, Operator};
use jatigi_core::registry::repository::{Registry, RegistryError};
use jatigi_core::registry::synthetic::{self, SplitMix64};
use jatigi_core::registry::{AuditAction, Date, HouseholdId, NameKey, Phone, Role, Timestamp};
use jatigi_core::store::{self, Aad, StaticKeyProvider, StoreError};
use rusqlite::{params, OptionalExtension};
use unicode_normalization::UnicodeNormalization;

fn provider() -> StaticKeyProvider {
    StaticKeyProvider::new([0x3C; 32])
}

fn now() -> Timestamp {
    Timestamp(Date::new(2025, 6, 1).expect("date").start().0 + 9 * 3600)
}

fn enumerator() -> Operator {
    synthetic::operator("OP-0042", Role::Enumerator, "5927", 1_000).expect("operator")
}

fn supervisor() -> Operator {
    synthetic::operator("SUP-0001", Role::Supervisor, "8316", 1_000).expect("operator")
}

// ---- scanning raw files ------------------------------------------------------------------

/// Every file in the registry's folder: the database, `-wal`, `-shm` and anything else
/// SQLite may have left beside it.
fn raw_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("list folder") {
        let entry = entry.expect("folder entry");
        if entry.file_type().expect("file type").is_file() {
            files.push((entry.file_name().to_string_lossy().into_owned(), std::fs::read(entry.path()).expect("read file")));
        }
    }
    files.sort();
    files
}

/// Byte strings to look for, each with a description, found in one pass over a file by
/// their first 5 bytes.
#[derive(Default)]
struct Needles {
    by_prefix: HashMap<[u8; 5], Vec<(Vec<u8>, String)>>,
    count: usize,
}

impl Needles {
    fn add(&mut self, bytes: &[u8], what: &str) {
        assert!(bytes.len() >= 5, "needle {what:?} too short to search without chance hits");
        let prefix: [u8; 5] = bytes[..5].try_into().expect("5 bytes");
        let list = self.by_prefix.entry(prefix).or_default();
        if !list.iter().any(|(b, _)| b == bytes) {
            list.push((bytes.to_vec(), what.to_string()));
            self.count += 1;
        }
    }

    /// A name as typed, and as it might be written: lower and upper case, decomposed (NFD),
    /// folded to its search key; each word of 5 bytes or more on its own too.
    fn add_name(&mut self, name: &str, what: &str) {
        let mut forms = vec![name.to_string(), name.to_lowercase(), name.to_uppercase(), name.nfd().collect(), NameKey::new(name).as_str().to_string()];
        let words: Vec<String> = forms.iter().flat_map(|f| f.split([' ', '-']).map(str::to_string).collect::<Vec<_>>()).collect();
        forms.extend(words);
        for form in forms.iter().filter(|f| f.len() >= 5) {
            self.add(form.as_bytes(), &format!("{what} {form:?}"));
        }
    }

    /// Every 16-byte window of a biometric value (template, image, photo): any copy of 16
    /// consecutive bytes of it would be found.
    fn add_windows(&mut self, bytes: &[u8], what: &str) {
        for (i, w) in bytes.windows(16).enumerate() {
            self.add(w, &format!("{what} bytes {i}..{}", i + 16));
        }
    }

    /// Where any needle occurs in `data`.
    fn find_in(&self, file: &str, data: &[u8]) -> Vec<String> {
        let mut found = Vec::new();
        for i in 0..data.len().saturating_sub(4) {
            let prefix: [u8; 5] = data[i..i + 5].try_into().expect("5 bytes");
            if let Some(list) = self.by_prefix.get(&prefix) {
                for (needle, what) in list {
                    if data[i..].starts_with(needle) {
                        found.push(format!("{what} in {file} at offset {i}"));
                    }
                }
            }
        }
        found
    }

    fn find_in_folder(&self, dir: &Path) -> Vec<String> {
        raw_files(dir).iter().flat_map(|(name, data)| self.find_in(name, data)).collect()
    }
}

fn occurrences(data: &[u8], needle: &[u8]) -> usize {
    data.windows(needle.len()).filter(|w| *w == needle).count()
}

// ---- households with known names ----------------------------------------------------------

const GIVEN: [&str; 8] = ["Zeïnabou", "Kadiatou-Élise", "Hamadoun-Sékou", "Aïssétou", "Mahamadou Ténin", "Fadimata-Zoé", "Oumarou Ébène", "Djénébou"];
const FAMILY: [&str; 6] = ["Kaneexample", "Diakitéxample", "Ag Ténéréxample", "Maïgaxample", "Tounkaraxémple", "Walet Ïnékarexample"];

/// A synthetic household (everyone consenting, 4 fingers each, images and photos) whose
/// personal values are made distinctive, so that any copy of them on disk can be found.
fn distinctive_household(i: usize) -> Household {
    // The first seeds from this base whose members all consent and that have 3+ members.
    let mut seed = 5_000 + i as u64 * 1_000;
    let mut h = loop {
        let h = synthetic::household(seed, now(), 4);
        if h.members.len() >= 3 && h.members.iter().all(|m| m.person.consent.allows_biometrics()) {
            break h;
        }
        seed += 1;
    };
    synthetic::add_media(&mut h, seed);
    for (k, m) in h.members.iter_mut().enumerate() {
        m.person.given_names = GIVEN[(i + k) % GIVEN.len()].to_string();
        m.person.family_name = FAMILY[i % FAMILY.len()].to_string();
        m.person.other_names = if k == 0 { format!("Tantine Zézé{i}") } else { String::new() };
    }
    h.members[0].person.phone = Some(Phone::parse(&format!("+223 76 54 32 1{i}")).expect("phone"));
    h.members[0].person.document = Some(jatigi_core::registry::IdentityDocument {
        kind: jatigi_core::registry::DocumentKind::Nina,
        number: format!("9876543210123{i}Z"),
    });
    h.origin.village = format!("Tinzawatène-Exemple{i}");
    h.origin.commune = format!("Anéfisexample{i}");
    h.validate(now()).expect("valid");
    h
}

/// Everything of these households that must never be on disk in the clear.
fn secrets(households: &[Household], operators: &[Operator]) -> Needles {
    let mut needles = Needles::default();
    for h in households {
        needles.add(h.origin.village.as_bytes(), "village of origin");
        needles.add(h.origin.commune.as_bytes(), "commune of origin");
        if let Some(gps) = h.site.gps {
            needles.add(&gps.to_bytes(), "GPS point");
        }
        for m in &h.members {
            let p = &m.person;
            needles.add_name(&p.given_names, "given name");
            needles.add_name(&p.family_name, "family name");
            needles.add_name(&format!("{} {}", p.given_names, p.family_name), "full name");
            if !p.other_names.is_empty() {
                needles.add_name(&p.other_names, "other name");
            }
            if let Some(phone) = &p.phone {
                needles.add(phone.as_str().as_bytes(), "phone");
                needles.add(&phone.as_str().as_bytes()[4..], "phone without country code");
            }
            if let Some(doc) = &p.document {
                needles.add(doc.number.as_bytes(), "document number");
            }
            needles.add(&p.to_bytes().expect("person record"), "person record");
            for c in &m.captures {
                if let CaptureOutcome::Captured(s) = &c.outcome {
                    needles.add_windows(&s.template, &format!("template of {}/{} finger {}", h.id, m.number, c.finger.code()));
                    if let Some(image) = &s.image {
                        needles.add_windows(&image.bytes, &format!("image of {}/{} finger {}", h.id, m.number, c.finger.code()));
                    }
                }
            }
            if let Some(face) = &m.face {
                needles.add_windows(&face.jpeg, &format!("photo of {}/{}", h.id, m.number));
            }
        }
    }
    for op in operators {
        needles.add_name(&op.name, "operator name");
        needles.add(&op.pin.to_bytes(), "PIN hash");
    }
    // The magic numbers of the person record and template formats, with their version.
    needles.add(b"JTGP\x01", "person record magic");
    needles.add(b"JTGT\x01", "template magic");
    needles
}

fn registry_with(dir: &Path, households: &[Household]) -> Registry {
    let registry = Registry::create(dir.join("registry.db"), &provider()).expect("create");
    let (enumerator, supervisor) = (enumerator(), supervisor());
    registry.add_operator(&supervisor, &supervisor.id, now()).expect("add supervisor");
    registry.add_operator(&enumerator, &supervisor.id, now()).expect("add enumerator");
    for h in households {
        registry.save_household(h, &[], &enumerator, now()).expect("save");
    }
    registry
}

// ---- acceptance 2 ---------------------------------------------------------------------------

#[test]
fn names_templates_images_and_photos_are_never_on_disk_in_the_clear() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let households: Vec<Household> = (0..6).map(distinctive_household).collect();
    let registry = registry_with(dir.path(), &households);
    for h in &households {
        assert_eq!(registry.load_household(&h.id).expect("load"), *h, "what was written is what is read back");
    }
    let needles = secrets(&households, &[enumerator(), supervisor()]);
    assert!(needles.count > 10_000, "{} needles", needles.count);

    // Positive control: the scan does find what is stored in the clear.
    let clear = Needles { count: 0, by_prefix: HashMap::new() };
    let mut clear = clear;
    clear.add(households[0].id.to_string().as_bytes(), "household id");
    clear.add(households[0].site.site_name.as_bytes(), "site name");
    assert!(!clear.find_in_folder(dir.path()).is_empty(), "the scan finds clear values");

    // Store open: the WAL holds every page written so far.
    let files = raw_files(dir.path());
    assert!(files.iter().any(|(n, d)| n.ends_with("-wal") && !d.is_empty()), "the WAL is in use: {:?}", files.iter().map(|(n, d)| (n, d.len())).collect::<Vec<_>>());
    let found = needles.find_in_folder(dir.path());
    assert!(found.is_empty(), "found in the clear while open: {:#?}", &found[..found.len().min(20)]);

    // Store closed (checkpointed into the main file).
    drop(registry);
    let found = needles.find_in_folder(dir.path());
    assert!(found.is_empty(), "found in the clear after closing: {:#?}", &found[..found.len().min(20)]);

    // Reopened, read everything, a few more writes (key rotation, erasure of nothing).
    let mut registry = Registry::open(dir.path().join("registry.db"), &provider()).expect("open");
    for h in &households {
        registry.load_household(&h.id).expect("load");
    }
    registry.load_gallery().expect("gallery");
    registry.rotate_key(&StaticKeyProvider::new([0x77; 32]), &supervisor().id, now()).expect("rotate");
    registry.sign_in(&enumerator().id, "5927", now()).expect("sign in");
    let found = needles.find_in_folder(dir.path());
    assert!(found.is_empty(), "found in the clear after reopening: {:#?}", &found[..found.len().min(20)]);
    drop(registry);
    let found = needles.find_in_folder(dir.path());
    assert!(found.is_empty(), "found in the clear at the end: {:#?}", &found[..found.len().min(20)]);
    let names: Vec<String> = raw_files(dir.path()).into_iter().map(|(n, _)| n).collect();
    eprintln!("at rest: {} byte strings searched in {names:?}, none found", needles.count);
}

// ---- acceptance 3 ---------------------------------------------------------------------------

/// Asserts a typed "tampered" error for exactly this place.
fn assert_tampered<T: std::fmt::Debug>(result: Result<T, RegistryError>, table: &str, column: &str, row: i64) {
    match result {
        Err(RegistryError::Store(StoreError::Tampered { table: t, column: c, row: r })) => {
            assert_eq!((t.as_str(), c.as_str(), r), (table, column, row), "the error names the place read");
        }
        other => panic!("expected Tampered({table}.{column} row {row}), got {other:?}"),
    }
}

fn blob(registry: &Registry, sql: &str, row: i64) -> Vec<u8> {
    registry.store().conn().query_row(sql, [row], |r| r.get(0)).expect("blob")
}

fn set_blob(registry: &Registry, table: &str, column: &str, key: &str, row: i64, value: &[u8]) {
    let n = registry.store().conn().execute(&format!("UPDATE {table} SET {column} = ?1 WHERE {key} = ?2"), params![value, row]).expect("update");
    assert_eq!(n, 1);
}

fn member_rows(registry: &Registry, id: &HouseholdId) -> Vec<i64> {
    let conn = registry.store().conn();
    let mut stmt = conn.prepare("SELECT m.row FROM members m JOIN households h ON m.household = h.row WHERE h.id = ?1 ORDER BY m.number").expect("sql");
    stmt.query_map([id.to_string()], |r| r.get(0)).expect("rows").collect::<Result<_, _>>().expect("rows")
}

fn capture_rows(registry: &Registry, member_row: i64) -> Vec<i64> {
    let conn = registry.store().conn();
    let mut stmt = conn.prepare("SELECT row FROM captures WHERE member = ?1 AND template IS NOT NULL ORDER BY finger").expect("sql");
    stmt.query_map([member_row], |r| r.get(0)).expect("rows").collect::<Result<_, _>>().expect("rows")
}

fn household_row(registry: &Registry, id: &HouseholdId) -> (i64, i64) {
    registry.store().conn().query_row("SELECT row, key_id FROM households WHERE id = ?1", [id.to_string()], |r| Ok((r.get(0)?, r.get(1)?))).expect("household row")
}

#[test]
fn a_sealed_value_moved_to_another_place_fails_with_a_typed_error() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let households: Vec<Household> = (0..2).map(distinctive_household).collect();
    let registry = registry_with(dir.path(), &households);
    let (a, b) = (&households[0], &households[1]);
    let (a_members, b_members) = (member_rows(&registry, &a.id), member_rows(&registry, &b.id));
    let intact = |registry: &Registry| {
        for h in &households {
            assert_eq!(registry.load_household(&h.id).expect("intact again"), *h);
        }
    };

    // Two members' person records swapped within a household (same key, other rows).
    let (m1, m2) = (a_members[0], a_members[1]);
    let (p1, p2) = (blob(&registry, "SELECT person FROM members WHERE row = ?1", m1), blob(&registry, "SELECT person FROM members WHERE row = ?1", m2));
    set_blob(&registry, "members", "person", "row", m1, &p2);
    set_blob(&registry, "members", "person", "row", m2, &p1);
    assert_tampered(registry.load_household(&a.id), "members", "person", m1);
    // Name search opens every record in whatever order SQLite reads them: either one fails.
    match registry.find_by_name("Zeïnabou", 3) {
        Err(RegistryError::Store(StoreError::Tampered { table, column, row })) => {
            assert_eq!((table.as_str(), column.as_str()), ("members", "person"));
            assert!(row == m1 || row == m2, "row {row}");
        }
        other => panic!("expected Tampered(members.person), got {other:?}"),
    }
    set_blob(&registry, "members", "person", "row", m1, &p1);
    set_blob(&registry, "members", "person", "row", m2, &p2);
    intact(&registry);

    // A template copied from a capture of household B over a capture of household A
    // (another key, another row).
    let (ca, cb) = (capture_rows(&registry, a_members[1])[0], capture_rows(&registry, b_members[0])[0]);
    let (ta, tb) = (blob(&registry, "SELECT template FROM captures WHERE row = ?1", ca), blob(&registry, "SELECT template FROM captures WHERE row = ?1", cb));
    set_blob(&registry, "captures", "template", "row", ca, &tb);
    assert_tampered(registry.load_household(&a.id), "captures", "template", ca);
    assert_tampered(registry.load_gallery().map(|(g, _)| g.len()), "captures", "template", ca);
    assert_eq!(registry.load_household(&b.id).expect("the source is untouched"), *b);
    set_blob(&registry, "captures", "template", "row", ca, &ta);

    // A template copied into the image column of its own row (same key, same row, other
    // column).
    let image: Vec<u8> = blob(&registry, "SELECT image FROM captures WHERE row = ?1", ca);
    set_blob(&registry, "captures", "image", "row", ca, &ta);
    assert_tampered(registry.load_household(&a.id), "captures", "image", ca);
    set_blob(&registry, "captures", "image", "row", ca, &image);

    // A face photo moved to another member of the same household.
    let face: Vec<u8> = blob(&registry, "SELECT face FROM members WHERE row = ?1", m1);
    let face2: Vec<u8> = blob(&registry, "SELECT face FROM members WHERE row = ?1", m2);
    set_blob(&registry, "members", "face", "row", m2, &face);
    assert_tampered(registry.load_household(&a.id), "members", "face", m2);
    set_blob(&registry, "members", "face", "row", m2, &face2);

    // The household secret (GPS, origin) of B over A's.
    let ((ha, key_a), (hb, key_b)) = (household_row(&registry, &a.id), household_row(&registry, &b.id));
    let (sa, sb) = (blob(&registry, "SELECT secret FROM households WHERE row = ?1", ha), blob(&registry, "SELECT secret FROM households WHERE row = ?1", hb));
    set_blob(&registry, "households", "secret", "row", ha, &sb);
    assert_tampered(registry.load_household(&a.id), "households", "secret", ha);
    set_blob(&registry, "households", "secret", "row", ha, &sa);

    // The two households' record keys swapped.
    let (ka, kb) = (blob(&registry, "SELECT wrapped FROM record_keys WHERE id = ?1", key_a), blob(&registry, "SELECT wrapped FROM record_keys WHERE id = ?1", key_b));
    set_blob(&registry, "record_keys", "wrapped", "id", key_a, &kb);
    set_blob(&registry, "record_keys", "wrapped", "id", key_b, &ka);
    assert_tampered(registry.load_household(&a.id), "record_keys", "wrapped", key_a);
    assert_tampered(registry.load_household(&b.id), "record_keys", "wrapped", key_b);
    set_blob(&registry, "record_keys", "wrapped", "id", key_a, &ka);
    set_blob(&registry, "record_keys", "wrapped", "id", key_b, &kb);

    // Two operators' sealed PIN hashes and names swapped: neither can sign in.
    let rows: Vec<i64> = {
        let conn = registry.store().conn();
        let mut stmt = conn.prepare("SELECT row FROM operators ORDER BY row").expect("sql");
        stmt.query_map([], |r| r.get(0)).expect("rows").collect::<Result<_, _>>().expect("rows")
    };
    let (o1, o2) = (blob(&registry, "SELECT secret FROM operators WHERE row = ?1", rows[0]), blob(&registry, "SELECT secret FROM operators WHERE row = ?1", rows[1]));
    set_blob(&registry, "operators", "secret", "row", rows[0], &o2);
    set_blob(&registry, "operators", "secret", "row", rows[1], &o1);
    assert_tampered(registry.sign_in(&supervisor().id, "8316", now()), "operators", "secret", rows[0]);
    assert_tampered(registry.sign_in(&enumerator().id, "5927", now()), "operators", "secret", rows[1]);
    set_blob(&registry, "operators", "secret", "row", rows[0], &o1);
    set_blob(&registry, "operators", "secret", "row", rows[1], &o2);
    registry.sign_in(&enumerator().id, "5927", now()).expect("signs in again");

    // One flipped bit in a sealed value.
    let mut flipped = p1.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x01;
    set_blob(&registry, "members", "person", "row", m1, &flipped);
    assert_tampered(registry.load_household(&a.id), "members", "person", m1);
    set_blob(&registry, "members", "person", "row", m1, &p1);

    intact(&registry);
    assert!(registry.verify_audit().expect("audit").is_ok());
}

// ---- acceptance 5 ---------------------------------------------------------------------------

#[test]
fn one_altered_row_in_an_audit_log_of_ten_thousand_entries_is_found() {
    const ENTRIES: u64 = 10_000;
    let dir = tempfile::tempdir().expect("temporary folder");
    let registry = Registry::create(dir.path().join("registry.db"), &provider()).expect("create");
    let op = enumerator().id;
    let subjects: Vec<String> = (0..50).map(|s| synthetic::household(s, now(), 0).id.to_string()).collect();
    let actions = [AuditAction::CardIssued, AuditAction::HouseholdUpdated, AuditAction::PacketExported, AuditAction::MemberUpdated];
    let append = |i: u64| {
        let subject = &subjects[(i % 50) as usize];
        registry
            .audit(Timestamp(now().0 + i as i64), &op, actions[(i % 4) as usize].clone(), subject, &format!("n={i}"))
            .expect("audit entry");
    };
    // Registry::audit is one transaction per entry, each commit synced to the disk
    // (synchronous=FULL) as on the tablet: a fraction of a millisecond on an idle disk, but
    // several when the disk is busy (10,000 took 38 s on this machine while another build
    // ran). Time a few hundred that way; write the rest without waiting for the disk, which
    // changes nothing in what is written.
    const SYNCED: u64 = 200;
    let started = Instant::now();
    for i in 0..SYNCED {
        append(i);
    }
    let synced_ms = started.elapsed().as_secs_f64() * 1000.0 / SYNCED as f64;
    registry.store().conn().execute_batch("PRAGMA synchronous = OFF").expect("pragma");
    let started = Instant::now();
    for i in SYNCED..ENTRIES {
        append(i);
    }
    let unsynced_ms = started.elapsed().as_secs_f64() * 1000.0 / (ENTRIES - SYNCED) as f64;
    registry.store().conn().execute_batch("PRAGMA synchronous = FULL").expect("pragma");
    registry.store().integrity_check().expect("integrity");

    let started = Instant::now();
    let head = registry.verify_audit().expect("verify runs").expect("intact");
    let verify_ms = started.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(head.next_seq, ENTRIES + 1);
    eprintln!(
        "audit: one entry per transaction {synced_ms:.2} ms with synchronous=FULL, {unsynced_ms:.3} ms without the sync; {ENTRIES} entries verified in {verify_ms:.1} ms"
    );

    let conn = registry.store().conn();
    let mut rng = SplitMix64::new(0xA0D17);
    for _ in 0..25 {
        let seq = 1 + rng.below(ENTRIES) as i64;
        let original: Vec<u8> = conn.query_row("SELECT entry FROM audit WHERE seq = ?1", [seq], |r| r.get(0)).expect("row");
        assert_eq!(AuditEntry::from_bytes(&original).expect("decodes").seq, seq as u64);
        let mut altered = original.clone();
        let at = rng.below(altered.len() as u64) as usize;
        altered[at] ^= 1 + rng.below(255) as u8;
        conn.execute("UPDATE audit SET entry = ?1 WHERE seq = ?2", params![altered, seq]).expect("alter");
        let verdict = registry.verify_audit().expect("verify runs");
        assert_eq!(verdict.map(|_| ()).map_err(|b| b.first_bad_seq), Err(seq as u64), "byte {at} of entry {seq} altered");
        conn.execute("UPDATE audit SET entry = ?1 WHERE seq = ?2", params![original, seq]).expect("restore");
    }
    assert!(registry.verify_audit().expect("verify runs").is_ok());

    // A whole row replaced by another (a valid entry in the wrong place).
    let other: Vec<u8> = conn.query_row("SELECT entry FROM audit WHERE seq = 4321", [], |r| r.get(0)).expect("row");
    let original: Vec<u8> = conn.query_row("SELECT entry FROM audit WHERE seq = 1234", [], |r| r.get(0)).expect("row");
    conn.execute("UPDATE audit SET entry = ?1 WHERE seq = 1234", [&other]).expect("replace");
    assert_eq!(registry.verify_audit().expect("runs").map_err(|b| b.first_bad_seq), Err(1234));
    conn.execute("UPDATE audit SET entry = ?1 WHERE seq = 1234", [&original]).expect("restore");

    // Entries cut from the end leave a valid but shorter chain: the sealed head catches it.
    conn.execute("DELETE FROM audit WHERE seq > ?1", [ENTRIES as i64 - 10]).expect("truncate");
    assert!(matches!(registry.verify_audit(), Err(RegistryError::AuditTruncated)));
}

// ---- acceptance 6 ---------------------------------------------------------------------------

/// A sealed value read from the file: where it was, and its bytes.
struct SealedCopy {
    table: &'static str,
    column: &'static str,
    row: i64,
    bytes: Vec<u8>,
}

fn sealed_values_of(registry: &Registry, id: &HouseholdId) -> Vec<SealedCopy> {
    let conn = registry.store().conn();
    let (row, _) = household_row(registry, id);
    let mut out = vec![SealedCopy { table: "households", column: "secret", row, bytes: blob(registry, "SELECT secret FROM households WHERE row = ?1", row) }];
    for member in member_rows(registry, id) {
        out.push(SealedCopy { table: "members", column: "person", row: member, bytes: blob(registry, "SELECT person FROM members WHERE row = ?1", member) });
        let face: Option<Vec<u8>> = conn.query_row("SELECT face FROM members WHERE row = ?1", [member], |r| r.get(0)).expect("face");
        if let Some(face) = face {
            out.push(SealedCopy { table: "members", column: "face", row: member, bytes: face });
        }
        let mut stmt = conn.prepare("SELECT row, template, image, exception FROM captures WHERE member = ?1").expect("sql");
        type CaptureBlobs = (i64, Option<Vec<u8>>, Option<Vec<u8>>, Option<Vec<u8>>);
        let rows: Vec<CaptureBlobs> =
            stmt.query_map([member], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).expect("rows").collect::<Result<_, _>>().expect("rows");
        for (capture, template, image, exception) in rows {
            for (column, value) in [("template", template), ("image", image), ("exception", exception)] {
                if let Some(bytes) = value {
                    out.push(SealedCopy { table: "captures", column, row: capture, bytes });
                }
            }
        }
    }
    out
}

#[test]
fn an_erased_household_cannot_be_decrypted_with_any_key_left_and_is_gone_from_the_files() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let households: Vec<Household> = (0..4).map(distinctive_household).collect();
    let registry = registry_with(dir.path(), &households);
    let victim = &households[1];
    let (_, key_id) = household_row(&registry, &victim.id);
    let sealed = sealed_values_of(&registry, &victim.id);
    assert!(sealed.len() > 20, "{} sealed values", sealed.len());
    let wrapped_key: Vec<u8> = blob(&registry, "SELECT wrapped FROM record_keys WHERE id = ?1", key_id);
    // Before the erasure every copy opens with the household's key.
    let key = registry.store().load_record_key(key_id).expect("record key");
    for s in &sealed {
        store::open(&key, &Aad::new(s.table, s.column, s.row), &s.bytes).expect("opens before the erasure");
    }
    drop(key);

    registry.erase_household(&victim.id, &supervisor().id, now()).expect("erase");

    // Gone from the tables; the others intact.
    assert!(matches!(registry.load_household(&victim.id), Err(RegistryError::UnknownHousehold(_))));
    assert!(matches!(registry.store().load_record_key(key_id), Err(StoreError::RecordKeyMissing { .. })));
    for h in households.iter().filter(|h| h.id != victim.id) {
        assert_eq!(registry.load_household(&h.id).expect("others intact"), *h);
    }

    // No key the store still holds opens any of the copies: not the data key, not any
    // remaining record key.
    let remaining: Vec<i64> = {
        let conn = registry.store().conn();
        let mut stmt = conn.prepare("SELECT id FROM record_keys").expect("sql");
        stmt.query_map([], |r| r.get(0)).expect("rows").collect::<Result<_, _>>().expect("rows")
    };
    assert_eq!(remaining.len(), households.len() - 1);
    let keys: Vec<_> = remaining.iter().map(|&id| registry.store().load_record_key(id).expect("remaining key")).collect();
    for s in &sealed {
        let aad = Aad::new(s.table, s.column, s.row);
        assert!(registry.store().open_sealed(&aad, &s.bytes).is_err(), "data key opens {}.{} {}", s.table, s.column, s.row);
        for k in &keys {
            assert!(store::open(k, &aad, &s.bytes).is_err(), "a remaining record key opens {}.{} {}", s.table, s.column, s.row);
        }
    }

    // Nothing of it is left in the files: neither the wrapped key (which the data key could
    // still unwrap) nor any 16 bytes of its sealed values.
    let files = raw_files(dir.path());
    let wal = files.iter().find(|(n, _)| n.ends_with("-wal")).map(|(_, d)| d.len());
    assert_eq!(wal.unwrap_or(0), 0, "the WAL was truncated");
    let mut needles = Needles::default();
    needles.add_windows(&wrapped_key[1..], "wrapped record key");
    for s in &sealed {
        // Skip the version byte and the start of the nonce: windows of random bytes only.
        needles.add_windows(&s.bytes[4..], &format!("sealed {}.{} row {}", s.table, s.column, s.row));
    }
    let found = needles.find_in_folder(dir.path());
    assert!(found.is_empty(), "left in the files after erasure: {:#?}", &found[..found.len().min(20)]);

    // The id remains only in the audit log: every occurrence in the files is inside an audit
    // entry, and the last entry records the erasure.
    let id = victim.id.to_string();
    let conn = registry.store().conn();
    let in_tables: i64 = conn
        .query_row("SELECT (SELECT COUNT(*) FROM households WHERE id = ?1) + (SELECT COUNT(*) FROM members WHERE same_as LIKE ?1 || '%')", [&id], |r| r.get(0))
        .expect("count");
    assert_eq!(in_tables, 0);
    let mut stmt = conn.prepare("SELECT entry FROM audit").expect("sql");
    let entries: Vec<Vec<u8>> = stmt.query_map([], |r| r.get(0)).expect("rows").collect::<Result<_, _>>().expect("rows");
    let in_audit: usize = entries.iter().map(|e| occurrences(e, id.as_bytes())).sum();
    let on_disk: usize = raw_files(dir.path()).iter().map(|(_, d)| occurrences(d, id.as_bytes())).sum();
    assert!(in_audit > 0);
    assert_eq!(on_disk, in_audit, "the erased id appears on disk only inside audit entries");
    let last: Option<Vec<u8>> = conn.query_row("SELECT entry FROM audit ORDER BY seq DESC LIMIT 1", [], |r| r.get(0)).optional().expect("last");
    let last = AuditEntry::from_bytes(&last.expect("an entry")).expect("decodes");
    assert_eq!(last.action, AuditAction::HouseholdErased);
    assert_eq!(last.subject, id);
    assert_eq!(last.operator, supervisor().id.as_str());
    assert!(registry.verify_audit().expect("audit").is_ok());
    registry.store().integrity_check().expect("integrity");
    eprintln!("erasure: {} sealed values and the wrapped key checked against {} remaining keys; id found {on_disk} times, all in audit entries", sealed.len(), keys.len() + 1);
}
