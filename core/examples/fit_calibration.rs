//! Fit the score calibration table from impostor comparisons: every pair of images of
//! different finger numbers across the given folders (within and across folders), so that
//! small false match rates rest on counted comparisons.
//! `cargo run --release -p jatigi-core --example fit_calibration -- FOLDER[=DPI]...`
//! Prints the knots to paste into core/src/biometrics/calibration.rs.

mod common;

use jatigi_core::biometrics::{Matcher, PreparedTemplate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Folders of one FVC year hold the same volunteers' fingers under the same numbers
    // (fvc2000 DB1 and DB2 finger 102 is one finger): only different numbers are certain
    // impostors, so a finger is known by its number alone here.
    let extracted = common::extract_folders(std::env::args().skip(1))?;
    let prepared: Vec<PreparedTemplate> = extracted.iter().map(|e| PreparedTemplate::new(&e.template)).collect();
    let fingers: Vec<&str> = extracted.iter().map(|e| e.finger.as_str()).collect();
    let mut matcher = Matcher::new();
    let mut impostor = Vec::new();
    let mut labelled = Vec::new();
    for i in 0..prepared.len() {
        for j in i + 1..prepared.len() {
            if fingers[i] != fingers[j] {
                let s = matcher.similarity(&prepared[i], &prepared[j]);
                impostor.push(s);
                labelled.push((s, i, j));
            }
        }
    }
    labelled.sort_by(|a, b| b.0.total_cmp(&a.0));
    if std::env::var_os("SHOW_TOP").is_some() {
        for &(s, i, j) in labelled.iter().take(40) {
            eprintln!("{s:.4} {} {} {} {}", fingers[i], fingers[j], extracted[i].folder, extracted[j].folder);
        }
    }
    impostor.sort_by(|a, b| b.total_cmp(a));
    let n = impostor.len() as f64;
    eprintln!("{} templates, {} impostor comparisons", prepared.len(), impostor.len());
    // Knots where the FMR is 10^-(k/2): the raw similarity reached by that share of
    // impostors, while at least 10 impostors stand above it; then the third-highest and the
    // highest impostor, whose FMR is their rank over the count.
    let mut knots: Vec<(f64, f64)> = vec![(0.0, 0.0)];
    let mut k = 1;
    loop {
        let rank = (10f64.powf(-(k as f64) / 2.0) * n).round() as usize;
        if rank < 10 {
            break;
        }
        knots.push((impostor[rank - 1] as f64, 5.0 * k as f64));
        k += 1;
    }
    for rank in [3usize, 1] {
        if let Some(&s) = impostor.get(rank - 1) {
            let score = -10.0 * (rank as f64 / n).log10();
            if s as f64 > knots[knots.len() - 1].0 {
                knots.push((s as f64, score));
            }
        }
    }
    println!("const KNOTS: &[(f32, f32)] = &[");
    for (x, y) in &knots {
        println!("    ({x:.5}, {y:.1}),");
    }
    println!("];");
    // Past the highest impostor nothing was counted: continue along the mean slope from the
    // 1 in 1,000 knot (score 30) to the highest impostor. A long stretch is steadier than the
    // last few points, and in this tail it is the shallower, so claims stay modest.
    let last = knots.len() - 1;
    if let Some(from) = knots.iter().position(|&(_, y)| y >= 30.0).filter(|&f| f < last) {
        let ((x0, y0), (x1, y1)) = (knots[from], knots[last]);
        println!("const TAIL_SLOPE: f32 = {:.1};", (y1 - y0) / (x1 - x0));
    }
    Ok(())
}
