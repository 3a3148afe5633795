//! The registry's data model: households, members, persons, captures, operators, and the
//! validation rules a record must pass before it is saved (docs/formats/schema.md).
//!
//! Plain Rust types, no serialisation framework: the person record has its own versioned
//! encoding (`registry::record`), and the store decides how the rest becomes rows.
//! Validation takes the current time as an argument, so that it is deterministic in tests
//! and the hub can check records made on a tablet with its own clock.

use std::collections::BTreeSet;
use std::fmt;

use thiserror::Error;
use unicode_normalization::UnicodeNormalization;

use super::ids::{HouseholdId, MemberNo, PersonId, Region};
use super::pin::PinHash;

/// Longest name (given names, family name, other names), in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest free text (place names, reasons, document numbers), in characters.
pub const MAX_TEXT_CHARS: usize = 200;
/// Highest estimated age accepted, in years.
pub const MAX_AGE_YEARS: u8 = 120;
/// Earliest plausible date of birth.
pub const EARLIEST_BIRTH: Date = Date {
    year: 1900,
    month: 1,
    day: 1,
};
/// Earliest plausible date of displacement (independence of Mali; displacement from the
/// droughts of the 1970s and 1980s and the rebellions of the 1990s is still registered).
pub const EARLIEST_DISPLACEMENT: Date = Date {
    year: 1960,
    month: 1,
    day: 1,
};
/// Earliest plausible registration or consent date. A tablet whose clock battery ran flat
/// boots in 1970 or 2000: records stamped before the system existed reveal a wrong clock.
pub const EARLIEST_REGISTRATION: Date = Date {
    year: 2024,
    month: 1,
    day: 1,
};
/// How far in the future (by the validating clock) a record's time may be: tablet clocks
/// drift and the hub validates records made on other devices.
pub const MAX_CLOCK_SKEW_SECS: i64 = 24 * 3600;
/// Most members in one household (member numbers are two digits).
pub const MAX_MEMBERS: usize = super::ids::MAX_MEMBER_NO as usize;

