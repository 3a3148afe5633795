//! The household enrollment session: what the enrollment screens drive, from the household's
//! details to the save.
//!
//! The order is the field's: add members, record each one's consent, capture their fingers
//! (best of a few attempts each), check everyone for duplicates, decide about each match,
//! save the household in one transaction. The rules are core's (`registry::enrollment`,
//! `Household::validate`); this object only holds the household being built, so that no
//! screen has to, and turns it into core's model when checking and saving.
//!
//! The draft lives behind a mutex; a capture releases it while the scanner works, so the
//! screen can still read the member list or abandon meanwhile.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use jatigi_core::biometrics::Matcher;
use jatigi_core::registry::enrollment::{AttemptVerdict as CoreVerdict, CapturePolicy, FingerAttempts, MemberCandidates};
use jatigi_core::registry::model::{self as m, clean_text};
use jatigi_core::registry::repository::DuplicateDecision;
use jatigi_core::registry::{HouseholdId, MemberNo, Operator, PersonId, Timestamp};

use crate::capture::CapturedFinger;
use crate::error::JatigiError;
use crate::progress::{CancelToken, ProgressListener, Reporter, Stage};
use crate::scanner::ScannerSession;
use crate::store::{candidate, lock, now, OperatorSession, Shared};
use crate::types::{
    BirthInfo, Candidate, CalendarDate, ConsentDecision, ConsentMethod, DisplacementReason, DisplacementSite, Finger,
    FingerException, IdentityDocument, Origin, Relation, Sex, Vulnerability,
};

/// The household as the first screen collects it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HouseholdDetails {
    /// Where the household lives now (its region starts the household id).
    pub site: DisplacementSite,
    pub origin: Origin,
    /// When it was displaced (the first of the month if only the month is known).
    pub displaced_on: CalendarDate,
    pub reason: DisplacementReason,
}

/// One member as the member screen collects them. Text is cleaned (spaces, Unicode form)
/// before it is checked.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MemberDetails {
    pub relation: Relation,
    pub given_names: String,
    pub family_name: String,
    #[uniffi(default = "")]
    pub other_names: String,
    pub sex: Sex,
    pub birth: BirthInfo,
    /// As typed: `76 12 34 56`, `+223 76-12-34-56`, `+226 ...`.
    #[uniffi(default = None)]
    pub phone: Option<String>,
    #[uniffi(default = None)]
    pub document: Option<IdentityDocument>,
    #[uniffi(default = [])]
    pub vulnerabilities: Vec<Vulnerability>,
}

/// What the screen should do after a capture attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum AttemptVerdict {
    /// Good enough: go to the next finger.
    Accepted,
    /// Below the quality asked for: scan the same finger again.
    TryAgain { remaining: u8 },
    /// No attempts left: the best one is kept; go on.
    KeptBest,
}

/// An 8-bit grey fingerprint image at 500 dpi, row-major, 0 = black (ridge).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FingerprintImage {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

/// The result of one capture attempt.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CaptureAttempt {
    pub member: u8,
    pub finger: Finger,
    /// This attempt's quality, 0-100.
    pub quality: u8,
    pub verdict: AttemptVerdict,
    /// The best quality of this finger so far (what will be kept).
    pub best_quality: u8,
    /// This attempt's image, to show the operator.
    pub image: Option<FingerprintImage>,
}

/// What the operator decided about a member who matched enrolled persons.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Decision {
    /// None of the candidates is this member.
    NewPerson,
    /// The member is this candidate, already enrolled: linked to them, and their
    /// fingerprints not saved twice.
    SamePerson { person_id: String },
}

/// The candidates found for one member.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MemberMatches {
    pub member: u8,
    pub name: String,
    /// Some candidate scores at or above the decision threshold: decide before saving.
    pub needs_decision: bool,
    pub candidates: Vec<Candidate>,
}

/// A member of the household being enrolled, for the household screen.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MemberSummary {
    pub member: u8,
    pub name: String,
    pub relation: Relation,
    /// `None` until consent is recorded.
    pub consent: Option<ConsentDecision>,
    /// Fingers with a kept capture.
    pub fingers_captured: Vec<Finger>,
    /// Fingers recorded as missing, injured or impossible to capture.
    pub fingers_excepted: Vec<Finger>,
    /// Whether a face photo is kept for the member.
    pub has_face_photo: bool,
}

