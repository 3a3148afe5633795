//! Operator PINs: a slow salted hash (PBKDF2-HMAC-SHA256) and a lockout guard.
//!
//! A 4-6 digit PIN has at most a million values: no hash makes it safe against an offline
//! search once the hash is read (at 200,000 iterations a GPU tries the whole space of 6-digit
//! PINs in minutes). The protection therefore rests on three things together:
//! 1. the PIN hash is sealed at rest with the other personal data (schema.md), so it cannot
//!    be read from a stolen database file without the device key;
//! 2. online guessing on the tablet is bounded by [`PinGuard`]: a few free attempts, then
//!    growing lockouts, then the account is disabled until a supervisor resets it;
//! 3. the slow hash ([`PIN_ITERATIONS`]) makes each guess cost time even if 1 and 2 fail,
//!    and keeps a leaked hash from being reversed instantly.

use std::num::NonZeroU32;

use ring::pbkdf2;
use ring::rand::SecureRandom;
use thiserror::Error;
use zeroize::Zeroize;

use super::model::Timestamp;

/// PBKDF2-HMAC-SHA256 iterations for new PIN hashes.
///
/// 210,000: over the project's floor of 100,000, and OWASP's figure for PBKDF2 with
/// HMAC-SHA512. OWASP's 600,000 for HMAC-SHA256 is meant for passwords whose only defence
/// is the hash; a PIN cannot be defended that way at any count (see the module notes), so
/// the count is set by what a login may cost on a tablet: 30 ms per hash measured on the
/// project's x86-64 build machine (test `pin_iteration_cost`), so roughly 0.15-0.3 s on a
/// low-end Android tablet (Cortex-A53 class). The count is stored in each hash and can be
/// raised later without breaking existing PINs ([`PinHash::needs_rehash`]).
pub const PIN_ITERATIONS: u32 = 210_000;
/// Bytes of random salt per PIN hash.
pub const SALT_LEN: usize = 16;
/// Bytes of derived hash.
pub const HASH_LEN: usize = 32;
/// Fewest digits in a PIN.
pub const MIN_PIN_DIGITS: usize = 4;
/// Most digits in a PIN.
pub const MAX_PIN_DIGITS: usize = 6;
/// Version byte of the encoded PIN hash.
pub const PIN_HASH_VERSION: u8 = 1;
/// Length of the encoded PIN hash: version, iterations, salt, hash.
pub const PIN_HASH_ENCODED_LEN: usize = 1 + 4 + SALT_LEN + HASH_LEN;

/// Why a PIN could not be set or checked.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PinError {
    #[error("a PIN is 4 to 6 digits")]
    BadFormat,
    #[error("this PIN is too easy to guess (repeated digits or a sequence); choose another")]
    TooWeak,
    #[error("wrong PIN; {attempts_before_lockout} attempts left before the account is locked")]
    WrongPin { attempts_before_lockout: u32 },
    #[error("too many wrong PINs: try again in {seconds} seconds")]
    Locked { seconds: i64 },
    #[error("too many wrong PINs: the account is disabled until a supervisor resets it")]
    Disabled,
    #[error("PBKDF2 iterations must be at least 1")]
    ZeroIterations,
    #[error("the stored PIN hash is not valid")]
    BadEncoding,
    #[error("the system random number generator failed")]
    RandomUnavailable,
}

impl PinError {
    /// The same message in French, for operator screens.
    pub fn message_fr(&self) -> String {
        match self {
            PinError::BadFormat => "un code PIN a 4 à 6 chiffres".into(),
            PinError::TooWeak => "ce code PIN est trop facile à deviner (chiffres répétés ou suite) ; choisissez-en un autre".into(),
            PinError::WrongPin { attempts_before_lockout } => format!(
                "code PIN erroné ; encore {attempts_before_lockout} essais avant le blocage du compte"
            ),
            PinError::Locked { seconds } => {
                format!("trop de codes PIN erronés : réessayez dans {seconds} secondes")
            }
            PinError::Disabled => "trop de codes PIN erronés : le compte est désactivé jusqu'à sa réinitialisation par un superviseur".into(),
            PinError::ZeroIterations => "le nombre d'itérations PBKDF2 doit être au moins 1".into(),
            PinError::BadEncoding => "l'empreinte de code PIN enregistrée n'est pas valide".into(),
            PinError::RandomUnavailable => {
                "le générateur de nombres aléatoires du système a échoué".into()
            }
        }
    }
}