/// Why a record is invalid. Field names are in English; [`ModelError::message_fr`] gives the
/// French message for operator screens.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ModelError {
    #[error("{year:04}-{month:02}-{day:02} is not a calendar date")]
    InvalidDate { year: i32, month: u8, day: u8 },
    #[error("the date of birth is in the future")]
    BirthInFuture,
    #[error("the date of birth is before 1900")]
    BirthTooEarly,
    #[error("an estimated age of {years} years is not plausible (at most 120)")]
    AgeTooHigh { years: u32 },
    #[error("the date an age was estimated must be between 2024 and today")]
    EstimateDateImplausible,
    #[error("the date of displacement is after the registration")]
    DisplacementAfterRegistration,
    #[error("the date of displacement is before 1960")]
    DisplacementTooEarly,
    #[error("the {field} time is before 2024: check the tablet's clock")]
    TimeTooEarly { field: &'static str },
    #[error("the {field} time is in the future: check the tablet's clock")]
    TimeInFuture { field: &'static str },
    #[error("{field} is missing")]
    MissingText { field: &'static str },
    #[error("{field} is longer than {max} characters")]
    TextTooLong { field: &'static str, max: usize },
    #[error("{field} contains a control character")]
    ControlCharacter { field: &'static str },
    #[error("{field} is not in clean form (NFC, trimmed, single spaces): pass it through clean_text first")]
    TextNotClean { field: &'static str },
    #[error("a person needs at least a given name or a family name")]
    NoName,
    #[error("\"{text}\" is not a valid {field} (1-32 letters, digits, '-', '_', '.')")]
    InvalidCode { field: &'static str, text: String },
    #[error("the phone number is empty")]
    PhoneEmpty,
    #[error("the phone number contains characters other than digits, spaces, '+', '-', '.', '(' and ')'")]
    PhoneInvalidCharacters,
    #[error("a Mali phone number has 8 digits after +223; this one has {digits}")]
    MaliPhoneWrongLength { digits: usize },
    #[error("a Mali phone number cannot start with 0 or 1")]
    MaliPhoneBadPrefix,
    #[error("an international phone number has 8 to 15 digits with the country code; this one has {digits}")]
    ForeignPhoneWrongLength { digits: usize },
    #[error("GPS latitude must be in [-90, 90] and longitude in [-180, 180]")]
    GpsOutOfRange,
    #[error("GPS point 0,0 is the value of a receiver without a fix, not a place")]
    GpsNoFix,
    #[error("the GPS point is outside Mali")]
    GpsOutsideMali,
    #[error("a household needs at least one member")]
    NoMembers,
    #[error("a household has at most 99 members; this one has {count}")]
    TooManyMembers { count: usize },
    #[error("member number {member} is used twice")]
    DuplicateMemberNumber { member: MemberNo },
    #[error("no member is the head of household")]
    NoHead,
    #[error("more than one member is the head of household")]
    MoreThanOneHead,
    #[error("the head of household is member {head}, but that member's relation is not Head")]
    HeadMismatch { head: MemberNo },
    #[error("pregnant or lactating is recorded for a person whose sex is not female")]
    PregnancyRequiresFemale,
    #[error("biometrics are recorded but consent was not given")]
    BiometricsWithoutConsent,
    #[error("finger {finger} is recorded twice")]
    DuplicateFinger { finger: FingerPosition },
    #[error("quality {quality} is outside 0-100")]
    QualityOutOfRange { quality: u8 },
    #[error("the fingerprint template is empty")]
    EmptyTemplate,
    #[error("the fingerprint image is empty")]
    EmptyImage,
    #[error("a reason is required when a finger could not be captured")]
    MissingExceptionReason,
    #[error("the face photo is not a JPEG image")]
    PhotoNotJpeg,
    #[error("member {member}: {source}")]
    InMember {
        member: MemberNo,
        source: Box<ModelError>,
    },
}

impl ModelError {
    /// The same message in French, for operator screens.
    pub fn message_fr(&self) -> String {
        use ModelError::*;
        match self {
            InvalidDate { year, month, day } => {
                format!("{day:02}/{month:02}/{year:04} n'est pas une date du calendrier")
            }
            BirthInFuture => "la date de naissance est dans le futur".into(),
            BirthTooEarly => "la date de naissance est antérieure à 1900".into(),
            AgeTooHigh { years } => {
                format!("un âge estimé de {years} ans n'est pas plausible (120 au plus)")
            }
            EstimateDateImplausible => {
                "la date d'estimation de l'âge doit être entre 2024 et aujourd'hui".into()
            }
            DisplacementAfterRegistration => {
                "la date du déplacement est postérieure à l'enregistrement".into()
            }
            DisplacementTooEarly => "la date du déplacement est antérieure à 1960".into(),
            TimeTooEarly { field } => format!(
                "l'heure de {} est antérieure à 2024 : vérifiez l'horloge de la tablette",
                field_fr(field)
            ),
            TimeInFuture { field } => format!(
                "l'heure de {} est dans le futur : vérifiez l'horloge de la tablette",
                field_fr(field)
            ),
            MissingText { field } => format!("{} : champ obligatoire", field_fr(field)),
            TextTooLong { field, max } => {
                format!("{} : {max} caractères au plus", field_fr(field))
            }
            ControlCharacter { field } => {
                format!("{} contient un caractère de contrôle", field_fr(field))
            }
            TextNotClean { field } => format!(
                "{} n'est pas sous forme normalisée (NFC, sans espaces superflus)",
                field_fr(field)
            ),
            NoName => "une personne doit avoir au moins un prénom ou un nom de famille".into(),
            InvalidCode { field, text } => format!(
                "« {text} » n'est pas un {} valide (1 à 32 lettres, chiffres, « - », « _ », « . »)",
                field_fr(field)
            ),
            PhoneEmpty => "le numéro de téléphone est vide".into(),
            PhoneInvalidCharacters => "le numéro de téléphone contient des caractères autres que chiffres, espaces, « + », « - », « . », « ( » et « ) »".into(),
            MaliPhoneWrongLength { digits } => format!(
                "un numéro malien a 8 chiffres après +223 ; celui-ci en a {digits}"
            ),
            MaliPhoneBadPrefix => "un numéro malien ne peut pas commencer par 0 ou 1".into(),
            ForeignPhoneWrongLength { digits } => format!(
                "un numéro international a 8 à 15 chiffres avec l'indicatif du pays ; celui-ci en a {digits}"
            ),
            GpsOutOfRange => "la latitude GPS doit être dans [-90, 90] et la longitude dans [-180, 180]".into(),
            GpsNoFix => "le point GPS 0,0 est la valeur d'un récepteur sans position, pas un lieu".into(),
            GpsOutsideMali => "le point GPS est hors du Mali".into(),
            NoMembers => "un ménage doit avoir au moins un membre".into(),
            TooManyMembers { count } => {
                format!("un ménage a 99 membres au plus ; celui-ci en a {count}")
            }
            DuplicateMemberNumber { member } => {
                format!("le numéro de membre {member} est utilisé deux fois")
            }
            NoHead => "aucun membre n'est chef de ménage".into(),
            MoreThanOneHead => "plus d'un membre est chef de ménage".into(),
            HeadMismatch { head } => format!(
                "le chef de ménage est le membre {head}, mais son lien de parenté n'est pas « chef »"
            ),
            PregnancyRequiresFemale => {
                "« enceinte ou allaitante » est indiqué pour une personne qui n'est pas de sexe féminin".into()
            }
            BiometricsWithoutConsent => {
                "des données biométriques sont enregistrées sans consentement".into()
            }
            DuplicateFinger { finger } => format!("le doigt {finger} est enregistré deux fois"),
            QualityOutOfRange { quality } => format!("la qualité {quality} est hors de 0-100"),
            EmptyTemplate => "le gabarit d'empreinte est vide".into(),
            EmptyImage => "l'image d'empreinte est vide".into(),
            MissingExceptionReason => {
                "une raison est obligatoire quand un doigt n'a pas pu être capturé".into()
            }
            PhotoNotJpeg => "la photo du visage n'est pas une image JPEG".into(),
            InMember { member, source } => format!("membre {member} : {}", source.message_fr()),
        }
    }
}

/// French name of a field named in a [`ModelError`].
fn field_fr(field: &str) -> &'static str {
    match field {
        "given names" => "prénoms",
        "family name" => "nom de famille",
        "other names" => "autres noms",
        "cercle" => "cercle",
        "commune" => "commune",
        "site name" => "nom du site",
        "village" => "village",
        "reason" => "raison",
        "document kind" => "type de pièce",
        "document number" => "numéro de pièce",
        "operator name" => "nom de l'agent",
        "operator id" => "identifiant d'agent",
        "device id" => "identifiant d'appareil",
        "registration" => "l'enregistrement",
        "consent" => "consentement",
        _ => "champ",
    }
}

// ---------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------

/// An instant, in seconds since 1970-01-01T00:00:00Z (Mali is on UTC all year, no DST).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The calendar day (UTC, which is Mali's time) of this instant.
    pub fn date(self) -> Date {
        let days = self.0.div_euclid(86_400);
        // Every i64 second count divided into days fits the civil algorithm's range, but the
        // year may not fit the Date type; clamp rather than panic (only absurd clocks get here).
        Date::from_days_since_epoch(days).unwrap_or(if days < 0 {
            Date {
                year: 1,
                month: 1,
                day: 1,
            }
        } else {
            Date {
                year: 9999,
                month: 12,
                day: 31,
            }
        })
    }
}

/// A calendar date (proleptic Gregorian), years 1-9999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    // Field order matters: the derived Ord compares year, then month, then day.
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// The date `year-month-day`, if it exists.
    pub fn new(year: i32, month: u8, day: u8) -> Result<Date, ModelError> {
        let invalid = ModelError::InvalidDate { year, month, day };
        let y = u16::try_from(year).map_err(|_| invalid.clone())?;
        if !(1..=9999).contains(&y) || !(1..=12).contains(&month) {
            return Err(invalid);
        }
        if day == 0 || day > days_in_month(y, month) {
            return Err(invalid);
        }
        Ok(Date {
            year: y,
            month,
            day,
        })
    }

    /// Year, 1-9999.
    pub fn year(self) -> i32 {
        i32::from(self.year)
    }

    /// Month, 1-12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// Day of the month, 1-31.
    pub fn day(self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01 (negative before).
    pub fn days_since_epoch(self) -> i64 {
        // Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms", days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let m = i64::from(self.month);
        let d = i64::from(self.day);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01, if in years 1-9999.
    pub fn from_days_since_epoch(days: i64) -> Option<Date> {
        // Howard Hinnant, civil_from_days. Bound first so the arithmetic cannot overflow.
        if !(-719_162..=2_932_896).contains(&days) {
            return None;
        }
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = yoe + era * 400 + i64::from(month <= 2);
        let year = u16::try_from(year).ok()?;
        (1..=9999)
            .contains(&year)
            .then_some(Date { year, month, day })
    }

    /// Midnight UTC at the start of this day.
    pub fn start(self) -> Timestamp {
        Timestamp(self.days_since_epoch() * 86_400)
    }

    /// Whole years from `self` to `later` (an age: 0 the day before the first birthday);
    /// 0 if `later` is earlier.
    pub fn whole_years_until(self, later: Date) -> u32 {
        if later < self {
            return 0;
        }
        let mut years = u32::from(later.year - self.year);
        if (later.month, later.day) < (self.month, self.day) {
            years = years.saturating_sub(1);
        }
        years
    }
}

impl fmt::Display for Date {
    /// ISO 8601: `2024-03-15`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            // `%` rather than `is_multiple_of`, which is newer than the workspace's Rust 1.80.
            #[allow(clippy::manual_is_multiple_of)]
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
            if leap {
                29
            } else {
                28
            }
        }
    }
}

/// `at` must be on or after [`EARLIEST_REGISTRATION`] and not in the future of `now`.
fn check_time(field: &'static str, at: Timestamp, now: Timestamp) -> Result<(), ModelError> {
    if at < EARLIEST_REGISTRATION.start() {
        return Err(ModelError::TimeTooEarly { field });
    }
    if at.0 > now.0.saturating_add(MAX_CLOCK_SKEW_SECS) {
        return Err(ModelError::TimeInFuture { field });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Text and codes
// ---------------------------------------------------------------------------------------

/// The clean form of text typed by an operator: NFC, trimmed, runs of white space replaced
/// by one space. Validation accepts only clean text, so that a name has one byte encoding
/// whatever the keyboard produced (é as one code point or as e + combining accent).
pub fn clean_text(text: &str) -> String {
    let nfc: String = text.nfc().collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Checks one free-text field: clean, no control characters, not too long, present if
/// `required`.
fn check_text(
    field: &'static str,
    value: &str,
    max: usize,
    required: bool,
) -> Result<(), ModelError> {
    if value.is_empty() {
        return if required {
            Err(ModelError::MissingText { field })
        } else {
            Ok(())
        };
    }
    if value.chars().any(char::is_control) {
        return Err(ModelError::ControlCharacter { field });
    }
    if value.chars().count() > max {
        return Err(ModelError::TextTooLong { field, max });
    }
    if clean_text(value) != value {
        return Err(ModelError::TextNotClean { field });
    }
    Ok(())
}

/// Whether `text` is a valid code (operator or device id): 1-32 ASCII letters, digits,
/// '-', '_', '.'. Codes appear in the clear (audit log, rows), so they must never be names.
fn is_valid_code(text: &str) -> bool {
    (1..=32).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Identifier of an operator (field staff account), e.g. `OP-0042`. Never a name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OperatorId(String);

impl OperatorId {
    /// The operator id `text`, if it is 1-32 ASCII letters, digits, '-', '_', '.'.
    pub fn new(text: &str) -> Result<OperatorId, ModelError> {
        if is_valid_code(text) {
            Ok(OperatorId(text.to_string()))
        } else {
            Err(ModelError::InvalidCode {
                field: "operator id",
                text: text.chars().take(40).collect(),
            })
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OperatorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Identifier of a tablet or hub, e.g. `TAB-GAO-07`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeviceId(String);

impl DeviceId {
    /// The device id `text`, if it is 1-32 ASCII letters, digits, '-', '_', '.'.
    pub fn new(text: &str) -> Result<DeviceId, ModelError> {
        if is_valid_code(text) {
            Ok(DeviceId(text.to_string()))
        } else {
            Err(ModelError::InvalidCode {
                field: "device id",
                text: text.chars().take(40).collect(),
            })
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// ---------------------------------------------------------------------------------------
// Person
// ---------------------------------------------------------------------------------------

/// Sex as recorded at registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    Female,
    Male,
}

impl Sex {
    /// ISO/IEC 5218 code: 1 male, 2 female.
    pub fn iso5218(self) -> u8 {
        match self {
            Sex::Male => 1,
            Sex::Female => 2,
        }
    }

    /// The sex with this ISO/IEC 5218 code (1 or 2; "not known" and "not applicable" are
    /// not recorded values).
    pub fn from_iso5218(code: u8) -> Option<Sex> {
        match code {
            1 => Some(Sex::Male),
            2 => Some(Sex::Female),
            _ => None,
        }
    }
}

/// Date of birth, or an age estimated on a given day when the date is not known (common:
/// many displaced people have no birth certificate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Birth {
    /// Date of birth as stated or documented.
    Date(Date),
    /// Age in whole years as estimated on `as_of` (kept with its date, so the age stays
    /// right as time passes).
    Estimated { years: u8, as_of: Date },
}

impl Birth {
    /// Age in whole years on `day` (for an estimate: the estimate plus the years since).
    pub fn age_on(&self, day: Date) -> u32 {
        match *self {
            Birth::Date(born) => born.whole_years_until(day),
            Birth::Estimated { years, as_of } => u32::from(years) + as_of.whole_years_until(day),
        }
    }
}

/// A phone number in E.164 form (`+22376123456`). Mali numbers (+223, 8 digits) are
/// checked against the national plan; numbers of other countries (a SIM kept from Burkina
/// Faso or Niger) are accepted with only a length check and flagged by `is_mali() == false`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone {
    e164: String,
}

impl Phone {
    /// Parses a number as typed: `76 12 34 56`, `+223 76-12-34-56`, `0022376123456`,
    /// `22376123456`; `+226 70 12 34 56` or `00226...` for other countries. Spaces, '-',
    /// '.', '(' and ')' are ignored.
    pub fn parse(text: &str) -> Result<Phone, ModelError> {
        let mut digits = String::new();
        let mut plus = false;
        for c in text.trim().chars() {
            match c {
                '0'..='9' => digits.push(c),
                // '+' only before the first digit: "(+223) 76...".
                '+' if digits.is_empty() && !plus => plus = true,
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(ModelError::PhoneInvalidCharacters),
            }
        }
        if digits.is_empty() {
            return Err(ModelError::PhoneEmpty);
        }
        // International form: '+' or the 00 international prefix.
        let international = if plus {
            Some(digits.as_str())
        } else {
            digits.strip_prefix("00")
        };
        let national = match international {
            Some(rest) => match rest.strip_prefix("223") {
                Some(national) => national,
                None => return Phone::foreign(rest),
            },
            // Without a prefix: 8 digits are a Mali number; 11 starting 223 are a Mali
            // number typed without '+'.
            None if digits.len() == 11 && digits.starts_with("223") => &digits[3..],
            None => digits.as_str(),
        };
        if national.len() != 8 {
            return Err(ModelError::MaliPhoneWrongLength {
                digits: national.len(),
            });
        }
        // Mali numbers are 8 digits without trunk prefix: fixed lines start with 2 or 4,
        // mobiles with 5-9. Only 0 and 1 are certainly wrong (a trunk or service prefix).
        if national.starts_with('0') || national.starts_with('1') {
            return Err(ModelError::MaliPhoneBadPrefix);
        }
        Ok(Phone {
            e164: format!("+223{national}"),
        })
    }

    fn foreign(digits: &str) -> Result<Phone, ModelError> {
        // E.164: at most 15 digits; country codes never start with 0.
        if !(8..=15).contains(&digits.len()) || digits.starts_with('0') {
            return Err(ModelError::ForeignPhoneWrongLength {
                digits: digits.len(),
            });
        }
        Ok(Phone {
            e164: format!("+{digits}"),
        })
    }

    /// The number in E.164 form.
    pub fn as_str(&self) -> &str {
        &self.e164
    }

    /// Whether this is a Mali number (+223).
    pub fn is_mali(&self) -> bool {
        self.e164.starts_with("+223")
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.e164)
    }
}

/// Kind of identity document shown at registration (documents in use in Mali).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    /// Carte nationale d'identité (including the biometric card).
    NationalIdCard,
    /// Fiche or carte NINA (Numéro d'identification nationale).
    Nina,
    /// Acte de naissance.
    BirthCertificate,
    /// Jugement supplétif d'acte de naissance (court substitute for a birth certificate).
    SupplementaryJudgment,
    /// Passeport.
    Passport,
    /// Carte consulaire.
    ConsularCard,
    /// Carte d'électeur.
    VoterCard,
    /// Another document, named.
    Other(String),
}

impl DocumentKind {
    /// Code in the person record (`Other` is 255).
    pub fn code(&self) -> u8 {
        match self {
            DocumentKind::NationalIdCard => 1,
            DocumentKind::Nina => 2,
            DocumentKind::BirthCertificate => 3,
            DocumentKind::SupplementaryJudgment => 4,
            DocumentKind::Passport => 5,
            DocumentKind::ConsularCard => 6,
            DocumentKind::VoterCard => 7,
            DocumentKind::Other(_) => 255,
        }
    }

    /// The kind with this code, except `Other` (which carries a name).
    pub fn from_code(code: u8) -> Option<DocumentKind> {
        Some(match code {
            1 => DocumentKind::NationalIdCard,
            2 => DocumentKind::Nina,
            3 => DocumentKind::BirthCertificate,
            4 => DocumentKind::SupplementaryJudgment,
            5 => DocumentKind::Passport,
            6 => DocumentKind::ConsularCard,
            7 => DocumentKind::VoterCard,
            _ => return None,
        })
    }
}

/// An identity document: its kind and number as written on it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdentityDocument {
    pub kind: DocumentKind,
    pub number: String,
}

/// A specific need recorded for protection and assistance.
///
/// The six disability domains are those of the Washington Group Short Set; a domain is
/// recorded when the answer is "a lot of difficulty" or "cannot do at all" (the Washington
/// Group's recommended cut-off for disability). The brief's "unaccompanied or separated
/// child" is two flags, as in UNHCR and IOM case management, because the responses differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Vulnerability {
    /// Difficulty seeing, even with glasses.
    Seeing,
    /// Difficulty hearing, even with a hearing aid.
    Hearing,
    /// Difficulty walking or climbing steps.
    Walking,
    /// Difficulty remembering or concentrating.
    Cognition,
    /// Difficulty with self-care, such as washing all over or dressing.
    SelfCare,
    /// Difficulty communicating (understanding or being understood) in the usual language.
    Communication,
    /// Pregnant or lactating.
    PregnantOrLactating,
    /// A child separated from both parents and not cared for by any adult responsible for it.
    UnaccompaniedChild,
    /// A child separated from both parents or the usual caregiver, but possibly with other
    /// relatives.
    SeparatedChild,
    /// Older person (60 or over, the UN definition).
    OlderPerson,
    /// Serious chronic illness.
    ChronicIllness,
}

impl Vulnerability {
    /// Every vulnerability, in bit order.
    pub const ALL: [Vulnerability; 11] = [
        Vulnerability::Seeing,
        Vulnerability::Hearing,
        Vulnerability::Walking,
        Vulnerability::Cognition,
        Vulnerability::SelfCare,
        Vulnerability::Communication,
        Vulnerability::PregnantOrLactating,
        Vulnerability::UnaccompaniedChild,
        Vulnerability::SeparatedChild,
        Vulnerability::OlderPerson,
        Vulnerability::ChronicIllness,
    ];

    /// Bit of this vulnerability in [`Vulnerabilities::bits`] (part of the record format).
    pub fn bit(self) -> u16 {
        1 << (self as u16)
    }

    /// Whether this is one of the six Washington Group disability domains.
    pub fn is_disability(self) -> bool {
        (self as u8) <= (Vulnerability::Communication as u8)
    }
}

/// A set of [`Vulnerability`], stored as a bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Vulnerabilities(u16);

impl Vulnerabilities {
    /// Mask of the bits that name a vulnerability.
    pub const KNOWN_BITS: u16 = (1 << Vulnerability::ALL.len()) - 1;

    /// The empty set.
    pub fn none() -> Vulnerabilities {
        Vulnerabilities(0)
    }

    /// The set with these bits, if every bit names a vulnerability.
    pub fn from_bits(bits: u16) -> Option<Vulnerabilities> {
        (bits & !Self::KNOWN_BITS == 0).then_some(Vulnerabilities(bits))
    }

    /// The bit set.
    pub fn bits(self) -> u16 {
        self.0
    }

    /// Adds `v`.
    pub fn insert(&mut self, v: Vulnerability) {
        self.0 |= v.bit();
    }

    /// Removes `v`.
    pub fn remove(&mut self, v: Vulnerability) {
        self.0 &= !v.bit();
    }

    /// Whether `v` is in the set.
    pub fn contains(self, v: Vulnerability) -> bool {
        self.0 & v.bit() != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The vulnerabilities in the set, in bit order.
    pub fn iter(self) -> impl Iterator<Item = Vulnerability> {
        Vulnerability::ALL
            .into_iter()
            .filter(move |v| self.contains(*v))
    }
}

impl FromIterator<Vulnerability> for Vulnerabilities {
    fn from_iter<I: IntoIterator<Item = Vulnerability>>(iter: I) -> Self {
        let mut set = Vulnerabilities::none();
        for v in iter {
            set.insert(v);
        }
        set
    }
}

/// Whether the person agreed to the collection of their biometrics and personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConsentDecision {
    Given,
    Refused,
}

/// How consent was expressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConsentMethod {
    /// Said aloud to the operator, after the information notice was read.
    Verbal,
    /// A signed form.
    Signed,
    /// A form marked with a thumbprint (ink), for people who do not write.
    Thumbprint,
}

/// The consent record: decision, when, by which operator, how.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Consent {
    pub decision: ConsentDecision,
    pub at: Timestamp,
    /// The operator who read the notice and recorded the decision.
    pub operator: OperatorId,
    pub method: ConsentMethod,
}

impl Consent {
    /// Whether biometrics may be captured and stored.
    pub fn allows_biometrics(&self) -> bool {
        self.decision == ConsentDecision::Given
    }
}

/// A person's personal data: everything in it is sealed at rest (the person record,
/// `Person::to_bytes`). Where the person sits in a household is in [`Member`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Person {
    /// Given names (prénoms), e.g. "Fatoumata".
    pub given_names: String,
    /// Family name (nom de famille, jamu), e.g. "Traoré".
    pub family_name: String,
    /// Other names: nickname, alias, name in another script or spelling ("" if none).
    pub other_names: String,
    pub sex: Sex,
    pub birth: Birth,
    pub phone: Option<Phone>,
    pub document: Option<IdentityDocument>,
    pub vulnerabilities: Vulnerabilities,
    pub consent: Consent,
}

impl Person {
    /// Checks the person's fields against `now` (the validating clock).
    ///
    /// Age-dependent flags (separated child, older person) are *not* checked against the
    /// age: a record valid when saved must stay valid as the person grows older.
    pub fn validate(&self, now: Timestamp) -> Result<(), ModelError> {
        check_text("given names", &self.given_names, MAX_NAME_CHARS, false)?;
        check_text("family name", &self.family_name, MAX_NAME_CHARS, false)?;
        check_text("other names", &self.other_names, MAX_NAME_CHARS, false)?;
        if self.given_names.is_empty() && self.family_name.is_empty() {
            return Err(ModelError::NoName);
        }
        let today = now.date();
        match self.birth {
            Birth::Date(born) => {
                if born > today {
                    return Err(ModelError::BirthInFuture);
                }
                if born < EARLIEST_BIRTH {
                    return Err(ModelError::BirthTooEarly);
                }
            }
            Birth::Estimated { as_of, .. } => {
                if as_of < EARLIEST_REGISTRATION || as_of > today {
                    return Err(ModelError::EstimateDateImplausible);
                }
            }
        }
        let age = self.birth.age_on(today);
        if age > u32::from(MAX_AGE_YEARS) {
            return Err(ModelError::AgeTooHigh { years: age });
        }
        if let Some(doc) = &self.document {
            if let DocumentKind::Other(kind) = &doc.kind {
                check_text("document kind", kind, MAX_TEXT_CHARS, true)?;
            }
            check_text("document number", &doc.number, MAX_TEXT_CHARS, true)?;
        }
        if self
            .vulnerabilities
            .contains(Vulnerability::PregnantOrLactating)
            && self.sex != Sex::Female
        {
            return Err(ModelError::PregnancyRequiresFemale);
        }
        check_time("consent", self.consent.at, now)?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Biometrics
// ---------------------------------------------------------------------------------------

/// Finger position, with the codes of ISO/IEC 19794-2 (and ANSI/INCITS 378); 0 ("unknown
/// finger") is not a position a capture can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FingerPosition {
    RightThumb = 1,
    RightIndex = 2,
    RightMiddle = 3,
    RightRing = 4,
    RightLittle = 5,
    LeftThumb = 6,
    LeftIndex = 7,
    LeftMiddle = 8,
    LeftRing = 9,
    LeftLittle = 10,
}

impl FingerPosition {
    /// The ten fingers, in code order.
    pub const ALL: [FingerPosition; 10] = [
        FingerPosition::RightThumb,
        FingerPosition::RightIndex,
        FingerPosition::RightMiddle,
        FingerPosition::RightRing,
        FingerPosition::RightLittle,
        FingerPosition::LeftThumb,
        FingerPosition::LeftIndex,
        FingerPosition::LeftMiddle,
        FingerPosition::LeftRing,
        FingerPosition::LeftLittle,
    ];

    /// ISO/IEC 19794-2 finger position code, 1-10.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The finger with this code (1-10).
    pub fn from_code(code: u8) -> Option<FingerPosition> {
        code.checked_sub(1)
            .and_then(|i| FingerPosition::ALL.get(usize::from(i)))
            .copied()
    }
}

impl fmt::Display for FingerPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            FingerPosition::RightThumb => "right thumb",
            FingerPosition::RightIndex => "right index",
            FingerPosition::RightMiddle => "right middle",
            FingerPosition::RightRing => "right ring",
            FingerPosition::RightLittle => "right little",
            FingerPosition::LeftThumb => "left thumb",
            FingerPosition::LeftIndex => "left index",
            FingerPosition::LeftMiddle => "left middle",
            FingerPosition::LeftRing => "left ring",
            FingerPosition::LeftLittle => "left little",
        };
        f.write_str(name)
    }
}

/// Compression of a stored fingerprint image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FingerImageFormat {
    /// FBI WSQ, the standard for 500 dpi fingerprint images.
    Wsq,
    /// PNG (lossless), for scanners or tests where WSQ is not available.
    Png,
}

