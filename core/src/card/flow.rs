//! The check at a distribution: a valid card names a household; the household is looked up
//! in the tablet's registry; the person present gives one finger, compared 1:1 with every
//! finger of that household's members listed on the card; the verdict names the member.
//!
//! Why 1:1 against the household and not 1:N: the card narrows the search to a dozen
//! people, so the check is fast on any tablet and its false match rate is that of a dozen
//! comparisons, not of the whole registry.

use thiserror::Error;

use super::trust::Verdict;
use crate::biometrics::{Matcher, PreparedTemplate, Template};
use crate::registry::enrollment::DECISION_THRESHOLD;
use crate::registry::model::CaptureOutcome;
use crate::registry::repository::{Registry, RegistryError};
use crate::registry::{HouseholdId, MemberNo, PersonId};

/// The outcome of a distribution check.
#[derive(Debug, Clone, PartialEq)]
pub enum MemberCheck {
    /// The person is this member of the household on the card (best score given).
    Member { person: PersonId, score: f32 },
    /// The card is good but the finger matches none of its members.
    NoMatch { household: HouseholdId, best_score: f32 },
    /// The card is not valid: nothing was compared.
    CardRejected,
}

/// Why the check could not be made.
#[derive(Debug, Error)]
pub enum FlowError {
    #[error("household {0} is not in this tablet's registry")]
    UnknownHousehold(HouseholdId),
    #[error("household {0} has no fingerprints of the members on its card")]
    NoFingerprints(HouseholdId),
    #[error(transparent)]
    Registry(RegistryError),
}

impl FlowError {
    pub fn message_fr(&self) -> String {
        match self {
            FlowError::UnknownHousehold(id) => format!("le ménage {id} n'est pas dans le registre de cette tablette"),
            FlowError::NoFingerprints(id) => format!("le ménage {id} n'a aucune empreinte des membres de sa carte"),
            FlowError::Registry(e) => format!("registre : {e}"),
        }
    }
}

/// Check the person present (`probe`, one finger) against the household a card names.
/// Only members listed on the card count, and a match needs the calibrated score of the
/// enrolment duplicate check ([`DECISION_THRESHOLD`], false match rate 1 in 10,000).
pub fn check_member(registry: &Registry, verdict: &Verdict, probe: &Template, matcher: &mut Matcher) -> Result<MemberCheck, FlowError> {
    let Verdict::Valid(claims) = verdict else { return Ok(MemberCheck::CardRejected) };
    let household = match registry.load_household(&claims.household) {
        Ok(h) => h,
        Err(RegistryError::UnknownHousehold(_)) => return Err(FlowError::UnknownHousehold(claims.household)),
        Err(e) => return Err(FlowError::Registry(e)),
    };
    let probe = PreparedTemplate::new(probe);
    let mut best: Option<(MemberNo, f32)> = None;
    let mut compared = 0usize;
    for member in household.members.iter().filter(|m| claims.members.contains(&m.number)) {
        for capture in &member.captures {
            let CaptureOutcome::Captured(sample) = &capture.outcome else { continue };
            // A stored template that does not decode is skipped, not fatal: the other
            // fingers can still answer.
            let Ok(template) = Template::from_bytes(&sample.template) else { continue };
            compared += 1;
            let score = matcher.compare(&probe, &PreparedTemplate::new(&template));
            if best.is_none_or(|(_, s)| score > s) {
                best = Some((member.number, score));
            }
        }
    }
    match best {
        None if compared == 0 => Err(FlowError::NoFingerprints(claims.household)),
        Some((number, score)) if score >= DECISION_THRESHOLD => Ok(MemberCheck::Member { person: PersonId::new(claims.household, number), score }),
        best => Ok(MemberCheck::NoMatch { household: claims.household, best_score: best.map_or(0.0, |(_, s)| s) }),
    }
}
