//! Household cards: issue one after saving a household, verify one at a distribution (from
//! the QR text or from a photo), and check the person present against the household the
//! card names.
//!
//! Everything is core's (`card`): the issuer key sealed in the store
//! (`CardIssuer::load_or_create`), the claims, the PNG, the key ring and the verdict, the
//! photo decoder, the 1:1 check. This module turns them into records a screen shows. The
//! key ring is public data and crosses as its JSON text (docs/formats/card.md, "Key ring");
//! a verdict's reason is in the language chosen with `set_language`.

use std::sync::Arc;

use jatigi_core::biometrics::{Matcher, Template};
use jatigi_core::card::{self, render, CardIssuer, ClaimOptions, FlowError, IssueError, KeyRing, KeyRingError, ScanError, Verdict};
use jatigi_core::registry::{HouseholdId, Timestamp};

use crate::capture::CapturedFinger;
use crate::error::{capitalised, current_language, JatigiError, Language};
use crate::progress::{CancelToken, ProgressListener, Reporter, Stage};
use crate::scanner::ScannerSession;
use crate::store::{now, OperatorSession};
use crate::types::CalendarDate;

/// A card just issued: its text, its printable image, and who signed it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct IssuedCard {
    pub household_id: String,
    /// The card's own number (16 hexadecimal digits): a lost card is revoked by it.
    pub serial: String,
    /// What the QR code holds (`JT1:` then Base45): for a printer that draws its own QR.
    pub qr_text: String,
    /// The card, ID-1 size at 300 dpi (1011 x 638, grey PNG), ready to print.
    pub card_png: Vec<u8>,
    /// The tablet's card key (16 hexadecimal digits), as key rings name it.
    pub issuer_key_id: String,
    pub expires_on: CalendarDate,
}

/// The verdict on a card, as the verification screen shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CardStatus {
    /// Signed by a trusted key, not revoked, not expired.
    Valid,
    /// Signed by a key the key ring does not know (another programme, or a forgery).
    UnknownIssuer,
    /// The signature does not match: the card was altered or forged.
    BadSignature,
    /// Genuine, but past its expiry date.
    Expired,
    /// Genuine, but the card or its issuer's key is revoked.
    Revoked,
    /// No card in the photo, or not a card, or damaged beyond reading.
    Unreadable,
}

/// What a card says, once judged. The household fields are filled only when the signature
/// checked out (`Valid`, `Expired`, `Revoked`): an unsigned claim is never shown.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CardVerdict {
    pub status: CardStatus,
    /// Why, in the language set with `setLanguage`: show it as it is.
    pub reason: String,
    pub household_id: Option<String>,
    pub serial: Option<String>,
    /// Site code (`GAO-SITEDECHATEAU`).
    pub site: Option<String>,
    /// Member numbers the card covers (1, 2, 3...; in Kotlin a `ByteArray`).
    pub member_numbers: Vec<u8>,
    /// The head of household's name, if the card carries it.
    pub head_name: Option<String>,
    pub expires_on: Option<CalendarDate>,
    /// The text read from the card (from a photo: what its QR code held); empty when none
    /// could be read. Pass it to `checkMemberOnCard`.
    pub qr_text: String,
}

/// The outcome of the check at a distribution.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MemberCheck {
    /// The household the card names.
    pub household_id: String,
    /// The finger matched a member listed on the card.
    pub matched: bool,
    /// The member matched (`None` when none did).
    pub member: Option<u8>,
    /// `GAO-7K3M-9QX2-C/03` of the member matched.
    pub person_id: Option<String>,
    /// Given names and family name of the member matched (empty when none did).
    pub name: String,
    /// The best score found (a match needs the duplicate check's threshold, 40 on one
    /// finger: a false match rate of 1 in 10,000).
    pub score: f32,
}

fn date(t: Timestamp) -> CalendarDate {
    let d = t.date();
    CalendarDate { year: d.year(), month: d.month(), day: d.day() }
}

fn key_ring(json: &str) -> Result<KeyRing, JatigiError> {
    KeyRing::from_json(json.as_bytes()).map_err(JatigiError::from)
}

