//! The committed template test vectors (tests/fixtures/templates, described in
//! docs/formats/template.md) decode to the templates below and re-encode to the same bytes.
//!
//! The expected templates are written out here by hand, independently of the generator
//! (examples/make_fixtures.rs), and match the `.json` sibling of each vector.

use std::path::{Path, PathBuf};

use jatigi_core::biometrics::{FingerImage, Minutia, MinutiaKind, Template, TemplateError};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn read(relative: &str) -> Vec<u8> {
    let path = fixtures().join(relative);
    match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) => panic!("cannot read {}: {e}", path.display()),
    }
}

fn m(x: u16, y: u16, angle: u8, kind: MinutiaKind, quality: u8) -> Minutia {
    Minutia {
        x,
        y,
        angle,
        kind,
        quality,
    }
}

fn expected(name: &str) -> Template {
    use MinutiaKind::{Bifurcation, Ending};
    match name {
        "empty" => Template {
            width: 256,
            height: 360,
            quality: 0,
            minutiae: vec![],
        },
        "two_minutiae" => Template {
            width: 300,
            height: 400,
            quality: 87,
            minutiae: vec![
                m(100, 150, 64, Ending, 90),
                m(200, 250, 192, Bifurcation, 45),
            ],
        },
        "edge_values" => Template {
            width: 65535,
            height: 480,
            quality: 100,
            minutiae: vec![
                m(0, 0, 0, Ending, 0),
                m(65534, 479, 255, Bifurcation, 100),
                m(65534, 0, 128, Ending, 100),
                m(0, 479, 1, Bifurcation, 0),
                m(4660, 291, 127, Ending, 50),
                m(258, 257, 129, Bifurcation, 99),
            ],
        },
        other => panic!("no expected template for {other}"),
    }
}

fn check_vector(name: &str) {
    let bytes = read(&format!("templates/{name}.jtgt"));
    let template = expected(name);
    assert!(Template::is_template(&bytes), "{name}");
    assert_eq!(
        Template::from_bytes(&bytes),
        Ok(template.clone()),
        "{name}: decode"
    );
    assert_eq!(template.to_bytes(), Ok(bytes.clone()), "{name}: encode");
    assert_eq!(
        bytes.len(),
        Template::encoded_len(template.minutiae.len()),
        "{name}: length"
    );
}

#[test]
fn empty_vector() {
    check_vector("empty");
}

#[test]
fn two_minutiae_vector() {
    check_vector("two_minutiae");
}

#[test]
fn edge_values_vector() {
    check_vector("edge_values");
}

/// The worked example printed in docs/formats/template.md, byte for byte.
#[test]
fn two_minutiae_vector_matches_the_documented_hex() {
    let documented: [u8; 27] = [
        0x4A, 0x54, 0x47, 0x54, // "JTGT"
        0x01, // version
        0x2C, 0x01, // width 300
        0x90, 0x01, // height 400
        0x57, // quality 87
        0x02, // 2 minutiae
        0x64, 0x00, 0x96, 0x00, 0x40, 0x5A, // (100, 150), angle 64, ending, quality 90
        0xC8, 0x00, 0xFA, 0x00, 0xC0, 0xAD, // (200, 250), angle 192, bifurcation, quality 45
        0x87, 0x93, 0xEC, 0xAD, // CRC-32 0xADEC9387
    ];
    assert_eq!(read("templates/two_minutiae.jtgt"), documented.to_vec());
}

#[test]
fn corrupted_vector_is_rejected_with_bad_checksum() {
    let bytes = read("templates/bad_checksum.jtgt");
    assert!(Template::is_template(&bytes));
    assert_eq!(
        Template::from_bytes(&bytes),
        Err(TemplateError::BadChecksum)
    );
    // It is the two_minutiae vector with one bit flipped.
    let good = read("templates/two_minutiae.jtgt");
    let differing: Vec<usize> = (0..good.len())
        .filter(|&i| good.get(i) != bytes.get(i))
        .collect();
    assert_eq!(differing, vec![11]);
    assert_eq!(good.len(), bytes.len());
    assert_eq!(good[11] ^ bytes[11], 0x01);
}

/// The ground truth of the synthetic fingerprints is stored as templates too.
#[test]
fn fingerprint_fixtures_and_their_truth_are_consistent() {
    for finger in 1..=3 {
        for impression in 1..=2 {
            let name = format!("f{finger}_{impression}");
            let image = FingerImage::decode(&read(&format!("fingerprints/{name}.png")), 500)
                .unwrap_or_else(|e| panic!("{name}.png: {e}"));
            assert_eq!((image.width, image.height), (300, 300), "{name}");
            let truth = Template::from_bytes(&read(&format!("fingerprints/{name}.truth.jtgt")))
                .unwrap_or_else(|e| panic!("{name}.truth.jtgt: {e}"));
            assert_eq!((truth.width, truth.height), (300, 300), "{name}");
            assert!(
                (25..=40).contains(&truth.minutiae.len()),
                "{name}: {}",
                truth.minutiae.len()
            );
            for a in &truth.minutiae {
                // Every minutia lies on the finger: ridges show within a period around it,
                // clearly so unless it is marked as near the edge (quality 40).
                let (x, y) = (usize::from(a.x), usize::from(a.y));
                let darkest = (x.saturating_sub(4)..=x + 4)
                    .flat_map(|i| (y.saturating_sub(4)..=y + 4).map(move |j| (i, j)))
                    .map(|(i, j)| image.get(i, j))
                    .min()
                    .unwrap_or(255);
                let limit = if a.quality == 100 { 90 } else { 240 };
                assert!(
                    darkest < limit,
                    "{name}: minutia at ({x}, {y}) not on ridges ({darkest})"
                );
                for b in &truth.minutiae {
                    if a != b {
                        let d = f64::from(a.x.abs_diff(b.x)).hypot(f64::from(a.y.abs_diff(b.y)));
                        assert!(
                            d >= 19.0,
                            "{name}: minutiae {a:?} and {b:?} {d:.1} px apart"
                        );
                    }
                }
            }
            let endings = truth
                .minutiae
                .iter()
                .filter(|m| m.kind == MinutiaKind::Ending)
                .count();
            assert!(
                endings >= 8 && truth.minutiae.len() - endings >= 8,
                "{name}: kinds unbalanced"
            );
        }
    }
}
