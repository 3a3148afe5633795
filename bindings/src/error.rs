//! The one error a screen sees: [`JatigiError`], flat, with a message fit to show.
//!
//! Core has a rich `thiserror` enum per module (store, registry, PINs, ids, scanner); a
//! screen needs far fewer cases: the ones it reacts to differently (ask for the PIN again,
//! show the lockout, reconnect the scanner, ask a supervisor...). Everything is mapped here,
//! once, into those cases. The variant says what to do; the message says it to the operator
//! in the language chosen with [`set_language`]. Flat (uniffi `flat_error`): Kotlin gets
//! one exception class per variant whose `message` is that text, so `e.message` can go
//! straight into a dialog.
//!
//! Household cards and sync packets have their own cases; the conversions from core's card
//! and sync errors are in `card.rs` and `sync.rs`.

use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};

use jatigi_core::registry::repository::RegistryError;
use jatigi_core::registry::{IdError, ModelError, PinError};
use jatigi_core::scanner::ScannerError;
use jatigi_core::store::StoreError;

/// The language of error messages (and of anything else the core says to an operator).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Language {
    English,
    French,
}

static LANGUAGE: AtomicU8 = AtomicU8::new(0);

/// Choose the language of error messages, for every thread (e.g. when the operator signs in).
#[uniffi::export]
pub fn set_language(language: Language) {
    LANGUAGE.store(language as u8, Ordering::Relaxed);
}

/// The language error messages are written in now.
#[uniffi::export]
pub fn current_language() -> Language {
    match LANGUAGE.load(Ordering::Relaxed) {
        1 => Language::French,
        _ => Language::English,
    }
}

/// Everything that can go wrong, as the cases a screen can act on. `message` is in the
/// language set with `setLanguage`.
#[derive(Debug, Clone, PartialEq, uniffi::Error)]
#[uniffi(flat_error)]
#[non_exhaustive]
pub enum JatigiError {
    // ---- opening the store --------------------------------------------------------------
    /// The key or passphrase does not unlock this store. Nothing was changed.
    WrongKey,
    /// The key provider (Android Keystore) failed: its key may have been invalidated.
    KeyStoreFailed { detail: String },
    /// No store at this path: create one instead.
    StoreNotFound { path: String },
    /// A file already exists where a new store was to be created.
    StoreExists { path: String },
    /// The store file is damaged, altered or not a Jatigi store: restore a backup.
    StoreDamaged { detail: String },
    /// The store was written by a newer Jatigi: update the app.
    StoreTooNew,
    /// The storage is read-only.
    StorageReadOnly,
    /// The storage is full: the last change was cancelled.
    StorageFull,
    /// Another task holds the store: try again in a moment.
    StoreBusy,

    // ---- operators ---------------------------------------------------------------------
    /// No operator with this id on this tablet.
    UnknownOperator { id: String },
    /// Wrong PIN; the message says how many attempts remain.
    WrongPin { attempts_left: u32 },
    /// Too many wrong PINs: wait.
    PinLocked { seconds: i64 },
    /// Too many wrong PINs: a supervisor must reset the account.
    AccountDisabled,
    /// A new PIN is malformed or too easy to guess.
    PinRejected { en: String, fr: String },
    /// Only a supervisor may do this (override a duplicate match, add operators).
    SupervisorRequired,
    /// An operator with this id exists already.
    OperatorExists { id: String },

    // ---- enrollment --------------------------------------------------------------------
    /// A field is invalid; the message names it.
    InvalidInput { en: String, fr: String },
    /// No member with this number in the household being enrolled.
    UnknownMember { member: u8 },
    /// Biometrics need the member's consent, given and recorded first.
    ConsentRequired { member: u8 },
    /// A member matched enrolled persons: decide before saving.
    DecisionMissing { member: u8 },
    /// The household was already saved or abandoned: start a new one.
    SessionClosed,
    /// No such household or person on this tablet.
    NotFound { id: String },

