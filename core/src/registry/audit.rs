//! The audit log: append-only, hash-chained, storage-agnostic (docs/formats/schema.md,
//! "Audit log").
//!
//! Every entry carries the SHA-256 hash of a canonical, length-prefixed encoding of all its
//! fields, including the hash of the entry before it. Altering, removing, inserting or
//! reordering an entry therefore breaks the chain at that entry, and [`verify`] names the
//! first broken link. Removing entries at the *end* leaves a valid shorter chain: the store
//! must keep the last [`ChainHead`] somewhere else too (and sync packets carry it) and
//! compare it with the head [`verify`] returns.
//!
//! The log outlives erasure: it holds ids and codes, never names or other personal data.

use std::fmt;

use ring::digest;
use thiserror::Error;

use super::ids::PersonId;

/// The first four bytes of every encoded audit entry.
pub const AUDIT_MAGIC: [u8; 4] = *b"JTGA";
/// The audit entry format version this code writes (and the only one it reads).
pub const AUDIT_VERSION: u8 = 1;
/// Sequence number of the first entry.
pub const FIRST_SEQ: u64 = 1;
/// `prev_hash` of the first entry.
pub const GENESIS_PREV_HASH: [u8; 32] = [0; 32];
/// Longest `detail`, in bytes.
pub const MAX_DETAIL_BYTES: usize = 1024;
/// Longest `subject`, in bytes.
pub const MAX_SUBJECT_BYTES: usize = 64;

/// What the operator decided after the duplicate check of a new person.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DuplicateOutcome {
    /// No candidate is this person: enrolled as new.
    NewPerson,
    /// The person is already enrolled as `existing`: linked, not saved twice.
    SamePerson { existing: PersonId },
    /// A supervisor enrolled the person as new although `candidate` matched (the reason
    /// code goes in the entry's detail).
    Override { candidate: PersonId },
}

/// What happened. Codes ([`AuditAction::code`]) are part of the format: never renumber.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AuditAction {
    HouseholdCreated,
    HouseholdUpdated,
    MemberAdded,
    MemberUpdated,
    ConsentRecorded,
    CaptureAdded,
    FacePhotoAdded,
    DuplicateDecision {
        outcome: DuplicateOutcome,
    },
    CardIssued,
    /// A household was erased (on request or at the end of its retention period); only this
    /// fact, its time and its author remain.
    HouseholdErased,
    OperatorCreated,
    OperatorUpdated,
    PinChanged,
    /// An operator's account was disabled after too many wrong PINs.
    PinLockedOut,
    /// A supervisor re-enabled a locked account.
    PinReset,
    KeyRotated,
    PacketExported,
    PacketImported,
    /// The hub accepts packets from a tablet (its public key registered).
    DeviceRegistered,
}

impl AuditAction {
    /// Stable code of the action (in the encoding, and a clear column for the store).
    pub fn code(&self) -> u16 {
        match self {
            AuditAction::HouseholdCreated => 1,
            AuditAction::HouseholdUpdated => 2,
            AuditAction::MemberAdded => 3,
            AuditAction::MemberUpdated => 4,
            AuditAction::ConsentRecorded => 5,
            AuditAction::CaptureAdded => 6,
            AuditAction::FacePhotoAdded => 7,
            AuditAction::DuplicateDecision { .. } => 8,
            AuditAction::CardIssued => 9,
            AuditAction::HouseholdErased => 10,
            AuditAction::OperatorCreated => 11,
            AuditAction::OperatorUpdated => 12,
            AuditAction::PinChanged => 13,
            AuditAction::PinLockedOut => 14,
            AuditAction::PinReset => 15,
            AuditAction::KeyRotated => 16,
            AuditAction::PacketExported => 17,
            AuditAction::PacketImported => 18,
            AuditAction::DeviceRegistered => 19,
        }
    }