/// A member as saved.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SavedMember {
    pub member: u8,
    /// `GAO-7K3M-9QX2-C/03`.
    pub person_id: String,
    /// The enrolled person this member was linked to (decision `SamePerson`).
    pub linked_to: Option<String>,
}

/// The household as saved.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SavedHousehold {
    pub household_id: String,
    pub members: Vec<SavedMember>,
    /// Fingerprints saved (linked members' fingerprints are not saved twice).
    pub fingers_saved: u32,
}

/// The captures of one finger.
enum FingerDraft {
    Attempts(FingerAttempts),
    Exception(m::CaptureException),
}

struct DraftMember {
    number: MemberNo,
    relation: m::Relation,
    /// Its consent is "refused" until the operator records the real one.
    person: m::Person,
    consent_recorded: bool,
    fingers: BTreeMap<m::FingerPosition, FingerDraft>,
    face: Option<m::FacePhoto>,
}

impl DraftMember {
    fn name(&self) -> String {
        format!("{} {}", self.person.given_names, self.person.family_name).trim().to_string()
    }

    fn may_capture(&self) -> Result<(), JatigiError> {
        if self.consent_recorded && self.person.consent.allows_biometrics() {
            Ok(())
        } else {
            Err(JatigiError::ConsentRequired { member: self.number.get() })
        }
    }
}

struct Draft {
    details: HouseholdDetails,
    members: Vec<DraftMember>,
    next_number: u8,
    decisions: Vec<(MemberNo, DuplicateDecision)>,
    /// Who authorised the overrides among `decisions`; the household is saved under them.
    supervisor: Option<Operator>,
    last_check: Vec<MemberCandidates>,
    closed: bool,
}

impl Draft {
    fn member(&mut self, number: u8) -> Result<&mut DraftMember, JatigiError> {
        self.members.iter_mut().find(|m| m.number.get() == number).ok_or(JatigiError::UnknownMember { member: number })
    }

    /// Whether `person` is among the candidates the last check found for `member`.
    fn was_candidate(&self, member: MemberNo, person: &PersonId) -> bool {
        self.last_check.iter().filter(|c| c.member == member).flat_map(|c| &c.candidates).any(|c| &c.person == person)
    }

    fn decide(&mut self, member: MemberNo, decision: DuplicateDecision) {
        self.decisions.retain(|(n, _)| *n != member);
        self.decisions.push((member, decision));
    }
}

/// Largest face photo kept: a 1600x1200 camera JPEG is well under it; the store seals it
/// whole, so a larger file only costs space and export time.
pub const MAX_FACE_PHOTO_BYTES: usize = 2 << 20;

/// One household being enrolled. Safe from any thread; after `save` or `abandon` every
/// call fails with `SessionClosed`.
#[derive(uniffi::Object)]
pub struct EnrollmentSession {
    shared: Arc<Shared>,
    operator: Operator,
    id: HouseholdId,
    started_at: Timestamp,
    draft: Mutex<Draft>,
}

impl EnrollmentSession {
    pub(crate) fn new(shared: Arc<Shared>, operator: Operator, id: HouseholdId, details: HouseholdDetails, started_at: Timestamp) -> Self {
        let draft = Draft {
            details,
            members: Vec::new(),
            next_number: 1,
            decisions: Vec::new(),
            supervisor: None,
            last_check: Vec::new(),
            closed: false,
        };
        EnrollmentSession { shared, operator, id, started_at, draft: Mutex::new(draft) }
    }

