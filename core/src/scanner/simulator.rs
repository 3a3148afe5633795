//! A simulated Vero 2 scanner speaking the same bytes as the real one over an in-memory
//! link, for tests, the demo and development without hardware.
//!
//! Fingerprints come from a [`FingerprintSource`] (a folder of images, a closure, or later
//! the synthetic generator); quality and template are computed with Jatigi's own engine,
//! as the UN20 computes them on the sensor, and sent as the UN20 sends them: ISO/IEC
//! 19794-2:2011 templates, and images raw or WSQ.
//!
//! [`Faults`] inject the field's failure modes, deterministically from a seed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::biometrics::formats::{FingerRecord, Format};
use crate::biometrics::wsq;

use super::commands::{
    seal_image, stm, un20, Battery, CaptureStatus, ComponentVersion, ImageFormat, RawImage,
    SmileLeds, TemplateType, UnifiedVersion, NO, RESULT_ERROR, RESULT_OK, YES,
};
use super::frame::{Direction, Frame, FrameDecoder, Message, Mode, RootMessage, RootType, Route};
use super::reassembly::Reassembler;
use super::transport::{memory_pair, ByteTransport, MemoryTransport};
use crate::biometrics::{extract, FingerImage};

/// WSQ compression ratio when the "get image" command names none (the facts' usual 15).
const DEFAULT_WSQ_RATIO: u8 = 15;

/// Longest wait in one read of the simulator's loop.
const POLL: Duration = Duration::from_millis(5);
/// A stuck trigger repeats its press this often.
pub const STUCK_TRIGGER_INTERVAL: Duration = Duration::from_millis(50);
/// Battery charge reported under the low-battery fault.
pub const LOW_BATTERY_PERCENT: u8 = 3;
/// Bytes of a half-sent image packet left on the link under the stale-bytes fault.
const STALE_BYTES: usize = 200;

/// Where the simulator's fingerprints come from.
pub trait FingerprintSource: Send {
    /// The next impression of `finger` (whatever numbering the source uses), at 500 dpi;
    /// `None` when there is none, which the scanner reports as no finger.
    fn next_image(&mut self, finger: u8) -> Option<FingerImage>;
}

impl<F: FnMut(u8) -> Option<FingerImage> + Send> FingerprintSource for F {
    fn next_image(&mut self, finger: u8) -> Option<FingerImage> {
        self(finger)
    }
}

/// Images from a folder, in name order. Files named FVC-style, `{finger}_{impression}.png`
/// (an `f` before the finger number is allowed), are served for their finger in turn;
/// if no file matches the finger asked for, every image in the folder is served in turn.
#[derive(Debug, Clone)]
pub struct FolderSource {
    files: Vec<PathBuf>,
    dpi: u32,
    served: HashMap<u8, usize>,
}

impl FolderSource {
    /// Every PNG, TIFF, BMP or JPEG file in `dir`, read as scanned at `dpi`.
    pub fn open(dir: &Path, dpi: u32) -> std::io::Result<FolderSource> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| {
                path.extension()
                    .and_then(|e| e.to_str())
                    .map(|e| e.to_ascii_lowercase())
                    .is_some_and(|e| {
                        matches!(e.as_str(), "png" | "tif" | "tiff" | "bmp" | "jpg" | "jpeg")
                    })
            })
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("no fingerprint images in {}", dir.display()),
            ));
        }
        Ok(FolderSource {
            files,
            dpi,
            served: HashMap::new(),
        })
    }

    fn finger_of(path: &Path) -> Option<u8> {
        let stem = path.file_stem()?.to_str()?;
        let stem = stem.strip_prefix('f').unwrap_or(stem);
        stem.split('_').next()?.parse().ok()
    }
}

