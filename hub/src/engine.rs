//! Reading fingerprints from files: images (decoded and extracted) or Jatigi templates.

use std::path::Path;
use std::time::{Duration, Instant};

use jatigi_core::biometrics::{extract, FingerImage, Template};

use crate::error::HubError;

/// Read a whole file.
pub fn read_file(path: &Path) -> Result<Vec<u8>, HubError> {
    std::fs::read(path).map_err(|e| HubError::read(path, e))
}

/// A template made from an image, with what it cost.
pub struct Extracted {
    pub template: Template,
    /// Decoding the file and normalising it to 500 dpi.
    pub decode_time: Duration,
    /// The extraction pipeline alone.
    pub extract_time: Duration,
}

/// Decode image bytes at `dpi` and extract a template.
pub fn extract_image(path: &Path, bytes: &[u8], dpi: u32) -> Result<Extracted, HubError> {
    let start = Instant::now();
    let image = FingerImage::decode(bytes, dpi).map_err(|source| HubError::Image {
        path: path.to_path_buf(),
        source,
    })?;
    let decode_time = start.elapsed();
    let start = Instant::now();
    let template = extract(&image).map_err(|source| HubError::Extract {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(Extracted {
        template,
        decode_time,
        extract_time: start.elapsed(),
    })
}

/// Decode an image file scanned at `dpi` and compress it, at 500 dpi, to WSQ at `bitrate`
/// bits per pixel.
pub fn to_wsq(path: &Path, bytes: &[u8], dpi: u32, bitrate: f32) -> Result<Vec<u8>, HubError> {
    let image = FingerImage::decode(bytes, dpi).map_err(|source| HubError::Image {
        path: path.to_path_buf(),
        source,
    })?;
    jatigi_core::biometrics::wsq::encode_finger(&image, bitrate).map_err(|source| HubError::Wsq {
        path: path.to_path_buf(),
        source,
    })
}

/// A fingerprint given on the command line.
pub enum Loaded {
    /// The file was an image: extracted now.
    Image(Extracted),
    /// The file was a Jatigi template.
    Template(Template),
}

impl Loaded {
    pub fn template(&self) -> &Template {
        match self {
            Loaded::Image(e) => &e.template,
            Loaded::Template(t) => t,
        }
    }
}

/// Load an image (extracting its template) or a template file, told apart by the template's
/// magic bytes.
pub fn load(path: &Path, dpi: u32) -> Result<Loaded, HubError> {
    let bytes = read_file(path)?;
    if Template::is_template(&bytes) {
        Template::from_bytes(&bytes)
            .map(Loaded::Template)
            .map_err(|source| HubError::Template {
                path: path.to_path_buf(),
                source,
            })
    } else {
        extract_image(path, &bytes, dpi).map(Loaded::Image)
    }
}

/// Milliseconds, for printing.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