/// A PIN hashed with PBKDF2-HMAC-SHA256: iterations, salt and derived bytes.
///
/// `==` compares stored hashes (for round-trip tests), not in constant time: check a PIN
/// with [`PinHash::verify`].
#[derive(Clone, PartialEq, Eq)]
pub struct PinHash {
    iterations: NonZeroU32,
    salt: [u8; SALT_LEN],
    hash: [u8; HASH_LEN],
}

impl std::fmt::Debug for PinHash {
    // The hash of a weak PIN is as good as the PIN: keep it out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "PinHash(PBKDF2-HMAC-SHA256, {} iterations)",
            self.iterations
        )
    }
}

/// Checks that `pin` is 4-6 ASCII digits.
fn check_format(pin: &str) -> Result<(), PinError> {
    let ok = (MIN_PIN_DIGITS..=MAX_PIN_DIGITS).contains(&pin.len())
        && pin.bytes().all(|b| b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(PinError::BadFormat)
    }
}

/// Checks that a new PIN is well formed and not among the first guesses of anyone: one
/// repeated digit (0000), a run up or down (1234, 987654), or a repeated pair (1212, 252525).
pub fn check_new_pin(pin: &str) -> Result<(), PinError> {
    check_format(pin)?;
    let d: Vec<i8> = pin.bytes().map(|b| (b - b'0') as i8).collect();
    let steps: Vec<i8> = d.windows(2).map(|w| w[1] - w[0]).collect();
    let constant_step = steps.iter().all(|&s| s == steps[0]) && steps[0].abs() <= 1;
    let repeated_pair = d.iter().enumerate().all(|(i, &x)| x == d[i % 2]);
    if constant_step || repeated_pair {
        return Err(PinError::TooWeak);
    }
    Ok(())
}

impl PinHash {
    /// Hashes a new PIN with a fresh random salt and [`PIN_ITERATIONS`]; rejects malformed
    /// and trivially guessable PINs ([`check_new_pin`]).
    pub fn new(pin: &str, rng: &dyn SecureRandom) -> Result<PinHash, PinError> {
        PinHash::with_iterations(pin, PIN_ITERATIONS, rng)
    }

    /// As [`PinHash::new`] with an explicit iteration count (tests use a low one).
    pub fn with_iterations(
        pin: &str,
        iterations: u32,
        rng: &dyn SecureRandom,
    ) -> Result<PinHash, PinError> {
        check_new_pin(pin)?;
        let mut salt = [0u8; SALT_LEN];
        rng.fill(&mut salt)
            .map_err(|_| PinError::RandomUnavailable)?;
        PinHash::derive(pin, iterations, salt)
    }

    /// Hashes `pin` with a given salt: for test vectors and migrations. Checks the format
    /// only, not the weak-PIN rules.
    pub fn derive(pin: &str, iterations: u32, salt: [u8; SALT_LEN]) -> Result<PinHash, PinError> {
        check_format(pin)?;
        let iterations = NonZeroU32::new(iterations).ok_or(PinError::ZeroIterations)?;
        let mut hash = [0u8; HASH_LEN];
        pbkdf2::derive(
            pbkdf2::PBKDF2_HMAC_SHA256,
            iterations,
            &salt,
            pin.as_bytes(),
            &mut hash,
        );
        Ok(PinHash {
            iterations,
            salt,
            hash,
        })
    }

    /// Whether `pin` is the PIN, compared in constant time (`ring::pbkdf2::verify`). Takes as
    /// long as one hash: call it only through a [`PinGuard`], which bounds the attempts.
    pub fn verify(&self, pin: &str) -> bool {
        if check_format(pin).is_err() {
            return false;
        }
        pbkdf2::verify(
            pbkdf2::PBKDF2_HMAC_SHA256,
            self.iterations,
            &self.salt,
            pin.as_bytes(),
            &self.hash,
        )
        .is_ok()
    }

    /// Iterations this hash was made with.
    pub fn iterations(&self) -> u32 {
        self.iterations.get()
    }

    /// Whether the hash uses fewer iterations than [`PIN_ITERATIONS`]: rehash the PIN after
    /// the next successful login.
    pub fn needs_rehash(&self) -> bool {
        self.iterations.get() < PIN_ITERATIONS
    }

    /// Encodes the hash for storage: version 1, iterations (u32 little-endian), salt, hash:
    /// 53 bytes. The store seals it like other personal data.
    pub fn to_bytes(&self) -> [u8; PIN_HASH_ENCODED_LEN] {
        let mut out = [0u8; PIN_HASH_ENCODED_LEN];
        out[0] = PIN_HASH_VERSION;
        out[1..5].copy_from_slice(&self.iterations.get().to_le_bytes());
        out[5..5 + SALT_LEN].copy_from_slice(&self.salt);
        out[5 + SALT_LEN..].copy_from_slice(&self.hash);
        out
    }