impl FingerImageFormat {
    /// Format tag stored beside the image bytes.
    pub fn code(self) -> u8 {
        match self {
            FingerImageFormat::Wsq => 1,
            FingerImageFormat::Png => 2,
        }
    }

    /// The format with this tag.
    pub fn from_code(code: u8) -> Option<FingerImageFormat> {
        match code {
            1 => Some(FingerImageFormat::Wsq),
            2 => Some(FingerImageFormat::Png),
            _ => None,
        }
    }
}

/// A compressed fingerprint image.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct FingerImage {
    pub format: FingerImageFormat,
    pub bytes: Vec<u8>,
}

impl fmt::Debug for FingerImage {
    // Biometric bytes never go to logs; show the size only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "FingerImage({:?}, {} bytes)",
            self.format,
            self.bytes.len()
        )
    }
}

/// A captured finger: the template (Jatigi template format, docs/formats/template.md), its
/// quality, and the image if the deployment keeps images.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct FingerSample {
    pub template: Vec<u8>,
    /// Quality 0-100 (NFIQ 2 spirit, higher is better).
    pub quality: u8,
    pub image: Option<FingerImage>,
}

impl fmt::Debug for FingerSample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FingerSample")
            .field("template", &format_args!("{} bytes", self.template.len()))
            .field("quality", &self.quality)
            .field("image", &self.image)
            .finish()
    }
}

