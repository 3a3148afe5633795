//! Every error a user of the `jatigi` program can cause, with a one-line message in English
//! ([`std::fmt::Display`]) and in French ([`HubError::french`]).

use std::io;
use std::path::{Path, PathBuf};

use jatigi_core::biometrics::{ExtractError, ImageError, TemplateError};
use jatigi_core::registry::repository::RegistryError;
use jatigi_core::registry::BreakReason;
use jatigi_core::store::StoreError;
use jatigi_core::sync::{PacketError, SyncError};
use thiserror::Error;

/// An error the program reports to its user and exits on.
#[derive(Debug, Error)]
pub enum HubError {
    #[error("cannot read {}: {}", path.display(), io_en(source))]
    Read { path: PathBuf, source: io::Error },

    #[error("cannot write {}: {}", path.display(), io_en(source))]
    Write { path: PathBuf, source: io::Error },

    #[error("{} is not a readable fingerprint image: {source}", path.display())]
    Image { path: PathBuf, source: ImageError },

    #[error("no template could be extracted from {}: {source}", path.display())]
    Extract { path: PathBuf, source: ExtractError },

    #[error("{} is not a valid Jatigi template: {source}", path.display())]
    Template {
        path: PathBuf,
        source: TemplateError,
    },

    #[error("the template could not be encoded: {0}")]
    Encode(TemplateError),

    #[error(
        "{} is not a readable minutiae record (ISO/IEC 19794-2:2005 or 2011, ANSI/INCITS 378-2004): {source}",
        path.display()
    )]
    Minutiae { path: PathBuf, source: jatigi_core::biometrics::formats::FormatError },

    #[error(
        "bad --dpi value {spec:?}: expected {}a whole number of dots per inch from 250 to 1000 (e.g. {})",
        if *per_folder { "FOLDER=N, N " } else { "" },
        if *per_folder { "fvc2002/DB2_B=569" } else { "500" }
    )]
    DpiSyntax { spec: String, per_folder: bool },

    #[error("--dpi {spec} matches none of the folders being evaluated")]
    DpiUnmatched { spec: String },

    #[error("folder {} does not exist", path.display())]
    NoFolder { path: PathBuf },

    #[error("{} is not a folder", path.display())]
    NotAFolder { path: PathBuf },

    #[error(
        "folder {} holds no fingerprint images named FINGER_IMPRESSION.tif (or .tiff, .png, .bmp, .jpg, .jpeg)",
        path.display()
    )]
    NoImages { path: PathBuf },

    #[error(
        "folder {} has no genuine pairs: it needs a finger with at least two impressions",
        path.display()
    )]
    NoGenuinePairs { path: PathBuf },

    #[error(
        "folder {} has no impostor pairs: it needs images of at least two different fingers",
        path.display()
    )]
    NoImpostorPairs { path: PathBuf },

    #[error(
        "the FVC data folder {folder} was not found (looked in {})",
        list(tried)
    )]
    NoDefaultData { folder: String, tried: Vec<PathBuf> },

    #[error("cannot start {threads} worker threads: {reason}")]
    Threads { threads: usize, reason: String },

    #[error("the demo could not make a template from {failed} of its {total} built-in images")]
    DemoFailed { failed: usize, total: usize },

    #[error("the demo stopped: {0}")]
    Demo(String),

    #[error("cannot write the output: {}", io_en(.0))]
    Output(io::Error),

    #[error("registry {}: {source}", path.display())]
    Registry { path: PathBuf, source: RegistryError },

    #[error("the passphrase was expected in the environment variable {var}, which is not set or not valid text: set it (e.g. read -rs {var}; export {var})")]
    PassphraseMissing { var: String },

    #[error("audit log broken at entry {seq}: {reason}")]
    AuditBroken { seq: u64, reason: BreakReason },

    #[error("audit log truncated: its last entries were removed (the chain is intact but shorter than its sealed head records)")]
    AuditTruncated,

    #[error("the benchmark enrolled {found} persons with fingerprints instead of {expected}")]
    BenchPopulation { expected: usize, found: usize },

    #[error("{} is not a readable WSQ image: {source}", path.display())]
    Wsq { path: PathBuf, source: jatigi_core::biometrics::wsq::WsqError },

    #[error(
        "cannot tell the format of {} from its extension (images: .png .tif .bmp .jpg .raw .wsq; templates: .iso .ansi .378 .jtgt)",
        path.display()
    )]
    ConvertExtension { path: PathBuf },

    #[error("an image cannot be converted to a template: use `jatigi extract`")]
    ConvertImageToTemplate,

    #[error("a template cannot be converted to an image")]
    ConvertTemplateToImage,

    #[error("{}", match spec { None => "a raw image needs its size: --size WIDTHxHEIGHT".to_string(), Some(s) => format!("bad --size {s:?}: expected WIDTHxHEIGHT, e.g. 320x480") })]
    RawSize { spec: Option<String> },
    #[error("{context}: {source}")]
    Sync { context: String, source: SyncError },

    #[error("{} holds no hub (no hub.db): create one with `jatigi hub init --hub {}`", path.display(), path.display())]
    NoHub { path: PathBuf },

    #[error("{} already holds a hub", path.display())]
    HubExists { path: PathBuf },

    #[error("{} is not a valid device file: {reason}", path.display())]
    DeviceFile { path: PathBuf, reason: String },

    #[error("{}, line {line}: {reason}", path.display())]
    AdjudicationFile { path: PathBuf, line: usize, reason: String },

    #[error("{} holds no packets (.jtgx files)", path.display())]
    NoPackets { path: PathBuf },

    #[error("{refused} of {total} packets were refused (see the messages above); the others were imported")]
    PacketsRefused { refused: usize, total: usize },

    #[error("--duplicates {duplicates} is more than half of --persons {persons}: each duplicate needs an original")]
    BenchArgs { persons: usize, duplicates: usize },

    #[error("{text:?} is not a household id: {source}")]
    HouseholdId { text: String, source: jatigi_core::registry::IdError },

    #[error("cannot issue the card: {0}")]
    CardIssue(jatigi_core::card::IssueError),

    #[error("cannot render the card: {0}")]
    CardRender(jatigi_core::card::render::RenderError),

    #[error("{}: {source}", path.display())]
    CardScan { path: PathBuf, source: jatigi_core::card::ScanError },

    #[error("key ring {}: {source}", path.display())]
    KeyRing { path: PathBuf, source: jatigi_core::card::KeyRingError },

    #[error("the registry holds no households: no cards to print")]
    NoHouseholds,
}

