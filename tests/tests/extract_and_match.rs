//! End to end on the synthetic fixtures (tests/fixtures/fingerprints, see its README):
//! decode the PNG, extract a template, prepare it and compare it with the others.
//!
//! Three fingers, two impressions each; impression 2 is impression 1's master field
//! rotated by 11-17° and shifted by about 15 px. Scores are calibrated
//! (`jatigi_core::biometrics::calibration`): a score s stands for a false match rate of
//! 10^(-s/10), so 40 is the 1 in 10,000 operating point and 30 is 1 in 1,000. The
//! calibration table is refitted from time to time, so the bounds below are margins around
//! those operating points and between the two populations, not exact values.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use jatigi_core::biometrics::calibration::fmr_of_score;
use jatigi_core::biometrics::{extract, FingerImage, Matcher, PreparedTemplate, Template};

const FINGERS: [u32; 3] = [1, 2, 3];
const IMPRESSIONS: [u32; 2] = [1, 2];

/// Score of the 1 in 10,000 operating point: two impressions of one finger must clear it.
const GENUINE_FLOOR: f32 = 40.0;
/// Score of the 1 in 1,000 operating point: two different fingers must stay below it.
const IMPOSTOR_CEILING: f32 = 30.0;
/// Least gap between the weakest genuine and the strongest impostor comparison.
const SEPARATION: f32 = 10.0;
/// A true minutia counts as found when an extracted one lies within this distance (px).
const FOUND_WITHIN: f32 = 10.0;
/// Least share of the true minutiae an extraction must find, per image and overall.
const MIN_RECALL: f64 = 0.60;
/// Largest accepted |s(a, b) - s(b, a)|, in calibrated score points.
///
/// The matcher is symmetric except where equal pair similarities are ordered by index
/// (probe first) and where the relaxation sums in a different order. Measured: 0.000 on all
/// 66 pairs of whole and partial fixture templates. One point allows for those tie-breaks;
/// a score normalised by one side only would differ by far more between a whole print and
/// its left part, which holds about half the minutiae.
const MAX_ASYMMETRY: f32 = 1.0;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/fingerprints").join(name)
}

/// One impression: its name, extracted template and ground truth.
struct Impression {
    name: String,
    finger: u32,
    template: Template,
    prepared: PreparedTemplate,
    truth: Template,
}

fn load(finger: u32, impression: u32) -> Impression {
    let name = format!("f{finger}_{impression}");
    let png = fixture(&format!("{name}.png"));
    let image = FingerImage::open(&png, 500).unwrap_or_else(|e| panic!("{}: {e}", png.display()));
    assert_eq!((image.width, image.height), (300, 300), "{name}: fixture size");
    let template = extract(&image).unwrap_or_else(|e| panic!("{name}: extraction failed: {e}"));
    let prepared = PreparedTemplate::new(&template);
    let truth_path = fixture(&format!("{name}.truth.jtgt"));
    let bytes = std::fs::read(&truth_path).unwrap_or_else(|e| panic!("{}: {e}", truth_path.display()));
    let truth = Template::from_bytes(&bytes).unwrap_or_else(|e| panic!("{name}: bad truth template: {e}"));
    Impression { name, finger, template, prepared, truth }
}

/// All six impressions, extracted once for the whole test binary.
fn impressions() -> &'static [Impression] {
    static ALL: OnceLock<Vec<Impression>> = OnceLock::new();
    ALL.get_or_init(|| {
        FINGERS
            .iter()
            .flat_map(|&f| IMPRESSIONS.iter().map(move |&i| (f, i)))
            .map(|(f, i)| load(f, i))
            .collect()
    })
}

fn score(matcher: &mut Matcher, a: &Impression, b: &Impression) -> f32 {
    let s = matcher.compare(&a.prepared, &b.prepared);
    assert!(s.is_finite(), "{} vs {}: score {s}", a.name, b.name);
    s
}

/// Labelled scores ("f1_1 vs f1_2", score).
type Scores = Vec<(String, f32)>;

/// Scores of every ordered pair of distinct impressions, split into same finger / different.
fn all_scores() -> (Scores, Scores) {
    let all = impressions();
    let mut matcher = Matcher::new();
    let (mut genuine, mut impostor) = (Vec::new(), Vec::new());
    for a in all {
        for b in all {
            if a.name == b.name {
                continue;
            }
            let s = score(&mut matcher, a, b);
            let label = format!("{} vs {}", a.name, b.name);
            if a.finger == b.finger {
                genuine.push((label, s));
            } else {
                impostor.push((label, s));
            }
        }
    }
    (genuine, impostor)
}