/// A core verdict as the screen shows it.
fn verdict(v: &Verdict, text: String) -> CardVerdict {
    let claims = v.claims();
    let status = match v {
        Verdict::Valid(_) => CardStatus::Valid,
        Verdict::UnknownIssuer(_) => CardStatus::UnknownIssuer,
        Verdict::BadSignature(_) => CardStatus::BadSignature,
        Verdict::Expired(_) => CardStatus::Expired,
        Verdict::Revoked(..) => CardStatus::Revoked,
        Verdict::Unreadable(_) => CardStatus::Unreadable,
    };
    let reason = match current_language() {
        Language::English => v.reason(),
        Language::French => v.reason_fr(),
    };
    CardVerdict {
        status,
        reason: capitalised(&reason),
        household_id: claims.map(|c| c.household.to_string()),
        serial: claims.map(|c| c.serial.to_string()),
        site: claims.map(|c| c.site.clone()),
        member_numbers: claims.map(|c| c.members.iter().map(|m| m.get()).collect()).unwrap_or_default(),
        head_name: claims.and_then(|c| c.head_name.clone()),
        expires_on: claims.map(|c| date(c.expires_at)),
        qr_text: text,
    }
}

/// Judge a card from its QR text against `keyring_json` (the key ring file). `now_seconds`
/// (seconds since 1970) is the clock to judge expiry by; the tablet's clock when `None`.
/// Every verdict is a normal outcome; only a key ring that cannot be read throws
/// (`KeyRingInvalid`).
#[uniffi::export(default(now_seconds = None))]
pub fn verify_card_text(qr_text: String, keyring_json: String, now_seconds: Option<i64>) -> Result<CardVerdict, JatigiError> {
    let ring = key_ring(&keyring_json)?;
    let at = now_seconds.map_or_else(now, Timestamp);
    let text = qr_text.trim().to_string();
    Ok(verdict(&card::verify_text(&text, &ring, at), text))
}

/// Judge a card from a camera photo (JPEG, PNG... as the file's bytes) against
/// `keyring_json`. A photo without a readable card, or not a photo at all, is an
/// `Unreadable` verdict whose reason says so (take the photo again).
#[uniffi::export]
pub fn verify_card_photo(photo: Vec<u8>, keyring_json: String) -> Result<CardVerdict, JatigiError> {
    let ring = key_ring(&keyring_json)?;
    match card::scan_photo(&photo) {
        Ok(text) => Ok(verdict(&card::verify_text(&text, &ring, now()), text)),
        Err(ScanError::NotFound) => Ok(verdict(&Verdict::Unreadable(card::CardError::NoQrCode), String::new())),
        Err(e @ ScanError::Image(_)) => {
            let reason = match current_language() {
                Language::English => e.to_string(),
                Language::French => e.message_fr(),
            };
            Ok(CardVerdict {
                status: CardStatus::Unreadable,
                reason: capitalised(&reason),
                household_id: None,
                serial: None,
                site: None,
                member_numbers: vec![],
                head_name: None,
                expires_on: None,
                qr_text: String::new(),
            })
        }
    }
}

#[uniffi::export]
impl OperatorSession {
    /// Issue a new card for a saved household: signed with this tablet's card key (made and
    /// sealed in the store on first use), with a fresh serial, rendered for printing. The
    /// head's name goes on the card only if `include_head_name` (the programme decides).
    pub fn issue_card(&self, household_id: String, include_head_name: bool) -> Result<IssuedCard, JatigiError> {
        let id = HouseholdId::parse(&household_id)?;
        let at = now();
        let (issuer, household) = {
            let registry = self.shared.registry();
            let household = registry.load_household(&id)?;
            (CardIssuer::load_or_create(&registry, at)?, household)
        };
        let signed = issuer.issue(&household, at, ClaimOptions { head_name: include_head_name, ..ClaimOptions::default() })?;
        let rendered = card::render_card(&signed).map_err(JatigiError::internal)?;
        log::info!("card {} issued for household {}", signed.claims.serial, id);
        Ok(IssuedCard {
            household_id: id.to_string(),
            serial: signed.claims.serial.to_string(),
            qr_text: signed.text,
            card_png: render::to_png(&rendered.image),
            issuer_key_id: issuer.kid().to_string(),
            expires_on: date(signed.claims.expires_at),
        })
    }

    /// The key ring file (JSON) that trusts this tablet's card key, for the tablets and
    /// phones that verify its cards (the data manager merges the tablets' rings). Public
    /// data: it holds no secret. Makes the card key if this tablet has none yet.
    pub fn key_ring(&self) -> Result<String, JatigiError> {
        let issuer = CardIssuer::load_or_create(&self.shared.registry(), now())?;
        let mut ring = KeyRing::new();
        ring.add_issuer(issuer.public_key(), self.shared.device.as_str());
        Ok(ring.to_json())
    }

