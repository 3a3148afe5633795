//! Fingerprint biometrics: image input, the extraction pipeline, templates and the matcher.
//!
//! Data flows one way: [`FingerImage`] (500 dpi grey levels) → [`extract`] → [`Template`]
//! → [`PreparedTemplate`] → [`Matcher::compare`] → calibrated score.

pub mod formats;
pub mod image;
pub mod params;
pub mod raster;
pub mod normalization;
pub mod template;
pub mod wsq;

pub mod segmentation;
pub mod orientation;
pub mod frequency;
pub mod enhancement;
pub mod binarization;
pub mod thinning;
pub mod minutiae;
pub mod filtering;
pub mod quality;
pub mod extractor;

pub mod matcher;
pub mod calibration;
pub mod search;

pub use extractor::{extract, ExtractError};
pub use image::{FingerImage, ImageError};
pub use matcher::{Matcher, PreparedTemplate};
pub use template::{Minutia, MinutiaKind, Template, TemplateError};
