//! The extraction pipeline: image → template, as a sequence of named stages.

use super::image::FingerImage;
use super::template::Template;
use thiserror::Error;

/// Why no template could be made from an image.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ExtractError {
    #[error("no finger found in the image")]
    NoFinger,
}

/// Extract a template from a 500 dpi image.
pub fn extract(image: &FingerImage) -> Result<Template, ExtractError> {
    let _ = image;
    Err(ExtractError::NoFinger)
}
