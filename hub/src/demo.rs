//! `jatigi demo`: the whole system on built-in data, one step after another.
//!
//! Today: fingerprints → templates → one-to-one matching. Later steps (enrollment from the
//! simulated scanner, the tablet's duplicate check, the household card, the sync packet and
//! the hub's cross-tablet deduplication) are added as more `step_*` functions in [`run`],
//! each taking what earlier steps produced.

use std::io::Write;

use jatigi_core::biometrics::{Matcher, PreparedTemplate, Template};

use crate::engine;
use crate::error::HubError;
use crate::text::{
    decimal_en, decimal_fr, same_finger, score_text, threshold_text, DEFAULT_THRESHOLD,
};

/// A synthetic fingerprint built into the program (from tests/fixtures/fingerprints).
pub struct Fixture {
    pub name: &'static str,
    pub finger: u8,
    pub png: &'static [u8],
}

/// Resolution of the fixture images.
pub const FIXTURE_DPI: u32 = 500;

macro_rules! fixture {
    ($finger:literal, $impression:literal) => {
        Fixture {
            name: concat!("f", $finger, "_", $impression),
            finger: $finger,
            png: include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../tests/fixtures/fingerprints/f",
                $finger,
                "_",
                $impression,
                ".png"
            )),
        }
    };
}

/// Three synthetic fingers, two impressions each.
pub const FIXTURES: [Fixture; 6] = [
    fixture!(1, 1),
    fixture!(1, 2),
    fixture!(2, 1),
    fixture!(2, 2),
    fixture!(3, 1),
    fixture!(3, 2),
];

/// Writes every line in English and French.
struct Narrator<'a> {
    out: &'a mut dyn Write,
}

impl Narrator<'_> {
    fn heading(&mut self, en: &str, fr: &str) -> Result<(), HubError> {
        writeln!(self.out, "\n== {en} / {fr} ==")?;
        Ok(())
    }

    fn say(&mut self, en: &str, fr: &str) -> Result<(), HubError> {
        writeln!(self.out, "{en}")?;
        writeln!(self.out, "  {fr}")?;
        Ok(())
    }

    fn line(&mut self, text: &str) -> Result<(), HubError> {
        writeln!(self.out, "{text}")?;
        Ok(())
    }
}

/// A fixture and its template (`None` if extraction failed).
struct Enrolled {
    fixture: &'static Fixture,
    template: Option<PreparedTemplate>,
}

/// `jatigi demo`.
pub fn run(out: &mut dyn Write) -> Result<(), HubError> {
    let mut n = Narrator { out };
    n.say(
        "Jatigi demo on built-in synthetic fingerprints (no real person's data).",
        "Démonstration Jatigi sur des empreintes synthétiques intégrées (aucune donnée réelle).",
    )?;

    n.heading(
        "1. Fingerprint images to templates",
        "1. Des images d'empreintes aux gabarits",
    )?;
    let enrolled = step_extract(&mut n)?;

    n.heading("2. One-to-one matching", "2. Comparaison un à un")?;
    step_match(&mut n, &enrolled)?;

    let failed = enrolled.iter().filter(|e| e.template.is_none()).count();
    if failed > 0 {
        return Err(HubError::DemoFailed {
            failed,
            total: enrolled.len(),
        });
    }
    Ok(())
}

fn step_extract(n: &mut Narrator) -> Result<Vec<Enrolled>, HubError> {
    let mut enrolled = Vec::with_capacity(FIXTURES.len());
    for fixture in &FIXTURES {
        let path = std::path::Path::new(fixture.name);
        match engine::extract_image(path, fixture.png, FIXTURE_DPI) {
            Ok(e) => {
                let t: &Template = &e.template;
                let (m, q, ms) = (t.minutiae.len(), t.quality, engine::ms(e.extract_time));
                n.say(
                    &format!(
                        "{}: {m} minutiae, quality {q}, extracted in {} ms",
                        fixture.name,
                        decimal_en(ms, 1)
                    ),
                    &format!(
                        "{} : {m} minuties, qualité {q}, extraite en {} ms",
                        fixture.name,
                        decimal_fr(ms, 1)
                    ),
                )?;
                enrolled.push(Enrolled {
                    fixture,
                    template: Some(PreparedTemplate::new(t)),
                });
            }
            Err(err) => {
                n.say(
                    &format!("{}: no template: {err}", fixture.name),
                    &format!("{} : aucun gabarit : {}", fixture.name, err.french()),
                )?;
                enrolled.push(Enrolled {
                    fixture,
                    template: None,
                });
            }
        }
    }
    Ok(enrolled)
}

