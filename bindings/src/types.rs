//! Plain data for the screens: enums and records that mirror the registry's model, with the
//! conversions to and from core's types.
//!
//! Mirrors rather than uniffi annotations on core's own types, because core knows nothing of
//! uniffi (ARCHITECTURE.md). Ids cross as text (`GAO-7K3M-9QX2-C`, `GAO-7K3M-9QX2-C/03`):
//! that is how operators read, type and scan them.

use jatigi_core::registry::model as m;
use jatigi_core::registry::{Region as CoreRegion, Role as CoreRole};

/// Regions of Mali (the 2023 division), the first part of a household id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Region {
    Bamako,
    Kayes,
    Koulikoro,
    Sikasso,
    Segou,
    Mopti,
    Tombouctou,
    Gao,
    Kidal,
    Taoudenit,
    Menaka,
    NioroDuSahel,
    Kita,
    Dioila,
    Nara,
    Bougouni,
    Koutiala,
    San,
    Douentza,
    Bandiagara,
}

impl From<Region> for CoreRegion {
    fn from(r: Region) -> CoreRegion {
        use Region::*;
        match r {
            Bamako => CoreRegion::Bamako,
            Kayes => CoreRegion::Kayes,
            Koulikoro => CoreRegion::Koulikoro,
            Sikasso => CoreRegion::Sikasso,
            Segou => CoreRegion::Segou,
            Mopti => CoreRegion::Mopti,
            Tombouctou => CoreRegion::Tombouctou,
            Gao => CoreRegion::Gao,
            Kidal => CoreRegion::Kidal,
            Taoudenit => CoreRegion::Taoudenit,
            Menaka => CoreRegion::Menaka,
            NioroDuSahel => CoreRegion::NioroDuSahel,
            Kita => CoreRegion::Kita,
            Dioila => CoreRegion::Dioila,
            Nara => CoreRegion::Nara,
            Bougouni => CoreRegion::Bougouni,
            Koutiala => CoreRegion::Koutiala,
            San => CoreRegion::San,
            Douentza => CoreRegion::Douentza,
            Bandiagara => CoreRegion::Bandiagara,
        }
    }
}

/// The region's name as written in French, with its diacritics (`Ségou`), for lists.
#[uniffi::export]
pub fn region_name(region: Region) -> String {
    CoreRegion::from(region).name().to_string()
}

/// A finger, with the ISO/IEC 19794-2 position codes 1-10 in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Finger {
    RightThumb,
    RightIndex,
    RightMiddle,
    RightRing,
    RightLittle,
    LeftThumb,
    LeftIndex,
    LeftMiddle,
    LeftRing,
    LeftLittle,
}

impl From<Finger> for m::FingerPosition {
    fn from(f: Finger) -> m::FingerPosition {
        use m::FingerPosition as P;
        match f {
            Finger::RightThumb => P::RightThumb,
            Finger::RightIndex => P::RightIndex,
            Finger::RightMiddle => P::RightMiddle,
            Finger::RightRing => P::RightRing,
            Finger::RightLittle => P::RightLittle,
            Finger::LeftThumb => P::LeftThumb,
            Finger::LeftIndex => P::LeftIndex,
            Finger::LeftMiddle => P::LeftMiddle,
            Finger::LeftRing => P::LeftRing,
            Finger::LeftLittle => P::LeftLittle,
        }
    }
}

impl From<m::FingerPosition> for Finger {
    fn from(p: m::FingerPosition) -> Finger {
        use m::FingerPosition as P;
        match p {
            P::RightThumb => Finger::RightThumb,
            P::RightIndex => Finger::RightIndex,
            P::RightMiddle => Finger::RightMiddle,
            P::RightRing => Finger::RightRing,
            P::RightLittle => Finger::RightLittle,
            P::LeftThumb => Finger::LeftThumb,
            P::LeftIndex => Finger::LeftIndex,
            P::LeftMiddle => Finger::LeftMiddle,
            P::LeftRing => Finger::LeftRing,
            P::LeftLittle => Finger::LeftLittle,
        }
    }
}

impl Finger {
    /// The finger with ISO position code `code` (1-10); `None` for 0 ("unknown").
    pub(crate) fn from_code(code: u8) -> Option<Finger> {
        m::FingerPosition::from_code(code).map(Finger::from)
    }
}

