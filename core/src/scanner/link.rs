//! The link thread: the only code that touches the transport once connected.
//!
//! It writes queued commands, reads in short slices, decodes frames, reassembles messages
//! per route and sorts them: responses to the waiting command, events to the
//! [`EventQueue`]. Owning the transport on one thread keeps reads and writes ordered
//! without locking the transport, and lets events arrive while no command is running.
//!
//! Resynchronisation: a command sent as a retry first clears the decoder, every route
//! accumulator, unclaimed answers and the last error (in order with the write, so nothing
//! received before the retry is taken for its answer, and no answer to it is lost); and a partial
//! frame or message followed by silence longer than the frame gap is dropped and reported as
//! truncated (a dropped byte would otherwise leave the decoder waiting forever).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::commands::{stm, YES};
use super::events::{EventQueue, ScannerEvent, TriggerMonitor};
use super::frame::{
    Direction, Frame, FrameDecoder, FrameError, Message, Mode, RootMessage, RootType, Route,
};
use super::reassembly::Reassembler;
use super::transport::ByteTransport;

/// Responses kept while no command claims them (stale answers to timed-out attempts).
const RESPONSE_BACKLOG: usize = 16;
/// Bytes read from the transport at a time.
const READ_CHUNK: usize = 4096;

/// A complete message from the scanner that is not an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Incoming {
    Root(RootMessage),
    Main(Message),
}

/// Bytes to write, and whether to resynchronise the receive side first.
struct Outgoing {
    bytes: Vec<u8>,
    resync: bool,
}

/// What the link thread shares with the driver.
pub(crate) struct LinkState {
    outbox: VecDeque<Outgoing>,
    /// Responses not yet claimed, oldest first.
    pub responses: VecDeque<Incoming>,
    /// The latest framing error since the driver last looked.
    pub error: Option<FrameError>,
    /// The transport failed or was closed.
    pub disconnected: bool,
    /// When the last byte arrived.
    pub last_rx: Instant,
    /// The UN20 power state from its latest event.
    pub un20_on: Option<bool>,
}

struct Shared {
    state: Mutex<LinkState>,
    changed: Condvar,
    stop: AtomicBool,
    events: Arc<EventQueue>,
}

/// Timing of the link thread.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LinkTiming {
    /// Longest wait in one read, which bounds how late a queued write goes out.
    pub poll: Duration,
    /// Silence after which a partial frame or message is dropped as truncated.
    pub frame_gap: Duration,
}

/// A running link thread; stopping it (or dropping this) closes the transport.
pub(crate) struct Link {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Link {
    /// Take over `transport` on a new thread, in root mode with empty buffers.
    pub fn start<T: ByteTransport + 'static>(
        transport: T,
        events: Arc<EventQueue>,
        timing: LinkTiming,
    ) -> Link {
        let shared = Arc::new(Shared {
            state: Mutex::new(LinkState {
                outbox: VecDeque::new(),
                responses: VecDeque::new(),
                error: None,
                disconnected: false,
                last_rx: Instant::now(),
                un20_on: None,
            }),
            changed: Condvar::new(),
            stop: AtomicBool::new(false),
            events,
        });
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("scanner-link".into())
            .spawn(move || run(transport, &thread_shared, timing))
            .ok();
        if thread.is_none() {
            shared.lock().disconnected = true;
        }
        Link { shared, thread }
    }

    /// The shared state, locked.
    pub fn lock(&self) -> MutexGuard<'_, LinkState> {
        self.shared.lock()
    }

    /// Wait for the link thread to change the state, until `deadline` at the latest.
    pub fn wait_until<'a>(
        &self,
        guard: MutexGuard<'a, LinkState>,
        deadline: Instant,
    ) -> MutexGuard<'a, LinkState> {
        let timeout = deadline.saturating_duration_since(Instant::now());
        if timeout.is_zero() {
            return guard;
        }
        self.shared
            .changed
            .wait_timeout(guard, timeout)
            .unwrap_or_else(|e| e.into_inner())
            .0
    }

    /// Queue bytes for the link thread to write; with `resync`, it first clears its decoder
    /// and accumulators.
    pub fn send(state: &mut LinkState, bytes: Vec<u8>, resync: bool) {
        state.outbox.push_back(Outgoing { bytes, resync });
    }

    /// Stop the thread and close the transport.
    pub fn stop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        self.shared.lock().disconnected = true;
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, LinkState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn update(&self, f: impl FnOnce(&mut LinkState)) {
        f(&mut self.lock());
        self.changed.notify_all();
    }

    fn report(&self, error: FrameError) {
        log::debug!("scanner link: {error}");
        self.update(|s| s.error = Some(error));
    }
}

