//! Which direction convention do third-party minutiae records use? For each `.iso` record
//! beside an FVC2002 image at 500 dpi (DB1, DB3, DB4), pair every record minutia with the
//! nearest minutia of the same kind that our extractor finds in the image (within 6 px)
//! and histogram the angle differences. Ours point along the ending ridge (ending) or
//! valley (bifurcation), counter-clockwise with y up (docs/formats/template.md): a peak at
//! 0° says the records use the same convention, at 180° the opposite sense of the tangent;
//! a flat histogram would say clockwise angles (the mirror image).
//! `cargo run --release -p jatigi-core --example iso_angles -- ../shared/data/fingerprints/fvc2002`

use std::path::Path;

use jatigi_core::biometrics::formats::read_any;
use jatigi_core::biometrics::{extract, FingerImage, MinutiaKind};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = std::env::args().nth(1).unwrap_or_else(|| "../shared/data/fingerprints/fvc2002".to_string());
    // [kind][bucket]: bucket 0 = within 22.5° of 0°, 1 = within 22.5° of 180°, 2 = elsewhere;
    // and the same for the mirrored hypothesis (record angle negated).
    let mut same = [[0usize; 3]; 2];
    let mut mirrored = [[0usize; 3]; 2];
    for db in ["DB1_B", "DB3_B", "DB4_B"] {
        let dir = Path::new(&root).join(db);
        let mut isos: Vec<_> = std::fs::read_dir(&dir)?.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|e| e == "iso")).collect();
        isos.sort();
        // The SecuGen records all declare a 300 × 400 image whatever the scan's size: try
        // the plausible placements of our minutiae in that frame and keep the one that pairs
        // the most minutiae (angles are mapped through the same transform).
        let mut best: Option<(usize, &str, [[usize; 3]; 2], [[usize; 3]; 2])> = None;
        for placement in ["stretch", "centre", "fit"] {
            let (mut s, mut mir, mut pairs) = ([[0usize; 3]; 2], [[0usize; 3]; 2], 0);
            for iso in isos.iter().step_by(2) {
                let theirs = read_any(&std::fs::read(iso)?)?.first_template()?;
                let image = FingerImage::open(&iso.with_extension("tif"), 500)?;
                let Ok(ours) = extract(&image) else { continue };
                let (w, h) = (f64::from(ours.width), f64::from(ours.height));
                let (sx, sy, ox, oy) = match placement {
                    "stretch" => (300.0 / w, 400.0 / h, 0.0, 0.0),
                    "centre" => (1.0, 1.0, (300.0 - w) / 2.0, (400.0 - h) / 2.0),
                    _ => {
                        let k = (300.0 / w).min(400.0 / h);
                        (k, k, (300.0 - k * w) / 2.0, (400.0 - k * h) / 2.0)
                    }
                };
                let placed: Vec<(f64, f64, i32, MinutiaKind)> = ours
                    .minutiae
                    .iter()
                    .map(|o| {
                        let t = o.radians() as f64;
                        let a = (sy * t.sin()).atan2(sx * t.cos());
                        let units = (a.rem_euclid(std::f64::consts::TAU) / std::f64::consts::TAU * 256.0).round() as i32;
                        (sx * f64::from(o.x) + ox, sy * f64::from(o.y) + oy, units, o.kind)
                    })
                    .collect();
                for m in &theirs.minutiae {
                    let nearest = placed
                        .iter()
                        .filter(|o| o.3 == m.kind)
                        .map(|o| ((o.0 - f64::from(m.x)).powi(2) + (o.1 - f64::from(m.y)).powi(2), o.2))
                        .min_by(|a, b| a.0.total_cmp(&b.0));
                    let Some((d2, angle)) = nearest else { continue };
                    if d2 > 36.0 {
                        continue;
                    }
                    pairs += 1;
                    let k = usize::from(m.kind == MinutiaKind::Bifurcation);
                    let bucket = |d: i32| {
                        let d = d.rem_euclid(256);
                        if d <= 16 || d >= 240 {
                            0
                        } else if (112..=144).contains(&d) {
                            1
                        } else {
                            2
                        }
                    };
                    s[k][bucket(i32::from(m.angle) - angle)] += 1;
                    mir[k][bucket(-i32::from(m.angle) - angle)] += 1;
                }
            }
            println!("{db}: placement {placement}: {pairs} pairs");
            if best.as_ref().is_none_or(|b| pairs > b.0) {
                best = Some((pairs, placement, s, mir));
            }
        }
        if let Some((_, placement, s, mir)) = best {
            println!("{db}: using placement {placement}");
            for k in 0..2 {
                for b in 0..3 {
                    same[k][b] += s[k][b];
                    mirrored[k][b] += mir[k][b];
                }
            }
        }
    }
    for (k, name) in ["ridge endings", "bifurcations"].iter().enumerate() {
        let total: usize = same[k].iter().sum();
        let pct = |n: usize| 100.0 * n as f64 / total.max(1) as f64;
        println!(
            "{name}: {total} pairs; as recorded: {:.1} % within 22.5° of ours, {:.1} % within 22.5° of ours + 180°, {:.1} % elsewhere; mirrored (clockwise): {:.1} % / {:.1} % / {:.1} %",
            pct(same[k][0]), pct(same[k][1]), pct(same[k][2]), pct(mirrored[k][0]), pct(mirrored[k][1]), pct(mirrored[k][2])
        );
    }
    Ok(())
}
