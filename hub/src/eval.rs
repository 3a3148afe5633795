//! `jatigi eval`: accuracy and speed with the FVC protocol.
//!
//! Per folder, every unordered pair of images is compared once, as `compare(first, second)`
//! in sorted file order: genuine when both show the same finger, impostor otherwise (280 and
//! 2,880 pairs for 10 fingers x 8 impressions). An image that cannot be read, decoded or
//! extracted scores 0 against everything and counts as failed to extract.
//!
//! Timing: each image's `extract` call is timed on its own (decoding excluded); the report
//! gives the median over successful extractions. Comparisons run in chunks, each rayon task
//! timing its own chunk; comparisons per second per core = comparisons actually run / the sum
//! of those chunk times.

use std::io::{BufWriter, IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use jatigi_core::biometrics::{Matcher, PreparedTemplate};
use rayon::prelude::*;
use serde::Serialize;

use crate::cli::EvalArgs;
use crate::engine;
use crate::error::HubError;
use crate::fvc::{self, Folder, ImageFile, Pair};
use crate::metrics::{error_rates, median};
use crate::text::{decimal_en, decimal_fr, thousands_en, thousands_fr};

/// Comparisons per rayon task.
const CHUNK: usize = 256;

/// One folder, listed and paired.
struct FolderSet {
    folder: Folder,
    images: Vec<ImageFile>,
    pairs: Vec<Pair>,
    /// Index of this folder's first image in the flat list of all images.
    offset: usize,
}

/// What became of one image.
struct Outcome {
    prepared: Option<PreparedTemplate>,
    minutiae: Option<usize>,
    template_bytes: Option<usize>,
    extract_ms: Option<f64>,
    failure: Option<String>,
}

/// The `--json` report: exactly these keys.
#[derive(Debug, Serialize)]
pub struct Report {
    pub folders: Vec<FolderReport>,
    pub mean_eer: f64,
    pub extract_ms_median: Option<f64>,
    pub comparisons_per_sec_per_core: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct FolderReport {
    pub folder: String,
    pub genuine: usize,
    pub impostor: usize,
    pub eer: f64,
    pub fmr100: f64,
    pub fmr1000: f64,
    pub zero_fmr: f64,
    pub failed_to_extract: usize,
}

/// What the table shows beyond the JSON report.
struct Extras {
    groups: Vec<(String, f64, usize)>,
    minutiae_median: Option<f64>,
    template_bytes_median: Option<f64>,
    images: usize,
    comparisons: usize,
    threads: usize,
}

/// `jatigi eval`.
pub fn run(args: &EvalArgs, out: &mut dyn Write) -> Result<(), HubError> {
    let mut folders = if args.folders.is_empty() {
        let mut defaults = fvc::default_folders()?;
        // Only the FVC2002 folders carry `.iso` templates.
        if args.templates {
            defaults.retain(|f| f.label.starts_with("fvc2002"));
        }
        defaults
    } else {
        fvc::given_folders(&args.folders)
    };
    let settings = args
        .dpi
        .iter()
        .map(|s| fvc::parse_dpi_setting(s))
        .collect::<Result<Vec<_>, _>>()?;
    fvc::apply_dpi_settings(&mut folders, &settings)?;

    let mut sets = Vec::with_capacity(folders.len());
    let mut offset = 0;
    for folder in folders {
        let extensions: &[&str] = if args.templates { &fvc::TEMPLATE_EXTENSIONS } else { &fvc::IMAGE_EXTENSIONS };
        let (images, skipped) = fvc::list_files(&folder, extensions)?;
        if !skipped.is_empty() {
            eprintln!(
                "note: {}: skipped {} image(s) not named FINGER_IMPRESSION (e.g. {}) / ignoré {} image(s) mal nommée(s)",
                folder.label,
                skipped.len(),
                skipped[0],
                skipped.len()
            );
        }
        let fingers: Vec<&str> = images.iter().map(|i| i.finger.as_str()).collect();
        let pairs = fvc::pairs(&fingers);
        if !pairs.iter().any(|p| p.genuine) {
            return Err(HubError::NoGenuinePairs { path: folder.path });
        }
        if !pairs.iter().any(|p| !p.genuine) {
            return Err(HubError::NoImpostorPairs { path: folder.path });
        }
        let n = images.len();
        sets.push(FolderSet {
            folder,
            images,
            pairs,
            offset,
        });
        offset += n;
    }

    let threads = args.threads.map(usize::from).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| HubError::Threads {
            threads,
            reason: e.to_string(),
        })?;
    let wsq = args.wsq;
    let (report, extras, scores) = pool.install(|| evaluate(&sets, threads, wsq));

    if let Some(path) = &args.scores {
        write_scores(path, &sets, &scores)?;
    }
    if args.json {
        let json = serde_json::to_string_pretty(&report)
            .map_err(|e| HubError::Output(std::io::Error::other(e)))?;
        writeln!(out, "{json}")?;
    } else {
        print_table(&report, &extras, out)?;
    }
    Ok(())
}

/// Extract every image, compare every pair, compute the rates. Returns the scores of each
/// folder's pairs in order.
fn evaluate(sets: &[FolderSet], threads: usize, wsq: Option<f32>) -> (Report, Extras, Vec<Vec<f32>>) {
    let images: Vec<&ImageFile> = sets.iter().flat_map(|s| s.images.iter()).collect();

    let bar = progress(images.len(), "extracting / extraction");
    let outcomes: Vec<Outcome> = images
        .par_iter()
        .map(|image| {
            let outcome = extract_one(image, wsq);
            bar.inc(1);
            outcome
        })
        .collect();
    bar.finish_and_clear();

    for set in sets {
        let mine = &outcomes[set.offset..set.offset + set.images.len()];
        let failed: Vec<(usize, &String)> = mine
            .iter()
            .enumerate()
            .filter_map(|(k, o)| o.failure.as_ref().map(|f| (k, f)))
            .collect();
        if let Some((k, why)) = failed.first() {
            eprintln!(
                "note: {}: {} of {} images failed to extract, scored 0 (first: {}: {why}) / {} image(s) sur {} sans gabarit, score 0",
                set.folder.label,
                failed.len(),
                mine.len(),
                set.images[*k].path.display(),
                failed.len(),
                mine.len()
            );
        }
    }

    // Every pair of every folder, as indices into `outcomes`.
    let all_pairs: Vec<(usize, usize)> = sets
        .iter()
        .flat_map(|s| {
            s.pairs
                .iter()
                .map(move |p| (s.offset + p.first, s.offset + p.second))
        })
        .collect();
    let bar = progress(all_pairs.len(), "comparing / comparaison");
    let chunks: Vec<(Vec<f32>, Duration, usize)> = all_pairs
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut matcher = Matcher::new();
            let mut compared = 0;
            let start = Instant::now();
            let scores: Vec<f32> = chunk
                .iter()
                .map(
                    |&(a, b)| match (&outcomes[a].prepared, &outcomes[b].prepared) {
                        (Some(a), Some(b)) => {
                            compared += 1;
                            matcher.compare(a, b)
                        }
                        _ => 0.0,
                    },
                )
                .collect();
            let elapsed = start.elapsed();
            bar.inc(chunk.len() as u64);
            (scores, elapsed, compared)
        })
        .collect();
    bar.finish_and_clear();

    let core_seconds: f64 = chunks.iter().map(|c| c.1.as_secs_f64()).sum();
    let compared: usize = chunks.iter().map(|c| c.2).sum();
    let mut flat = chunks.into_iter().flat_map(|c| c.0);
    let scores: Vec<Vec<f32>> = sets
        .iter()
        .map(|s| flat.by_ref().take(s.pairs.len()).collect())
        .collect();

    let folders: Vec<FolderReport> = sets
        .iter()
        .zip(&scores)
        .map(|(set, scores)| folder_report(set, scores, &outcomes))
        .collect();
    let mean_eer = folders.iter().map(|f| f.eer).sum::<f64>() / folders.len().max(1) as f64;

    let successes: Vec<&Outcome> = outcomes.iter().filter(|o| o.prepared.is_some()).collect();
    let of = |f: fn(&Outcome) -> Option<f64>| -> Vec<f64> {
        successes.iter().filter_map(|o| f(o)).collect()
    };
    let report = Report {
        mean_eer,
        extract_ms_median: median(&of(|o| o.extract_ms)),
        comparisons_per_sec_per_core: (compared > 0 && core_seconds > 0.0)
            .then(|| compared as f64 / core_seconds),
        folders,
    };
    let extras = Extras {
        groups: group_means(sets, &report.folders),
        minutiae_median: median(&of(|o| o.minutiae.map(|n| n as f64))),
        template_bytes_median: median(&of(|o| o.template_bytes.map(|n| n as f64))),
        images: images.len(),
        comparisons: all_pairs.len(),
        threads,
    };
    (report, extras, scores)
}