    // ---- scanner -----------------------------------------------------------------------
    /// No scanner connected: connect first.
    ScannerNotConnected,
    /// The scanner link dropped: reconnect.
    ScannerDisconnected,
    /// The scanner did not answer in time.
    ScannerTimeout,
    /// The scanner is busy with another command.
    ScannerBusy,
    /// The scanner battery is low: charge it.
    ScannerLowBattery { percent: u8 },
    /// No finger on the sensor.
    NoFinger,
    /// The scan is too poor: scan again.
    PoorQuality { quality: u8 },
    /// The scanner's button seems stuck: use the on-screen button.
    TriggerStuck,
    /// The scanner refused a command or sent something unusable.
    ScannerFailed { detail: String },

    // ---- household cards -----------------------------------------------------------------
    /// The card is not valid (altered, unknown issuer, expired, revoked, unreadable): the
    /// message gives the verdict's reason. Nothing was scanned.
    CardInvalid { en: String, fr: String },
    /// The key ring file cannot be read: ask the data manager for a good copy.
    KeyRingInvalid { en: String, fr: String },
    /// The household on the card has no fingerprints of its listed members on this tablet:
    /// check the person's identity another way.
    NoFingerprints { household_id: String },

    // ---- sync packets --------------------------------------------------------------------
    /// The tablet has no sync identity yet: a supervisor provisions it first.
    NotProvisioned,
    /// The tablet is already provisioned (as `device`).
    AlreadyProvisioned { device: String },
    /// This tablet never made a packet with this sequence number.
    NoSuchPacket { sequence: u64 },
    /// The packet could not be made; the message says why.
    SyncFailed { detail: String },

    // ---- long operations ---------------------------------------------------------------
    /// The operation was cancelled through its `CancelToken`; nothing was changed.
    Cancelled,

    /// A bug or an unexpected state; the message names it. Report it.
    Internal { detail: String },
}

impl JatigiError {
    /// The message in `language`.
    pub fn message(&self, language: Language) -> String {
        let (en, fr) = self.messages();
        match language {
            Language::English => en,
            Language::French => fr,
        }
    }

