//! `jatigi hub dedup` and `jatigi hub adjudicate`: find persons enrolled more than once
//! (across tablets above all), write them for supervisors, and apply their decisions.
//!
//! The adjudication file lists each pair with both records' key facts (name, sex, birth,
//! household, site, device, registration date), the fused score and each finger's score,
//! and an empty `decision` column: the supervisor writes `same` or `different` (French
//! `même` / `différent` accepted) and hands the file back. Pairs already decided are not
//! listed again. CSV for a spreadsheet, JSON for tools; both carry the same rows.

use std::collections::{HashMap, HashSet};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use jatigi_core::registry::ids::PersonId;
use jatigi_core::registry::model::{Birth, Household, OperatorId, Sex};
use jatigi_core::registry::repository::Registry;
use jatigi_core::sync::dedup::{clusters, find_pairs, DedupOptions};
use jatigi_core::sync::hub::{self, Adjudication};
use serde::{Deserialize, Serialize};

use super::{now, open, sync_error};
use crate::cli::{AdjudicateArgs, DedupArgs};
use crate::error::HubError;

/// Largest adjudication file read back.
const MAX_ADJUDICATION_FILE: u64 = 64 * 1024 * 1024;

/// One pair for the supervisor.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PairRow {
    pub cluster: usize,
    pub a: String,
    pub b: String,
    pub score: f32,
    /// `finger:score` for each finger compared, `;`-separated.
    pub finger_scores: String,
    pub cross_tablet: bool,
    pub a_name: String,
    pub a_sex: String,
    pub a_birth: String,
    pub a_site: String,
    pub a_device: String,
    pub a_registered: String,
    pub b_name: String,
    pub b_sex: String,
    pub b_birth: String,
    pub b_site: String,
    pub b_device: String,
    pub b_registered: String,
    /// Filled by the supervisor: `same` or `different`.
    #[serde(default)]
    pub decision: String,
}

const COLUMNS: [&str; 19] = [
    "cluster", "a", "b", "score", "finger_scores", "cross_tablet", "a_name", "a_sex", "a_birth", "a_site", "a_device", "a_registered", "b_name",
    "b_sex", "b_birth", "b_site", "b_device", "b_registered", "decision",
];

impl PairRow {
    fn fields(&self) -> Vec<String> {
        vec![
            self.cluster.to_string(),
            self.a.clone(),
            self.b.clone(),
            format!("{:.1}", self.score),
            self.finger_scores.clone(),
            self.cross_tablet.to_string(),
            self.a_name.clone(),
            self.a_sex.clone(),
            self.a_birth.clone(),
            self.a_site.clone(),
            self.a_device.clone(),
            self.a_registered.clone(),
            self.b_name.clone(),
            self.b_sex.clone(),
            self.b_birth.clone(),
            self.b_site.clone(),
            self.b_device.clone(),
            self.b_registered.clone(),
            self.decision.clone(),
        ]
    }
}

/// What a dedup run found.
#[derive(Debug, Serialize)]
pub struct DedupSummary {
    pub persons: usize,
    pub pairs: usize,
    pub cross_tablet_pairs: usize,
    pub clusters: usize,
    pub seconds: f64,
    pub csv: String,
    pub json: String,
    #[serde(skip)]
    pub rows: Vec<PairRow>,
}

/// A CSV field, quoted when it must be (RFC 4180). A leading `=`, `+`, `-` or `@` is
/// prefixed with `'` so that a spreadsheet never runs a name as a formula.
pub fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) && text.parse::<f64>().is_err() { format!("'{text}") } else { text.to_string() };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

pub fn csv_line(fields: &[String]) -> String {
    fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(",")
}

/// Records of a CSV text (RFC 4180: quoted fields may hold commas, quotes and newlines).
pub fn parse_csv(text: &str) -> Result<Vec<Vec<String>>, (usize, String)> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let (mut line, mut quoted, mut started) = (1usize, false, false);
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            ',' => record.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                line += 1;
            }
            _ => field.push(c),
        }
        started = true;
    }
    if quoted {
        return Err((line, "a quoted field is not closed".into()));
    }
    if started && (!field.is_empty() || !record.is_empty()) {
        record.push(field);
        records.push(record);
    }
    Ok(records)
}

fn sex_text(sex: Sex) -> &'static str {
    match sex {
        Sex::Female => "F",
        Sex::Male => "M",
    }
}

fn birth_text(birth: &Birth) -> String {
    match birth {
        Birth::Date(d) => d.to_string(),
        Birth::Estimated { years, as_of } => format!("~{years} y on {as_of}"),
    }
}

/// Key facts of a person, from their household (loaded once each).
struct Facts<'a> {
    registry: &'a Registry,
    households: HashMap<String, Household>,
}

