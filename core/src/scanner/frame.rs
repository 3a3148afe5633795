//! Framing of the Vero 2 wire protocol (docs/scanner.md, facts in
//! `../shared/docs/scanner-protocol-facts.md`, "Modes and framing").
//!
//! Two layers, both little-endian:
//! - **frames** on the byte stream: in ROOT mode [`RootMessage`]s `[0xF4][type][len u16] + data`;
//!   in MAIN mode [`Packet`]s `[source][destination][len u16] + payload`;
//! - **messages** carried by packets: STM `[major][minor][len u16] + data`, UN20
//!   `[major][minor][len u32] + data`. A message may span several packets; see
//!   [`Reassembler`](super::reassembly::Reassembler).
//!
//! [`FrameDecoder`] is a streaming parser: feed it byte chunks of any size with
//! [`push`](FrameDecoder::push) and take complete frames with [`next`](FrameDecoder::next).
//! Every malformed header is a typed [`FrameError`]; the decoder then hunts byte by byte for
//! the next plausible header (reporting once per desynchronisation, not once per byte). It
//! never panics and never allocates from a length read off the wire: lengths are checked
//! against the caps below before any byte is buffered for them.

use thiserror::Error;

/// First byte of every root-mode message.
pub const ROOT_START: u8 = 0xF4;
/// Root message header: start byte, type, u16 length.
pub const ROOT_HEADER_LEN: usize = 4;
/// Largest root message data (facts: "data at most 1020 bytes").
pub const MAX_ROOT_DATA: usize = 1020;
/// Main-mode packet header: source, destination, u16 length.
pub const PACKET_HEADER_LEN: usize = 4;
/// Largest packet payload (facts: "payload at most 900 bytes").
pub const MAX_PACKET_PAYLOAD: usize = 900;
/// STM message header: major, minor, u16 data length.
pub const STM_HEADER_LEN: usize = 4;
/// UN20 message header: major, minor, u32 data length.
pub const UN20_HEADER_LEN: usize = 6;
/// Largest STM message data: the u16 length field's range.
pub const MAX_STM_DATA: usize = u16::MAX as usize;
/// Largest UN20 message data we accept. The facts give no cap (the length is a u32); the
/// largest real payload is an image, and a raw single-finger frame is about 100 KB at
/// 500 dpi and under 800 KB even at 1000 dpi, so 1 MiB accepts every real image while a
/// corrupt length cannot make us buffer gigabytes.
pub const MAX_UN20_DATA: usize = 1 << 20;

/// Why bytes on the link did not form a valid frame or message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FrameError {
    /// A root-mode frame did not start with 0xF4.
    #[error("bad frame header: 0x{found:02X} where a root message starts with 0xF4")]
    BadHeader { found: u8 },
    /// A root message type not in the protocol.
    #[error("unknown root message type 0x{0:02X}")]
    UnknownType(u8),
    /// A packet source or destination that is not a route of this direction.
    #[error("unknown or misdirected route 0x{0:02X}")]
    UnknownRoute(u8),
    /// A length field outside what the protocol allows.
    #[error("length {len} out of range (at most {max})")]
    LengthOutOfRange { len: usize, max: usize },
    /// The bytes stopped before the frame or message was complete.
    #[error("truncated: {expected} bytes expected, {actual} received")]
    Truncated { expected: usize, actual: usize },
    /// A CRC-32 carried by the protocol does not match the data.
    #[error("CRC-32 mismatch: the frame says {expected:08X}, the data gives {actual:08X}")]
    CrcMismatch { expected: u32, actual: u32 },
    /// A complete message whose data does not have the layout its type requires.
    #[error("malformed {what}: {len} data bytes")]
    BadPayload { what: &'static str, len: usize },
}

