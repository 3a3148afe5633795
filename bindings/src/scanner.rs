//! Scanner sessions over a byte transport the shell implements (a Bluetooth RFCOMM socket),
//! and the simulated scanner for tests and demonstrations.
//!
//! Kotlin moves bytes and nothing else: [`ByteTransport`] is write, read with a timeout,
//! close. Core's driver runs the Vero 2 protocol on its own link thread, which is the only
//! thread that calls the transport. [`SimulatedScanner`] is core's simulator serving
//! synthetic fingers; its phone end ([`SimulatedLink`]) is handed to Kotlin so a test's
//! Kotlin transport can forward to it, the same path a real socket takes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use jatigi_core::biometrics::FingerImage;
use jatigi_core::scanner::{
    self, transport, Battery, CaptureOptions, Faults, MemoryTransport, Scanner, ScannerConfig, SimulatorConfig,
};
use jatigi_core::synth::{self, ImpressionParams, Master};
// Core's transport trait, for `MemoryTransport`'s methods (the `ByteTransport` named here is
// the shell's).
use transport::ByteTransport as _;

use crate::capture::CapturedFinger;
use crate::error::JatigiError;
use crate::types::Finger;

/// Why the byte link failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum TransportError {
    /// The link is closed (by either end, or the radio dropped it).
    #[error("the link is closed")]
    Closed,
    /// The platform reported an I/O failure.
    #[error("{reason}")]
    Io { reason: String },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for TransportError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        TransportError::Io { reason: e.reason }
    }
}

impl From<TransportError> for transport::TransportError {
    fn from(e: TransportError) -> Self {
        match e {
            TransportError::Closed => transport::TransportError::Closed,
            TransportError::Io { reason } => transport::TransportError::Io(reason),
        }
    }
}

impl From<transport::TransportError> for TransportError {
    fn from(e: transport::TransportError) -> Self {
        match e {
            transport::TransportError::Closed => TransportError::Closed,
            transport::TransportError::Io(reason) => TransportError::Io { reason },
        }
    }
}

/// The byte link to one scanner; the shell implements it over a `BluetoothSocket`.
///
/// Called from one Rust thread at a time (the scanner's link thread). `read` must honour its
/// timeout (RFCOMM streams do not: read them on a thread of your own into a queue).
#[uniffi::export(callback_interface)]
pub trait ByteTransport: Send + Sync {
    /// Send all of `bytes`.
    fn write(&self, bytes: Vec<u8>) -> Result<(), TransportError>;
    /// Up to `max_len` bytes that have arrived, waiting at most `timeout_ms` for the first;
    /// empty when none came in time. Return as soon as any byte is there.
    fn read(&self, max_len: u32, timeout_ms: u32) -> Result<Vec<u8>, TransportError>;
    /// Close the link; later reads and writes throw `Closed`.
    fn close(&self);
}

/// Core's transport trait over the shell's.
struct ForeignTransport {
    link: Box<dyn ByteTransport>,
    /// Bytes a `read` returned beyond what core asked for (a careless implementation).
    pending: Vec<u8>,
}

impl transport::ByteTransport for ForeignTransport {
    fn write(&mut self, bytes: &[u8]) -> Result<(), transport::TransportError> {
        Ok(self.link.write(bytes.to_vec())?)
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, transport::TransportError> {
        if self.pending.is_empty() {
            let max_len = u32::try_from(buf.len()).unwrap_or(u32::MAX);
            let timeout_ms = u32::try_from(timeout.as_millis()).unwrap_or(u32::MAX);
            self.pending = self.link.read(max_len, timeout_ms)?;
        }
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        Ok(n)
    }

    fn close(&mut self) {
        // `close` has no error to return: an exception thrown by the shell must not end
        // the link thread with a panic.
        let link = &self.link;
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| link.close()));
    }
}

/// Core's transport over the shell's one.
pub(crate) fn foreign(link: Box<dyn ByteTransport>) -> impl transport::ByteTransport {
    ForeignTransport { link, pending: Vec::new() }
}

