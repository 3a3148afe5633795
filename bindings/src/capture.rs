//! One finger as the scanner captured it, held by the core for the calls that take a capture
//! the screen made beforehand (ADR 0005, "Captures as opaque handles").
//!
//! A screen that scans first and decides afterwards (the Android shell's flows: capture,
//! show the quality, then enrol, search, verify or check a card) gets a [`CapturedFinger`]
//! from [`ScannerSession::capture`](crate::scanner::ScannerSession::capture) and hands it back
//! to [`EnrollmentSession::add_capture`](crate::enrollment::EnrollmentSession::add_capture),
//! [`OperatorSession::identify`](crate::store::OperatorSession::identify),
//! [`OperatorSession::verify_person`](crate::store::OperatorSession::verify_person) or
//! [`OperatorSession::check_member_with_capture`](crate::store::OperatorSession). It is
//! opaque: its template and WSQ image never cross to Kotlin, and no constructor takes bytes,
//! so Kotlin can neither read a template nor forge one. Kotlin sees the finger, the
//! quality and a grey preview to show.

use std::sync::Arc;

use jatigi_core::biometrics::{FingerImage as GrayImage, Template};
use jatigi_core::registry::model as m;
use jatigi_core::registry::FingerPosition;

use crate::enrollment::FingerprintImage;
use crate::error::JatigiError;
use crate::scanner::Scan;
use crate::types::Finger;

/// One captured finger: the core's template, quality and image, kept in Rust. Made only
/// by `ScannerSession.capture`; pass it to the calls that take a `CapturedFinger`. It may
/// be passed to several (check, then enrol); `close()` it when done so the fingerprint
/// leaves memory.
#[derive(uniffi::Object)]
pub struct CapturedFinger {
    finger: Finger,
    quality: u8,
    template: Template,
    /// The template as the registry stores it.
    template_bytes: Vec<u8>,
    /// The image as the WSQ file the scanner sent (what the registry stores).
    wsq: Option<Vec<u8>>,
    preview: Option<GrayImage>,
}

impl std::fmt::Debug for CapturedFinger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Biometric bytes never reach a log.
        write!(f, "CapturedFinger({:?}, quality {})", self.finger, self.quality)
    }
}

impl CapturedFinger {
    pub(crate) fn from_scan(finger: Finger, scan: Scan) -> Result<Arc<Self>, JatigiError> {
        let template_bytes = scan.template.to_bytes().map_err(JatigiError::internal)?;
        Ok(Arc::new(CapturedFinger {
            finger,
            quality: scan.quality,
            template: scan.template,
            template_bytes,
            wsq: scan.wsq,
            preview: scan.image,
        }))
    }

    /// The sample the registry keeps: template, quality, and the image as WSQ (so templates
    /// can be made again by a better extractor).
    pub(crate) fn sample(&self) -> m::FingerSample {
        m::FingerSample {
            template: self.template_bytes.clone(),
            quality: self.quality,
            image: self.wsq.clone().map(|bytes| m::FingerImage { format: m::FingerImageFormat::Wsq, bytes }),
        }
    }

    pub(crate) fn template(&self) -> &Template {
        &self.template
    }

    pub(crate) fn code(&self) -> u8 {
        FingerPosition::from(self.finger).code()
    }

    pub(crate) fn preview_image(&self) -> Option<FingerprintImage> {
        self.preview.as_ref().map(|image| FingerprintImage {
            width: image.width as u32,
            height: image.height as u32,
            pixels: image.pixels.clone(),
        })
    }
}

#[uniffi::export]
impl CapturedFinger {
    /// The finger the operator said was placed.
    pub fn finger(&self) -> Finger {
        self.finger
    }

    /// The capture's quality, 0-100 (the core's; the enrollment's best-of-N judges it).
    pub fn quality(&self) -> u8 {
        self.quality
    }

    /// The captured image, to show the operator (`None` if the scanner sent none).
    pub fn image(&self) -> Option<FingerprintImage> {
        self.preview_image()
    }
}

/// The (finger code, template) pairs of `captures` for a search; every finger once.
pub(crate) fn probe(captures: &[Arc<CapturedFinger>]) -> Result<Vec<(u8, Template)>, JatigiError> {
    if captures.is_empty() {
        return Err(JatigiError::invalid("no captured finger was given", "aucun doigt capturé n'a été donné"));
    }
    let mut out: Vec<(u8, Template)> = Vec::with_capacity(captures.len());
    for c in captures {
        if out.iter().any(|(code, _)| *code == c.code()) {
            return Err(JatigiError::invalid(
                format!("the same finger (ISO position {}) was given twice", c.code()),
                format!("le même doigt (position ISO {}) a été donné deux fois", c.code()),
            ));
        }
        out.push((c.code(), c.template.clone()));
    }
    Ok(out)
}
