//! `jatigi card`: issue a household's card, print a registry's cards on A4 sheets, verify a
//! card from a photo, and measure the scanner on simulated photos.
//!
//! The signing key never leaves the registry: `issue` and `sheet` open the store with its
//! passphrase, sign with the key sealed there (made on first use), and add its public key
//! to a key ring file that verifiers are given.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use jatigi_core::card::photo::{photograph, Degradation};
use jatigi_core::card::{self, render, CardClaims, CardIssuer, CardSerial, ClaimOptions, KeyRing, SignedCard, Verdict};
use jatigi_core::registry::repository::Registry;
use jatigi_core::registry::synthetic::{self, SplitMix64};
use jatigi_core::registry::{HouseholdId, Timestamp};
use serde::Serialize;

use crate::cli::{CardBenchArgs, CardIssueArgs, CardSheetArgs, CardStoreArgs, CardVerifyArgs};
use crate::error::HubError;

fn now() -> Timestamp {
    Timestamp(SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0))
}

/// The registry file: `--store` names it, or a folder holding `registry.db`.
fn registry_path(store: &Path) -> PathBuf {
    if store.is_dir() {
        store.join("registry.db")
    } else {
        store.to_path_buf()
    }
}

fn open(args: &CardStoreArgs) -> Result<(Registry, PathBuf), HubError> {
    let passphrase = std::env::var(&args.passphrase_env)
        .ok()
        .filter(|p| !p.is_empty())
        .ok_or_else(|| HubError::PassphraseMissing { var: args.passphrase_env.clone() })?;
    let path = registry_path(&args.store);
    let registry = Registry::open_with_passphrase(&path, &passphrase).map_err(|source| HubError::Registry { path: path.clone(), source })?;
    Ok((registry, path))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), HubError> {
    std::fs::write(path, bytes).map_err(|e| HubError::Write { path: path.to_path_buf(), source: e })
}

/// Add `issuer`'s public key to the key ring at `path` (created if missing).
pub fn add_to_keyring(path: &Path, issuer: &CardIssuer, name: &str) -> Result<(), HubError> {
    let mut ring = if path.exists() { read_keyring(path)? } else { KeyRing::new() };
    ring.add_issuer(issuer.public_key(), name);
    write(path, ring.to_json().as_bytes())
}

fn read_keyring(path: &Path) -> Result<KeyRing, HubError> {
    let bytes = std::fs::read(path).map_err(|e| HubError::read(path, e))?;
    KeyRing::from_json(&bytes).map_err(|source| HubError::KeyRing { path: path.to_path_buf(), source })
}

fn options(head_name: bool) -> ClaimOptions {
    ClaimOptions { head_name, ..ClaimOptions::default() }
}

/// Issue and render the card of one household of an open registry.
pub fn issue_card(registry: &Registry, issuer: &CardIssuer, id: &HouseholdId, at: Timestamp, head_name: bool) -> Result<(SignedCard, image::GrayImage), HubError> {
    let household = registry.load_household(id).map_err(|source| HubError::Registry { path: registry.store().path().to_path_buf(), source })?;
    let card = issuer.issue(&household, at, options(head_name)).map_err(|e| HubError::CardIssue(e.into()))?;
    let rendered = card::render_card(&card).map_err(HubError::CardRender)?;
    Ok((card, rendered.image))
}

/// `jatigi card issue`.
pub fn issue(args: &CardIssueArgs, out: &mut dyn Write) -> Result<(), HubError> {
    let id = HouseholdId::parse(&args.household).map_err(|source| HubError::HouseholdId { text: args.household.clone(), source })?;
    let (registry, path) = open(&args.store)?;
    let issuer = CardIssuer::load_or_create(&registry, now()).map_err(HubError::CardIssue)?;
    let (card, image) = issue_card(&registry, &issuer, &id, now(), args.head_name)?;
    write(&args.output, &render::to_png(&image))?;
    let keyring = args.keyring.clone().unwrap_or_else(|| sibling(&args.output, "keyring.json"));
    add_to_keyring(&keyring, &issuer, &path.display().to_string())?;
    writeln!(out, "card {} for household {} / carte {} pour le ménage {}: {}", card.claims.serial, id, card.claims.serial, id, args.output.display())?;
    writeln!(out, "key ring / trousseau de clés: {} (issuer key / clé d'émetteur {})", keyring.display(), issuer.kid())?;
    Ok(())
}