/// Root-mode message types (facts, "Modes and framing").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum RootType {
    EnterMainMode = 0x10,
    EnterBluetoothUpdateMode = 0x20,
    EnterStmUpdateMode = 0x30,
    BluetoothVersion = 0xC0,
    BluetoothExtendedVersion = 0xC1,
    UnifiedVersion = 0xD0,
    ExtendedVersion = 0xD1,
    SetVersion = 0xE0,
    SetExtendedVersion = 0xE1,
    HardwareVersion = 0xF0,
}

impl RootType {
    /// The type for a wire byte, if the protocol has one.
    pub fn from_byte(byte: u8) -> Option<RootType> {
        use RootType::*;
        Some(match byte {
            0x10 => EnterMainMode,
            0x20 => EnterBluetoothUpdateMode,
            0x30 => EnterStmUpdateMode,
            0xC0 => BluetoothVersion,
            0xC1 => BluetoothExtendedVersion,
            0xD0 => UnifiedVersion,
            0xD1 => ExtendedVersion,
            0xE0 => SetVersion,
            0xE1 => SetExtendedVersion,
            0xF0 => HardwareVersion,
            _ => return None,
        })
    }
}

/// Main-mode routes: who sends or receives a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Route {
    /// STM microcontroller commands and responses.
    Stm = 0x10,
    /// STM events (trigger button, UN20 power state), at any moment.
    StmEvent = 0x11,
    /// UN20 sensor module commands and responses.
    Un20 = 0x20,
    /// The phone or tablet.
    Phone = 0xA0,
}

impl Route {
    /// The route for a wire byte, if the protocol has one.
    pub fn from_byte(byte: u8) -> Option<Route> {
        Some(match byte {
            0x10 => Route::Stm,
            0x11 => Route::StmEvent,
            0x20 => Route::Un20,
            0xA0 => Route::Phone,
            _ => return None,
        })
    }

    /// Length of a message header on this route (STM and events: u16 length; UN20: u32).
    pub fn message_header_len(self) -> usize {
        match self {
            Route::Un20 => UN20_HEADER_LEN,
            _ => STM_HEADER_LEN,
        }
    }

    /// Largest message data accepted on this route.
    pub fn max_message_data(self) -> usize {
        match self {
            Route::Un20 => MAX_UN20_DATA,
            Route::Phone => 0,
            _ => MAX_STM_DATA,
        }
    }
}

/// Which way bytes travel; it decides which packet routes are valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Scanner to phone: the driver's side.
    ToPhone,
    /// Phone to scanner: the simulator's side.
    ToScanner,
}

impl Direction {
    fn valid_source(self, route: Route) -> bool {
        match self {
            Direction::ToPhone => matches!(route, Route::Stm | Route::StmEvent | Route::Un20),
            Direction::ToScanner => route == Route::Phone,
        }
    }

    fn valid_destination(self, route: Route) -> bool {
        match self {
            Direction::ToPhone => route == Route::Phone,
            Direction::ToScanner => matches!(route, Route::Stm | Route::Un20),
        }
    }
}

/// The scanner's mode, which decides the framing on the link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// After connecting: root messages, routed by the Bluetooth module.
    Root,
    /// After "enter main mode": packets with routes.
    Main,
}

/// A root-mode message (command or response; a response carries its command's type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootMessage {
    pub kind: RootType,
    pub data: Vec<u8>,
}

impl RootMessage {
    /// A root message with no data (most root commands).
    pub fn command(kind: RootType) -> RootMessage {
        RootMessage {
            kind,
            data: Vec::new(),
        }
    }

    /// The wire bytes.
    pub fn encode(&self) -> Result<Vec<u8>, FrameError> {
        let len = checked_len(self.data.len(), MAX_ROOT_DATA)?;
        let mut out = Vec::with_capacity(ROOT_HEADER_LEN + self.data.len());
        out.push(ROOT_START);
        out.push(self.kind as u8);
        out.extend_from_slice(&(len as u16).to_le_bytes());
        out.extend_from_slice(&self.data);
        Ok(out)
    }
}