/// The link thread's receive side.
struct Receiver {
    decoder: FrameDecoder,
    assembler: Reassembler,
    trigger: TriggerMonitor,
}

fn run<T: ByteTransport>(mut transport: T, shared: &Shared, timing: LinkTiming) {
    let mut rx = Receiver {
        decoder: FrameDecoder::new(Direction::ToPhone, Mode::Root),
        assembler: Reassembler::new(Direction::ToPhone),
        trigger: TriggerMonitor::default(),
    };
    let mut buf = vec![0u8; READ_CHUNK];
    let mut last_rx = Instant::now();
    while !shared.stop.load(Ordering::SeqCst) {
        let outgoing: Vec<Outgoing> = shared.lock().outbox.drain(..).collect();
        for out in outgoing {
            if out.resync {
                rx.decoder.clear();
                rx.assembler.clear();
                shared.update(|s| {
                    s.responses.clear();
                    s.error = None;
                });
            }
            if let Err(error) = transport.write(&out.bytes) {
                log::warn!("scanner link: closing the link: writing failed: {error}");
                return disconnect(transport, shared);
            }
        }
        match transport.read(&mut buf, timing.poll) {
            Err(error) => {
                log::warn!("scanner link: closing the link: reading failed: {error}");
                for error in rx.drop_partial() {
                    shared.report(error);
                }
                return disconnect(transport, shared);
            }
            Ok(0) => {
                if last_rx.elapsed() >= timing.frame_gap {
                    for error in rx.drop_partial() {
                        shared.report(error);
                    }
                }
            }
            Ok(n) => {
                last_rx = Instant::now();
                shared.update(|s| s.last_rx = last_rx);
                rx.decoder.push(&buf[..n.min(buf.len())]);
                rx.dispatch(shared);
            }
        }
    }
    log::debug!("scanner link: closing the link on request");
    transport.close();
}

fn disconnect<T: ByteTransport>(mut transport: T, shared: &Shared) {
    transport.close();
    // The event first: whoever sees the link down also finds the event queued.
    shared.events.push(ScannerEvent::Disconnected);
    shared.update(|s| s.disconnected = true);
}

impl Receiver {
    /// Partial frames and messages, as truncation errors; the buffers are emptied.
    fn drop_partial(&mut self) -> Vec<FrameError> {
        let mut errors: Vec<FrameError> = self.decoder.finish().into_iter().collect();
        errors.extend(self.assembler.finish());
        errors
    }

    /// Take every complete frame off the decoder and deliver what it carries.
    fn dispatch(&mut self, shared: &Shared) {
        while let Some(item) = self.decoder.next() {
            match item {
                Ok(Frame::Root(message)) => {
                    // The scanner switches to packets right after answering "enter main mode".
                    if message.kind == RootType::EnterMainMode {
                        self.decoder.set_mode(Mode::Main);
                    }
                    deliver(shared, Incoming::Root(message));
                }
                Ok(Frame::Packet(packet)) => {
                    for item in self.assembler.push(packet) {
                        match item {
                            Ok(message) if message.route == Route::StmEvent => {
                                self.event(shared, message)
                            }
                            Ok(message) => deliver(shared, Incoming::Main(message)),
                            Err(error) => shared.report(error),
                        }
                    }
                }
                Err(error) => shared.report(error),
            }
        }
    }

    fn event(&mut self, shared: &Shared, message: Message) {
        let event = match message.kind() {
            stm::TRIGGER_EVENT => self.trigger.press(Instant::now()),
            stm::UN20_STATE_EVENT => {
                let on = message.data.first() == Some(&YES);
                shared.update(|s| s.un20_on = Some(on));
                Some(ScannerEvent::Un20Power { on })
            }
            (major, minor) => Some(ScannerEvent::Other {
                major,
                minor,
                data: message.data,
            }),
        };
        if let Some(event) = event {
            shared.events.push(event);
        }
    }
}

fn deliver(shared: &Shared, incoming: Incoming) {
    shared.update(|s| {
        if s.responses.len() >= RESPONSE_BACKLOG {
            s.responses.pop_front();
        }
        s.responses.push_back(incoming);
    });
}