fn sibling(path: &Path, name: &str) -> PathBuf {
    path.parent().filter(|p| !p.as_os_str().is_empty()).map_or_else(|| PathBuf::from(name), |p| p.join(name))
}

/// `jatigi card sheet`: every household's card, then A4 pages of them.
pub fn sheet(args: &CardSheetArgs, out: &mut dyn Write) -> Result<(), HubError> {
    let (registry, path) = open(&args.store)?;
    let ids = registry.household_ids().map_err(|source| HubError::Registry { path: path.clone(), source })?;
    if ids.is_empty() {
        return Err(HubError::NoHouseholds);
    }
    std::fs::create_dir_all(&args.output).map_err(|e| HubError::Write { path: args.output.clone(), source: e })?;
    let issuer = CardIssuer::load_or_create(&registry, now()).map_err(HubError::CardIssue)?;
    let mut images = Vec::with_capacity(ids.len());
    for id in &ids {
        images.push(issue_card(&registry, &issuer, id, now(), args.head_name)?.1);
    }
    let pages = card::render_sheets(&images);
    for (i, page) in pages.iter().enumerate() {
        write(&args.output.join(format!("sheet-{:03}.png", i + 1)), &render::to_png(page))?;
    }
    let keyring = args.output.join("keyring.json");
    add_to_keyring(&keyring, &issuer, &path.display().to_string())?;
    writeln!(
        out,
        "{} cards on {} A4 pages (300 dpi) / {} cartes sur {} pages A4: {}",
        ids.len(),
        pages.len(),
        ids.len(),
        pages.len(),
        args.output.display()
    )?;
    Ok(())
}

/// The `--json` of `jatigi card verify`.
#[derive(Debug, Serialize)]
pub struct VerifyReport {
    pub verdict: &'static str,
    pub reason: String,
    pub reason_fr: String,
    pub household_id: Option<String>,
    pub serial: Option<String>,
    pub site: Option<String>,
    pub members: Option<Vec<u8>>,
    pub expires: Option<String>,
}

