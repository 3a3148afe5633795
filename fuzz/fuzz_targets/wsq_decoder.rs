//! Arbitrary bytes through the WSQ decoder (core::biometrics::wsq). Nothing may panic, and
//! a decoded image must be consistent with its stated size. Inputs that start with a valid
//! file (the seed corpus, see docs/formats/wsq.md) let the fuzzer reach the entropy decoder
//! and the inverse transform.
#![no_main]

use jatigi_core::biometrics::wsq;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(image) = wsq::decode(data) {
        assert_eq!(image.pixels.len(), image.width * image.height);
        assert!(image.width <= wsq::MAX_SIDE && image.height <= wsq::MAX_SIDE);
    }
});