/// Read, decode, extract and prepare one image, timing the extraction alone. With `wsq`,
/// the image (at 500 dpi) goes through WSQ at that bit rate and back before extraction, as
/// the registry would store it.
fn extract_one(image: &ImageFile, wsq: Option<f32>) -> Outcome {
    let mut outcome = Outcome {
        prepared: None,
        minutiae: None,
        template_bytes: None,
        extract_ms: None,
        failure: None,
    };
    let is_template = image.path.extension().and_then(|e| e.to_str()).is_some_and(|e| fvc::TEMPLATE_EXTENSIONS.iter().any(|t| t.eq_ignore_ascii_case(e)));
    if is_template {
        // A template made by another extractor: nothing to extract or time.
        let read = engine::read_file(&image.path).and_then(|bytes| {
            // Any of ISO 2005, ISO 2011 and ANSI 378, told apart by their headers; the
            // first finger view is the one compared.
            jatigi_core::biometrics::formats::read_any(&bytes)
                .and_then(|record| record.first_template())
                .map_err(|source| HubError::Minutiae { path: image.path.clone(), source })
        });
        match read {
            Ok(template) => {
                outcome.minutiae = Some(template.minutiae.len());
                outcome.template_bytes = template.to_bytes().ok().map(|b| b.len());
                outcome.prepared = Some(PreparedTemplate::new(&template));
            }
            Err(err) => outcome.failure = Some(failure_reason(&err)),
        }
        return outcome;
    }
    let result = engine::read_file(&image.path).and_then(|bytes| match wsq {
        None => engine::extract_image(&image.path, &bytes, image.dpi),
        Some(bitrate) => {
            let wsq_bytes = engine::to_wsq(&image.path, &bytes, image.dpi, bitrate)?;
            engine::extract_image(&image.path, &wsq_bytes, jatigi_core::biometrics::image::TARGET_DPI)
        }
    });
    match result {
        Ok(e) => {
            outcome.extract_ms = Some(engine::ms(e.extract_time));
            outcome.minutiae = Some(e.template.minutiae.len());
            outcome.template_bytes = e.template.to_bytes().ok().map(|b| b.len());
            outcome.prepared = Some(PreparedTemplate::new(&e.template));
        }
        Err(err) => outcome.failure = Some(failure_reason(&err)),
    }
    outcome
}

