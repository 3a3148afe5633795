//! Arbitrary bytes through the whole receive path: the streaming frame decoder (root and
//! main mode, both directions, any chunking), per-route reassembly, and every payload
//! parser. Nothing may panic, and every frame or message handed on must respect the
//! protocol's caps.
#![no_main]

use jatigi_core::scanner::commands::{
    one_byte, open_image, text, two_bytes, RawImage, SmileLeds, UnifiedVersion,
};
use jatigi_core::scanner::frame::{
    Direction, Frame, FrameDecoder, Mode, RootType, MAX_PACKET_PAYLOAD, MAX_ROOT_DATA,
};
use jatigi_core::scanner::reassembly::Reassembler;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&control, bytes)) = data.split_first() else {
        return;
    };
    // The first byte picks the direction, the starting mode and the chunk size, so the
    // fuzzer explores reads of every size, including one byte at a time.
    let direction = if control & 1 == 0 {
        Direction::ToPhone
    } else {
        Direction::ToScanner
    };
    let mode = if control & 2 == 0 {
        Mode::Root
    } else {
        Mode::Main
    };
    let chunk = usize::from(control >> 2) + 1;

    let mut decoder = FrameDecoder::new(direction, mode);
    let mut assembler = Reassembler::new(direction);
    for piece in bytes.chunks(chunk) {
        decoder.push(piece);
        while let Some(item) = decoder.next() {
            match item {
                Ok(Frame::Root(message)) => {
                    assert!(message.data.len() <= MAX_ROOT_DATA);
                    let _ = UnifiedVersion::decode(&message.data);
                    if message.kind == RootType::EnterMainMode {
                        decoder.set_mode(Mode::Main);
                    }
                }
                Ok(Frame::Packet(packet)) => {
                    assert!(
                        !packet.payload.is_empty() && packet.payload.len() <= MAX_PACKET_PAYLOAD
                    );
                    for message in assembler.push(packet).into_iter().flatten() {
                        assert!(message.data.len() <= message.route.max_message_data());
                        let d = &message.data;
                        let _ = (one_byte(d, "x"), two_bytes(d, "x"), text(d));
                        let _ = SmileLeds::decode(d);
                        if let Ok(image) = open_image(d) {
                            let _ = RawImage::decode(image);
                        }
                    }
                }
                Err(_) => {}
            }
        }
    }
    let _ = decoder.finish();
    let _ = assembler.finish();
    assert!(!decoder.has_partial() && !assembler.has_partial());
});