/// Why a finger has no sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaptureExceptionKind {
    /// The finger is missing.
    Amputated,
    /// The finger is wounded or bandaged.
    Injured,
    /// Captures failed (worn ridges, scanner failure, person unable to hold still, ...).
    UnableToCapture,
}

impl CaptureExceptionKind {
    /// Code stored for the exception.
    pub fn code(self) -> u8 {
        match self {
            CaptureExceptionKind::Amputated => 1,
            CaptureExceptionKind::Injured => 2,
            CaptureExceptionKind::UnableToCapture => 3,
        }
    }

    /// The kind with this code.
    pub fn from_code(code: u8) -> Option<CaptureExceptionKind> {
        match code {
            1 => Some(CaptureExceptionKind::Amputated),
            2 => Some(CaptureExceptionKind::Injured),
            3 => Some(CaptureExceptionKind::UnableToCapture),
            _ => None,
        }
    }
}

/// A recorded exception instead of a sample. The reason is required for
/// `UnableToCapture` (it is what a supervisor reviews) and optional otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CaptureException {
    pub kind: CaptureExceptionKind,
    pub reason: String,
}

/// What was recorded for one finger.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CaptureOutcome {
    Captured(FingerSample),
    Exception(CaptureException),
}

/// One finger of one person.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Capture {
    pub finger: FingerPosition,
    pub outcome: CaptureOutcome,
}

