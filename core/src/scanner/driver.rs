//! The Vero 2 driver: commands over a [`ByteTransport`], one at a time, with per-command
//! timeouts and retries, and the usual capture flow (facts, "A usual capture").

use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::time::{Duration, Instant};

use super::commands::{
    self, one_byte, open_image, stm, two_bytes, un20, Battery, CaptureStatus, ImageFormat,
    RawImage, SmileLeds, TemplateType, UnifiedVersion, NO, NO_FINGER_QUALITY, RESULT_OK, YES,
};
use super::error::ScannerError;
use super::events::{EventQueue, ScannerEvent};
use super::frame::{Direction, FrameError, Message, RootMessage, RootType, Route};
use super::link::{Incoming, Link, LinkState, LinkTiming};
use super::transport::ByteTransport;
use crate::biometrics::{formats, wsq, Template};

/// How long to wait and how often to try (facts, "UN20 commands": 5 s for commands and
/// capture, 7 s for image transfer, 2 retries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Each attempt of a command, capture included.
    pub command: Duration,
    /// Each attempt of an image transfer.
    pub image: Duration,
    /// Attempts after the first, on a timeout or malformed answer.
    pub retries: u32,
    /// Silence after which a half-received frame is dropped as truncated, and which must
    /// pass before a retry is sent so the rest of a corrupted answer is not mistaken for
    /// the next one. Bluetooth SPP can pause a few tens of milliseconds inside a frame.
    pub frame_gap: Duration,
    /// Longest single read on the link thread; bounds how late a command goes out.
    pub poll: Duration,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts {
            command: Duration::from_secs(5),
            image: Duration::from_secs(7),
            retries: 2,
            frame_gap: Duration::from_millis(500),
            poll: Duration::from_millis(10),
        }
    }
}

/// Driver settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannerConfig {
    pub timeouts: Timeouts,
    /// Battery percentage below which a capture is refused with
    /// [`ScannerError::LowBattery`]: a flat battery mid-capture drops the link in the field.
    pub min_battery_percent: u8,
}

impl Default for ScannerConfig {
    fn default() -> ScannerConfig {
        ScannerConfig {
            timeouts: Timeouts::default(),
            min_battery_percent: 10,
        }
    }
}

/// What [`Scanner::capture_fingerprint`] asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureOptions {
    /// Capture resolution (the UN20 default is 500).
    pub dpi: u16,
    /// The programme's quality threshold: below it the template is refused ...
    pub min_quality: u8,
    /// ... unless low-quality capture is allowed.
    pub allow_low_quality: bool,
    /// Captures repeated when no finger is on the sensor before giving up: "no finger"
    /// loops need a limit (facts, "Field failure modes").
    pub no_finger_retries: u32,
    /// Also transfer the image ...
    pub with_image: bool,
    /// ... in this format. WSQ (the default) is about 15 times smaller on the Bluetooth link
    /// and is what the registry stores; a scanner that does not offer WSQ sends raw pixels
    /// and the driver compresses them at the same ratio.
    pub image_format: ImageFormat,
}

impl Default for CaptureOptions {
    fn default() -> CaptureOptions {
        CaptureOptions {
            dpi: 500,
            // The start of the two-LED band: a print with usable ridge flow. The enrollment
            // workflow applies its own, stricter policy across attempts.
            min_quality: 40,
            allow_low_quality: false,
            no_finger_retries: 2,
            with_image: true,
            image_format: ImageFormat::Wsq { ratio: 15 },
        }
    }
}

/// One fingerprint as the scanner delivered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capture {
    /// The UN20's image quality, 0-100.
    pub quality: u8,
    /// The template bytes in the slot of `template_type`.
    pub template: Vec<u8>,
    pub template_type: TemplateType,
    /// The image's pixels, when asked for.
    pub image: Option<RawImage>,
    /// The image as WSQ, when asked for in that format: what the registry stores.
    pub wsq: Option<Vec<u8>>,
    /// Captures that found no finger before this one.
    pub no_finger_retries: u32,
}

impl Capture {
    /// The template as a Jatigi [`Template`]: the sensor's ISO/IEC 19794-2 record (2011, or
    /// 2005 / ANSI 378 from older firmware, told apart by their headers), first finger view.
    /// A Jatigi template in the slot is taken as it is.
    pub fn jatigi_template(&self) -> Result<Template, ScannerError> {
        let bad = |what| ScannerError::Protocol(FrameError::BadPayload { what, len: self.template.len() });
        if Template::is_template(&self.template) {
            return Template::from_bytes(&self.template).map_err(|_| bad("Jatigi template"));
        }
        formats::read_any(&self.template)
            .and_then(|record| record.first_template())
            .map_err(|_| bad("ISO/IEC 19794-2 template"))
    }
}

