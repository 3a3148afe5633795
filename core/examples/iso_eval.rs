//! FVC protocol over minutiae records (ISO/IEC 19794-2:2005 or 2011, ANSI/INCITS 378) made by another extractor (the `.iso`
//! files beside the FVC2002 images): per folder, every same-finger pair genuine, every
//! different-finger pair impostor; prints each folder's EER and the mean.
//! `cargo run --release -p jatigi-core --example iso_eval -- FOLDER...`
//! (Issue 5 brings this into `jatigi eval --templates`.)

mod common;

use jatigi_core::biometrics::formats::read_any;
use jatigi_core::biometrics::{Matcher, PreparedTemplate};

/// EER, FVC2000 style: at the threshold where FMR and FNMR cross, their mean.
fn eer(genuine: &[f32], impostor: &[f32]) -> f64 {
    let mut thresholds: Vec<f32> = genuine.iter().chain(impostor).copied().collect();
    thresholds.sort_by(f32::total_cmp);
    thresholds.dedup();
    let mut best = (f64::MAX, 0.5);
    for t in thresholds {
        let fmr = impostor.iter().filter(|&&s| s >= t).count() as f64 / impostor.len() as f64;
        let fnmr = genuine.iter().filter(|&&s| s < t).count() as f64 / genuine.len() as f64;
        let gap = (fmr - fnmr).abs();
        if gap < best.0 {
            best = (gap, (fmr + fnmr) / 2.0);
        }
    }
    best.1
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut eers = Vec::new();
    for folder in std::env::args().skip(1) {
        let paths = common::files_with_extension(&folder, "iso")?;
        let mut items = Vec::new();
        for p in &paths {
            let finger = p.file_stem().and_then(|s| s.to_str()).and_then(|s| s.split('_').next()).unwrap_or_default().to_string();
            let prepared = std::fs::read(p).ok().and_then(|b| read_any(&b).ok()).and_then(|r| r.first_template().ok()).map(|t| PreparedTemplate::new(&t));
            items.push((finger, prepared));
        }
        let mut matcher = Matcher::new();
        let (mut genuine, mut impostor) = (Vec::new(), Vec::new());
        for i in 0..items.len() {
            for j in i + 1..items.len() {
                let score = match (&items[i].1, &items[j].1) {
                    (Some(a), Some(b)) => matcher.compare(a, b),
                    _ => 0.0,
                };
                if items[i].0 == items[j].0 { genuine.push(score) } else { impostor.push(score) }
            }
        }
        let e = eer(&genuine, &impostor);
        let failed = items.iter().filter(|i| i.1.is_none()).count();
        println!("{folder}: {} genuine, {} impostor, EER {:.2} %, {failed} unreadable", genuine.len(), impostor.len(), 100.0 * e);
        eers.push(e);
    }
    if !eers.is_empty() {
        println!("mean EER {:.2} %", 100.0 * eers.iter().sum::<f64>() / eers.len() as f64);
    }
    Ok(())
}