impl FingerprintSource for FolderSource {
    fn next_image(&mut self, finger: u8) -> Option<FingerImage> {
        let matching: Vec<&PathBuf> = self
            .files
            .iter()
            .filter(|p| FolderSource::finger_of(p) == Some(finger))
            .collect();
        let candidates = if matching.is_empty() {
            self.files.iter().collect()
        } else {
            matching
        };
        let served = self.served.entry(finger).or_insert(0);
        let path = candidates.get(*served % candidates.len().max(1))?;
        *served += 1;
        match FingerImage::open(path, self.dpi) {
            Ok(image) => Some(image),
            Err(e) => {
                log::warn!("simulated scanner: {}: {e}", path.display());
                None
            }
        }
    }
}

/// A fault applied to single bytes the scanner sends.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ByteFault {
    /// Probability that a given byte is hit, 0.0-1.0.
    pub rate: f64,
    /// Most bytes hit in all (then the fault stops); `u32::MAX` for no limit.
    pub limit: u32,
}

impl ByteFault {
    /// Hit bytes at `rate`, at most `limit` of them.
    pub fn new(rate: f64, limit: u32) -> ByteFault {
        ByteFault { rate, limit }
    }
}

/// The field's failure modes (facts, "Field failure modes"), injected on demand.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Faults {
    /// Seed of every random choice below.
    pub seed: u64,
    /// Bytes the scanner sends that are lost on the way.
    pub drop_bytes: ByteFault,
    /// Bytes the scanner sends that arrive twice.
    pub duplicate_bytes: ByteFault,
    /// Wait before every answer.
    pub delay: Duration,
    /// The next image transfer stops half way and the link drops (once).
    pub disconnect_mid_image: bool,
    /// The battery is nearly flat: it reports [`LOW_BATTERY_PERCENT`] and the sensor fails
    /// to capture.
    pub low_battery: bool,
    /// This many captures find no finger before one succeeds.
    pub no_finger: u32,
    /// Every capture reports this quality instead of the engine's.
    pub poor_quality: Option<u8>,
    /// The trigger button is stuck: a press every [`STUCK_TRIGGER_INTERVAL`].
    pub stuck_trigger: bool,
    /// Each new connection starts with the tail of a half-sent image packet on the link.
    pub stale_bytes_on_connect: bool,
}

/// The simulated scanner's identity and starting state.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulatorConfig {
    pub version: UnifiedVersion,
    pub stm_version: String,
    pub un20_version: String,
    pub battery: Battery,
    /// Resolutions the sensor captures at.
    pub supported_dpi: Vec<u16>,
    /// Whether the UN20 is powered when the simulator starts (real scanners power it off
    /// after an idle time, so the driver must check).
    pub un20_on_at_start: bool,
    pub faults: Faults,
}

impl Default for SimulatorConfig {
    fn default() -> SimulatorConfig {
        let component = |major, minor| ComponentVersion {
            api_major: 1,
            api_minor: 0,
            firmware_major: major,
            firmware_minor: minor,
        };
        SimulatorConfig {
            version: UnifiedVersion {
                master: 0x0001_0004_0002_0000,
                bluetooth: component(1, 4),
                stm: component(2, 1),
                un20: component(1, 7),
            },
            stm_version: "Jatigi simulated STM 2.1".into(),
            un20_version: "Jatigi simulated UN20 1.7".into(),
            battery: Battery::default(),
            supported_dpi: vec![500],
            un20_on_at_start: false,
            faults: Faults::default(),
        }
    }
}

/// What the simulator did, for tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SimStats {
    pub connections: u32,
    pub commands: u32,
    pub captures: u32,
    pub images_sent: u32,
    pub bytes_dropped: u32,
    pub bytes_duplicated: u32,
    pub trigger_presses: u32,
    /// Times the phone asked which image formats the sensor offers.
    pub image_format_queries: u32,
}

/// A finger scanned by the simulated sensor.
struct Scan {
    image: FingerImage,
    quality: u8,
    template: Vec<u8>,
}

