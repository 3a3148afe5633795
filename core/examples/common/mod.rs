//! What the measuring examples share: reading FVC-style folders and extracting templates.
// Each example compiles this module on its own and uses only part of it.
#![allow(dead_code)]

use jatigi_core::biometrics::{extract, FingerImage, Template};

/// One extracted image: its folder, its finger number and its template.
pub struct Extracted {
    pub folder: String,
    pub finger: String,
    pub template: Template,
}

/// A `FOLDER[=DPI]` argument (500 dpi when no resolution is given).
pub fn folder_and_dpi(arg: &str) -> Result<(String, u32), Box<dyn std::error::Error>> {
    Ok(match arg.split_once('=') {
        Some((f, d)) => (f.to_string(), d.parse::<u32>()?),
        None => (arg.to_string(), 500),
    })
}

/// The files of `folder` with extension `ext`, in name order.
pub fn files_with_extension(folder: &str, ext: &str) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut paths: Vec<_> = std::fs::read_dir(folder)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    paths.sort();
    Ok(paths)
}

/// Every `.tif` of the `FOLDER[=DPI]` arguments, in name order, extracted; images that fail
/// to decode or extract are skipped.
pub fn extract_folders(args: impl IntoIterator<Item = String>) -> Result<Vec<Extracted>, Box<dyn std::error::Error>> {
    let mut out = Vec::new();
    for arg in args {
        let (folder, dpi) = folder_and_dpi(&arg)?;
        for p in files_with_extension(&folder, "tif")? {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
            let finger = name.split('_').next().unwrap_or_default().to_string();
            if let Ok(template) = FingerImage::open(&p, dpi).map_err(|e| e.to_string()).and_then(|i| extract(&i).map_err(|e| e.to_string())) {
                out.push(Extracted { folder: folder.clone(), finger, template });
            }
        }
    }
    Ok(out)
}
