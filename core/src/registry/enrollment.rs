//! The enrollment workflow on the tablet: capture the best of a few attempts per finger,
//! check every member against everyone enrolled before saving, let the operator decide
//! about each match, and save the household whole.
//!
//! The screens (Kotlin) drive it; the rules live here so they are the same everywhere and
//! tested without a tablet.

use std::collections::HashMap;

use super::ids::{MemberNo, PersonId};
use super::model::{CaptureOutcome, FingerSample, Household, Operator, Timestamp};
use super::repository::{DuplicateDecision, Registry, RegistryError};
use crate::biometrics::calibration::fmr_of_score;
use crate::biometrics::search::{FingerCode, Gallery, Probe, SearchOptions};
use crate::biometrics::{Matcher, Template};

/// Calibrated person score at which a candidate must be decided on by the operator before
/// saving: 40 is a false match rate of 1 in 10,000 for one finger.
pub const DECISION_THRESHOLD: f32 = 40.0;

/// How many attempts a finger gets and what quality ends them early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapturePolicy {
    /// Attempts per finger before keeping the best one.
    pub max_attempts: u8,
    /// Image quality (0-100) that is good enough to stop trying.
    pub good_quality: u8,
}

impl Default for CapturePolicy {
    fn default() -> Self {
        // Three attempts: field experience shows quality rarely improves after that, and a
        // queue is waiting. 60 is a clear print in the quality score of `biometrics::quality`.
        CapturePolicy { max_attempts: 3, good_quality: 60 }
    }
}

/// What the screen should do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptVerdict {
    /// Good enough: move to the next finger.
    Accepted,
    /// Below the quality asked for: try again (`remaining` attempts left).
    TryAgain { remaining: u8 },
    /// No attempts left: the best one is kept.
    KeptBest,
}

/// The attempts at one finger; keeps the best.
#[derive(Debug, Clone)]
pub struct FingerAttempts {
    policy: CapturePolicy,
    attempts: u8,
    best: Option<FingerSample>,
}

impl FingerAttempts {
    pub fn new(policy: CapturePolicy) -> Self {
        FingerAttempts { policy, attempts: 0, best: None }
    }

    /// Record one attempt.
    pub fn offer(&mut self, sample: FingerSample) -> AttemptVerdict {
        self.attempts = self.attempts.saturating_add(1);
        let quality = sample.quality;
        if self.best.as_ref().is_none_or(|b| quality > b.quality) {
            self.best = Some(sample);
        }
        if quality >= self.policy.good_quality {
            AttemptVerdict::Accepted
        } else if self.attempts >= self.policy.max_attempts {
            AttemptVerdict::KeptBest
        } else {
            AttemptVerdict::TryAgain { remaining: self.policy.max_attempts - self.attempts }
        }
    }

    /// The best attempt so far.
    pub fn best(&self) -> Option<&FingerSample> {
        self.best.as_ref()
    }

    pub fn into_best(self) -> Option<FingerSample> {
        self.best
    }
}

/// An enrolled person who may be the member being enrolled.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicateCandidate {
    pub person: PersonId,
    /// Fused calibrated score of all compared fingers.
    pub score: f32,
    /// False match rate that score stands for.
    pub fmr: f64,
    /// (finger position code, calibrated score) per compared finger.
    pub fingers: Vec<(FingerCode, f32)>,
}

/// The candidates found for one member of the household being enrolled.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberCandidates {
    pub member: MemberNo,
    pub candidates: Vec<DuplicateCandidate>,
}

impl MemberCandidates {
    /// Whether the operator must decide before the household can be saved.
    pub fn needs_decision(&self) -> bool {
        self.candidates.iter().any(|c| c.score >= DECISION_THRESHOLD)
    }
}

/// The enrolled persons of a tablet, ready for duplicate checks.
#[derive(Debug, Default)]
pub struct EnrolledPersons {
    gallery: Gallery,
    people: HashMap<u64, PersonId>,
    next_key: u64,
}

/// Decoded templates of a member, with their finger codes.
fn member_templates(household: &Household, number: MemberNo) -> Vec<(FingerCode, Template)> {
    let Some(member) = household.member(number) else { return Vec::new() };
    member
        .captures
        .iter()
        .filter_map(|c| match &c.outcome {
            CaptureOutcome::Captured(sample) => Template::from_bytes(&sample.template).ok().map(|t| (c.finger.code(), t)),
            CaptureOutcome::Exception(_) => None,
        })
        .collect()
}

impl EnrolledPersons {
    /// Everyone in the registry.
    pub fn load(registry: &Registry) -> Result<Self, RegistryError> {
        let (gallery, people) = registry.load_gallery()?;
        let next_key = people.keys().max().map_or(1, |k| k + 1) + (1 << 40);
        Ok(EnrolledPersons { gallery, people, next_key })
    }

    /// Number of persons with fingerprints.
    pub fn len(&self) -> usize {
        self.gallery.len()
    }

    pub fn is_empty(&self) -> bool {
        self.gallery.is_empty()
    }

    /// Build every cylinder of the gallery now, for example on a background thread after
    /// loading, so that no duplicate check pays for them later.
    pub fn prepare_all(&self) {
        self.gallery.prepare_all();
    }

    /// Enrolled persons who may be the owner of `fingers` (finger code, template), fused
    /// scores, best first: the search behind both the duplicate check and identifying a
    /// person at the scanner.
    pub fn identify(&self, fingers: &[(FingerCode, Template)], matcher: &mut Matcher, options: &SearchOptions) -> Vec<DuplicateCandidate> {
        if fingers.is_empty() {
            return Vec::new();
        }
        self.search_gallery(&Probe::new(fingers), matcher, options)
    }

