//! Arbitrary bytes through the ISO/IEC 19794-2 readers (2005 and 2011) and format
//! detection: every input ends in a record or a typed error, never a panic. A record that
//! reads and writes back in its own format must read back equal, its templates must build,
//! and whatever it converts to must read again.
#![no_main]

use jatigi_core::biometrics::formats::{iso2005, iso2011, read_any, FingerRecord, Format};
use libfuzzer_sys::fuzz_target;

fn check(record: &FingerRecord) {
    let _ = record.to_templates();
    if let Ok(bytes) = record.to_bytes(record.format) {
        assert_eq!(read_any(&bytes).as_ref(), Ok(record), "round trip");
    }
    for target in [Format::Iso2005, Format::Iso2011, Format::Ansi378] {
        if let Ok(bytes) = record.to_bytes(target) {
            assert!(read_any(&bytes).is_ok(), "a record we wrote as {target} does not read");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    for read in [iso2005::read, iso2011::read] {
        if let Ok(record) = read(data) {
            check(&record);
        }
    }
    if let Ok(record) = read_any(data) {
        check(&record);
    }
});
