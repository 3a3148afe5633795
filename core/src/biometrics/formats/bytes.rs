//! Big-endian cursor and writer shared by the three codecs. Every read is bounds-checked
//! and names the field it was reading, so a truncated record says where it ended.

use super::FormatError;

/// Reads big-endian fields from a byte slice, never past its end.
pub(super) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { rest: bytes }
    }

    pub(super) fn remaining(&self) -> usize {
        self.rest.len()
    }

    pub(super) fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], FormatError> {
        if self.rest.len() < n {
            return Err(FormatError::Truncated(what));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    pub(super) fn u8(&mut self, what: &'static str) -> Result<u8, FormatError> {
        Ok(self.take(1, what)?[0])
    }

    pub(super) fn u16(&mut self, what: &'static str) -> Result<u16, FormatError> {
        let b = self.take(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    pub(super) fn u32(&mut self, what: &'static str) -> Result<u32, FormatError> {
        let b = self.take(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Fails unless every byte was consumed.
    /// The record header's first eight bytes: the `FMR\0` magic every format shares, then
    /// the format's `version`.
    pub(super) fn magic_and_version(&mut self, version: &[u8; 4]) -> Result<(), FormatError> {
        if self.take(4, "magic")? != b"FMR\0" {
            return Err(FormatError::BadMagic);
        }
        let found = self.take(4, "version")?;
        if found != version {
            let mut v = [0u8; 4];
            v.copy_from_slice(found);
            return Err(FormatError::UnsupportedVersion(v));
        }
        Ok(())
    }

    pub(super) fn finish(&self, what: &'static str) -> Result<(), FormatError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(FormatError::Invalid(what))
        }
    }
}

/// Appends big-endian fields.
#[derive(Default)]
pub(super) struct Writer {
    pub(super) out: Vec<u8>,
}

impl Writer {
    pub(super) fn u8(&mut self, v: u8) {
        self.out.push(v);
    }
    pub(super) fn u16(&mut self, v: u16) {
        self.out.extend_from_slice(&v.to_be_bytes());
    }
    pub(super) fn u32(&mut self, v: u32) {
        self.out.extend_from_slice(&v.to_be_bytes());
    }
    pub(super) fn bytes(&mut self, v: &[u8]) {
        self.out.extend_from_slice(v);
    }
}

/// The record length field must equal the length of the input.
pub(super) fn check_record_length(declared: u64, actual: usize) -> Result<(), FormatError> {
    if declared != actual as u64 {
        return Err(FormatError::LengthMismatch { declared, actual });
    }
    Ok(())
}