/// A connection to one scanner. Methods take `&self` and may be called from any thread;
/// only one runs at a time, and a second one meanwhile fails with [`ScannerError::Busy`].
/// Events arrive on [`events`](Scanner::events) at any moment, apart from responses.
pub struct Scanner {
    link: Option<Link>,
    command: Mutex<()>,
    events: Arc<EventQueue>,
    config: ScannerConfig,
    version: Option<UnifiedVersion>,
    /// The image formats the connected sensor offers, asked once per connection.
    image_formats: Mutex<Option<Vec<u8>>>,
}

impl Scanner {
    /// A scanner with no link yet; [`reconnect`](Scanner::reconnect) connects it.
    pub fn new(config: ScannerConfig) -> Scanner {
        Scanner {
            link: None,
            command: Mutex::new(()),
            events: Arc::new(EventQueue::default()),
            config,
            image_formats: Mutex::new(None),
            version: None,
        }
    }

    /// Connect over `transport`: read the unified version and enter main mode.
    pub fn connect(
        transport: impl ByteTransport + 'static,
        config: ScannerConfig,
    ) -> Result<Scanner, ScannerError> {
        let mut scanner = Scanner::new(config);
        scanner.reconnect(transport)?;
        Ok(scanner)
    }

    /// Drop the current link and connect over a new one. Nothing from the old link
    /// survives: decoder, route accumulators, unclaimed responses and events all start
    /// empty, since leftover bytes from a dropped link corrupted the next connection in the
    /// field. (The platform side waits about 1 s between closing and connecting.)
    pub fn reconnect(
        &mut self,
        transport: impl ByteTransport + 'static,
    ) -> Result<UnifiedVersion, ScannerError> {
        self.disconnect();
        self.events.clear();
        let t = self.config.timeouts;
        let timing = LinkTiming {
            poll: t.poll,
            frame_gap: t.frame_gap,
        };
        self.link = Some(Link::start(transport, Arc::clone(&self.events), timing));
        let session = self.session()?;
        let version = session.root(RootType::UnifiedVersion, "unified version", |data| {
            UnifiedVersion::decode(&data)
        })?;
        session.root(RootType::EnterMainMode, "enter main mode", |_| Ok(()))?;
        drop(session);
        self.version = Some(version);
        Ok(version)
    }

