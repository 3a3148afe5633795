//! Jatigi core: the fingerprint engine, and (in later modules) the registry, the encrypted
//! store, household cards and sync packets. Pure Rust: no FFI, no platform code.

pub mod biometrics;
pub mod card;
pub mod registry;
pub mod scanner;
pub mod store;
pub mod synth;
pub mod sync;
