//! `jatigi demo`: two simulated tablets enrol synthetic households through the simulated
//! scanner into their own encrypted stores, with planted duplicates.
//!
//! Every person is a synthetic finger master (`jatigi_core::synth`); the simulated scanner
//! serves a fresh impression of the right master at each capture, and the tablet goes
//! through the whole field flow: scanner connection, best of three attempts per finger, the
//! duplicate check against everyone enrolled on this tablet, the operator's decision, and
//! one transaction per household. Some people are enrolled twice on the same tablet (the
//! tablet must catch them); some on both tablets (only the hub, issue 7, can).

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use jatigi_core::biometrics::{FingerImage as Image, Matcher, Template};
use jatigi_core::registry::enrollment::{CapturePolicy, EnrolledPersons, FingerAttempts};
use jatigi_core::registry::model::{Capture, CaptureOutcome, FingerImage, FingerImageFormat, FingerPosition, FingerSample, Household, Operator, Role, Timestamp};
use jatigi_core::registry::repository::{DuplicateDecision, Registry};
use jatigi_core::registry::{synthetic, PersonId};
use jatigi_core::scanner::{CaptureOptions, Scanner, ScannerConfig, SimulatedScanner, SimulatorConfig};
use jatigi_core::synth::{self, Master};
use serde::Serialize;

use jatigi_core::card::{render, CardIssuer, KeyRing};

use crate::card_cmd;
use crate::cli::DemoArgs;
use crate::error::HubError;

/// Fingers captured per person: both index fingers, the usual choice for deduplication.
const FINGERS: [FingerPosition; 2] = [FingerPosition::RightIndex, FingerPosition::LeftIndex];
/// Every this many households on a tablet, one member is a person already enrolled there.
const SAME_TABLET_EVERY: usize = 4;
/// Every this many households on tablet B, one member is a person enrolled on tablet A.
const CROSS_TABLET_EVERY: usize = 5;

/// The `--json` report.
#[derive(Debug, Serialize)]
pub struct DemoReport {
    pub households: usize,
    pub persons: usize,
    pub fingers_captured: usize,
    pub planted_duplicates: usize,
    pub caught_duplicates: usize,
    pub planted_cross_tablet: usize,
    pub stores: Vec<String>,
    /// Card images, one per household enrolled (each tablet signs its own).
    pub cards: Vec<String>,
    /// The key ring holding both tablets' public keys: `jatigi card verify PHOTO --keys` it.
    pub keyring: String,
    pub seconds: f64,
    /// Issue 7: packets, the hub's folder and what the hub caught.
    #[serde(flatten)]
    pub hub: Option<crate::hub_step::HubStepReport>,
}

/// Who stands at the scanner: the person's master fingers, shared with the simulator.
#[derive(Default)]
struct Booth {
    person: u64,
    impressions: u64,
    masters: HashMap<(u64, u8), Master>,
}

/// The plan of one tablet: which synthetic person each consenting member is.
struct TabletPlan {
    name: &'static str,
    passphrase: &'static str,
    households: Vec<(u64, Vec<Option<u64>>)>,
    /// Member positions (household index, member index) that repeat a person of this tablet.
    planted: Vec<(usize, usize, u64)>,
}

struct TabletResult {
    households: usize,
    persons: usize,
    fingers: usize,
    caught: usize,
    store: PathBuf,
    stored_as: HashMap<u64, PersonId>,
    cards: Vec<PathBuf>,
    issuer: Option<CardIssuer>,
}

fn now() -> Timestamp {
    // A fixed clock keeps the demo reproducible: 2025-06-01.
    Timestamp(1_748_736_000)
}