    /// The action's own fields, encoded (empty for actions without fields).
    fn payload(&self) -> Vec<u8> {
        match self {
            AuditAction::DuplicateDecision { outcome } => {
                let (tag, person) = match outcome {
                    DuplicateOutcome::NewPerson => (1u8, None),
                    DuplicateOutcome::SamePerson { existing } => (2, Some(existing)),
                    DuplicateOutcome::Override { candidate } => (3, Some(candidate)),
                };
                let mut out = vec![tag];
                if let Some(p) = person {
                    put_str(&mut out, &p.to_string());
                }
                out
            }
            _ => Vec::new(),
        }
    }

    /// The action with `code` and encoded `payload`.
    fn decode(code: u16, payload: &[u8]) -> Result<AuditAction, AuditError> {
        let simple = |action: AuditAction| {
            if payload.is_empty() {
                Ok(action)
            } else {
                Err(AuditError::Decode("unexpected action payload"))
            }
        };
        match code {
            1 => simple(AuditAction::HouseholdCreated),
            2 => simple(AuditAction::HouseholdUpdated),
            3 => simple(AuditAction::MemberAdded),
            4 => simple(AuditAction::MemberUpdated),
            5 => simple(AuditAction::ConsentRecorded),
            6 => simple(AuditAction::CaptureAdded),
            7 => simple(AuditAction::FacePhotoAdded),
            8 => {
                let mut r = Reader { rest: payload };
                let tag = r.u8()?;
                let outcome = match tag {
                    1 => DuplicateOutcome::NewPerson,
                    2 | 3 => {
                        let text = r.str()?;
                        let person = PersonId::parse(&text)
                            .map_err(|_| AuditError::Decode("invalid person id in action"))?;
                        // One encoding per entry: only the canonical id text.
                        if person.to_string() != text {
                            return Err(AuditError::Decode("non-canonical person id in action"));
                        }
                        if tag == 2 {
                            DuplicateOutcome::SamePerson { existing: person }
                        } else {
                            DuplicateOutcome::Override { candidate: person }
                        }
                    }
                    _ => return Err(AuditError::Decode("unknown duplicate outcome")),
                };
                if !r.rest.is_empty() {
                    return Err(AuditError::Decode("unexpected action payload"));
                }
                Ok(AuditAction::DuplicateDecision { outcome })
            }
            9 => simple(AuditAction::CardIssued),
            10 => simple(AuditAction::HouseholdErased),
            11 => simple(AuditAction::OperatorCreated),
            12 => simple(AuditAction::OperatorUpdated),
            13 => simple(AuditAction::PinChanged),
            14 => simple(AuditAction::PinLockedOut),
            15 => simple(AuditAction::PinReset),
            16 => simple(AuditAction::KeyRotated),
            17 => simple(AuditAction::PacketExported),
            18 => simple(AuditAction::PacketImported),
            19 => simple(AuditAction::DeviceRegistered),
            _ => Err(AuditError::Decode("unknown action code")),
        }
    }
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AuditEntry {
    /// Position in the log: 1, 2, 3, ... without gaps.
    pub seq: u64,
    /// When, in seconds since 1970-01-01 UTC (the device clock; not required to increase).
    pub at: i64,
    /// Who: the operator id (or `system` for automatic actions such as retention erasure).
    pub operator: String,
    /// What.
    pub action: AuditAction,
    /// On what: an id (household, person, operator, key, packet), never a name.
    pub subject: String,
    /// Codes and numbers that qualify the action (a reason code, a score, a count), never
    /// personal data.
    pub detail: String,
    /// `hash` of the entry before (zeros for the first entry).
    pub prev_hash: [u8; 32],
    /// SHA-256 of the canonical encoding of all the fields above.
    pub hash: [u8; 32],
}

/// Destination of the canonical encoding: a buffer or a running hash, so that hashing for
/// verification allocates nothing.
trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

impl Sink for digest::Context {
    fn put(&mut self, bytes: &[u8]) {
        self.update(bytes);
    }
}

/// Appends a u32-length-prefixed string.
fn put_str(sink: &mut impl Sink, s: &str) {
    put_bytes(sink, s.as_bytes());
}

fn put_bytes(sink: &mut impl Sink, b: &[u8]) {
    // Lengths are bounded by validation (detail 1 KiB, payload tens of bytes); a field over
    // 4 GiB cannot exist on the devices this runs on, and would only fail to verify.
    sink.put(&(b.len() as u32).to_le_bytes());
    sink.put(b);
}

impl AuditEntry {
    /// Writes the canonical encoding of every field except `hash` (what the hash covers).
    fn write_canonical(&self, sink: &mut impl Sink) {
        sink.put(&AUDIT_MAGIC);
        sink.put(&[AUDIT_VERSION]);
        sink.put(&self.seq.to_le_bytes());
        sink.put(&self.at.to_le_bytes());
        put_str(sink, &self.operator);
        sink.put(&self.action.code().to_le_bytes());
        put_bytes(sink, &self.action.payload());
        put_str(sink, &self.subject);
        put_str(sink, &self.detail);
        sink.put(&self.prev_hash);
    }

