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
    /// Convert between image formats (PNG, TIFF, BMP, raw, WSQ) or between template formats
    /// (ISO/IEC 19794-2:2005 and 2011, ANSI/INCITS 378-2004, Jatigi) by file extension /
    /// convertir entre formats d'image ou de gabarit.
    Convert(crate::convert::ConvertArgs),
    /// Write synthetic fingerprints as an FVC-style folder / écrire des empreintes synthétiques.
    ///
    /// Files FINGER_IMPRESSION.png (fingers from 101, impressions from 1), 8-bit grey,
    /// 500 dpi, readable by `jatigi eval DIR`. The same seed writes the same bytes.
    Synth(crate::synth_cmd::SynthArgs),
    /// Measure speed on synthetic data / mesurer la vitesse sur des données synthétiques.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Check a registry's audit log / vérifier le journal d'audit d'un registre.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Facts about a registry file / informations sur un fichier de registre.
    #[command(subcommand)]
    Registry(RegistryCommand),
    /// The hub: import tablets' packets, find duplicates across tablets, report / le hub :
    /// importer les paquets des tablettes, trouver les doublons, rapports.
    ///
    /// The hub's folder holds its encrypted registry (hub.db, protected by the passphrase
    /// in JATIGI_PASSPHRASE or --passphrase-env) and programme-key.txt, the public key
    /// tablets encrypt their packets to.
    #[command(subcommand)]
    Hub(HubCommand),
    /// Household cards: issue, print, verify / cartes de ménage : émettre, imprimer, vérifier.
    #[command(subcommand)]
    Card(CardCommand),
}

#[derive(Debug, Subcommand)]
pub enum HubCommand {
    /// Create a hub: its registry and the programme key pair / créer un hub.
    Init(HubArgs),
    /// Accept packets from tablets: read their device files (device.json) / enregistrer
    /// des tablettes.
    AddDevice(AddDeviceArgs),
    /// Import packets (files, or folders of .jtgx files) / importer des paquets.
    ///
    /// Each packet is verified, decrypted and applied in one transaction; a refused packet
    /// is reported and the others carry on. Missing sequence numbers are reported.
    Import(ImportArgs),
    /// Find duplicates across tablets and write the adjudication file (CSV and JSON) /
    /// trouver les doublons entre tablettes.
    ///
    /// The adjudication file holds personal data (names, sex, birth, site): keep it as
    /// safe as the registry and delete it once decided.
    Dedup(DedupArgs),
    /// Apply supervisors' decisions from an adjudication file (its `decision` column:
    /// same or different) / appliquer les décisions des superviseurs.
    Adjudicate(AdjudicateArgs),
    /// Write the registry (CSV with HXL hashtags), the DTM-style summary (CSV) and an HTML
    /// page / écrire le registre, le résumé et une page HTML.
    ///
    /// The registry CSV holds personal data: write it only where the data manager asks.
    Report(ReportArgs),
}

/// The hub's folder and passphrase.
#[derive(Debug, Args)]
pub struct HubArgs {
    /// The hub's folder (hub.db, programme-key.txt).
    #[arg(long = "hub", value_name = "HUBDIR")]
    pub dir: PathBuf,
    /// Environment variable holding the hub's passphrase.
    #[arg(long, value_name = "VAR", default_value = "JATIGI_PASSPHRASE")]
    pub passphrase_env: String,
}

