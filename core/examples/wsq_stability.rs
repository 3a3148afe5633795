//! What WSQ compression moves in the extraction: every image of the given folders is
//! extracted as it is and after a WSQ round trip at BPP bits per pixel, and the two
//! extractions are compared stage by stage. Per folder it prints the share of mask blocks
//! that changed, the minutia counts, the share of minutiae found again within 6 px (and
//! how far they moved), the orientation change on the common foreground, and the score of
//! each image against its own compressed copy.
//!
//!     cargo run --release -p jatigi-core --example wsq_stability -- BPP FOLDER[=DPI]...

mod common;

use jatigi_core::biometrics::extractor::{run_pipeline, Extraction};
use jatigi_core::biometrics::{wsq, FingerImage, Matcher, PreparedTemplate};
use std::f32::consts::{FRAC_PI_2, PI};

/// A minutia found again closer than this (px) counts as the same one.
const SAME_MINUTIA: f32 = 6.0;

#[derive(Default)]
struct Totals {
    images: usize,
    mask_blocks: usize,
    mask_changed: usize,
    minutiae_raw: usize,
    minutiae_wsq: usize,
    found_again: usize,
    moved_px: f64,
    orientation_deg: f64,
    self_score: f64,
}

impl Totals {
    fn add(&mut self, raw: &Extraction, compressed: &Extraction, matcher: &mut Matcher) {
        self.images += 1;
        self.mask_blocks += raw.mask.area_blocks();
        self.mask_changed += raw.mask.foreground.iter().zip(&compressed.mask.foreground).filter(|(a, b)| a != b).count();
        let (a, b) = (&raw.template.minutiae, &compressed.template.minutiae);
        self.minutiae_raw += a.len();
        self.minutiae_wsq += b.len();
        for m in a {
            let nearest = b
                .iter()
                .map(|o| (m.x as f32 - o.x as f32).hypot(m.y as f32 - o.y as f32))
                .min_by(f32::total_cmp);
            if let Some(d) = nearest.filter(|&d| d <= SAME_MINUTIA) {
                self.found_again += 1;
                self.moved_px += f64::from(d);
            }
        }
        let field = (&raw.field, &compressed.field);
        let (mut sum, mut blocks) = (0.0f64, 0usize);
        for i in 0..field.0.coherence.len() {
            if raw.mask.foreground[i] && compressed.mask.foreground[i] {
                let (bx, by) = (i % field.0.blocks_wide, i / field.0.blocks_wide);
                let d = (field.0.angle(bx, by) - field.1.angle(bx, by)).abs() % PI;
                sum += f64::from(if d > FRAC_PI_2 { PI - d } else { d }).to_degrees();
                blocks += 1;
            }
        }
        self.orientation_deg += sum / blocks.max(1) as f64;
        let (pa, pb) = (PreparedTemplate::new(&raw.template), PreparedTemplate::new(&compressed.template));
        self.self_score += f64::from(matcher.compare(&pa, &pb));
    }

    fn print(&self, folder: &str) {
        let n = self.images.max(1) as f64;
        println!(
            "{folder}: {} images; mask blocks changed {:.1} %; minutiae {:.1} -> {:.1}; found again {:.1} % \
             (moved {:.2} px); orientation change {:.2} deg; score against own copy {:.1}",
            self.images,
            100.0 * self.mask_changed as f64 / self.mask_blocks.max(1) as f64,
            self.minutiae_raw as f64 / n,
            self.minutiae_wsq as f64 / n,
            100.0 * self.found_again as f64 / self.minutiae_raw.max(1) as f64,
            self.moved_px / self.found_again.max(1) as f64,
            self.orientation_deg / n,
            self.self_score / n,
        );
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let bpp: f32 = args.next().ok_or("usage: wsq_stability BPP FOLDER[=DPI]...")?.parse()?;
    let mut matcher = Matcher::new();
    for arg in args {
        let (folder, dpi) = common::folder_and_dpi(&arg)?;
        let mut totals = Totals::default();
        for path in common::files_with_extension(&folder, "tif")? {
            let image = FingerImage::open(&path, dpi)?;
            let copy = wsq::decode_finger(&wsq::encode_finger(&image, bpp)?)?;
            if let (Ok(raw), Ok(compressed)) = (run_pipeline(&image), run_pipeline(&copy)) {
                totals.add(&raw, &compressed, &mut matcher);
            }
        }
        totals.print(&folder);
    }
    Ok(())
}
