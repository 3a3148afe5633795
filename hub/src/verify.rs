//! `jatigi extract` and `jatigi match`.

use std::io::Write;
use std::path::Path;

use jatigi_core::biometrics::{Matcher, PreparedTemplate, Template};

use crate::cli::{ExtractArgs, MatchArgs};
use crate::engine::{self, ms, Loaded};
use crate::error::HubError;
use crate::fvc::parse_dpi;
use crate::text::{decimal_en, decimal_fr, score_text, threshold_text};

/// `jatigi extract IMAGE [--dpi N] -o TEMPLATE`.
pub fn extract(args: &ExtractArgs, out: &mut dyn Write) -> Result<(), HubError> {
    let dpi = parse_dpi(&args.dpi)?;
    let bytes = engine::read_file(&args.image)?;
    let e = engine::extract_image(&args.image, &bytes, dpi)?;
    let encoded = e.template.to_bytes().map_err(HubError::Encode)?;
    std::fs::write(&args.output, &encoded).map_err(|err| HubError::write(&args.output, err))?;

    let (name, t) = (args.image.display(), &e.template);
    let (dec, ext) = (ms(e.decode_time), ms(e.extract_time));
    writeln!(
        out,
        "{name}: {} minutiae, quality {}; decoded in {} ms, extracted in {} ms; {} byte template written to {}",
        t.minutiae.len(),
        t.quality,
        decimal_en(dec, 1),
        decimal_en(ext, 1),
        encoded.len(),
        args.output.display()
    )?;
    writeln!(
        out,
        "{name} : {} minuties, qualité {} ; décodée en {} ms, extraite en {} ms ; gabarit de {} octets écrit dans {}",
        t.minutiae.len(),
        t.quality,
        decimal_fr(dec, 1),
        decimal_fr(ext, 1),
        encoded.len(),
        args.output.display()
    )?;
    Ok(())
}

/// `jatigi match A B [--dpi N] [--threshold T]`.
pub fn compare(args: &MatchArgs, out: &mut dyn Write) -> Result<(), HubError> {
    let dpi = parse_dpi(&args.dpi)?;
    let a = engine::load(&args.a, dpi)?;
    let b = engine::load(&args.b, dpi)?;
    describe("A", &args.a, &a, out)?;
    describe("B", &args.b, &b, out)?;

    let mut matcher = Matcher::new();
    let score = matcher.compare(
        &PreparedTemplate::new(a.template()),
        &PreparedTemplate::new(b.template()),
    );
    let s = score_text(score, args.threshold);
    let t = threshold_text(args.threshold);
    writeln!(out, "{}", s.en)?;
    writeln!(out, "{}", s.fr)?;
    writeln!(out, "{} / {}", t.en, t.fr)?;
    Ok(())
}

/// `A 101_1.tif: image, 38 minutiae, quality 72, extracted in 41.2 ms / image, 38 minuties, …`
fn describe(tag: &str, path: &Path, loaded: &Loaded, out: &mut dyn Write) -> Result<(), HubError> {
    let t: &Template = loaded.template();
    let (n, q) = (t.minutiae.len(), t.quality);
    match loaded {
        Loaded::Image(e) => {
            let x = ms(e.extract_time);
            writeln!(
                out,
                "{tag} {}: image, {n} minutiae, quality {q}, extracted in {} ms / image, {n} minuties, qualité {q}, extraite en {} ms",
                path.display(),
                decimal_en(x, 1),
                decimal_fr(x, 1)
            )?;
        }
        Loaded::Template(_) => writeln!(
            out,
            "{tag} {}: template, {n} minutiae, quality {q} / gabarit, {n} minuties, qualité {q}",
            path.display()
        )?,
    }
    Ok(())
}
