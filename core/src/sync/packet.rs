//! The export packet's wire format (docs/formats/packet.md).
//!
//! ```text
//! magic "JTGX" | version 1 | device id (u8 length, UTF-8) | sequence u64 | created_at i64
//! | record count u32 | ephemeral X25519 public key (32) | ciphertext length u32
//! | ciphertext (AES-256-GCM, tag included; associated data = every byte before it)
//! | Ed25519 signature (64) of every byte before it
//! ```
//! Integers are big-endian. The content key is HKDF-SHA256 of the X25519 agreement between
//! the packet's ephemeral key and the programme key; each key encrypts one packet only, so
//! the nonce is fixed at zero. Parsing checks every length against the bytes actually
//! there before allocating; the signature is checked before anything is decrypted.

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::hkdf::{Salt, HKDF_SHA256};
use thiserror::Error;

use super::keys::{DeviceKey, DevicePublicKey, EphemeralKey, KeyError, ProgrammeKey, ProgrammePublicKey, KEY_BYTES, SIGNATURE_LEN};

/// First bytes of every packet file.
pub const PACKET_MAGIC: [u8; 4] = *b"JTGX";
/// The format this code writes and reads.
pub const PACKET_VERSION: u8 = 1;
/// HKDF salt: names the format, so a key derived here is useless anywhere else.
pub const HKDF_SALT: &[u8] = b"jatigi packet v1";
/// Longest device id (the registry's `DeviceId` is shorter still).
pub const MAX_DEVICE_ID: usize = 64;
/// Largest ciphertext accepted: a day's work of one tablet with finger images is tens of
/// megabytes; this bound keeps a hostile length field from making the hub allocate more.
pub const MAX_CIPHERTEXT: usize = 1 << 30;
/// Most records one packet may declare (a tablet enrols a few hundred households a day).
pub const MAX_RECORDS: u32 = 1_000_000;
/// AES-GCM tag length.
pub const TAG_LEN: usize = 16;

/// Why a packet was refused. Each kind has its own variant, so the hub says exactly what
/// is wrong with a file.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum PacketError {
    #[error("not a Jatigi packet (the file does not start with JTGX)")]
    NotAPacket,
    #[error("packet format version {0} is not supported (this program reads version {PACKET_VERSION})")]
    UnsupportedVersion(u8),
    #[error("truncated packet: {needed} bytes needed, {available} present")]
    Truncated { needed: usize, available: usize },
    #[error("{0} unexpected bytes after the packet's signature")]
    TrailingBytes(usize),
    #[error("the packet's header is malformed: {0}")]
    BadHeader(&'static str),
    #[error("bad signature: the packet was changed or was not made by device {0}")]
    BadSignature(String),
    #[error("cannot decrypt: the packet was encrypted for another programme key")]
    WrongProgrammeKey,
    #[error("the packet's contents are malformed: {0}")]
    BadBody(String),
    #[error("the packet declares {declared} records but holds {found}")]
    RecordCount { declared: u32, found: usize },
    #[error("key: {0}")]
    Key(#[from] KeyError),
    #[error("encryption failed")]
    Crypto,
}

/// The packet's clear header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketHeader {
    pub version: u8,
    pub device: String,
    /// 1 for a device's first packet, then one more for each.
    pub sequence: u64,
    /// Seconds since 1970 (UTC) when the packet was first made; a re-export keeps it.
    pub created_at: i64,
    pub records: u32,
    pub ephemeral: [u8; KEY_BYTES],
}

/// A parsed packet whose signature has not been checked yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportPacket<'a> {
    pub header: PacketHeader,
    /// Header bytes: the AES-GCM associated data.
    header_bytes: &'a [u8],
    ciphertext: &'a [u8],
    /// Every byte the signature covers (header and ciphertext).
    signed: &'a [u8],
    signature: &'a [u8],
}

