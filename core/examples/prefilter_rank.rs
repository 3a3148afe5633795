//! How well the 1:N prefilter ranks mates: every FVC image is a probe against all 640; for
//! each probe, the rank of its best mate among non-mates.
//! `cargo run --release -p jatigi-core --example prefilter_rank -- FOLDER[=DPI]...`

use jatigi_core::biometrics::search::SearchCode;
use jatigi_core::biometrics::{extract, FingerImage};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut codes = Vec::new();
    let mut labels: Vec<(String, String)> = Vec::new();
    for arg in std::env::args().skip(1) {
        let (folder, dpi) = match arg.split_once('=') {
            Some((f, d)) => (f.to_string(), d.parse::<u32>()?),
            None => (arg.clone(), 500),
        };
        let mut paths: Vec<_> = std::fs::read_dir(&folder)?.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|e| e == "tif")).collect();
        paths.sort();
        for p in paths {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
            let finger = name.split('_').next().unwrap_or_default().to_string();
            if let Ok(t) = FingerImage::open(&p, dpi).map_err(|e| e.to_string()).and_then(|i| extract(&i).map_err(|e| e.to_string())) {
                codes.push(SearchCode::new(&t));
                labels.push((folder.clone(), finger));
            }
        }
    }
    let n = codes.len();
    let mut ranks = Vec::new();
    let start = std::time::Instant::now();
    let mut comparisons = 0usize;
    for p in 0..n {
        let mut best_mate = 0.0f32;
        let mut others = Vec::new();
        for c in 0..n {
            if c == p {
                continue;
            }
            let s = codes[p].similarity(&codes[c]);
            comparisons += 1;
            if labels[c] == labels[p] {
                best_mate = best_mate.max(s);
            } else if labels[c].1 != labels[p].1 {
                others.push(s);
            }
        }
        ranks.push((others.iter().filter(|&&s| s >= best_mate).count(), others.len()));
    }
    let per = start.elapsed().as_secs_f64() / comparisons as f64;
    let total = ranks.len() as f64;
    for pct in [0.5, 1.0, 2.0, 5.0, 10.0] {
        let hit = ranks.iter().filter(|(r, len)| (*r as f64) < pct / 100.0 * *len as f64).count();
        println!("best mate within the top {pct:>4}% of the gallery: {:.1} % of probes", 100.0 * hit as f64 / total);
    }
    println!("{:.0} ns per code comparison", per * 1e9);
    Ok(())
}
