//! `jatigi convert IN OUT`: between fingerprint image formats (PNG, TIFF, BMP, raw, WSQ;
//! JPEG read only) and between minutiae template formats (ISO/IEC 19794-2:2005 and 2011,
//! ANSI/INCITS 378-2004 and the Jatigi template), chosen by the files' extensions.
//!
//! Images keep their pixels and size: nothing is resampled. The resolution travels where the
//! format can carry it (WSQ's NISTCOM `PPI`); otherwise `--dpi` says what it is. Templates
//! are told apart by their headers on input; on output `.iso` is ISO 2005 unless `--format`
//! says 2011, `.ansi` or `.378` is ANSI 378, anything else is a Jatigi template.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use jatigi_core::biometrics::formats::{self, FingerRecord, Format};
use jatigi_core::biometrics::image::{self as finger_image, GrayImage};
use jatigi_core::biometrics::template::Template;
use jatigi_core::biometrics::wsq;

use crate::engine;
use crate::error::HubError;

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// File to convert (image or template; its kind is read from its extension and header).
    pub input: PathBuf,
    /// File to write; its extension picks the format (.png .tif .bmp .raw .wsq for images,
    /// .iso .ansi .378 .jtgt for templates).
    pub output: PathBuf,
    /// WSQ bit rate in bits per pixel (0.75 is the field setting, about 15:1).
    #[arg(long, value_name = "BPP", default_value_t = wsq::DEFAULT_BITRATE, value_parser = crate::cli::parse_bitrate)]
    pub bitrate: f32,
    /// Resolution of the input image in dots per inch, written into WSQ files (default: what
    /// a WSQ input states, else 500).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(250..=1000))]
    pub dpi: Option<u16>,
    /// Size of a raw input image, WIDTHxHEIGHT (raw files carry none).
    #[arg(long, value_name = "WxH")]
    pub size: Option<String>,
    /// Template format of a .iso output.
    #[arg(long, value_enum, default_value_t = IsoEdition::Iso2005)]
    pub format: IsoEdition,
    /// Finger position code (0 unknown, 1-10 as in ISO/IEC 19794-2) written when a Jatigi
    /// template, which has none, becomes an ISO or ANSI record.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=10))]
    pub finger: u8,
}

/// Which ISO edition a `.iso` file is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum IsoEdition {
    #[value(name = "iso2005")]
    Iso2005,
    #[value(name = "iso2011")]
    Iso2011,
}