impl HubError {
    /// The same message in French (technical detail from lower layers stays in the English
    /// message).
    pub fn french(&self) -> String {
        match self {
            HubError::HouseholdId { text, source } => format!("{text:?} n'est pas un identifiant de ménage : {}", source.message_fr()),
            HubError::CardIssue(e) => format!("impossible d'émettre la carte : {}", e.message_fr()),
            HubError::CardRender(_) => "impossible de dessiner la carte : les données ne tiennent pas dans un code QR".to_string(),
            HubError::CardScan { path, source } => format!("{} : {}", path.display(), source.message_fr()),
            HubError::KeyRing { path, source } => format!("trousseau de clés {} : {}", path.display(), source.message_fr()),
            HubError::NoHouseholds => "le registre ne contient aucun ménage : aucune carte à imprimer".to_string(),
            HubError::Read { path, source } => {
                format!("impossible de lire {} : {}", path.display(), io_fr(source))
            }
            HubError::Write { path, source } => {
                format!("impossible d'écrire {} : {}", path.display(), io_fr(source))
            }
            HubError::Image { path, .. } => {
                format!("{} n'est pas une image d'empreinte lisible", path.display())
            }
            HubError::Extract { path, .. } => {
                format!("aucun gabarit n'a pu être extrait de {}", path.display())
            }
            HubError::Template { path, .. } => {
                format!("{} n'est pas un gabarit Jatigi valide", path.display())
            }
            HubError::Encode(_) => "le gabarit n'a pas pu être encodé".to_string(),
            HubError::Wsq { path, .. } => format!("{} n'est pas une image WSQ lisible", path.display()),
            HubError::ConvertExtension { path } => format!(
                "impossible de déduire le format de {} de son extension (images : .png .tif .bmp .jpg .raw .wsq ; gabarits : .iso .ansi .378 .jtgt)",
                path.display()
            ),
            HubError::ConvertImageToTemplate => "une image ne se convertit pas en gabarit : utilisez `jatigi extract`".to_string(),
            HubError::ConvertTemplateToImage => "un gabarit ne se convertit pas en image".to_string(),
            HubError::RawSize { spec: None } => "une image brute a besoin de sa taille : --size LARGEURxHAUTEUR".to_string(),
            HubError::RawSize { spec: Some(s) } => format!("--size {s:?} incorrect : attendu LARGEURxHAUTEUR, par ex. 320x480"),
            HubError::Minutiae { path, .. } => {
                format!(
                    "{} n'est pas un enregistrement de minuties lisible (ISO/IEC 19794-2:2005 ou 2011, ANSI/INCITS 378-2004)",
                    path.display()
                )
            }
            HubError::DpiSyntax { spec, per_folder } => format!(
                "valeur --dpi {spec:?} incorrecte : attendu {}un nombre entier de points par pouce de 250 à 1000 (par ex. {})",
                if *per_folder { "DOSSIER=N, N " } else { "" },
                if *per_folder { "fvc2002/DB2_B=569" } else { "500" }
            ),
            HubError::DpiUnmatched { spec } => {
                format!("--dpi {spec} ne correspond à aucun des dossiers évalués")
            }
            HubError::NoFolder { path } => {
                format!("le dossier {} n'existe pas", path.display())
            }
            HubError::NotAFolder { path } => format!("{} n'est pas un dossier", path.display()),
            HubError::NoImages { path } => format!(
                "le dossier {} ne contient aucune image d'empreinte nommée DOIGT_IMPRESSION.tif (ou .tiff, .png, .bmp, .jpg, .jpeg)",
                path.display()
            ),
            HubError::NoGenuinePairs { path } => format!(
                "le dossier {} n'a aucune paire authentique : il faut au moins un doigt avec deux impressions",
                path.display()
            ),
            HubError::NoImpostorPairs { path } => format!(
                "le dossier {} n'a aucune paire d'imposteurs : il faut des images d'au moins deux doigts différents",
                path.display()
            ),
            HubError::NoDefaultData { folder, tried } => format!(
                "le dossier de données FVC {folder} est introuvable (cherché dans {})",
                list(tried)
            ),
            HubError::Threads { threads, .. } => {
                format!("impossible de lancer {threads} fils d'exécution")
            }
            HubError::Demo(what) => format!("la démonstration s'est arrêtée : {what}"),
            HubError::DemoFailed { failed, total } => format!(
                "la démo n'a pas pu créer de gabarit pour {failed} de ses {total} images intégrées"
            ),
            HubError::Output(source) => {
                format!("impossible d'écrire la sortie : {}", io_fr(source))
            }
            HubError::Registry { path, source } => {
                format!("registre {} : {}", path.display(), registry_fr(source))
            }
            HubError::PassphraseMissing { var } => format!(
                "la phrase secrète était attendue dans la variable d'environnement {var}, qui n'est pas définie ou n'est pas du texte : définissez-la (par ex. read -rs {var}; export {var})"
            ),
            HubError::AuditBroken { seq, reason } => {
                format!("journal d'audit rompu à l'entrée {seq} : {}", break_reason_fr(reason))
            }
            HubError::AuditTruncated => "journal d'audit tronqué : ses dernières entrées ont été retirées (la chaîne est intacte mais plus courte que ce qu'indique sa tête scellée)".to_string(),
            HubError::BenchPopulation { expected, found } => format!(
                "le banc d'essai a enrôlé {found} personnes avec empreintes au lieu de {expected}"
            ),
            HubError::Sync { context, source } => format!("{context} : {}", sync_fr(source)),
            HubError::NoHub { path } => format!(
                "{} ne contient pas de hub (pas de hub.db) : créez-le avec `jatigi hub init --hub {}`",
                path.display(),
                path.display()
            ),
            HubError::HubExists { path } => format!("{} contient déjà un hub", path.display()),
            HubError::DeviceFile { path, .. } => format!("{} n'est pas un fichier d'appareil valide", path.display()),
            HubError::AdjudicationFile { path, line, reason } => format!("{}, ligne {line} : {reason}", path.display()),
            HubError::NoPackets { path } => format!("{} ne contient aucun paquet (fichiers .jtgx)", path.display()),
            HubError::PacketsRefused { refused, total } => format!(
                "{refused} paquets sur {total} ont été refusés (voir les messages ci-dessus) ; les autres ont été importés"
            ),
            HubError::BenchArgs { persons, duplicates } => format!(
                "--duplicates {duplicates} dépasse la moitié de --persons {persons} : chaque doublon a besoin d'un original"
            ),
        }
    }

