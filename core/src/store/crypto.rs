//! Sealing single values with AES-256-GCM, bound to where they are stored.
//!
//! A sealed value is `version (1) ‖ nonce (12) ‖ ciphertext ‖ tag (16)`. The associated data
//! is the version byte and the value's table, column and row id, length-prefixed, so a value
//! copied to another row, column or table — or relabelled with another version — fails to
//! open with [`StoreError::Tampered`]. The layout is documented in `docs/formats/store.md`.

use std::fmt;

use ring::aead::{self, Aad as RingAad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::StoreError;

/// Length of a data key or record key in bytes (AES-256).
pub const KEY_LEN: usize = 32;
/// Format version written as the first byte of every sealed value.
pub const SEAL_VERSION: u8 = 1;
/// Length of the per-value random nonce (96 bits, the GCM standard size).
pub const SEAL_NONCE_LEN: usize = NONCE_LEN;
/// Length of the GCM authentication tag.
pub const SEAL_TAG_LEN: usize = 16;
/// Bytes a sealed value adds to its plaintext: version, nonce and tag.
pub const SEAL_OVERHEAD: usize = 1 + SEAL_NONCE_LEN + SEAL_TAG_LEN;

/// A 256-bit AES key (the database data key or a per-record key), zeroized on drop.
///
/// Kept in a `Box` so that moving a `DataKey` around never leaves stray copies of the key
/// bytes in old stack frames; only the heap copy exists and it is wiped on drop. Not `Clone`
/// on purpose: every copy of a key is a copy to account for.
pub struct DataKey(Box<[u8; KEY_LEN]>);

impl DataKey {
    /// A fresh key from the operating system's CSPRNG.
    pub fn generate() -> Result<Self, StoreError> {
        let mut bytes = Box::new([0u8; KEY_LEN]);
        SystemRandom::new().fill(&mut bytes[..]).map_err(|_| StoreError::Random)?;
        Ok(DataKey(bytes))
    }

    /// A key from exactly 32 bytes (the caller stays responsible for wiping its own copy).
    pub fn from_slice(bytes: &[u8]) -> Result<Self, StoreError> {
        if bytes.len() != KEY_LEN {
            // A wrapped key that unwraps to the wrong length was not made by us.
            return Err(StoreError::WrongKey);
        }
        let mut key = Box::new([0u8; KEY_LEN]);
        key.copy_from_slice(bytes);
        Ok(DataKey(key))
    }

    /// The raw key bytes, for [`KeyProvider`](super::KeyProvider) implementations that must
    /// hand them to a platform key store. Never log or persist them unwrapped.
    pub fn expose_secret(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// A ring AEAD key for one operation. ring does not wipe its expanded key schedule, so we
    /// build it per call on the stack rather than keep a long-lived copy next to the store.
    fn aead_key(&self) -> LessSafeKey {
        // Cannot fail: the length is fixed at KEY_LEN, which is what AES-256-GCM expects.
        let unbound = UnboundKey::new(&AES_256_GCM, &self.0[..])
            .unwrap_or_else(|_| unreachable!("AES-256 keys are {KEY_LEN} bytes"));
        LessSafeKey::new(unbound)
    }
}

impl Drop for DataKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl ZeroizeOnDrop for DataKey {}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print key bytes, not even a fingerprint of them.
        f.write_str("DataKey(..)")
    }
}

/// Where a sealed value lives: the associated data that binds it to its place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Aad<'a> {
    /// Table name.
    pub table: &'a str,
    /// Column name.
    pub column: &'a str,
    /// Row id (the table's `INTEGER PRIMARY KEY`).
    pub row: i64,
}

impl<'a> Aad<'a> {
    /// The place `table.column` at row `row`.
    pub fn new(table: &'a str, column: &'a str, row: i64) -> Self {
        Aad { table, column, row }
    }

