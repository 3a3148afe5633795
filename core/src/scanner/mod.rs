//! Fingerprint scanners: the Vero 2 protocol over a byte transport, and a simulated scanner.
//!
//! Layers, bottom up (docs/scanner.md):
//! - [`transport`]: the byte link ([`ByteTransport`]), implemented by the Kotlin shell over
//!   a Bluetooth RFCOMM socket and in memory for tests ([`memory_pair`]);
//! - [`frame`]: root messages, main-mode packets and messages, and the streaming
//!   [`FrameDecoder`]; [`reassembly`]: messages spanning several packets, per route;
//! - [`commands`]: message types and payload layouts;
//! - [`link`] (private): the thread that owns the transport and sorts responses from
//!   [`events`];
//! - [`driver`]: [`Scanner`], one command at a time with timeouts and retries, and the
//!   usual capture flow; errors are [`ScannerError`];
//! - [`simulator`]: [`SimulatedScanner`] speaking the same bytes, with [`Faults`].

pub mod commands;
pub mod driver;
pub mod error;
pub mod events;
pub mod frame;
mod link;
pub mod reassembly;
pub mod simulator;
pub mod transport;

pub use commands::{Battery, ImageFormat, Led, RawImage, SmileLeds, TemplateType, UnifiedVersion};
pub use driver::{Capture, CaptureOptions, Scanner, ScannerConfig, Timeouts};
pub use error::ScannerError;
pub use events::{EventQueue, ScannerEvent};
pub use frame::{FrameDecoder, FrameError};
pub use simulator::{
    ByteFault, Faults, FingerprintSource, FolderSource, SimStats, SimulatedScanner, SimulatorConfig,
};
pub use transport::{memory_pair, ByteTransport, MemoryTransport, TransportError};