/// A cursor that refuses to read past the end, naming how many bytes were missing.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], PacketError> {
        let end = self.at.checked_add(n).ok_or(PacketError::BadHeader("length overflow"))?;
        let slice = self.bytes.get(self.at..end).ok_or(PacketError::Truncated { needed: end, available: self.bytes.len() })?;
        self.at = end;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], PacketError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
}

fn content_key(shared: &[u8; KEY_BYTES], ephemeral: &[u8; KEY_BYTES], programme: &[u8; KEY_BYTES]) -> Result<LessSafeKey, PacketError> {
    // An all-zero agreement means a low-order ephemeral point: no secret at all.
    if shared.iter().all(|&b| b == 0) {
        return Err(PacketError::WrongProgrammeKey);
    }
    let info = [&ephemeral[..], &programme[..]];
    let prk = Salt::new(HKDF_SHA256, HKDF_SALT).extract(shared);
    let okm = prk.expand(&info, &AES_256_GCM).map_err(|_| PacketError::Crypto)?;
    Ok(LessSafeKey::new(UnboundKey::from(okm)))
}

fn encode_header(h: &PacketHeader, ciphertext_len: usize) -> Result<Vec<u8>, PacketError> {
    if h.device.is_empty() || h.device.len() > MAX_DEVICE_ID {
        return Err(PacketError::BadHeader("device id length"));
    }
    let mut out = Vec::with_capacity(100);
    out.extend_from_slice(&PACKET_MAGIC);
    out.push(h.version);
    out.push(h.device.len() as u8);
    out.extend_from_slice(h.device.as_bytes());
    out.extend_from_slice(&h.sequence.to_be_bytes());
    out.extend_from_slice(&h.created_at.to_be_bytes());
    out.extend_from_slice(&h.records.to_be_bytes());
    out.extend_from_slice(&h.ephemeral);
    let len = u32::try_from(ciphertext_len).map_err(|_| PacketError::BadHeader("ciphertext too long"))?;
    out.extend_from_slice(&len.to_be_bytes());
    Ok(out)
}

/// Encrypt `body` to the programme key and sign it: the bytes of a packet file.
pub fn seal(
    device: &str,
    sequence: u64,
    created_at: i64,
    records: u32,
    body: &[u8],
    signer: &DeviceKey,
    programme: &ProgrammePublicKey,
) -> Result<Vec<u8>, PacketError> {
    seal_with(device, sequence, created_at, records, body, signer, programme, &EphemeralKey::generate()?)
}

/// [`seal`] with a given ephemeral secret: for test vectors only (an ephemeral secret used
/// twice lets whoever sees both packets' plaintexts relate them; [`seal`] draws a new one).
#[allow(clippy::too_many_arguments)]
pub fn seal_with_ephemeral_secret(
    device: &str,
    sequence: u64,
    created_at: i64,
    records: u32,
    body: &[u8],
    signer: &DeviceKey,
    programme: &ProgrammePublicKey,
    ephemeral_secret: &[u8],
) -> Result<Vec<u8>, PacketError> {
    seal_with(device, sequence, created_at, records, body, signer, programme, &EphemeralKey::from_secret(ephemeral_secret)?)
}

#[allow(clippy::too_many_arguments)]
fn seal_with(
    device: &str,
    sequence: u64,
    created_at: i64,
    records: u32,
    body: &[u8],
    signer: &DeviceKey,
    programme: &ProgrammePublicKey,
    ephemeral: &EphemeralKey,
) -> Result<Vec<u8>, PacketError> {
    if body.len() + TAG_LEN > MAX_CIPHERTEXT {
        return Err(PacketError::BadHeader("body too long"));
    }
    let header = PacketHeader { version: PACKET_VERSION, device: device.to_string(), sequence, created_at, records, ephemeral: ephemeral.public() };
    let mut out = encode_header(&header, body.len() + TAG_LEN)?;
    let key = content_key(&ephemeral.agree(programme), &header.ephemeral, &programme.0)?;
    let mut sealed = body.to_vec();
    key.seal_in_place_append_tag(Nonce::assume_unique_for_key([0u8; NONCE_LEN]), Aad::from(&out), &mut sealed).map_err(|_| PacketError::Crypto)?;
    out.extend_from_slice(&sealed);
    let signature = signer.sign(&out);
    out.extend_from_slice(&signature);
    Ok(out)
}