/// A main-mode packet: one slice (at most 900 bytes) of a message on one route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    pub source: Route,
    pub destination: Route,
    pub payload: Vec<u8>,
}

impl Packet {
    /// The wire bytes.
    pub fn encode(&self) -> Result<Vec<u8>, FrameError> {
        let len = self.payload.len();
        if len == 0 || len > MAX_PACKET_PAYLOAD {
            return Err(FrameError::LengthOutOfRange {
                len,
                max: MAX_PACKET_PAYLOAD,
            });
        }
        let mut out = Vec::with_capacity(PACKET_HEADER_LEN + len);
        out.push(self.source as u8);
        out.push(self.destination as u8);
        out.extend_from_slice(&(len as u16).to_le_bytes());
        out.extend_from_slice(&self.payload);
        Ok(out)
    }

    /// The scanner-side end of the packet (the route its message belongs to).
    pub fn scanner_route(&self) -> Route {
        if self.source == Route::Phone {
            self.destination
        } else {
            self.source
        }
    }
}

/// An STM or UN20 message: a command, its response, or an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The scanner-side route (STM, STM events or UN20), which also fixes the header layout.
    pub route: Route,
    pub major: u8,
    pub minor: u8,
    pub data: Vec<u8>,
}

impl Message {
    /// A message on `route` of type (`major`, `minor`).
    pub fn new(route: Route, (major, minor): (u8, u8), data: Vec<u8>) -> Message {
        Message {
            route,
            major,
            minor,
            data,
        }
    }

    /// (major, minor): how responses are matched to commands.
    pub fn kind(&self) -> (u8, u8) {
        (self.major, self.minor)
    }

    /// Header and data, as carried across packets.
    pub fn encode(&self) -> Result<Vec<u8>, FrameError> {
        if self.route == Route::Phone {
            return Err(FrameError::UnknownRoute(Route::Phone as u8));
        }
        let len = checked_len(self.data.len(), self.route.max_message_data())?;
        let mut out = Vec::with_capacity(self.route.message_header_len() + len);
        out.push(self.major);
        out.push(self.minor);
        if self.route == Route::Un20 {
            out.extend_from_slice(&(len as u32).to_le_bytes());
        } else {
            out.extend_from_slice(&(len as u16).to_le_bytes());
        }
        out.extend_from_slice(&self.data);
        Ok(out)
    }

    /// The wire bytes of the packets that carry this message in `direction`.
    pub fn to_packets(&self, direction: Direction) -> Result<Vec<u8>, FrameError> {
        let (source, destination) = match direction {
            Direction::ToPhone => (self.route, Route::Phone),
            Direction::ToScanner => (Route::Phone, self.route),
        };
        if !direction.valid_source(source) {
            return Err(FrameError::UnknownRoute(source as u8));
        }
        if !direction.valid_destination(destination) {
            return Err(FrameError::UnknownRoute(destination as u8));
        }
        let body = self.encode()?;
        let mut out = Vec::with_capacity(body.len() + body.len() / MAX_PACKET_PAYLOAD * 4 + 4);
        for chunk in body.chunks(MAX_PACKET_PAYLOAD) {
            out.push(source as u8);
            out.push(destination as u8);
            out.extend_from_slice(&(chunk.len() as u16).to_le_bytes());
            out.extend_from_slice(chunk);
        }
        Ok(out)
    }

    /// Length of the data announced by a message header, if `bytes` holds a whole header.
    pub fn announced_len(route: Route, bytes: &[u8]) -> Option<usize> {
        match route {
            Route::Un20 => bytes
                .get(2..6)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize),
            _ => bytes
                .get(2..4)
                .map(|b| usize::from(u16::from_le_bytes([b[0], b[1]]))),
        }
    }

    /// Parse one complete message (header and exactly its data) received on `route`.
    pub fn decode(route: Route, bytes: &[u8]) -> Result<Message, FrameError> {
        let header = route.message_header_len();
        let len = Message::announced_len(route, bytes).ok_or(FrameError::Truncated {
            expected: header,
            actual: bytes.len(),
        })?;
        let max = route.max_message_data();
        if len > max {
            return Err(FrameError::LengthOutOfRange { len, max });
        }
        let total = header + len;
        if bytes.len() < total {
            return Err(FrameError::Truncated {
                expected: total,
                actual: bytes.len(),
            });
        }
        if bytes.len() > total {
            return Err(FrameError::LengthOutOfRange {
                len: bytes.len() - header,
                max: len,
            });
        }
        Ok(Message {
            route,
            major: bytes[0],
            minor: bytes[1],
            data: bytes[header..].to_vec(),
        })
    }
}

