//! Write the pipeline's intermediate products as PNGs for inspection:
//! `cargo run --release -p jatigi-core --example dump_stages -- IMAGE DPI OUT_PREFIX`

use image::{Rgb, RgbImage};
use jatigi_core::biometrics::{extractor::run_pipeline, FingerImage};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        return Err("usage: dump_stages IMAGE DPI OUT_PREFIX".into());
    }
    let dpi: u32 = args[2].parse()?;
    let img = FingerImage::open(std::path::Path::new(&args[1]), dpi)?;
    let e = run_pipeline(&img)?;
    let (w, h) = (img.width as u32, img.height as u32);
    let mut canvas = RgbImage::new(w * 3, h);
    for y in 0..h {
        for x in 0..w {
            let g = img.pixels[(y * w + x) as usize];
            let inside = e.mask.contains(x as usize, y as usize);
            canvas.put_pixel(x, y, Rgb([g, g, if inside { g } else { g / 2 + 100 }]));
            let v = e.enhanced.data[(y * w + x) as usize];
            let c = (128.0 - v * 60.0).clamp(0.0, 255.0) as u8;
            canvas.put_pixel(x + w, y, Rgb([c, c, c]));
            let s = if e.skeleton.get(x as usize, y as usize) { 0 } else { 255 };
            canvas.put_pixel(x + 2 * w, y, Rgb([s, s, s]));
        }
    }
    for m in &e.template.minutiae {
        let color = match m.kind {
            jatigi_core::biometrics::MinutiaKind::Ending => Rgb([255, 0, 0]),
            jatigi_core::biometrics::MinutiaKind::Bifurcation => Rgb([0, 160, 255]),
        };
        let t = m.radians();
        for k in 0..12 {
            let x = m.x as f32 + k as f32 * t.cos();
            let y = m.y as f32 - k as f32 * t.sin();
            for panel in [0, 2] {
                let px = x.round() as i64 + (panel * w) as i64;
                if px >= 0 && y >= 0.0 && (px as u32) < 3 * w && (y as u32) < h {
                    canvas.put_pixel(px as u32, y.round() as u32, color);
                }
            }
        }
        for dy in -2i64..=2 {
            for dx in -2i64..=2 {
                let (px, py) = (m.x as i64 + dx + 2 * w as i64, m.y as i64 + dy);
                if (dx.abs() == 2 || dy.abs() == 2) && py >= 0 && (py as u32) < h && px >= 0 {
                    canvas.put_pixel(px as u32, py as u32, color);
                }
            }
        }
    }
    canvas.save(format!("{}.png", args[3]))?;
    println!("{} minutiae, quality {}", e.template.minutiae.len(), e.template.quality);
    Ok(())
}