impl<'a> ExportPacket<'a> {
    /// Parse a packet file: structure only, nothing verified or decrypted.
    pub fn parse(bytes: &'a [u8]) -> Result<ExportPacket<'a>, PacketError> {
        let mut c = Cursor { bytes, at: 0 };
        if bytes.len() >= 4 && bytes[..4] != PACKET_MAGIC {
            return Err(PacketError::NotAPacket);
        }
        c.take(4)?;
        let version = c.array::<1>()?[0];
        if version != PACKET_VERSION {
            return Err(PacketError::UnsupportedVersion(version));
        }
        let device_len = c.array::<1>()?[0] as usize;
        if device_len == 0 || device_len > MAX_DEVICE_ID {
            return Err(PacketError::BadHeader("device id length"));
        }
        let device = std::str::from_utf8(c.take(device_len)?).map_err(|_| PacketError::BadHeader("device id is not UTF-8"))?.to_string();
        let sequence = u64::from_be_bytes(c.array()?);
        if sequence == 0 {
            return Err(PacketError::BadHeader("sequence number 0"));
        }
        let created_at = i64::from_be_bytes(c.array()?);
        let records = u32::from_be_bytes(c.array()?);
        if records > MAX_RECORDS {
            return Err(PacketError::BadHeader("too many records"));
        }
        let ephemeral = c.array::<KEY_BYTES>()?;
        let len = u32::from_be_bytes(c.array()?) as usize;
        if !(TAG_LEN..=MAX_CIPHERTEXT).contains(&len) {
            return Err(PacketError::BadHeader("ciphertext length"));
        }
        let header_end = c.at;
        c.take(len)?;
        let signed_end = c.at;
        c.take(SIGNATURE_LEN)?;
        if c.at < bytes.len() {
            return Err(PacketError::TrailingBytes(bytes.len() - c.at));
        }
        Ok(ExportPacket {
            header: PacketHeader { version, device, sequence, created_at, records, ephemeral },
            header_bytes: &bytes[..header_end],
            ciphertext: &bytes[header_end..signed_end],
            signed: &bytes[..signed_end],
            signature: &bytes[signed_end..],
        })
    }

    /// Check the device's signature over the header and the ciphertext.
    pub fn verify(&self, device: &DevicePublicKey) -> Result<(), PacketError> {
        if device.verify(self.signed, self.signature) {
            Ok(())
        } else {
            Err(PacketError::BadSignature(self.header.device.clone()))
        }
    }

    /// Decrypt the body with the programme's secret key (after [`verify`](Self::verify)).
    pub fn decrypt(&self, programme: &ProgrammeKey) -> Result<zeroize::Zeroizing<Vec<u8>>, PacketError> {
        let key = content_key(&programme.agree(&self.header.ephemeral), &self.header.ephemeral, &programme.public().0)?;
        let mut buffer = zeroize::Zeroizing::new(self.ciphertext.to_vec());
        let plain_len = key
            .open_in_place(Nonce::assume_unique_for_key([0u8; NONCE_LEN]), Aad::from(self.header_bytes), &mut buffer)
            .map_err(|_| PacketError::WrongProgrammeKey)?
            .len();
        buffer.truncate(plain_len);
        Ok(buffer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> (DeviceKey, ProgrammeKey) {
        (DeviceKey::from_seed(&[7u8; 32]).unwrap(), ProgrammeKey::from_secret(&[9u8; 32]).unwrap())
    }

    fn packet(body: &[u8]) -> Vec<u8> {
        let (device, programme) = keys();
        seal("TAB-A", 3, 1_748_736_000, 2, body, &device, &programme.public()).unwrap()
    }

    #[test]
    fn a_packet_round_trips() {
        let (device, programme) = keys();
        let bytes = packet(b"two records");
        let p = ExportPacket::parse(&bytes).unwrap();
        assert_eq!((p.header.device.as_str(), p.header.sequence, p.header.records), ("TAB-A", 3, 2));
        p.verify(&device.public()).unwrap();
        assert_eq!(&p.decrypt(&programme).unwrap()[..], b"two records");
    }

    #[test]
    fn a_tampered_byte_anywhere_is_refused_by_the_signature_or_the_parser() {
        let (device, _) = keys();
        let bytes = packet(b"body");
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x01;
            let verdict = ExportPacket::parse(&bad).and_then(|p| p.verify(&device.public()));
            assert!(verdict.is_err(), "byte {i}");
        }
    }

    #[test]
    fn every_truncation_is_refused_as_truncated() {
        let bytes = packet(b"body");
        for n in 4..bytes.len() {
            assert!(matches!(ExportPacket::parse(&bytes[..n]), Err(PacketError::Truncated { .. })), "{n}");
        }
        assert!(matches!(ExportPacket::parse(b"JT"), Err(PacketError::Truncated { .. })));
        assert_eq!(ExportPacket::parse(b"PK\x03\x04zip"), Err(PacketError::NotAPacket));
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(ExportPacket::parse(&longer), Err(PacketError::TrailingBytes(1)));
    }

    #[test]
    fn another_programme_key_cannot_decrypt_and_nor_can_the_tablet() {
        let bytes = packet(b"secret");
        let p = ExportPacket::parse(&bytes).unwrap();
        let other = ProgrammeKey::from_secret(&[1u8; 32]).unwrap();
        assert_eq!(p.decrypt(&other), Err(PacketError::WrongProgrammeKey));
    }

    /// The committed vectors (docs/formats/packet.md, "Test vectors") open with the
    /// documented keys and are reproduced byte for byte. `JATIGI_WRITE_VECTORS=1` rewrites
    /// them (only when the format changes on purpose).
    #[test]
    fn the_committed_test_vectors_open_and_are_reproduced() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/packets");
        let seq = |start: u8| -> Vec<u8> { (start..start + 32).collect() };
        let device = DeviceKey::from_seed(&seq(0x01)).unwrap();
        let programme = ProgrammeKey::from_secret(&seq(0x41)).unwrap();
        assert_eq!(crate::sync::keys::to_hex(&device.public().0), "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664");
        assert_eq!(crate::sync::keys::to_hex(&programme.public().0), "64b101b1d0be5a8704bd078f9895001fc03e8e9f9522f188dd128d9846d48466");
        let empty_body = vec![0x80u8];
        let one_body = std::fs::read(dir.join("v1-one-household.cbor")).unwrap_or_default();
        let vectors = [("v1-empty.jtgx", 1u64, 1_748_736_000i64, 0u32, empty_body), ("v1-one-household.jtgx", 2, 1_748_739_600, 1, one_body)];
        for (name, sequence, created_at, records, body) in vectors {
            let made = seal_with_ephemeral_secret("TAB-VECTOR-01", sequence, created_at, records, &body, &device, &programme.public(), &seq(0x81)).unwrap();
            if std::env::var_os("JATIGI_WRITE_VECTORS").is_some() {
                std::fs::write(dir.join(name), &made).unwrap();
            }
            let committed = std::fs::read(dir.join(name)).unwrap();
            assert_eq!(made, committed, "{name}");
            let p = ExportPacket::parse(&committed).unwrap();
            p.verify(&device.public()).unwrap();
            assert_eq!(&p.decrypt(&programme).unwrap()[..], &body[..], "{name}");
            assert_eq!(super::super::event::decode_events(&body).unwrap().len(), records as usize);
        }
    }

    #[test]
    fn a_signature_from_another_device_is_refused() {
        let bytes = packet(b"x");
        let other = DeviceKey::from_seed(&[8u8; 32]).unwrap();
        assert!(matches!(ExportPacket::parse(&bytes).unwrap().verify(&other.public()), Err(PacketError::BadSignature(_))));
    }
}
