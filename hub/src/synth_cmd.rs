//! `jatigi synth`: write synthetic fingerprints as an FVC-style folder that `jatigi eval`
//! reads: `{finger}_{impression}.png`, fingers numbered from 101, impressions from 1,
//! 8-bit grey, 500 dpi.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use jatigi_core::biometrics::FingerImage;
use jatigi_core::synth::{self, FingerClass, Master};
use rayon::prelude::*;

use crate::error::HubError;
use crate::text::{decimal_en, decimal_fr, thousands_en, thousands_fr};

/// Number of the first finger, as in the FVC databases.
pub const FIRST_FINGER: u64 = 101;

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Number of fingers (masters).
    #[arg(long, value_name = "N", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub fingers: u32,
    /// Impressions of each finger.
    #[arg(long, value_name = "M", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub impressions: u32,
    /// Seed: the same seed writes the same images, byte for byte.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Folder to write the images to (created if missing).
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    /// Also write a picture of the first finger's master beside its first two impressions.
    #[arg(long, value_name = "FILE")]
    pub sheet: Option<PathBuf>,
}

/// One generated finger: its number, class and timing.
struct Done {
    class: FingerClass,
    master_seconds: f64,
    impression_seconds: f64,
}

pub fn run(args: &SynthArgs, out: &mut dyn Write) -> Result<(), HubError> {
    let started = Instant::now();
    std::fs::create_dir_all(&args.output).map_err(|e| HubError::write(&args.output, e))?;
    let total = u64::from(args.fingers) * u64::from(args.impressions);
    let bar = progress(total);
    let fingers: Vec<u64> = (0..u64::from(args.fingers))
        .map(|f| FIRST_FINGER + f)
        .collect();
    let done = fingers
        .par_iter()
        .map(|&finger| {
            let t = Instant::now();
            let master = synth::master(synth::master_seed(args.seed, finger));
            let master_seconds = t.elapsed().as_secs_f64();
            let t = Instant::now();
            for impression in 1..=u64::from(args.impressions) {
                let image = synth::impression(&master, impression);
                let path = args.output.join(format!("{finger}_{impression}.png"));
                write_png(&path, &image)?;
                bar.inc(1);
            }
            Ok(Done {
                class: master.class(),
                master_seconds,
                impression_seconds: t.elapsed().as_secs_f64(),
            })
        })
        .collect::<Result<Vec<Done>, HubError>>();
    bar.finish_and_clear();
    let done = done?;
    if let Some(sheet) = &args.sheet {
        let master = synth::master(synth::master_seed(args.seed, FIRST_FINGER));
        write_png(sheet, &contact_sheet(&master))?;
    }

    let seconds = started.elapsed().as_secs_f64();
    let n = done.len() as f64;
    let master_ms = 1000.0 * done.iter().map(|d| d.master_seconds).sum::<f64>() / n;
    let impression_ms = 1000.0 * done.iter().map(|d| d.impression_seconds).sum::<f64>()
        / (n * f64::from(args.impressions));
    let classes = class_counts(&done);
    let dir = args.output.display();
    let (fingers, impressions) = (u64::from(args.fingers), u64::from(args.impressions));
    writeln!(
        out,
        "wrote {} ({} x {}, seed {}) to {dir} in {} s / {} ({} x {}, graine {}) dans {dir} en {} s",
        count(total, "image", "images"),
        count(fingers, "finger", "fingers"),
        count(impressions, "impression", "impressions"),
        args.seed,
        decimal_en(seconds, 1),
        count_fr(total, "image écrite", "images écrites"),
        count_fr(fingers, "doigt", "doigts"),
        count_fr(impressions, "impression", "impressions"),
        args.seed,
        decimal_fr(seconds, 1),
    )?;
    writeln!(
        out,
        "time per master / par doigt maître: {} ms; per impression / par impression: {} ms",
        decimal_en(master_ms, 0),
        decimal_en(impression_ms, 1),
    )?;
    writeln!(out, "classes: {classes}")?;
    if let Some(sheet) = &args.sheet {
        writeln!(
            out,
            "picture of finger {FIRST_FINGER} (master, impressions 1 and 2) / image du doigt {FIRST_FINGER} (maître, impressions 1 et 2): {}",
            sheet.display()
        )?;
    }
    writeln!(out, "measure / mesurer: jatigi eval {dir}")?;
    Ok(())
}