/// The lower-layer reason, without the path (the note adds it).
fn failure_reason(err: &HubError) -> String {
    match err {
        HubError::Image { source, .. } => source.to_string(),
        HubError::Extract { source, .. } => source.to_string(),
        HubError::Minutiae { source, .. } => source.to_string(),
        other => other.to_string(),
    }
}

fn folder_report(set: &FolderSet, scores: &[f32], outcomes: &[Outcome]) -> FolderReport {
    let (mut genuine, mut impostor) = (Vec::new(), Vec::new());
    for (pair, &score) in set.pairs.iter().zip(scores) {
        if pair.genuine {
            genuine.push(score);
        } else {
            impostor.push(score);
        }
    }
    // Both lists are non-empty: checked when the folder was listed.
    let rates = error_rates(&genuine, &impostor).unwrap_or(crate::metrics::ErrorRates {
        eer: 0.5,
        fmr100: 1.0,
        fmr1000: 1.0,
        zero_fmr: 1.0,
    });
    FolderReport {
        folder: set.folder.label.clone(),
        genuine: genuine.len(),
        impostor: impostor.len(),
        eer: rates.eer,
        fmr100: rates.fmr100,
        fmr1000: rates.fmr1000,
        zero_fmr: rates.zero_fmr,
        failed_to_extract: outcomes[set.offset..set.offset + set.images.len()]
            .iter()
            .filter(|o| o.prepared.is_none())
            .count(),
    }
}