#[test]
fn every_fixture_gives_a_usable_template() {
    for imp in impressions() {
        let n = imp.template.minutiae.len();
        eprintln!("{}: {} minutiae (truth {}), quality {}, {} cylinders",
            imp.name, n, imp.truth.minutiae.len(), imp.template.quality, imp.prepared.len());
        assert_eq!((imp.template.width, imp.template.height), (300, 300), "{}", imp.name);
        // About 33 true minutiae per image: far fewer means the pipeline lost the finger,
        // far more means it is finding noise.
        assert!((15..=80).contains(&n), "{}: {n} minutiae", imp.name);
        assert!(imp.prepared.len() >= 10, "{}: only {} usable cylinders", imp.name, imp.prepared.len());
        assert!(imp.template.quality >= 40, "{}: image quality {} for a clean print", imp.name, imp.template.quality);
    }
}

#[test]
fn two_impressions_of_the_same_finger_match() {
    let (genuine, _) = all_scores();
    assert_eq!(genuine.len(), 6);
    for (label, s) in &genuine {
        eprintln!("same finger  {label}: {s:.1}");
        assert!(*s > GENUINE_FLOOR, "{label}: score {s:.1} is below the 1 in 10,000 operating point");
        assert!(fmr_of_score(*s) < 1e-4, "{label}: score {s:.1} stands for FMR {}", fmr_of_score(*s));
    }
}

#[test]
fn different_fingers_do_not_match() {
    let (_, impostor) = all_scores();
    assert_eq!(impostor.len(), 24);
    for (label, s) in &impostor {
        eprintln!("different    {label}: {s:.1}");
        assert!(*s < IMPOSTOR_CEILING, "{label}: score {s:.1} reaches the 1 in 1,000 operating point");
        assert!(fmr_of_score(*s) > 1e-3, "{label}: score {s:.1} stands for FMR {}", fmr_of_score(*s));
    }
}

#[test]
fn same_finger_scores_stand_well_clear_of_different_finger_scores() {
    let (genuine, impostor) = all_scores();
    let weakest = genuine.iter().min_by(|a, b| a.1.total_cmp(&b.1)).unwrap();
    let strongest = impostor.iter().max_by(|a, b| a.1.total_cmp(&b.1)).unwrap();
    eprintln!("weakest same finger {} = {:.1}; strongest different {} = {:.1}",
        weakest.0, weakest.1, strongest.0, strongest.1);
    assert!(
        weakest.1 > strongest.1 + SEPARATION,
        "weakest same-finger score ({}: {:.1}) is not {SEPARATION} above the strongest different-finger score ({}: {:.1})",
        weakest.0, weakest.1, strongest.0, strongest.1
    );
}

#[test]
fn an_impression_matches_itself_at_least_as_well_as_its_twin() {
    let mut matcher = Matcher::new();
    for imp in impressions() {
        let own = score(&mut matcher, imp, imp);
        let twin = impressions().iter().find(|o| o.finger == imp.finger && o.name != imp.name).unwrap();
        let other = score(&mut matcher, imp, twin);
        eprintln!("{} vs itself: {own:.1}, vs {}: {other:.1}", imp.name, twin.name);
        assert!(own > GENUINE_FLOOR, "{}: self score {own:.1}", imp.name);
        assert!(own + 1e-3 >= other, "{}: self score {own:.1} below twin score {other:.1}", imp.name);
    }
}

/// Share of `truth` minutiae with an extracted minutia within [`FOUND_WITHIN`] px.
fn found(truth: &Template, extracted: &Template) -> usize {
    truth
        .minutiae
        .iter()
        .filter(|t| {
            extracted.minutiae.iter().any(|e| {
                let dx = e.x as f32 - t.x as f32;
                let dy = e.y as f32 - t.y as f32;
                (dx * dx + dy * dy).sqrt() <= FOUND_WITHIN
            })
        })
        .count()
}

#[test]
fn extraction_finds_most_of_the_true_minutiae() {
    let (mut total_found, mut total_truth) = (0usize, 0usize);
    for imp in impressions() {
        assert!(!imp.truth.minutiae.is_empty(), "{}: empty truth", imp.name);
        let n = found(&imp.truth, &imp.template);
        let recall = n as f64 / imp.truth.minutiae.len() as f64;
        eprintln!(
            "{}: recall {:.1}% ({n} of {} true minutiae within {FOUND_WITHIN} px; {} extracted)",
            imp.name, 100.0 * recall, imp.truth.minutiae.len(), imp.template.minutiae.len()
        );
        assert!(recall >= MIN_RECALL, "{}: recall {:.1}% below {:.0}%", imp.name, 100.0 * recall, 100.0 * MIN_RECALL);
        total_found += n;
        total_truth += imp.truth.minutiae.len();
    }
    let recall = total_found as f64 / total_truth as f64;
    eprintln!("overall recall {:.1}% ({total_found} of {total_truth})", 100.0 * recall);
    assert!(recall >= MIN_RECALL, "overall recall {:.1}%", 100.0 * recall);
}