/// `1 finger`, `20 fingers`, with thousands separated as in English.
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands_en(n), if n == 1 { one } else { many })
}

/// The same in French (`1 doigt`, `1 200 doigts`).
fn count_fr(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands_fr(n), if n <= 1 { one } else { many })
}

/// The master of a finger beside its first two impressions.
pub fn contact_sheet(master: &Master) -> FingerImage {
    let rendered = master.render();
    let first = synth::impression(master, 1);
    let second = synth::impression(master, 2);
    synth::side_by_side(&[&rendered, &first, &second], 12)
}

fn write_png(path: &Path, image: &FingerImage) -> Result<(), HubError> {
    let bytes =
        synth::encode_png(image).map_err(|e| HubError::write(path, std::io::Error::other(e)))?;
    std::fs::write(path, bytes).map_err(|e| HubError::write(path, e))
}

/// `left-loop 7, right-loop 6, whorl 5, arch 1, tented-arch 1` (most frequent first).
fn class_counts(done: &[Done]) -> String {
    let all = [
        FingerClass::LeftLoop,
        FingerClass::RightLoop,
        FingerClass::Whorl,
        FingerClass::Arch,
        FingerClass::TentedArch,
    ];
    let mut counts: Vec<(FingerClass, usize)> = all
        .iter()
        .map(|&c| (c, done.iter().filter(|d| d.class == c).count()))
        .filter(|&(_, n)| n > 0)
        .collect();
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    counts
        .iter()
        .map(|(c, n)| format!("{} {n}", c.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A progress bar on stderr, hidden when stderr is not a terminal.
fn progress(len: u64) -> ProgressBar {
    let bar = ProgressBar::new(len);
    bar.set_draw_target(if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    });
    let style = ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({elapsed}, eta {eta})")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style.progress_chars("=> "));
    bar.set_message("generating / génération");
    bar
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    #[test]
    fn arguments() {
        let cli = Cli::try_parse_from(["jatigi", "synth", "-o", "out"]).unwrap();
        let Command::Synth(s) = cli.command else {
            panic!("not synth")
        };
        assert_eq!((s.fingers, s.impressions, s.seed), (20, 8, 1));
        assert_eq!(s.output, PathBuf::from("out"));
        let cli = Cli::try_parse_from([
            "jatigi",
            "synth",
            "--fingers",
            "3",
            "--impressions",
            "2",
            "--seed",
            "9",
            "-o",
            "d",
            "--sheet",
            "s.png",
        ])
        .unwrap();
        let Command::Synth(s) = cli.command else {
            panic!("not synth")
        };
        assert_eq!((s.fingers, s.impressions, s.seed), (3, 2, 9));
        assert_eq!(s.sheet, Some(PathBuf::from("s.png")));
        assert!(Cli::try_parse_from(["jatigi", "synth", "--fingers", "0", "-o", "d"]).is_err());
        assert!(Cli::try_parse_from(["jatigi", "synth"]).is_err());
    }

    #[test]
    fn writes_an_fvc_folder() {
        let dir = std::env::temp_dir().join(format!("jatigi-synth-test-{}", std::process::id()));
        let args = SynthArgs {
            fingers: 2,
            impressions: 2,
            seed: 5,
            output: dir.clone(),
            sheet: None,
        };
        let mut out = Vec::new();
        run(&args, &mut out).unwrap();
        for name in ["101_1.png", "101_2.png", "102_1.png", "102_2.png"] {
            let image = FingerImage::open(&dir.join(name), 500).unwrap();
            assert_eq!((image.width, image.height), (300, 400));
        }
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("wrote 4 images (2 fingers x 2 impressions, seed 5)"),
            "{text}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