    /// The draft, if the session is still open.
    fn open(&self) -> Result<MutexGuard<'_, Draft>, JatigiError> {
        let draft = lock(&self.draft);
        if draft.closed {
            return Err(JatigiError::SessionClosed);
        }
        Ok(draft)
    }

    /// The person record of `details`, its consent not yet given.
    fn person(&self, details: MemberDetails, today: m::Date) -> Result<m::Person, JatigiError> {
        let birth = match details.birth {
            BirthInfo::Date { date } => m::Birth::Date(date.try_into()?),
            BirthInfo::EstimatedAge { years } => m::Birth::Estimated { years, as_of: today },
        };
        let phone = match details.phone.as_deref().map(str::trim) {
            Some(text) if !text.is_empty() => Some(m::Phone::parse(text)?),
            _ => None,
        };
        Ok(m::Person {
            given_names: clean_text(&details.given_names),
            family_name: clean_text(&details.family_name),
            other_names: clean_text(&details.other_names),
            sex: details.sex.into(),
            birth,
            phone,
            document: details
                .document
                .map(|d| m::IdentityDocument { kind: d.kind.into(), number: clean_text(&d.number) }),
            vulnerabilities: details.vulnerabilities.into_iter().map(m::Vulnerability::from).collect(),
            consent: m::Consent {
                decision: m::ConsentDecision::Refused,
                at: self.started_at,
                operator: self.operator.id.clone(),
                method: m::ConsentMethod::Verbal,
            },
        })
    }

    /// Core's household from the draft; members whose consent is not recorded are left out
    /// when `all` is false (they have no fingerprints to check).
    fn household(&self, draft: &Draft, all: bool) -> Result<m::Household, JatigiError> {
        let d = &draft.details;
        let gps = match d.site.gps {
            Some(p) => Some(m::GeoPoint::from_degrees(p.latitude, p.longitude)?),
            None => None,
        };
        let members: Vec<m::Member> = draft
            .members
            .iter()
            .filter(|dm| all || dm.consent_recorded)
            .map(|dm| m::Member {
                number: dm.number,
                relation: dm.relation,
                person: dm.person.clone(),
                captures: dm
                    .fingers
                    .iter()
                    .filter_map(|(finger, draft)| {
                        let outcome = match draft {
                            FingerDraft::Attempts(attempts) => m::CaptureOutcome::Captured(attempts.best()?.clone()),
                            FingerDraft::Exception(e) => m::CaptureOutcome::Exception(e.clone()),
                        };
                        Some(m::Capture { finger: *finger, outcome })
                    })
                    .collect(),
                face: dm.face.clone(),
            })
            .collect();
        let head = members
            .iter()
            .find(|m| m.relation == m::Relation::Head)
            .or(members.first())
            .map_or(MemberNo::new(1), |m| Ok(m.number))?;
        Ok(m::Household {
            id: self.id,
            head,
            members,
            site: m::DisplacementSite {
                region: d.site.region.into(),
                cercle: clean_text(&d.site.cercle),
                commune: clean_text(&d.site.commune),
                site_name: clean_text(&d.site.site_name),
                gps,
            },
            origin: m::Origin {
                region: d.origin.region.into(),
                cercle: clean_text(&d.origin.cercle),
                commune: clean_text(&d.origin.commune),
                village: clean_text(&d.origin.village),
            },
            displacement: m::Displacement { date: d.displaced_on.try_into()?, reason: d.reason.clone().into() },
            registered_at: self.started_at,
            operator: self.operator.id.clone(),
            device: self.shared.device.clone(),
        })
    }

    fn candidate_name(&self, draft: &Draft, person: &PersonId) -> String {
        if person.household == self.id {
            return draft.members.iter().find(|m| m.number == person.member).map(DraftMember::name).unwrap_or_default();
        }
        self.shared.person_name(person)
    }
}

#[uniffi::export]
impl EnrollmentSession {
    /// The household id drawn for this household (`GAO-7K3M-9QX2-C`).
    pub fn household_id(&self) -> String {
        self.id.to_string()
    }

    /// Add a member; returns their member number (1, 2, ... never reused). The details are
    /// checked now, so the member screen can show what is wrong.
    pub fn add_member(&self, details: MemberDetails) -> Result<u8, JatigiError> {
        let mut draft = self.open()?;
        let now = now();
        let person = self.person(details.clone(), now.date())?;
        person.validate(now)?;
        let number = MemberNo::new(draft.next_number)?;
        draft.next_number = draft.next_number.saturating_add(1);
        draft.members.push(DraftMember {
            number,
            relation: details.relation.into(),
            person,
            consent_recorded: false,
            fingers: BTreeMap::new(),
            face: None,
        });
        Ok(number.get())
    }

    /// Correct a member's details (consent and captures are kept).
    pub fn update_member(&self, member: u8, details: MemberDetails) -> Result<(), JatigiError> {
        let mut draft = self.open()?;
        let now = now();
        let mut person = self.person(details.clone(), now.date())?;
        let entry = draft.member(member)?;
        person.consent = entry.person.consent.clone();
        person.validate(now)?;
        entry.person = person;
        entry.relation = details.relation.into();
        Ok(())
    }