/// A complete frame taken off the byte stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    Root(RootMessage),
    Packet(Packet),
}

/// What the bytes at the front of the buffer say about the next frame.
enum HeaderCheck {
    /// Not enough bytes to judge yet.
    NeedMore,
    /// Not a header: the error and how many bytes to skip before looking again.
    Bad(FrameError, usize),
    /// A valid header for a frame of `total` bytes.
    Good { total: usize },
}

/// Streaming frame parser: see the module documentation.
#[derive(Debug, Clone)]
pub struct FrameDecoder {
    direction: Direction,
    mode: Mode,
    buf: Vec<u8>,
    start: usize,
    /// After a bad header: skipping to the next plausible one, already reported.
    hunting: bool,
}

impl FrameDecoder {
    /// A decoder for bytes travelling in `direction`, starting in `mode`.
    pub fn new(direction: Direction, mode: Mode) -> FrameDecoder {
        FrameDecoder {
            direction,
            mode,
            buf: Vec::new(),
            start: 0,
            hunting: false,
        }
    }

    /// The current framing mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Switch framing; bytes already buffered are read in the new mode.
    pub fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
    }

    /// Append received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Whether bytes of an incomplete frame are buffered.
    pub fn has_partial(&self) -> bool {
        self.start < self.buf.len()
    }

    /// Forget everything buffered (on reconnect, or to resynchronise).
    pub fn clear(&mut self) {
        self.buf.clear();
        self.start = 0;
        self.hunting = false;
    }

    /// End of stream: an incomplete frame still buffered is [`FrameError::Truncated`].
    /// The buffer is cleared either way.
    pub fn finish(&mut self) -> Option<FrameError> {
        let pending = &self.buf[self.start.min(self.buf.len())..];
        let error = if pending.is_empty() || self.hunting {
            None
        } else {
            let expected = match self.check_header(pending) {
                HeaderCheck::Good { total } => total,
                _ => ROOT_HEADER_LEN.max(PACKET_HEADER_LEN),
            };
            Some(FrameError::Truncated {
                expected,
                actual: pending.len(),
            })
        };
        self.clear();
        error
    }

    /// The next complete frame or framing error, or `None` when more bytes are needed.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<Result<Frame, FrameError>> {
        loop {
            let avail = &self.buf[self.start.min(self.buf.len())..];
            match self.check_header(avail) {
                HeaderCheck::NeedMore => {
                    self.compact();
                    return None;
                }
                HeaderCheck::Bad(error, skip) => {
                    self.start += skip.max(1);
                    if !self.hunting {
                        self.hunting = true;
                        return Some(Err(error));
                    }
                }
                HeaderCheck::Good { total } => {
                    self.hunting = false;
                    if avail.len() < total {
                        self.compact();
                        return None;
                    }
                    let frame = self.build(&avail[..total]);
                    self.start += total;
                    return Some(Ok(frame));
                }
            }
        }
    }

    fn compact(&mut self) {
        if self.start > 0 {
            let start = self.start.min(self.buf.len());
            self.buf.drain(..start);
            self.start = 0;
        }
    }

    fn check_header(&self, avail: &[u8]) -> HeaderCheck {
        match self.mode {
            Mode::Root => check_root_header(avail),
            Mode::Main => check_packet_header(avail, self.direction),
        }
    }

    /// Build a frame from bytes whose header `check_header` accepted.
    fn build(&self, bytes: &[u8]) -> Frame {
        let data = bytes[4..].to_vec();
        match self.mode {
            Mode::Root => Frame::Root(RootMessage {
                kind: RootType::from_byte(bytes[1]).unwrap_or(RootType::EnterMainMode),
                data,
            }),
            Mode::Main => Frame::Packet(Packet {
                source: Route::from_byte(bytes[0]).unwrap_or(Route::Phone),
                destination: Route::from_byte(bytes[1]).unwrap_or(Route::Phone),
                payload: data,
            }),
        }
    }
}

