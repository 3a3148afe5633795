//! WSQ against the reference codec (NIST NBIS), through the vectors in tests/fixtures/wsq
//! (made by scripts/make_wsq_vectors.py; see docs/formats/wsq.md):
//! - our decoder on the reference encoder's files is within 1 grey level (mean absolute
//!   difference) of the reference decoder's output;
//! - our encoder at the same bit rate reaches the reference encoder's PSNR within 0.5 dB.

use std::path::{Path, PathBuf};

use jatigi_core::biometrics::wsq;

/// Acceptance bounds (issue: WSQ codec).
const MAX_MEAN_ABS_ERROR: f64 = 1.0;
const MAX_PSNR_SHORTFALL_DB: f64 = 0.5;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

struct Vector {
    name: String,
    source: String,
    crop: [u32; 4],
    bitrate: f32,
    ref_psnr: f64,
}

fn vectors() -> Vec<Vector> {
    let text = std::fs::read_to_string(fixtures().join("wsq/vectors.tsv")).expect("vectors.tsv");
    let vectors: Vec<Vector> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            assert_eq!(f.len(), 6, "{line}");
            let crop: Vec<u32> = f[2].split(',').map(|v| v.parse().expect("crop")).collect();
            Vector {
                name: f[0].to_string(),
                source: f[1].to_string(),
                crop: [crop[0], crop[1], crop[2], crop[3]],
                bitrate: f[3].parse().expect("bitrate"),
                ref_psnr: f[5].parse().expect("psnr"),
            }
        })
        .collect();
    assert!(
        vectors.len() >= 3,
        "vectors.tsv lists {} vectors",
        vectors.len()
    );
    vectors
}

fn gray(path: &Path) -> image::GrayImage {
    image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_luma8()
}



#[test]
fn reference_files_decode_like_the_reference_decoder() {
    for v in vectors() {
        let bytes =
            std::fs::read(fixtures().join(format!("wsq/{}.wsq", v.name))).expect("wsq file");
        let ours = wsq::decode(&bytes).unwrap_or_else(|e| panic!("{}: {e}", v.name));
        let reference = gray(&fixtures().join(format!("wsq/{}.ref.png", v.name)));
        assert_eq!(
            (ours.width as u32, ours.height as u32),
            reference.dimensions(),
            "{}",
            v.name
        );
        assert_eq!(ours.ppi, Some(500), "{}", v.name);
        let mae = wsq::mean_abs_error(&ours.pixels, reference.as_raw());
        eprintln!("{}: MAE vs reference decoder {mae:.4}", v.name);
        assert!(mae < MAX_MEAN_ABS_ERROR, "{}: MAE {mae}", v.name);
    }
}

#[test]
fn our_encoder_matches_the_reference_psnr() {
    for v in vectors() {
        let source = gray(&fixtures().join("fingerprints").join(&v.source));
        let [x, y, w, h] = v.crop;
        let crop = image::imageops::crop_imm(&source, x, y, w, h).to_image();
        let (w, h) = (w as usize, h as usize);
        let bytes = wsq::encode(crop.as_raw(), w, h, Some(500), v.bitrate, &[]).expect("encode");
        let decoded = wsq::decode(&bytes).expect("decode our file");
        let ours = wsq::psnr(crop.as_raw(), &decoded.pixels);
        let bpp = bytes.len() as f64 * 8.0 / (w * h) as f64;
        eprintln!(
            "{}: PSNR ours {ours:.3} dB at {bpp:.3} bpp, reference {:.3} dB",
            v.name, v.ref_psnr
        );
        assert!(
            ours >= v.ref_psnr - MAX_PSNR_SHORTFALL_DB,
            "{}: {ours} vs {}",
            v.name,
            v.ref_psnr
        );
    }
}
