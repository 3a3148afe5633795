//! The tablet's encrypted store and the signed-in operator: the two long-lived handles every
//! screen after the lock screen works through.
//!
//! [`JatigiStore`] owns the registry (one SQLite connection, behind a mutex: SQLite serves
//! one thread at a time) and the gallery of enrolled persons for duplicate checks (behind a
//! read-write lock: checks run side by side, a save updates it). Lock order, everywhere:
//! gallery, then registry. [`OperatorSession`] is what signing in with a PIN gives: personal
//! data is reached only through it.

use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use jatigi_core::biometrics::{Matcher, PreparedTemplate, Template};
use jatigi_core::registry::model::CaptureOutcome;
use jatigi_core::registry::enrollment::{EnrolledPersons, DECISION_THRESHOLD};
use jatigi_core::registry::repository::Registry;
use jatigi_core::registry::model::clean_text;
use jatigi_core::registry::{DeviceId, HouseholdId, Operator, OperatorId, PersonId, PinHash, Timestamp};

use crate::capture::{self, CapturedFinger};
use crate::enrollment::{EnrollmentSession, HouseholdDetails};
use crate::error::JatigiError;
use crate::keys::{ForeignKeyProvider, KeyProvider};
use crate::progress::{CancelToken, ProgressListener, Reporter, Stage};
use crate::scanner::ScannerSession;
use crate::types::{Candidate, Finger, FingerScore, NameMatch, OperatorInfo, Role};

/// The clock: seconds since 1970 (Mali is on UTC all year).
pub(crate) fn now() -> Timestamp {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    Timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// A poisoned lock only means a panic was caught at the boundary; the data is still usable
/// (every change to the registry is one SQLite transaction).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// What the store and every session opened from it share.
pub(crate) struct Shared {
    registry: Mutex<Registry>,
    /// Loaded on first need (or by `load_gallery`), then kept up to date by saves.
    persons: RwLock<Option<EnrolledPersons>>,
    pub(crate) device: DeviceId,
}

impl Shared {
    pub(crate) fn registry(&self) -> MutexGuard<'_, Registry> {
        lock(&self.registry)
    }

    /// The gallery, loaded if it is not yet.
    pub(crate) fn persons(&self, reporter: &Reporter) -> Result<RwLockReadGuard<'_, Option<EnrolledPersons>>, JatigiError> {
        {
            let persons = self.persons.read().unwrap_or_else(|e| e.into_inner());
            if persons.is_some() {
                return Ok(persons);
            }
        }
        drop(self.persons_mut(reporter)?);
        Ok(self.persons.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// The gallery for writing, loaded if it is not yet.
    pub(crate) fn persons_mut(&self, reporter: &Reporter) -> Result<RwLockWriteGuard<'_, Option<EnrolledPersons>>, JatigiError> {
        let mut persons = self.persons.write().unwrap_or_else(|e| e.into_inner());
        if persons.is_none() {
            reporter.check()?;
            reporter.step(Stage::LoadingGallery, 0, 1);
            let loaded = EnrolledPersons::load(&self.registry())?;
            reporter.step(Stage::LoadingGallery, 1, 1);
            *persons = Some(loaded);
        }
        Ok(persons)
    }

    /// "Given names Family name" of an enrolled person, for showing beside a match; empty
    /// when it cannot be read (an erased household).
    pub(crate) fn person_name(&self, person: &PersonId) -> String {
        let Ok(household) = self.registry().load_household(&person.household) else { return String::new() };
        household
            .member(person.member)
            .map(|m| format!("{} {}", m.person.given_names, m.person.family_name).trim().to_string())
            .unwrap_or_default()
    }
}

/// Counts for the home screen.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StoreSummary {
    pub households: u64,
    pub members: u64,
    pub operators: u64,
    /// What protects the store (`android-keystore:...`, `passphrase:...`).
    pub key_provider: String,
}

/// A new operator account.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NewOperator {
    /// E.g. `OP-0042`: letters, digits, '-', '_', '.'; never a name.
    pub id: String,
    pub name: String,
    pub role: Role,
    /// 4 to 6 digits, not a run or a repetition.
    pub pin: String,
}

/// The tablet's encrypted registry. Safe from any thread.
#[derive(uniffi::Object)]
pub struct JatigiStore {
    shared: Arc<Shared>,
}