/// The scanner's battery and firmware, for the connection screen.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ScannerStatus {
    /// Charge, 0-100.
    pub battery_percent: u8,
    pub battery_celsius: f32,
    /// The scanner's firmware (its STM controller).
    pub firmware: String,
    /// The fingerprint sensor's firmware version, as reported when connecting.
    pub sensor_firmware: String,
}

/// A connection to one fingerprint scanner. Safe from any thread; one command runs at a
/// time and a second one meanwhile fails with `ScannerBusy`.
#[derive(uniffi::Object)]
pub struct ScannerSession {
    /// Write-locked only to connect or disconnect: commands share the read lock, and the
    /// driver serialises them itself.
    scanner: RwLock<Scanner>,
}

#[uniffi::export]
impl ScannerSession {
    /// Connect to a scanner over `transport`: read its version and enter main mode.
    #[uniffi::constructor]
    pub fn connect(transport: Box<dyn ByteTransport>) -> Result<Arc<Self>, JatigiError> {
        let scanner = Scanner::connect(foreign(transport), ScannerConfig::default())?;
        Ok(Arc::new(ScannerSession { scanner: RwLock::new(scanner) }))
    }

    /// Connect straight to a simulated scanner, without a Kotlin transport (demonstration
    /// mode, and a baseline for measuring the transport).
    #[uniffi::constructor]
    pub fn connect_simulated(simulator: Arc<SimulatedScanner>) -> Result<Arc<Self>, JatigiError> {
        let scanner = Scanner::connect(SimulatedLink::open(simulator), ScannerConfig::default())?;
        Ok(Arc::new(ScannerSession { scanner: RwLock::new(scanner) }))
    }

    /// Drop the current link and connect over a new one (after `ScannerDisconnected`; wait
    /// about a second after closing a Bluetooth socket before opening the next).
    pub fn reconnect(&self, transport: Box<dyn ByteTransport>) -> Result<(), JatigiError> {
        let mut scanner = self.scanner.write().unwrap_or_else(|e| e.into_inner());
        scanner.reconnect(foreign(transport))?;
        Ok(())
    }

    /// Close the link.
    pub fn disconnect(&self) {
        self.scanner.write().unwrap_or_else(|e| e.into_inner()).disconnect();
    }

    /// Whether the link is up.
    pub fn is_connected(&self) -> bool {
        self.read().is_connected()
    }

    /// Battery and firmware.
    pub fn status(&self) -> Result<ScannerStatus, JatigiError> {
        let scanner = self.read();
        let battery: Battery = scanner.battery()?;
        // The sensor powers itself off when idle: its version comes from the connection's
        // unified version rather than from asking it (which would wake it up).
        let sensor = scanner.version().map(|v| format!("{}.{}", v.un20.firmware_major, v.un20.firmware_minor));
        Ok(ScannerStatus {
            battery_percent: battery.percent,
            battery_celsius: battery.temperature_celsius(),
            firmware: scanner.stm_version()?,
            sensor_firmware: sensor.unwrap_or_default(),
        })
    }

    /// Scan `finger` once (the usual flow: battery, sensor power, LEDs, retries while no
    /// finger) and keep the capture in the core: Kotlin gets an opaque handle with the
    /// quality and a preview, to pass to `EnrollmentSession.addCapture`,
    /// `OperatorSession.identify`, `verifyPerson` or `checkMemberWithCapture`. Poor prints
    /// are returned, not refused: the enrollment's best-of-N policy decides. Blocks while
    /// the person places the finger (seconds): call it off the main thread.
    pub fn capture(&self, finger: Finger) -> Result<Arc<CapturedFinger>, JatigiError> {
        CapturedFinger::from_scan(finger, self.scan(true)?)
    }