/// Plan both tablets: fresh people, people repeated on one tablet, people on both.
fn plan(households_per_tablet: usize, seed: u64) -> [TabletPlan; 2] {
    let mut next_person = 1u64;
    let mut tablets = [
        TabletPlan { name: "tablet-a", passphrase: "demo tablet A", households: Vec::new(), planted: Vec::new() },
        TabletPlan { name: "tablet-b", passphrase: "demo tablet B", households: Vec::new(), planted: Vec::new() },
    ];
    let mut enrolled_on_a: Vec<u64> = Vec::new();
    for (t, tablet) in tablets.iter_mut().enumerate() {
        let mut enrolled_here: Vec<u64> = Vec::new();
        for h in 0..households_per_tablet {
            let household_seed = synthetic::derive_seed(seed, (t as u64) << 32 | h as u64);
            let household = synthetic::household(household_seed, now(), 0);
            let mut people = Vec::new();
            for (m, member) in household.members.iter().enumerate() {
                if !member.person.consent.allows_biometrics() {
                    people.push(None);
                    continue;
                }
                let repeat_here = m == 0 && h > 0 && h % SAME_TABLET_EVERY == SAME_TABLET_EVERY - 1 && !enrolled_here.is_empty();
                let repeat_other = m == 0 && t == 1 && h % CROSS_TABLET_EVERY == 2 && !enrolled_on_a.is_empty();
                let person = if repeat_here {
                    let p = enrolled_here[(h * 7) % enrolled_here.len()];
                    tablet.planted.push((h, m, p));
                    p
                } else if repeat_other {
                    enrolled_on_a[(h * 5) % enrolled_on_a.len()]
                } else {
                    next_person += 1;
                    next_person
                };
                if !repeat_here {
                    enrolled_here.push(person);
                }
                people.push(Some(person));
            }
            tablet.households.push((household_seed, people));
        }
        if t == 0 {
            enrolled_on_a = enrolled_here;
        }
    }
    tablets
}

/// Persons of tablet B's plan that were also enrolled on tablet A.
fn cross_tablet_count(plans: &[TabletPlan; 2]) -> usize {
    let on_a: std::collections::HashSet<u64> = plans[0].households.iter().flat_map(|(_, p)| p.iter().flatten().copied()).collect();
    plans[1].households.iter().flat_map(|(_, p)| p.iter().flatten()).filter(|p| on_a.contains(p)).count()
}

/// Capture one finger through the scanner, best of three attempts.
fn capture_finger(scanner: &Scanner, sim: &SimulatedScanner, finger: FingerPosition) -> Result<Option<FingerSample>, HubError> {
    sim.place_finger(finger.code());
    let mut attempts = FingerAttempts::new(CapturePolicy::default());
    loop {
        let capture = scanner.capture_fingerprint(&CaptureOptions { allow_low_quality: true, ..CaptureOptions::default() });
        let capture = match capture {
            Ok(c) => c,
            Err(_) => return Ok(attempts.into_best()),
        };
        let template: Template = capture.jatigi_template().map_err(|e| HubError::Demo(e.to_string()))?;
        // The registry keeps fingerprint images as WSQ, as the scanner sent them.
        let image = capture.wsq.clone().map(|bytes| FingerImage { format: FingerImageFormat::Wsq, bytes });
        let sample = FingerSample {
            template: template.to_bytes().map_err(|e| HubError::Demo(e.to_string()))?,
            quality: capture.quality,
            image,
        };
        match attempts.offer(sample) {
            jatigi_core::registry::enrollment::AttemptVerdict::TryAgain { .. } => continue,
            _ => return Ok(attempts.into_best()),
        }
    }
}

