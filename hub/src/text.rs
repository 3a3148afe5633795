//! Wording shared by the commands: numbers in English and French, and what a score means.

use jatigi_core::biometrics::calibration::fmr_of_score;

/// Default decision threshold: a calibrated score of 40 is a false match rate of 1 in 10,000.
pub const DEFAULT_THRESHOLD: f32 = 40.0;

/// A line in English and the same line in French.
pub struct Bilingual {
    pub en: String,
    pub fr: String,
}

/// `20400` → `20,400`.
pub fn thousands_en(n: u64) -> String {
    group_digits(n, ',')
}

/// `20400` → `20 400`.
pub fn thousands_fr(n: u64) -> String {
    group_digits(n, ' ')
}

fn group_digits(n: u64, sep: char) -> String {
    let digits = n.to_string();
    // The first group holds 1 to 3 digits, every later group exactly 3.
    let mut end = match digits.len() % 3 {
        0 => 3,
        r => r,
    };
    let mut out = digits[..end].to_string();
    while end < digits.len() {
        out.push(sep);
        out.push_str(&digits[end..end + 3]);
        end += 3;
    }
    out
}

/// `43.12` with one decimal: `43.1` in English, `43,1` in French.
pub fn decimal_en(x: f64, decimals: usize) -> String {
    format!("{x:.decimals$}")
}

pub fn decimal_fr(x: f64, decimals: usize) -> String {
    decimal_en(x, decimals).replace('.', ",")
}

/// "1 in N" odds of a false match rate, N rounded to three significant figures; `None` when
/// N is too large to write out usefully (over a trillion).
fn odds(fmr: f64) -> Option<u64> {
    if fmr.is_nan() || fmr <= 0.0 {
        return None;
    }
    let n = 1.0 / fmr;
    if n >= 1e12 {
        return None;
    }
    if n < 1000.0 {
        return Some(n.round().max(1.0) as u64);
    }
    let unit = 10f64.powi(n.log10().floor() as i32 - 2);
    Some(((n / unit).round() * unit) as u64)
}

/// `1 in 20,400` / `1 sur 20 400`.
pub fn odds_text(fmr: f64) -> Bilingual {
    match odds(fmr) {
        Some(n) => Bilingual {
            en: format!("1 in {}", thousands_en(n)),
            fr: format!("1 sur {}", thousands_fr(n)),
        },
        None => Bilingual {
            en: "below 1 in a trillion".to_string(),
            fr: "inférieur à 1 sur mille milliards".to_string(),
        },
    }
}

/// The decision at a threshold: higher scores are more similar.
pub fn same_finger(score: f32, threshold: f32) -> bool {
    score >= threshold
}

/// The words for a decision: `same finger` / `même doigt`.
pub fn decision_text(score: f32, threshold: f32) -> Bilingual {
    if same_finger(score, threshold) {
        Bilingual {
            en: "same finger".into(),
            fr: "même doigt".into(),
        }
    } else {
        Bilingual {
            en: "different fingers".into(),
            fr: "doigts différents".into(),
        }
    }
}

/// `score 43.1: false match rate 1 in 20,400 — same finger (même doigt)` and its French twin.
pub fn score_text(score: f32, threshold: f32) -> Bilingual {
    let odds = odds_text(fmr_of_score(score));
    let decision = decision_text(score, threshold);
    Bilingual {
        en: format!(
            "score {}: false match rate {} — {} ({})",
            decimal_en(score as f64, 1),
            odds.en,
            decision.en,
            decision.fr
        ),
        fr: format!(
            "score {} : taux de fausses correspondances {} — {}",
            decimal_fr(score as f64, 1),
            odds.fr,
            decision.fr
        ),
    }
}

/// `threshold 40 (false match rate 1 in 10,000)` and its French twin.
pub fn threshold_text(threshold: f32) -> Bilingual {
    let odds = odds_text(fmr_of_score(threshold));
    Bilingual {
        en: format!(
            "threshold {} (false match rate {})",
            trim_number(threshold, '.'),
            odds.en
        ),
        fr: format!(
            "seuil {} (taux de fausses correspondances {})",
            trim_number(threshold, ','),
            odds.fr
        ),
    }
}

/// `40` rather than `40.0`, `42.5` stays `42.5`.
fn trim_number(x: f32, point: char) -> String {
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.replace('.', &point.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_grouping() {
        assert_eq!(thousands_en(0), "0");
        assert_eq!(thousands_en(999), "999");
        assert_eq!(thousands_en(1000), "1,000");
        assert_eq!(thousands_en(20400), "20,400");
        assert_eq!(thousands_en(1234567), "1,234,567");
        assert_eq!(thousands_fr(10000), "10 000");
    }

    #[test]
    fn odds_round_to_three_figures() {
        // 10^4.31 = 20,417.4 → 20,400.
        assert_eq!(odds_text(fmr_of_score(43.1)).en, "1 in 20,400");
        assert_eq!(odds_text(fmr_of_score(40.0)).en, "1 in 10,000");
        assert_eq!(odds_text(fmr_of_score(40.0)).fr, "1 sur 10 000");
        assert_eq!(odds_text(1.0).en, "1 in 1");
        assert_eq!(odds_text(0.5).en, "1 in 2");
        assert_eq!(odds_text(1e-13).en, "below 1 in a trillion");
        assert_eq!(odds_text(0.0).en, "below 1 in a trillion");
    }

    #[test]
    fn score_line_matches_the_documented_example() {
        let t = score_text(43.1, DEFAULT_THRESHOLD);
        assert_eq!(
            t.en,
            "score 43.1: false match rate 1 in 20,400 — same finger (même doigt)"
        );
        assert_eq!(
            t.fr,
            "score 43,1 : taux de fausses correspondances 1 sur 20 400 — même doigt"
        );
        let t = score_text(12.0, DEFAULT_THRESHOLD);
        assert!(t.en.ends_with("different fingers (doigts différents)"));
        assert!(same_finger(40.0, 40.0));
        assert_eq!(
            threshold_text(40.0).en,
            "threshold 40 (false match rate 1 in 10,000)"
        );
        assert_eq!(
            threshold_text(42.5).fr,
            "seuil 42,5 (taux de fausses correspondances 1 sur 17 800)"
        );
    }
}
