//! How well the 1:N prefilter ranks mates: every FVC image is a probe against all 640; for
//! each probe, the rank of its best mate among non-mates.
//! `cargo run --release -p jatigi-core --example prefilter_rank -- FOLDER[=DPI]...`

use jatigi_core::biometrics::search::SearchCode;
mod common;


fn main() -> Result<(), Box<dyn std::error::Error>> {
    let extracted = common::extract_folders(std::env::args().skip(1))?;
    let codes: Vec<SearchCode> = extracted.iter().map(|e| SearchCode::new(&e.template)).collect();
    let labels: Vec<(&str, &str)> = extracted.iter().map(|e| (e.folder.as_str(), e.finger.as_str())).collect();
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