    /// Decodes [`PinHash::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<PinHash, PinError> {
        if bytes.len() != PIN_HASH_ENCODED_LEN || bytes[0] != PIN_HASH_VERSION {
            return Err(PinError::BadEncoding);
        }
        let iterations = u32::from_le_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]);
        let iterations = NonZeroU32::new(iterations).ok_or(PinError::BadEncoding)?;
        let mut salt = [0u8; SALT_LEN];
        salt.copy_from_slice(&bytes[5..5 + SALT_LEN]);
        let mut hash = [0u8; HASH_LEN];
        hash.copy_from_slice(&bytes[5 + SALT_LEN..]);
        Ok(PinHash {
            iterations,
            salt,
            hash,
        })
    }
}

impl Drop for PinHash {
    fn drop(&mut self) {
        // With a million possible PINs, the derived bytes are nearly as sensitive as the PIN.
        self.hash.zeroize();
    }
}

/// How many wrong PINs are tolerated and for how long an account is then locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Wrong PINs in a row allowed without delay.
    pub free_attempts: u32,
    /// Lockout after the first wrong PIN beyond the free ones, in seconds; it doubles with
    /// each further wrong PIN.
    pub first_lockout_secs: i64,
    /// Longest lockout, in seconds.
    pub max_lockout_secs: i64,
    /// Wrong PINs in a row after which the account is disabled until a supervisor resets
    /// it. This bound does not depend on the clock, which someone holding the tablet can
    /// move forward to skip lockouts.
    pub disable_after: u32,
}

impl Default for LockoutPolicy {
    /// 5 free attempts; then 1, 2, 4, 8 minutes; disabled at the 10th wrong PIN in a row.
    /// An attacker thus gets 10 guesses: 1 in 1,000 for a 4-digit PIN, 1 in 100,000 for a
    /// 6-digit one (fewer still with the weak-PIN rules).
    fn default() -> Self {
        LockoutPolicy {
            free_attempts: 5,
            first_lockout_secs: 60,
            max_lockout_secs: 3600,
            disable_after: 10,
        }
    }
}

impl LockoutPolicy {
    /// Lockout after `failures` wrong PINs in a row (0 within the free attempts).
    pub fn lockout_secs(&self, failures: u32) -> i64 {
        if failures < self.free_attempts.max(1) {
            return 0;
        }
        let doublings = (failures - self.free_attempts.max(1)).min(32);
        self.first_lockout_secs
            .saturating_mul(1i64 << doublings)
            .min(self.max_lockout_secs)
    }
}

/// Counts wrong PINs for one operator and enforces a [`LockoutPolicy`]. Pure logic: the
/// caller passes the time and persists the state (`failures`, `last_failure_at`) with the
/// operator, so that restarting the app does not reset the count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinGuard {
    policy: LockoutPolicy,
    failures: u32,
    last_failure_at: Timestamp,
}

impl PinGuard {
    /// A guard with no failures.
    pub fn new(policy: LockoutPolicy) -> PinGuard {
        PinGuard {
            policy,
            failures: 0,
            last_failure_at: Timestamp(i64::MIN),
        }
    }

    /// A guard restored from persisted state.
    pub fn restore(policy: LockoutPolicy, failures: u32, last_failure_at: Timestamp) -> PinGuard {
        PinGuard {
            policy,
            failures,
            last_failure_at,
        }
    }

    /// Wrong PINs in a row (state to persist).
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Time of the last wrong PIN (state to persist).
    pub fn last_failure_at(&self) -> Timestamp {
        self.last_failure_at
    }

    /// Whether a PIN may be tried at `now`: `Err(Locked)` during a lockout, `Err(Disabled)`
    /// once the account is disabled.
    pub fn check(&self, now: Timestamp) -> Result<(), PinError> {
        if self.failures >= self.policy.disable_after {
            return Err(PinError::Disabled);
        }
        let until = self
            .last_failure_at
            .0
            .saturating_add(self.policy.lockout_secs(self.failures));
        if now.0 < until {
            return Err(PinError::Locked {
                seconds: until - now.0,
            });
        }
        Ok(())
    }

    /// Records a wrong PIN at `now`.
    pub fn record_failure(&mut self, now: Timestamp) {
        self.failures = self.failures.saturating_add(1);
        self.last_failure_at = now;
    }