/// Mean EER of folders sharing a parent (`fvc2000`, `fvc2002`), when that is not simply all
/// folders: (name, mean EER, folder count).
fn group_means(sets: &[FolderSet], folders: &[FolderReport]) -> Vec<(String, f64, usize)> {
    let mut groups: Vec<(String, std::path::PathBuf, Vec<f64>)> = Vec::new();
    for (set, report) in sets.iter().zip(folders) {
        let (name, key) = set.folder.group();
        match groups.iter_mut().find(|g| g.1 == key) {
            Some(g) => g.2.push(report.eer),
            None => groups.push((name, key, vec![report.eer])),
        }
    }
    groups
        .into_iter()
        .filter(|g| g.2.len() >= 2 && g.2.len() < folders.len())
        .map(|(name, _, eers)| {
            (
                name,
                eers.iter().sum::<f64>() / eers.len() as f64,
                eers.len(),
            )
        })
        .collect()
}

fn write_scores(path: &Path, sets: &[FolderSet], scores: &[Vec<f32>]) -> Result<(), HubError> {
    let file = std::fs::File::create(path).map_err(|e| HubError::write(path, e))?;
    let mut w = BufWriter::new(file);
    for (set, scores) in sets.iter().zip(scores) {
        for (pair, score) in set.pairs.iter().zip(scores) {
            writeln!(
                w,
                "{},{},{score}",
                set.images[pair.first].path.display(),
                set.images[pair.second].path.display()
            )
            .map_err(|e| HubError::write(path, e))?;
        }
    }
    w.flush().map_err(|e| HubError::write(path, e))
}

/// A progress bar on stderr, hidden when stderr is not a terminal.
fn progress(len: usize, message: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(len as u64);
    if std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::stderr());
    } else {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    let style = ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({elapsed}, eta {eta})")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style.progress_chars("=> "));
    bar.set_message(message);
    bar
}

/// `1 folder`, `8 folders` (English and French alike for these words).
fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn percent(x: f64) -> String {
    decimal_en(x * 100.0, 2)
}

