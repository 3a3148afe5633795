//! The third-party ISO/IEC 19794-2:2005 records beside the FVC2002 images (made by the
//! SecuGen SDK, see ../shared/data/fingerprints/README.md) read, write and read again to
//! equal records and templates, and survive a trip through ISO 2011 and ANSI 378 with their
//! minutiae intact up to angle quantisation.
//!
//! The files are not in this repository: without ../shared the test prints a note and
//! passes.

use std::path::{Path, PathBuf};

use jatigi_core::biometrics::formats::{detect, read_any, Format};

fn fvc2002() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/fingerprints/fvc2002")
}

/// Every `.iso` file under fvc2002/DB*_B, sorted.
fn iso_files() -> Option<Vec<PathBuf>> {
    let root = fvc2002();
    let folders = std::fs::read_dir(&root).ok()?;
    let mut files: Vec<PathBuf> = folders
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .flat_map(|dir| std::fs::read_dir(dir).into_iter().flatten().filter_map(|e| e.ok().map(|e| e.path())))
        .filter(|p| p.extension().is_some_and(|e| e == "iso"))
        .collect();
    files.sort();
    Some(files)
}

#[test]
fn the_fvc2002_secugen_records_read_write_and_read_again_equal() {
    let Some(files) = iso_files() else {
        eprintln!("note: {} not found; skipping the FVC2002 .iso round trip", fvc2002().display());
        return;
    };
    assert_eq!(files.len(), 320, "4 folders × 80 records");
    for path in &files {
        let bytes = std::fs::read(path).expect("readable file");
        assert_eq!(detect(&bytes), Ok(Format::Iso2005), "{}", path.display());
        let record = read_any(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let written = record.to_bytes(Format::Iso2005).expect("writes");
        // SecuGen's records are canonical (reserved bits zero), so even the bytes agree.
        assert_eq!(written, bytes, "{}", path.display());
        let again = read_any(&written).expect("reads again");
        assert_eq!(again, record);
        assert_eq!(again.to_templates(), record.to_templates());
    }
}

#[test]
fn the_fvc2002_records_survive_iso_2011_and_ansi_378() {
    let Some(files) = iso_files() else {
        eprintln!("note: {} not found; skipping the FVC2002 .iso conversions", fvc2002().display());
        return;
    };
    for path in files.iter().step_by(7) {
        let record = read_any(&std::fs::read(path).expect("readable file")).expect("valid");
        let template = record.first_template().expect("one view");
        // ISO 2011 has the same units: the template comes back exactly.
        let iso2011 = read_any(&record.to_bytes(Format::Iso2011).expect("writes")).expect("reads");
        assert_eq!(iso2011.format, Format::Iso2011);
        assert_eq!(iso2011.first_template(), Ok(template.clone()), "{}", path.display());
        // ANSI's 2-degree unit moves each angle by at most one ISO unit.
        let ansi = read_any(&record.to_bytes(Format::Ansi378).expect("writes")).expect("reads");
        assert_eq!(ansi.format, Format::Ansi378);
        let back = ansi.first_template().expect("one view");
        assert_eq!(back.minutiae.len(), template.minutiae.len());
        for (a, b) in template.minutiae.iter().zip(&back.minutiae) {
            assert_eq!((a.x, a.y, a.kind, a.quality), (b.x, b.y, b.kind, b.quality));
            let d = (i32::from(a.angle) - i32::from(b.angle)).rem_euclid(256);
            assert!(d.min(256 - d) <= 1, "{}: {a:?} vs {b:?}", path.display());
        }
    }
}