/// `jatigi card verify`: a photo (or a PNG of the card) against a key ring. Every verdict is
/// a normal outcome (exit code 0); only an unreadable file or key ring is an error.
pub fn verify(args: &CardVerifyArgs, out: &mut dyn Write) -> Result<(), HubError> {
    let ring = read_keyring(&args.keys)?;
    let bytes = std::fs::read(&args.photo).map_err(|e| HubError::read(&args.photo, e))?;
    let verdict = match card::scan_photo(&bytes) {
        Ok(text) => card::verify_text(&text, &ring, now()),
        Err(card::ScanError::NotFound) => Verdict::Unreadable(card::CardError::NoQrCode),
        Err(source) => return Err(HubError::CardScan { path: args.photo.clone(), source }),
    };
    let claims = verdict.claims();
    let report = VerifyReport {
        verdict: verdict.name(),
        reason: verdict.reason(),
        reason_fr: verdict.reason_fr(),
        household_id: claims.map(|c| c.household.to_string()),
        serial: claims.map(|c| c.serial.to_string()),
        site: claims.map(|c| c.site.clone()),
        members: claims.map(|c| c.members.iter().map(|m| m.get()).collect()),
        expires: claims.map(|c| c.expires_at.date().to_string()),
    };
    if args.json {
        serde_json::to_writer(&mut *out, &report).map_err(|e| HubError::Demo(e.to_string()))?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(out, "{}: {}", report.verdict.to_uppercase(), report.reason)?;
    writeln!(out, "{}", report.reason_fr)?;
    if let (Some(id), Some(serial)) = (&report.household_id, &report.serial) {
        writeln!(out, "household / ménage: {id}   card / carte: {serial}")?;
    }
    Ok(())
}

/// The `--json` of `jatigi card bench`.
#[derive(Debug, Serialize)]
pub struct BenchReport {
    pub photos: usize,
    pub verified: usize,
    pub rate: f64,
    pub decode_ms_median: f64,
    pub decode_ms_p95: f64,
    pub qr_version_12_members: i16,
    pub failures: Vec<String>,
}

/// `jatigi card bench`: simulated photos of rendered cards (seeded), each read and verified;
/// decoding is timed on this thread alone (one core), from the JPEG bytes to the text.
pub fn bench(args: &CardBenchArgs, out: &mut dyn Write) -> Result<(), HubError> {
    // A fixed key and serials: the same seed gives the same photos, run after run.
    let issuer = CardIssuer::from_seed(&[0x4a; 32]).map_err(|e| HubError::CardIssue(e.into()))?;
    let mut ring = KeyRing::new();
    ring.add_issuer(issuer.public_key(), "bench");
    if let Some(dir) = &args.keep {
        std::fs::create_dir_all(dir).map_err(|e| HubError::Write { path: dir.clone(), source: e })?;
        write(&dir.join("keyring.json"), ring.to_json().as_bytes())?;
    }
    let at = Timestamp(1_748_736_000);
    let mut rng = SplitMix64::new(args.seed);
    let (mut verified, mut times, mut failures) = (0usize, Vec::new(), Vec::new());
    let mut twelve = synthetic::household(args.seed, at, 0);
    while twelve.members.len() < 12 {
        let mut extra = twelve.members[twelve.members.len() - 1].clone();
        extra.number = jatigi_core::registry::MemberNo::new(twelve.members.len() as u8 + 1).map_err(|e| HubError::Demo(e.to_string()))?;
        twelve.members.push(extra);
    }
    let twelve_card = issuer.issue(&twelve, at, ClaimOptions::default()).map_err(|e| HubError::CardIssue(e.into()))?;
    let version = render::qr_version(&twelve_card.text).map_err(HubError::CardRender)?;
    for i in 0..args.photos {
        let household = synthetic::household(synthetic::derive_seed(args.seed, u64::from(i)), at, 0);
        let serial = CardSerial(synthetic::derive_seed(args.seed, 2_000_000 + u64::from(i)).to_be_bytes());
        let card = issuer.sign(CardClaims::for_household(&household, serial, at, ClaimOptions::default()));
        let rendered = card::render_card(&card).map_err(HubError::CardRender)?;
        let d = Degradation::random(&mut rng);
        let jpeg = photograph(&rendered.image, rendered.qr, &d, synthetic::derive_seed(args.seed, 1_000_000 + u64::from(i)));
        if let Some(dir) = &args.keep {
            write(&dir.join(format!("photo-{i:03}.jpg")), &jpeg)?;
        }
        let start = Instant::now();
        let text = card::scan_photo(&jpeg);
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        match text {
            Ok(text) if card::verify_text(&text, &ring, at).is_valid() => verified += 1,
            other => failures.push(format!(
                "photo {i}: angle {:.0}°, scale {:.0}%, blur {:.2}, JPEG {}, gradient {:.2}: {}",
                d.angle_deg,
                d.scale * 100.0,
                d.blur_sigma,
                d.jpeg_quality,
                d.gradient,
                match other {
                    Ok(_) => "read but not valid".to_string(),
                    Err(e) => e.to_string(),
                }
            )),
        }
    }
    times.sort_by(f64::total_cmp);
    let pick = |q: f64| times.get(((times.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(0.0);
    let report = BenchReport {
        photos: args.photos as usize,
        verified,
        rate: verified as f64 / f64::from(args.photos.max(1)),
        decode_ms_median: pick(0.5),
        decode_ms_p95: pick(0.95),
        qr_version_12_members: version,
        failures,
    };
    if args.json {
        serde_json::to_writer(&mut *out, &report).map_err(|e| HubError::Demo(e.to_string()))?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(out, "simulated photos / photos simulées: {} (1920x1080, seed {})", report.photos, args.seed)?;
    writeln!(out, "  read and verified / lues et vérifiées: {} ({:.1}%)", report.verified, report.rate * 100.0)?;
    writeln!(out, "  decode time / temps de décodage: median {:.1} ms, p95 {:.1} ms (one core / un cœur)", report.decode_ms_median, report.decode_ms_p95)?;
    writeln!(out, "  QR version for 12 members (level M) / version QR pour 12 membres: {}", report.qr_version_12_members)?;
    for f in &report.failures {
        writeln!(out, "  failed / échec: {f}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{CardBenchArgs, CardStoreArgs};
    use jatigi_core::registry::Role;

    #[test]
    fn issue_then_verify_a_card_and_print_a_sheet() {
        let dir = tempfile::tempdir().expect("dir");
        let store = dir.path().join("registry.db");
        let registry = Registry::create_with_passphrase(&store, "card test").expect("registry");
        let operator = synthetic::operator("OP-0001", Role::Enumerator, "5927", 1_000).expect("operator");
        let at = now();
        let household = synthetic::household(3, at, 1);
        registry.save_household(&household, &[], &operator, at).expect("save");
        drop(registry);
        // The variable name is this test's own: tests share the process environment.
        std::env::set_var("JATIGI_CARD_TEST_PASSPHRASE", "card test");
        let store_args = || CardStoreArgs { store: dir.path().to_path_buf(), passphrase_env: "JATIGI_CARD_TEST_PASSPHRASE".into() };
        let png = dir.path().join("card.png");
        let args = CardIssueArgs { store: store_args(), household: household.id.to_string(), output: png.clone(), keyring: None, head_name: false };
        issue(&args, &mut Vec::new()).expect("issue");
        let keys = dir.path().join("keyring.json");
        assert!(keys.exists());
        let mut out = Vec::new();
        verify(&CardVerifyArgs { photo: png.clone(), keys: keys.clone(), json: true }, &mut out).expect("verify");
        let report: serde_json::Value = serde_json::from_slice(&out).expect("json");
        assert_eq!(report["verdict"], "valid", "{report}");
        assert_eq!(report["household_id"], household.id.to_string());
        assert_eq!(report["serial"].as_str().map(str::len), Some(16));
        assert!(report["reason"].as_str().is_some());
        // Another programme's key ring does not know this issuer.
        let (other, _) = CardIssuer::generate().expect("key");
        let foreign = dir.path().join("foreign.json");
        add_to_keyring(&foreign, &other, "elsewhere").expect("ring");
        let mut out = Vec::new();
        verify(&CardVerifyArgs { photo: png, keys: foreign, json: true }, &mut out).expect("verify");
        let report: serde_json::Value = serde_json::from_slice(&out).expect("json");
        assert_eq!(report["verdict"], "unknown_issuer");
        assert!(report["household_id"].is_null());
        // The sheet.
        let sheets = dir.path().join("sheets");
        sheet(&CardSheetArgs { store: store_args(), output: sheets.clone(), head_name: false }, &mut Vec::new()).expect("sheet");
        assert!(sheets.join("sheet-001.png").exists());
        // A bad household id is a clear error in both languages.
        let bad = CardIssueArgs { household: "GAO-0000-0000-X".into(), ..args };
        let e = issue(&bad, &mut Vec::new()).expect_err("bad id");
        assert!(!e.to_string().is_empty() && !e.french().is_empty());
    }

    #[test]
    fn a_small_bench_reads_most_photos() {
        let mut out = Vec::new();
        bench(&CardBenchArgs { photos: 4, seed: 3, keep: None, json: true }, &mut out).expect("bench");
        let report: serde_json::Value = serde_json::from_slice(&out).expect("json");
        assert!(report["verified"].as_u64().expect("verified") >= 3, "{report}");
        assert!(report["qr_version_12_members"].as_i64().expect("version") <= 10);
    }
}
