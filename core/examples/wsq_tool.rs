//! Command-line access to the WSQ codec, for interoperability checks against other
//! implementations (scripts/make_wsq_vectors.py runs it) and for looking at results.
//!
//!     cargo run --release -p jatigi-core --example wsq_tool -- encode in.pgm out.wsq [bitrate]
//!     cargo run --release -p jatigi-core --example wsq_tool -- decode in.wsq out.pgm
//!     cargo run --release -p jatigi-core --example wsq_tool -- compare a.pgm b.pgm
//!
//! Images are binary PGM (P5, 8 bit); `encode` also reads PNG, TIFF and BMP.

use std::process::ExitCode;

use jatigi_core::biometrics::wsq;

fn read_gray(path: &str) -> Result<(usize, usize, Vec<u8>), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    if bytes.starts_with(b"P5") {
        return parse_pgm(&bytes).ok_or_else(|| format!("{path}: not an 8-bit binary PGM"));
    }
    let image = image::load_from_memory(&bytes)
        .map_err(|e| format!("{path}: {e}"))?
        .to_luma8();
    Ok((
        image.width() as usize,
        image.height() as usize,
        image.into_raw(),
    ))
}

fn parse_pgm(bytes: &[u8]) -> Option<(usize, usize, Vec<u8>)> {
    // Header: "P5", width, height, maxval, each separated by white space (comments skipped),
    // then one white-space byte and the pixels.
    let mut fields = Vec::new();
    let mut i = 2;
    while fields.len() < 3 {
        while bytes.get(i)?.is_ascii_whitespace() {
            i += 1;
        }
        if bytes[i] == b'#' {
            while *bytes.get(i)? != b'\n' {
                i += 1;
            }
            continue;
        }
        let start = i;
        while bytes.get(i)?.is_ascii_digit() {
            i += 1;
        }
        fields.push(
            std::str::from_utf8(&bytes[start..i])
                .ok()?
                .parse::<usize>()
                .ok()?,
        );
    }
    let (w, h, max) = (fields[0], fields[1], fields[2]);
    let data = bytes.get(i + 1..i + 1 + w * h)?;
    (max == 255).then(|| (w, h, data.to_vec()))
}

fn write_pgm(path: &str, w: usize, h: usize, pixels: &[u8]) -> Result<(), String> {
    let mut out = format!("P5\n{w} {h}\n255\n").into_bytes();
    out.extend_from_slice(pixels);
    std::fs::write(path, out).map_err(|e| format!("{path}: {e}"))
}

fn run(args: &[String]) -> Result<(), String> {
    match args {
        [cmd, input, output, rest @ ..] if cmd == "encode" => {
            let bitrate = match rest.first() {
                Some(b) => b.parse::<f32>().map_err(|e| format!("bit rate: {e}"))?,
                None => wsq::DEFAULT_BITRATE,
            };
            let (w, h, pixels) = read_gray(input)?;
            let bytes =
                wsq::encode(&pixels, w, h, Some(500), bitrate, &[]).map_err(|e| e.to_string())?;
            std::fs::write(output, &bytes).map_err(|e| format!("{output}: {e}"))?;
            println!(
                "{w}x{h} -> {} bytes, {:.3} bpp",
                bytes.len(),
                bytes.len() as f64 * 8.0 / (w * h) as f64
            );
            Ok(())
        }
        [cmd, input, output] if cmd == "decode" => {
            let bytes = std::fs::read(input).map_err(|e| format!("{input}: {e}"))?;
            let image = wsq::decode(&bytes).map_err(|e| e.to_string())?;
            write_pgm(output, image.width, image.height, &image.pixels)?;
            println!("{}x{} ppi {:?}", image.width, image.height, image.ppi);
            Ok(())
        }
        [cmd, a, b] if cmd == "compare" => {
            let (wa, ha, pa) = read_gray(a)?;
            let (wb, hb, pb) = read_gray(b)?;
            if (wa, ha) != (wb, hb) {
                return Err(format!("sizes differ: {wa}x{ha} vs {wb}x{hb}"));
            }
            let n = pa.len() as f64;
            let diffs = pa
                .iter()
                .zip(&pb)
                .map(|(&x, &y)| (f64::from(x) - f64::from(y)).abs());
            let (sum, sq, max) = diffs.fold((0.0, 0.0, 0.0f64), |(s, q, m), d| {
                (s + d, q + d * d, m.max(d))
            });
            let psnr = 10.0 * (255.0f64 * 255.0 / (sq / n)).log10();
            println!("mae {:.4} max {max} psnr {psnr:.3}", sum / n);
            Ok(())
        }
        _ => Err(
            "usage: wsq_tool encode IN OUT.wsq [bitrate] | decode IN.wsq OUT.pgm | compare A B"
                .into(),
        ),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