#[cfg(test)]
impl JatigiStore {
    /// A saved household as the core reads it back from the store (tests only).
    pub(crate) fn saved_household(&self, id: &str) -> jatigi_core::registry::Household {
        let id = id.parse().expect("a household id");
        self.shared.registry().load_household(&id).expect("the household is in the store")
    }
}

#[uniffi::export]
impl JatigiStore {
    /// Create a new store at `path` (a file that must not exist), its data key wrapped by
    /// `key_provider`. `device_id` names this tablet in every record (e.g. `TAB-GAO-07`).
    #[uniffi::constructor]
    pub fn create(path: String, device_id: String, key_provider: Box<dyn KeyProvider>) -> Result<Arc<Self>, JatigiError> {
        let device = DeviceId::new(&device_id)?;
        let registry = Registry::create(&path, &ForeignKeyProvider(key_provider))?;
        Ok(JatigiStore::wrap(registry, device))
    }

    /// Open the store at `path` with the key provider that created it.
    #[uniffi::constructor]
    pub fn open(path: String, device_id: String, key_provider: Box<dyn KeyProvider>) -> Result<Arc<Self>, JatigiError> {
        let device = DeviceId::new(&device_id)?;
        let registry = Registry::open(&path, &ForeignKeyProvider(key_provider))?;
        Ok(JatigiStore::wrap(registry, device))
    }

    /// Create a new store protected by a passphrase (PBKDF2, slow on purpose: about a second).
    #[uniffi::constructor]
    pub fn create_with_passphrase(path: String, device_id: String, passphrase: String) -> Result<Arc<Self>, JatigiError> {
        let device = DeviceId::new(&device_id)?;
        let registry = Registry::create_with_passphrase(&path, &passphrase)?;
        Ok(JatigiStore::wrap(registry, device))
    }

    /// Open a store protected by a passphrase.
    #[uniffi::constructor]
    pub fn open_with_passphrase(path: String, device_id: String, passphrase: String) -> Result<Arc<Self>, JatigiError> {
        let device = DeviceId::new(&device_id)?;
        let registry = Registry::open_with_passphrase(&path, &passphrase)?;
        Ok(JatigiStore::wrap(registry, device))
    }

    /// Counts of households, members and operators.
    pub fn summary(&self) -> Result<StoreSummary, JatigiError> {
        let registry = self.shared.registry();
        let count = |sql: &str| -> Result<u64, JatigiError> {
            let n: i64 = registry.store().conn().query_row(sql, [], |r| r.get(0)).map_err(jatigi_core::store::StoreError::from)?;
            Ok(u64::try_from(n).unwrap_or(0))
        };
        Ok(StoreSummary {
            households: count("SELECT COUNT(*) FROM households")?,
            members: count("SELECT COUNT(*) FROM members")?,
            operators: count("SELECT COUNT(*) FROM operators")?,
            key_provider: registry.store().info()?.provider_id,
        })
    }

    /// Create the first account of a new store: a supervisor, who then adds the others.
    /// Refused (`SupervisorRequired`) once the store has any operator.
    pub fn add_first_supervisor(&self, operator: NewOperator) -> Result<OperatorInfo, JatigiError> {
        if operator.role != Role::Supervisor {
            return Err(JatigiError::SupervisorRequired);
        }
        if self.summary()?.operators > 0 {
            return Err(JatigiError::SupervisorRequired);
        }
        let by = OperatorId::new(&operator.id)?;
        add_operator(&self.shared, operator, &by)
    }

    /// Sign in with a PIN. Wrong PINs are counted in the store: after five the account is
    /// locked for a while (`PinLocked`), after ten it is disabled (`AccountDisabled`).
    pub fn sign_in(&self, operator_id: String, pin: String) -> Result<Arc<OperatorSession>, JatigiError> {
        let id = OperatorId::new(&operator_id)?;
        let operator = self.shared.registry().sign_in(&id, &pin, now())?;
        log::info!("operator {} signed in", operator.id);
        Ok(Arc::new(OperatorSession { shared: Arc::clone(&self.shared), operator }))
    }

