//! Single-thread comparison speed over all pairs of a folder's templates, best of 5 runs:
//! `cargo run --release -p jatigi-core --example compare_speed -- FOLDER [DPI]`

use jatigi_core::biometrics::{extract, FingerImage, Matcher, PreparedTemplate};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let folder = args.get(1).ok_or("usage: compare_speed FOLDER [DPI]")?;
    let dpi: u32 = args.get(2).map(|d| d.parse()).transpose()?.unwrap_or(500);
    let mut prepared = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(folder)?.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|e| e == "tif")).collect();
    paths.sort();
    for p in &paths {
        if let Ok(t) = FingerImage::open(p, dpi).map_err(|e| e.to_string()).and_then(|i| extract(&i).map_err(|e| e.to_string())) {
            prepared.push(PreparedTemplate::new(&t));
        }
    }
    let mean_len = prepared.iter().map(|p| p.len()).sum::<usize>() as f64 / prepared.len() as f64;
    for mut matcher in [Matcher::new(), Matcher::portable()] {
        let mut best = f64::MAX;
        let mut count = 0usize;
        let mut checksum = 0.0f32;
        for _ in 0..5 {
            let start = Instant::now();
            count = 0;
            for i in 0..prepared.len() {
                for j in i + 1..prepared.len() {
                    checksum += matcher.compare(&prepared[i], &prepared[j]);
                    count += 1;
                }
            }
            best = best.min(start.elapsed().as_secs_f64());
        }
        println!(
            "{} templates (mean {:.1} cylinders), {} comparisons, {} bit counts: {:.0} per second (checksum {checksum:.1})",
            prepared.len(),
            mean_len,
            count,
            matcher.bit_counts(),
            count as f64 / best
        );
    }
    Ok(())
}