    /// Wait until the scanner's button is pressed (`ScannerTimeout` if nobody does;
    /// `TriggerStuck` when it presses itself).
    pub fn wait_for_trigger(&self, timeout_ms: u32) -> Result<(), JatigiError> {
        Ok(self.read().wait_for_trigger(Duration::from_millis(u64::from(timeout_ms)))?)
    }
}

/// One scan as the enrollment and search code needs it.
pub(crate) struct Scan {
    pub quality: u8,
    pub template: jatigi_core::biometrics::Template,
    pub image: Option<FingerImage>,
    /// The image as the WSQ file the scanner sent (what the registry stores).
    pub wsq: Option<Vec<u8>>,
}

impl ScannerSession {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Scanner> {
        self.scanner.read().unwrap_or_else(|e| e.into_inner())
    }

    /// One capture through the usual flow (battery, sensor power, LEDs, retries while no
    /// finger). Poor prints are returned, not refused: the enrollment's best-of-N policy
    /// decides.
    pub(crate) fn scan(&self, with_image: bool) -> Result<Scan, JatigiError> {
        let options = CaptureOptions { allow_low_quality: true, with_image, ..CaptureOptions::default() };
        let capture = self.read().capture_fingerprint(&options)?;
        let template = capture.jatigi_template()?;
        let image = match capture.image {
            Some(raw) => Some(
                FingerImage::from_gray_500dpi(usize::from(raw.width), usize::from(raw.height), raw.pixels)
                    .map_err(|e| JatigiError::ScannerFailed { detail: e.to_string() })?,
            ),
            None => None,
        };
        Ok(Scan { quality: capture.quality, template, image, wsq: capture.wsq })
    }
}

/// Faults the simulated scanner can inject (the field's failure modes).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SimulatorFaults {
    /// The next image transfer stops half way and the link drops (once).
    #[uniffi(default = false)]
    pub disconnect_mid_image: bool,
    /// The battery is nearly flat.
    #[uniffi(default = false)]
    pub low_battery: bool,
    /// This many captures find no finger before one succeeds.
    #[uniffi(default = 0)]
    pub no_finger: u32,
    /// Every capture reports this quality.
    #[uniffi(default = None)]
    pub poor_quality: Option<u8>,
    /// The button presses itself every 50 ms.
    #[uniffi(default = false)]
    pub stuck_trigger: bool,
    /// Wait before every answer, in milliseconds.
    #[uniffi(default = 0)]
    pub delay_ms: u32,
}

/// Who stands at the simulated scanner: synthetic people, each a number, whose ten fingers
/// are synthetic masters; each capture is a fresh impression of the finger presented.
#[derive(Default)]
struct Booth {
    seed: u64,
    person: u64,
    impressions: u64,
    masters: HashMap<(u64, u8), Master>,
}

/// A simulated Vero 2 scanner serving synthetic fingerprints, for tests and demonstrations.
#[derive(uniffi::Object)]
pub struct SimulatedScanner {
    sim: scanner::SimulatedScanner,
    booth: Arc<Mutex<Booth>>,
}

#[uniffi::export]
impl SimulatedScanner {
    /// A scanner whose people are drawn from `seed`: person 7 of seed 1 always has the same
    /// fingers, so presenting them twice plants a duplicate.
    #[uniffi::constructor]
    pub fn new(seed: u64) -> Arc<Self> {
        let booth = Arc::new(Mutex::new(Booth { seed, ..Booth::default() }));
        let source_booth = Arc::clone(&booth);
        let source = move |finger: u8| -> Option<FingerImage> {
            let mut booth = lock(&source_booth);
            booth.impressions += 1;
            let (person, n) = (booth.person, booth.impressions);
            let person_seed = synth::master_seed(booth.seed, person);
            let master = booth
                .masters
                .entry((person, finger))
                .or_insert_with(|| synth::master(synth::master_seed(person_seed, u64::from(finger))));
            // Enrollment captures are careful ones: an operator places the finger.
            Some(synth::impression_with(master, n, &ImpressionParams::cooperative()))
        };
        let sim = scanner::SimulatedScanner::new(source, SimulatorConfig::default());
        Arc::new(SimulatedScanner { sim, booth })
    }