    /// Close the link.
    pub fn disconnect(&mut self) {
        if let Some(mut link) = self.link.take() {
            link.stop();
        }
        self.version = None;
        *self.image_formats.get_mut().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Whether the link is up.
    pub fn is_connected(&self) -> bool {
        self.link.as_ref().is_some_and(|l| !l.lock().disconnected)
    }

    /// The unified version read when connecting.
    pub fn version(&self) -> Option<UnifiedVersion> {
        self.version
    }

    /// The event queue (trigger presses, UN20 power, link loss); it stays the same across
    /// reconnects.
    pub fn events(&self) -> Arc<EventQueue> {
        Arc::clone(&self.events)
    }

    /// The driver settings.
    pub fn config(&self) -> &ScannerConfig {
        &self.config
    }

    /// STM firmware version string.
    pub fn stm_version(&self) -> Result<String, ScannerError> {
        self.session()?.stm_version()
    }
    /// UN20 application version string.
    pub fn un20_version(&self) -> Result<String, ScannerError> {
        self.session()?.un20_version()
    }
    /// Battery percent, voltage, current and temperature.
    pub fn battery(&self) -> Result<Battery, ScannerError> {
        self.session()?.battery()
    }
    /// Whether the UN20 sensor is powered.
    pub fn un20_powered(&self) -> Result<bool, ScannerError> {
        self.session()?.un20_powered()
    }
    /// Power the UN20 on or off and wait for the scanner's event confirming it.
    pub fn set_un20_power(&self, on: bool) -> Result<(), ScannerError> {
        self.session()?.set_un20_power(on)
    }
    /// Enable or disable the trigger button.
    pub fn set_trigger_enabled(&self, on: bool) -> Result<(), ScannerError> {
        self.session()?.set_trigger_enabled(on)
    }
    /// The five smile LEDs.
    pub fn smile_leds(&self) -> Result<SmileLeds, ScannerError> {
        self.session()?.smile_leds()
    }
    /// Set the five smile LEDs (see [`SmileLeds`] for the usual patterns).
    pub fn set_smile_leds(&self, leds: &SmileLeds) -> Result<(), ScannerError> {
        self.session()?.set_smile_leds(leds)
    }
    /// Turn the sensor's scan LED on or off (on while previewing quality).
    pub fn set_scan_led(&self, on: bool) -> Result<(), ScannerError> {
        self.session()?.set_scan_led(on)
    }
    /// Capture an image at `dpi`; quality, template and image are then read separately.
    pub fn capture(&self, dpi: u16) -> Result<(), ScannerError> {
        self.session()?.capture(dpi)
    }
    /// Live quality of the finger on the sensor (`None`: no finger); poll about every 200 ms
    /// while the scan LED is on.
    pub fn quality_preview(&self) -> Result<Option<u8>, ScannerError> {
        self.session()?.quality_preview()
    }
    /// Poll the quality preview once and show it on the smile LEDs (1 to 5 green).
    pub fn show_quality_preview(&self) -> Result<Option<u8>, ScannerError> {
        self.session()?.show_quality_preview()
    }
    /// Quality of the last capture, 0-100.
    pub fn image_quality(&self) -> Result<u8, ScannerError> {
        self.session()?.image_quality()
    }
    /// Template types the sensor offers (wire bytes).
    pub fn template_types(&self) -> Result<Vec<u8>, ScannerError> {
        self.session()?.list(un20::TEMPLATE_TYPES, "template types")
    }
    /// Template of the last capture; [`ScannerError::NoFinger`] if nothing was captured.
    pub fn template(&self, kind: TemplateType) -> Result<Vec<u8>, ScannerError> {
        self.session()?.template(kind)
    }
    /// Image formats the sensor offers (wire bytes).
    pub fn image_formats(&self) -> Result<Vec<u8>, ScannerError> {
        self.session()?.image_formats()
    }
    /// Image of the last capture, its CRC-32 checked, as pixels: raw, or WSQ decoded here.
    /// PNG is not used by Jatigi and returns [`ScannerError::Unsupported`] without asking
    /// the scanner.
    pub fn image(&self, format: ImageFormat) -> Result<RawImage, ScannerError> {
        self.session()?.image(format).map(|(raw, _)| raw)
    }
    /// The usual capture: battery check, UN20 on, LEDs waiting, capture (retrying while no
    /// finger), quality against the threshold, template, optionally the image, LEDs good or
    /// bad. The whole flow holds the command slot.
    pub fn capture_fingerprint(&self, options: &CaptureOptions) -> Result<Capture, ScannerError> {
        self.session()?.capture_fingerprint(options)
    }

    /// Wait for a trigger press. Other events met on the way are consumed.
    /// [`ScannerError::TriggerStuck`] when presses come faster than a person presses (the
    /// screen should offer an on-screen button and disable the trigger);
    /// [`ScannerError::Timeout`] when nobody pressed in time.
    pub fn wait_for_trigger(&self, timeout: Duration) -> Result<(), ScannerError> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.next(left) {
                Some(ScannerEvent::TriggerPressed) => return Ok(()),
                Some(ScannerEvent::TriggerStuck) => return Err(ScannerError::TriggerStuck),
                Some(ScannerEvent::Disconnected) => return Err(ScannerError::Disconnected),
                Some(_) => {}
                None if !self.is_connected() => return Err(ScannerError::NotConnected),
                None => {
                    return Err(ScannerError::Timeout {
                        command: "trigger press",
                    })
                }
            }
        }
    }

    /// Claim the command slot.
    fn session(&self) -> Result<Session<'_>, ScannerError> {
        let guard = match self.command.try_lock() {
            Ok(guard) => guard,
            Err(TryLockError::WouldBlock) => return Err(ScannerError::Busy),
            Err(TryLockError::Poisoned(e)) => e.into_inner(),
        };
        let link = self.link.as_ref().ok_or(ScannerError::NotConnected)?;
        Ok(Session {
            link,
            timeouts: self.config.timeouts,
            config: &self.config,
            image_formats: &self.image_formats,
            _slot: guard,
        })
    }
}

impl Drop for Scanner {
    fn drop(&mut self) {
        self.disconnect();
    }
}

/// Which answer a command waits for: responses are matched by type.
#[derive(Debug, Clone, Copy)]
enum Expect {
    Root(RootType),
    Main(Route, (u8, u8)),
}