struct SimState {
    config: SimulatorConfig,
    source: Box<dyn FingerprintSource>,
    rng: SplitMix64,
    finger: u8,
    un20_on: bool,
    trigger_enabled: bool,
    leds: SmileLeds,
    scan_led: bool,
    /// The finger on the sensor, scanned for the quality preview and not yet captured.
    staged: Option<Scan>,
    captured: Option<Scan>,
    pending_presses: u32,
    no_finger_left: u32,
    stats: SimStats,
}

/// One connection's serving thread.
struct Connection {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

/// A simulated scanner; each [`connect`](SimulatedScanner::connect) is a new Bluetooth
/// link to it, served on its own thread. Its state (battery, sensor power, last capture)
/// lives across links, as a real scanner's does.
pub struct SimulatedScanner {
    state: Arc<Mutex<SimState>>,
    connection: Mutex<Option<Connection>>,
}

impl SimulatedScanner {
    /// A scanner serving images from `source`.
    pub fn new(
        source: impl FingerprintSource + 'static,
        config: SimulatorConfig,
    ) -> SimulatedScanner {
        let faults = config.faults.clone();
        let state = SimState {
            rng: SplitMix64(faults.seed),
            no_finger_left: faults.no_finger,
            un20_on: config.un20_on_at_start,
            config,
            source: Box::new(source),
            finger: 1,
            trigger_enabled: true,
            leds: SmileLeds::off(),
            scan_led: false,
            staged: None,
            captured: None,
            pending_presses: 0,
            stats: SimStats::default(),
        };
        SimulatedScanner {
            state: Arc::new(Mutex::new(state)),
            connection: Mutex::new(None),
        }
    }

    /// Open a new link to the scanner and return the phone's end. A previous link is
    /// dropped, as when the tablet reconnects.
    pub fn connect(&self) -> MemoryTransport {
        self.hang_up();
        let (phone, scanner) = memory_pair();
        let stop = Arc::new(AtomicBool::new(false));
        let state = Arc::clone(&self.state);
        let thread_stop = Arc::clone(&stop);
        lock(&self.state).stats.connections += 1;
        let thread = std::thread::Builder::new()
            .name("simulated-scanner".into())
            .spawn(move || serve(scanner, &state, &thread_stop))
            .expect("spawning the simulated scanner thread");
        *lock(&self.connection) = Some(Connection { stop, thread });
        phone
    }

    /// Drop the current link, if any.
    pub fn hang_up(&self) {
        if let Some(connection) = lock(&self.connection).take() {
            if !connection.thread.is_finished() {
                log::debug!("simulated scanner: hanging up the link it is serving");
            }
            connection.stop.store(true, Ordering::SeqCst);
            let _ = connection.thread.join();
        }
    }

    /// Which finger the person puts on the sensor next (passed to the source).
    pub fn place_finger(&self, finger: u8) {
        let mut state = lock(&self.state);
        state.finger = finger;
        state.staged = None;
    }

    /// Press the trigger button once.
    pub fn press_trigger(&self) {
        lock(&self.state).pending_presses += 1;
    }

    /// Replace the injected faults (the random sequence restarts from their seed).
    pub fn set_faults(&self, faults: Faults) {
        let mut state = lock(&self.state);
        state.rng = SplitMix64(faults.seed);
        state.no_finger_left = faults.no_finger;
        state.config.faults = faults;
    }

    /// Set what the battery gauge reports.
    pub fn set_battery(&self, battery: Battery) {
        lock(&self.state).config.battery = battery;
    }

    /// Power the UN20 off, as its idle timer does.
    pub fn power_off_un20(&self) {
        lock(&self.state).un20_on = false;
    }

    /// The smile LEDs as last set.
    pub fn leds(&self) -> SmileLeds {
        lock(&self.state).leds
    }