impl Capture {
    /// Checks the capture's fields.
    pub fn validate(&self) -> Result<(), ModelError> {
        match &self.outcome {
            CaptureOutcome::Captured(sample) => {
                if sample.template.is_empty() {
                    return Err(ModelError::EmptyTemplate);
                }
                if sample.quality > 100 {
                    return Err(ModelError::QualityOutOfRange {
                        quality: sample.quality,
                    });
                }
                if let Some(image) = &sample.image {
                    if image.bytes.is_empty() {
                        return Err(ModelError::EmptyImage);
                    }
                }
            }
            CaptureOutcome::Exception(exception) => {
                let required = exception.kind == CaptureExceptionKind::UnableToCapture;
                if required && exception.reason.is_empty() {
                    return Err(ModelError::MissingExceptionReason);
                }
                check_text("reason", &exception.reason, MAX_TEXT_CHARS, required)?;
            }
        }
        Ok(())
    }
}

/// A face photo, JPEG.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct FacePhoto {
    pub jpeg: Vec<u8>,
}

impl fmt::Debug for FacePhoto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FacePhoto({} bytes)", self.jpeg.len())
    }
}

impl FacePhoto {
    /// Checks that the bytes start like a JPEG file (SOI marker then another marker).
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.jpeg.len() < 4 || self.jpeg[..3] != [0xFF, 0xD8, 0xFF] {
            return Err(ModelError::PhotoNotJpeg);
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Household
// ---------------------------------------------------------------------------------------

/// Relation of a member to the head of household.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relation {
    Head,
    Spouse,
    Child,
    Parent,
    Sibling,
    Grandchild,
    OtherRelative,
    NonRelative,
}

impl Relation {
    /// Every relation, in code order.
    pub const ALL: [Relation; 8] = [
        Relation::Head,
        Relation::Spouse,
        Relation::Child,
        Relation::Parent,
        Relation::Sibling,
        Relation::Grandchild,
        Relation::OtherRelative,
        Relation::NonRelative,
    ];

    /// Code stored in the clear member row (1-8).
    pub fn code(self) -> u8 {
        self as u8 + 1
    }

    /// The relation with this code.
    pub fn from_code(code: u8) -> Option<Relation> {
        code.checked_sub(1)
            .and_then(|i| Relation::ALL.get(usize::from(i)))
            .copied()
    }
}

/// A member of a household: number, relation to the head, personal data, biometrics.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Member {
    pub number: MemberNo,
    pub relation: Relation,
    pub person: Person,
    /// At most one capture per finger.
    pub captures: Vec<Capture>,
    pub face: Option<FacePhoto>,
}

impl Member {
    /// Whether any biometric (finger sample, finger exception or photo) is recorded.
    /// Exceptions count: that a finger is amputated is health data collected at capture.
    pub fn has_biometrics(&self) -> bool {
        !self.captures.is_empty() || self.face.is_some()
    }

    /// Checks the member: the person, and the captures (no biometrics without consent,
    /// one capture per finger).
    pub fn validate(&self, now: Timestamp) -> Result<(), ModelError> {
        self.person.validate(now)?;
        if self.has_biometrics() && !self.person.consent.allows_biometrics() {
            return Err(ModelError::BiometricsWithoutConsent);
        }
        let mut fingers = BTreeSet::new();
        for capture in &self.captures {
            if !fingers.insert(capture.finger) {
                return Err(ModelError::DuplicateFinger {
                    finger: capture.finger,
                });
            }
            capture.validate()?;
        }
        if let Some(face) = &self.face {
            face.validate()?;
        }
        Ok(())
    }
}

/// A GPS point, in millionths of a degree (about 11 cm): integers, so the point compares
/// and round-trips exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GeoPoint {
    lat_e6: i32,
    lon_e6: i32,
}

impl GeoPoint {
    /// The point at `lat`, `lon` (WGS 84 degrees), rounded to a millionth of a degree.
    pub fn from_degrees(lat: f64, lon: f64) -> Result<GeoPoint, ModelError> {
        if !lat.is_finite() || !lon.is_finite() || lat.abs() > 90.0 || lon.abs() > 180.0 {
            return Err(ModelError::GpsOutOfRange);
        }
        // In range, so the rounded values fit i32 (180e6 < 2^31).
        Ok(GeoPoint {
            lat_e6: (lat * 1e6).round() as i32,
            lon_e6: (lon * 1e6).round() as i32,
        })
    }

    /// The point from millionths of a degree.
    pub fn from_micro_degrees(lat_e6: i32, lon_e6: i32) -> Result<GeoPoint, ModelError> {
        if lat_e6.unsigned_abs() > 90_000_000 || lon_e6.unsigned_abs() > 180_000_000 {
            return Err(ModelError::GpsOutOfRange);
        }
        Ok(GeoPoint { lat_e6, lon_e6 })
    }

    /// Latitude in degrees.
    pub fn lat(self) -> f64 {
        f64::from(self.lat_e6) / 1e6
    }

    /// Longitude in degrees.
    pub fn lon(self) -> f64 {
        f64::from(self.lon_e6) / 1e6
    }

    /// Latitude in millionths of a degree.
    pub fn lat_e6(self) -> i32 {
        self.lat_e6
    }

    /// Longitude in millionths of a degree.
    pub fn lon_e6(self) -> i32 {
        self.lon_e6
    }

    /// The sealed-value encoding: latitude then longitude, millionths of a degree, i32
    /// little-endian (8 bytes).
    pub fn to_bytes(self) -> [u8; 8] {
        let mut out = [0u8; 8];
        out[..4].copy_from_slice(&self.lat_e6.to_le_bytes());
        out[4..].copy_from_slice(&self.lon_e6.to_le_bytes());
        out
    }

    /// Decodes [`GeoPoint::to_bytes`]; `None` if not 8 bytes or out of range.
    pub fn from_bytes(bytes: &[u8]) -> Option<GeoPoint> {
        let b: [u8; 8] = bytes.try_into().ok()?;
        let lat = i32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let lon = i32::from_le_bytes([b[4], b[5], b[6], b[7]]);
        GeoPoint::from_micro_degrees(lat, lon).ok()
    }