impl Expect {
    fn matches(self, incoming: &Incoming) -> bool {
        match (self, incoming) {
            (Expect::Root(kind), Incoming::Root(m)) => m.kind == kind,
            (Expect::Main(route, kind), Incoming::Main(m)) => m.route == route && m.kind() == kind,
            _ => false,
        }
    }
}

/// One command on the wire.
struct Request {
    name: &'static str,
    bytes: Vec<u8>,
    expect: Expect,
    timeout: Duration,
}

/// The command slot, held: every command goes through here.
struct Session<'a> {
    link: &'a Link,
    timeouts: Timeouts,
    config: &'a ScannerConfig,
    image_formats: &'a Mutex<Option<Vec<u8>>>,
    _slot: MutexGuard<'a, ()>,
}

fn take_match(state: &mut LinkState, expect: Expect) -> Option<Vec<u8>> {
    let at = state.responses.iter().position(|r| expect.matches(r))?;
    state.responses.remove(at).map(|r| match r {
        Incoming::Root(m) => m.data,
        Incoming::Main(m) => m.data,
    })
}

impl Session<'_> {
    /// Send `request` and parse its answer, retrying on a timeout or malformed answer.
    ///
    /// A malformed frame does not end an attempt at once: the valid answer (a late answer
    /// to an earlier attempt, say) may still come, so the attempt ends when the link has
    /// been quiet for the frame gap, and the retry then starts from clean buffers. Each
    /// attempt lasts at most its timeout plus a few frame gaps.
    fn exchange<R>(
        &self,
        request: &Request,
        parse: impl Fn(Vec<u8>) -> Result<R, FrameError>,
    ) -> Result<R, ScannerError> {
        let t = self.timeouts;
        let mut failure = ScannerError::Timeout {
            command: request.name,
        };
        for attempt in 0..=t.retries {
            let mut state = self.link.lock();
            if state.disconnected {
                return Err(if attempt == 0 {
                    ScannerError::NotConnected
                } else {
                    ScannerError::Disconnected
                });
            }
            if attempt == 0 {
                state.responses.clear();
                state.error = None;
            } else {
                log::debug!("scanner: retrying \"{}\" after: {failure}", request.name);
                // Let the rest of a corrupted answer arrive, so that the resync drops it
                // with the old buffers instead of reading it as the answer to the retry.
                let quiet_by = Instant::now() + t.frame_gap.max(t.poll) * 2;
                while !state.disconnected
                    && state.last_rx.elapsed() < t.frame_gap
                    && Instant::now() < quiet_by
                {
                    let until = (state.last_rx + t.frame_gap).min(quiet_by);
                    state = self.link.wait_until(state, until);
                }
            }
            // On a retry the link thread clears its decoder, accumulators, unclaimed
            // answers and errors before writing, in order with the bytes it reads.
            Link::send(&mut state, request.bytes.clone(), attempt > 0);
            let deadline = Instant::now() + request.timeout;
            let mut corrupted = false;
            loop {
                if let Some(data) = take_match(&mut state, request.expect) {
                    match parse(data) {
                        Ok(value) => return Ok(value),
                        Err(error) => {
                            failure = ScannerError::Protocol(error);
                            break;
                        }
                    }
                }
                if state.disconnected {
                    return Err(ScannerError::Disconnected);
                }
                if let Some(error) = state.error.take() {
                    failure = ScannerError::Protocol(error);
                    corrupted = true;
                }
                if Instant::now() >= deadline {
                    if !corrupted {
                        failure = ScannerError::Timeout {
                            command: request.name,
                        };
                    }
                    break;
                }
                if corrupted && state.last_rx.elapsed() >= t.frame_gap {
                    break;
                }
                let wake = if corrupted {
                    (state.last_rx + t.frame_gap).min(deadline)
                } else {
                    deadline
                };
                state = self.link.wait_until(state, wake);
            }
        }
        Err(failure)
    }

    fn root<R>(
        &self,
        kind: RootType,
        name: &'static str,
        parse: impl Fn(Vec<u8>) -> Result<R, FrameError>,
    ) -> Result<R, ScannerError> {
        let request = Request {
            name,
            bytes: RootMessage::command(kind).encode()?,
            expect: Expect::Root(kind),
            timeout: self.timeouts.command,
        };
        self.exchange(&request, parse)
    }

    fn main<R>(
        &self,
        route: Route,
        kind: (u8, u8),
        data: Vec<u8>,
        name: &'static str,
        timeout: Duration,
        parse: impl Fn(Vec<u8>) -> Result<R, FrameError>,
    ) -> Result<R, ScannerError> {
        let request = Request {
            name,
            bytes: Message::new(route, kind, data).to_packets(Direction::ToScanner)?,
            expect: Expect::Main(route, kind),
            timeout,
        };
        self.exchange(&request, parse)
    }

    fn stm<R>(
        &self,
        kind: (u8, u8),
        data: Vec<u8>,
        name: &'static str,
        parse: impl Fn(Vec<u8>) -> Result<R, FrameError>,
    ) -> Result<R, ScannerError> {
        self.main(Route::Stm, kind, data, name, self.timeouts.command, parse)
    }

    fn un20<R>(
        &self,
        kind: (u8, u8),
        data: Vec<u8>,
        name: &'static str,
        parse: impl Fn(Vec<u8>) -> Result<R, FrameError>,
    ) -> Result<R, ScannerError> {
        self.main(Route::Un20, kind, data, name, self.timeouts.command, parse)
    }

    /// A command answered by a result byte: 0x00 ok, anything else refused.
    fn stm_ok(
        &self,
        kind: (u8, u8),
        data: Vec<u8>,
        name: &'static str,
    ) -> Result<(), ScannerError> {
        let result = self.stm(kind, data, name, |d| one_byte(&d, name))?;
        ok_or_refused(result, name)
    }

    fn stm_version(&self) -> Result<String, ScannerError> {
        self.stm(stm::EXTENDED_VERSION, vec![], "STM version", |d| {
            Ok(commands::text(&d))
        })
    }

    fn un20_version(&self) -> Result<String, ScannerError> {
        self.un20(un20::APP_VERSION, vec![], "UN20 version", |d| {
            Ok(commands::text(&d))
        })
    }

    fn battery_percent(&self) -> Result<u8, ScannerError> {
        self.stm(stm::BATTERY_PERCENT, vec![], "battery percent", |d| {
            one_byte(&d, "battery percent")
        })
    }

    fn battery(&self) -> Result<Battery, ScannerError> {
        let percent = self.battery_percent()?;
        let voltage = self.stm(stm::BATTERY_VOLTAGE, vec![], "battery voltage", |d| {
            two_bytes(&d, "battery voltage")
        })?;
        let current = self.stm(stm::BATTERY_CURRENT, vec![], "battery current", |d| {
            two_bytes(&d, "battery current")
        })?;
        let temperature = self.stm(
            stm::BATTERY_TEMPERATURE,
            vec![],
            "battery temperature",
            |d| two_bytes(&d, "battery temperature"),
        )?;
        Ok(Battery {
            percent,
            voltage_mv: i16::from_le_bytes(voltage),
            current_ma: i16::from_le_bytes(current),
            temperature_dk: u16::from_le_bytes(temperature),
        })
    }

    fn un20_powered(&self) -> Result<bool, ScannerError> {
        let state = self.stm(stm::UN20_POWERED, vec![], "UN20 power state", |d| {
            one_byte(&d, "UN20 power state")
        })?;
        Ok(state != NO)
    }

    fn set_un20_power(&self, on: bool) -> Result<(), ScannerError> {
        self.link.lock().un20_on = None;
        let byte = if on { YES } else { NO };
        self.stm_ok(stm::SET_UN20_POWER, vec![byte], "UN20 power")?;
        // The result only says the STM accepted; the event says the sensor is up (or down).
        let deadline = Instant::now() + self.timeouts.command;
        let mut state = self.link.lock();
        loop {
            if state.un20_on == Some(on) {
                return Ok(());
            }
            if state.disconnected {
                return Err(ScannerError::Disconnected);
            }
            if Instant::now() >= deadline {
                return Err(ScannerError::Timeout {
                    command: "UN20 power state event",
                });
            }
            state = self.link.wait_until(state, deadline);
        }
    }

    /// The sensor may have been powered off by its idle timer: check, and power it on.
    fn ensure_un20_on(&self) -> Result<(), ScannerError> {
        if self.un20_powered()? {
            return Ok(());
        }
        self.set_un20_power(true)
    }

    fn set_trigger_enabled(&self, on: bool) -> Result<(), ScannerError> {
        self.stm_ok(
            stm::SET_TRIGGER_ACTIVE,
            vec![if on { YES } else { NO }],
            "trigger button",
        )
    }

    fn smile_leds(&self) -> Result<SmileLeds, ScannerError> {
        self.stm(stm::SMILE_LEDS, vec![], "smile LEDs", |d| {
            SmileLeds::decode(&d)
        })
    }

    fn set_smile_leds(&self, leds: &SmileLeds) -> Result<(), ScannerError> {
        self.stm_ok(stm::SET_SMILE_LEDS, leds.encode(), "set smile LEDs")
    }

    fn set_scan_led(&self, on: bool) -> Result<(), ScannerError> {
        let name = "scan LED";
        let result = self.un20(un20::SCAN_LED, vec![if on { YES } else { NO }], name, |d| {
            one_byte(&d, name)
        })?;
        ok_or_refused(result, name)
    }

    fn capture(&self, dpi: u16) -> Result<(), ScannerError> {
        let status = self.un20(un20::CAPTURE, dpi.to_le_bytes().to_vec(), "capture", |d| {
            one_byte(&d, "capture status")
        })?;
        match CaptureStatus::from_byte(status) {
            CaptureStatus::Ok => Ok(()),
            CaptureStatus::NoFinger => Err(ScannerError::NoFinger),
            CaptureStatus::DpiNotSupported => Err(ScannerError::DpiNotSupported { dpi }),
            CaptureStatus::Error => Err(ScannerError::Refused { command: "capture" }),
        }
    }

    fn quality_preview(&self) -> Result<Option<u8>, ScannerError> {
        self.un20(
            un20::QUALITY_PREVIEW,
            vec![],
            "quality preview",
            |d| match d.as_slice() {
                [] => Ok(None),
                [q] => Ok(Some((*q).min(100))),
                _ => Err(FrameError::BadPayload {
                    what: "quality preview",
                    len: d.len(),
                }),
            },
        )
    }

    fn show_quality_preview(&self) -> Result<Option<u8>, ScannerError> {
        let quality = self.quality_preview()?;
        let leds = quality.map_or(SmileLeds::waiting(), SmileLeds::for_quality);
        self.set_smile_leds(&leds)?;
        Ok(quality)
    }

    fn image_quality(&self) -> Result<u8, ScannerError> {
        let q = self.un20(un20::IMAGE_QUALITY, vec![], "image quality", |d| {
            one_byte(&d, "image quality")
        })?;
        Ok(q.min(100))
    }

    fn list(&self, kind: (u8, u8), name: &'static str) -> Result<Vec<u8>, ScannerError> {
        self.un20(kind, vec![], name, Ok)
    }

    fn template(&self, kind: TemplateType) -> Result<Vec<u8>, ScannerError> {
        let template = self.un20((un20::GET_TEMPLATE, kind as u8), vec![], "template", Ok)?;
        if template.is_empty() {
            return Err(ScannerError::NoFinger);
        }
        Ok(template)
    }

    /// The image formats the sensor offers: asked on the first use of a connection, then
    /// remembered until the link is dropped (a reconnect may reach another scanner).
    fn image_formats(&self) -> Result<Vec<u8>, ScannerError> {
        let mut known = self.image_formats.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(formats) = known.as_ref() {
            return Ok(formats.clone());
        }
        let formats = self.list(un20::IMAGE_FORMATS, "image formats")?;
        *known = Some(formats.clone());
        Ok(formats)
    }

    /// The image in `format`: its pixels, and the WSQ file when it came as one.
    fn image(&self, format: ImageFormat) -> Result<(RawImage, Option<Vec<u8>>), ScannerError> {
        let kind = (un20::GET_IMAGE, format.minor());
        let data = format.command_data();
        match format {
            ImageFormat::Raw => self
                .main(Route::Un20, kind, data, "image", self.timeouts.image, |d| RawImage::decode(open_image(&d)?))
                .map(|raw| (raw, None)),
            ImageFormat::Wsq { .. } => self.main(Route::Un20, kind, data, "WSQ image", self.timeouts.image, |d| {
                let file = open_image(&d)?;
                let raw = wsq_pixels(file)?;
                Ok((raw, Some(file.to_vec())))
            }),
            ImageFormat::Png => Err(ScannerError::Unsupported("PNG images from the sensor")),
        }
    }

    /// The capture's image as options ask: WSQ from the sensor when it offers WSQ, else raw
    /// pixels compressed here at the same ratio.
    fn capture_image(&self, format: ImageFormat, dpi: u16) -> Result<(RawImage, Option<Vec<u8>>), ScannerError> {
        let ImageFormat::Wsq { ratio } = format else {
            return self.image(format);
        };
        if self.image_formats()?.contains(&format.minor()) {
            return self.image(format);
        }
        let (raw, _) = self.image(ImageFormat::Raw)?;
        let bitrate = (8.0 / f32::from(ratio.max(1))).clamp(wsq::MIN_BITRATE, wsq::MAX_BITRATE);
        let file = wsq::encode(&raw.pixels, usize::from(raw.width), usize::from(raw.height), Some(dpi), bitrate, &[])
            .map_err(|_| ScannerError::Protocol(FrameError::BadPayload { what: "raw image", len: raw.pixels.len() }))?;
        Ok((raw, Some(file)))
    }

    fn capture_fingerprint(&self, options: &CaptureOptions) -> Result<Capture, ScannerError> {
        let percent = self.battery_percent()?;
        if percent < self.config.min_battery_percent {
            return Err(ScannerError::LowBattery { percent });
        }
        self.ensure_un20_on()?;
        self.set_smile_leds(&SmileLeds::waiting())?;
        let mut no_finger = 0;
        let quality = loop {
            match self.capture(options.dpi) {
                Ok(()) => {
                    let quality = self.image_quality()?;
                    if quality > NO_FINGER_QUALITY {
                        break quality;
                    }
                }
                Err(ScannerError::NoFinger) => {}
                Err(e) => return Err(self.bad_scan(e)),
            }
            if no_finger >= options.no_finger_retries {
                return Err(self.bad_scan(ScannerError::NoFinger));
            }
            no_finger += 1;
        };
        if quality < options.min_quality && !options.allow_low_quality {
            return Err(self.bad_scan(ScannerError::PoorQuality { quality }));
        }
        let template_type = TemplateType::Iso19794_2_2011;
        let template = self.template(template_type)?;
        let (image, wsq) = if options.with_image {
            let (raw, wsq) = self.capture_image(options.image_format, options.dpi)?;
            (Some(raw), wsq)
        } else {
            (None, None)
        };
        self.set_smile_leds(&SmileLeds::good_scan())?;
        Ok(Capture {
            quality,
            template,
            template_type,
            image,
            wsq,
            no_finger_retries: no_finger,
        })
    }

    /// Show a bad scan on the LEDs when the scanner is answering, and pass the error on.
    fn bad_scan(&self, error: ScannerError) -> ScannerError {
        if matches!(
            error,
            ScannerError::NoFinger
                | ScannerError::PoorQuality { .. }
                | ScannerError::Refused { .. }
                | ScannerError::DpiNotSupported { .. }
        ) {
            if let Err(led_error) = self.set_smile_leds(&SmileLeds::bad_scan()) {
                log::debug!("scanner: could not show a bad scan: {led_error}");
            }
        }
        error
    }
}

