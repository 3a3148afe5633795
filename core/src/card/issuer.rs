//! The issuer: a tablet's Ed25519 signing key, kept sealed in its encrypted store, and the
//! making of a card from a household.
//!
//! Why in the store: the store is already what the Keystore (or the hub's passphrase)
//! unlocks, so the signing key gets the same protection as the people's data and never
//! exists unsealed on disk. The key is PKCS#8 (what ring generates and reads), sealed under
//! the store's data key bound to table `card_issuer`, column `pkcs8`, row 1. One key per
//! store: a tablet signs with its own key, so losing a tablet revokes only its key.

use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};
use rusqlite::{params, OptionalExtension};
use thiserror::Error;
use zeroize::Zeroizing;

use super::payload::{self, CardClaims, CardError, CardSerial, KeyId, SignedMessage, MAX_NAME_CHARS, MAX_SITE_CHARS};
use crate::registry::repository::{Registry, RegistryError};
use crate::registry::{Household, Timestamp};
use crate::store::{Aad, Migration};

/// The registry schema step that adds the issuer key table (appended to
/// `REGISTRY_MIGRATIONS`).
pub const ISSUER_MIGRATION: Migration = Migration {
    version: 4,
    name: "card issuer key",
    sql: "
        CREATE TABLE card_issuer (
            row INTEGER PRIMARY KEY CHECK (row = 1),
            kid BLOB NOT NULL,
            public_key BLOB NOT NULL,
            created_at INTEGER NOT NULL,
            pkcs8 BLOB NOT NULL
        );
    ",
};

/// How long a card stays valid: two years, the usual length of a registration cycle before
/// households are verified again.
pub const DEFAULT_VALIDITY_SECONDS: i64 = 2 * 365 * 86_400;

/// Why a card could not be issued.
#[derive(Debug, Error)]
pub enum IssueError {
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Card(#[from] CardError),
    #[error("the stored issuer key is invalid")]
    BadStoredKey,
}

impl IssueError {
    pub fn message_fr(&self) -> String {
        match self {
            IssueError::Registry(e) => format!("registre : {e}"),
            IssueError::Card(e) => e.message_fr(),
            IssueError::BadStoredKey => "la clé d'émetteur enregistrée est invalide".into(),
        }
    }
}

/// What a card carries beyond the minimum, set per programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClaimOptions {
    /// Carry the head of household's name (off by default: data minimisation).
    pub head_name: bool,
    /// Validity in seconds from issue ([`DEFAULT_VALIDITY_SECONDS`] when `None`).
    pub validity_seconds: Option<i64>,
}

/// The site code of a household: the region code and the first letters of the site name,
/// folded to `A-Z 0-9` (`GAO-SOSSO`), at most 16 characters.
pub fn site_code(household: &Household) -> String {
    let folded: String = crate::registry::names::fold(&household.site.site_name)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let mut code = format!("{}-{folded}", household.site.region.code());
    code.truncate(MAX_SITE_CHARS);
    code.trim_end_matches('-').to_string()
}

impl CardClaims {
    /// The claims of a new card for `household`.
    pub fn for_household(household: &Household, serial: CardSerial, issued_at: Timestamp, options: ClaimOptions) -> CardClaims {
        let mut members: Vec<_> = household.members.iter().map(|m| m.number).collect();
        members.sort();
        members.truncate(payload::MAX_MEMBERS);
        let head_name = options.head_name.then(|| household.head_member()).flatten().map(|m| {
            let name = format!("{} {}", m.person.given_names, m.person.family_name);
            name.trim().chars().take(MAX_NAME_CHARS).collect::<String>()
        });
        CardClaims {
            household: household.id,
            serial,
            issued_at,
            expires_at: Timestamp(issued_at.0.saturating_add(options.validity_seconds.unwrap_or(DEFAULT_VALIDITY_SECONDS))),
            site: site_code(household),
            member_count: members.len() as u8,
            members,
            head_name: head_name.filter(|n| !n.is_empty()),
        }
    }
}