    /// Checks that the point is a fix inside Mali: not 0,0 (a receiver without a fix), and
    /// inside Mali's bounding box (10.1°N-25.0°N, 12.3°W-4.3°E) with a margin of about
    /// 0.5° for sites on the borders.
    pub fn validate_in_mali(self) -> Result<(), ModelError> {
        if self.lat_e6 == 0 && self.lon_e6 == 0 {
            return Err(ModelError::GpsNoFix);
        }
        let lat_ok = (9_600_000..=25_500_000).contains(&self.lat_e6);
        let lon_ok = (-12_800_000..=4_800_000).contains(&self.lon_e6);
        if !(lat_ok && lon_ok) {
            return Err(ModelError::GpsOutsideMali);
        }
        Ok(())
    }
}

/// Where the household lives now.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DisplacementSite {
    pub region: Region,
    pub cercle: String,
    pub commune: String,
    /// Name of the site, camp or host neighbourhood.
    pub site_name: String,
    /// Optional; sealed at rest because it locates people.
    pub gps: Option<GeoPoint>,
}

/// Where the household comes from. Cercle, commune and village may be empty when not known.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    pub region: Region,
    pub cercle: String,
    pub commune: String,
    pub village: String,
}

/// Why the household left.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DisplacementReason {
    /// Armed conflict.
    Conflict,
    /// Violence outside armed conflict (intercommunal violence, banditry, threats).
    Violence,
    Flood,
    Drought,
    /// Another reason, described.
    Other(String),
}

impl DisplacementReason {
    /// Code stored in the clear (`Other` is 255; its text is sealed).
    pub fn code(&self) -> u8 {
        match self {
            DisplacementReason::Conflict => 1,
            DisplacementReason::Violence => 2,
            DisplacementReason::Flood => 3,
            DisplacementReason::Drought => 4,
            DisplacementReason::Other(_) => 255,
        }
    }
}

/// When and why the household was displaced.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Displacement {
    /// Date of displacement (as stated; the first of the month when only the month is known).
    pub date: Date,
    pub reason: DisplacementReason,
}

/// A registered household.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Household {
    pub id: HouseholdId,
    /// Member number of the head of household.
    pub head: MemberNo,
    pub members: Vec<Member>,
    pub site: DisplacementSite,
    pub origin: Origin,
    pub displacement: Displacement,
    /// When the household was first registered.
    pub registered_at: Timestamp,
    /// The operator who registered it.
    pub operator: OperatorId,
    /// The tablet it was registered on.
    pub device: DeviceId,
}

impl Household {
    /// The member with number `number`.
    pub fn member(&self, number: MemberNo) -> Option<&Member> {
        self.members.iter().find(|m| m.number == number)
    }

    /// The head of household.
    pub fn head_member(&self) -> Option<&Member> {
        self.member(self.head)
    }

    /// The person id of member `number` (whether or not that member exists).
    pub fn person_id(&self, number: MemberNo) -> PersonId {
        PersonId::new(self.id, number)
    }

    /// Checks the whole household against `now`: exactly one head, matching `head`; member
    /// numbers unique; every member valid (errors name the member); places, dates, codes.
    pub fn validate(&self, now: Timestamp) -> Result<(), ModelError> {
        check_time("registration", self.registered_at, now)?;
        if self.members.is_empty() {
            return Err(ModelError::NoMembers);
        }
        if self.members.len() > MAX_MEMBERS {
            return Err(ModelError::TooManyMembers {
                count: self.members.len(),
            });
        }
        let mut numbers = BTreeSet::new();
        for m in &self.members {
            if !numbers.insert(m.number) {
                return Err(ModelError::DuplicateMemberNumber { member: m.number });
            }
        }
        let heads = self
            .members
            .iter()
            .filter(|m| m.relation == Relation::Head)
            .count();
        match heads {
            0 => return Err(ModelError::NoHead),
            1 => {}
            _ => return Err(ModelError::MoreThanOneHead),
        }
        if self.head_member().map(|m| m.relation) != Some(Relation::Head) {
            return Err(ModelError::HeadMismatch { head: self.head });
        }
        for m in &self.members {
            m.validate(now).map_err(|e| ModelError::InMember {
                member: m.number,
                source: Box::new(e),
            })?;
        }
        check_text("cercle", &self.site.cercle, MAX_TEXT_CHARS, true)?;
        check_text("commune", &self.site.commune, MAX_TEXT_CHARS, true)?;
        check_text("site name", &self.site.site_name, MAX_TEXT_CHARS, true)?;
        if let Some(point) = self.site.gps {
            point.validate_in_mali()?;
        }
        check_text("cercle", &self.origin.cercle, MAX_TEXT_CHARS, false)?;
        check_text("commune", &self.origin.commune, MAX_TEXT_CHARS, false)?;
        check_text("village", &self.origin.village, MAX_TEXT_CHARS, false)?;
        if let DisplacementReason::Other(text) = &self.displacement.reason {
            check_text("reason", text, MAX_TEXT_CHARS, true)?;
        }
        if self.displacement.date > self.registered_at.date() {
            return Err(ModelError::DisplacementAfterRegistration);
        }
        if self.displacement.date < EARLIEST_DISPLACEMENT {
            return Err(ModelError::DisplacementTooEarly);
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Operators
// ---------------------------------------------------------------------------------------

/// What an operator may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Registers households and captures biometrics.
    Enumerator,
    /// Also overrides duplicate matches, resets locked PINs and erases households.
    Supervisor,
}

impl Role {
    /// Whether this role may override a duplicate match, reset a PIN or erase a household.
    pub fn is_supervisor(self) -> bool {
        self == Role::Supervisor
    }
}

/// A field staff account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    pub id: OperatorId,
    pub name: String,
    pub role: Role,
    /// The PIN, hashed with PBKDF2 (see `registry::pin`).
    pub pin: PinHash,
}

impl Operator {
    /// Checks the operator's fields.
    pub fn validate(&self) -> Result<(), ModelError> {
        check_text("operator name", &self.name, MAX_NAME_CHARS, true)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn ts(y: i32, m: u8, d: u8) -> Timestamp {
        Date::new(y, m, d).unwrap().start()
    }

    pub(crate) fn sample_person() -> Person {
        Person {
            given_names: "Fatoumata".into(),
            family_name: "Traoré".into(),
            other_names: String::new(),
            sex: Sex::Female,
            birth: Birth::Date(Date::new(1990, 5, 17).unwrap()),
            phone: Some(Phone::parse("76 12 34 56").unwrap()),
            document: Some(IdentityDocument {
                kind: DocumentKind::Nina,
                number: "12345678901234A".into(),
            }),
            vulnerabilities: [Vulnerability::PregnantOrLactating].into_iter().collect(),
            consent: Consent {
                decision: ConsentDecision::Given,
                at: Timestamp(ts(2025, 3, 1).0 + 3600),
                operator: OperatorId::new("OP-0042").unwrap(),
                method: ConsentMethod::Thumbprint,
            },
        }
    }

    fn capture(finger: FingerPosition) -> Capture {
        Capture {
            finger,
            outcome: CaptureOutcome::Captured(FingerSample {
                template: vec![1, 2, 3],
                quality: 70,
                image: Some(FingerImage {
                    format: FingerImageFormat::Wsq,
                    bytes: vec![0xFF, 0xA0],
                }),
            }),
        }
    }

    pub(crate) fn sample_household() -> Household {
        let id = HouseholdId::from_parts(Region::Gao, [7, 19, 3, 20, 9, 23, 29, 2]);
        let head = Member {
            number: MemberNo::new(1).unwrap(),
            relation: Relation::Head,
            person: Person {
                given_names: "Moussa".into(),
                family_name: "Maïga".into(),
                sex: Sex::Male,
                birth: Birth::Estimated {
                    years: 45,
                    as_of: Date::new(2025, 3, 1).unwrap(),
                },
                phone: None,
                document: None,
                vulnerabilities: Vulnerabilities::none(),
                ..sample_person()
            },
            captures: vec![
                capture(FingerPosition::RightThumb),
                capture(FingerPosition::LeftThumb),
            ],
            face: Some(FacePhoto {
                jpeg: vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0],
            }),
        };
        let spouse = Member {
            number: MemberNo::new(2).unwrap(),
            relation: Relation::Spouse,
            person: sample_person(),
            captures: vec![Capture {
                finger: FingerPosition::RightIndex,
                outcome: CaptureOutcome::Exception(CaptureException {
                    kind: CaptureExceptionKind::UnableToCapture,
                    reason: "crêtes usées".into(),
                }),
            }],
            face: None,
        };
        Household {
            id,
            head: MemberNo::new(1).unwrap(),
            members: vec![head, spouse],
            site: DisplacementSite {
                region: Region::Gao,
                cercle: "Gao".into(),
                commune: "Gao".into(),
                site_name: "Site de Château".into(),
                gps: Some(GeoPoint::from_degrees(16.2717, -0.0447).unwrap()),
            },
            origin: Origin {
                region: Region::Menaka,
                cercle: "Ménaka".into(),
                commune: "Inékar".into(),
                village: String::new(),
            },
            displacement: Displacement {
                date: Date::new(2024, 11, 2).unwrap(),
                reason: DisplacementReason::Conflict,
            },
            registered_at: Timestamp(ts(2025, 3, 1).0 + 7200),
            operator: OperatorId::new("OP-0042").unwrap(),
            device: DeviceId::new("TAB-GAO-07").unwrap(),
        }
    }