    /// (English, French).
    fn messages(&self) -> (String, String) {
        use JatigiError::*;
        let both = |en: &str, fr: &str| (en.to_string(), fr.to_string());
        match self {
            WrongKey => both(
                "Wrong key or passphrase: the store could not be unlocked (nothing was changed).",
                "Clé ou phrase secrète erronée : la base n'a pas pu être déverrouillée (rien n'a été modifié).",
            ),
            KeyStoreFailed { detail } => (
                format!("The key store failed: {detail}."),
                format!("Le magasin de clés a échoué : {detail}."),
            ),
            StoreNotFound { path } => (
                format!("No store at {path}."),
                format!("Aucune base à l'emplacement {path}."),
            ),
            StoreExists { path } => (
                format!("A file already exists at {path}: open it instead (nothing was changed)."),
                format!("Un fichier existe déjà à l'emplacement {path} : ouvrez-le plutôt (rien n'a été modifié)."),
            ),
            StoreDamaged { detail } => (
                format!("The store is damaged or has been altered ({detail}): restore it from a backup or a sync packet."),
                format!("La base est endommagée ou a été modifiée ({detail}) : restaurez-la depuis une sauvegarde ou un paquet de synchronisation."),
            ),
            StoreTooNew => both(
                "This store was written by a newer version of Jatigi: update the app (nothing was changed).",
                "Cette base a été écrite par une version plus récente de Jatigi : mettez l'application à jour (rien n'a été modifié).",
            ),
            StorageReadOnly => both(
                "The storage is read-only: nothing can be saved.",
                "Le stockage est en lecture seule : rien ne peut être enregistré.",
            ),
            StorageFull => both(
                "The tablet's storage is full: the last change was cancelled; free some space and try again.",
                "Le stockage de la tablette est plein : la dernière modification a été annulée ; libérez de la place et réessayez.",
            ),
            StoreBusy => both(
                "The store is in use by another task: wait a moment and try again.",
                "La base est utilisée par une autre tâche : attendez un instant et réessayez.",
            ),
            UnknownOperator { id } => (
                format!("No operator {id} on this tablet."),
                format!("Aucun agent {id} sur cette tablette."),
            ),
            WrongPin { attempts_left } => (
                format!("Wrong PIN; {attempts_left} attempts left before the account is locked."),
                format!("Code PIN erroné ; encore {attempts_left} essais avant le blocage du compte."),
            ),
            PinLocked { seconds } => (
                format!("Too many wrong PINs: try again in {seconds} seconds."),
                format!("Trop de codes PIN erronés : réessayez dans {seconds} secondes."),
            ),
            AccountDisabled => both(
                "Too many wrong PINs: the account is disabled until a supervisor resets it.",
                "Trop de codes PIN erronés : le compte est désactivé jusqu'à sa réinitialisation par un superviseur.",
            ),
            PinRejected { en, fr } | InvalidInput { en, fr } => (capitalised(en), capitalised(fr)),
            SupervisorRequired => both(
                "Only a supervisor may do this.",
                "Seul un superviseur peut faire cela.",
            ),
            OperatorExists { id } => (
                format!("Operator {id} already exists."),
                format!("L'agent {id} existe déjà."),
            ),
            UnknownMember { member } => (
                format!("There is no member {member:02} in this household."),
                format!("Il n'y a pas de membre {member:02} dans ce ménage."),
            ),
            ConsentRequired { member } => (
                format!("Member {member:02} has not given consent: no fingerprints may be taken or kept."),
                format!("Le membre {member:02} n'a pas donné son consentement : aucune empreinte ne peut être prise ni gardée."),
            ),
            DecisionMissing { member } => (
                format!("Member {member:02} matches persons already enrolled: decide before saving."),
                format!("Le membre {member:02} correspond à des personnes déjà enregistrées : décidez avant d'enregistrer."),
            ),
            SessionClosed => both(
                "This household was already saved or abandoned: start a new one.",
                "Ce ménage a déjà été enregistré ou abandonné : commencez-en un nouveau.",
            ),
            NotFound { id } => (
                format!("{id} is not registered on this tablet."),
                format!("{id} n'est pas enregistré sur cette tablette."),
            ),
            ScannerNotConnected => both(
                "No scanner is connected: connect the scanner.",
                "Aucun lecteur n'est connecté : connectez le lecteur.",
            ),
            ScannerDisconnected => both(
                "The scanner link dropped: reconnect the scanner.",
                "La liaison avec le lecteur a été perdue : reconnectez le lecteur.",
            ),
            ScannerTimeout => both(
                "The scanner did not answer in time: check that it is on and near the tablet.",
                "Le lecteur n'a pas répondu à temps : vérifiez qu'il est allumé et près de la tablette.",
            ),
            ScannerBusy => both(
                "The scanner is busy: wait for the current scan to finish.",
                "Le lecteur est occupé : attendez la fin de la lecture en cours.",
            ),
            ScannerLowBattery { percent } => (
                format!("The scanner battery is low ({percent}%): charge it."),
                format!("La batterie du lecteur est faible ({percent} %) : rechargez-la."),
            ),
            NoFinger => both(
                "No finger on the sensor: place the finger flat and scan again.",
                "Aucun doigt sur le capteur : posez le doigt bien à plat et recommencez.",
            ),
            PoorQuality { quality } => (
                format!("The scan is too poor (quality {quality}): clean the finger and the sensor and scan again."),
                format!("La lecture est de trop mauvaise qualité ({quality}) : nettoyez le doigt et le capteur et recommencez."),
            ),
            TriggerStuck => both(
                "The scanner's button seems stuck: use the button on the screen.",
                "Le bouton du lecteur semble bloqué : utilisez le bouton à l'écran.",
            ),
            ScannerFailed { detail } => (
                format!("The scanner failed: {detail}."),
                format!("Le lecteur a échoué : {detail}."),
            ),
            CardInvalid { en, fr } | KeyRingInvalid { en, fr } => (capitalised(en), capitalised(fr)),
            NoFingerprints { household_id } => (
                format!("Household {household_id} has no fingerprints of the members on its card on this tablet: check the person's identity another way."),
                format!("Le ménage {household_id} n'a sur cette tablette aucune empreinte des membres de sa carte : vérifiez l'identité de la personne autrement."),
            ),
            NotProvisioned => both(
                "This tablet is not set up for sync yet: a supervisor must enter the programme key first.",
                "Cette tablette n'est pas encore configurée pour la synchronisation : un superviseur doit d'abord saisir la clé de programme.",
            ),
            AlreadyProvisioned { device } => (
                format!("This tablet is already set up for sync as {device} (nothing was changed)."),
                format!("Cette tablette est déjà configurée pour la synchronisation sous le nom {device} (rien n'a été modifié)."),
            ),
            NoSuchPacket { sequence } => (
                format!("This tablet never made packet {sequence}."),
                format!("Cette tablette n'a jamais produit le paquet {sequence}."),
            ),
            SyncFailed { detail } => (
                format!("The sync packet could not be made: {detail}."),
                format!("Le paquet de synchronisation n'a pas pu être produit : {detail}."),
            ),
            Cancelled => both("Cancelled: nothing was changed.", "Annulé : rien n'a été modifié."),
            Internal { detail } => (
                format!("Unexpected error, please report it: {detail}."),
                format!("Erreur inattendue, merci de la signaler : {detail}."),
            ),
        }
    }