    fn search_gallery(&self, probe: &Probe, matcher: &mut Matcher, options: &SearchOptions) -> Vec<DuplicateCandidate> {
        self.gallery
            .search(probe, matcher, options)
            .into_iter()
            .filter_map(|hit| {
                self.people.get(&hit.person).map(|person| DuplicateCandidate {
                    person: *person,
                    score: hit.score,
                    fmr: fmr_of_score(hit.score),
                    fingers: hit.fingers,
                })
            })
            .collect()
    }

    /// Search every enrolled person with all captured fingers of each member; fused scores,
    /// best first. Members of the household are also checked against each other (the same
    /// person entered twice).
    pub fn check(&self, household: &Household, matcher: &mut Matcher, options: &SearchOptions) -> Vec<MemberCandidates> {
        self.check_with_progress(household, matcher, options, &mut |_, _| true).unwrap_or_default()
    }

    /// [`check`](Self::check), calling `progress(members checked, members in all)` after
    /// each member; when it returns `false` (the operator cancelled) the check stops and
    /// returns `None`. A screen shows the count; a household of ten against a large
    /// gallery takes a few seconds on a tablet.
    pub fn check_with_progress(
        &self,
        household: &Household,
        matcher: &mut Matcher,
        options: &SearchOptions,
        progress: &mut dyn FnMut(usize, usize) -> bool,
    ) -> Option<Vec<MemberCandidates>> {
        let mut within = Gallery::new();
        let mut out = Vec::new();
        let total = household.members.len();
        for (done, member) in household.members.iter().enumerate() {
            let templates = member_templates(household, member.number);
            if !templates.is_empty() {
                let probe = Probe::new(&templates);
                let mut candidates = self.search_gallery(&probe, matcher, options);
                for hit in within.search(&probe, matcher, options) {
                    if let Ok(number) = MemberNo::new(hit.person as u8) {
                        candidates.push(DuplicateCandidate {
                            person: PersonId::new(household.id, number),
                            score: hit.score,
                            fmr: fmr_of_score(hit.score),
                            fingers: hit.fingers,
                        });
                    }
                }
                candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
                within.add(u64::from(member.number.get()), &templates);
                if !candidates.is_empty() {
                    out.push(MemberCandidates { member: member.number, candidates });
                }
            }
            if !progress(done + 1, total) {
                return None;
            }
        }
        Some(out)
    }

    /// Check, require a decision for every member who matched, save the household in one
    /// transaction, and add its new persons to the gallery.
    pub fn enroll(
        &mut self,
        registry: &Registry,
        household: &Household,
        decisions: &[(MemberNo, DuplicateDecision)],
        operator: &Operator,
        now: Timestamp,
        matcher: &mut Matcher,
    ) -> Result<Vec<MemberCandidates>, RegistryError> {
        let found = self.check(household, matcher, &SearchOptions::default());
        for member in found.iter().filter(|m| m.needs_decision()) {
            if !decisions.iter().any(|(n, _)| *n == member.member) {
                return Err(RegistryError::DecisionMissing { member: member.member.get() });
            }
        }
        registry.save_household(household, decisions, operator, now)?;
        for member in &household.members {
            let linked = decisions.iter().any(|(n, d)| *n == member.number && matches!(d, DuplicateDecision::SamePerson(_)));
            let templates = member_templates(household, member.number);
            if linked || templates.is_empty() {
                continue;
            }
            let key = self.next_key;
            self.next_key += 1;
            self.gallery.add(key, &templates);
            self.people.insert(key, PersonId::new(household.id.clone(), member.number));
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(quality: u8) -> FingerSample {
        FingerSample { template: vec![quality], quality, image: None }
    }

    #[test]
    fn a_check_reports_every_member_and_stops_when_cancelled() {
        let now = crate::registry::model::Date::new(2025, 6, 1).map(|d| d.start()).expect("date");
        let household = (1..50).map(|seed| super::super::synthetic::household(seed, now, 2)).find(|h| h.members.len() >= 3).expect("a household of three or more");
        let persons = EnrolledPersons::default();
        let mut seen = Vec::new();
        let found = persons.check_with_progress(&household, &mut Matcher::new(), &SearchOptions::default(), &mut |done, total| {
            seen.push((done, total));
            true
        });
        let found = found.expect("not cancelled");
        assert!(found.iter().all(|m| !m.needs_decision()), "strangers, and an empty gallery: {found:?}");
        let n = household.members.len();
        assert_eq!(seen, (1..=n).map(|d| (d, n)).collect::<Vec<_>>());
        let mut calls = 0;
        let cancelled = persons.check_with_progress(&household, &mut Matcher::new(), &SearchOptions::default(), &mut |_, _| {
            calls += 1;
            false
        });
        assert_eq!((cancelled, calls), (None, 1));
        assert!(persons.identify(&[], &mut Matcher::new(), &SearchOptions::default()).is_empty());
    }

    #[test]
    fn a_good_first_attempt_is_accepted() {
        let mut f = FingerAttempts::new(CapturePolicy::default());
        assert_eq!(f.offer(sample(75)), AttemptVerdict::Accepted);
        assert_eq!(f.best().map(|s| s.quality), Some(75));
    }

    #[test]
    fn poor_attempts_are_retried_then_the_best_is_kept() {
        let mut f = FingerAttempts::new(CapturePolicy { max_attempts: 3, good_quality: 60 });
        assert_eq!(f.offer(sample(30)), AttemptVerdict::TryAgain { remaining: 2 });
        assert_eq!(f.offer(sample(45)), AttemptVerdict::TryAgain { remaining: 1 });
        assert_eq!(f.offer(sample(20)), AttemptVerdict::KeptBest);
        assert_eq!(f.into_best().map(|s| s.quality), Some(45));
    }
}