    fn now() -> Timestamp {
        ts(2025, 3, 2)
    }

    #[test]
    fn a_sample_household_is_valid() {
        assert_eq!(sample_household().validate(now()), Ok(()));
    }

    #[test]
    fn dates_convert_both_ways_and_reject_impossible_days() {
        for (y, m, d, days) in [
            (1970, 1, 1, 0),
            (2000, 2, 29, 11_016),
            (1969, 12, 31, -1),
            (2024, 12, 31, 20_088),
        ] {
            let date = Date::new(y, m, d).unwrap();
            assert_eq!(date.days_since_epoch(), days, "{date}");
            assert_eq!(Date::from_days_since_epoch(days), Some(date));
        }
        for days in (-719_162..2_932_897).step_by(997) {
            let date = Date::from_days_since_epoch(days).unwrap();
            assert_eq!(date.days_since_epoch(), days);
        }
        assert!(Date::new(2023, 2, 29).is_err());
        assert!(Date::new(1900, 2, 29).is_err());
        assert!(Date::new(2025, 4, 31).is_err());
        assert!(Date::new(2025, 13, 1).is_err());
        assert!(Date::new(0, 1, 1).is_err());
        assert!(Date::new(-5, 1, 1).is_err());
        assert_eq!(Timestamp(-1).date(), Date::new(1969, 12, 31).unwrap());
        assert_eq!(Timestamp(i64::MIN).date().year(), 1);
        assert_eq!(Timestamp(i64::MAX).date().year(), 9999);
        let born = Date::new(2000, 3, 15).unwrap();
        assert_eq!(born.whole_years_until(Date::new(2025, 3, 14).unwrap()), 24);
        assert_eq!(born.whole_years_until(Date::new(2025, 3, 15).unwrap()), 25);
        assert_eq!(born.whole_years_until(Date::new(1999, 1, 1).unwrap()), 0);
    }

    #[test]
    fn exactly_one_head_who_is_the_head_field() {
        let mut h = sample_household();
        h.members[1].relation = Relation::Head;
        assert_eq!(h.validate(now()), Err(ModelError::MoreThanOneHead));
        let mut h = sample_household();
        h.members[0].relation = Relation::Sibling;
        assert_eq!(h.validate(now()), Err(ModelError::NoHead));
        let mut h = sample_household();
        h.head = MemberNo::new(2).unwrap();
        assert!(matches!(
            h.validate(now()),
            Err(ModelError::HeadMismatch { .. })
        ));
        let mut h = sample_household();
        h.members[1].number = MemberNo::new(1).unwrap();
        assert!(matches!(
            h.validate(now()),
            Err(ModelError::DuplicateMemberNumber { .. })
        ));
        let mut h = sample_household();
        h.members.clear();
        assert_eq!(h.validate(now()), Err(ModelError::NoMembers));
    }

    #[test]
    fn no_biometrics_without_consent_given() {
        let mut h = sample_household();
        h.members[0].person.consent.decision = ConsentDecision::Refused;
        let err = h.validate(now()).unwrap_err();
        assert_eq!(
            err,
            ModelError::InMember {
                member: MemberNo::new(1).unwrap(),
                source: Box::new(ModelError::BiometricsWithoutConsent)
            }
        );
        assert!(err.to_string().starts_with("member 01: "));
        assert!(err.message_fr().contains("consentement"));
        // An exception is biometric data too (health information).
        let mut h = sample_household();
        h.members[1].person.consent.decision = ConsentDecision::Refused;
        assert!(h.validate(now()).is_err());
        h.members[1].captures.clear();
        assert_eq!(h.validate(now()), Ok(()));
    }

    #[test]
    fn captures_are_checked() {
        let mut m = sample_household().members.remove(0);
        m.captures.push(capture(FingerPosition::RightThumb));
        assert_eq!(
            m.validate(now()),
            Err(ModelError::DuplicateFinger {
                finger: FingerPosition::RightThumb
            })
        );
        let mut m = sample_household().members.remove(0);
        if let CaptureOutcome::Captured(s) = &mut m.captures[0].outcome {
            s.quality = 101;
        }
        assert_eq!(
            m.validate(now()),
            Err(ModelError::QualityOutOfRange { quality: 101 })
        );
        let mut m = sample_household().members.remove(1);
        if let CaptureOutcome::Exception(e) = &mut m.captures[0].outcome {
            e.reason.clear();
        }
        assert_eq!(m.validate(now()), Err(ModelError::MissingExceptionReason));
        let mut m = sample_household().members.remove(0);
        m.face = Some(FacePhoto {
            jpeg: b"\x89PNG\r\n".to_vec(),
        });
        assert_eq!(m.validate(now()), Err(ModelError::PhotoNotJpeg));
        assert!(
            !format!("{m:?}").contains("1, 2, 3"),
            "template bytes in Debug output"
        );
    }

    #[test]
    fn dates_must_be_plausible() {
        let mut h = sample_household();
        h.registered_at = ts(2000, 1, 1);
        assert_eq!(
            h.validate(now()),
            Err(ModelError::TimeTooEarly {
                field: "registration"
            })
        );
        let mut h = sample_household();
        h.registered_at = ts(2025, 3, 5);
        assert_eq!(
            h.validate(now()),
            Err(ModelError::TimeInFuture {
                field: "registration"
            })
        );
        let mut h = sample_household();
        h.displacement.date = Date::new(2025, 3, 2).unwrap();
        assert_eq!(
            h.validate(now()),
            Err(ModelError::DisplacementAfterRegistration)
        );
        let mut h = sample_household();
        h.displacement.date = Date::new(1959, 12, 31).unwrap();
        assert_eq!(h.validate(now()), Err(ModelError::DisplacementTooEarly));
        let mut p = sample_person();
        p.birth = Birth::Date(Date::new(2025, 3, 3).unwrap());
        assert_eq!(p.validate(now()), Err(ModelError::BirthInFuture));
        p.birth = Birth::Date(Date::new(1899, 12, 31).unwrap());
        assert_eq!(p.validate(now()), Err(ModelError::BirthTooEarly));
        p.birth = Birth::Date(Date::new(1901, 1, 1).unwrap());
        assert_eq!(
            p.validate(now()),
            Err(ModelError::AgeTooHigh { years: 124 })
        );
        p.birth = Birth::Estimated {
            years: 121,
            as_of: Date::new(2025, 1, 1).unwrap(),
        };
        assert_eq!(
            p.validate(now()),
            Err(ModelError::AgeTooHigh { years: 121 })
        );
        p.birth = Birth::Estimated {
            years: 30,
            as_of: Date::new(2026, 1, 1).unwrap(),
        };
        assert_eq!(p.validate(now()), Err(ModelError::EstimateDateImplausible));
        p.birth = Birth::Estimated {
            years: 30,
            as_of: Date::new(2024, 6, 1).unwrap(),
        };
        assert_eq!(p.birth.age_on(Date::new(2025, 6, 1).unwrap()), 31);
        assert_eq!(p.validate(now()), Ok(()));
        p.consent.at = Timestamp(0);
        assert_eq!(
            p.validate(now()),
            Err(ModelError::TimeTooEarly { field: "consent" })
        );
    }