    /// The canonical encoding of the entry without its hash: what [`AuditEntry::hash`]
    /// covers.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(96 + self.detail.len());
        self.write_canonical(&mut out);
        out
    }

    /// SHA-256 of the canonical encoding (the value `hash` must have).
    pub fn compute_hash(&self) -> [u8; 32] {
        let mut ctx = digest::Context::new(&digest::SHA256);
        self.write_canonical(&mut ctx);
        let mut out = [0u8; 32];
        out.copy_from_slice(ctx.finish().as_ref());
        out
    }

    /// The storage encoding: the canonical bytes followed by the 32-byte hash.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.canonical_bytes();
        out.extend_from_slice(&self.hash);
        out
    }

    /// Decodes [`AuditEntry::to_bytes`]. The hash is read as stored, not checked: that is
    /// [`verify`]'s job, which must be able to report a tampered entry rather than fail to
    /// read it.
    pub fn from_bytes(bytes: &[u8]) -> Result<AuditEntry, AuditError> {
        let mut r = Reader { rest: bytes };
        if r.take(4)? != AUDIT_MAGIC {
            return Err(AuditError::Decode("bad magic"));
        }
        let version = r.u8()?;
        if version != AUDIT_VERSION {
            return Err(AuditError::UnsupportedVersion(version));
        }
        let seq = r.u64()?;
        let at = r.u64()? as i64;
        let operator = r.str()?;
        let code = r.u16()?;
        let payload_len = r.u32()? as usize;
        let payload = r.take(payload_len)?;
        let action = AuditAction::decode(code, payload)?;
        let subject = r.str()?;
        let detail = r.str()?;
        let prev_hash = r.hash()?;
        let hash = r.hash()?;
        if !r.rest.is_empty() {
            return Err(AuditError::Decode("trailing bytes"));
        }
        Ok(AuditEntry {
            seq,
            at,
            operator,
            action,
            subject,
            detail,
            prev_hash,
            hash,
        })
    }
}

/// Reads the encoding without panicking on any input.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], AuditError> {
        if self.rest.len() < n {
            return Err(AuditError::Decode("truncated"));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, AuditError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, AuditError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, AuditError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64, AuditError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
    fn str(&mut self) -> Result<String, AuditError> {
        let len = self.u32()? as usize;
        let b = self.take(len)?;
        std::str::from_utf8(b)
            .map(str::to_string)
            .map_err(|_| AuditError::Decode("invalid UTF-8"))
    }
    fn hash(&mut self) -> Result<[u8; 32], AuditError> {
        let mut h = [0u8; 32];
        h.copy_from_slice(self.take(32)?);
        Ok(h)
    }
}