    /// Records a right PIN: the count starts again.
    pub fn record_success(&mut self) {
        self.failures = 0;
        self.last_failure_at = Timestamp(i64::MIN);
    }

    /// A supervisor unlocks the account (to be recorded in the audit log).
    pub fn supervisor_reset(&mut self) {
        self.record_success();
    }

    /// Tries `pin` against `hash` at `now`: refused without hashing while locked or
    /// disabled; otherwise verified and counted. On a wrong PIN the error says how many
    /// attempts remain before a lockout, or that one has begun.
    pub fn attempt(&mut self, now: Timestamp, hash: &PinHash, pin: &str) -> Result<(), PinError> {
        self.check(now)?;
        if hash.verify(pin) {
            self.record_success();
            return Ok(());
        }
        self.record_failure(now);
        // Report the state the failure led to.
        self.check(now)?;
        Err(PinError::WrongPin {
            attempts_before_lockout: self.policy.free_attempts.saturating_sub(self.failures),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;

    /// Low count: tests check logic, not cost.
    const TEST_ITERATIONS: u32 = 10;

    #[test]
    fn hash_and_verify() {
        let rng = SystemRandom::new();
        let h = PinHash::with_iterations("482915", TEST_ITERATIONS, &rng).unwrap();
        assert!(h.verify("482915"));
        assert!(!h.verify("482916"));
        assert!(!h.verify("48291"));
        assert!(!h.verify(""));
        assert!(!h.verify("482915 "));
        assert_eq!(h.iterations(), TEST_ITERATIONS);
        assert!(h.needs_rehash());
        // Fresh salt: the same PIN hashes differently.
        let h2 = PinHash::with_iterations("482915", TEST_ITERATIONS, &rng).unwrap();
        assert_ne!(h.to_bytes(), h2.to_bytes());
        assert!(!format!("{h:?}").contains(&format!("{:?}", &h.to_bytes()[21..])));
    }

    #[test]
    fn pbkdf2_known_vector() {
        // PBKDF2-HMAC-SHA256("1234", salt = 16 zero bytes, 1 iteration): checks the wiring
        // (algorithm, salt, order of arguments) against an independent computation
        // (Python: hashlib.pbkdf2_hmac("sha256", b"1234", bytes(16), 1)).
        let h = PinHash::derive("1234", 1, [0u8; SALT_LEN]).unwrap();
        let hex: String = h.to_bytes()[5 + SALT_LEN..]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex,
            "350aeccd6a78b15d47657e419a53c652a7ae67c263979080fcbdf4af3dcd10ec"
        );
    }

    #[test]
    fn encoding_round_trips_and_rejects_garbage() {
        let rng = SystemRandom::new();
        let h = PinHash::with_iterations("2580", TEST_ITERATIONS, &rng).unwrap();
        let bytes = h.to_bytes();
        assert_eq!(bytes.len(), 53);
        assert_eq!(bytes[0], 1);
        let back = PinHash::from_bytes(&bytes).unwrap();
        assert_eq!(back, h);
        assert!(back.verify("2580"));
        assert_eq!(
            PinHash::from_bytes(&bytes[..52]),
            Err(PinError::BadEncoding)
        );
        let mut v2 = bytes;
        v2[0] = 2;
        assert_eq!(PinHash::from_bytes(&v2), Err(PinError::BadEncoding));
        let mut zero = bytes;
        zero[1..5].fill(0);
        assert_eq!(PinHash::from_bytes(&zero), Err(PinError::BadEncoding));
        assert_eq!(
            PinHash::derive("2580", 0, [0; 16]),
            Err(PinError::ZeroIterations)
        );
    }

    #[test]
    fn weak_and_malformed_pins_are_refused() {
        for weak in [
            "0000", "1111", "1234", "4321", "123456", "987654", "1212", "252525", "999999",
        ] {
            assert_eq!(check_new_pin(weak), Err(PinError::TooWeak), "{weak}");
        }
        for bad in ["", "123", "1234567", "12a4", "١٢٣٤", "12 34"] {
            assert_eq!(check_new_pin(bad), Err(PinError::BadFormat), "{bad}");
        }
        for ok in ["2580", "482915", "1357", "90210"] {
            assert_eq!(check_new_pin(ok), Ok(()), "{ok}");
        }
        let rng = SystemRandom::new();
        assert_eq!(
            PinHash::with_iterations("1234", 1, &rng),
            Err(PinError::TooWeak)
        );
    }

    #[test]
    fn guard_locks_out_with_growing_delays_then_disables() {
        let rng = SystemRandom::new();
        let hash = PinHash::with_iterations("482915", TEST_ITERATIONS, &rng).unwrap();
        let policy = LockoutPolicy::default();
        let mut guard = PinGuard::new(policy);
        let mut now = 1_000_000i64;
        for i in 1..=4 {
            assert_eq!(
                guard.attempt(Timestamp(now), &hash, "000001"),
                Err(PinError::WrongPin {
                    attempts_before_lockout: 5 - i
                })
            );
        }
        // The 5th wrong PIN starts a 60 s lockout.
        assert_eq!(
            guard.attempt(Timestamp(now), &hash, "000001"),
            Err(PinError::Locked { seconds: 60 })
        );
        // Even the right PIN is refused during the lockout, without being hashed.
        now += 30;
        assert_eq!(
            guard.attempt(Timestamp(now), &hash, "482915"),
            Err(PinError::Locked { seconds: 30 })
        );
        assert_eq!(guard.failures(), 5);
        // Then 120 s, 240 s, 480 s.
        for expected in [120, 240, 480] {
            now += 10_000;
            assert_eq!(
                guard.attempt(Timestamp(now), &hash, "000001"),
                Err(PinError::Locked { seconds: expected })
            );
        }
        now += 10_000;
        assert_eq!(
            guard.attempt(Timestamp(now), &hash, "000001"),
            Err(PinError::Locked { seconds: 960 })
        );
        // The 10th wrong PIN in a row disables the account, whatever the clock says.
        now += 10_000;
        assert_eq!(
            guard.attempt(Timestamp(now), &hash, "000001"),
            Err(PinError::Disabled)
        );
        assert_eq!(
            guard.attempt(Timestamp(i64::MAX), &hash, "482915"),
            Err(PinError::Disabled)
        );
        guard.supervisor_reset();
        assert_eq!(guard.attempt(Timestamp(now), &hash, "482915"), Ok(()));
        assert_eq!(guard.failures(), 0);
    }

    #[test]
    fn success_resets_and_state_survives_restore() {
        let rng = SystemRandom::new();
        let hash = PinHash::with_iterations("482915", TEST_ITERATIONS, &rng).unwrap();
        let mut guard = PinGuard::new(LockoutPolicy::default());
        for _ in 0..3 {
            let _ = guard.attempt(Timestamp(100), &hash, "111112");
        }
        assert_eq!(guard.attempt(Timestamp(101), &hash, "482915"), Ok(()));
        assert_eq!(guard.failures(), 0);
        for _ in 0..5 {
            let _ = guard.attempt(Timestamp(200), &hash, "111112");
        }
        // The app restarts: the persisted state keeps the lockout.
        let restored = PinGuard::restore(
            LockoutPolicy::default(),
            guard.failures(),
            guard.last_failure_at(),
        );
        assert_eq!(restored, guard);
        assert_eq!(
            restored.check(Timestamp(230)),
            Err(PinError::Locked { seconds: 30 })
        );
        assert_eq!(restored.check(Timestamp(260)), Ok(()));
        // A clock moved back only lengthens the lockout.
        assert!(matches!(
            restored.check(Timestamp(0)),
            Err(PinError::Locked { .. })
        ));
    }

    #[test]
    fn lockout_durations_saturate() {
        let p = LockoutPolicy::default();
        assert_eq!(p.lockout_secs(0), 0);
        assert_eq!(p.lockout_secs(4), 0);
        assert_eq!(p.lockout_secs(5), 60);
        assert_eq!(p.lockout_secs(6), 120);
        assert_eq!(p.lockout_secs(100), 3600);
        assert_eq!(p.lockout_secs(u32::MAX), 3600);
        for e in [
            PinError::TooWeak,
            PinError::Disabled,
            PinError::Locked { seconds: 5 },
        ] {
            assert_ne!(e.message_fr(), e.to_string());
        }
    }

    #[test]
    #[ignore = "timing: cargo test --release -p jatigi-core pin_iteration_cost -- --ignored --nocapture"]
    fn pin_iteration_cost() {
        let start = std::time::Instant::now();
        let h = PinHash::derive("482915", PIN_ITERATIONS, [7; SALT_LEN]).unwrap();
        let derive = start.elapsed();
        let start = std::time::Instant::now();
        assert!(h.verify("482915"));
        println!(
            "{PIN_ITERATIONS} iterations: derive {derive:?}, verify {:?}",
            start.elapsed()
        );
    }
}