    /// Counters of what the scanner did.
    pub fn stats(&self) -> SimStats {
        lock(&self.state).stats
    }
}

impl Drop for SimulatedScanner {
    fn drop(&mut self) {
        self.hang_up();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// What to do after handling a command.
enum Reply {
    /// Send these bytes (faults applied).
    Send(Vec<u8>),
    /// Send the first half of these bytes, then drop the link.
    SendHalfAndHangUp(Vec<u8>),
    /// Nothing: the command is unknown, or addressed to a powered-off sensor.
    Silence,
}

fn serve(mut link: MemoryTransport, state: &Mutex<SimState>, stop: &AtomicBool) {
    let mut decoder = FrameDecoder::new(Direction::ToScanner, Mode::Root);
    let mut assembler = Reassembler::new(Direction::ToScanner);
    let mut buf = vec![0u8; 4096];
    let mut next_stuck_press = Instant::now();
    if lock(state).config.faults.stale_bytes_on_connect {
        let stale = lock(state).stale_bytes();
        if link.write(&stale).is_err() {
            return;
        }
    }
    while !stop.load(Ordering::SeqCst) {
        if decoder.mode() == Mode::Main {
            let events = lock(state).due_events(&mut next_stuck_press);
            if !events.is_empty() && link.write(&events).is_err() {
                break;
            }
        }
        let n = match link.read(&mut buf, POLL) {
            Ok(n) => n,
            Err(e) => {
                log::debug!("simulated scanner: the link ended: {e}");
                break;
            }
        };
        decoder.push(&buf[..n.min(buf.len())]);
        while let Some(frame) = decoder.next() {
            let replies = match frame {
                Ok(Frame::Root(message)) => {
                    let reply = lock(state).root(&message);
                    if message.kind == RootType::EnterMainMode {
                        decoder.set_mode(Mode::Main);
                    }
                    vec![reply]
                }
                Ok(Frame::Packet(packet)) => assembler
                    .push(packet)
                    .into_iter()
                    .filter_map(Result::ok)
                    .flat_map(|m| lock(state).command(&m))
                    .collect(),
                Err(e) => {
                    log::debug!("simulated scanner: bad bytes from the phone: {e}");
                    Vec::new()
                }
            };
            for reply in replies {
                if !send(&mut link, state, reply, stop) {
                    link.close();
                    return;
                }
            }
        }
    }
    link.close();
}

/// Send a reply with the faults applied; false once the link is gone.
fn send(
    link: &mut MemoryTransport,
    state: &Mutex<SimState>,
    reply: Reply,
    stop: &AtomicBool,
) -> bool {
    let delay = lock(state).config.faults.delay;
    match reply {
        Reply::Silence => true,
        Reply::Send(bytes) => {
            // Sleep in slices so that hanging up does not wait for a long delay.
            let until = Instant::now() + delay;
            while Instant::now() < until {
                if stop.load(Ordering::SeqCst) {
                    return false;
                }
                std::thread::sleep(POLL.min(until.saturating_duration_since(Instant::now())));
            }
            let bytes = lock(state).corrupt(&bytes);
            link.write(&bytes).is_ok()
        }
        Reply::SendHalfAndHangUp(bytes) => {
            let half = lock(state).corrupt(&bytes[..bytes.len() / 2]);
            let _ = link.write(&half);
            false
        }
    }
}

/// Wire bytes of one message to the phone.
fn to_phone(route: Route, kind: (u8, u8), data: Vec<u8>) -> Vec<u8> {
    Message::new(route, kind, data)
        .to_packets(Direction::ToPhone)
        .unwrap_or_default()
}

impl SimState {
    fn battery(&self) -> Battery {
        if self.config.faults.low_battery {
            Battery {
                percent: LOW_BATTERY_PERCENT,
                voltage_mv: 3300,
                ..self.config.battery
            }
        } else {
            self.config.battery
        }
    }

    fn root(&mut self, message: &RootMessage) -> Reply {
        self.stats.commands += 1;
        let data = match message.kind {
            RootType::UnifiedVersion => self.config.version.encode(),
            RootType::EnterMainMode => Vec::new(),
            RootType::ExtendedVersion => {
                let mut out = Vec::new();
                for s in [
                    "Jatigi simulated BT",
                    &self.config.stm_version,
                    &self.config.un20_version,
                ] {
                    let bytes = &s.as_bytes()[..s.len().min(255)];
                    out.push(bytes.len() as u8);
                    out.extend_from_slice(bytes);
                }
                out
            }
            _ => return Reply::Silence,
        };
        match (RootMessage {
            kind: message.kind,
            data,
        })
        .encode()
        {
            Ok(bytes) => Reply::Send(bytes),
            Err(_) => Reply::Silence,
        }
    }

    fn command(&mut self, message: &Message) -> Vec<Reply> {
        self.stats.commands += 1;
        match message.route {
            Route::Stm => self.stm(message),
            Route::Un20 if self.un20_on => vec![self.un20(message)],
            _ => vec![Reply::Silence],
        }
    }

    fn stm(&mut self, message: &Message) -> Vec<Reply> {
        let kind = message.kind();
        let arg = message.data.first().copied();
        let reply = |data: Vec<u8>| Reply::Send(to_phone(Route::Stm, kind, data));
        let flag = |on: bool| if on { YES } else { NO };
        let battery = self.battery();
        match kind {
            stm::EXTENDED_VERSION => vec![reply(self.config.stm_version.clone().into_bytes())],
            stm::UN20_POWERED => vec![reply(vec![flag(self.un20_on)])],
            stm::SET_UN20_POWER => {
                let Some(arg) = arg else {
                    return vec![reply(vec![RESULT_ERROR])];
                };
                self.un20_on = arg != NO;
                let event = to_phone(
                    Route::StmEvent,
                    stm::UN20_STATE_EVENT,
                    vec![flag(self.un20_on)],
                );
                vec![reply(vec![RESULT_OK]), Reply::Send(event)]
            }
            stm::TRIGGER_ACTIVE => vec![reply(vec![flag(self.trigger_enabled)])],
            stm::SET_TRIGGER_ACTIVE => {
                self.trigger_enabled = arg.is_some_and(|a| a != NO);
                vec![reply(vec![RESULT_OK])]
            }
            stm::SMILE_LEDS => vec![reply(self.leds.encode())],
            stm::BLUETOOTH_LED | stm::POWER_LED => vec![reply(vec![0, 0xFF, 0, NO])],
            stm::SET_SMILE_LEDS => match SmileLeds::decode(&message.data) {
                Ok(leds) => {
                    self.leds = leds;
                    vec![reply(vec![RESULT_OK])]
                }
                Err(_) => vec![reply(vec![RESULT_ERROR])],
            },
            stm::BATTERY_PERCENT => vec![reply(vec![battery.percent])],
            stm::BATTERY_VOLTAGE => vec![reply(battery.voltage_mv.to_le_bytes().to_vec())],
            stm::BATTERY_CURRENT => vec![reply(battery.current_ma.to_le_bytes().to_vec())],
            stm::BATTERY_TEMPERATURE => vec![reply(battery.temperature_dk.to_le_bytes().to_vec())],
            _ => vec![Reply::Silence],
        }
    }

    fn un20(&mut self, message: &Message) -> Reply {
        let kind = message.kind();
        let reply = |data: Vec<u8>| Reply::Send(to_phone(Route::Un20, kind, data));
        match kind {
            un20::APP_VERSION => reply(self.config.un20_version.clone().into_bytes()),
            un20::CAPTURE => reply(vec![self.capture(&message.data) as u8]),
            un20::QUALITY_PREVIEW => {
                if self.no_finger_left > 0 {
                    return reply(Vec::new());
                }
                if self.staged.is_none() {
                    self.staged = self.scan_next();
                }
                reply(
                    self.staged
                        .as_ref()
                        .map(|s| vec![s.quality])
                        .unwrap_or_default(),
                )
            }
            un20::SCAN_LED => {
                self.scan_led = message.data.first().is_some_and(|&b| b != NO);
                reply(vec![RESULT_OK])
            }
            un20::TEMPLATE_TYPES => reply(vec![TemplateType::Iso19794_2_2011 as u8]),
            un20::IMAGE_FORMATS => {
                self.stats.image_format_queries += 1;
                reply(vec![ImageFormat::Raw.minor(), ImageFormat::Wsq { ratio: 0 }.minor()])
            }
            un20::IMAGE_QUALITY => reply(vec![self.captured.as_ref().map_or(0, |s| s.quality)]),
            (un20::GET_TEMPLATE, minor) if minor == TemplateType::Iso19794_2_2011 as u8 => reply(
                self.captured
                    .as_ref()
                    .map(|s| s.template.clone())
                    .unwrap_or_default(),
            ),
            (un20::GET_IMAGE | un20::UNPROCESSED_IMAGE, 0x00) => {
                let Some(scan) = &self.captured else {
                    return reply(Vec::new());
                };
                let raw = RawImage {
                    width: scan.image.width as u16,
                    height: scan.image.height as u16,
                    pixels: scan.image.pixels.clone(),
                };
                self.send_image(kind, &raw.encode())
            }
            (un20::GET_IMAGE, minor) if minor == (ImageFormat::Wsq { ratio: 0 }).minor() => {
                let Some(scan) = &self.captured else {
                    return reply(Vec::new());
                };
                // The command's data byte is the compression ratio (8 bits per pixel over
                // the ratio gives the bit rate the encoder aims at).
                let ratio = message.data.first().copied().filter(|&r| r > 0).unwrap_or(DEFAULT_WSQ_RATIO);
                let bitrate = (8.0 / f32::from(ratio)).clamp(wsq::MIN_BITRATE, wsq::MAX_BITRATE);
                let Ok(file) = wsq::encode_finger(&scan.image, bitrate) else {
                    return reply(Vec::new());
                };
                self.send_image(kind, &file)
            }
            (un20::GET_TEMPLATE | un20::GET_IMAGE | un20::UNPROCESSED_IMAGE, _) => {
                reply(Vec::new())
            }
            _ => Reply::Silence,
        }
    }

    fn capture(&mut self, data: &[u8]) -> CaptureStatus {
        self.stats.captures += 1;
        let dpi = match data {
            [a, b] => u16::from_le_bytes([*a, *b]),
            _ => return CaptureStatus::Error,
        };
        if !self.config.supported_dpi.contains(&dpi) {
            return CaptureStatus::DpiNotSupported;
        }
        if self.config.faults.low_battery {
            return CaptureStatus::Error;
        }
        if self.no_finger_left > 0 {
            self.no_finger_left -= 1;
            self.captured = None;
            return CaptureStatus::NoFinger;
        }
        let scan = self.staged.take().or_else(|| self.scan_next());
        let found = scan.is_some();
        self.captured = scan;
        if found {
            CaptureStatus::Ok
        } else {
            CaptureStatus::NoFinger
        }
    }

    /// An image answer with its CRC-32; the "drop the link mid-image" fault cuts it in half.
    fn send_image(&mut self, kind: (u8, u8), image: &[u8]) -> Reply {
        let bytes = to_phone(Route::Un20, kind, seal_image(image));
        self.stats.images_sent += 1;
        if self.config.faults.disconnect_mid_image {
            self.config.faults.disconnect_mid_image = false;
            return Reply::SendHalfAndHangUp(bytes);
        }
        Reply::Send(bytes)
    }

    /// Take the next image of the current finger and assess it with the engine.
    fn scan_next(&mut self) -> Option<Scan> {
        let image = self.source.next_image(self.finger)?;
        if image.width > usize::from(u16::MAX) || image.height > usize::from(u16::MAX) {
            return None;
        }
        let (mut quality, template) = match extract(&image) {
            // What a UN20 hands over: an ISO/IEC 19794-2:2011 record (finger position
            // unknown to the sensor).
            Ok(t) => (
                t.quality.min(100),
                FingerRecord::from_template(&t, 0, Format::Iso2011).to_bytes(Format::Iso2011).unwrap_or_default(),
            ),
            Err(_) => (0, Vec::new()),
        };
        if let Some(q) = self.config.faults.poor_quality {
            quality = q;
        }
        Some(Scan {
            image,
            quality,
            template,
        })
    }

    /// Trigger presses due now: the ones asked for, and a stuck button's.
    fn due_events(&mut self, next_stuck_press: &mut Instant) -> Vec<u8> {
        let mut presses = std::mem::take(&mut self.pending_presses);
        if self.config.faults.stuck_trigger && Instant::now() >= *next_stuck_press {
            presses += 1;
            *next_stuck_press = Instant::now() + STUCK_TRIGGER_INTERVAL;
        }
        if !self.trigger_enabled || presses == 0 {
            return Vec::new();
        }
        self.stats.trigger_presses += presses;
        let press = to_phone(Route::StmEvent, stm::TRIGGER_EVENT, Vec::new());
        let all: Vec<u8> = (0..presses).flat_map(|_| press.iter().copied()).collect();
        self.corrupt(&all)
    }

    /// The tail of an image packet a dropped link left behind.
    fn stale_bytes(&mut self) -> Vec<u8> {
        let mut out = vec![Route::Un20 as u8, Route::Phone as u8, 0x84, 0x03];
        out.extend((0..STALE_BYTES).map(|_| self.rng.next() as u8));
        out
    }

    /// Apply the byte faults to bytes about to be sent.
    fn corrupt(&mut self, bytes: &[u8]) -> Vec<u8> {
        let faults = self.config.faults.clone();
        if faults.drop_bytes.rate <= 0.0 && faults.duplicate_bytes.rate <= 0.0 {
            return bytes.to_vec();
        }
        let mut out = Vec::with_capacity(bytes.len() + 8);
        for &b in bytes {
            if self.stats.bytes_dropped < faults.drop_bytes.limit
                && self.rng.chance(faults.drop_bytes.rate)
            {
                self.stats.bytes_dropped += 1;
                continue;
            }
            out.push(b);
            if self.stats.bytes_duplicated < faults.duplicate_bytes.limit
                && self.rng.chance(faults.duplicate_bytes.rate)
            {
                self.stats.bytes_duplicated += 1;
                out.push(b);
            }
        }
        out
    }
}

/// SplitMix64: small, fast and good enough to place faults reproducibly.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixtures() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/fingerprints")
    }