impl Facts<'_> {
    fn of(&mut self, id: &PersonId) -> Result<[String; 6], HubError> {
        let key = id.household.to_string();
        if !self.households.contains_key(&key) {
            let h = self.registry.load_household(&id.household).map_err(|source| HubError::Registry { path: self.registry.store().path().to_path_buf(), source })?;
            self.households.insert(key.clone(), h);
        }
        let Some(h) = self.households.get(&key) else { return Ok(Default::default()) };
        let Some(m) = h.member(id.member) else { return Ok(Default::default()) };
        let p = &m.person;
        let name = [p.given_names.as_str(), p.family_name.as_str()].join(" ");
        Ok([
            name,
            sex_text(p.sex).to_string(),
            birth_text(&p.birth),
            format!("{} / {} / {}", h.site.region.code(), h.site.cercle, h.site.site_name),
            h.device.as_str().to_string(),
            h.registered_at.date().to_string(),
        ])
    }
}

/// Run the dedup on an open hub and write the adjudication files into `out_dir`.
pub fn dedup_into(registry: &Registry, threshold: f32, out_dir: &Path) -> Result<DedupSummary, HubError> {
    let start = Instant::now();
    let (persons, ids) = hub::dedup_persons(registry).map_err(|e| sync_error("dedup", e))?;
    let bar = ProgressBar::with_draw_target(Some(persons.len() as u64), if std::io::stderr().is_terminal() { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() });
    if let Ok(style) = ProgressStyle::with_template("dedup [{bar:30}] {pos}/{len} persons / personnes, {eta} left / restant") {
        bar.set_style(style);
    }
    let options = DedupOptions { threshold, ..DedupOptions::default() };
    let result = find_pairs(&persons, &options, &|n| bar.inc(n), &AtomicBool::new(false));
    bar.finish_and_clear();
    let decided: HashSet<(String, String)> = hub::adjudications(registry).map_err(|e| sync_error("dedup", e))?.into_iter().map(|(a, b, _)| (a, b)).collect();
    let groups = clusters(&result.pairs);
    let cluster_of: HashMap<u64, usize> = groups.iter().enumerate().flat_map(|(n, g)| g.iter().map(move |k| (*k, n + 1))).collect();
    let mut facts = Facts { registry, households: HashMap::new() };
    let mut rows = Vec::new();
    for pair in &result.pairs {
        let (Some(a), Some(b)) = (ids.get(&pair.a), ids.get(&pair.b)) else { continue };
        let (a, b) = if a.to_string() <= b.to_string() { (a, b) } else { (b, a) };
        if decided.contains(&(a.to_string(), b.to_string())) {
            continue;
        }
        let fa = facts.of(a)?;
        let fb = facts.of(b)?;
        let [a_name, a_sex, a_birth, a_site, a_device, a_registered] = fa;
        let [b_name, b_sex, b_birth, b_site, b_device, b_registered] = fb;
        rows.push(PairRow {
            cluster: cluster_of.get(&pair.a).copied().unwrap_or(0),
            a: a.to_string(),
            b: b.to_string(),
            score: (pair.score * 10.0).round() / 10.0,
            finger_scores: pair.fingers.iter().map(|(f, s)| format!("{f}:{s:.1}")).collect::<Vec<_>>().join(";"),
            cross_tablet: a_device != b_device,
            a_name,
            a_sex,
            a_birth,
            a_site,
            a_device,
            a_registered,
            b_name,
            b_sex,
            b_birth,
            b_site,
            b_device,
            b_registered,
            decision: String::new(),
        });
    }
    rows.sort_by(|x, y| x.cluster.cmp(&y.cluster).then(y.score.total_cmp(&x.score)));
    std::fs::create_dir_all(out_dir).map_err(|e| HubError::write(out_dir, e))?;
    let csv_path = out_dir.join("adjudication.csv");
    let mut csv = csv_line(&COLUMNS.map(String::from)) + "\n";
    for row in &rows {
        csv += &csv_line(&row.fields());
        csv.push('\n');
    }
    std::fs::write(&csv_path, csv).map_err(|e| HubError::write(&csv_path, e))?;
    let json_path = out_dir.join("adjudication.json");
    let json = serde_json::to_string_pretty(&rows).map_err(|e| HubError::Output(e.into()))?;
    std::fs::write(&json_path, json + "\n").map_err(|e| HubError::write(&json_path, e))?;
    Ok(DedupSummary {
        persons: persons.len(),
        pairs: rows.len(),
        cross_tablet_pairs: rows.iter().filter(|r| r.cross_tablet).count(),
        clusters: rows.iter().map(|r| r.cluster).collect::<HashSet<_>>().len(),
        seconds: (start.elapsed().as_secs_f64() * 100.0).round() / 100.0,
        csv: csv_path.display().to_string(),
        json: json_path.display().to_string(),
        rows,
    })
}