fn ok_or_refused(result: u8, command: &'static str) -> Result<(), ScannerError> {
    if result == RESULT_OK {
        Ok(())
    } else {
        Err(ScannerError::Refused { command })
    }
}

/// Pixels of a WSQ file from the sensor (sizes a raw image could not carry are refused).
fn wsq_pixels(file: &[u8]) -> Result<RawImage, FrameError> {
    let bad = || FrameError::BadPayload { what: "WSQ image", len: file.len() };
    let image = wsq::decode(file).map_err(|_| bad())?;
    let (width, height) = (u16::try_from(image.width).map_err(|_| bad())?, u16::try_from(image.height).map_err(|_| bad())?);
    Ok(RawImage { width, height, pixels: image.pixels })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scanner::transport::{memory_pair, MemoryTransport};
    use proptest::prelude::*;

    fn quick() -> ScannerConfig {
        ScannerConfig {
            timeouts: Timeouts {
                command: Duration::from_millis(40),
                image: Duration::from_millis(40),
                retries: 2,
                frame_gap: Duration::from_millis(10),
                poll: Duration::from_millis(2),
            },
            ..ScannerConfig::default()
        }
    }

    /// Read exactly `n` bytes the phone sent, or fail after a second.
    fn expect_bytes(scanner_end: &mut MemoryTransport, expected: &[u8]) {
        let mut got = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(1);
        let mut buf = [0u8; 64];
        while got.len() < expected.len() && Instant::now() < deadline {
            let n = scanner_end
                .read(&mut buf, Duration::from_millis(20))
                .unwrap();
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, expected);
    }

    #[test]
    fn the_driver_speaks_the_documented_bytes() {
        let (phone, mut scanner_end) = memory_pair();
        let fake = std::thread::spawn(move || {
            expect_bytes(&mut scanner_end, &[0xF4, 0xD0, 0x00, 0x00]);
            let mut version = vec![0xF4, 0xD0, 32, 0];
            version.extend([0u8; 32]);
            scanner_end.write(&version).unwrap();
            expect_bytes(&mut scanner_end, &[0xF4, 0x10, 0x00, 0x00]);
            scanner_end.write(&[0xF4, 0x10, 0x00, 0x00]).unwrap();
            // Battery percent: packet phone -> STM, STM message 0x50 0x10 with no data.
            expect_bytes(&mut scanner_end, &[0xA0, 0x10, 4, 0, 0x50, 0x10, 0, 0]);
            // An event first, then the answer: 87%.
            scanner_end
                .write(&[0x11, 0xA0, 4, 0, 0x3A, 0x00, 0, 0])
                .unwrap();
            scanner_end
                .write(&[0x10, 0xA0, 5, 0, 0x50, 0x10, 1, 0, 87])
                .unwrap();
            scanner_end
        });
        let mut config = quick();
        config.timeouts.command = Duration::from_secs(2);
        let scanner = Scanner::connect(phone, config).unwrap();
        assert_eq!(scanner.version(), Some(UnifiedVersion::default()));
        let session = scanner.session().unwrap();
        assert_eq!(session.battery_percent(), Ok(87));
        drop(session);
        assert_eq!(
            scanner.events().next(Duration::from_secs(1)),
            Some(ScannerEvent::TriggerPressed)
        );
        drop(fake.join().unwrap());
    }

    #[test]
    fn commands_without_a_link_are_not_connected() {
        let scanner = Scanner::new(ScannerConfig::default());
        assert_eq!(scanner.battery(), Err(ScannerError::NotConnected));
        assert!(!scanner.is_connected());
    }

    #[test]
    fn a_scanner_that_never_answers_times_out_after_its_retries() {
        let (phone, _silent) = memory_pair();
        let config = quick();
        let start = Instant::now();
        let result = Scanner::connect(phone, config.clone());
        let elapsed = start.elapsed();
        assert_eq!(
            result.err(),
            Some(ScannerError::Timeout {
                command: "unified version"
            })
        );
        let t = config.timeouts;
        assert!(elapsed >= t.command * 3, "{elapsed:?}");
        assert!(
            elapsed < (t.command + t.frame_gap * 4) * 3 + Duration::from_millis(200),
            "{elapsed:?}"
        );
    }

    #[test]
    fn png_images_are_refused_without_asking_the_scanner() {
        let (phone, _silent) = memory_pair();
        let mut scanner = Scanner::new(quick());
        scanner.link = Some(Link::start(
            phone,
            Arc::clone(&scanner.events),
            LinkTiming {
                poll: Duration::from_millis(2),
                frame_gap: Duration::from_millis(10),
            },
        ));
        assert!(matches!(
            scanner.image(ImageFormat::Png),
            Err(ScannerError::Unsupported(_))
        ));
    }

    #[test]
    fn a_wsq_answer_that_does_not_decode_is_a_protocol_error() {
        let mut file = crate::biometrics::wsq::encode(&vec![128u8; 64 * 64], 64, 64, Some(500), 0.75, &[]).unwrap();
        assert!(wsq_pixels(&file).is_ok());
        file.truncate(file.len() / 2);
        assert!(matches!(wsq_pixels(&file), Err(FrameError::BadPayload { what: "WSQ image", .. })));
        assert!(matches!(wsq_pixels(b"not wsq"), Err(FrameError::BadPayload { .. })));
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
        #[test]
        fn garbage_from_the_scanner_is_a_typed_error_never_a_panic_or_a_hang(
            bytes in prop::collection::vec(any::<u8>(), 0..3000),
            chunk in 1usize..200,
        ) {
            let (phone, mut scanner_end) = memory_pair();
            for piece in bytes.chunks(chunk) {
                scanner_end.write(piece).unwrap();
            }
            let config = quick();
            let start = Instant::now();
            if let Ok(scanner) = Scanner::connect(phone, config.clone()) {
                let _ = scanner.battery();
            }
            let t = config.timeouts;
            // Connect (two commands) and battery (one, failing at the first): three bounds.
            let bound = (t.command + t.frame_gap * 4) * (t.retries + 1) * 3 + Duration::from_millis(300);
            prop_assert!(start.elapsed() < bound, "{:?}", start.elapsed());
        }
    }
}