    pub(crate) fn internal(detail: impl fmt::Display) -> JatigiError {
        JatigiError::Internal { detail: detail.to_string() }
    }

    /// An invalid-input error whose French text is the English one (for texts core only
    /// has in English, such as a decoder's complaint).
    pub(crate) fn invalid(en: impl Into<String>, fr: impl Into<String>) -> JatigiError {
        JatigiError::InvalidInput { en: en.into(), fr: fr.into() }
    }
}

/// Core's messages start in lower case (they are often embedded); a dialog starts with a
/// capital.
pub(crate) fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl fmt::Display for JatigiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(current_language()))
    }
}

impl std::error::Error for JatigiError {}

impl From<StoreError> for JatigiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::WrongKey => JatigiError::WrongKey,
            StoreError::KeyProvider(detail) => JatigiError::KeyStoreFailed { detail },
            StoreError::NotFound { path } => JatigiError::StoreNotFound { path: path.display().to_string() },
            StoreError::AlreadyExists { path } => JatigiError::StoreExists { path: path.display().to_string() },
            StoreError::NewerVersion { .. } | StoreError::UnsupportedFormat(_) => JatigiError::StoreTooNew,
            StoreError::ReadOnly => JatigiError::StorageReadOnly,
            StoreError::DiskFull => JatigiError::StorageFull,
            StoreError::Busy => JatigiError::StoreBusy,
            // A missing folder or an unreadable path: the screen's remedy is the path.
            StoreError::CannotOpen { detail } => JatigiError::StoreNotFound { path: detail },
            // A passphrase tried on a store that a device key protects.
            StoreError::NotPassphraseProtected { .. } => JatigiError::WrongKey,
            e @ (StoreError::Corrupt { .. } | StoreError::NotAStore | StoreError::Tampered { .. } | StoreError::RecordKeyMissing { .. }) => {
                JatigiError::StoreDamaged { detail: e.to_string() }
            }
            e => JatigiError::internal(e),
        }
    }
}