    #[test]
    fn names_and_texts_are_checked() {
        let mut p = sample_person();
        p.given_names.clear();
        p.family_name.clear();
        assert_eq!(p.validate(now()), Err(ModelError::NoName));
        let mut p = sample_person();
        p.family_name = "Trao\u{301}re".into();
        assert!(matches!(
            p.validate(now()),
            Err(ModelError::TextNotClean { .. })
        ));
        p.family_name = clean_text("  Trao\u{301}re  ");
        assert_eq!(p.family_name, "Traóre");
        assert_eq!(p.validate(now()), Ok(()));
        p.family_name = "Tra\u{7}oré".into();
        assert!(matches!(
            p.validate(now()),
            Err(ModelError::ControlCharacter { .. })
        ));
        p.family_name = "x".repeat(101);
        assert!(matches!(
            p.validate(now()),
            Err(ModelError::TextTooLong { max: 100, .. })
        ));
        assert_eq!(clean_text(" Aïcha \t  Cissé\n"), "Aïcha Cissé");
        let mut p = sample_person();
        p.sex = Sex::Male;
        assert_eq!(p.validate(now()), Err(ModelError::PregnancyRequiresFemale));
        let mut h = sample_household();
        h.site.site_name.clear();
        assert_eq!(
            h.validate(now()),
            Err(ModelError::MissingText { field: "site name" })
        );
        let mut h = sample_household();
        h.displacement.reason = DisplacementReason::Other(String::new());
        assert_eq!(
            h.validate(now()),
            Err(ModelError::MissingText { field: "reason" })
        );
        assert!(OperatorId::new("Fatoumata Traoré").is_err());
        assert!(OperatorId::new("").is_err());
        assert!(DeviceId::new(&"x".repeat(33)).is_err());
        assert!(OperatorId::new("SUP_01.gao").is_ok());
    }

    #[test]
    fn phones_mali_and_foreign() {
        for typed in [
            "76 12 34 56",
            "+223 76-12-34-56",
            "0022376123456",
            "22376123456",
            "(+223) 76.12.34.56",
        ] {
            let p = Phone::parse(typed).unwrap();
            assert_eq!(p.as_str(), "+22376123456", "{typed}");
            assert!(p.is_mali());
        }
        let bf = Phone::parse("+226 70 12 34 56").unwrap();
        assert_eq!(bf.as_str(), "+22670123456");
        assert!(!bf.is_mali());
        assert_eq!(
            Phone::parse("0022770123456").unwrap().as_str(),
            "+22770123456"
        );
        assert_eq!(
            Phone::parse("7612345"),
            Err(ModelError::MaliPhoneWrongLength { digits: 7 })
        );
        assert_eq!(
            Phone::parse("+223 7612345"),
            Err(ModelError::MaliPhoneWrongLength { digits: 7 })
        );
        assert_eq!(
            Phone::parse("06123456"),
            Err(ModelError::MaliPhoneBadPrefix)
        );
        assert_eq!(Phone::parse(""), Err(ModelError::PhoneEmpty));
        assert_eq!(
            Phone::parse("76 12 34 5x"),
            Err(ModelError::PhoneInvalidCharacters)
        );
        assert_eq!(
            Phone::parse("7+6123456"),
            Err(ModelError::PhoneInvalidCharacters)
        );
        assert_eq!(
            Phone::parse("+1234567"),
            Err(ModelError::ForeignPhoneWrongLength { digits: 7 })
        );
        assert_eq!(
            Phone::parse("+1234567890123456"),
            Err(ModelError::ForeignPhoneWrongLength { digits: 16 })
        );
    }

    #[test]
    fn gps_points_are_checked() {
        let gao = GeoPoint::from_degrees(16.2717, -0.0447).unwrap();
        assert_eq!(gao.lat_e6(), 16_271_700);
        assert_eq!(gao.lon_e6(), -44_700);
        assert!((gao.lat() - 16.2717).abs() < 1e-9);
        assert_eq!(GeoPoint::from_bytes(&gao.to_bytes()), Some(gao));
        assert_eq!(GeoPoint::from_bytes(&gao.to_bytes()[..7]), None);
        assert_eq!(
            GeoPoint::from_bytes(&[0xFF; 8]).map(|p| p.lat_e6()),
            Some(-1)
        );
        assert_eq!(GeoPoint::from_bytes(&[0, 0, 0, 0x7F, 0, 0, 0, 0]), None);
        assert_eq!(gao.validate_in_mali(), Ok(()));
        assert_eq!(
            GeoPoint::from_degrees(f64::NAN, 0.0),
            Err(ModelError::GpsOutOfRange)
        );
        assert_eq!(
            GeoPoint::from_degrees(91.0, 0.0),
            Err(ModelError::GpsOutOfRange)
        );
        assert_eq!(
            GeoPoint::from_degrees(0.0, -180.5),
            Err(ModelError::GpsOutOfRange)
        );
        assert_eq!(
            GeoPoint::from_micro_degrees(0, 0)
                .unwrap()
                .validate_in_mali(),
            Err(ModelError::GpsNoFix)
        );
        // Paris, and Gao with latitude and longitude swapped (a classic entry error).
        assert_eq!(
            GeoPoint::from_degrees(48.85, 2.35)
                .unwrap()
                .validate_in_mali(),
            Err(ModelError::GpsOutsideMali)
        );
        assert_eq!(
            GeoPoint::from_degrees(-0.0447, 16.2717)
                .unwrap()
                .validate_in_mali(),
            Err(ModelError::GpsOutsideMali)
        );
        let mut h = sample_household();
        h.site.gps = Some(GeoPoint::from_micro_degrees(0, 0).unwrap());
        assert_eq!(h.validate(now()), Err(ModelError::GpsNoFix));
    }

    #[test]
    fn codes_round_trip() {
        for f in FingerPosition::ALL {
            assert_eq!(FingerPosition::from_code(f.code()), Some(f));
        }
        assert_eq!(FingerPosition::RightThumb.code(), 1);
        assert_eq!(FingerPosition::LeftLittle.code(), 10);
        assert_eq!(FingerPosition::from_code(0), None);
        assert_eq!(FingerPosition::from_code(11), None);
        for r in Relation::ALL {
            assert_eq!(Relation::from_code(r.code()), Some(r));
        }
        assert_eq!(Relation::from_code(0), None);
        let all: Vulnerabilities = Vulnerability::ALL.into_iter().collect();
        assert_eq!(all.bits(), Vulnerabilities::KNOWN_BITS);
        assert_eq!(all.iter().count(), 11);
        assert_eq!(Vulnerabilities::from_bits(1 << 11), None);
        assert_eq!(
            Vulnerability::ALL
                .iter()
                .filter(|v| v.is_disability())
                .count(),
            6
        );
        assert_eq!(Sex::from_iso5218(Sex::Female.iso5218()), Some(Sex::Female));
        assert_eq!(Sex::Male.iso5218(), 1);
        for code in 0..=255u8 {
            if let Some(k) = DocumentKind::from_code(code) {
                assert_eq!(k.code(), code);
            }
        }
    }

    #[test]
    fn every_error_has_a_french_message() {
        let errors = [
            ModelError::InvalidDate {
                year: 2023,
                month: 2,
                day: 29,
            },
            ModelError::TimeInFuture {
                field: "registration",
            },
            ModelError::MissingText {
                field: "family name",
            },
            ModelError::GpsOutsideMali,
            ModelError::DuplicateFinger {
                finger: FingerPosition::LeftRing,
            },
        ];
        for e in errors {
            assert!(!e.message_fr().is_empty());
            assert_ne!(e.message_fr(), e.to_string());
        }
    }
}
