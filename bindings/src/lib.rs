//! Jatigi FFI: the API the Android shell's screens call, generated into Kotlin by uniffi.
//!
//! Shaped for screens, not a mirror of `core` (ARCHITECTURE.md, "Rules"): a screen opens a
//! [`JatigiStore`] with a key provider, signs an operator in ([`OperatorSession`]), enrols a
//! household through an [`EnrollmentSession`], searches by name or finger, and talks to a
//! scanner through a [`ScannerSession`] over the shell's Bluetooth socket. Data crosses as
//! records and enums; long-lived handles are objects; everything that fails raises one flat
//! [`JatigiError`] whose message is fit to show (English or French, [`set_language`]).
//!
//! The shell implements four callback interfaces: [`ByteTransport`] (RFCOMM socket),
//! [`KeyProvider`] (Android Keystore), [`LogSink`] (optional, else Logcat or stderr) and
//! [`ProgressListener`] (long operations, cancelled with a [`CancelToken`]).
//!
//! Threading: every object is `Send + Sync` and may be called from any thread; calls block
//! the calling thread only for their own work (so the shell calls them off the main
//! thread), and locks are held only around the state they protect (`store` documents the
//! order). Panics never cross the boundary: uniffi runs every exported call inside
//! `catch_unwind` and Kotlin gets an `InternalException` instead, and the callbacks that
//! cannot report errors (log sink, transport close) are wrapped the same way.
//!
//! After saving, a household's card is issued and verified through `card` (issue, key
//! ring, verification from the QR text or a photo, the 1:1 check at a distribution), and
//! the tablet's work leaves as encrypted packets through `sync` (provisioning, export,
//! re-export).

mod capture;
mod card;
mod enrollment;
mod error;
mod keys;
mod logging;
mod progress;
mod scanner;
mod store;
mod sync;
mod types;

#[cfg(test)]
mod tests;

pub use capture::CapturedFinger;
pub use card::{verify_card_photo, verify_card_text, CardStatus, CardVerdict, IssuedCard, MemberCheck};
pub use enrollment::{
    AttemptVerdict, CaptureAttempt, Decision, EnrollmentSession, FingerprintImage, HouseholdDetails, MemberDetails,
    MemberMatches, MemberSummary, SavedHousehold, SavedMember,
};
pub use error::{current_language, set_language, JatigiError, Language};
pub use keys::{KeyProvider, KeyProviderError};
pub use logging::{log_to_platform, log_to_sink, LogLevel, LogRecord, LogSink};
pub use progress::{CancelToken, Progress, ProgressListener, Stage};
pub use scanner::{ByteTransport, ScannerSession, ScannerStatus, SimulatedLink, SimulatedScanner, SimulatorFaults, TransportError};
pub use store::{JatigiStore, NewOperator, OperatorSession, PersonCheck, StoreSummary};
pub use sync::{DeviceIdentity, ExportedPacket};
pub use types::*;

uniffi::setup_scaffolding!();