/// One tablet's day of work.
fn run_tablet(dir: &Path, plan: &TabletPlan, bar: &ProgressBar) -> Result<TabletResult, HubError> {
    let folder = dir.join(plan.name);
    std::fs::create_dir_all(&folder).map_err(|e| HubError::Demo(format!("{}: {e}", folder.display())))?;
    let store = folder.join("registry.db");
    let registry = Registry::create_with_passphrase(&store, plan.passphrase).map_err(|e| HubError::Demo(e.to_string()))?;
    let operator: Operator = synthetic::operator("OP-0001", Role::Enumerator, "5927", 10_000).map_err(|e| HubError::Demo(e.to_string()))?;

    let booth = Arc::new(Mutex::new(Booth::default()));
    let source_booth = Arc::clone(&booth);
    let source = move |finger: u8| -> Option<Image> {
        let mut booth = source_booth.lock().ok()?;
        booth.impressions += 1;
        let (person, n) = (booth.person, booth.impressions);
        let master = booth.masters.entry((person, finger)).or_insert_with(|| synth::master(synth::master_seed(person, u64::from(finger))));
        // Enrolment captures are careful ones: an operator places the finger and retries.
        Some(synth::impression_with(master, n, &synth::ImpressionParams::cooperative()))
    };
    let sim = SimulatedScanner::new(source, SimulatorConfig::default());
    let scanner = Scanner::connect(sim.connect(), ScannerConfig::default()).map_err(|e| HubError::Demo(e.to_string()))?;
    scanner.battery().map_err(|e| HubError::Demo(e.to_string()))?;

    let mut persons = EnrolledPersons::load(&registry).map_err(|e| HubError::Demo(e.to_string()))?;
    let mut matcher = Matcher::new();
    let mut result = TabletResult { households: 0, persons: 0, fingers: 0, caught: 0, store: store.clone(), stored_as: HashMap::new(), cards: Vec::new(), issuer: None };
    // Which stored person each planned person became, to judge the duplicate check.
    let mut stored_as: HashMap<u64, PersonId> = HashMap::new();

    for (h, (seed, people)) in plan.households.iter().enumerate() {
        let mut household: Household = synthetic::household(*seed, now(), 0);
        household.device = crate::hub_step::device_id(plan.name);
        for (m, person) in people.iter().enumerate() {
            let Some(person) = person else { continue };
            if let Ok(mut b) = booth.lock() {
                b.person = *person;
            }
            let mut captures = Vec::new();
            for finger in FINGERS {
                if let Some(sample) = capture_finger(&scanner, &sim, finger)? {
                    result.fingers += 1;
                    captures.push(Capture { finger, outcome: CaptureOutcome::Captured(sample) });
                }
            }
            household.members[m].captures = captures;
        }
        // The duplicate check, and the operator's decisions: link a member to the person the
        // check names first when that is really them (the demo knows), else enrol as new.
        let found = persons.check(&household, &mut matcher, &Default::default());
        let mut decisions = Vec::new();
        for member in found.iter().filter(|m| m.needs_decision()) {
            let index = household.members.iter().position(|x| x.number == member.member);
            let planned = index.and_then(|i| people.get(i).copied().flatten());
            let top = &member.candidates[0].person;
            if planned.and_then(|p| stored_as.get(&p)) == Some(top) {
                decisions.push((member.member, DuplicateDecision::SamePerson(top.clone())));
                if plan.planted.iter().any(|&(ph, pm, _)| ph == h && Some(pm) == index) {
                    result.caught += 1;
                }
            } else {
                decisions.push((member.member, DuplicateDecision::NewPerson));
            }
        }
        persons.enroll(&registry, &household, &decisions, &operator, now(), &mut matcher).map_err(|e| HubError::Demo(e.to_string()))?;
        for (m, person) in people.iter().enumerate() {
            if let Some(p) = person {
                let linked = decisions.iter().any(|(n, d)| *n == household.members[m].number && matches!(d, DuplicateDecision::SamePerson(_)));
                if !linked {
                    stored_as.entry(*p).or_insert_with(|| PersonId::new(household.id.clone(), household.members[m].number));
                }
            }
        }
        result.households += 1;
        result.persons += household.members.len();
        bar.inc(1);
    }
    // Every household leaves with a card, signed by this tablet's sealed key.
    let issuer = CardIssuer::load_or_create(&registry, now()).map_err(HubError::CardIssue)?;
    let cards = folder.join("cards");
    std::fs::create_dir_all(&cards).map_err(|e| HubError::Demo(format!("{}: {e}", cards.display())))?;
    for id in registry.household_ids().map_err(|e| HubError::Demo(e.to_string()))? {
        let (_, image) = card_cmd::issue_card(&registry, &issuer, &id, now(), false)?;
        let path = cards.join(format!("{id}.png"));
        std::fs::write(&path, render::to_png(&image)).map_err(|e| HubError::Write { path: path.clone(), source: e })?;
        result.cards.push(path);
    }
    result.issuer = Some(issuer);
    bar.finish();
    result.stored_as = stored_as;
    Ok(result)
}