fn step_match(n: &mut Narrator, enrolled: &[Enrolled]) -> Result<(), HubError> {
    let threshold = DEFAULT_THRESHOLD;
    let mut matcher = Matcher::new();
    // scores[i][j] = compare(i, j); None on the diagonal or without a template.
    let scores: Vec<Vec<Option<f32>>> = enrolled
        .iter()
        .enumerate()
        .map(|(i, a)| {
            enrolled
                .iter()
                .enumerate()
                .map(|(j, b)| match (&a.template, &b.template) {
                    (Some(x), Some(y)) if i != j => Some(matcher.compare(x, y)),
                    _ => None,
                })
                .collect()
        })
        .collect();

    n.say(
        "Scores (row compared with column; * = same finger):",
        "Scores (ligne comparée à la colonne ; * = même doigt) :",
    )?;
    let mut header = format!("{:6}", "");
    for e in enrolled {
        header.push_str(&format!("{:>8}", e.fixture.name));
    }
    n.line(&header)?;
    for (i, a) in enrolled.iter().enumerate() {
        let mut row = format!("{:6}", a.fixture.name);
        for (j, b) in enrolled.iter().enumerate() {
            let mark = if a.fixture.finger == b.fixture.finger {
                "*"
            } else {
                " "
            };
            row.push_str(&match scores[i][j] {
                Some(s) => format!("{:>7}{mark}", decimal_en(s as f64, 1)),
                None if i == j => format!("{:>7} ", "·"),
                None => format!("{:>7} ", "-"),
            });
        }
        n.line(&row)?;
    }

    let t = threshold_text(threshold);
    n.say(
        &format!("Decision at {}:", t.en),
        &format!("Décision au {} :", t.fr),
    )?;
    let (mut same, mut same_ok, mut diff, mut diff_ok) = (0, 0, 0, 0);
    for (i, a) in enrolled.iter().enumerate() {
        for (j, b) in enrolled.iter().enumerate() {
            let Some(s) = scores[i][j] else { continue };
            if a.fixture.finger == b.fixture.finger {
                same += 1;
                same_ok += usize::from(same_finger(s, threshold));
                if i > j {
                    continue; // Each same-finger pair is spelled out once.
                }
                let text = score_text(s, threshold);
                n.say(
                    &format!("{} vs {}: {}", a.fixture.name, b.fixture.name, text.en),
                    &format!("{} contre {} : {}", a.fixture.name, b.fixture.name, text.fr),
                )?;
            } else {
                diff += 1;
                diff_ok += usize::from(!same_finger(s, threshold));
            }
        }
    }
    n.say(
        &format!(
            "same finger accepted: {same_ok} of {same}; different fingers rejected: {diff_ok} of {diff}"
        ),
        &format!(
            "même doigt accepté : {same_ok} sur {same} ; doigts différents rejetés : {diff_ok} sur {diff}"
        ),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_runs_on_its_built_in_images_in_both_languages() {
        let mut out = Vec::new();
        run(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        for name in FIXTURES.iter().map(|f| f.name) {
            assert!(
                text.contains(&format!("{name}: ")),
                "{name} missing:\n{text}"
            );
            assert!(
                text.contains(&format!("{name} : ")),
                "{name} missing in French:\n{text}"
            );
        }
        assert!(text.contains("same finger accepted:"), "{text}");
        assert!(text.contains("même doigt accepté :"), "{text}");
    }
}