    /// The unambiguous encoding used as GCM associated data:
    /// `version ‖ u32le(len table) ‖ table ‖ u32le(len column) ‖ column ‖ i64le(row)`.
    ///
    /// Length prefixes make ("ab","c") and ("a","bc") different; the version byte means a
    /// value cannot be relabelled as another format version without failing to open.
    pub fn encode(&self, version: u8) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + 4 + self.table.len() + 4 + self.column.len() + 8);
        out.push(version);
        for part in [self.table, self.column] {
            // Names are short identifiers; saturating keeps this total and is never reached.
            let len = u32::try_from(part.len()).unwrap_or(u32::MAX);
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(part.as_bytes());
        }
        out.extend_from_slice(&self.row.to_le_bytes());
        out
    }

    fn tampered(&self) -> StoreError {
        StoreError::Tampered {
            table: self.table.to_owned(),
            column: self.column.to_owned(),
            row: self.row,
        }
    }
}

/// Seal `plaintext` for the place `aad` under `key`, with a fresh random nonce.
///
/// Random 96-bit nonces are safe for far more values than a tablet or hub will ever write
/// under one key (NIST's bound is 2^32 per key).
pub fn seal(key: &DataKey, aad: &Aad, plaintext: &[u8]) -> Result<Vec<u8>, StoreError> {
    seal_raw(&key.aead_key(), random_nonce()?, &aad.encode(SEAL_VERSION), plaintext)
}

fn random_nonce() -> Result<[u8; SEAL_NONCE_LEN], StoreError> {
    let mut nonce = [0u8; SEAL_NONCE_LEN];
    SystemRandom::new().fill(&mut nonce).map_err(|_| StoreError::Random)?;
    Ok(nonce)
}