    /// True when the output went to a closed pipe (`jatigi eval | head`): not worth a message.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, HubError::Output(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }

    pub fn read(path: &Path, source: io::Error) -> Self {
        HubError::Read {
            path: path.to_path_buf(),
            source,
        }
    }

    pub fn write(path: &Path, source: io::Error) -> Self {
        HubError::Write {
            path: path.to_path_buf(),
            source,
        }
    }
}

impl From<io::Error> for HubError {
    /// Only for writes to standard output; file errors carry their path.
    fn from(e: io::Error) -> Self {
        HubError::Output(e)
    }
}

fn io_en(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or folder".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        io::ErrorKind::IsADirectory => "it is a folder, not a file".to_string(),
        _ => e.to_string(),
    }
}

fn io_fr(e: &io::Error) -> &'static str {
    match e.kind() {
        io::ErrorKind::NotFound => "fichier ou dossier introuvable",
        io::ErrorKind::PermissionDenied => "permission refusée",
        io::ErrorKind::IsADirectory => "c'est un dossier, pas un fichier",
        io::ErrorKind::BrokenPipe => "tube fermé",
        _ => "erreur d'entrée-sortie",
    }
}

/// French for a break in the audit chain.
pub fn break_reason_fr(reason: &BreakReason) -> String {
    match reason {
        BreakReason::SeqMismatch { found } => format!(
            "l'entrée {found} s'y trouve à la place : une entrée manque, est en double ou n'est pas à sa place"
        ),
        BreakReason::HashMismatch => {
            "son contenu ne correspond pas à son empreinte : l'entrée a été modifiée".to_string()
        }
        BreakReason::BrokenLink => {
            "elle n'est pas liée à l'entrée précédente : une entrée a été remplacée ou insérée"
                .to_string()
        }
        BreakReason::BadGenesis => {
            "le journal ne commence pas par la valeur d'origine".to_string()
        }
    }
}