fn print_table(report: &Report, extras: &Extras, out: &mut dyn Write) -> Result<(), HubError> {
    let n = report.folders.len();
    writeln!(
        out,
        "FVC protocol: {}, {} images, {} comparisons, {}",
        plural(n, "folder"),
        thousands_en(extras.images as u64),
        thousands_en(extras.comparisons as u64),
        plural(extras.threads, "thread")
    )?;
    writeln!(out)?;
    let w = report
        .folders
        .iter()
        .map(|f| f.folder.chars().count())
        .max()
        .unwrap_or(0)
        .max(6);
    writeln!(
        out,
        "{:<w$}  {:>7}  {:>8}  {:>6}  {:>8}  {:>9}  {:>9}  {:>17}",
        "folder",
        "genuine",
        "impostor",
        "EER %",
        "FMR100 %",
        "FMR1000 %",
        "ZeroFMR %",
        "failed to extract"
    )?;
    for f in &report.folders {
        writeln!(
            out,
            "{:<w$}  {:>7}  {:>8}  {:>6}  {:>8}  {:>9}  {:>9}  {:>17}",
            f.folder,
            f.genuine,
            f.impostor,
            percent(f.eer),
            percent(f.fmr100),
            percent(f.fmr1000),
            percent(f.zero_fmr),
            f.failed_to_extract
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "mean EER over {} / EER moyen sur {}: {} %",
        plural(n, "folder"),
        plural(n, "dossier"),
        percent(report.mean_eer)
    )?;
    for (name, eer, n) in &extras.groups {
        writeln!(
            out,
            "{name} mean EER ({n} folders) / EER moyen {name} ({n} dossiers): {} %",
            percent(*eer)
        )?;
    }
    let both = |x: Option<f64>, decimals: usize, unit: &str| match x {
        Some(v) => format!(
            "{}{unit} / {}{unit}",
            decimal_en(v, decimals),
            decimal_fr(v, decimals)
        ),
        None => "n/a (no template) / sans objet (aucun gabarit)".to_string(),
    };
    writeln!(
        out,
        "median extraction time / temps d'extraction médian: {}",
        both(report.extract_ms_median, 1, " ms")
    )?;
    let speed = match report.comparisons_per_sec_per_core {
        Some(v) => format!(
            "{} / {}",
            thousands_en(v.round() as u64),
            thousands_fr(v.round() as u64)
        ),
        None => "n/a (no comparison ran) / sans objet (aucune comparaison)".to_string(),
    };
    let counts = Matcher::new().bit_counts();
    writeln!(
        out,
        "comparisons per second per core / comparaisons par seconde par cœur: {speed} ({counts} bit counts / comptage de bits {counts})"
    )?;
    writeln!(
        out,
        "minutiae per template, median / minuties par gabarit, médiane: {}",
        both(extras.minutiae_median, 1, "")
    )?;
    writeln!(
        out,
        "template size, median / taille de gabarit, médiane: {}",
        both(extras.template_bytes_median, 0, " B")
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(v: &serde_json::Value) -> BTreeSet<&str> {
        v.as_object().unwrap().keys().map(String::as_str).collect()
    }

    /// Undecodable images: every one fails to extract, every score is 0, and the JSON report
    /// still has exactly the documented keys.
    #[test]
    fn json_report_when_nothing_extracts() {
        let dir = std::env::temp_dir().join(format!("jatigi-eval-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let folder = dir.join("set").join("DBX");
        std::fs::create_dir_all(&folder).unwrap();
        for name in ["1_1.tif", "1_2.tif", "2_1.png", "2_2.bmp", "2_2.iso"] {
            std::fs::write(folder.join(name), b"not an image").unwrap();
        }
        let scores = dir.join("scores.csv");
        let args = EvalArgs {
            folders: vec![folder.clone()],
            dpi: vec!["set/DBX=569".into()],
            scores: Some(scores.clone()),
            json: true,
            threads: Some(2),
            templates: false,
            wsq: None,
        };
        let mut out = Vec::new();
        run(&args, &mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            keys(&v),
            BTreeSet::from([
                "folders",
                "mean_eer",
                "extract_ms_median",
                "comparisons_per_sec_per_core"
            ])
        );
        let f = &v["folders"][0];
        assert_eq!(
            keys(f),
            BTreeSet::from([
                "folder",
                "genuine",
                "impostor",
                "eer",
                "fmr100",
                "fmr1000",
                "zero_fmr",
                "failed_to_extract"
            ])
        );
        assert_eq!(f["folder"], folder.display().to_string());
        assert_eq!(
            (f["genuine"].as_u64(), f["impostor"].as_u64()),
            (Some(2), Some(4))
        );
        assert_eq!(f["failed_to_extract"], 4);
        assert_eq!(f["eer"], 0.5);
        assert_eq!(f["zero_fmr"], 1.0);
        assert_eq!(v["mean_eer"], 0.5);
        assert!(v["extract_ms_median"].is_null());
        assert!(v["comparisons_per_sec_per_core"].is_null());

        let lines = std::fs::read_to_string(&scores).unwrap();
        let lines: Vec<&str> = lines.lines().collect();
        assert_eq!(lines.len(), 6);
        let first = format!(
            "{},{},0",
            folder.join("1_1.tif").display(),
            folder.join("1_2.tif").display()
        );
        assert_eq!(lines[0], first);

        // The human table on the same data.
        let mut out = Vec::new();
        run(
            &EvalArgs {
                json: false,
                scores: None,
                ..args
            },
            &mut out,
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("50.00"), "{text}");
        assert!(text.contains("n/a"), "{text}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Synthetic fingers through WSQ at 0.75 bpp: every image still extracts, and genuine
    /// pairs outscore impostor pairs on average (the compression keeps the ridges).
    #[test]
    fn wsq_round_trip_keeps_synthetic_fingers_matchable() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("synth");
        let synth = crate::synth_cmd::SynthArgs { fingers: 3, impressions: 2, seed: 11, output: folder.clone(), sheet: None };
        crate::synth_cmd::run(&synth, &mut Vec::new()).unwrap();
        let scores = dir.path().join("scores.csv");
        let args = EvalArgs {
            folders: vec![folder.clone()],
            dpi: vec![],
            scores: Some(scores.clone()),
            json: true,
            threads: Some(2),
            templates: false,
            wsq: Some(0.75),
        };
        let mut out = Vec::new();
        run(&args, &mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["folders"][0]["failed_to_extract"], 0, "{v}");
        let (mut genuine, mut impostor) = (Vec::new(), Vec::new());
        for line in std::fs::read_to_string(&scores).unwrap().lines() {
            let parts: Vec<&str> = line.split(',').collect();
            let finger = |p: &str| Path::new(p).file_name().unwrap().to_string_lossy().split('_').next().unwrap().to_string();
            let score: f64 = parts[2].parse().unwrap();
            if finger(parts[0]) == finger(parts[1]) { genuine.push(score) } else { impostor.push(score) }
        }
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        assert_eq!((genuine.len(), impostor.len()), (3, 12));
        assert!(mean(&genuine) > mean(&impostor) + 10.0, "genuine {genuine:?} impostor {impostor:?}");
    }
}
