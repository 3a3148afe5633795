//! The household card (issue 6): every registered household leaves with a printed card whose
//! QR code carries a signed, minimal statement of who the household is; at a distribution,
//! weeks later and offline, staff scan it and check the person present against it.
//!
//! Pipeline, one file per step: [`payload`] (CWT claims, COSE_Sign1, zlib, [`base45`]),
//! [`issuer`] (the tablet's sealed Ed25519 key, claims from a household), [`render`] (QR,
//! card, A4 sheets, with our own bitmap [`font`]), [`scan`] (QR from a camera photo),
//! [`trust`] (key ring, revocation, the verdict), [`flow`] (card → household → one finger
//! 1:1 → the member). [`photo`] simulates poor phone photos for measuring the scanner.
//! Format: docs/formats/card.md.

pub mod base45;
pub mod flow;
pub mod font;
pub mod issuer;
pub mod payload;
pub mod photo;
pub mod render;
pub mod scan;
pub mod trust;

#[cfg(test)]
mod tests;

pub use flow::{check_member, FlowError, MemberCheck};
pub use issuer::{site_code, CardIssuer, ClaimOptions, IssueError, SignedCard};
pub use payload::{CardClaims, CardError, CardSerial, KeyId};
pub use render::{render_card, render_sheets, RenderedCard};
pub use scan::{scan_image, scan_photo, ScanError};
pub use trust::{verify_cose, verify_text, KeyRing, KeyRingError, Revocation, Verdict};