#[derive(Debug, Args)]
pub struct AddDeviceArgs {
    #[command(flatten)]
    pub hub: HubArgs,
    /// Device files written by tablets at provisioning.
    #[arg(required = true, value_name = "DEVICE_JSON")]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub hub: HubArgs,
    /// Packet files, or folders whose .jtgx files are imported.
    #[arg(required = true, value_name = "PACKET_OR_FOLDER")]
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DedupArgs {
    #[command(flatten)]
    pub hub: HubArgs,
    /// Fused score (sum over fingers) from which a pair is reported; 60 ≈ a false match
    /// rate of one in a million per pair.
    #[arg(long, value_name = "SCORE", default_value_t = jatigi_core::sync::dedup::DEDUP_THRESHOLD, value_parser = parse_threshold)]
    pub threshold: f32,
    /// Where to write adjudication.csv and adjudication.json (default: the hub's folder).
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print one JSON object instead of the summary.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct AdjudicateArgs {
    #[command(flatten)]
    pub hub: HubArgs,
    /// The adjudication file (.csv or .json) with decisions filled in.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The supervisor's operator id, recorded in the audit log.
    #[arg(long, value_name = "ID", default_value = "HUB-SUPERVISOR")]
    pub by: String,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub hub: HubArgs,
    /// Folder to write registry.csv, summary.csv and summary.html into.
    #[arg(short, long, value_name = "DIR")]
    pub out: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Time opening, gallery loading, enrolment and duplicate search on a temporary registry
    /// of synthetic persons / chronométrer un registre temporaire de personnes synthétiques.
    ///
    /// The registry is created in a new folder (inside --dir, or the system's temporary
    /// folder) and deleted at the end. It is protected by a random key held in memory (as
    /// the tablet's Keystore provider does); opening with a passphrase adds PBKDF2 once,
    /// shown separately. Search runs on one core.
    Registry(BenchRegistryArgs),
    /// Time the hub's cross-tablet deduplication on synthetic templates, with planted
    /// duplicates / chronométrer le dédoublonnage du hub sur des gabarits synthétiques.
    ///
    /// Runs on every core. The JSON object has seconds, comparisons_per_sec (person pairs
    /// per second), recall (planted pairs found) and false_pairs, among others.
    Dedup(BenchDedupArgs),
}

#[derive(Debug, Args)]
pub struct BenchDedupArgs {
    /// Persons in all, planted duplicates included.
    #[arg(long, value_name = "N", default_value_t = 20_000,
          value_parser = clap::value_parser!(u32).range(2..=2_000_000))]
    pub persons: u32,
    /// Fingers per person (1-10).
    #[arg(long, value_name = "F", default_value_t = 2,
          value_parser = clap::value_parser!(u8).range(1..=10))]
    pub fingers: u8,
    /// Persons enrolled a second time (at most half of all persons).
    #[arg(long, value_name = "D", default_value_t = 200)]
    pub duplicates: u32,
    /// Print one JSON object instead of the report.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BenchRegistryArgs {
    /// Persons to enrol before measuring (in households of about 4 members).
    #[arg(long, value_name = "N", default_value_t = 10_000,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub persons: u32,
    /// Fingers captured per person (1-10).
    #[arg(long, value_name = "F", default_value_t = 2,
          value_parser = clap::value_parser!(u8).range(1..=10))]
    pub fingers: u8,
    /// Print one JSON object (open_ms, gallery_load_ms, enroll_ms_p50, search_ms_p50,
    /// search_ms_p95) instead of the report.
    #[arg(long)]
    pub json: bool,
    /// Folder in which to create the temporary registry (default: the system's temporary
    /// folder).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Verify the hash chain of the audit log and its sealed head; name the first broken
    /// link / vérifier la chaîne du journal d'audit et signaler le premier maillon rompu.
    Verify(StoreArgs),
}

#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Key protection, schema version and counts of a registry / protection, version et
    /// effectifs d'un registre.
    Info(StoreArgs),
}

