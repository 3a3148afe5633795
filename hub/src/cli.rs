//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Jatigi hub: fingerprint tools for desktops and servers (offline enrollment of displaced
/// households).
#[derive(Debug, Parser)]
#[command(name = "jatigi", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Extract a fingerprint template from an image / extraire un gabarit d'une image.
    ///
    /// A development tool: the template is written unencrypted. Never use it on real
    /// people's fingerprints.
    Extract(ExtractArgs),
    /// Compare two fingerprints, images or templates / comparer deux empreintes.
    Match(MatchArgs),
    /// Measure accuracy and speed with the FVC protocol / mesurer la précision (protocole FVC).
    ///
    /// In each folder, images are named FINGER_IMPRESSION.{tif,tiff,png,bmp,jpg,jpeg}; other
    /// files are ignored. Genuine pairs: every two impressions of the same finger; impostor
    /// pairs: every two images of different fingers. An image that cannot be decoded or
    /// extracted scores 0 against everything and is counted as failed to extract.
    Eval(EvalArgs),
    /// Run the demo on built-in synthetic fingerprints / lancer la démonstration.
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// Fingerprint image (TIFF, PNG, BMP, JPEG).
    pub image: PathBuf,
    /// Image resolution in dots per inch (250-1000).
    #[arg(long, value_name = "N", default_value = "500")]
    pub dpi: String,
    /// Where to write the template.
    #[arg(short, long, value_name = "TEMPLATE")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct MatchArgs {
    /// First fingerprint: an image or a Jatigi template.
    pub a: PathBuf,
    /// Second fingerprint: an image or a Jatigi template.
    pub b: PathBuf,
    /// Resolution of the images among A and B, in dots per inch (250-1000).
    #[arg(long, value_name = "N", default_value = "500")]
    pub dpi: String,
    /// Decision threshold on the calibrated score (40 = false match rate 1 in 10,000).
    #[arg(long, value_name = "SCORE", default_value_t = crate::text::DEFAULT_THRESHOLD,
          value_parser = parse_threshold)]
    pub threshold: f32,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Folders of FVC-style images. Default: the eight FVC2000/FVC2002 B sets in
    /// ../shared/data/fingerprints (found from the current directory or the workspace),
    /// labelled fvc2000/DB1_B … fvc2002/DB4_B, with fvc2002/DB2_B at 569 dpi.
    #[arg(value_name = "FOLDER")]
    pub folders: Vec<PathBuf>,
    /// Resolution of a folder, FOLDER=N: FOLDER is the path as given or its last components
    /// (e.g. fvc2002/DB2_B=569). Repeat for several folders; the last matching one wins.
    /// Folders named on the command line are 500 dpi unless set here.
    #[arg(long = "dpi", value_name = "FOLDER=N")]
    pub dpi: Vec<String>,
    /// Write every comparison to FILE, one line `a,b,score` (image paths).
    #[arg(long, value_name = "FILE")]
    pub scores: Option<PathBuf>,
    /// Print one JSON object on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Worker threads (default: every available core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {}

fn parse_threshold(s: &str) -> Result<f32, String> {
    match s.trim().parse::<f32>() {
        Ok(t) if t.is_finite() && t >= 0.0 => Ok(t),
        _ => Err(format!(
            "expected a score of 0 or more, e.g. 40 / attendu un score positif, par ex. 40: {s:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn arguments_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn eval_arguments() {
        let cli = Cli::try_parse_from([
            "jatigi",
            "eval",
            "a/DB1",
            "b",
            "--dpi",
            "a/DB1=569",
            "--dpi",
            "b=600",
            "--json",
            "--threads",
            "2",
            "--scores",
            "s.csv",
        ])
        .unwrap();
        let Command::Eval(e) = cli.command else {
            panic!("not eval")
        };
        assert_eq!(e.folders, [PathBuf::from("a/DB1"), PathBuf::from("b")]);
        assert_eq!(e.dpi, ["a/DB1=569", "b=600"]);
        assert!(e.json);
        assert_eq!(e.threads, Some(2));
        assert_eq!(e.scores, Some(PathBuf::from("s.csv")));
        assert!(Cli::try_parse_from(["jatigi", "eval", "--threads", "0"]).is_err());
    }

    #[test]
    fn match_threshold() {
        let cli = Cli::try_parse_from(["jatigi", "match", "a", "b"]).unwrap();
        let Command::Match(m) = cli.command else {
            panic!("not match")
        };
        assert_eq!(m.threshold, 40.0);
        assert_eq!(m.dpi, "500");
        assert!(Cli::try_parse_from(["jatigi", "match", "a", "b", "--threshold", "NaN"]).is_err());
        assert!(Cli::try_parse_from(["jatigi", "match", "a", "b", "--threshold", "-1"]).is_err());
    }
}
