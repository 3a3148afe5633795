//! `jatigi bench dedup`: the hub's cross-tablet deduplication on synthetic templates.
//!
//! N persons with F fingers each (synthetic templates, `registry::synthetic`), of whom D
//! are a person enrolled again (another impression of each of their fingers: moved,
//! rotated, jittered, some minutiae missed), shuffled among the others. The same engine as
//! `jatigi hub dedup` (`sync::dedup::find_pairs`) runs on all cores. Reported:
//! - `seconds`: the dedup itself (search codes, ranking, exact matching), not the making
//!   of the synthetic templates;
//! - `comparisons_per_sec`: person pairs compared per second (N·(N-1)/2 pairs, every
//!   one by the code prefilter; the exact matcher scores the shortlist only, counted in
//!   `matcher_comparisons`);
//! - `recall`: planted pairs reported, over D;
//! - `false_pairs`: reported pairs that were not planted.

use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use jatigi_core::registry::synthetic::{another_impression, derive_seed, synthetic_template, SplitMix64, CAPTURE_ORDER};
use jatigi_core::sync::dedup::{find_pairs, DedupOptions, DedupPerson};
use rayon::prelude::*;
use serde::Serialize;

use crate::cli::BenchDedupArgs;
use crate::error::HubError;
use crate::text::{decimal_en, thousands_en};

/// Seed of everything synthetic in the benchmark.
const SEED: u64 = 0x4455_5045;

/// The `--json` report.
#[derive(Debug, Serialize)]
pub struct Report {
    pub persons: usize,
    pub fingers: u8,
    pub duplicates: usize,
    pub threads: usize,
    pub seconds: f64,
    pub comparisons_per_sec: f64,
    pub person_pairs: u64,
    pub matcher_comparisons: u64,
    pub recall: f64,
    pub false_pairs: usize,
}

/// The synthetic population: persons with keys 0..N in shuffled order, and the planted
/// (original, copy) key pairs.
fn population(persons: usize, fingers: u8, duplicates: usize) -> (Vec<DedupPerson>, HashSet<(u64, u64)>) {
    let originals = persons - duplicates;
    let mut rng = SplitMix64::new(SEED);
    // Which originals are enrolled again: distinct, drawn by a partial shuffle.
    let mut pool: Vec<usize> = (0..originals).collect();
    for i in 0..duplicates {
        let j = i + rng.below((originals - i) as u64) as usize;
        pool.swap(i, j);
    }
    let mut people: Vec<(u64, Vec<(u8, jatigi_core::biometrics::Template)>)> = (0..originals)
        .into_par_iter()
        .map(|k| {
            let fingers = CAPTURE_ORDER[..fingers as usize].iter().map(|f| (f.code(), synthetic_template(derive_seed(SEED, (k as u64) << 4 | u64::from(f.code()))))).collect();
            (k as u64, fingers)
        })
        .collect();
    let mut planted = HashSet::new();
    for (n, &original) in pool[..duplicates].iter().enumerate() {
        let key = (originals + n) as u64;
        let fingers = people[original].1.iter().map(|(p, t)| (*p, another_impression(t, derive_seed(SEED, key << 4 | u64::from(*p))))).collect();
        people.push((key, fingers));
        planted.insert((original as u64, key));
    }
    // Copies among the others, not all at the end.
    for i in (1..people.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        people.swap(i, j);
    }
    (people.into_iter().map(|(key, fingers)| DedupPerson { key, fingers }).collect(), planted)
}

pub fn run(args: &BenchDedupArgs, out: &mut dyn Write) -> Result<(), HubError> {
    let (persons, fingers, duplicates) = (args.persons as usize, args.fingers, args.duplicates as usize);
    if duplicates * 2 > persons {
        return Err(HubError::BenchArgs { persons, duplicates });
    }
    let (people, planted) = population(persons, fingers, duplicates);
    let bar = ProgressBar::with_draw_target(Some(persons as u64), if std::io::stderr().is_terminal() { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() });
    if let Ok(style) = ProgressStyle::with_template("dedup [{bar:30}] {pos}/{len} persons / personnes, {eta} left / restant") {
        bar.set_style(style);
    }
    let start = Instant::now();
    let result = find_pairs(&people, &DedupOptions::default(), &|n| bar.inc(n), &AtomicBool::new(false));
    let seconds = start.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let found = result.pairs.iter().filter(|p| planted.contains(&(p.a, p.b)) || planted.contains(&(p.b, p.a))).count();
    let person_pairs = (persons as u64) * (persons as u64 - 1) / 2;
    let report = Report {
        persons,
        fingers,
        duplicates,
        threads: rayon::current_num_threads(),
        seconds: (seconds * 100.0).round() / 100.0,
        comparisons_per_sec: (person_pairs as f64 / seconds.max(1e-9)).round(),
        person_pairs,
        matcher_comparisons: result.comparisons,
        recall: if duplicates == 0 { 1.0 } else { found as f64 / duplicates as f64 },
        false_pairs: result.pairs.len() - found,
    };
    if args.json {
        writeln!(out, "{}", serde_json::to_string(&report).map_err(|e| HubError::Output(e.into()))?)?;
        return Ok(());
    }
    writeln!(out, "Cross-tablet dedup on synthetic templates / dédoublonnage sur gabarits synthétiques")?;
    writeln!(out, "  persons / personnes: {} ({} fingers / doigts, {} planted duplicates / doublons plantés)", thousands_en(persons as u64), fingers, duplicates)?;
    writeln!(out, "  time / durée: {} s on {} threads / fils", decimal_en(report.seconds, 1), report.threads)?;
    writeln!(out, "  person pairs / paires de personnes: {} ({} per second / par seconde)", thousands_en(person_pairs), thousands_en(report.comparisons_per_sec as u64))?;
    writeln!(out, "  exact matcher comparisons / comparaisons exactes: {}", thousands_en(report.matcher_comparisons))?;
    writeln!(out, "  recall / rappel: {found} of {duplicates} / {found} sur {duplicates} ({:.1} %)", report.recall * 100.0)?;
    writeln!(out, "  false pairs / fausses paires: {}", report.false_pairs)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_bench_finds_its_planted_pairs_and_prints_the_keys() {
        let args = BenchDedupArgs { persons: 400, fingers: 2, duplicates: 10, json: true };
        let mut out = Vec::new();
        run(&args, &mut out).expect("bench");
        let v: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
        for key in ["seconds", "comparisons_per_sec", "recall", "false_pairs"] {
            assert!(v.get(key).is_some(), "{key}");
        }
        assert_eq!(v["recall"].as_f64(), Some(1.0));
        assert_eq!(v["false_pairs"].as_u64(), Some(0));
    }
}