/// `jatigi hub dedup`.
pub fn dedup(args: &DedupArgs, out: &mut dyn Write) -> Result<DedupSummary, HubError> {
    let registry = open(&args.hub)?;
    let summary = dedup_into(&registry, args.threshold, args.out.as_deref().unwrap_or(&args.hub.dir))?;
    if args.json {
        writeln!(out, "{}", serde_json::to_string(&summary).map_err(|e| HubError::Output(e.into()))?)?;
        return Ok(summary);
    }
    writeln!(out, "persons compared / personnes comparées: {}", summary.persons)?;
    writeln!(
        out,
        "pairs to adjudicate / paires à arbitrer: {} ({} across tablets / entre tablettes) in {} clusters / groupes",
        summary.pairs, summary.cross_tablet_pairs, summary.clusters
    )?;
    writeln!(out, "adjudication files / fichiers d'arbitrage: {} and / et {}", summary.csv, summary.json)?;
    writeln!(out, "they hold personal data: keep them safe, delete them once decided / ils contiennent des données personnelles : protégez-les, supprimez-les une fois décidés")?;
    Ok(summary)
}

/// Decisions from an adjudication file (CSV or JSON by extension); rows without a decision
/// are skipped.
pub fn read_decisions(path: &Path) -> Result<Vec<Adjudication>, HubError> {
    let bad = |line: usize, reason: String| HubError::AdjudicationFile { path: path.to_path_buf(), line, reason };
    let meta = std::fs::metadata(path).map_err(|e| HubError::read(path, e))?;
    if meta.len() > MAX_ADJUDICATION_FILE {
        return Err(bad(0, "larger than any adjudication file".into()));
    }
    let text = std::fs::read_to_string(path).map_err(|e| HubError::read(path, e))?;
    let rows: Vec<(usize, String, String, String)> = if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
        let rows: Vec<PairRow> = serde_json::from_str(&text).map_err(|e| bad(e.line(), e.to_string()))?;
        rows.into_iter().enumerate().map(|(n, r)| (n + 1, r.a, r.b, r.decision)).collect()
    } else {
        let records = parse_csv(&text).map_err(|(line, reason)| bad(line, reason))?;
        let header = records.first().ok_or_else(|| bad(1, "empty file".into()))?;
        let col = |name: &str| header.iter().position(|h| h.trim() == name).ok_or_else(|| bad(1, format!("no column {name:?}")));
        let (a, b, d) = (col("a")?, col("b")?, col("decision")?);
        records
            .iter()
            .enumerate()
            .skip(1)
            .filter(|(_, r)| !(r.len() == 1 && r[0].trim().is_empty()))
            .map(|(n, r)| (n + 1, r.get(a).cloned().unwrap_or_default(), r.get(b).cloned().unwrap_or_default(), r.get(d).cloned().unwrap_or_default()))
            .collect()
    };
    let mut decisions = Vec::new();
    for (line, a, b, decision) in rows {
        let same = match decision.trim().to_lowercase().as_str() {
            "" => continue,
            "same" | "même" | "meme" => true,
            "different" | "différent" | "differente" | "différente" => false,
            other => return Err(bad(line, format!("decision {other:?} is neither same nor different"))),
        };
        let a = PersonId::parse(&a).map_err(|e| bad(line, e.to_string()))?;
        let b = PersonId::parse(&b).map_err(|e| bad(line, e.to_string()))?;
        decisions.push(Adjudication { a, b, same });
    }
    Ok(decisions)
}

/// `jatigi hub adjudicate`.
pub fn adjudicate(args: &AdjudicateArgs, out: &mut dyn Write) -> Result<(), HubError> {
    let registry = open(&args.hub)?;
    let by = OperatorId::new(&args.by).map_err(|e| HubError::AdjudicationFile { path: args.file.clone(), line: 0, reason: format!("--by: {e}") })?;
    let decisions = read_decisions(&args.file)?;
    let n = hub::adjudicate(&registry, &decisions, &by, now()).map_err(|e| sync_error(args.file.display().to_string(), e))?;
    let same = decisions.iter().filter(|d| d.same).count();
    writeln!(out, "{n} decisions applied ({same} same person, {} different) / {n} décisions appliquées ({same} même personne, {} différentes)", n - same, n - same)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_round_trip_through_the_reader() {
        let fields = vec!["a,b".to_string(), "say \"hi\"".to_string(), "two\nlines".to_string(), "=1+1".to_string(), "plain".to_string()];
        let text = csv_line(&fields) + "\n";
        let back = parse_csv(&text).unwrap();
        assert_eq!(back[0][0], "a,b");
        assert_eq!(back[0][1], "say \"hi\"");
        assert_eq!(back[0][2], "two\nlines");
        assert_eq!(back[0][3], "'=1+1");
        assert!(parse_csv("\"open").is_err());
    }
}
