//! Multi-packet reassembly: packets on one route are appended to that route's accumulator
//! until the message header's length is satisfied (facts, "Modes and framing").
//!
//! Every accumulator is cleared on each (re)connect: in the field, leftover bytes from a
//! dropped link corrupted the next connection's first message.

use super::frame::{Direction, FrameError, Message, Packet, Route};

/// Per-route accumulators for one direction of the link.
#[derive(Debug, Clone)]
pub struct Reassembler {
    direction: Direction,
    stm: Vec<u8>,
    events: Vec<u8>,
    un20: Vec<u8>,
}

impl Reassembler {
    /// Empty accumulators for packets travelling in `direction`.
    pub fn new(direction: Direction) -> Reassembler {
        Reassembler {
            direction,
            stm: Vec::new(),
            events: Vec::new(),
            un20: Vec::new(),
        }
    }

    /// Add a packet's payload to its route; returns the messages it completed (usually none
    /// or one) and any message header whose length is out of range (that route's
    /// accumulator is then dropped, since its framing is lost).
    pub fn push(&mut self, packet: Packet) -> Vec<Result<Message, FrameError>> {
        let route = match self.direction {
            Direction::ToPhone => packet.source,
            Direction::ToScanner => packet.destination,
        };
        let Some(acc) = self.accumulator(route) else {
            return vec![Err(FrameError::UnknownRoute(route as u8))];
        };
        acc.extend_from_slice(&packet.payload);
        let mut out = Vec::new();
        let header = route.message_header_len();
        while let Some(len) = Message::announced_len(route, acc) {
            let max = route.max_message_data();
            if len > max {
                acc.clear();
                out.push(Err(FrameError::LengthOutOfRange { len, max }));
                break;
            }
            if acc.len() < header + len {
                break;
            }
            let rest = acc.split_off(header + len);
            let whole = std::mem::replace(acc, rest);
            out.push(Message::decode(route, &whole));
        }
        out
    }

    /// Whether any route holds part of a message.
    pub fn has_partial(&self) -> bool {
        !(self.stm.is_empty() && self.events.is_empty() && self.un20.is_empty())
    }

    /// Drop every partial message; reports each as [`FrameError::Truncated`].
    pub fn finish(&mut self) -> Vec<FrameError> {
        let mut out = Vec::new();
        for route in [Route::Stm, Route::StmEvent, Route::Un20] {
            if let Some(acc) = self.accumulator(route) {
                if !acc.is_empty() {
                    let expected = Message::announced_len(route, acc)
                        .map_or(route.message_header_len(), |len| {
                            route.message_header_len() + len
                        });
                    out.push(FrameError::Truncated {
                        expected,
                        actual: acc.len(),
                    });
                    acc.clear();
                }
            }
        }
        out
    }

    /// Forget every partial message.
    pub fn clear(&mut self) {
        self.stm.clear();
        self.events.clear();
        self.un20.clear();
    }

    fn accumulator(&mut self, route: Route) -> Option<&mut Vec<u8>> {
        match route {
            Route::Stm => Some(&mut self.stm),
            Route::StmEvent => Some(&mut self.events),
            Route::Un20 => Some(&mut self.un20),
            Route::Phone => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scanner::frame::{Frame, FrameDecoder, Mode, MAX_UN20_DATA};
    use proptest::prelude::*;

    fn receive(stream: &[u8]) -> Vec<Result<Message, FrameError>> {
        let mut decoder = FrameDecoder::new(Direction::ToPhone, Mode::Main);
        let mut assembler = Reassembler::new(Direction::ToPhone);
        decoder.push(stream);
        let mut out = Vec::new();
        while let Some(item) = decoder.next() {
            match item {
                Ok(Frame::Packet(p)) => out.extend(assembler.push(p)),
                Ok(Frame::Root(_)) => {}
                Err(e) => out.push(Err(e)),
            }
        }
        out
    }

    #[test]
    fn an_image_split_over_many_packets_is_reassembled() {
        let image = Message::new(
            Route::Un20,
            (0x41, 0x00),
            (0..5000u32).map(|i| i as u8).collect(),
        );
        let got = receive(&image.to_packets(Direction::ToPhone).unwrap());
        assert_eq!(got, vec![Ok(image)]);
    }

    #[test]
    fn routes_are_reassembled_independently_when_interleaved() {
        let image = Message::new(Route::Un20, (0x41, 0x00), vec![9; 1900]);
        let event = Message::new(Route::StmEvent, (0x3A, 0x00), vec![]);
        let image_bytes = image.to_packets(Direction::ToPhone).unwrap();
        let event_bytes = event.to_packets(Direction::ToPhone).unwrap();
        // First packet of the image, then the event, then the rest of the image.
        let first = 4 + 900;
        let mut stream = image_bytes[..first].to_vec();
        stream.extend_from_slice(&event_bytes);
        stream.extend_from_slice(&image_bytes[first..]);
        assert_eq!(receive(&stream), vec![Ok(event), Ok(image)]);
    }

    #[test]
    fn two_messages_in_one_packet_are_both_delivered() {
        let a = Message::new(Route::Stm, (0x50, 0x10), vec![80]);
        let b = Message::new(Route::Stm, (0x50, 0x11), vec![0x10, 0x0E]);
        let mut payload = a.encode().unwrap();
        payload.extend(b.encode().unwrap());
        let mut assembler = Reassembler::new(Direction::ToPhone);
        let packet = Packet {
            source: Route::Stm,
            destination: Route::Phone,
            payload,
        };
        assert_eq!(assembler.push(packet), vec![Ok(a), Ok(b)]);
        assert!(!assembler.has_partial());
    }

    #[test]
    fn an_absurd_un20_length_is_refused_before_buffering() {
        let mut assembler = Reassembler::new(Direction::ToPhone);
        let packet = Packet {
            source: Route::Un20,
            destination: Route::Phone,
            payload: vec![0x41, 0x00, 0xFF, 0xFF, 0xFF, 0x7F],
        };
        assert_eq!(
            assembler.push(packet),
            vec![Err(FrameError::LengthOutOfRange {
                len: 0x7FFF_FFFF,
                max: MAX_UN20_DATA
            })]
        );
        assert!(!assembler.has_partial());
    }

    #[test]
    fn a_half_delivered_message_is_truncated_and_cleared() {
        let mut assembler = Reassembler::new(Direction::ToPhone);
        let packet = Packet {
            source: Route::Un20,
            destination: Route::Phone,
            payload: vec![0x41, 0x00, 100, 0, 0, 0, 1, 2, 3],
        };
        assert!(assembler.push(packet).is_empty());
        assert_eq!(
            assembler.finish(),
            vec![FrameError::Truncated {
                expected: 106,
                actual: 9
            }]
        );
        assert!(!assembler.has_partial());
    }

    proptest! {
        #[test]
        fn any_packets_never_panic(
            packets in prop::collection::vec(
                (prop::sample::select(vec![Route::Stm, Route::StmEvent, Route::Un20, Route::Phone]),
                 prop::collection::vec(any::<u8>(), 1..900)),
                0..20)
        ) {
            let mut assembler = Reassembler::new(Direction::ToPhone);
            for (source, payload) in packets {
                let packet = Packet { source, destination: Route::Phone, payload };
                for m in assembler.push(packet).into_iter().flatten() {
                    prop_assert!(m.data.len() <= m.route.max_message_data());
                }
            }
            assembler.finish();
            prop_assert!(!assembler.has_partial());
        }
    }
}