/// What a file is, by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Image(ImageKind),
    /// A minutiae template; `None` is the Jatigi format.
    Template(Option<Format>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ImageKind {
    Png,
    Tiff,
    Bmp,
    Jpeg,
    Raw,
    Wsq,
}

fn extension(path: &Path) -> String {
    path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase()
}

/// The kind of an output file, from its extension.
fn output_kind(path: &Path, edition: IsoEdition) -> Result<Kind, HubError> {
    Ok(match extension(path).as_str() {
        "png" => Kind::Image(ImageKind::Png),
        "tif" | "tiff" => Kind::Image(ImageKind::Tiff),
        "bmp" => Kind::Image(ImageKind::Bmp),
        "raw" | "gray" => Kind::Image(ImageKind::Raw),
        "wsq" => Kind::Image(ImageKind::Wsq),
        "iso" => Kind::Template(Some(match edition {
            IsoEdition::Iso2005 => Format::Iso2005,
            IsoEdition::Iso2011 => Format::Iso2011,
        })),
        "ansi" | "378" => Kind::Template(Some(Format::Ansi378)),
        "jtgt" | "tpl" | "template" => Kind::Template(None),
        _ => return Err(HubError::ConvertExtension { path: path.to_path_buf() }),
    })
}

/// The kind of an input file: images by extension, templates by their header.
fn input_kind(path: &Path, bytes: &[u8]) -> Result<Kind, HubError> {
    if Template::is_template(bytes) {
        return Ok(Kind::Template(None));
    }
    if let Ok(format) = formats::detect(bytes) {
        return Ok(Kind::Template(Some(format)));
    }
    if wsq::is_wsq(bytes) {
        return Ok(Kind::Image(ImageKind::Wsq));
    }
    Ok(match extension(path).as_str() {
        "raw" | "gray" => Kind::Image(ImageKind::Raw),
        "png" => Kind::Image(ImageKind::Png),
        "tif" | "tiff" => Kind::Image(ImageKind::Tiff),
        "bmp" => Kind::Image(ImageKind::Bmp),
        "jpg" | "jpeg" => Kind::Image(ImageKind::Jpeg),
        "iso" | "ansi" | "378" | "jtgt" | "tpl" | "template" | "wsq" => {
            // Named as a template or WSQ but its header says otherwise: let the reader say why.
            return match extension(path).as_str() {
                "wsq" => Err(HubError::Wsq { path: path.to_path_buf(), source: wsq::decode(bytes).err().unwrap_or(wsq::WsqError::NotWsq) }),
                _ => Err(HubError::Minutiae {
                    path: path.to_path_buf(),
                    source: formats::detect(bytes).err().unwrap_or(formats::FormatError::BadMagic),
                }),
            };
        }
        _ => return Err(HubError::ConvertExtension { path: path.to_path_buf() }),
    })
}

pub fn run(args: &ConvertArgs, out: &mut dyn Write) -> Result<(), HubError> {
    let bytes = engine::read_file(&args.input)?;
    let from = input_kind(&args.input, &bytes)?;
    let to = output_kind(&args.output, args.format)?;
    let written = match (from, to) {
        (Kind::Image(kind), Kind::Image(target)) => {
            let (image, dpi) = read_image(args, kind, &bytes)?;
            let encoded = write_image(args, &image, dpi, target)?;
            writeln!(
                out,
                "{} -> {}: {}x{} pixels, {} dpi, {} bytes{}",
                args.input.display(),
                args.output.display(),
                image.width,
                image.height,
                dpi,
                encoded.len(),
                if target == ImageKind::Wsq {
                    format!(" ({:.2} bits per pixel)", encoded.len() as f64 * 8.0 / (image.width * image.height) as f64)
                } else {
                    String::new()
                }
            )?;
            encoded
        }
        (Kind::Template(format), Kind::Template(target)) => {
            let (encoded, views) = convert_template(args, &bytes, format, target)?;
            writeln!(out, "{} -> {}: {} finger view(s), {} bytes", args.input.display(), args.output.display(), views, encoded.len())?;
            encoded
        }
        (Kind::Image(_), Kind::Template(_)) => return Err(HubError::ConvertImageToTemplate),
        (Kind::Template(_), Kind::Image(_)) => return Err(HubError::ConvertTemplateToImage),
    };
    std::fs::write(&args.output, written).map_err(|source| HubError::Write { path: args.output.clone(), source })?;
    Ok(())
}

/// Decode the input image at its own size; its resolution from the file (WSQ) or `--dpi`.
fn read_image(args: &ConvertArgs, kind: ImageKind, bytes: &[u8]) -> Result<(GrayImage, u16), HubError> {
    let path = &args.input;
    let default_dpi = args.dpi.unwrap_or(500);
    match kind {
        ImageKind::Wsq => {
            let image = wsq::decode(bytes).map_err(|source| HubError::Wsq { path: path.clone(), source })?;
            let dpi = args.dpi.or(image.ppi).unwrap_or(500);
            Ok((GrayImage { width: image.width, height: image.height, pixels: image.pixels }, dpi))
        }
        ImageKind::Raw => {
            let spec = args.size.as_deref().ok_or(HubError::RawSize { spec: None })?;
            let (width, height) = parse_size(spec).ok_or_else(|| HubError::RawSize { spec: Some(spec.to_string()) })?;
            let image = GrayImage::from_raw(width, height, bytes.to_vec()).map_err(|source| HubError::Image { path: path.clone(), source })?;
            Ok((image, default_dpi))
        }
        ImageKind::Png | ImageKind::Tiff | ImageKind::Bmp | ImageKind::Jpeg => {
            let image = finger_image::decode_gray(bytes).map_err(|source| HubError::Image { path: path.clone(), source })?;
            Ok((image, default_dpi))
        }
    }
}

fn write_image(args: &ConvertArgs, image: &GrayImage, dpi: u16, target: ImageKind) -> Result<Vec<u8>, HubError> {
    let format = match target {
        ImageKind::Raw => return Ok(image.pixels.clone()),
        ImageKind::Wsq => {
            let comment = format!("converted by jatigi from {}", file_name(&args.input));
            return wsq::encode(&image.pixels, image.width, image.height, Some(dpi), args.bitrate, &[comment.as_str()])
                .map_err(|source| HubError::Wsq { path: args.output.clone(), source });
        }
        ImageKind::Png => finger_image::GrayFormat::Png,
        ImageKind::Tiff => finger_image::GrayFormat::Tiff,
        ImageKind::Bmp => finger_image::GrayFormat::Bmp,
        ImageKind::Jpeg => return Err(HubError::ConvertExtension { path: args.output.clone() }),
    };
    image.encode(format).map_err(|source| HubError::Image { path: args.output.clone(), source })
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// `WIDTHxHEIGHT`, both positive.
fn parse_size(spec: &str) -> Option<(usize, usize)> {
    let (w, h) = spec.split_once(['x', 'X'])?;
    let (w, h): (usize, usize) = (w.trim().parse().ok()?, h.trim().parse().ok()?);
    (w > 0 && h > 0).then_some((w, h))
}

/// Convert a template between formats; returns the bytes and the number of finger views.
fn convert_template(args: &ConvertArgs, bytes: &[u8], from: Option<Format>, to: Option<Format>) -> Result<(Vec<u8>, usize), HubError> {
    match (from, to) {
        (None, None) => {
            let template = read_template(&args.input, bytes)?;
            Ok((template.to_bytes().map_err(HubError::Encode)?, 1))
        }
        (None, Some(target)) => {
            let template = read_template(&args.input, bytes)?;
            let record = FingerRecord::from_template(&template, args.finger, target);
            Ok((record.to_bytes(target).map_err(minutiae_err(&args.output))?, 1))
        }
        (Some(_), target) => {
            let record = formats::read_any(bytes).map_err(minutiae_err(&args.input))?;
            match target {
                Some(target) => Ok((record.to_bytes(target).map_err(minutiae_err(&args.output))?, record.views.len())),
                None => {
                    if record.views.len() > 1 {
                        eprintln!(
                            "note: {} holds {} finger views; the first is written (a Jatigi template holds one) / seule la première vue est écrite",
                            args.input.display(),
                            record.views.len()
                        );
                    }
                    let template = record.first_template().map_err(minutiae_err(&args.input))?;
                    Ok((template.to_bytes().map_err(HubError::Encode)?, 1))
                }
            }
        }
    }
}

/// Wraps a record error with the file it concerns.
fn minutiae_err(path: &Path) -> impl Fn(formats::FormatError) -> HubError + '_ {
    move |source| HubError::Minutiae { path: path.to_path_buf(), source }
}

fn read_template(path: &Path, bytes: &[u8]) -> Result<Template, HubError> {
    Template::from_bytes(bytes).map_err(|source| HubError::Template { path: path.to_path_buf(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(input: &Path, output: &Path) -> ConvertArgs {
        ConvertArgs {
            input: input.to_path_buf(),
            output: output.to_path_buf(),
            bitrate: 0.75,
            dpi: None,
            size: None,
            format: IsoEdition::Iso2005,
            finger: 0,
        }
    }

    fn ridges(width: usize, height: usize) -> Vec<u8> {
        (0..width * height)
            .map(|i| {
                let (x, y) = ((i % width) as f64, (i / width) as f64);
                (128.0 + 100.0 * ((x * 0.7 + y * 0.3) / 1.6).sin()) as u8
            })
            .collect()
    }

    #[test]
    fn sizes_parse_and_bad_ones_do_not() {
        assert_eq!(parse_size("320x480"), Some((320, 480)));
        assert_eq!(parse_size("320X480"), Some((320, 480)));
        assert_eq!(parse_size("0x480"), None);
        assert_eq!(parse_size("320"), None);
        assert_eq!(parse_size("ax4"), None);
    }

    #[test]
    fn raw_to_wsq_to_png_to_raw_keeps_size_and_resolution() {
        let dir = tempfile::tempdir().unwrap();
        let (w, h) = (200, 150);
        let pixels = ridges(w, h);
        let raw = dir.path().join("a.raw");
        std::fs::write(&raw, &pixels).unwrap();
        let wsq_path = dir.path().join("a.wsq");
        let mut a = args(&raw, &wsq_path);
        a.size = Some("200x150".into());
        a.dpi = Some(569);
        run(&a, &mut Vec::new()).unwrap();
        let decoded = wsq::decode(&std::fs::read(&wsq_path).unwrap()).unwrap();
        assert_eq!((decoded.width, decoded.height, decoded.ppi), (w, h, Some(569)));
        let mae = wsq::mean_abs_error(&decoded.pixels, &pixels);
        assert!(mae < 12.0, "mean absolute error {mae}");

        let png = dir.path().join("b.png");
        run(&args(&wsq_path, &png), &mut Vec::new()).unwrap();
        let back = dir.path().join("c.raw");
        run(&args(&png, &back), &mut Vec::new()).unwrap();
        assert_eq!(std::fs::read(&back).unwrap(), decoded.pixels, "PNG is lossless");
    }

    #[test]
    fn raw_input_needs_a_size_that_fits() {
        let dir = tempfile::tempdir().unwrap();
        let raw = dir.path().join("a.raw");
        std::fs::write(&raw, vec![0u8; 100]).unwrap();
        let out = dir.path().join("a.png");
        assert!(matches!(run(&args(&raw, &out), &mut Vec::new()), Err(HubError::RawSize { spec: None })));
        let mut a = args(&raw, &out);
        a.size = Some("20x20".into());
        assert!(matches!(run(&a, &mut Vec::new()), Err(HubError::Image { .. })));
        assert!(!out.exists());
    }

    #[test]
    fn templates_go_through_every_format_and_back() {
        let dir = tempfile::tempdir().unwrap();
        let template = crate::convert::tests::sample_template();
        let native = dir.path().join("t.jtgt");
        std::fs::write(&native, template.to_bytes().unwrap()).unwrap();
        let iso = dir.path().join("t.iso");
        let mut a = args(&native, &iso);
        a.finger = 2;
        run(&a, &mut Vec::new()).unwrap();
        let iso11 = dir.path().join("t11.iso");
        let mut a = args(&iso, &iso11);
        a.format = IsoEdition::Iso2011;
        run(&a, &mut Vec::new()).unwrap();
        let ansi = dir.path().join("t.378");
        run(&args(&iso11, &ansi), &mut Vec::new()).unwrap();
        let back = dir.path().join("back.jtgt");
        run(&args(&ansi, &back), &mut Vec::new()).unwrap();

        assert_eq!(formats::detect(&std::fs::read(&iso).unwrap()).unwrap(), Format::Iso2005);
        assert_eq!(formats::detect(&std::fs::read(&iso11).unwrap()).unwrap(), Format::Iso2011);
        let record = formats::read_any(&std::fs::read(&ansi).unwrap()).unwrap();
        assert_eq!(record.format, Format::Ansi378);
        assert_eq!(record.views[0].finger_position, 2);
        let back = Template::from_bytes(&std::fs::read(&back).unwrap()).unwrap();
        assert_eq!(back.minutiae.len(), template.minutiae.len());
        for (a, b) in back.minutiae.iter().zip(&template.minutiae) {
            assert_eq!((a.x, a.y, a.kind), (b.x, b.y, b.kind));
            // ANSI keeps 2-degree steps: at most one 256th of a turn plus rounding apart.
            let d = (i16::from(a.angle) - i16::from(b.angle)).rem_euclid(256);
            assert!(d.min(256 - d) <= 2, "angle {} vs {}", a.angle, b.angle);
        }
    }

    #[test]
    fn images_and_templates_do_not_cross() {
        let dir = tempfile::tempdir().unwrap();
        let native = dir.path().join("t.jtgt");
        std::fs::write(&native, sample_template().to_bytes().unwrap()).unwrap();
        assert!(matches!(run(&args(&native, &dir.path().join("x.png")), &mut Vec::new()), Err(HubError::ConvertTemplateToImage)));
        let png = dir.path().join("x.png");
        std::fs::write(&png, GrayImage::from_raw(64, 64, ridges(64, 64)).unwrap().encode(finger_image::GrayFormat::Png).unwrap()).unwrap();
        assert!(matches!(run(&args(&png, &dir.path().join("x.iso")), &mut Vec::new()), Err(HubError::ConvertImageToTemplate)));
        assert!(matches!(run(&args(&png, &dir.path().join("x.doc")), &mut Vec::new()), Err(HubError::ConvertExtension { .. })));
    }

    #[test]
    fn a_damaged_wsq_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.wsq");
        std::fs::write(&bad, [0xFF, 0xA0, 0xFF, 0xA8, 0x00]).unwrap();
        let err = run(&args(&bad, &dir.path().join("x.png")), &mut Vec::new()).unwrap_err();
        assert!(matches!(err, HubError::Wsq { .. }), "{err}");
    }

    pub(super) fn sample_template() -> Template {
        use jatigi_core::biometrics::template::{Minutia, MinutiaKind};
        let minutiae = (0..30u16)
            .map(|i| Minutia {
                x: 20 + i * 9,
                y: 300 - i * 7,
                angle: (i * 37 % 256) as u8,
                kind: if i % 3 == 0 { MinutiaKind::Bifurcation } else { MinutiaKind::Ending },
                quality: 40 + (i % 60) as u8,
            })
            .collect();
        Template { width: 320, height: 400, quality: 70, minutiae }
    }
}
