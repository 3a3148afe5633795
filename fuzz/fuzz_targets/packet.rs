//! Export packets as the hub reads them from a memory card: the parser, the signature
//! check, decryption and the CBOR body decoder must return errors, never panic or
//! allocate without bound, whatever the bytes (docs/formats/packet.md).
#![no_main]

use jatigi_core::sync::event::decode_events;
use jatigi_core::sync::keys::{DeviceKey, ProgrammeKey};
use jatigi_core::sync::ExportPacket;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The whole file as a packet.
    if let Ok(packet) = ExportPacket::parse(data) {
        if let Ok(device) = DeviceKey::from_seed(&[1u8; 32]) {
            let _ = packet.verify(&device.public());
        }
        if let Ok(programme) = ProgrammeKey::from_secret(&[2u8; 32]) {
            let _ = packet.decrypt(&programme);
        }
    }
    // The same bytes as a decrypted body: what a registered but hostile device could send.
    if let Ok(events) = decode_events(data) {
        for event in &events {
            let _ = event.to_household();
        }
    }
});
