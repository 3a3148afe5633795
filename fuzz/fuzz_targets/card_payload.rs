//! The card parse path on hostile input: card text (prefix, Base45, bounded zlib, COSE_Sign1,
//! CWT claims) and raw COSE bytes must give a verdict, never a panic or a large allocation.
#![no_main]

use jatigi_core::card::{payload, verify_cose, verify_text, CardClaims, KeyRing};
use jatigi_core::registry::Timestamp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let ring = KeyRing::new();
    let now = Timestamp(1_748_736_000);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = verify_text(text, &ring, now);
    }
    let _ = verify_cose(data, &ring, now);
    let _ = CardClaims::from_cbor(data);
    let _ = payload::decompress(data);
    // The same bytes behind a valid text layer, so the fuzzer reaches COSE quickly.
    let text = format!("{}{}", payload::PREFIX, jatigi_core::card::base45::encode(&payload::compress(data)));
    let _ = verify_text(&text, &ring, now);
});