fn check_root_header(avail: &[u8]) -> HeaderCheck {
    let Some(&first) = avail.first() else {
        return HeaderCheck::NeedMore;
    };
    if first != ROOT_START {
        let skip = avail
            .iter()
            .position(|&b| b == ROOT_START)
            .unwrap_or(avail.len());
        return HeaderCheck::Bad(FrameError::BadHeader { found: first }, skip);
    }
    if avail.len() >= 2 && RootType::from_byte(avail[1]).is_none() {
        return HeaderCheck::Bad(FrameError::UnknownType(avail[1]), 1);
    }
    if avail.len() < ROOT_HEADER_LEN {
        return HeaderCheck::NeedMore;
    }
    let len = usize::from(u16::from_le_bytes([avail[2], avail[3]]));
    if len > MAX_ROOT_DATA {
        return HeaderCheck::Bad(
            FrameError::LengthOutOfRange {
                len,
                max: MAX_ROOT_DATA,
            },
            1,
        );
    }
    HeaderCheck::Good {
        total: ROOT_HEADER_LEN + len,
    }
}

fn check_packet_header(avail: &[u8], direction: Direction) -> HeaderCheck {
    let Some(&source) = avail.first() else {
        return HeaderCheck::NeedMore;
    };
    if !Route::from_byte(source).is_some_and(|r| direction.valid_source(r)) {
        return HeaderCheck::Bad(FrameError::UnknownRoute(source), 1);
    }
    if let Some(&destination) = avail.get(1) {
        if !Route::from_byte(destination).is_some_and(|r| direction.valid_destination(r)) {
            return HeaderCheck::Bad(FrameError::UnknownRoute(destination), 1);
        }
    }
    if avail.len() < PACKET_HEADER_LEN {
        return HeaderCheck::NeedMore;
    }
    let len = usize::from(u16::from_le_bytes([avail[2], avail[3]]));
    if len == 0 || len > MAX_PACKET_PAYLOAD {
        return HeaderCheck::Bad(
            FrameError::LengthOutOfRange {
                len,
                max: MAX_PACKET_PAYLOAD,
            },
            1,
        );
    }
    HeaderCheck::Good {
        total: PACKET_HEADER_LEN + len,
    }
}

