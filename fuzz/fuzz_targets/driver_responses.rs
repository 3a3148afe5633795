//! The driver end to end against a "scanner" that answers with arbitrary bytes: connect,
//! battery and the capture flow must end in a value or a typed error, never a panic or a
//! hang. Timeouts are a few milliseconds so each input runs quickly.
#![no_main]

use std::time::Duration;

use jatigi_core::scanner::{
    ByteTransport, CaptureOptions, Scanner, ScannerConfig, Timeouts, TransportError,
};
use libfuzzer_sys::fuzz_target;

/// Serves the fuzz input as the scanner's bytes, a slice per read, ignoring what is written.
struct Replay {
    bytes: Vec<u8>,
    at: usize,
    slice: usize,
}

impl ByteTransport for Replay {
    fn write(&mut self, _bytes: &[u8]) -> Result<(), TransportError> {
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
        if self.at >= self.bytes.len() {
            std::thread::sleep(timeout);
            return Ok(0);
        }
        let n = self.slice.min(buf.len()).min(self.bytes.len() - self.at);
        buf[..n].copy_from_slice(&self.bytes[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }

    fn close(&mut self) {}
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, bytes)) = data.split_first() else {
        return;
    };
    let transport = Replay {
        bytes: bytes.to_vec(),
        at: 0,
        slice: usize::from(control % 64) + 1,
    };
    let timeouts = Timeouts {
        command: Duration::from_millis(3),
        image: Duration::from_millis(3),
        retries: 1,
        frame_gap: Duration::from_millis(1),
        poll: Duration::from_millis(1),
    };
    let config = ScannerConfig {
        timeouts,
        ..ScannerConfig::default()
    };
    if let Ok(scanner) = Scanner::connect(transport, config) {
        let _ = scanner.battery();
        let _ = scanner.capture_fingerprint(&CaptureOptions::default());
    }
});