/// Why an entry could not be appended or decoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AuditError {
    #[error("audit operator \"{0}\" is not an operator id (1-32 letters, digits, '-', '_', '.')")]
    InvalidOperator(String),
    #[error("audit subject is not an id (at most 64 letters, digits and - _ . : /)")]
    InvalidSubject,
    #[error("audit detail is longer than 1024 bytes or contains a control character")]
    InvalidDetail,
    #[error("the audit log is full (sequence number overflow)")]
    SeqOverflow,
    #[error("unsupported audit entry version {0}")]
    UnsupportedVersion(u8),
    #[error("invalid audit entry encoding: {0}")]
    Decode(&'static str),
}

/// Where a log ends: the sequence number the next entry must have and the hash it must
/// link to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChainHead {
    pub next_seq: u64,
    pub last_hash: [u8; 32],
}

impl ChainHead {
    /// The head of an empty log.
    pub const GENESIS: ChainHead = ChainHead {
        next_seq: FIRST_SEQ,
        last_hash: GENESIS_PREV_HASH,
    };
}

/// How the chain is broken at [`AuditBreak::first_bad_seq`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakReason {
    /// The entry at this position has another sequence number: an entry is missing,
    /// duplicated or out of order (or the number itself was altered).
    SeqMismatch { found: u64 },
    /// The entry's fields do not hash to its stored hash: the entry was altered.
    HashMismatch,
    /// The entry does not link to the entry before it (its `prev_hash` differs): the
    /// entry before was replaced, or entries were spliced in with recomputed hashes.
    BrokenLink,
    /// The first entry does not start from the genesis value: the beginning of the log was
    /// cut off and the rest renumbered, or the log comes from elsewhere.
    BadGenesis,
}

impl fmt::Display for BreakReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BreakReason::SeqMismatch { found } => write!(
                f,
                "found entry {found} instead: an entry is missing, duplicated or out of order"
            ),
            BreakReason::HashMismatch => {
                f.write_str("its content does not match its hash: the entry was altered")
            }
            BreakReason::BrokenLink => f.write_str(
                "it does not link to the entry before it: an entry was replaced or inserted",
            ),
            BreakReason::BadGenesis => f.write_str("the log does not start from the genesis value"),
        }
    }
}

/// The first broken link of an audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("audit log broken at entry {first_bad_seq}: {reason}")]
pub struct AuditBreak {
    /// The sequence number expected at the position where the chain breaks (for an altered
    /// entry, its own number; for a missing one, the number of the missing entry).
    pub first_bad_seq: u64,
    pub reason: BreakReason,
}

/// Verifies a whole log, from its first entry, in order. Returns the head, to be compared
/// with a head kept elsewhere (which detects entries removed from the end).
pub fn verify(entries: impl IntoIterator<Item = AuditEntry>) -> Result<ChainHead, AuditBreak> {
    verify_from(ChainHead::GENESIS, entries)
}

/// Verifies entries that continue a log whose head was `head` (already verified).
pub fn verify_from(
    head: ChainHead,
    entries: impl IntoIterator<Item = AuditEntry>,
) -> Result<ChainHead, AuditBreak> {
    let mut head = head;
    for entry in entries {
        let expected = head.next_seq;
        let broken = |reason| AuditBreak {
            first_bad_seq: expected,
            reason,
        };
        if entry.seq != expected {
            return Err(broken(BreakReason::SeqMismatch { found: entry.seq }));
        }
        if entry.compute_hash() != entry.hash {
            return Err(broken(BreakReason::HashMismatch));
        }
        if entry.prev_hash != head.last_hash {
            return Err(broken(if expected == FIRST_SEQ {
                BreakReason::BadGenesis
            } else {
                BreakReason::BrokenLink
            }));
        }
        head = ChainHead {
            next_seq: expected
                .checked_add(1)
                .ok_or(broken(BreakReason::SeqMismatch { found: entry.seq }))?,
            last_hash: entry.hash,
        };
    }
    Ok(head)
}

