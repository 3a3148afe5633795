//! Arbitrary bytes through the ANSI/INCITS 378-2004 reader: every input ends in a record
//! or a typed error, never a panic. A record that reads and writes back must read back
//! equal, its templates must build, and whatever it converts to must read again.
#![no_main]

use jatigi_core::biometrics::formats::{ansi378, read_any, Format};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(record) = ansi378::read(data) else {
        return;
    };
    let _ = record.to_templates();
    if let Ok(bytes) = record.to_bytes(Format::Ansi378) {
        assert_eq!(read_any(&bytes).as_ref(), Ok(&record), "round trip");
    }
    for target in [Format::Iso2005, Format::Iso2011] {
        if let Ok(bytes) = record.to_bytes(target) {
            assert!(read_any(&bytes).is_ok(), "a record we wrote as {target} does not read");
        }
    }
});