fn checked_len(len: usize, max: usize) -> Result<usize, FrameError> {
    if len > max {
        Err(FrameError::LengthOutOfRange { len, max })
    } else {
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn drain(decoder: &mut FrameDecoder) -> Vec<Result<Frame, FrameError>> {
        std::iter::from_fn(|| decoder.next()).collect()
    }

    fn frames_only(items: Vec<Result<Frame, FrameError>>) -> Vec<Frame> {
        items.into_iter().filter_map(Result::ok).collect()
    }

    #[test]
    fn enter_main_mode_is_four_bytes() {
        let bytes = RootMessage::command(RootType::EnterMainMode)
            .encode()
            .unwrap();
        assert_eq!(bytes, [0xF4, 0x10, 0x00, 0x00]);
    }

    #[test]
    fn a_battery_response_is_one_packet_with_an_stm_message() {
        let message = Message::new(Route::Stm, (0x50, 0x10), vec![87]);
        let bytes = message.to_packets(Direction::ToPhone).unwrap();
        assert_eq!(bytes, [0x10, 0xA0, 0x05, 0x00, 0x50, 0x10, 0x01, 0x00, 87]);
    }

    #[test]
    fn a_un20_message_has_a_u32_length() {
        let message = Message::new(Route::Un20, (0x21, 0x00), vec![0xF4, 0x01]);
        assert_eq!(
            message.encode().unwrap(),
            [0x21, 0x00, 0x02, 0, 0, 0, 0xF4, 0x01]
        );
    }

    #[test]
    fn a_long_message_is_cut_into_packets_of_at_most_900_bytes() {
        let message = Message::new(Route::Un20, (0x41, 0x00), vec![7; 2000]);
        let bytes = message.to_packets(Direction::ToPhone).unwrap();
        let mut decoder = FrameDecoder::new(Direction::ToPhone, Mode::Main);
        decoder.push(&bytes);
        let sizes: Vec<usize> = frames_only(drain(&mut decoder))
            .into_iter()
            .map(|f| match f {
                Frame::Packet(p) => p.payload.len(),
                Frame::Root(_) => 0,
            })
            .collect();
        assert_eq!(sizes, [900, 900, 206]);
    }

    #[test]
    fn oversize_lengths_are_refused_when_encoding() {
        let root = RootMessage {
            kind: RootType::SetExtendedVersion,
            data: vec![0; 1021],
        };
        assert!(matches!(
            root.encode(),
            Err(FrameError::LengthOutOfRange { .. })
        ));
        let huge = Message::new(Route::Un20, (0x41, 0), vec![0; MAX_UN20_DATA + 1]);
        assert!(matches!(
            huge.encode(),
            Err(FrameError::LengthOutOfRange { .. })
        ));
        let phone = Message::new(Route::StmEvent, (0x3A, 0), vec![]);
        assert!(phone.to_packets(Direction::ToScanner).is_err());
    }

    #[test]
    fn garbage_before_a_root_message_is_reported_once_and_skipped() {
        let mut decoder = FrameDecoder::new(Direction::ToPhone, Mode::Root);
        decoder.push(&[0x00, 0x13, 0x37]);
        decoder.push(
            &RootMessage::command(RootType::EnterMainMode)
                .encode()
                .unwrap(),
        );
        let items = drain(&mut decoder);
        assert_eq!(items.len(), 2);
        assert_eq!(items[0], Err(FrameError::BadHeader { found: 0x00 }));
        assert_eq!(
            items[1],
            Ok(Frame::Root(RootMessage::command(RootType::EnterMainMode)))
        );
    }

    #[test]
    fn unknown_types_routes_and_lengths_are_typed_errors() {
        let mut root = FrameDecoder::new(Direction::ToPhone, Mode::Root);
        root.push(&[0xF4, 0x99, 0, 0]);
        assert_eq!(root.next(), Some(Err(FrameError::UnknownType(0x99))));
        let mut root = FrameDecoder::new(Direction::ToPhone, Mode::Root);
        root.push(&[0xF4, 0xD0, 0xFF, 0xFF]);
        assert_eq!(
            root.next(),
            Some(Err(FrameError::LengthOutOfRange {
                len: 65535,
                max: 1020
            }))
        );
        let mut main = FrameDecoder::new(Direction::ToPhone, Mode::Main);
        main.push(&[0x33, 0xA0, 1, 0, 0]);
        assert_eq!(main.next(), Some(Err(FrameError::UnknownRoute(0x33))));
        let mut main = FrameDecoder::new(Direction::ToPhone, Mode::Main);
        main.push(&[0x10, 0xA0, 0x85, 0x03]);
        assert_eq!(
            main.next(),
            Some(Err(FrameError::LengthOutOfRange { len: 901, max: 900 }))
        );
        // A packet the phone itself would send is misdirected on the phone's receive side.
        let mut main = FrameDecoder::new(Direction::ToPhone, Mode::Main);
        main.push(&[0xA0, 0x10, 1, 0, 0]);
        assert_eq!(main.next(), Some(Err(FrameError::UnknownRoute(0xA0))));
    }

    #[test]
    fn a_cut_frame_is_truncated_at_the_end_of_the_stream() {
        let mut decoder = FrameDecoder::new(Direction::ToPhone, Mode::Main);
        let bytes = Message::new(Route::Stm, (0x50, 0x11), vec![1, 2])
            .to_packets(Direction::ToPhone)
            .unwrap();
        decoder.push(&bytes[..7]);
        assert_eq!(decoder.next(), None);
        assert!(decoder.has_partial());
        assert_eq!(
            decoder.finish(),
            Some(FrameError::Truncated {
                expected: 10,
                actual: 7
            })
        );
        assert!(!decoder.has_partial());
    }

    #[test]
    fn the_decoder_resynchronises_after_a_dropped_byte() {
        let first = Message::new(Route::Stm, (0x50, 0x10), vec![50])
            .to_packets(Direction::ToPhone)
            .unwrap();
        let second = Message::new(Route::Stm, (0x50, 0x11), vec![0x10, 0x0E])
            .to_packets(Direction::ToPhone)
            .unwrap();
        let mut stream = first.clone();
        stream.remove(0); // the source byte is lost
        stream.extend_from_slice(&second);
        let mut decoder = FrameDecoder::new(Direction::ToPhone, Mode::Main);
        decoder.push(&stream);
        let items = drain(&mut decoder);
        assert!(items[0].is_err());
        let last = items.last().unwrap().clone().unwrap();
        let mut expect = FrameDecoder::new(Direction::ToPhone, Mode::Main);
        expect.push(&second);
        assert_eq!(last, expect.next().unwrap().unwrap());
    }

    #[test]
    fn message_decode_checks_lengths() {
        assert_eq!(
            Message::decode(Route::Stm, &[0x50, 0x10, 2, 0, 1]),
            Err(FrameError::Truncated {
                expected: 6,
                actual: 5
            })
        );
        assert_eq!(
            Message::decode(Route::Un20, &[0x41, 0, 0xFF, 0xFF, 0xFF, 0xFF]),
            Err(FrameError::LengthOutOfRange {
                len: 0xFFFF_FFFF,
                max: MAX_UN20_DATA
            })
        );
        assert_eq!(
            Message::decode(Route::Stm, &[0x50, 0x10, 1, 0, 1, 9]),
            Err(FrameError::LengthOutOfRange { len: 2, max: 1 })
        );
        assert!(Message::decode(Route::Un20, &[0x41]).is_err());
    }

    fn root_type() -> impl Strategy<Value = RootType> {
        prop::sample::select(vec![
            RootType::EnterMainMode,
            RootType::EnterBluetoothUpdateMode,
            RootType::EnterStmUpdateMode,
            RootType::BluetoothVersion,
            RootType::BluetoothExtendedVersion,
            RootType::UnifiedVersion,
            RootType::ExtendedVersion,
            RootType::SetVersion,
            RootType::SetExtendedVersion,
            RootType::HardwareVersion,
        ])
    }

    fn message_to_phone() -> impl Strategy<Value = Message> {
        (
            prop::sample::select(vec![Route::Stm, Route::StmEvent, Route::Un20]),
            any::<(u8, u8)>(),
            prop::collection::vec(any::<u8>(), 0..2500),
        )
            .prop_map(|(route, kind, data)| Message::new(route, kind, data))
    }

    fn stream_of_packets(messages: &[Message]) -> Vec<u8> {
        messages
            .iter()
            .flat_map(|m| m.to_packets(Direction::ToPhone).unwrap())
            .collect()
    }

    proptest! {
        #[test]
        fn root_messages_round_trip(kind in root_type(), data in prop::collection::vec(any::<u8>(), 0..=1020)) {
            let message = RootMessage { kind, data };
            let mut decoder = FrameDecoder::new(Direction::ToPhone, Mode::Root);
            decoder.push(&message.encode().unwrap());
            prop_assert_eq!(decoder.next(), Some(Ok(Frame::Root(message))));
            prop_assert_eq!(decoder.next(), None);
            prop_assert!(!decoder.has_partial());
        }

        #[test]
        fn messages_round_trip(message in message_to_phone()) {
            prop_assert_eq!(Message::decode(message.route, &message.encode().unwrap()), Ok(message));
        }

        #[test]
        fn packets_round_trip(messages in prop::collection::vec(message_to_phone(), 1..4)) {
            let stream = stream_of_packets(&messages);
            let mut decoder = FrameDecoder::new(Direction::ToPhone, Mode::Main);
            decoder.push(&stream);
            let items = drain(&mut decoder);
            prop_assert!(items.iter().all(Result::is_ok));
            let mut reencoded = Vec::new();
            for frame in frames_only(items) {
                match frame {
                    Frame::Packet(p) => reencoded.extend(p.encode().unwrap()),
                    Frame::Root(_) => prop_assert!(false, "root frame in main mode"),
                }
            }
            prop_assert_eq!(reencoded, stream);
        }

        #[test]
        fn split_at_every_boundary_yields_the_same_frames(
            messages in prop::collection::vec(message_to_phone(), 1..3),
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
        ) {
            let stream = stream_of_packets(&messages);
            let mut whole = FrameDecoder::new(Direction::ToPhone, Mode::Main);
            whole.push(&stream);
            let expected = drain(&mut whole);
            let mut at: Vec<usize> = cuts.iter().map(|i| i.index(stream.len() + 1)).collect();
            at.push(0);
            at.push(stream.len());
            at.sort_unstable();
            let mut pieces = FrameDecoder::new(Direction::ToPhone, Mode::Main);
            let mut got = Vec::new();
            for w in at.windows(2) {
                pieces.push(&stream[w[0]..w[1]]);
                got.extend(drain(&mut pieces));
            }
            prop_assert_eq!(got, expected);
        }

        #[test]
        fn every_single_byte_split_of_a_root_stream_yields_the_same_frames(
            kinds in prop::collection::vec(root_type(), 1..4),
            data in prop::collection::vec(any::<u8>(), 0..40),
        ) {
            let messages: Vec<RootMessage> =
                kinds.into_iter().map(|kind| RootMessage { kind, data: data.clone() }).collect();
            let stream: Vec<u8> = messages.iter().flat_map(|m| m.encode().unwrap()).collect();
            for cut in 0..=stream.len() {
                let mut decoder = FrameDecoder::new(Direction::ToPhone, Mode::Root);
                decoder.push(&stream[..cut]);
                let mut got = drain(&mut decoder);
                decoder.push(&stream[cut..]);
                got.extend(drain(&mut decoder));
                let roots: Vec<Frame> = messages.iter().cloned().map(Frame::Root).collect();
                prop_assert_eq!(got, roots.into_iter().map(Ok).collect::<Vec<_>>());
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic_and_stay_bounded(
            bytes in prop::collection::vec(any::<u8>(), 0..4096),
            chunk in 1usize..600,
            main in any::<bool>(),
            to_phone in any::<bool>(),
        ) {
            let direction = if to_phone { Direction::ToPhone } else { Direction::ToScanner };
            let mode = if main { Mode::Main } else { Mode::Root };
            let mut decoder = FrameDecoder::new(direction, mode);
            for piece in bytes.chunks(chunk) {
                decoder.push(piece);
                while let Some(item) = decoder.next() {
                    if let Ok(Frame::Packet(p)) = item {
                        prop_assert!(!p.payload.is_empty() && p.payload.len() <= MAX_PACKET_PAYLOAD);
                    }
                }
                prop_assert!(decoder.buf.len() <= ROOT_HEADER_LEN + MAX_ROOT_DATA);
            }
            decoder.finish();
            prop_assert!(!decoder.has_partial());
        }
    }
}