/// Builds a log: numbers, links and hashes new entries. Storage-agnostic: the store writes
/// each returned entry in the same transaction as the change it records, and restores the
/// chain from its last entry with [`AuditChain::resume`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditChain {
    head: ChainHead,
}

impl Default for AuditChain {
    fn default() -> Self {
        AuditChain::new()
    }
}

/// Whether `s` looks like an id (what `subject` may hold): ids have no spaces, so a name
/// typed in the wrong place is refused.
fn is_id_like(s: &str) -> bool {
    s.len() <= MAX_SUBJECT_BYTES
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':' | b'/'))
}

impl AuditChain {
    /// An empty log.
    pub fn new() -> AuditChain {
        AuditChain {
            head: ChainHead::GENESIS,
        }
    }

    /// Continues a log whose last verified entry gives `head`.
    pub fn resume(head: ChainHead) -> AuditChain {
        AuditChain { head }
    }

    /// Continues a log after `last`, its last entry.
    pub fn after(last: &AuditEntry) -> Result<AuditChain, AuditError> {
        Ok(AuditChain {
            head: ChainHead {
                next_seq: last.seq.checked_add(1).ok_or(AuditError::SeqOverflow)?,
                last_hash: last.hash,
            },
        })
    }

    /// Where the log ends now.
    pub fn head(&self) -> ChainHead {
        self.head
    }