    /// Remove a member added by mistake, with their captures and decisions.
    pub fn remove_member(&self, member: u8) -> Result<(), JatigiError> {
        let mut draft = self.open()?;
        draft.member(member)?;
        draft.members.retain(|m| m.number.get() != member);
        draft.decisions.retain(|(n, _)| n.get() != member);
        Ok(())
    }

    /// Record the member's consent, after the information notice was read. A refusal
    /// removes any fingerprint already taken: nothing biometric is kept without consent.
    pub fn record_consent(&self, member: u8, decision: ConsentDecision, method: ConsentMethod) -> Result<(), JatigiError> {
        let mut draft = self.open()?;
        let operator = self.operator.id.clone();
        let entry = draft.member(member)?;
        entry.person.consent = m::Consent { decision: decision.into(), at: now(), operator, method: method.into() };
        entry.consent_recorded = true;
        if decision == ConsentDecision::Refused {
            entry.fingers.clear();
            entry.face = None;
        }
        Ok(())
    }

    /// Scan `finger` of `member` on `scanner`: one attempt. The verdict says whether to scan
    /// the same finger again; the best attempt is kept. Blocks while the person places the
    /// finger (seconds): call it off the main thread.
    pub fn capture_finger(&self, member: u8, finger: Finger, scanner: Arc<ScannerSession>) -> Result<CaptureAttempt, JatigiError> {
        // Refused before the person is asked to place a finger.
        self.open()?.member(member)?.may_capture()?;
        // The draft is not locked while the scanner works.
        let captured = scanner.capture(finger)?;
        self.add_capture(member, captured)
    }

    /// Offer a finger captured beforehand (`ScannerSession.capture`) as one attempt of
    /// `member`'s finger: the same best-of-N policy as `captureFinger`, whose verdict says
    /// whether to scan the same finger again; the best attempt is kept. The finger is the
    /// one the capture was made for.
    pub fn add_capture(&self, member: u8, capture: Arc<CapturedFinger>) -> Result<CaptureAttempt, JatigiError> {
        let finger = capture.finger();
        let mut draft = self.open()?;
        let entry = draft.member(member)?;
        entry.may_capture()?;
        let position = m::FingerPosition::from(finger);
        let slot = entry
            .fingers
            .entry(position)
            .or_insert_with(|| FingerDraft::Attempts(FingerAttempts::new(CapturePolicy::default())));
        if let FingerDraft::Exception(_) = slot {
            *slot = FingerDraft::Attempts(FingerAttempts::new(CapturePolicy::default()));
        }
        let FingerDraft::Attempts(attempts) = slot else {
            return Err(JatigiError::internal("a finger's captures were replaced during the scan"));
        };
        let verdict = match attempts.offer(capture.sample()) {
            CoreVerdict::Accepted => AttemptVerdict::Accepted,
            CoreVerdict::TryAgain { remaining } => AttemptVerdict::TryAgain { remaining },
            CoreVerdict::KeptBest => AttemptVerdict::KeptBest,
        };
        let best_quality = attempts.best().map_or(capture.quality(), |b| b.quality);
        Ok(CaptureAttempt {
            member,
            finger,
            quality: capture.quality(),
            verdict,
            best_quality,
            image: capture.preview_image(),
        })
    }

    /// Keep `jpeg` (the camera's JPEG file, at most 2 MiB) as `member`'s face photo,
    /// replacing any earlier one. Like fingerprints, only with the member's consent; it is
    /// sealed in the store on `save`.
    pub fn set_face_photo(&self, member: u8, jpeg: Vec<u8>) -> Result<(), JatigiError> {
        if jpeg.len() > MAX_FACE_PHOTO_BYTES {
            return Err(JatigiError::invalid(
                format!("the face photo is {} bytes; at most {MAX_FACE_PHOTO_BYTES} are kept", jpeg.len()),
                format!("la photo du visage fait {} octets ; au plus {MAX_FACE_PHOTO_BYTES} sont gardés", jpeg.len()),
            ));
        }
        let photo = m::FacePhoto { jpeg };
        photo.validate()?;
        let mut draft = self.open()?;
        let entry = draft.member(member)?;
        entry.may_capture()?;
        entry.face = Some(photo);
        Ok(())
    }

    /// Forget `member`'s face photo.
    pub fn clear_face_photo(&self, member: u8) -> Result<(), JatigiError> {
        self.open()?.member(member)?.face = None;
        Ok(())
    }