    /// Read every enrolled person's templates for duplicate checks, and prepare them for
    /// matching; returns how many persons. Call it once after opening, on a background
    /// thread; otherwise the first duplicate check does it.
    pub fn load_gallery(
        &self,
        listener: Option<Box<dyn ProgressListener>>,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<u64, JatigiError> {
        let reporter = Reporter::new(listener, cancel);
        let persons = self.shared.persons(&reporter)?;
        let persons = persons.as_ref().ok_or_else(|| JatigiError::internal("the gallery did not load"))?;
        reporter.check()?;
        reporter.step(Stage::PreparingGallery, 0, 1);
        persons.prepare_all();
        reporter.step(Stage::PreparingGallery, 1, 1);
        Ok(persons.len() as u64)
    }
}

impl JatigiStore {
    fn wrap(registry: Registry, device: DeviceId) -> Arc<Self> {
        Arc::new(JatigiStore { shared: Arc::new(Shared { registry: Mutex::new(registry), persons: RwLock::new(None), device }) })
    }
}

fn add_operator(shared: &Shared, new: NewOperator, by: &OperatorId) -> Result<OperatorInfo, JatigiError> {
    let id = OperatorId::new(&new.id)?;
    let pin = PinHash::new(&new.pin, &ring::rand::SystemRandom::new())?;
    let operator = Operator { id, name: clean_text(&new.name), role: new.role.into(), pin };
    let registry = shared.registry();
    let exists: i64 = registry
        .store()
        .conn()
        .query_row("SELECT COUNT(*) FROM operators WHERE id = ?1", [operator.id.as_str()], |r| r.get(0))
        .map_err(jatigi_core::store::StoreError::from)?;
    if exists > 0 {
        return Err(JatigiError::OperatorExists { id: new.id });
    }
    registry.add_operator(&operator, by, now())?;
    Ok(OperatorInfo::from(&operator))
}

/// A signed-in operator: enrollment, search and (for supervisors) accounts. Safe from any
/// thread; drop it to sign out.
#[derive(uniffi::Object)]
pub struct OperatorSession {
    pub(crate) shared: Arc<Shared>,
    pub(crate) operator: Operator,
}

#[uniffi::export]
impl OperatorSession {
    /// Who is signed in.
    pub fn operator(&self) -> OperatorInfo {
        OperatorInfo::from(&self.operator)
    }

    /// Add an operator account (supervisors only).
    pub fn add_operator(&self, operator: NewOperator) -> Result<OperatorInfo, JatigiError> {
        if !self.operator.role.is_supervisor() {
            return Err(JatigiError::SupervisorRequired);
        }
        add_operator(&self.shared, operator, &self.operator.id)
    }

    /// Start enrolling a household: a new household id is drawn now.
    pub fn start_household(&self, details: HouseholdDetails) -> Result<Arc<EnrollmentSession>, JatigiError> {
        let id = HouseholdId::generate(details.site.region.into(), &ring::rand::SystemRandom::new())?;
        Ok(Arc::new(EnrollmentSession::new(Arc::clone(&self.shared), self.operator.clone(), id, details, now())))
    }

    /// Persons whose names resemble `query` (accents and case ignored), best first.
    pub fn search_by_name(&self, query: String, limit: u32) -> Result<Vec<NameMatch>, JatigiError> {
        let found = self.shared.registry().find_by_name(&query, limit as usize)?;
        Ok(found
            .into_iter()
            .map(|(person, name, similarity)| NameMatch {
                person_id: person.to_string(),
                household_id: person.household.to_string(),
                name,
                similarity,
            })
            .collect())
    }

