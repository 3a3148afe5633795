//! `jatigi hub report`: the registry and the figures coordination needs.
//!
//! - `registry.csv`: one row per person, with an HXL hashtag row under the header (the
//!   Humanitarian Exchange Language, hxlstandard.org), so HDX tools read the columns
//!   without a mapping. It holds personal data.
//! - `summary.csv`: in the style of IOM's Displacement Tracking Matrix, households and
//!   individuals per region, cercle and site, by sex and age group (0-5, 6-17, 18-59, 60+),
//!   and the count of each vulnerability; also with an HXL row. No personal data.
//! - `summary.html`: the same figures as a page with a bar chart (inline SVG, no script).
//!
//! Ages are counted on the day of the report. Persons a supervisor confirmed as the same
//! person (`jatigi hub adjudicate`) are listed with `duplicate_of` and counted once.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use jatigi_core::registry::model::{Household, Sex, Vulnerability};
use jatigi_core::registry::repository::Registry;
use jatigi_core::sync::hub;
use serde::Serialize;

use super::adjudication::csv_line;
use super::{now, open, sync_error};
use crate::cli::ReportArgs;
use crate::error::HubError;

/// The DTM age groups: lower bound and label.
pub const AGE_GROUPS: [(u32, &str); 4] = [(0, "0-5"), (6, "6-17"), (18, "18-59"), (60, "60+")];

fn age_group(age: u32) -> usize {
    AGE_GROUPS.iter().rposition(|(lower, _)| age >= *lower).unwrap_or(0)
}

fn vulnerability_name(v: Vulnerability) -> &'static str {
    match v {
        Vulnerability::Seeing => "seeing",
        Vulnerability::Hearing => "hearing",
        Vulnerability::Walking => "walking",
        Vulnerability::Cognition => "cognition",
        Vulnerability::SelfCare => "self_care",
        Vulnerability::Communication => "communication",
        Vulnerability::PregnantOrLactating => "pregnant_or_lactating",
        Vulnerability::UnaccompaniedChild => "unaccompanied_child",
        Vulnerability::SeparatedChild => "separated_child",
        Vulnerability::OlderPerson => "older_person",
        Vulnerability::ChronicIllness => "chronic_illness",
    }
}

/// Figures of one site (or of everything).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Figures {
    pub households: usize,
    pub individuals: usize,
    /// [sex: female, male][age group]
    pub by_sex_age: [[usize; 4]; 2],
    pub vulnerabilities: [usize; 11],
}

impl Figures {
    fn add(&mut self, other: &Figures) {
        self.households += other.households;
        self.individuals += other.individuals;
        for s in 0..2 {
            for a in 0..4 {
                self.by_sex_age[s][a] += other.by_sex_age[s][a];
            }
        }
        for v in 0..11 {
            self.vulnerabilities[v] += other.vulnerabilities[v];
        }
    }
}