    /// Forget the captures of one finger, to take it again from the start.
    pub fn clear_finger(&self, member: u8, finger: Finger) -> Result<(), JatigiError> {
        self.open()?.member(member)?.fingers.remove(&finger.into());
        Ok(())
    }

    /// Record that a finger cannot be captured (a reason is required for `UnableToCapture`).
    pub fn record_finger_exception(&self, member: u8, finger: Finger, exception: FingerException, reason: String) -> Result<(), JatigiError> {
        let mut draft = self.open()?;
        let entry = draft.member(member)?;
        entry.may_capture()?;
        let capture = m::Capture {
            finger: finger.into(),
            outcome: m::CaptureOutcome::Exception(m::CaptureException { kind: exception.into(), reason: clean_text(&reason) }),
        };
        capture.validate()?;
        let m::CaptureOutcome::Exception(e) = capture.outcome else { return Ok(()) };
        entry.fingers.insert(finger.into(), FingerDraft::Exception(e));
        Ok(())
    }

    /// The members so far, for the household screen.
    pub fn members(&self) -> Result<Vec<MemberSummary>, JatigiError> {
        let draft = self.open()?;
        Ok(draft
            .members
            .iter()
            .map(|dm| MemberSummary {
                member: dm.number.get(),
                name: dm.name(),
                relation: relation_of(dm.relation),
                consent: dm.consent_recorded.then_some(match dm.person.consent.decision {
                    m::ConsentDecision::Given => ConsentDecision::Given,
                    m::ConsentDecision::Refused => ConsentDecision::Refused,
                }),
                fingers_captured: dm
                    .fingers
                    .iter()
                    .filter(|(_, f)| matches!(f, FingerDraft::Attempts(a) if a.best().is_some()))
                    .map(|(p, _)| Finger::from(*p))
                    .collect(),
                fingers_excepted: dm
                    .fingers
                    .iter()
                    .filter(|(_, f)| matches!(f, FingerDraft::Exception(_)))
                    .map(|(p, _)| Finger::from(*p))
                    .collect(),
                has_face_photo: dm.face.is_some(),
            })
            .collect())
    }

    /// Check the whole household as it would be saved (every field, every member); the
    /// error names the first problem.
    pub fn validate(&self) -> Result<(), JatigiError> {
        let draft = self.open()?;
        self.household(&draft, true)?.validate(now())?;
        Ok(())
    }