/// What an operator may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Role {
    /// Registers households and captures fingerprints.
    Enumerator,
    /// Also overrides duplicate matches and manages operators.
    Supervisor,
}

impl From<Role> for CoreRole {
    fn from(r: Role) -> CoreRole {
        match r {
            Role::Enumerator => CoreRole::Enumerator,
            Role::Supervisor => CoreRole::Supervisor,
        }
    }
}

impl From<CoreRole> for Role {
    fn from(r: CoreRole) -> Role {
        match r {
            CoreRole::Enumerator => Role::Enumerator,
            CoreRole::Supervisor => Role::Supervisor,
        }
    }
}

/// Sex as recorded at registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Sex {
    Female,
    Male,
}

impl From<Sex> for m::Sex {
    fn from(s: Sex) -> m::Sex {
        match s {
            Sex::Female => m::Sex::Female,
            Sex::Male => m::Sex::Male,
        }
    }
}

/// Relation of a member to the head of household.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
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

impl From<Relation> for m::Relation {
    fn from(r: Relation) -> m::Relation {
        use m::Relation as R;
        match r {
            Relation::Head => R::Head,
            Relation::Spouse => R::Spouse,
            Relation::Child => R::Child,
            Relation::Parent => R::Parent,
            Relation::Sibling => R::Sibling,
            Relation::Grandchild => R::Grandchild,
            Relation::OtherRelative => R::OtherRelative,
            Relation::NonRelative => R::NonRelative,
        }
    }
}

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct CalendarDate {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl TryFrom<CalendarDate> for m::Date {
    type Error = m::ModelError;
    fn try_from(d: CalendarDate) -> Result<m::Date, m::ModelError> {
        m::Date::new(d.year, d.month, d.day)
    }
}

/// Date of birth, or an age estimated today when the date is not known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum BirthInfo {
    /// Date of birth as stated or documented.
    Date { date: CalendarDate },
    /// Age in whole years, as estimated today.
    EstimatedAge { years: u8 },
}

/// Kind of identity document shown at registration.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum DocumentKind {
    NationalIdCard,
    Nina,
    BirthCertificate,
    SupplementaryJudgment,
    Passport,
    ConsularCard,
    VoterCard,
    /// Another document, named.
    Other { name: String },
}

impl From<DocumentKind> for m::DocumentKind {
    fn from(k: DocumentKind) -> m::DocumentKind {
        use m::DocumentKind as D;
        match k {
            DocumentKind::NationalIdCard => D::NationalIdCard,
            DocumentKind::Nina => D::Nina,
            DocumentKind::BirthCertificate => D::BirthCertificate,
            DocumentKind::SupplementaryJudgment => D::SupplementaryJudgment,
            DocumentKind::Passport => D::Passport,
            DocumentKind::ConsularCard => D::ConsularCard,
            DocumentKind::VoterCard => D::VoterCard,
            DocumentKind::Other { name } => D::Other(m::clean_text(&name)),
        }
    }
}

/// An identity document: its kind and number as written on it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct IdentityDocument {
    pub kind: DocumentKind,
    pub number: String,
}

/// A specific need recorded for protection and assistance (Washington Group domains and
/// protection flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Vulnerability {
    Seeing,
    Hearing,
    Walking,
    Cognition,
    SelfCare,
    Communication,
    PregnantOrLactating,
    UnaccompaniedChild,
    SeparatedChild,
    OlderPerson,
    ChronicIllness,
}

impl From<Vulnerability> for m::Vulnerability {
    fn from(v: Vulnerability) -> m::Vulnerability {
        use m::Vulnerability as V;
        match v {
            Vulnerability::Seeing => V::Seeing,
            Vulnerability::Hearing => V::Hearing,
            Vulnerability::Walking => V::Walking,
            Vulnerability::Cognition => V::Cognition,
            Vulnerability::SelfCare => V::SelfCare,
            Vulnerability::Communication => V::Communication,
            Vulnerability::PregnantOrLactating => V::PregnantOrLactating,
            Vulnerability::UnaccompaniedChild => V::UnaccompaniedChild,
            Vulnerability::SeparatedChild => V::SeparatedChild,
            Vulnerability::OlderPerson => V::OlderPerson,
            Vulnerability::ChronicIllness => V::ChronicIllness,
        }
    }
}