    /// The check at a distribution: the card (its text, as `verifyCard*` returned it) is
    /// verified again against `keyring_json`, then one finger is scanned on `scanner` and
    /// compared 1:1 with every finger of the members the card lists (any finger they gave
    /// at enrollment answers: the screen asks for one of them). A card that is not
    /// valid throws `CardInvalid` (nothing is scanned); a household this tablet does not
    /// hold throws `NotFound`, one without fingerprints `NoFingerprints`.
    pub fn check_member_on_card(
        &self,
        qr_text: String,
        keyring_json: String,
        scanner: Arc<ScannerSession>,
        listener: Option<Box<dyn ProgressListener>>,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<MemberCheck, JatigiError> {
        let (judged, household) = valid_card(&qr_text, &keyring_json)?;
        let reporter = Reporter::new(listener, cancel);
        reporter.check()?;
        // The store is not locked while the person places the finger.
        let scan = scanner.scan(false)?;
        self.check_member(&judged, household, &scan.template, &reporter)
    }

    /// The check at a distribution with a finger captured beforehand
    /// (`ScannerSession.capture`): the card is verified again against `keyring_json`
    /// (`CardInvalid` if it is not valid), then the capture is compared 1:1 with every
    /// finger of the members the card lists, as `checkMemberOnCard` does.
    pub fn check_member_with_capture(
        &self,
        qr_text: String,
        keyring_json: String,
        capture: Arc<CapturedFinger>,
        listener: Option<Box<dyn ProgressListener>>,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<MemberCheck, JatigiError> {
        let (judged, household) = valid_card(&qr_text, &keyring_json)?;
        let reporter = Reporter::new(listener, cancel);
        self.check_member(&judged, household, capture.template(), &reporter)
    }
}

/// The card's verdict, if it is valid; `CardInvalid` otherwise. The household it names
/// comes along.
fn valid_card(qr_text: &str, keyring_json: &str) -> Result<(Verdict, HouseholdId), JatigiError> {
    let ring = key_ring(keyring_json)?;
    let judged = card::verify_text(qr_text.trim(), &ring, now());
    let household = match &judged {
        Verdict::Valid(claims) => claims.household,
        _ => return Err(JatigiError::CardInvalid { en: capitalised(&judged.reason()), fr: capitalised(&judged.reason_fr()) }),
    };
    Ok((judged, household))
}

impl OperatorSession {
    /// Compare `probe` with the members a valid card lists.
    fn check_member(&self, judged: &Verdict, household: HouseholdId, probe: &Template, reporter: &Reporter) -> Result<MemberCheck, JatigiError> {
        reporter.check()?;
        reporter.step(Stage::CheckingCardMember, 0, 1);
        let outcome = card::check_member(&self.shared.registry(), judged, probe, &mut Matcher::new())?;
        reporter.step(Stage::CheckingCardMember, 1, 1);
        Ok(match outcome {
            card::MemberCheck::Member { person, score } => MemberCheck {
                household_id: household.to_string(),
                matched: true,
                member: Some(person.member.get()),
                person_id: Some(person.to_string()),
                name: self.shared.person_name(&person),
                score,
            },
            card::MemberCheck::NoMatch { household, best_score } => MemberCheck {
                household_id: household.to_string(),
                matched: false,
                member: None,
                person_id: None,
                name: String::new(),
                score: best_score,
            },
            card::MemberCheck::CardRejected => {
                return Err(JatigiError::CardInvalid { en: capitalised(&judged.reason()), fr: capitalised(&judged.reason_fr()) })
            }
        })
    }
}

impl From<KeyRingError> for JatigiError {
    fn from(e: KeyRingError) -> Self {
        JatigiError::KeyRingInvalid { fr: e.message_fr(), en: e.to_string() }
    }
}

impl From<IssueError> for JatigiError {
    fn from(e: IssueError) -> Self {
        match e {
            IssueError::Registry(e) => e.into(),
            IssueError::BadStoredKey => JatigiError::StoreDamaged { detail: e.to_string() },
            e => JatigiError::internal(e),
        }
    }
}

impl From<card::CardError> for JatigiError {
    fn from(e: card::CardError) -> Self {
        JatigiError::internal(e)
    }
}

impl From<FlowError> for JatigiError {
    fn from(e: FlowError) -> Self {
        match e {
            FlowError::UnknownHousehold(id) => JatigiError::NotFound { id: id.to_string() },
            FlowError::NoFingerprints(id) => JatigiError::NoFingerprints { household_id: id.to_string() },
            FlowError::Registry(e) => e.into(),
        }
    }
}