    #[test]
    fn a_folder_serves_each_finger_in_turn() {
        let mut source = FolderSource::open(&fixtures(), 500).unwrap();
        let first = source.next_image(2).unwrap();
        let second = source.next_image(2).unwrap();
        let third = source.next_image(2).unwrap();
        assert_ne!(first, second);
        assert_eq!(first, third);
        let f2_1 = FingerImage::open(&fixtures().join("f2_1.png"), 500).unwrap();
        assert_eq!(first, f2_1);
        // No file for finger 9: every image in turn, from the first.
        let f1_1 = FingerImage::open(&fixtures().join("f1_1.png"), 500).unwrap();
        assert_eq!(source.next_image(9).unwrap(), f1_1);
    }

    #[test]
    fn an_empty_folder_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(FolderSource::open(dir.path(), 500).is_err());
    }

    #[test]
    fn byte_faults_are_reproducible_from_the_seed_and_respect_their_limit() {
        let run = |seed| {
            let faults = Faults {
                seed,
                drop_bytes: ByteFault::new(0.1, 5),
                duplicate_bytes: ByteFault::new(0.1, u32::MAX),
                ..Faults::default()
            };
            let sim = SimulatedScanner::new(
                |_| None,
                SimulatorConfig {
                    faults,
                    ..SimulatorConfig::default()
                },
            );
            let mut state = lock(&sim.state);
            let out = state.corrupt(&[0u8; 1000]);
            (out.len(), state.stats)
        };
        assert_eq!(run(42), run(42));
        let (len, stats) = run(42);
        assert_eq!(stats.bytes_dropped, 5);
        assert!(stats.bytes_duplicated > 50);
        assert_eq!(len, 1000 - 5 + stats.bytes_duplicated as usize);
    }
}