    /// Search every member with fingerprints among everyone enrolled on this tablet, and
    /// the members among themselves. Members with `needs_decision` must be decided before
    /// saving. Reports one step per member; cancellable between members.
    pub fn check_duplicates(
        &self,
        listener: Option<Box<dyn ProgressListener>>,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<Vec<MemberMatches>, JatigiError> {
        let reporter = Reporter::new(listener, cancel);
        let household = self.household(&*self.open()?, false)?;
        let found = {
            let persons = self.shared.persons(&reporter)?;
            let persons = persons.as_ref().ok_or_else(|| JatigiError::internal("the gallery did not load"))?;
            persons
                .check_with_progress(&household, &mut Matcher::new(), &Default::default(), &mut |done, total| {
                    reporter.step(Stage::CheckingDuplicates, done, total)
                })
                .ok_or(JatigiError::Cancelled)?
        };
        let mut draft = self.open()?;
        let matches = found
            .iter()
            .map(|mc| MemberMatches {
                member: mc.member.get(),
                name: draft.members.iter().find(|m| m.number == mc.member).map(DraftMember::name).unwrap_or_default(),
                needs_decision: mc.needs_decision(),
                candidates: mc.candidates.iter().map(|c| candidate(c, self.candidate_name(&draft, &c.person))).collect(),
            })
            .collect();
        draft.last_check = found;
        Ok(matches)
    }

    /// Decide about a member the duplicate check flagged; `SamePerson` must name one of the
    /// candidates it found.
    pub fn decide(&self, member: u8, decision: Decision) -> Result<(), JatigiError> {
        let mut draft = self.open()?;
        let number = draft.member(member)?.number;
        let decision = match decision {
            Decision::NewPerson => DuplicateDecision::NewPerson,
            Decision::SamePerson { person_id } => {
                let person = PersonId::parse(&person_id)?;
                if !draft.was_candidate(number, &person) {
                    return Err(not_a_candidate(&person_id));
                }
                DuplicateDecision::SamePerson(person)
            }
        };
        draft.decide(number, decision);
        Ok(())
    }

    /// Enrol a flagged member as a new person although `candidate` matched (twins, a
    /// wrong match): a supervisor's decision, with a short reason code for the audit log
    /// (`twin`, `checked-documents`). The household is then saved under the supervisor.
    pub fn override_match(&self, member: u8, candidate: String, reason: String, supervisor: Arc<OperatorSession>) -> Result<(), JatigiError> {
        if !supervisor.operator.role.is_supervisor() {
            return Err(JatigiError::SupervisorRequired);
        }
        let reason = clean_text(&reason);
        if reason.is_empty() {
            return Err(m::ModelError::MissingText { field: "reason" }.into());
        }
        let mut draft = self.open()?;
        let number = draft.member(member)?.number;
        let person = PersonId::parse(&candidate)?;
        if !draft.was_candidate(number, &person) {
            return Err(not_a_candidate(&candidate));
        }
        draft.decide(number, DuplicateDecision::Override { candidate: person, reason });
        draft.supervisor = Some(supervisor.operator.clone());
        Ok(())
    }

    /// Save the household in one transaction. The duplicate check runs again first (the
    /// gallery may have changed): a member it flags without a decision stops the save with
    /// `DecisionMissing`. Every member needs their consent recorded.
    pub fn save(&self) -> Result<SavedHousehold, JatigiError> {
        let mut draft = self.open()?;
        if let Some(m) = draft.members.iter().find(|m| !m.consent_recorded) {
            return Err(JatigiError::ConsentRequired { member: m.number.get() });
        }
        let household = self.household(&draft, true)?;
        household.validate(now())?;
        let overridden = draft.decisions.iter().any(|(_, d)| matches!(d, DuplicateDecision::Override { .. }));
        let operator = match (&draft.supervisor, overridden) {
            (Some(supervisor), true) => supervisor.clone(),
            (None, true) => return Err(JatigiError::SupervisorRequired),
            _ => self.operator.clone(),
        };
        let reporter = Reporter::new(None, None);
        let mut persons = self.shared.persons_mut(&reporter)?;
        let persons = persons.as_mut().ok_or_else(|| JatigiError::internal("the gallery did not load"))?;
        persons.enroll(&self.shared.registry(), &household, &draft.decisions, &operator, now(), &mut Matcher::new())?;
        draft.closed = true;
        log::info!("household {} saved with {} members", self.id, household.members.len());

        let linked_to = |number: MemberNo| {
            draft.decisions.iter().find_map(|(n, d)| match d {
                DuplicateDecision::SamePerson(p) if *n == number => Some(p.to_string()),
                _ => None,
            })
        };
        let members: Vec<SavedMember> = household
            .members
            .iter()
            .map(|m| SavedMember { member: m.number.get(), person_id: household.person_id(m.number).to_string(), linked_to: linked_to(m.number) })
            .collect();
        let fingers_saved = household
            .members
            .iter()
            .filter(|m| linked_to(m.number).is_none())
            .flat_map(|m| &m.captures)
            .filter(|c| matches!(c.outcome, m::CaptureOutcome::Captured(_)))
            .count();
        Ok(SavedHousehold { household_id: self.id.to_string(), members, fingers_saved: fingers_saved as u32 })
    }

    /// Give up this household: nothing is saved, and its fingerprints leave memory.
    pub fn abandon(&self) {
        let mut draft = lock(&self.draft);
        draft.members.clear();
        draft.last_check.clear();
        draft.closed = true;
    }
}

fn not_a_candidate(person: &str) -> JatigiError {
    JatigiError::invalid(
        format!("{person} is not among the candidates of the last duplicate check"),
        format!("{person} ne fait pas partie des candidats de la dernière vérification des doublons"),
    )
}

fn relation_of(r: m::Relation) -> Relation {
    match r {
        m::Relation::Head => Relation::Head,
        m::Relation::Spouse => Relation::Spouse,
        m::Relation::Child => Relation::Child,
        m::Relation::Parent => Relation::Parent,
        m::Relation::Sibling => Relation::Sibling,
        m::Relation::Grandchild => Relation::Grandchild,
        m::Relation::OtherRelative => Relation::OtherRelative,
        m::Relation::NonRelative => Relation::NonRelative,
    }
}
