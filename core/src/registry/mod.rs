//! The household registry: data model, identifiers, name search keys, operator PINs and the
//! hash-chained audit log (issue 3). Storage-agnostic: the store (`crate::store`) decides
//! how these become rows and which values it seals (docs/formats/schema.md says which).
//! The enrollment workflow and duplicate check come with the store integration.

pub mod audit;
pub mod enrollment;
pub mod ids;
pub mod model;
pub mod names;
pub mod pin;
pub mod record;
pub mod repository;
pub mod synthetic;

pub use audit::{
    verify as verify_audit_log, AuditAction, AuditBreak, AuditChain, AuditEntry, AuditError,
    BreakReason, ChainHead, DuplicateOutcome,
};
pub use ids::{HouseholdId, IdError, MemberNo, PersonId, Region};
pub use model::{
    Birth, Capture, CaptureException, CaptureExceptionKind, CaptureOutcome, Consent,
    ConsentDecision, ConsentMethod, Date, DeviceId, Displacement, DisplacementReason,
    DisplacementSite, DocumentKind, FacePhoto, FingerImage, FingerImageFormat, FingerPosition,
    FingerSample, GeoPoint, Household, IdentityDocument, Member, ModelError, Operator, OperatorId,
    Origin, Person, Phone, Relation, Role, Sex, Timestamp, Vulnerabilities, Vulnerability,
};
pub use names::NameKey;
pub use pin::{LockoutPolicy, PinError, PinGuard, PinHash};
pub use record::RecordError;