/// Run the demo and report.
pub fn run(args: &DemoArgs, out: &mut dyn Write) -> Result<(), HubError> {
    let start = Instant::now();
    let dir = args.out.clone().unwrap_or_else(|| PathBuf::from("jatigi-demo"));
    prepare_folder(&dir)?;
    let plans = plan(args.households as usize, args.seed);
    let planted: usize = plans.iter().map(|p| p.planted.len()).sum();
    let cross = cross_tablet_count(&plans);

    let progress = MultiProgress::with_draw_target(if std::io::stderr().is_terminal() { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() });
    let style = ProgressStyle::with_template("{prefix:>9} [{bar:30}] {pos}/{len} households / ménages").map_err(|e| HubError::Demo(e.to_string()))?;
    let bars: Vec<ProgressBar> = plans
        .iter()
        .map(|p| {
            let bar = progress.add(ProgressBar::new(p.households.len() as u64));
            bar.set_style(style.clone());
            bar.set_prefix(p.name);
            bar
        })
        .collect();
    let results: Vec<Result<TabletResult, HubError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = plans.iter().zip(&bars).map(|(plan, bar)| scope.spawn(|| run_tablet(&dir, plan, bar))).collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(HubError::Demo("a tablet thread failed".into())))).collect()
    });
    let results: Vec<TabletResult> = results.into_iter().collect::<Result<_, _>>()?;
    let outputs: Vec<crate::hub_step::TabletOutput> = results.iter().zip(&plans).map(|(r, p)| crate::hub_step::TabletOutput { name: p.name, store: &r.store, passphrase: p.passphrase, stored_as: &r.stored_as }).collect();
    let hub = crate::hub_step::run(&dir, &outputs, now())?;

    let keyring = dir.join("keyring.json");
    let mut ring = KeyRing::new();
    for (result, plan) in results.iter().zip(&plans) {
        if let Some(issuer) = &result.issuer {
            ring.add_issuer(issuer.public_key(), plan.name);
        }
    }
    std::fs::write(&keyring, ring.to_json()).map_err(|e| HubError::Write { path: keyring.clone(), source: e })?;
    let report = DemoReport {
        households: results.iter().map(|r| r.households).sum(),
        persons: results.iter().map(|r| r.persons).sum(),
        fingers_captured: results.iter().map(|r| r.fingers).sum(),
        planted_duplicates: planted,
        caught_duplicates: results.iter().map(|r| r.caught).sum(),
        planted_cross_tablet: cross,
        stores: results.iter().map(|r| r.store.display().to_string()).collect(),
        cards: results.iter().flat_map(|r| r.cards.iter().map(|p| p.display().to_string())).collect(),
        keyring: keyring.display().to_string(),
        seconds: start.elapsed().as_secs_f64(),
        hub: Some(hub),
    };
    if args.json {
        serde_json::to_writer(&mut *out, &report).map_err(|e| HubError::Demo(e.to_string()))?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(out, "Jatigi demo: two simulated tablets / démonstration : deux tablettes simulées")?;
    writeln!(out, "  households enrolled / ménages enregistrés: {}", report.households)?;
    writeln!(out, "  persons / personnes: {}", report.persons)?;
    writeln!(out, "  fingers captured through the simulated scanner / doigts capturés: {}", report.fingers_captured)?;
    writeln!(
        out,
        "  duplicates planted on the same tablet, caught by its check / doublons sur la même tablette, détectés: {} of {} / {} sur {}",
        report.caught_duplicates, report.planted_duplicates, report.caught_duplicates, report.planted_duplicates
    )?;
    writeln!(
        out,
        "  persons enrolled on both tablets (the hub will find them) / personnes sur les deux tablettes (le hub les trouvera): {}",
        report.planted_cross_tablet
    )?;
    for (store, plan) in report.stores.iter().zip(&plans) {
        writeln!(out, "  encrypted store / base chiffrée: {store} (passphrase / phrase secrète: \"{}\")", plan.passphrase)?;
    }
    writeln!(
        out,
        "  household cards / cartes de ménage: {} (in tablet-*/cards), key ring / trousseau: {}",
        report.cards.len(),
        report.keyring
    )?;
    if let Some(hub) = &report.hub {
        crate::hub_step::print(hub, &mut *out)?;
    }
    writeln!(out, "  time / durée: {:.1} s", report.seconds)?;
    Ok(())
}