/// `SEAL_VERSION ‖ nonce ‖ ciphertext ‖ tag`, encrypting in place in the output buffer (sized
/// up front, so it never reallocates and leaves no plaintext copy behind).
fn seal_raw(
    aead_key: &LessSafeKey,
    nonce: [u8; SEAL_NONCE_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, StoreError> {
    let mut out = Vec::with_capacity(SEAL_OVERHEAD + plaintext.len());
    out.push(SEAL_VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(plaintext);
    let tag = aead_key
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce),
            RingAad::from(aad),
            &mut out[1 + SEAL_NONCE_LEN..],
        )
        // ring only fails for inputs over ~64 GiB; report it as a typed error all the same.
        .map_err(|_| StoreError::ValueTooLarge)?;
    out.extend_from_slice(tag.as_ref());
    Ok(out)
}

/// Open a value sealed by [`seal`] for the same place; any change, or a different place,
/// gives [`StoreError::Tampered`].
pub fn open(key: &DataKey, aad: &Aad, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, StoreError> {
    let Some((&version, rest)) = sealed.split_first() else {
        return Err(aad.tampered());
    };
    if version != SEAL_VERSION {
        return Err(StoreError::UnsupportedFormat(version));
    }
    if rest.len() < SEAL_NONCE_LEN + SEAL_TAG_LEN {
        return Err(aad.tampered());
    }
    let (nonce, ciphertext) = rest.split_at(SEAL_NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| aad.tampered())?;

    // Decrypt in a buffer that is wiped when the caller drops it (or on failure here).
    let mut buf = Zeroizing::new(ciphertext.to_vec());
    let len = key
        .aead_key()
        .open_in_place(nonce, RingAad::from(aad.encode(version)), &mut buf[..])
        .map_err(|_| aad.tampered())?
        .len();
    buf.truncate(len);
    Ok(buf)
}

/// Wrap `key` under `kek` with AES-256-GCM and fixed associated data `label`: the format used
/// by the key providers (`version ‖ nonce ‖ encrypted key ‖ tag`).
pub(crate) fn wrap_key(
    kek: &[u8; KEY_LEN],
    label: &[u8],
    key: &DataKey,
) -> Result<Vec<u8>, StoreError> {
    seal_raw(&kek_aead(kek), random_nonce()?, label, key.expose_secret())
}

/// Unwrap a key made by [`wrap_key`]; an authentication failure is [`StoreError::WrongKey`].
pub(crate) fn unwrap_key(
    kek: &[u8; KEY_LEN],
    label: &[u8],
    wrapped: &[u8],
) -> Result<DataKey, StoreError> {
    let Some((&version, rest)) = wrapped.split_first() else {
        return Err(StoreError::Corrupt { detail: "the wrapped data key is empty".into() });
    };
    if version != SEAL_VERSION {
        return Err(StoreError::UnsupportedFormat(version));
    }
    if rest.len() != SEAL_NONCE_LEN + KEY_LEN + SEAL_TAG_LEN {
        return Err(StoreError::Corrupt {
            detail: format!("the wrapped data key has {} bytes", wrapped.len()),
        });
    }
    let (nonce, ciphertext) = rest.split_at(SEAL_NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| StoreError::WrongKey)?;
    let mut buf = Zeroizing::new(ciphertext.to_vec());
    let plain = kek_aead(kek)
        .open_in_place(nonce, RingAad::from(label), &mut buf[..])
        .map_err(|_| StoreError::WrongKey)?;
    DataKey::from_slice(plain)
}

fn kek_aead(kek: &[u8; KEY_LEN]) -> LessSafeKey {
    let unbound = UnboundKey::new(&aead::AES_256_GCM, &kek[..])
        .unwrap_or_else(|_| unreachable!("AES-256 keys are {KEY_LEN} bytes"));
    LessSafeKey::new(unbound)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> DataKey {
        DataKey::generate().expect("rng")
    }

    #[test]
    fn seal_open_round_trip() {
        let k = key();
        let aad = Aad::new("persons", "family_name", 7);
        for plain in [&b""[..], b"Maiga", "Aïssata Touré, Sévaré".as_bytes(), &[0u8; 4096]] {
            let sealed = seal(&k, &aad, plain).unwrap();
            assert_eq!(sealed.len(), plain.len() + SEAL_OVERHEAD);
            assert_eq!(sealed[0], SEAL_VERSION);
            assert_eq!(&open(&k, &aad, &sealed).unwrap()[..], plain);
        }
    }

    #[test]
    fn fresh_nonce_per_value() {
        let k = key();
        let aad = Aad::new("t", "c", 1);
        let a = seal(&k, &aad, b"same").unwrap();
        let b = seal(&k, &aad, b"same").unwrap();
        assert_ne!(a, b, "two seals of one value must differ (fresh nonce)");
    }

    #[test]
    fn moved_value_fails_with_tampered() {
        let k = key();
        let sealed = seal(&k, &Aad::new("persons", "family_name", 7), b"Maiga").unwrap();
        for other in [
            Aad::new("persons", "family_name", 8),
            Aad::new("persons", "given_names", 7),
            Aad::new("households", "family_name", 7),
            // Length prefixes: shifting a character between table and column must not collide.
            Aad::new("person", "sfamily_name", 7),
        ] {
            match open(&k, &other, &sealed) {
                Err(StoreError::Tampered { table, column, row }) => {
                    assert_eq!(
                        (table.as_str(), column.as_str(), row),
                        (other.table, other.column, other.row)
                    );
                }
                r => panic!("expected Tampered for {other:?}, got {r:?}"),
            }
        }
    }

    #[test]
    fn flipping_any_byte_fails() {
        let k = key();
        let aad = Aad::new("captures", "template", 3);
        let sealed = seal(&k, &aad, b"template bytes").unwrap();
        for i in 0..sealed.len() {
            for bit in [0x01u8, 0x80] {
                let mut bad = sealed.clone();
                bad[i] ^= bit;
                let r = open(&k, &aad, &bad);
                if i == 0 {
                    assert!(matches!(r, Err(StoreError::UnsupportedFormat(_))), "byte {i}: {r:?}");
                } else {
                    assert!(matches!(r, Err(StoreError::Tampered { .. })), "byte {i}: {r:?}");
                }
            }
        }
        // Truncations and extensions fail too.
        for n in 0..sealed.len() {
            assert!(open(&k, &aad, &sealed[..n]).is_err());
        }
        let mut longer = sealed.clone();
        longer.push(0);
        assert!(matches!(open(&k, &aad, &longer), Err(StoreError::Tampered { .. })));
    }

    #[test]
    fn other_key_fails() {
        let aad = Aad::new("t", "c", 1);
        let sealed = seal(&key(), &aad, b"x").unwrap();
        assert!(matches!(open(&key(), &aad, &sealed), Err(StoreError::Tampered { .. })));
    }

    #[test]
    fn aad_encoding_is_length_prefixed() {
        let enc = Aad::new("ab", "c", -1).encode(1);
        assert_eq!(
            enc,
            [
                &[1u8][..],
                &2u32.to_le_bytes(),
                b"ab",
                &1u32.to_le_bytes(),
                b"c",
                &(-1i64).to_le_bytes()
            ]
            .concat()
        );
        assert_ne!(enc, Aad::new("a", "bc", -1).encode(1));
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    /// Known-answer vector (docs/formats/store.md), computed independently with Python's
    /// `cryptography` AESGCM: pins the layout and the AAD encoding.
    #[test]
    fn sealed_value_test_vector() {
        let key = DataKey::from_slice(&(0u8..32).collect::<Vec<_>>()).unwrap();
        let nonce: [u8; 12] = core::array::from_fn(|i| 0xA0 + i as u8);
        let aad = Aad::new("persons", "family_name", 7);
        assert_eq!(
            aad.encode(1),
            hex("0107000000706572736f6e730b00000066616d696c795f6e616d650700000000000000")
        );
        let expected = hex(
            "01a0a1a2a3a4a5a6a7a8a9aaabab79bf8222aaba93cf558582b7481d2190cb18daafe3",
        );
        let sealed =
            seal_raw(&key.aead_key(), nonce, &aad.encode(1), "Maïga".as_bytes()).unwrap();
        assert_eq!(sealed, expected);
        assert_eq!(&open(&key, &aad, &expected).unwrap()[..], "Maïga".as_bytes());
    }

    #[test]
    fn wrapped_key_test_vector() {
        let kek = [0x11u8; KEY_LEN];
        let data_key = DataKey::from_slice(&(0x40u8..0x60).collect::<Vec<_>>()).unwrap();
        let expected = hex(
            "01b0b0b0b0b0b0b0b0b0b0b0b098ea96936aa3a9c54dace0d8f5f155f0f806ffcd87ca6b0a6b028e80\
             53fc64f291376c46872e2fd97a02ee0bb977ab3b",
        );
        let wrapped =
            seal_raw(&kek_aead(&kek), [0xB0; 12], b"jatigi data key v1", data_key.expose_secret())
                .unwrap();
        assert_eq!(wrapped, expected);
        let back = unwrap_key(&kek, b"jatigi data key v1", &expected).unwrap();
        assert_eq!(back.expose_secret(), data_key.expose_secret());
    }

    #[test]
    fn debug_never_prints_key_bytes() {
        let k = DataKey::from_slice(&[0xAB; KEY_LEN]).unwrap();
        let s = format!("{k:?} {:?}", Some(&k));
        assert!(s.contains("DataKey(..)"));
        assert!(!s.to_lowercase().contains("ab") && !s.contains("171"), "{s}");
    }

    #[test]
    fn key_wrap_round_trip_and_wrong_kek() {
        let k = key();
        let wrapped = wrap_key(&[1; KEY_LEN], b"label", &k).unwrap();
        let back = unwrap_key(&[1; KEY_LEN], b"label", &wrapped).unwrap();
        assert_eq!(back.expose_secret(), k.expose_secret());
        assert!(matches!(unwrap_key(&[2; KEY_LEN], b"label", &wrapped), Err(StoreError::WrongKey)));
        assert!(matches!(unwrap_key(&[1; KEY_LEN], b"other", &wrapped), Err(StoreError::WrongKey)));
        assert!(matches!(
            unwrap_key(&[1; KEY_LEN], b"label", &wrapped[..10]),
            Err(StoreError::Corrupt { .. })
        ));
    }
}