/// French for a sync error (export, import, keys), by variant.
pub fn sync_fr(e: &SyncError) -> String {
    match e {
        SyncError::Packet(p) => match p {
            PacketError::NotAPacket => "ce n'est pas un paquet Jatigi (le fichier ne commence pas par JTGX)".to_string(),
            PacketError::UnsupportedVersion(v) => format!("la version {v} du format de paquet n'est pas prise en charge : mettez Jatigi à jour"),
            PacketError::Truncated { needed, available } => format!("paquet tronqué : {needed} octets attendus, {available} présents"),
            PacketError::TrailingBytes(n) => format!("{n} octets inattendus après la signature du paquet"),
            PacketError::BadHeader(_) => "l'en-tête du paquet est mal formé".to_string(),
            PacketError::BadSignature(device) => format!("signature invalide : le paquet a été modifié ou n'a pas été fait par l'appareil {device}"),
            PacketError::WrongProgrammeKey => "déchiffrement impossible : le paquet a été chiffré pour une autre clé de programme".to_string(),
            PacketError::BadBody(_) => "le contenu du paquet est mal formé".to_string(),
            PacketError::RecordCount { declared, found } => format!("le paquet annonce {declared} enregistrements mais en contient {found}"),
            PacketError::Key(_) | PacketError::Crypto => "erreur de clé ou de chiffrement".to_string(),
        },
        SyncError::Key(_) => "clé invalide".to_string(),
        SyncError::Registry(r) => registry_fr(r),
        SyncError::NotProvisioned => "cette tablette n'a pas encore d'identité d'appareil".to_string(),
        SyncError::AlreadyProvisioned(d) => format!("cette base a déjà une identité d'appareil ({d})"),
        SyncError::NoSuchExport(n) => format!("cette tablette n'a jamais fait le paquet {n}"),
        SyncError::NotAHub => "cette base ne contient pas de clé de programme : ce n'est pas un hub".to_string(),
        SyncError::AlreadyAHub => "ce hub a déjà une clé de programme".to_string(),
        SyncError::UnknownDevice(d) => format!("appareil inconnu {d} : enregistrez d'abord son fichier d'appareil (`jatigi hub add-device`)"),
        SyncError::DeviceKeyConflict(d) => format!("l'appareil {d} est déjà enregistré avec une autre clé publique"),
        SyncError::Replayed { device, sequence, .. } => format!("paquet rejoué : le paquet {sequence} de {device} a déjà été importé"),
        SyncError::OutOfOrder { device, sequence, .. } => format!(
            "paquet hors séquence : la date du paquet {sequence} de {device} contredit celles des paquets voisins déjà importés"
        ),
        SyncError::ForeignRecord { device, found } => format!("le paquet de {device} contient un ménage enregistré par {found}"),
        SyncError::HouseholdConflict(id) => format!("le ménage {id} est déjà dans le registre du hub, venu d'un autre paquet"),
    }
}

/// French for a registry error (lower-layer detail stays in the English message).
fn registry_fr(e: &RegistryError) -> String {
    match e {
        RegistryError::Store(s) => store_fr(s),
        RegistryError::Model(m) => m.message_fr(),
        RegistryError::Id(i) => i.message_fr(),
        RegistryError::Pin(p) => p.message_fr(),
        RegistryError::AuditTruncated => "des entrées ont été retirées de la fin du journal d'audit".to_string(),
        RegistryError::UnknownHousehold(id) => format!("aucun ménage {id}"),
        RegistryError::UnknownOperator(id) => format!("aucun agent {id}"),
        RegistryError::InvalidStoredValue { column, row } => {
            format!("la valeur enregistrée {column} de la ligne {row} n'est pas valide")
        }
        _ => "le registre a signalé une erreur (détail dans le message anglais)".to_string(),
    }
}