/// Whether the person agreed to the collection of their biometrics and personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ConsentDecision {
    Given,
    Refused,
}

/// How consent was expressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ConsentMethod {
    /// Said aloud after the information notice was read.
    Verbal,
    /// A signed form.
    Signed,
    /// A form marked with an ink thumbprint.
    Thumbprint,
}

impl From<ConsentDecision> for m::ConsentDecision {
    fn from(d: ConsentDecision) -> m::ConsentDecision {
        match d {
            ConsentDecision::Given => m::ConsentDecision::Given,
            ConsentDecision::Refused => m::ConsentDecision::Refused,
        }
    }
}

impl From<ConsentMethod> for m::ConsentMethod {
    fn from(c: ConsentMethod) -> m::ConsentMethod {
        match c {
            ConsentMethod::Verbal => m::ConsentMethod::Verbal,
            ConsentMethod::Signed => m::ConsentMethod::Signed,
            ConsentMethod::Thumbprint => m::ConsentMethod::Thumbprint,
        }
    }
}

/// Why a finger has no fingerprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum FingerException {
    Amputated,
    /// Wounded or bandaged.
    Injured,
    /// Captures failed (worn ridges, scanner failure...): a reason is required.
    UnableToCapture,
}

impl From<FingerException> for m::CaptureExceptionKind {
    fn from(e: FingerException) -> m::CaptureExceptionKind {
        match e {
            FingerException::Amputated => m::CaptureExceptionKind::Amputated,
            FingerException::Injured => m::CaptureExceptionKind::Injured,
            FingerException::UnableToCapture => m::CaptureExceptionKind::UnableToCapture,
        }
    }
}

/// Why the household left.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum DisplacementReason {
    Conflict,
    Violence,
    Flood,
    Drought,
    /// Another reason, described.
    Other { description: String },
}

impl From<DisplacementReason> for m::DisplacementReason {
    fn from(r: DisplacementReason) -> m::DisplacementReason {
        use m::DisplacementReason as D;
        match r {
            DisplacementReason::Conflict => D::Conflict,
            DisplacementReason::Violence => D::Violence,
            DisplacementReason::Flood => D::Flood,
            DisplacementReason::Drought => D::Drought,
            DisplacementReason::Other { description } => D::Other(m::clean_text(&description)),
        }
    }
}

/// A GPS point in WGS 84 degrees.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct GpsPoint {
    pub latitude: f64,
    pub longitude: f64,
}

/// Where the household lives now.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DisplacementSite {
    pub region: Region,
    pub cercle: String,
    pub commune: String,
    /// Name of the site, camp or host neighbourhood.
    pub site_name: String,
    #[uniffi(default = None)]
    pub gps: Option<GpsPoint>,
}

/// Where the household comes from; cercle, commune and village may be empty.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Origin {
    pub region: Region,
    #[uniffi(default = "")]
    pub cercle: String,
    #[uniffi(default = "")]
    pub commune: String,
    #[uniffi(default = "")]
    pub village: String,
}

/// An operator as the screens show them (never the PIN).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OperatorInfo {
    pub id: String,
    pub name: String,
    pub role: Role,
}

impl From<&m::Operator> for OperatorInfo {
    fn from(o: &m::Operator) -> OperatorInfo {
        OperatorInfo { id: o.id.to_string(), name: o.name.clone(), role: o.role.into() }
    }
}

/// One finger's calibrated score against a candidate (40 = 1 false match in 10,000).
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct FingerScore {
    /// `None` when the template did not say which finger it is.
    pub finger: Option<Finger>,
    pub score: f32,
}

/// An enrolled person who may be the person at hand.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Candidate {
    /// `GAO-7K3M-9QX2-C/03`.
    pub person_id: String,
    /// Given names and family name, to show beside the score (empty if unreadable).
    pub name: String,
    /// Fused score of all compared fingers (sum of the calibrated finger scores).
    pub score: f32,
    /// The false match rate that score stands for.
    pub false_match_rate: f64,
    /// At or above the decision threshold: the operator must decide.
    pub needs_decision: bool,
    pub fingers: Vec<FingerScore>,
}

/// A person found by name.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NameMatch {
    pub person_id: String,
    pub household_id: String,
    pub name: String,
    /// 0-1, accents and case ignored.
    pub similarity: f64,
}