    /// Scan `finger` on `scanner` and search everyone enrolled for it, best first (who is
    /// this person?). Candidates with `needs_decision` are as likely as a duplicate would be.
    pub fn search_by_finger(
        &self,
        scanner: Arc<ScannerSession>,
        finger: Finger,
        listener: Option<Box<dyn ProgressListener>>,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<Vec<Candidate>, JatigiError> {
        let reporter = Reporter::new(listener, cancel);
        let scan = scanner.scan(false)?;
        let code = jatigi_core::registry::FingerPosition::from(finger).code();
        self.search(&[(code, scan.template)], &reporter)
    }

    /// Search everyone enrolled for the person whose fingers were captured beforehand
    /// (`ScannerSession.capture`, each finger once), best first: the same search and fused
    /// scores as `searchByFinger`, over every finger given.
    pub fn identify(
        &self,
        captures: Vec<Arc<CapturedFinger>>,
        listener: Option<Box<dyn ProgressListener>>,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<Vec<Candidate>, JatigiError> {
        let reporter = Reporter::new(listener, cancel);
        self.search(&capture::probe(&captures)?, &reporter)
    }

    /// Is this the enrolled person `person_id` (`GAO-7K3M-9QX2-C/03`)? The fingers captured
    /// beforehand are compared 1:1 with that person's enrolled fingers of the same positions
    /// only (no search of anyone else); finger scores are fused by sum as in a search, and
    /// a match needs the duplicate check's threshold (40: a false match rate of 1 in
    /// 10,000). A person this tablet does not hold throws `NotFound`; one without
    /// fingerprints, `NoFingerprints`. Fingers the person did not give score nothing.
    pub fn verify_person(&self, person_id: String, captures: Vec<Arc<CapturedFinger>>) -> Result<PersonCheck, JatigiError> {
        let person = PersonId::parse(&person_id)?;
        let probe = capture::probe(&captures)?;
        let household = self.shared.registry().load_household(&person.household)?;
        let member = household.member(person.member).ok_or_else(|| JatigiError::NotFound { id: person.to_string() })?;
        let enrolled: Vec<(u8, Template)> = member
            .captures
            .iter()
            .filter_map(|c| match &c.outcome {
                // A stored template that does not decode is skipped: the other fingers answer.
                CaptureOutcome::Captured(sample) => Template::from_bytes(&sample.template).ok().map(|t| (c.finger.code(), t)),
                CaptureOutcome::Exception(_) => None,
            })
            .collect();
        if enrolled.is_empty() {
            return Err(JatigiError::NoFingerprints { household_id: person.household.to_string() });
        }
        // Only the same finger positions are compared: a probe of an unknown position (code
        // 0) would otherwise be compared with every finger.
        let mut matcher = Matcher::new();
        let mut fingers = Vec::new();
        for (code, template) in &probe {
            let prepared = PreparedTemplate::new(template);
            let best = enrolled
                .iter()
                .filter(|(c, _)| c == code)
                .map(|(_, t)| matcher.compare(&prepared, &PreparedTemplate::new(t)))
                .fold(None, |best: Option<f32>, s| Some(best.map_or(s, |b: f32| b.max(s))));
            if let Some(score) = best {
                fingers.push(FingerScore { finger: Finger::from_code(*code), score });
            }
        }
        let score: f32 = fingers.iter().map(|f| f.score).sum();
        Ok(PersonCheck {
            person_id: person.to_string(),
            name: self.shared.person_name(&person),
            matched: !fingers.is_empty() && score >= DECISION_THRESHOLD,
            score,
            fingers,
        })
    }
}

impl OperatorSession {
    /// Everyone enrolled who may own `probe`, best first.
    fn search(&self, probe: &[(u8, Template)], reporter: &Reporter) -> Result<Vec<Candidate>, JatigiError> {
        reporter.check()?;
        let persons = self.shared.persons(reporter)?;
        let persons = persons.as_ref().ok_or_else(|| JatigiError::internal("the gallery did not load"))?;
        reporter.step(Stage::SearchingFinger, 0, 1);
        let found = persons.identify(probe, &mut Matcher::new(), &Default::default());
        reporter.step(Stage::SearchingFinger, 1, 1);
        Ok(found.iter().map(|c| candidate(c, self.shared.person_name(&c.person))).collect())
    }
}

/// The outcome of a 1:1 verification (`verifyPerson`).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PersonCheck {
    pub person_id: String,
    /// Given names and family name (empty when they cannot be read).
    pub name: String,
    /// The fused score reached the decision threshold.
    pub matched: bool,
    /// Sum of the finger scores (calibrated: 40 stands for a false match rate of 1 in 10,000).
    pub score: f32,
    /// The fingers compared, with their scores (fingers the person did not give are absent).
    pub fingers: Vec<FingerScore>,
}

/// A core candidate as the screens show it.
pub(crate) fn candidate(c: &jatigi_core::registry::enrollment::DuplicateCandidate, name: String) -> Candidate {
    Candidate {
        person_id: c.person.to_string(),
        name,
        score: c.score,
        false_match_rate: c.fmr,
        needs_decision: c.score >= DECISION_THRESHOLD,
        fingers: c.fingers.iter().map(|&(code, score)| FingerScore { finger: Finger::from_code(code), score }).collect(),
    }
}