impl From<ModelError> for JatigiError {
    fn from(e: ModelError) -> Self {
        JatigiError::InvalidInput { fr: e.message_fr(), en: e.to_string() }
    }
}

impl From<IdError> for JatigiError {
    fn from(e: IdError) -> Self {
        JatigiError::InvalidInput { fr: e.message_fr(), en: e.to_string() }
    }
}

impl From<PinError> for JatigiError {
    fn from(e: PinError) -> Self {
        match e {
            PinError::WrongPin { attempts_before_lockout } => JatigiError::WrongPin { attempts_left: attempts_before_lockout },
            PinError::Locked { seconds } => JatigiError::PinLocked { seconds },
            PinError::Disabled => JatigiError::AccountDisabled,
            e @ (PinError::BadFormat | PinError::TooWeak) => JatigiError::PinRejected { fr: e.message_fr(), en: e.to_string() },
            e => JatigiError::internal(e),
        }
    }
}

impl From<RegistryError> for JatigiError {
    fn from(e: RegistryError) -> Self {
        match e {
            RegistryError::Store(e) => e.into(),
            RegistryError::Model(e) => e.into(),
            RegistryError::Id(e) => e.into(),
            RegistryError::Pin(e) => e.into(),
            RegistryError::UnknownOperator(id) => JatigiError::UnknownOperator { id },
            RegistryError::WrongPin(_) => JatigiError::WrongPin { attempts_left: 0 },
            RegistryError::DecisionMissing { member } => JatigiError::DecisionMissing { member },
            RegistryError::SupervisorRequired => JatigiError::SupervisorRequired,
            RegistryError::UnknownHousehold(id) => JatigiError::NotFound { id },
            e @ (RegistryError::Record(_) | RegistryError::AuditTruncated | RegistryError::InvalidStoredValue { .. }) => {
                JatigiError::StoreDamaged { detail: e.to_string() }
            }
            // A household id is random (40 bits): a collision is a bug, not an operator's doing.
            e => JatigiError::internal(e),
        }
    }
}

impl From<ScannerError> for JatigiError {
    fn from(e: ScannerError) -> Self {
        match e {
            ScannerError::NotConnected => JatigiError::ScannerNotConnected,
            ScannerError::Disconnected => JatigiError::ScannerDisconnected,
            ScannerError::Timeout { .. } => JatigiError::ScannerTimeout,
            ScannerError::Busy => JatigiError::ScannerBusy,
            ScannerError::LowBattery { percent } => JatigiError::ScannerLowBattery { percent },
            ScannerError::NoFinger => JatigiError::NoFinger,
            ScannerError::PoorQuality { quality } => JatigiError::PoorQuality { quality },
            ScannerError::TriggerStuck => JatigiError::TriggerStuck,
            e => JatigiError::ScannerFailed { detail: e.to_string() },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_follow_the_language_setting() {
        let e = JatigiError::WrongPin { attempts_left: 2 };
        assert!(e.message(Language::English).contains("2 attempts left"));
        assert!(e.message(Language::French).contains("encore 2 essais"));
    }

    #[test]
    fn core_validation_messages_keep_both_languages() {
        let e = JatigiError::from(ModelError::NoName);
        assert!(e.message(Language::English).starts_with("A person needs"));
        assert!(e.message(Language::French).starts_with("Une personne doit"));
    }

    #[test]
    fn store_errors_map_to_what_a_screen_does() {
        assert_eq!(JatigiError::from(StoreError::WrongKey), JatigiError::WrongKey);
        assert_eq!(JatigiError::from(StoreError::DiskFull), JatigiError::StorageFull);
        assert!(matches!(JatigiError::from(StoreError::NotAStore), JatigiError::StoreDamaged { .. }));
        assert!(matches!(
            JatigiError::from(RegistryError::Pin(PinError::Locked { seconds: 60 })),
            JatigiError::PinLocked { seconds: 60 }
        ));
    }
}
