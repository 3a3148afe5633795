//! Name folding and fuzzy comparison for demographic search.
//!
//! Operators type names as they hear them, with or without accents, in capitals or not,
//! with the family name first or last ("TRAORE Fatoumata" on a card, "Fatoumata Traoré" on
//! a form). A [`NameKey`] is the folded form used for comparison: "Sévaré" and "SEVARE" have
//! the same key; [`NameKey::similarity`] ranks near misses ("Maïga" and "Maiga" are equal,
//! "Coulibaly" and "Koulibaly" close) with Jaro-Winkler.

use std::fmt;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Folded form of a name for comparison: compatibility-decomposed (NFKD), combining marks
/// removed, lower case, letters of Mali's national-language alphabets transliterated,
/// apostrophes removed, hyphens and punctuation turned into spaces, single spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NameKey(String);

impl NameKey {
    /// The key of `name`.
    pub fn new(name: &str) -> NameKey {
        NameKey(fold(name))
    }

    /// The folded text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether nothing is left after folding (an empty or punctuation-only name).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The words of the key.
    pub fn tokens(&self) -> impl Iterator<Item = &str> {
        self.0.split(' ').filter(|t| !t.is_empty())
    }

    /// The key with its words in alphabetical order, so word order does not matter.
    pub fn sorted(&self) -> NameKey {
        let mut words: Vec<&str> = self.tokens().collect();
        words.sort_unstable();
        NameKey(words.join(" "))
    }

    /// The key without spaces ("ould mohamed" → "ouldmohamed"), for names written now in
    /// one word, now in two.
    pub fn compact(&self) -> String {
        self.tokens().collect()
    }

    /// Similarity in [0, 1] for ranking search results (1: same key).
    ///
    /// The best Jaro-Winkler similarity of: the keys as written, the keys with words sorted
    /// (family name first or last), and the keys without spaces ("Abdoul Aziz" and
    /// "Abdoulaziz").
    pub fn similarity(&self, other: &NameKey) -> f64 {
        if self == other {
            return 1.0;
        }
        let direct = jaro_winkler(&self.0, &other.0);
        let sorted = jaro_winkler(&self.sorted().0, &other.sorted().0);
        let compact = jaro_winkler(&self.compact(), &other.compact());
        direct.max(sorted).max(compact)
    }
}

impl fmt::Display for NameKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether two names are equal after folding (`"Sévaré"` and `"SEVARE"`).
pub fn same_name(a: &str, b: &str) -> bool {
    fold(a) == fold(b)
}

/// Folds a name (see [`NameKey`]).
pub fn fold(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    // A separator is emitted lazily, before the next letter, so that runs of separators
    // collapse and leading or trailing ones vanish.
    let mut pending_space = false;
    // Apostrophes go first (N'Diaye = Ndiaye: an apostrophe joins), before NFKD turns some
    // of them (´) into a space and a combining mark.
    let letters = name.chars().filter(|&c| !is_apostrophe(c));
    for c in letters.nfkd().flat_map(char::to_lowercase) {
        // Lower-casing can produce combining marks (İ → i + U+0307): test after it.
        if is_combining_mark(c) {
            continue;
        }
        if !c.is_alphanumeric() {
            pending_space = true;
            continue;
        }
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        match transliterate(c) {
            Some(s) => out.push_str(s),
            None => out.push(c),
        }
    }
    out
}