/// What a report counted.
#[derive(Debug, Serialize)]
pub struct ReportSummary {
    pub households: usize,
    pub individuals: usize,
    /// Persons confirmed as duplicates of another, listed but not counted.
    pub confirmed_duplicates: usize,
    pub files: Vec<String>,
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Write the three files of an open hub into `out_dir`.
pub fn report_into(registry: &Registry, out_dir: &Path) -> Result<ReportSummary, HubError> {
    let registry_error = |source| HubError::Registry { path: registry.store().path().to_path_buf(), source };
    let today = now().date();
    let duplicates: BTreeMap<String, String> =
        hub::adjudications(registry).map_err(|e| sync_error("report", e))?.into_iter().filter(|(_, _, same)| *same).map(|(a, b, _)| (b, a)).collect();
    let mut rows = vec![
        csv_line(&[
            "household_id", "person_id", "relation", "given_names", "family_name", "sex", "age", "age_group", "region", "region_name", "cercle", "commune",
            "site", "vulnerabilities", "registered", "device", "duplicate_of",
        ].map(String::from)),
        csv_line(&[
            "#beneficiary+household+code", "#beneficiary+code", "#beneficiary+relation", "#beneficiary+name+given", "#beneficiary+name+family",
            "#beneficiary+sex", "#beneficiary+age", "#beneficiary+age_group", "#adm1+code", "#adm1+name", "#adm2+name", "#adm3+name", "#loc+name",
            "#beneficiary+vulnerability", "#date+registered", "#meta+device", "#beneficiary+duplicate_of",
        ].map(String::from)),
    ];
    let mut sites: BTreeMap<(String, String, String), Figures> = BTreeMap::new();
    let mut confirmed = 0usize;
    for id in registry.household_ids().map_err(registry_error)? {
        let h: Household = registry.load_household(&id).map_err(registry_error)?;
        let site = sites.entry((h.site.region.name().to_string(), h.site.cercle.clone(), h.site.site_name.clone())).or_default();
        site.households += 1;
        for m in &h.members {
            let pid = h.person_id(m.number).to_string();
            let p = &m.person;
            let age = p.birth.age_on(today);
            let group = age_group(age);
            let duplicate_of = duplicates.get(&pid).cloned().unwrap_or_default();
            if duplicate_of.is_empty() {
                site.individuals += 1;
                site.by_sex_age[if p.sex == Sex::Female { 0 } else { 1 }][group] += 1;
                for v in p.vulnerabilities.iter() {
                    site.vulnerabilities[v as usize] += 1;
                }
            } else {
                confirmed += 1;
            }
            rows.push(csv_line(&[
                h.id.to_string(),
                pid,
                format!("{:?}", m.relation).to_lowercase(),
                p.given_names.clone(),
                p.family_name.clone(),
                if p.sex == Sex::Female { "F" } else { "M" }.to_string(),
                age.to_string(),
                AGE_GROUPS[group].1.to_string(),
                h.site.region.code().to_string(),
                h.site.region.name().to_string(),
                h.site.cercle.clone(),
                h.site.commune.clone(),
                h.site.site_name.clone(),
                p.vulnerabilities.iter().map(vulnerability_name).collect::<Vec<_>>().join(";"),
                h.registered_at.date().to_string(),
                h.device.as_str().to_string(),
                duplicate_of,
            ]));
        }
    }
    std::fs::create_dir_all(out_dir).map_err(|e| HubError::write(out_dir, e))?;
    let registry_path = out_dir.join("registry.csv");
    std::fs::write(&registry_path, rows.join("\n") + "\n").map_err(|e| HubError::write(&registry_path, e))?;

    let mut total = Figures::default();
    for f in sites.values() {
        total.add(f);
    }
    let mut header = vec!["region", "cercle", "site", "households", "individuals"].into_iter().map(String::from).collect::<Vec<_>>();
    let mut tags = vec!["#adm1+name", "#adm2+name", "#loc+name", "#affected+hh+idps", "#affected+ind+idps"].into_iter().map(String::from).collect::<Vec<_>>();
    for (sex, tag) in [("female", "f"), ("male", "m")] {
        for (_, label) in AGE_GROUPS {
            header.push(format!("{sex}_{}", label.replace('-', "_").replace('+', "_plus")));
            tags.push(format!("#affected+ind+idps+{tag}+age{}", label.replace('-', "_").replace('+', "_plus")));
        }
    }
    for v in Vulnerability::ALL {
        header.push(vulnerability_name(v).to_string());
        tags.push(format!("#affected+ind+idps+vuln_{}", vulnerability_name(v)));
    }
    let figures_row = |name: [&str; 3], f: &Figures| {
        let mut row: Vec<String> = name.iter().map(|s| s.to_string()).collect();
        row.push(f.households.to_string());
        row.push(f.individuals.to_string());
        row.extend(f.by_sex_age.iter().flatten().map(usize::to_string));
        row.extend(f.vulnerabilities.iter().map(usize::to_string));
        row
    };
    let mut summary = vec![csv_line(&header), csv_line(&tags)];
    for ((region, cercle, site), f) in &sites {
        summary.push(csv_line(&figures_row([region, cercle, site], f)));
    }
    summary.push(csv_line(&figures_row(["TOTAL", "", ""], &total)));
    let summary_path = out_dir.join("summary.csv");
    std::fs::write(&summary_path, summary.join("\n") + "\n").map_err(|e| HubError::write(&summary_path, e))?;

    let html_path = out_dir.join("summary.html");
    std::fs::write(&html_path, html(&sites, &total, &header, today.to_string())).map_err(|e| HubError::write(&html_path, e))?;
    Ok(ReportSummary {
        households: total.households,
        individuals: total.individuals,
        confirmed_duplicates: confirmed,
        files: [registry_path, summary_path, html_path].iter().map(|p| p.display().to_string()).collect(),
    })
}

/// The summary page: a population pyramid by sex and age group, and the table.
fn html(sites: &BTreeMap<(String, String, String), Figures>, total: &Figures, header: &[String], day: String) -> String {
    let max = total.by_sex_age.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    let (bar_h, half, label_w) = (28.0, 220.0, 60.0);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" role=\"img\" aria-label=\"individuals by sex and age group\">",
        2.0 * half + label_w,
        bar_h * 4.0 + 40.0
    );
    for (row, (_, label)) in AGE_GROUPS.iter().enumerate().rev() {
        let y = 10.0 + (3 - row) as f64 * bar_h;
        let (f, m) = (total.by_sex_age[0][row] as f64, total.by_sex_age[1][row] as f64);
        let (wf, wm) = (f / max * (half - 40.0), m / max * (half - 40.0));
        svg += &format!("<rect x=\"{:.1}\" y=\"{y}\" width=\"{wf:.1}\" height=\"{}\" fill=\"#c0504d\"/>", half - wf, bar_h - 4.0);
        svg += &format!("<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"12\">{f}</text>", half - wf - 4.0, y + 17.0);
        svg += &format!("<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"12\">{label}</text>", half + label_w / 2.0, y + 17.0);
        svg += &format!("<rect x=\"{:.1}\" y=\"{y}\" width=\"{wm:.1}\" height=\"{}\" fill=\"#4f81bd\"/>", half + label_w, bar_h - 4.0);
        svg += &format!("<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\">{m}</text>", half + label_w + wm + 4.0, y + 17.0);
    }
    svg += &format!(
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"12\">Female / Femmes</text><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\">Male / Hommes</text></svg>",
        half - 4.0,
        bar_h * 4.0 + 30.0,
        half + label_w + 4.0,
        bar_h * 4.0 + 30.0
    );
    let mut table = String::from("<table><tr>");
    for h in header {
        table += &format!("<th>{}</th>", html_escape(h));
    }
    table += "</tr>";
    let cells = |name: [&str; 3], f: &Figures| {
        let mut row = String::from("<tr>");
        for n in name {
            row += &format!("<td>{}</td>", html_escape(n));
        }
        for v in [f.households, f.individuals].iter().chain(f.by_sex_age.iter().flatten()).chain(f.vulnerabilities.iter()) {
            row += &format!("<td class=\"n\">{v}</td>");
        }
        row + "</tr>"
    };
    for ((region, cercle, site), f) in sites {
        table += &cells([region, cercle, site], f);
    }
    table += &cells(["TOTAL", "", ""], total);
    table += "</table>";
    format!(
        "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Jatigi: displaced households / ménages déplacés</title>\
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;font-size:12px}}td,th{{border:1px solid #ccc;padding:2px 6px}}td.n{{text-align:right}}</style></head><body>\
<h1>Displaced households and individuals / Ménages et personnes déplacés</h1>\
<p>{} households / ménages, {} individuals / personnes, on / au {day}. Age groups as in the DTM / groupes d'âge de la DTM.</p>{svg}<h2>By site / par site</h2>{table}</body></html>\n",
        total.households, total.individuals
    )
}

/// `jatigi hub report`.
pub fn report(args: &ReportArgs, out: &mut dyn Write) -> Result<ReportSummary, HubError> {
    let registry = open(&args.hub)?;
    let summary = report_into(&registry, &args.out)?;
    writeln!(out, "{} households, {} individuals / {} ménages, {} personnes", summary.households, summary.individuals, summary.households, summary.individuals)?;
    for file in &summary.files {
        writeln!(out, "  {file}")?;
    }
    writeln!(out, "registry.csv holds personal data / registry.csv contient des données personnelles")?;
    Ok(summary)
}