/// Create the working folder, or reuse one an earlier demo made (its stores are replaced);
/// never touch a folder the demo did not make.
fn prepare_folder(dir: &Path) -> Result<(), HubError> {
    let marker = dir.join(".jatigi-demo");
    if dir.exists() {
        let empty = std::fs::read_dir(dir).map(|mut d| d.next().is_none()).unwrap_or(false);
        if !empty && !marker.exists() {
            return Err(HubError::Demo(format!(
                "{} exists and was not made by the demo; choose another folder with --out / {} existe et n'a pas été créé par la démonstration ; choisissez un autre dossier avec --out",
                dir.display(),
                dir.display()
            )));
        }
        let _ = std::fs::remove_file(dir.join("keyring.json"));
        for tablet in ["tablet-a", "tablet-b"] {
            let path = dir.join(tablet);
            if path.exists() {
                std::fs::remove_dir_all(&path).map_err(|e| HubError::Demo(format!("{}: {e}", path.display())))?;
            }
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| HubError::Demo(format!("{}: {e}", dir.display())))?;
    std::fs::write(&marker, "made by `jatigi demo`; its contents are replaced on the next run\n").map_err(|e| HubError::Demo(format!("{}: {e}", marker.display())))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_catches_every_duplicate_planted_on_a_tablet() {
        let dir = tempfile::tempdir().expect("dir");
        let args = DemoArgs { out: Some(dir.path().join("demo")), json: true, households: 4, seed: 7, engine_only: false };
        let mut out = Vec::new();
        run(&args, &mut out).expect("demo runs");
        let report: serde_json::Value = serde_json::from_slice(&out).expect("one JSON object");
        let planted = report["planted_duplicates"].as_u64().expect("planted");
        assert!(planted >= 1, "the plan plants duplicates");
        assert_eq!(report["caught_duplicates"].as_u64(), Some(planted));
        let cross = report["planted_cross_tablet"].as_u64().expect("cross");
        assert!(cross >= 1);
        assert_eq!(report["cross_tablet_duplicates_caught"].as_u64(), Some(cross), "{report}");
        assert_eq!(report["hub_households"].as_u64(), report["households"].as_u64());
        assert_eq!(report["hub_individuals"].as_u64(), report["persons"].as_u64());
        assert_eq!(report["packets"].as_array().map(Vec::len), Some(2));
        assert!(report["hub"]["folder"].as_str().is_some());
        let stores = report["stores"].as_array().expect("stores");
        assert_eq!(stores.len(), 2);
        for store in stores {
            let path = store.as_str().expect("path");
            let registry = Registry::open_with_passphrase(path, if path.contains("tablet-a") { "demo tablet A" } else { "demo tablet B" }).expect("store opens");
            assert_eq!(registry.household_ids().expect("ids").len(), 4);
            assert!(registry.verify_audit().expect("audit").is_ok());
        }
        // Every household has a card, and the key ring verifies each one.
        let cards = report["cards"].as_array().expect("cards");
        assert_eq!(cards.len(), 8);
        let ring = jatigi_core::card::KeyRing::from_json(&std::fs::read(report["keyring"].as_str().expect("keyring")).expect("read")).expect("ring");
        for card in cards {
            let png = std::fs::read(card.as_str().expect("path")).expect("card png");
            let text = jatigi_core::card::scan_photo(&png).expect("QR read");
            let verdict = jatigi_core::card::verify_text(&text, &ring, now());
            assert!(verdict.is_valid(), "{card}: {}", verdict.reason());
        }
        // A folder the demo did not make is left alone.
        let foreign = dir.path().join("foreign");
        std::fs::create_dir_all(&foreign).expect("dir");
        std::fs::write(foreign.join("notes.txt"), "mine").expect("file");
        let args = DemoArgs { out: Some(foreign.clone()), ..args };
        assert!(run(&args, &mut Vec::new()).is_err());
        assert!(foreign.join("notes.txt").exists());
    }
}
