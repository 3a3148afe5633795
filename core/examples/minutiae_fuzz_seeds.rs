//! Seed corpora for the `iso_record` and `ansi378_record` fuzz targets (fuzz/): records
//! written by our own writers, in each format, with one and several views, extended blocks,
//! 5- and 6-byte ISO 2011 minutiae and certification blocks.
//! `cargo run -p jatigi-core --example minutiae_fuzz_seeds -- fuzz/corpus`

use std::path::Path;

use jatigi_core::biometrics::formats::{CertificationBlock, ExtendedBlock, FingerRecord, Format};
use jatigi_core::biometrics::{Minutia, MinutiaKind, Template};

fn template(n: usize, seed: u32) -> Template {
    let minutiae = (0..n as u32)
        .map(|i| {
            let v = (i + 1).wrapping_mul(2_654_435_761).wrapping_add(seed);
            Minutia {
                x: (v % 300) as u16,
                y: ((v >> 9) % 400) as u16,
                angle: (v >> 17) as u8,
                kind: if v & 1 == 0 { MinutiaKind::Ending } else { MinutiaKind::Bifurcation },
                quality: ((v >> 3) % 101) as u8,
            }
        })
        .collect();
    Template { width: 300, height: 400, quality: 60, minutiae }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args().nth(1).unwrap_or_else(|| "fuzz/corpus".to_string());
    let mut records = Vec::new();
    for (i, n) in [0usize, 1, 3, 12, 40].into_iter().enumerate() {
        for format in [Format::Iso2005, Format::Iso2011, Format::Ansi378] {
            let mut r = FingerRecord::from_template(&template(n, i as u32), (i % 11) as u8, format);
            if i % 2 == 1 {
                let mut second = r.views[0].clone();
                second.view_number = 1;
                second.extended.push(ExtendedBlock { type_code: 0x0001, data: vec![0, 0, 1, 5] });
                second.extended.push(ExtendedBlock { type_code: 0x0100, data: b"vendor".to_vec() });
                r.views.push(second);
            }
            if format == Format::Iso2011 && i == 3 {
                r.certification_flag = true;
                if let Some(c) = r.views[0].capture.as_mut() {
                    c.certifications.push(CertificationBlock { authority: 1, scheme: 2 });
                }
                for m in &mut r.views[1].minutiae {
                    m.quality = 254;
                }
            }
            records.push(r);
        }
    }
    for (target, formats) in [("iso_record", [Format::Iso2005, Format::Iso2011]), ("ansi378_record", [Format::Ansi378, Format::Ansi378])] {
        let dir = Path::new(&out).join(target);
        std::fs::create_dir_all(&dir)?;
        for (i, r) in records.iter().filter(|r| formats.contains(&r.format)).enumerate() {
            std::fs::write(dir.join(format!("seed_{i:02}")), r.to_bytes(r.format)?)?;
        }
        println!("{}: {} seeds", dir.display(), std::fs::read_dir(&dir)?.count());
    }
    Ok(())
}