/// A passphrase-protected registry file (the hub's).
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// The registry database file.
    #[arg(long, value_name = "FILE")]
    pub store: PathBuf,
    /// Environment variable holding the passphrase (never pass a passphrase on the command
    /// line, where other users of the machine can see it).
    #[arg(long, value_name = "VAR", default_value = "JATIGI_PASSPHRASE")]
    pub passphrase_env: String,
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
    /// Compare the minutiae templates (`.iso`: ISO/IEC 19794-2:2005 or 2011 or ANSI/INCITS
    /// 378-2004, told apart by their headers) of each folder instead of its images (with no
    /// folder: the four FVC2002 folders, whose templates another extractor made).
    #[arg(long)]
    pub templates: bool,
    /// Compress every image to WSQ at this bit rate (bits per pixel; 0.75 is the field
    /// setting) and back before extraction, to measure what WSQ storage costs in accuracy.
    #[arg(long, value_name = "BPP", conflicts_with = "templates", value_parser = parse_bitrate)]
    pub wsq: Option<f32>,
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
pub struct DemoArgs {
    /// Working folder (default ./jatigi-demo; replaced if an earlier demo made it).
    #[arg(long, value_name = "DIR")]
    pub out: Option<std::path::PathBuf>,
    /// Print one JSON object on stdout instead of the summary.
    #[arg(long)]
    pub json: bool,
    /// Households each simulated tablet enrols.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=500))]
    pub households: u64,
    /// Seed of the synthetic population.
    #[arg(long, default_value_t = 2023)]
    pub seed: u64,
    /// Only extract and match the built-in fingerprint images (the engine check).
    #[arg(long)]
    pub engine_only: bool,
}

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
    fn registry_commands() {
        let cli = Cli::try_parse_from(["jatigi", "bench", "registry", "--persons", "10000", "--fingers", "2", "--json"]).unwrap();
        let Command::Bench(BenchCommand::Registry(b)) = cli.command else {
            panic!("not bench registry")
        };
        assert_eq!((b.persons, b.fingers, b.json, b.dir), (10_000, 2, true, None));
        assert!(Cli::try_parse_from(["jatigi", "bench", "registry", "--fingers", "11"]).is_err());
        assert!(Cli::try_parse_from(["jatigi", "bench", "registry", "--persons", "0"]).is_err());
        let cli = Cli::try_parse_from(["jatigi", "audit", "verify", "--store", "r.db"]).unwrap();
        let Command::Audit(AuditCommand::Verify(a)) = cli.command else {
            panic!("not audit verify")
        };
        assert_eq!(a.store, PathBuf::from("r.db"));
        assert_eq!(a.passphrase_env, "JATIGI_PASSPHRASE");
        let cli = Cli::try_parse_from(["jatigi", "registry", "info", "--store", "r.db", "--passphrase-env", "HUB_PASS"]).unwrap();
        let Command::Registry(RegistryCommand::Info(i)) = cli.command else {
            panic!("not registry info")
        };
        assert_eq!(i.passphrase_env, "HUB_PASS");
        assert!(Cli::try_parse_from(["jatigi", "audit", "verify"]).is_err());
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

/// A WSQ bit rate in bits per pixel, within what the encoder accepts.
pub fn parse_bitrate(text: &str) -> Result<f32, String> {
    use jatigi_core::biometrics::wsq::{MAX_BITRATE, MIN_BITRATE};
    let value: f32 = text.parse().map_err(|_| format!("{text:?} is not a number (e.g. 0.75)"))?;
    if !(MIN_BITRATE..=MAX_BITRATE).contains(&value) {
        return Err(format!("the bit rate must lie between {MIN_BITRATE} and {MAX_BITRATE} bits per pixel"));
    }
    Ok(value)
}

#[derive(Debug, Subcommand)]
pub enum CardCommand {
    /// Issue and render one household's card (PNG, 300 dpi) / émettre la carte d'un ménage.
    ///
    /// Signs with the issuer key sealed in the registry (made on first use) and adds its
    /// public key to the key ring file verifiers need.
    Issue(CardIssueArgs),
    /// Print every household's card on A4 pages (PNG, 300 dpi, 10 per page) / imprimer les
    /// cartes de tous les ménages sur des pages A4.
    Sheet(CardSheetArgs),
    /// Read a card from a photo and verify it against a key ring / lire une carte sur une
    /// photo et la vérifier.
    ///
    /// Verdicts: valid, unknown_issuer, bad_signature, expired, revoked, unreadable. Every
    /// verdict exits with code 0; only unreadable files are errors.
    Verify(CardVerifyArgs),
    /// Measure reading on simulated poor phone photos / mesurer la lecture sur des photos
    /// simulées.
    Bench(CardBenchArgs),
}

/// The registry that issues cards.
#[derive(Debug, Args)]
pub struct CardStoreArgs {
    /// The registry database file, or a folder holding registry.db.
    #[arg(long, value_name = "DIR|FILE")]
    pub store: PathBuf,
    /// Environment variable holding the registry's passphrase.
    #[arg(long, value_name = "VAR", default_value = "JATIGI_PASSPHRASE")]
    pub passphrase_env: String,
}

#[derive(Debug, Args)]
pub struct CardIssueArgs {
    #[command(flatten)]
    pub store: CardStoreArgs,
    /// Household id, e.g. GAO-7K3M-9QX2-C.
    #[arg(long, value_name = "ID")]
    pub household: String,
    /// Where to write the card PNG.
    #[arg(short, long, value_name = "PNG")]
    pub output: PathBuf,
    /// Key ring file to add the issuer's public key to (default: keyring.json beside the card).
    #[arg(long, value_name = "FILE")]
    pub keyring: Option<PathBuf>,
    /// Carry the head of household's name in the QR code (off: data minimisation).
    #[arg(long)]
    pub head_name: bool,
}

#[derive(Debug, Args)]
pub struct CardSheetArgs {
    #[command(flatten)]
    pub store: CardStoreArgs,
    /// Folder for sheet-001.png, sheet-002.png… and keyring.json.
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    /// Carry the head of household's name in the QR codes.
    #[arg(long)]
    pub head_name: bool,
}

#[derive(Debug, Args)]
pub struct CardVerifyArgs {
    /// Photo of the card (JPEG, PNG…), or the card PNG itself.
    pub photo: PathBuf,
    /// The key ring (JSON) of trusted issuers and revocations.
    #[arg(long, value_name = "KEYRING")]
    pub keys: PathBuf,
    /// Print one JSON object (verdict, reason, household_id, serial…).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CardBenchArgs {
    /// Number of simulated photos.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub photos: u32,
    /// Seed (the same seed makes the same photos).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Keep the photos in this folder (photo-000.jpg…).
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
    /// Print one JSON object instead of the report.
    #[arg(long)]
    pub json: bool,
}