/// Apostrophes and the characters used for them (N'Diaye, N’Diaye, Nʼdiaye).
fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{02BB}' | '`' | '\u{00B4}' | '\u{2032}'
    )
}

/// Latin letters that do not decompose into a base letter and a mark, written as the
/// French-based spelling would write them. Includes the letters of the Bambara, Fulfulde,
/// Songhay and Tamasheq orthographies of Mali (ɛ, ɔ, ɲ, ŋ, ɓ, ɗ, ƴ, ʔ), so that "Sɛgu"
/// folds close to "Segou" and "Ɲamina" to "Nyamina".
fn transliterate(c: char) -> Option<&'static str> {
    Some(match c {
        'ɛ' => "e",
        'ɔ' => "o",
        'ɲ' => "ny",
        'ŋ' => "ng",
        'ɓ' => "b",
        'ɗ' => "d",
        'ƴ' => "y",
        'ʔ' => "",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'ø' => "o",
        'đ' | 'ð' => "d",
        'ł' => "l",
        'ı' => "i",
        'þ' => "th",
        _ => return None,
    })
}

/// Jaro similarity of two strings, over characters, in [0, 1] (Jaro 1989).
///
/// Characters match when equal and no further apart than half the longer length minus one;
/// t is half the matched characters that appear in a different order;
/// sim = (m/|a| + m/|b| + (m - t)/m) / 3, or 0 without matches.
pub fn jaro(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    jaro_chars(&a, &b)
}

fn jaro_chars(a: &[char], b: &[char]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut b_used = vec![false; b.len()];
    let mut a_matched = Vec::with_capacity(a.len());
    for (i, &ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for j in lo..hi {
            if !b_used[j] && b[j] == ca {
                b_used[j] = true;
                a_matched.push(ca);
                break;
            }
        }
    }
    let m = a_matched.len();
    if m == 0 {
        return 0.0;
    }
    let b_matched = b.iter().zip(&b_used).filter(|(_, &u)| u).map(|(c, _)| *c);
    let half_transpositions = a_matched
        .iter()
        .zip(b_matched)
        .filter(|(x, y)| **x != *y)
        .count();
    let m = m as f64;
    let t = half_transpositions as f64 / 2.0;
    (m / a.len() as f64 + m / b.len() as f64 + (m - t) / m) / 3.0
}

/// Jaro-Winkler similarity (Winkler 1990): Jaro plus a bonus for a common prefix of up to
/// 4 characters, sim + l × 0.1 × (1 − sim). Names that begin alike score higher, which suits
/// names: typing errors are rarer at the start.
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let sim = jaro_chars(&a, &b);
    let prefix = a.iter().zip(&b).take(4).take_while(|(x, y)| x == y).count();
    sim + prefix as f64 * 0.1 * (1.0 - sim)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(x: f64, y: f64) -> bool {
        (x - y).abs() < 1e-3
    }

    #[test]
    fn places_fold_accent_and_case_insensitively() {
        assert!(same_name("Sévaré", "SEVARE"));
        assert!(same_name("Ménaka", "menaka"));
        assert!(same_name("Ségou", "SEGOU"));
        assert!(same_name("Tombouctou", "tombouctou"));
        assert!(same_name("Taoudénit", "TAOUDENIT"));
        assert!(same_name("Dioïla", "Dioila"));
        assert_eq!(fold("Sévaré"), "sevare");
        // Decomposed input (e + combining acute) folds the same as precomposed.
        assert_eq!(fold("Se\u{301}vare\u{301}"), "sevare");
        assert!(!same_name("Ségou", "Sikasso"));
    }

    #[test]
    fn people_fold_accent_case_and_punctuation_insensitively() {
        assert!(same_name("Aïcha", "AICHA"));
        assert!(same_name("Fatoumata Traoré", "FATOUMATA  TRAORE"));
        assert!(same_name("Moussa Maïga", "moussa maiga"));
        assert!(same_name("N'Diaye", "ndiaye"));
        assert!(same_name("N’Diaye", "NDIAYE"));
        assert!(same_name("N´Diaye", "Ndiaye"));
        assert!(same_name("Sidi-Mohamed", "Sidi Mohamed"));
        assert!(same_name("  Oumou   Sangaré ", "oumou sangare"));
        assert!(same_name("Ag Intalla", "ag-intalla"));
        assert_eq!(fold("Mamadou  -  Keïta."), "mamadou keita");
        assert_eq!(fold("-- '"), "");
        assert!(NameKey::new("''").is_empty());
    }

    #[test]
    fn national_language_letters_transliterate() {
        assert_eq!(fold("Sɛgu"), "segu");
        assert_eq!(fold("Ɲamina"), "nyamina");
        assert_eq!(fold("Jɔlɔ"), "jolo");
        assert_eq!(fold("ŊONI"), "ngoni");
        assert_eq!(fold("ÆSØ"), "aeso");
        assert_eq!(fold("İbrahim"), "ibrahim");
        // Compatibility forms (fullwidth, ligatures) fold to plain letters.
        assert_eq!(fold("ＧＡＯ"), "gao");
        assert_eq!(fold("ﬁfi"), "fifi");
    }

    #[test]
    fn jaro_winkler_matches_published_values() {
        // Winkler (1990) and the usual references: MARTHA/MARHTA, DWAYNE/DUANE, DIXON/DICKSONX.
        assert!(close(jaro("MARTHA", "MARHTA"), 0.944));
        assert!(close(jaro_winkler("MARTHA", "MARHTA"), 0.961));
        assert!(close(jaro("DWAYNE", "DUANE"), 0.822));
        assert!(close(jaro_winkler("DWAYNE", "DUANE"), 0.840));
        assert!(close(jaro("DIXON", "DICKSONX"), 0.767));
        assert!(close(jaro_winkler("DIXON", "DICKSONX"), 0.813));
        assert!(close(jaro("CRATE", "TRACE"), 0.733));
        assert_eq!(jaro_winkler("", ""), 1.0);
        assert_eq!(jaro_winkler("abc", ""), 0.0);
        assert_eq!(jaro_winkler("abc", "xyz"), 0.0);
        assert_eq!(jaro_winkler("traore", "traore"), 1.0);
        // Symmetric.
        assert!(close(
            jaro_winkler("DUANE", "DWAYNE"),
            jaro_winkler("DWAYNE", "DUANE")
        ));
    }

    #[test]
    fn similarity_ranks_malian_spelling_variants() {
        let key = NameKey::new;
        let fatoumata = key("Fatoumata Traoré");
        assert_eq!(fatoumata.similarity(&key("FATOUMATA TRAORE")), 1.0);
        // Family name first, as on many cards.
        assert_eq!(fatoumata.similarity(&key("TRAORE Fatoumata")), 1.0);
        // Common variants score high; a different person scores lower.
        let variant = fatoumata.similarity(&key("Fatoumata Traore"));
        let typo = fatoumata.similarity(&key("Fatumata Traore"));
        let other = fatoumata.similarity(&key("Aminata Coulibaly"));
        assert_eq!(variant, 1.0);
        assert!(typo > 0.9, "{typo}");
        assert!(other < 0.75, "{other}");
        assert!(key("Coulibaly").similarity(&key("Koulibaly")) > 0.85);
        assert!(key("Moussa Maïga").similarity(&key("Mousa Maiga")) > 0.9);
        assert!(key("Abdoul Aziz").similarity(&key("Abdoulaziz")) == 1.0);
        assert!(key("Aïcha").similarity(&key("Aissata")) < key("Aïcha").similarity(&key("Aicha ")));
        let s = key("Ségou").similarity(&key("Sɛgu"));
        assert!(s > 0.85, "{s}");
    }
}
