//! Base45 (RFC 9285): bytes as characters of the QR code's alphanumeric set.
//!
//! Why not Base64: a QR code stores alphanumeric text (0-9, A-Z, space, `$%*+-./:`) at 5.5
//! bits per character against 8 in byte mode. Base45 spends 1.5 characters per byte, so the
//! same payload takes about 3% fewer QR bits than Base64 in byte mode, and the text survives
//! being typed or read aloud in upper case. Small enough to write here rather than depend on
//! a crate.

use thiserror::Error;

/// The 45 characters, in value order (RFC 9285, table 1).
const ALPHABET: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// Why a text is not Base45.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Base45Error {
    #[error("character {0:?} is not in the Base45 alphabet")]
    BadCharacter(char),
    #[error("a Base45 text cannot have a length of 3n + 1")]
    BadLength,
    #[error("a Base45 group encodes a value too large for its bytes")]
    Overflow,
}

/// Encode bytes as Base45 text.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(2) * 3);
    let mut push = |v: usize| out.push(char::from(ALPHABET[v]));
    for pair in bytes.chunks(2) {
        match *pair {
            [a, b] => {
                let n = usize::from(a) * 256 + usize::from(b);
                push(n % 45);
                push(n / 45 % 45);
                push(n / 2025);
            }
            [a] => {
                let n = usize::from(a);
                push(n % 45);
                push(n / 45);
            }
            _ => {}
        }
    }
    out
}

fn value(c: u8) -> Result<u32, Base45Error> {
    ALPHABET
        .iter()
        .position(|&a| a == c)
        .map(|p| p as u32)
        .ok_or(Base45Error::BadCharacter(char::from(c)))
}

/// Decode Base45 text; refuses characters outside the alphabet (lower case included),
/// lengths of 3n + 1 and groups whose value does not fit their bytes.
pub fn decode(text: &str) -> Result<Vec<u8>, Base45Error> {
    if let Some(c) = text.chars().find(|c| !c.is_ascii()) {
        return Err(Base45Error::BadCharacter(c));
    }
    let bytes = text.as_bytes();
    if bytes.len() % 3 == 1 {
        return Err(Base45Error::BadLength);
    }
    let mut out = Vec::with_capacity(bytes.len() / 3 * 2 + 1);
    for group in bytes.chunks(3) {
        match *group {
            [c, d, e] => {
                let n = value(c)? + value(d)? * 45 + value(e)? * 2025;
                let pair = u16::try_from(n).map_err(|_| Base45Error::Overflow)?;
                out.extend_from_slice(&pair.to_be_bytes());
            }
            [c, d] => {
                let n = value(c)? + value(d)? * 45;
                out.push(u8::try_from(n).map_err(|_| Base45Error::Overflow)?);
            }
            _ => return Err(Base45Error::BadLength),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_rfc_examples() {
        // RFC 9285, section 4.3 and 4.4.
        assert_eq!(encode(b"AB"), "BB8");
        assert_eq!(encode(b"Hello!!"), "%69 VD92EX0");
        assert_eq!(encode(b"base-45"), "UJCLQE7W581");
        assert_eq!(decode("QED8WEX0").unwrap(), b"ietf!");
        assert_eq!(decode("").unwrap(), b"");
    }

    #[test]
    fn hostile_text_is_refused() {
        assert_eq!(decode("GGW"), Err(Base45Error::Overflow)); // 65535 + 1
        assert_eq!(decode(":::"), Err(Base45Error::Overflow));
        assert_eq!(decode("::"), Err(Base45Error::Overflow));
        assert_eq!(decode("A"), Err(Base45Error::BadLength));
        assert_eq!(decode("ab8"), Err(Base45Error::BadCharacter('a')));
        assert_eq!(decode("BBé"), Err(Base45Error::BadCharacter('é')));
    }

    proptest! {
        #[test]
        fn round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            prop_assert_eq!(decode(&encode(&bytes)).unwrap(), bytes);
        }

        #[test]
        fn decoding_anything_never_panics(text in ".{0,60}") {
            let _ = decode(&text);
        }
    }
}