/// A signed card: its COSE bytes and the text its QR code holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCard {
    pub claims: CardClaims,
    pub cose: Vec<u8>,
    pub text: String,
}

/// A signing key.
pub struct CardIssuer {
    key_pair: Ed25519KeyPair,
    kid: KeyId,
}

impl std::fmt::Debug for CardIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardIssuer").field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl CardIssuer {
    /// A new random key, and its PKCS#8 document (to seal; wiped when dropped).
    pub fn generate() -> Result<(CardIssuer, Zeroizing<Vec<u8>>), CardError> {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).map_err(|_| CardError::RandomUnavailable)?;
        let pkcs8 = Zeroizing::new(pkcs8.as_ref().to_vec());
        let issuer = CardIssuer::from_pkcs8(&pkcs8)?;
        Ok((issuer, pkcs8))
    }

    /// The key in a PKCS#8 document.
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<CardIssuer, CardError> {
        let key_pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8).map_err(|_| CardError::Signing)?;
        let kid = KeyId::of_public_key(key_pair.public_key().as_ref());
        Ok(CardIssuer { key_pair, kid })
    }

    /// The key made from a 32-byte seed. For tests, vectors and benchmarks only: a real
    /// issuer's key comes from [`generate`](Self::generate).
    pub fn from_seed(seed: &[u8; 32]) -> Result<CardIssuer, CardError> {
        let key_pair = Ed25519KeyPair::from_seed_unchecked(seed).map_err(|_| CardError::Signing)?;
        let kid = KeyId::of_public_key(key_pair.public_key().as_ref());
        Ok(CardIssuer { key_pair, kid })
    }

    /// The key id cards carry.
    pub fn kid(&self) -> KeyId {
        self.kid
    }

    /// The 32-byte public key, for key rings.
    pub fn public_key(&self) -> [u8; 32] {
        let mut key = [0u8; 32];
        key.copy_from_slice(self.key_pair.public_key().as_ref());
        key
    }

    /// Sign `claims` into a card.
    pub fn sign(&self, claims: CardClaims) -> SignedCard {
        let message = SignedMessage::sign(self.kid, claims.to_cbor(), |bytes| self.key_pair.sign(bytes).as_ref().to_vec());
        let cose = message.to_cose();
        let text = payload::to_text(&cose);
        SignedCard { claims, cose, text }
    }

    /// Issue a new card (fresh serial) for `household`.
    pub fn issue(&self, household: &Household, now: Timestamp, options: ClaimOptions) -> Result<SignedCard, CardError> {
        Ok(self.sign(CardClaims::for_household(household, CardSerial::generate()?, now, options)))
    }

    /// The store's issuer key, created and sealed on first use.
    pub fn load_or_create(registry: &Registry, now: Timestamp) -> Result<CardIssuer, IssueError> {
        let store = registry.store();
        let aad = Aad::new("card_issuer", "pkcs8", 1);
        store.transaction(|tx| {
            let sealed: Option<Vec<u8>> = tx.query_row("SELECT pkcs8 FROM card_issuer WHERE row = 1", [], |r| r.get(0)).optional().map_err(RegistryError::from)?;
            if let Some(sealed) = sealed {
                let pkcs8 = store.open_sealed(&aad, &sealed).map_err(RegistryError::from)?;
                return CardIssuer::from_pkcs8(&pkcs8).map_err(|_| IssueError::BadStoredKey);
            }
            let (issuer, pkcs8) = CardIssuer::generate()?;
            let sealed = store.seal(&aad, &pkcs8).map_err(RegistryError::from)?;
            tx.execute(
                "INSERT INTO card_issuer (row, kid, public_key, created_at, pkcs8) VALUES (1, ?1, ?2, ?3, ?4)",
                params![issuer.kid.0.to_vec(), issuer.public_key().to_vec(), now.0, sealed],
            )
            .map_err(RegistryError::from)?;
            Ok(issuer)
        })
    }
}

impl From<crate::store::StoreError> for IssueError {
    fn from(e: crate::store::StoreError) -> Self {
        IssueError::Registry(RegistryError::from(e))
    }
}