/// French for a store error, by variant.
fn store_fr(e: &StoreError) -> String {
    match e {
        StoreError::WrongKey => "phrase secrète ou clé incorrecte : la clé de la base n'a pas pu être déverrouillée (rien n'a été modifié)".to_string(),
        StoreError::Tampered { table, column, row } => format!(
            "une valeur enregistrée dans {table}.{column} (ligne {row}) a échoué au contrôle d'intégrité : elle a été modifiée, endommagée ou déplacée d'une autre ligne"
        ),
        StoreError::UnsupportedFormat(v) => format!("une valeur utilise le format de chiffrement {v}, inconnu de cette version : mettez Jatigi à jour"),
        StoreError::NewerVersion { found, supported } => format!(
            "cette base a été écrite par une version plus récente de Jatigi (schéma {found}, cette version connaît jusqu'au {supported}) : mettez Jatigi à jour (rien n'a été modifié)"
        ),
        StoreError::Corrupt { .. } => "le fichier de la base est endommagé ou n'est pas une base Jatigi : restaurez-le depuis une sauvegarde (rien n'a été modifié)".to_string(),
        StoreError::NotAStore => "ce fichier est une base de données mais pas une base Jatigi : vérifiez le fichier choisi (rien n'a été modifié)".to_string(),
        StoreError::ReadOnly => "le fichier de la base ou son dossier est en lecture seule (rien n'a été modifié)".to_string(),
        StoreError::DiskFull => "le stockage est plein : la dernière modification a été annulée, rien d'enregistré auparavant n'est perdu".to_string(),
        StoreError::Busy => "la base est utilisée par un autre programme : réessayez dans un instant".to_string(),
        StoreError::NotFound { path } => format!("aucune base de données à {} : vérifiez le chemin", path.display()),
        StoreError::AlreadyExists { path } => format!("un fichier existe déjà à {} (rien n'a été modifié)", path.display()),
        StoreError::CannotOpen { .. } => "le fichier de la base n'a pas pu être ouvert : vérifiez que son dossier existe".to_string(),
        StoreError::NotPassphraseProtected { provider_id } => format!(
            "cette base n'est pas protégée par une phrase secrète mais par « {provider_id} » : ouvrez-la sur l'appareil qui l'a créée"
        ),
        StoreError::RecordKeyMissing { id } => format!("la clé de l'enregistrement {id} a été effacée : ses données ne peuvent plus être lues"),
        _ => "erreur de la base de données (détail dans le message anglais)".to_string(),
    }
}

fn list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" and ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_line_in_both_languages() {
        let errors = [
            HubError::read(Path::new("a.tif"), io::Error::from(io::ErrorKind::NotFound)),
            HubError::DpiSyntax {
                spec: "x=y".into(),
                per_folder: true,
            },
            HubError::NoImages {
                path: "empty".into(),
            },
            HubError::NoDefaultData {
                folder: "fvc2000/DB1_B".into(),
                tried: vec!["a".into(), "b".into()],
            },
            HubError::Minutiae {
                path: "101_1.iso".into(),
                source: jatigi_core::biometrics::formats::FormatError::NoView,
            },
            HubError::Wsq { path: "a.wsq".into(), source: jatigi_core::biometrics::wsq::WsqError::NotWsq },
            HubError::ConvertExtension { path: "a.doc".into() },
            HubError::ConvertImageToTemplate,
            HubError::ConvertTemplateToImage,
            HubError::RawSize { spec: None },
            HubError::RawSize { spec: Some("12".into()) },
            HubError::NoHouseholds,
            HubError::CardScan { path: "p.jpg".into(), source: jatigi_core::card::ScanError::NotFound },
            HubError::KeyRing { path: "k.json".into(), source: jatigi_core::card::KeyRingError::TooLarge },
            HubError::CardIssue(jatigi_core::card::IssueError::BadStoredKey),
        ];
        for e in errors {
            let (en, fr) = (e.to_string(), e.french());
            assert!(!en.contains('\n') && !fr.contains('\n'));
            assert_ne!(en, fr);
        }
        let e = HubError::read(Path::new("a.tif"), io::Error::from(io::ErrorKind::NotFound));
        assert_eq!(e.to_string(), "cannot read a.tif: no such file or folder");
    }
}