    /// Makes the next entry and advances the head. `operator` must be an operator id,
    /// `subject` an id (or empty), `detail` at most 1 KiB without control characters.
    /// If the caller fails to store the entry, it must [`AuditChain::resume`] from the
    /// stored head rather than keep this chain.
    pub fn append(
        &mut self,
        at: i64,
        operator: &str,
        action: AuditAction,
        subject: &str,
        detail: &str,
    ) -> Result<AuditEntry, AuditError> {
        let operator_ok = !operator.is_empty()
            && operator.len() <= 32
            && operator
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if !operator_ok {
            return Err(AuditError::InvalidOperator(
                operator.chars().take(40).collect(),
            ));
        }
        if !is_id_like(subject) {
            return Err(AuditError::InvalidSubject);
        }
        if detail.len() > MAX_DETAIL_BYTES || detail.chars().any(char::is_control) {
            return Err(AuditError::InvalidDetail);
        }
        let next = self
            .head
            .next_seq
            .checked_add(1)
            .ok_or(AuditError::SeqOverflow)?;
        let mut entry = AuditEntry {
            seq: self.head.next_seq,
            at,
            operator: operator.to_string(),
            action,
            subject: subject.to_string(),
            detail: detail.to_string(),
            prev_hash: self.head.last_hash,
            hash: [0; 32],
        };
        entry.hash = entry.compute_hash();
        self.head = ChainHead {
            next_seq: next,
            last_hash: entry.hash,
        };
        Ok(entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::ids::{HouseholdId, MemberNo, Region};
    use proptest::prelude::*;

    fn person(n: u8) -> PersonId {
        PersonId::new(
            HouseholdId::from_parts(Region::Mopti, [n % 32, 1, 2, 3, 4, 5, 6, 7]),
            MemberNo::new(n % 99 + 1).unwrap(),
        )
    }

    fn action(i: u64) -> AuditAction {
        match i % 7 {
            0 => AuditAction::HouseholdCreated,
            1 => AuditAction::MemberAdded,
            2 => AuditAction::ConsentRecorded,
            3 => AuditAction::CaptureAdded,
            4 => AuditAction::DuplicateDecision {
                outcome: DuplicateOutcome::SamePerson {
                    existing: person(i as u8),
                },
            },
            5 => AuditAction::DuplicateDecision {
                outcome: DuplicateOutcome::NewPerson,
            },
            _ => AuditAction::DuplicateDecision {
                outcome: DuplicateOutcome::Override {
                    candidate: person(i as u8 ^ 0x55),
                },
            },
        }
    }

    fn chain(n: u64) -> Vec<AuditEntry> {
        let mut c = AuditChain::new();
        (0..n)
            .map(|i| {
                let subject = person(i as u8).to_string();
                c.append(
                    1_740_000_000 + i as i64 * 37,
                    if i % 3 == 0 { "SUP-01" } else { "OP-0042" },
                    action(i),
                    &subject,
                    &format!("score={}", i % 100),
                )
                .unwrap()
            })
            .collect()
    }

    /// Positions to tamper with: the first, the last, and a few spread between.
    fn positions(n: usize) -> Vec<usize> {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut p = vec![0, n - 1];
        for _ in 0..4 {
            // xorshift64: deterministic "random" positions.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            p.push((x % n as u64) as usize);
        }
        p
    }

    #[test]
    fn a_10000_entry_chain_verifies_fast() {
        let entries = chain(10_000);
        let start = std::time::Instant::now();
        let head = verify(entries.iter().cloned()).unwrap();
        let elapsed = start.elapsed();
        assert_eq!(head.next_seq, 10_001);
        assert_eq!(head.last_hash, entries[9_999].hash);
        assert!(elapsed.as_millis() < 1000, "verify took {elapsed:?}");
        println!("verified 10,000 entries in {elapsed:?}");
        assert_eq!(verify(std::iter::empty()), Ok(ChainHead::GENESIS));
    }

    #[test]
    fn altering_any_field_is_detected_at_that_entry() {
        let entries = chain(10_000);
        type Alter = fn(&mut AuditEntry);
        let alterations: [(&str, Alter); 9] = [
            ("seq", |e| e.seq += 1),
            ("at", |e| e.at -= 3600),
            ("operator", |e| e.operator.push('X')),
            ("action", |e| e.action = AuditAction::HouseholdErased),
            ("action payload", |e| {
                e.action = AuditAction::DuplicateDecision {
                    outcome: DuplicateOutcome::Override {
                        candidate: person(200),
                    },
                }
            }),
            ("subject", |e| e.subject = "KAY-0000-0000-1".into()),
            ("detail", |e| e.detail.push('0')),
            ("prev_hash", |e| e.prev_hash[31] ^= 1),
            ("hash", |e| e.hash[0] ^= 0x80),
        ];
        for (field, alter) in alterations {
            for pos in positions(entries.len()) {
                let mut tampered = entries.clone();
                let before = tampered[pos].clone();
                alter(&mut tampered[pos]);
                if tampered[pos] == before {
                    continue; // e.g. the action was already HouseholdErased
                }
                let err = verify(tampered).unwrap_err();
                assert_eq!(err.first_bad_seq, pos as u64 + 1, "{field} at {pos}: {err}");
                let expected_reason = if field == "seq" {
                    BreakReason::SeqMismatch {
                        found: pos as u64 + 2,
                    }
                } else {
                    BreakReason::HashMismatch
                };
                assert_eq!(err.reason, expected_reason, "{field} at {pos}");
            }
        }
    }

    #[test]
    fn an_altered_entry_with_a_recomputed_hash_breaks_the_next_link() {
        let mut entries = chain(100);
        entries[40].detail = "score=99".into();
        entries[40].hash = entries[40].compute_hash();
        let err = verify(entries).unwrap_err();
        assert_eq!(
            err,
            AuditBreak {
                first_bad_seq: 42,
                reason: BreakReason::BrokenLink
            }
        );
    }

    #[test]
    fn deleting_an_entry_is_detected() {
        let entries = chain(1000);
        for pos in [0usize, 1, 500, 998] {
            let mut tampered = entries.clone();
            tampered.remove(pos);
            let err = verify(tampered).unwrap_err();
            assert_eq!(
                err,
                AuditBreak {
                    first_bad_seq: pos as u64 + 1,
                    reason: BreakReason::SeqMismatch {
                        found: pos as u64 + 2
                    }
                }
            );
        }
        // Removing the last entry leaves a valid, shorter chain: only a head kept elsewhere
        // reveals it.
        let full_head = verify(entries.iter().cloned()).unwrap();
        let truncated_head = verify(entries[..999].iter().cloned()).unwrap();
        assert_ne!(truncated_head, full_head);
    }

    #[test]
    fn swapping_entries_is_detected() {
        let entries = chain(1000);
        for (a, b) in [(0usize, 1usize), (10, 11), (100, 700), (998, 999)] {
            let mut tampered = entries.clone();
            tampered.swap(a, b);
            let err = verify(tampered).unwrap_err();
            assert_eq!(err.first_bad_seq, a as u64 + 1);
            assert_eq!(
                err.reason,
                BreakReason::SeqMismatch {
                    found: b as u64 + 1
                }
            );
        }
        // Swapped and renumbered: the hashes no longer match.
        let mut tampered = entries.clone();
        tampered.swap(10, 11);
        tampered[10].seq = 11;
        tampered[11].seq = 12;
        let err = verify(tampered).unwrap_err();
        assert_eq!(
            err,
            AuditBreak {
                first_bad_seq: 11,
                reason: BreakReason::HashMismatch
            }
        );
        // A duplicated entry (replay).
        let mut tampered = entries.clone();
        tampered.insert(5, entries[4].clone());
        assert_eq!(verify(tampered).unwrap_err().first_bad_seq, 6);
    }

    #[test]
    fn a_bad_genesis_is_detected() {
        // A log whose first entry links to something: spliced from another log.
        let mut c = AuditChain::resume(ChainHead {
            next_seq: 1,
            last_hash: [7; 32],
        });
        let e = c
            .append(1_740_000_000, "OP-1", AuditAction::KeyRotated, "", "")
            .unwrap();
        assert_eq!(
            verify([e.clone()]),
            Err(AuditBreak {
                first_bad_seq: 1,
                reason: BreakReason::BadGenesis
            })
        );
        // The same entries verify as a continuation of the right head.
        assert!(verify_from(
            ChainHead {
                next_seq: 1,
                last_hash: [7; 32]
            },
            [e]
        )
        .is_ok());
        // The beginning cut off, the rest not renumbered.
        let entries = chain(10);
        assert_eq!(
            verify(entries[3..].iter().cloned()).unwrap_err(),
            AuditBreak {
                first_bad_seq: 1,
                reason: BreakReason::SeqMismatch { found: 4 }
            }
        );
        // A suffix verifies from the head of the prefix (incremental verification).
        let head = verify(entries[..3].iter().cloned()).unwrap();
        assert_eq!(
            verify_from(head, entries[3..].iter().cloned()),
            verify(entries.iter().cloned())
        );
    }

    #[test]
    fn append_refuses_names_and_bad_fields() {
        let mut c = AuditChain::new();
        assert_eq!(
            c.append(
                0,
                "Fatoumata Traoré",
                AuditAction::MemberAdded,
                "GAO-7K3M-9QX2-C/03",
                ""
            ),
            Err(AuditError::InvalidOperator("Fatoumata Traoré".into()))
        );
        assert_eq!(
            c.append(0, "OP-1", AuditAction::MemberAdded, "Fatoumata Traoré", ""),
            Err(AuditError::InvalidSubject)
        );
        assert_eq!(
            c.append(0, "OP-1", AuditAction::MemberAdded, "x", &"d".repeat(1025)),
            Err(AuditError::InvalidDetail)
        );
        assert_eq!(
            c.append(0, "OP-1", AuditAction::MemberAdded, "x", "line\nbreak"),
            Err(AuditError::InvalidDetail)
        );
        // Failed appends do not advance the chain.
        assert_eq!(c.head(), ChainHead::GENESIS);
        let mut full = AuditChain::resume(ChainHead {
            next_seq: u64::MAX,
            last_hash: [0; 32],
        });
        assert_eq!(
            full.append(0, "OP-1", AuditAction::KeyRotated, "", ""),
            Err(AuditError::SeqOverflow)
        );
        let e = c
            .append(
                5,
                "system",
                AuditAction::HouseholdErased,
                "GAO-7K3M-9QX2-C",
                "retention",
            )
            .unwrap();
        assert_eq!(AuditChain::after(&e).unwrap(), c);
    }

    #[test]
    fn storage_encoding_round_trips_and_has_the_documented_layout() {
        let entries = chain(50);
        for e in &entries {
            let bytes = e.to_bytes();
            assert_eq!(AuditEntry::from_bytes(&bytes), Ok(e.clone()));
            assert_eq!(&bytes[bytes.len() - 32..], &e.hash);
            let digest = ring::digest::digest(&ring::digest::SHA256, &bytes[..bytes.len() - 32]);
            assert_eq!(digest.as_ref(), &e.hash);
        }
        let first = &entries[0];
        let bytes = first.to_bytes();
        assert_eq!(&bytes[..5], b"JTGA\x01");
        assert_eq!(&bytes[5..13], &1u64.to_le_bytes());
        let mut bad = bytes.clone();
        bad[4] = 9;
        assert_eq!(
            AuditEntry::from_bytes(&bad),
            Err(AuditError::UnsupportedVersion(9))
        );
        for cut in 0..bytes.len() {
            assert!(AuditEntry::from_bytes(&bytes[..cut]).is_err());
        }
    }

    #[test]
    fn known_hash_vector() {
        // The vector in docs/formats/schema.md: the first entry of a log.
        let mut c = AuditChain::new();
        let e = c
            .append(
                1_740_830_400,
                "OP-7",
                AuditAction::HouseholdCreated,
                "GAO-0000-0000-C",
                "members=3",
            )
            .unwrap();
        let hex: String = e
            .canonical_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let expected = [
            "4a54474101",       // magic JTGA, version 1
            "0100000000000000", // seq 1
            "c0f6c26700000000", // at 1740830400
            "04000000",
            "4f502d37", // operator "OP-7"
            "0100",     // action 1: household created
            "00000000", // no payload
            "0f000000",
            "47414f2d303030302d303030302d43", // subject "GAO-0000-0000-C"
            "09000000",
            "6d656d626572733d33", // detail "members=3"
            &"00".repeat(32),     // prev_hash: genesis
        ]
        .concat();
        assert_eq!(hex, expected);
        let hash: String = e.hash.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hash,
            "c87fce1051ef38c70ff734edee8d56514c7a430325d8d9b1e74cf0a2f2394eb7"
        );
    }

    proptest! {
        #[test]
        fn prop_decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = AuditEntry::from_bytes(&bytes);
            let mut framed = b"JTGA\x01".to_vec();
            framed.extend_from_slice(&bytes);
            let _ = AuditEntry::from_bytes(&framed);
        }

        #[test]
        fn prop_any_single_byte_change_of_a_stored_entry_is_caught(
            pos in any::<prop::sample::Index>(), flip in 1u8..=255
        ) {
            let entries = chain(8);
            let bytes = entries[4].to_bytes();
            let mut tampered_bytes = bytes.clone();
            let i = pos.index(bytes.len());
            tampered_bytes[i] ^= flip;
            // Either the bytes no longer decode, or the chain breaks at entry 5.
            if let Ok(tampered) = AuditEntry::from_bytes(&tampered_bytes) {
                let mut log = entries.clone();
                log[4] = tampered;
                let err = verify(log).unwrap_err();
                prop_assert_eq!(err.first_bad_seq, 5);
            }
        }
    }
}