    /// Person `person` puts `finger` on the sensor: the next captures scan it.
    pub fn present(&self, person: u64, finger: Finger) {
        lock(&self.booth).person = person;
        self.sim.place_finger(jatigi_core::registry::FingerPosition::from(finger).code());
    }

    /// Open a new link to the scanner and return the phone's end (a previous link drops).
    /// The link keeps the scanner alive: it is served until it is closed, whether or not
    /// the caller still holds the scanner.
    pub fn connect(self: Arc<Self>) -> Arc<SimulatedLink> {
        Arc::new(SimulatedLink::open(self))
    }

    /// Drop the current link, as a scanner switched off does.
    pub fn hang_up(&self) {
        self.sim.hang_up();
    }

    /// Press the scanner's button once.
    pub fn press_trigger(&self) {
        self.sim.press_trigger();
    }

    /// Replace the injected faults.
    pub fn set_faults(&self, faults: SimulatorFaults) {
        self.sim.set_faults(Faults {
            disconnect_mid_image: faults.disconnect_mid_image,
            low_battery: faults.low_battery,
            no_finger: faults.no_finger,
            poor_quality: faults.poor_quality,
            stuck_trigger: faults.stuck_trigger,
            delay: Duration::from_millis(u64::from(faults.delay_ms)),
            ..Faults::default()
        });
    }
}

/// The phone's end of a link to a [`SimulatedScanner`], for a Kotlin `ByteTransport` to
/// forward to (the same calls a Bluetooth socket would get). Safe from any thread: a
/// thread waiting in `read` holds up no other thread's `write` or `close_link`.
#[derive(uniffi::Object)]
pub struct SimulatedLink {
    /// Shared, not locked: `&MemoryTransport` reads and writes (each direction is its own
    /// locked pipe).
    end: MemoryTransport,
    /// The scanner at the other end, held so that it outlives every link to it: the last
    /// handle to a simulated scanner going hangs up its link, and on the JVM that happens
    /// whenever the garbage collector finds the Kotlin `SimulatedScanner` unreachable, with
    /// its link still in use.
    _scanner: Arc<SimulatedScanner>,
}

impl SimulatedLink {
    /// A new link to `scanner` (its previous link drops).
    fn open(scanner: Arc<SimulatedScanner>) -> SimulatedLink {
        SimulatedLink { end: scanner.sim.connect(), _scanner: scanner }
    }
}

/// The driver's transport in `ScannerSession::connect_simulated`: the link straight, no
/// Kotlin in between.
impl transport::ByteTransport for SimulatedLink {
    fn write(&mut self, bytes: &[u8]) -> Result<(), transport::TransportError> {
        self.end.write(bytes)
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, transport::TransportError> {
        self.end.read(buf, timeout)
    }

    fn close(&mut self) {
        self.end.close();
    }
}

#[uniffi::export]
impl SimulatedLink {
    pub fn write(&self, bytes: Vec<u8>) -> Result<(), TransportError> {
        Ok((&self.end).write(&bytes)?)
    }

    pub fn read(&self, max_len: u32, timeout_ms: u32) -> Result<Vec<u8>, TransportError> {
        // A scanner message is at most a few kilobytes: cap what a careless caller asks for.
        let mut buf = vec![0u8; (max_len as usize).min(1 << 20)];
        let n = (&self.end).read(&mut buf, Duration::from_millis(u64::from(timeout_ms)))?;
        buf.truncate(n);
        Ok(buf)
    }

    /// Close the link (named so because generated Kotlin objects already have `close()`,
    /// which frees the object).
    pub fn close_link(&self) {
        (&self.end).close();
    }

    pub fn is_closed(&self) -> bool {
        self.end.is_closed()
    }
}

/// A poisoned lock only means a panic was caught at the boundary; the data is still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