#[test]
fn most_extracted_minutiae_are_true_ones() {
    // The converse of recall: an extractor that sprays minutiae everywhere would pass the
    // recall test. Precision is measured the same way, against the truth.
    let (mut total_true, mut total_extracted) = (0usize, 0usize);
    for imp in impressions() {
        let n = found(&imp.template, &imp.truth);
        let precision = n as f64 / imp.template.minutiae.len() as f64;
        eprintln!("{}: precision {:.1}% ({n} of {} extracted)", imp.name, 100.0 * precision, imp.template.minutiae.len());
        total_true += n;
        total_extracted += imp.template.minutiae.len();
    }
    let precision = total_true as f64 / total_extracted as f64;
    eprintln!("overall precision {:.1}%", 100.0 * precision);
    assert!(precision >= 0.5, "overall precision {:.1}%", 100.0 * precision);
}

#[test]
fn template_survives_a_round_trip_through_bytes() {
    let mut matcher = Matcher::new();
    for imp in impressions() {
        let bytes = imp.template.to_bytes().unwrap_or_else(|e| panic!("{}: encode: {e}", imp.name));
        assert_eq!(bytes.len(), Template::encoded_len(imp.template.minutiae.len()), "{}", imp.name);
        assert!(Template::is_template(&bytes), "{}", imp.name);
        let back = Template::from_bytes(&bytes).unwrap_or_else(|e| panic!("{}: decode: {e}", imp.name));
        assert_eq!(back, imp.template, "{}: template changed in the round trip", imp.name);
        assert_eq!(back.to_bytes().unwrap(), bytes, "{}: re-encoding changed the bytes", imp.name);
        // The stored template compares exactly like the fresh one.
        let stored = PreparedTemplate::new(&back);
        for other in impressions() {
            let fresh = matcher.compare(&imp.prepared, &other.prepared);
            let again = matcher.compare(&stored, &other.prepared);
            assert_eq!(fresh.to_bits(), again.to_bits(), "{} vs {}: {fresh} then {again}", imp.name, other.name);
        }
    }
}

#[test]
fn comparison_is_symmetric_enough() {
    // The six whole prints, and the left part of each (a finger placed half off the
    // sensor): pairs of very different sizes are where an asymmetry would show.
    let mut views: Vec<(String, PreparedTemplate)> = Vec::new();
    for imp in impressions() {
        views.push((imp.name.clone(), imp.prepared.clone()));
        let mut part = imp.template.clone();
        part.minutiae.retain(|m| m.x < 170);
        views.push((format!("{} left", imp.name), PreparedTemplate::new(&part)));
    }
    let mut matcher = Matcher::new();
    let mut worst = (0.0f32, String::new());
    let mut compared = 0;
    for (i, (a_name, a)) in views.iter().enumerate() {
        for (b_name, b) in &views[i + 1..] {
            let ab = matcher.compare(a, b);
            let ba = matcher.compare(b, a);
            let d = (ab - ba).abs();
            compared += 1;
            if d > 0.0 {
                eprintln!("{a_name} / {b_name}: {ab:.3} / {ba:.3} (diff {d:.3})");
            }
            if d >= worst.0 {
                worst = (d, format!("{a_name} / {b_name}: {ab:.3} / {ba:.3}"));
            }
            assert!(d <= MAX_ASYMMETRY, "{a_name} vs {b_name}: {ab:.3} one way, {ba:.3} the other");
        }
    }
    eprintln!("largest asymmetry over {compared} pairs: {:.3} ({})", worst.0, worst.1);
}

#[test]
fn comparison_is_repeatable() {
    // A Matcher reuses its scratch buffers: a comparison must not depend on the previous one.
    let all = impressions();
    let mut shared = Matcher::new();
    let first: Vec<f32> = all.iter().flat_map(|a| all.iter().map(move |b| (a, b))).map(|(a, b)| shared.compare(&a.prepared, &b.prepared)).collect();
    let again: Vec<f32> = all
        .iter()
        .rev()
        .flat_map(|a| all.iter().rev().map(move |b| (a, b)))
        .map(|(a, b)| Matcher::new().compare(&a.prepared, &b.prepared))
        .collect();
    let again: Vec<f32> = again.into_iter().rev().collect();
    for (x, y) in first.iter().zip(&again) {
        assert_eq!(x.to_bits(), y.to_bits(), "{x} vs {y}");
    }
}
