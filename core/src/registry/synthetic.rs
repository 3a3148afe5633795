//! Deterministic synthetic data for tests, benchmarks and demos: households of displaced
//! families in northern and central Mali, with names, places, consent and fingerprint
//! templates, all drawn from a seed.
//!
//! The same seed gives the same household, byte for byte (ids, names, dates, templates), on
//! every machine: no system randomness, no `rand` crate, only [`SplitMix64`]. Nothing here is
//! real: the names are common Malian names combined at random, the places are real cercles
//! and communes with invented site names, and the templates are random minutiae that no
//! finger ever had. Never mix this data with real registrations.
//!
//! - [`household`]: a household of 1-8 members that passes [`Household::validate`].
//! - [`synthetic_template`] and [`another_impression`]: a finger, and a second impression of
//!   it (rotated, shifted, jittered, some minutiae missed) that the matcher recognises.
//! - [`add_media`]: fingerprint images and face photos (random bytes with the right magic),
//!   for tests that look for biometric bytes on disk.
//! - [`operator`]: an operator with a cheap PIN hash, for tests.

use ring::rand::SystemRandom;

use super::ids::{HouseholdId, MemberNo, Region};
use super::model::{
    clean_text, Birth, Capture, CaptureException, CaptureExceptionKind, CaptureOutcome, Consent,
    ConsentDecision, ConsentMethod, Date, DeviceId, Displacement, DisplacementReason,
    DisplacementSite, DocumentKind, FacePhoto, FingerImage, FingerImageFormat, FingerPosition,
    FingerSample, GeoPoint, Household, IdentityDocument, Member, Operator, OperatorId, Origin,
    Person, Phone, Relation, Role, Sex, Timestamp, Vulnerabilities, Vulnerability,
    EARLIEST_REGISTRATION,
};
use super::pin::PinHash;
use super::repository::RegistryError;
use crate::biometrics::{Minutia, MinutiaKind, Template};

/// Width of a synthetic finger image at 500 dpi, in pixels.
pub const TEMPLATE_WIDTH: u16 = 300;
/// Height of a synthetic finger image at 500 dpi, in pixels.
pub const TEMPLATE_HEIGHT: u16 = 360;
/// Smallest distance between two minutiae of a synthetic template, in pixels.
pub const MIN_MINUTIA_SPACING: f64 = 12.0;
/// Most members in a synthetic household.
pub const MAX_SYNTHETIC_MEMBERS: u8 = 8;

/// Fingers in the order they are captured: index fingers first (what a two-finger
/// deployment takes), then thumbs, middle, ring and little fingers.
pub const CAPTURE_ORDER: [FingerPosition; 10] = [
    FingerPosition::RightIndex,
    FingerPosition::LeftIndex,
    FingerPosition::RightThumb,
    FingerPosition::LeftThumb,
    FingerPosition::RightMiddle,
    FingerPosition::LeftMiddle,
    FingerPosition::RightRing,
    FingerPosition::LeftRing,
    FingerPosition::RightLittle,
    FingerPosition::LeftLittle,
];

// ---------------------------------------------------------------------------------------
// Random numbers
// ---------------------------------------------------------------------------------------

/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators",
/// OOPSLA 2014): 64 bits of state, good enough statistics for test data, and the same
/// sequence on every platform. Not for keys, nonces or anything secret.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0), by multiply-shift (Lemire): no modulo bias
    /// worth speaking of for the small `n` used here.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `lo..=hi` (`lo` when `hi < lo`).
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = (hi - lo) as u64 + 1;
        lo + self.below(span) as i64
    }

    /// A number in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A number in [-1, 1).
    pub fn signed_unit(&mut self) -> f64 {
        self.unit() * 2.0 - 1.0
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One element of a non-empty slice (the tables of this module are never empty).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// `n` random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n + 8);
        while out.len() < n {
            out.extend_from_slice(&self.next_u64().to_le_bytes());
        }
        out.truncate(n);
        out
    }
}

/// A seed derived from `seed` and a label, so that the parts of a household (each member,
/// each finger) get independent streams that do not shift when another part changes.
pub fn derive_seed(seed: u64, label: u64) -> u64 {
    SplitMix64::new(seed ^ label.wrapping_mul(0xD1B5_4A32_D192_ED03)).next_u64()
}

// ---------------------------------------------------------------------------------------
// Names and places
// ---------------------------------------------------------------------------------------

const FEMALE_NAMES: &[&str] = &[
    "Fatoumata", "Aïcha", "Oumou", "Mariam", "Kadiatou", "Aminata", "Awa", "Hawa", "Djénéba",
    "Assétou", "Kadidia", "Fanta", "Safiatou", "Salimata", "Rokia", "Nana", "Maïmouna",
    "Bintou", "Haoua", "Fadimata", "Tahitou", "Zeinabou", "Adizatou", "Ramatou", "Mariama",
];

const MALE_NAMES: &[&str] = &[
    "Moussa", "Hamadoun", "Boubacar", "Amadou", "Ibrahim", "Souleymane", "Mamadou", "Oumar",
    "Abdoulaye", "Issa", "Seydou", "Alassane", "Bakary", "Modibo", "Sékou", "Youssouf",
    "Mahamane", "Ousmane", "Adama", "Hamidou", "Attaher", "Alhousseini", "Aboubacrine",
    "Baba", "Almoustapha",
];

/// Family names; Tuareg and Arab names with `Ag` (son of) are given as a man's name, and a
/// woman of the same family bears `Walet` (daughter of) instead.
const FAMILY_NAMES: &[&str] = &[
    "Traoré", "Maïga", "Cissé", "Touré", "Diallo", "Coulibaly", "Ag Mohamed", "Keïta",
    "Diarra", "Sidibé", "Sangaré", "Dembélé", "Konaté", "Koné", "Dicko", "Haïdara",
    "Ag Ahmed", "Sow", "Bah", "Guindo", "Tembely", "Kassogué", "Cissoko", "Yattara",
    "Ag Intallah", "Bocoum", "Tamboura",
];

const NICKNAMES: &[&str] = &["Fatim", "Ina", "Baba", "Papa", "Nènè", "Tanti", "Vieux", "Doua"];

/// A displacement site: region, cercle, commune, site names, and a point near the site.
struct Site {
    region: Region,
    cercle: &'static str,
    commune: &'static str,
    sites: &'static [&'static str],
    lat: f64,
    lon: f64,
}

const SITES: &[Site] = &[
    Site { region: Region::Gao, cercle: "Gao", commune: "Gao", sites: &["Site de Château", "Site de Sosso Koïra", "Quartier Aljanabandia", "Site de Saneye"], lat: 16.2717, lon: -0.0447 },
    Site { region: Region::Gao, cercle: "Gao", commune: "Sony Aliber", sites: &["Site de Gadeye"], lat: 16.19, lon: 0.06 },
    Site { region: Region::Gao, cercle: "Ansongo", commune: "Ansongo", sites: &["Site d'Ansongo Nord", "Site de Bazi-Haoussa"], lat: 15.66, lon: 0.50 },
    Site { region: Region::Gao, cercle: "Bourem", commune: "Bourem", sites: &["Site de Bourem Est"], lat: 16.95, lon: -0.35 },
    Site { region: Region::Menaka, cercle: "Ménaka", commune: "Ménaka", sites: &["Site de Ménaka Est", "Site d'Intikane", "Quartier Aguazraguen"], lat: 15.92, lon: 2.40 },
    Site { region: Region::Menaka, cercle: "Ménaka", commune: "Inékar", sites: &["Site d'Inékar Centre"], lat: 15.96, lon: 3.15 },
    Site { region: Region::Menaka, cercle: "Ménaka", commune: "Andéramboukane", sites: &["Site d'Andéramboukane"], lat: 15.42, lon: 3.03 },
    Site { region: Region::Mopti, cercle: "Mopti", commune: "Mopti", sites: &["Site de Sévaré II", "Quartier Medina Coura", "Site de Gangal"], lat: 14.49, lon: -4.19 },
    Site { region: Region::Mopti, cercle: "Mopti", commune: "Socoura", sites: &["Site de Socoura"], lat: 14.52, lon: -4.13 },
    Site { region: Region::Mopti, cercle: "Djenné", commune: "Djenné", sites: &["Site de Djenné Ouest"], lat: 13.91, lon: -4.55 },
    Site { region: Region::Segou, cercle: "Ségou", commune: "Ségou", sites: &["Site de Médine", "Site de Darsalam"], lat: 13.43, lon: -6.26 },
    Site { region: Region::Segou, cercle: "Ségou", commune: "Pélengana", sites: &["Site de Pélengana"], lat: 13.41, lon: -6.22 },
    Site { region: Region::Segou, cercle: "Niono", commune: "Niono", sites: &["Site de Niono Coloni"], lat: 14.25, lon: -5.99 },
    Site { region: Region::Tombouctou, cercle: "Tombouctou", commune: "Tombouctou", sites: &["Site d'Abaradjou", "Site de Kabara", "Quartier Bellafarandi"], lat: 16.77, lon: -3.00 },
    Site { region: Region::Tombouctou, cercle: "Goundam", commune: "Goundam", sites: &["Site de Goundam"], lat: 16.41, lon: -3.67 },
    Site { region: Region::Tombouctou, cercle: "Diré", commune: "Diré", sites: &["Site de Diré"], lat: 16.28, lon: -3.39 },
];

/// A place of origin: region, cercle, commune and villages.
struct Home {
    region: Region,
    cercle: &'static str,
    commune: &'static str,
    villages: &'static [&'static str],
}

const HOMES: &[Home] = &[
    Home { region: Region::Menaka, cercle: "Ménaka", commune: "Inékar", villages: &["Inékar", "Tinabaw"] },
    Home { region: Region::Menaka, cercle: "Ménaka", commune: "Andéramboukane", villages: &["Andéramboukane", "Infoukaretane"] },
    Home { region: Region::Menaka, cercle: "Tidermène", commune: "Tidermène", villages: &["Tidermène", "Alata"] },
    Home { region: Region::Gao, cercle: "Ansongo", commune: "Tessit", villages: &["Tessit", "Intahaka"] },
    Home { region: Region::Gao, cercle: "Ansongo", commune: "Ouatagouna", villages: &["Ouatagouna", "Karou", "Daoutegeft"] },
    Home { region: Region::Gao, cercle: "Bourem", commune: "Tarkint", villages: &["Tarkint"] },
    Home { region: Region::Mopti, cercle: "Ténenkou", commune: "Diafarabé", villages: &["Diafarabé", "Nampala Peul"] },
    Home { region: Region::Mopti, cercle: "Youwarou", commune: "Dialloubé", villages: &["Dialloubé"] },
    Home { region: Region::Douentza, cercle: "Douentza", commune: "Boni", villages: &["Boni", "Hombori"] },
    Home { region: Region::Bandiagara, cercle: "Bandiagara", commune: "Sangha", villages: &["Sangha", "Ogossagou"] },
    Home { region: Region::Segou, cercle: "Niono", commune: "Dogofry", villages: &["Dogofry", "Nampala"] },
    Home { region: Region::Segou, cercle: "Macina", commune: "Kolongo", villages: &["Kolongo"] },
    Home { region: Region::Tombouctou, cercle: "Niafunké", commune: "Léré", villages: &["Léré", "Dianké"] },
    Home { region: Region::Tombouctou, cercle: "Tombouctou", commune: "Ber", villages: &["Ber", "Agouni"] },
    Home { region: Region::Kidal, cercle: "Tessalit", commune: "Tessalit", villages: &["Aguelhok"] },
];

const OTHER_REASONS: &[&str] = &["conflit foncier", "menaces contre la famille", "perte du bétail", "fermeture des écoles"];

/// Family name of a person of `sex` in a family named `family`: `Ag X` becomes `Walet X`
/// for a woman.
fn family_name_for(family: &str, sex: Sex) -> String {
    match (family.strip_prefix("Ag "), sex) {
        (Some(rest), Sex::Female) => format!("Walet {rest}"),
        _ => family.to_string(),
    }
}

// ---------------------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------------------

/// A synthetic finger: 30-45 minutiae at least 12 px apart, inside an elliptic finger area
/// of a 300 x 360 image (so that another impression, moved by up to 20 px and 20°, still
/// falls inside the image), random directions and kinds, quality 60-100.
pub fn synthetic_template(seed: u64) -> Template {
    let mut rng = SplitMix64::new(derive_seed(seed, 0x7E3F));
    let count = rng.range(30, 45) as usize;
    let (cx, cy) = (f64::from(TEMPLATE_WIDTH) / 2.0, f64::from(TEMPLATE_HEIGHT) / 2.0);
    let (rx, ry) = (cx - 30.0, cy - 30.0);
    let mut minutiae: Vec<Minutia> = Vec::with_capacity(count);
    // The area holds several hundred minutiae at this spacing: the loop ends long before
    // the bound, which only guards against a mistake in the constants.
    for _ in 0..100_000 {
        if minutiae.len() >= count {
            break;
        }
        let (u, v) = (rng.signed_unit(), rng.signed_unit());
        if u * u + v * v > 1.0 {
            continue;
        }
        let (x, y) = ((cx + u * rx).round(), (cy + v * ry).round());
        let crowded = minutiae.iter().any(|m| {
            let (dx, dy) = (f64::from(m.x) - x, f64::from(m.y) - y);
            dx * dx + dy * dy < MIN_MINUTIA_SPACING * MIN_MINUTIA_SPACING
        });
        if crowded {
            continue;
        }
        let kind = if rng.chance(0.5) { MinutiaKind::Ending } else { MinutiaKind::Bifurcation };
        minutiae.push(Minutia { x: x as u16, y: y as u16, angle: rng.below(256) as u8, kind, quality: rng.range(60, 100) as u8 });
    }
    Template { width: TEMPLATE_WIDTH, height: TEMPLATE_HEIGHT, quality: rng.range(60, 100) as u8, minutiae }
}

/// Another impression of the finger `t`, as a second capture would give it: rotated by up
/// to ±20° about the image centre, shifted by up to ±20 px, each minutia jittered by up to
/// ±2 px (and its direction by up to ±2 units of 1.4°), about 10% of the minutiae missed,
/// and those that leave the image dropped.
pub fn another_impression(t: &Template, seed: u64) -> Template {
    let mut rng = SplitMix64::new(derive_seed(seed, 0xA207));
    let degrees = rng.signed_unit() * 20.0;
    let (shift_x, shift_y) = (rng.signed_unit() * 20.0, rng.signed_unit() * 20.0);
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (cx, cy) = (f64::from(t.width) / 2.0, f64::from(t.height) / 2.0);
    let mut minutiae = Vec::with_capacity(t.minutiae.len());
    for m in &t.minutiae {
        let missed = rng.chance(0.1);
        let (jx, jy) = (rng.range(-2, 2) as f64, rng.range(-2, 2) as f64);
        let turn = rng.range(-2, 2);
        let quality = (i64::from(m.quality) + rng.range(-5, 5)).clamp(0, 100) as u8;
        if missed {
            continue;
        }
        // Same convention as the matcher's tests: with y down, rotating the image by
        // +degrees turns it clockwise on screen and lowers template angles (y up) by as much.
        let (dx, dy) = (f64::from(m.x) - cx, f64::from(m.y) - cy);
        let x = (cx + cos * dx - sin * dy + shift_x + jx).round();
        let y = (cy + sin * dx + cos * dy + shift_y + jy).round();
        if x < 0.0 || y < 0.0 || x >= f64::from(t.width) || y >= f64::from(t.height) {
            continue;
        }
        let angle = Minutia::angle_from_radians(m.radians() - degrees.to_radians() as f32).wrapping_add(turn as u8);
        minutiae.push(Minutia { x: x as u16, y: y as u16, angle, kind: m.kind, quality });
    }
    let quality = (i64::from(t.quality) + rng.range(-10, 10)).clamp(0, 100) as u8;
    Template { width: t.width, height: t.height, quality, minutiae }
}

/// The encoded synthetic template of finger `finger` of member `member` of the household
/// made from `household_seed` (what [`household`] stores).
pub fn member_template(household_seed: u64, member: u8, finger: FingerPosition) -> Template {
    synthetic_template(derive_seed(household_seed, 0x1000 + u64::from(member) * 16 + u64::from(finger.code())))
}

// ---------------------------------------------------------------------------------------
// Households
// ---------------------------------------------------------------------------------------

/// A synthetic household that passes `validate(now)`: 1-8 members with exactly one head
/// (member 1); names with diacritics; a displacement site in Gao, Ménaka, Mopti, Ségou or
/// Tombouctou; consent given by most members (refused by about 1 in 20, who then have no
/// captures); for every consenting member, `fingers` captures (at most 10) in
/// [`CAPTURE_ORDER`], each a synthetic template encoded with `Template::to_bytes` (about 1
/// finger in 50 is a recorded exception instead). No images and no photos: see
/// [`add_media`].
///
/// Registration and consent times are between 2024-01-01 and `now` (within the 180 days
/// before `now` when possible), so `now` must not be before 2024-01-01.
pub fn household(seed: u64, now: Timestamp, fingers: usize) -> Household {
    let mut rng = SplitMix64::new(derive_seed(seed, 0x401D));
    let earliest = EARLIEST_REGISTRATION.start().0;
    let registered_at = Timestamp((now.0 - rng.range(0, 180 * 86_400)).max(earliest));
    let today = registered_at.date();

    let site = rng.pick(SITES);
    let site_name = *rng.pick(site.sites);
    let gps = if rng.chance(0.5) {
        GeoPoint::from_degrees(site.lat + rng.signed_unit() * 0.03, site.lon + rng.signed_unit() * 0.03).ok()
    } else {
        None
    };
    let home = rng.pick(HOMES);
    let origin = if rng.chance(0.1) {
        Origin { region: home.region, cercle: String::new(), commune: String::new(), village: String::new() }
    } else {
        Origin {
            region: home.region,
            cercle: clean_text(home.cercle),
            commune: clean_text(home.commune),
            village: if rng.chance(0.8) { clean_text(rng.pick::<&str>(home.villages)) } else { String::new() },
        }
    };
    let displaced_days = today.days_since_epoch() - rng.range(7, 12 * 365);
    let displacement_date = Date::from_days_since_epoch(displaced_days).unwrap_or(today);
    let reason = match rng.below(100) {
        0..=54 => DisplacementReason::Conflict,
        55..=79 => DisplacementReason::Violence,
        80..=87 => DisplacementReason::Flood,
        88..=94 => DisplacementReason::Drought,
        _ => DisplacementReason::Other(clean_text(rng.pick::<&str>(OTHER_REASONS))),
    };
    let operator_id = OperatorId::new(&format!("OP-{:04}", 1 + rng.below(40))).unwrap_or_else(|_| unreachable_code("operator"));
    let device = DeviceId::new(&format!("TAB-{}-{:02}", site.region.code(), 1 + rng.below(20))).unwrap_or_else(|_| unreachable_code("device"));
    let id = {
        let b = rng.bytes(5);
        HouseholdId::from_random_bits(site.region, [b[0], b[1], b[2], b[3], b[4]])
    };

    let size = member_count(&mut rng);
    let head_sex = if rng.chance(0.7) { Sex::Male } else { Sex::Female };
    let family = *rng.pick(FAMILY_NAMES);
    let mut members = Vec::with_capacity(usize::from(size));
    for number in 1..=size {
        let mut mrng = SplitMix64::new(derive_seed(seed, 0x2000 + u64::from(number)));
        let relation = if number == 1 {
            Relation::Head
        } else if number == 2 && mrng.chance(0.7) {
            Relation::Spouse
        } else {
            match mrng.below(100) {
                0..=59 => Relation::Child,
                60..=67 => Relation::Grandchild,
                68..=75 => Relation::Parent,
                76..=85 => Relation::Sibling,
                86..=95 => Relation::OtherRelative,
                _ => Relation::NonRelative,
            }
        };
        let sex = match relation {
            Relation::Head => head_sex,
            Relation::Spouse if head_sex == Sex::Male => Sex::Female,
            Relation::Spouse => Sex::Male,
            _ if mrng.chance(0.5) => Sex::Female,
            _ => Sex::Male,
        };
        let (lo, hi) = match relation {
            Relation::Head => (25, 70),
            Relation::Spouse => (18, 60),
            Relation::Child => (0, 17),
            Relation::Grandchild => (0, 10),
            Relation::Parent => (55, 85),
            Relation::Sibling => (10, 60),
            Relation::OtherRelative => (5, 70),
            Relation::NonRelative => (10, 60),
        };
        let age = mrng.range(lo, hi);
        let person = person(&mut mrng, relation, sex, age, family, today, registered_at, &operator_id);
        let captures = if person.consent.allows_biometrics() {
            captures(seed, number, fingers, &mut mrng)
        } else {
            Vec::new()
        };
        members.push(Member {
            number: MemberNo::new(number).unwrap_or_else(|_| unreachable_code("member number")),
            relation,
            person,
            captures,
            face: None,
        });
    }

    Household {
        id,
        head: MemberNo::new(1).unwrap_or_else(|_| unreachable_code("head")),
        members,
        site: DisplacementSite {
            region: site.region,
            cercle: clean_text(site.cercle),
            commune: clean_text(site.commune),
            site_name: clean_text(site_name),
            gps,
        },
        origin,
        displacement: Displacement { date: displacement_date, reason },
        registered_at,
        operator: operator_id,
        device,
    }
}

/// Household sizes 1-8, most often 3-6.
fn member_count(rng: &mut SplitMix64) -> u8 {
    const WEIGHTS: [u64; 8] = [6, 10, 16, 20, 18, 14, 9, 7];
    let mut draw = rng.below(WEIGHTS.iter().sum());
    for (i, w) in WEIGHTS.iter().enumerate() {
        if draw < *w {
            return i as u8 + 1;
        }
        draw -= w;
    }
    MAX_SYNTHETIC_MEMBERS
}

/// Constants of this module are valid by construction; should one not be, fail loudly in
/// the test that uses it rather than produce a wrong household.
fn unreachable_code(what: &str) -> ! {
    panic!("synthetic data: invalid built-in {what}")
}

#[allow(clippy::too_many_arguments)]
fn person(
    rng: &mut SplitMix64,
    relation: Relation,
    sex: Sex,
    age: i64,
    family: &str,
    today: Date,
    registered_at: Timestamp,
    operator: &OperatorId,
) -> Person {
    let given = match sex {
        Sex::Female => *rng.pick(FEMALE_NAMES),
        Sex::Male => *rng.pick(MALE_NAMES),
    };
    let shares_family = matches!(relation, Relation::Head | Relation::Child | Relation::Grandchild | Relation::Sibling);
    let family = if shares_family { family } else { *rng.pick(FAMILY_NAMES) };
    let other_names = if rng.chance(0.1) { rng.pick(NICKNAMES).to_string() } else { String::new() };
    let birth = if rng.chance(0.35) {
        // A stated date of birth: `age` whole years before the registration day.
        let days = today.days_since_epoch() - age * 365 - age / 4 - rng.range(1, 360);
        Date::from_days_since_epoch(days).map(Birth::Date).unwrap_or(Birth::Estimated { years: age as u8, as_of: today })
    } else {
        Birth::Estimated { years: age as u8, as_of: today }
    };
    let phone_chance = match relation {
        Relation::Head => 0.6,
        Relation::Spouse => 0.3,
        _ if age >= 18 => 0.1,
        _ => 0.0,
    };
    let phone = if rng.chance(phone_chance) {
        let first = *rng.pick(&[6u64, 7, 8, 9]);
        Phone::parse(&format!("+223 {first}{:07}", rng.below(10_000_000))).ok()
    } else {
        None
    };
    let document = if age >= 18 && rng.chance(0.3) {
        let kind = if rng.chance(0.6) { DocumentKind::Nina } else { DocumentKind::NationalIdCard };
        let letter = (b'A' + rng.below(26) as u8) as char;
        Some(IdentityDocument { kind, number: format!("{:014}{letter}", rng.below(100_000_000_000_000)) })
    } else if age < 18 && rng.chance(0.2) {
        Some(IdentityDocument { kind: DocumentKind::BirthCertificate, number: format!("{}/{:04}", rng.range(1, 999), 2000 + rng.below(25)) })
    } else {
        None
    };
    let mut vulnerabilities = Vulnerabilities::none();
    for v in Vulnerability::ALL.iter().filter(|v| v.is_disability()) {
        if rng.chance(0.02) {
            vulnerabilities.insert(*v);
        }
    }
    if sex == Sex::Female && (16..=45).contains(&age) && rng.chance(0.12) {
        vulnerabilities.insert(Vulnerability::PregnantOrLactating);
    }
    if age >= 60 && rng.chance(0.8) {
        vulnerabilities.insert(Vulnerability::OlderPerson);
    }
    if age < 18 && rng.chance(0.03) {
        vulnerabilities.insert(if rng.chance(0.3) { Vulnerability::UnaccompaniedChild } else { Vulnerability::SeparatedChild });
    }
    if rng.chance(0.04) {
        vulnerabilities.insert(Vulnerability::ChronicIllness);
    }
    let earliest = EARLIEST_REGISTRATION.start().0;
    let consent = Consent {
        decision: if rng.chance(0.95) { ConsentDecision::Given } else { ConsentDecision::Refused },
        at: Timestamp((registered_at.0 - rng.range(0, 1800)).max(earliest)),
        operator: operator.clone(),
        method: *rng.pick(&[ConsentMethod::Verbal, ConsentMethod::Thumbprint, ConsentMethod::Signed]),
    };
    Person {
        given_names: clean_text(given),
        family_name: clean_text(&family_name_for(family, sex)),
        other_names: clean_text(&other_names),
        sex,
        birth,
        phone,
        document,
        vulnerabilities,
        consent,
    }
}

/// `fingers` captures (at most 10) of member `number`, sorted by finger code (the order the
/// registry loads them in).
fn captures(seed: u64, number: u8, fingers: usize, rng: &mut SplitMix64) -> Vec<Capture> {
    let mut out: Vec<Capture> = CAPTURE_ORDER
        .iter()
        .take(fingers)
        .map(|&finger| {
            let outcome = if rng.chance(0.02) {
                let (kind, reason) = match rng.below(3) {
                    0 => (CaptureExceptionKind::Injured, "doigt bandé"),
                    1 => (CaptureExceptionKind::UnableToCapture, "crêtes usées"),
                    _ => (CaptureExceptionKind::Amputated, ""),
                };
                CaptureOutcome::Exception(CaptureException { kind, reason: clean_text(reason) })
            } else {
                let template = member_template(seed, number, finger);
                // 30-45 minutiae inside the image always encode.
                let bytes = template.to_bytes().unwrap_or_else(|_| unreachable_code("template"));
                CaptureOutcome::Captured(FingerSample { template: bytes, quality: template.quality, image: None })
            };
            Capture { finger, outcome }
        })
        .collect();
    out.sort_by_key(|c| c.finger.code());
    out
}

/// Adds a synthetic fingerprint image (WSQ magic, then random bytes) to every captured
/// finger and a synthetic face photo (JPEG markers around random bytes) to every member
/// with consent, deterministically from `seed`.
pub fn add_media(household: &mut Household, seed: u64) {
    for member in &mut household.members {
        if !member.person.consent.allows_biometrics() {
            continue;
        }
        let base = derive_seed(seed, 0x3000 + u64::from(member.number.get()));
        for capture in &mut member.captures {
            if let CaptureOutcome::Captured(sample) = &mut capture.outcome {
                sample.image = Some(synthetic_image(derive_seed(base, u64::from(capture.finger.code()))));
            }
        }
        member.face = Some(synthetic_photo(derive_seed(base, 0xFACE)));
    }
}

/// A stand-in for a WSQ fingerprint image: the WSQ start-of-image marker `FF A0`, then
/// 2-4 KB of random bytes. Not decodable; only its bytes matter (tests scan files for them).
pub fn synthetic_image(seed: u64) -> FingerImage {
    let mut rng = SplitMix64::new(derive_seed(seed, 0x1A6E));
    let len = rng.range(2048, 4096) as usize;
    let mut bytes = vec![0xFF, 0xA0];
    bytes.extend(rng.bytes(len));
    FingerImage { format: FingerImageFormat::Wsq, bytes }
}

/// A stand-in for a JPEG face photo: `FF D8 FF E0`, 1-2 KB of random bytes, `FF D9`.
pub fn synthetic_photo(seed: u64) -> FacePhoto {
    let mut rng = SplitMix64::new(derive_seed(seed, 0xF0_70));
    let len = rng.range(1024, 2048) as usize;
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
    jpeg.extend(rng.bytes(len));
    jpeg.extend([0xFF, 0xD9]);
    FacePhoto { jpeg }
}

/// An operator for tests: `id`, a name drawn from `id`, `role`, and `pin` hashed with
/// `iterations` PBKDF2 rounds (use a few thousand in tests; production uses
/// `pin::PIN_ITERATIONS`). Fails on an invalid id or a weak PIN.
pub fn operator(id: &str, role: Role, pin: &str, iterations: u32) -> Result<Operator, RegistryError> {
    let id = OperatorId::new(id)?;
    let mut rng = SplitMix64::new(id.as_str().bytes().fold(0xCBF2_9CE4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3)));
    let name = format!("{} {}", rng.pick(FEMALE_NAMES), rng.pick(FAMILY_NAMES));
    let pin = PinHash::with_iterations(pin, iterations, &SystemRandom::new())?;
    Ok(Operator { id, name: clean_text(&name), role, pin })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::biometrics::{Matcher, PreparedTemplate};

    fn now() -> Timestamp {
        Timestamp(Date::new(2025, 6, 1).map(|d| d.start().0).unwrap() + 10 * 3600)
    }

    #[test]
    fn two_hundred_households_are_valid_and_plausible() {
        let mut sizes = [0usize; 9];
        let (mut refused, mut exceptions, mut captured, mut diacritics) = (0, 0, 0, 0);
        for seed in 0..200 {
            let h = household(seed, now(), 2);
            assert_eq!(h.validate(now()), Ok(()), "seed {seed}");
            assert!((1..=8).contains(&h.members.len()));
            sizes[h.members.len()] += 1;
            assert_eq!(h.members.iter().filter(|m| m.relation == Relation::Head).count(), 1);
            assert_eq!(h.head.get(), 1);
            assert!(h.registered_at <= now() && h.registered_at >= EARLIEST_REGISTRATION.start());
            assert!([Region::Gao, Region::Menaka, Region::Mopti, Region::Segou, Region::Tombouctou].contains(&h.site.region));
            assert_eq!(h.id.region(), h.site.region);
            for m in &h.members {
                assert!(m.person.consent.at <= now() && m.person.consent.at >= EARLIEST_REGISTRATION.start());
                if !m.person.consent.allows_biometrics() {
                    refused += 1;
                    assert!(m.captures.is_empty());
                    continue;
                }
                assert_eq!(m.captures.len(), 2);
                assert!(m.captures.windows(2).all(|w| w[0].finger < w[1].finger));
                for c in &m.captures {
                    match &c.outcome {
                        CaptureOutcome::Captured(s) => {
                            captured += 1;
                            let t = Template::from_bytes(&s.template).unwrap();
                            assert!((30..=45).contains(&t.minutiae.len()));
                            assert!((60..=100).contains(&t.quality));
                            assert_eq!(s.quality, t.quality);
                        }
                        CaptureOutcome::Exception(_) => exceptions += 1,
                    }
                }
                if !m.person.given_names.is_ascii() || !m.person.family_name.is_ascii() {
                    diacritics += 1;
                }
            }
        }
        assert!(sizes[1..].iter().all(|&n| n > 0), "every size from 1 to 8 occurs: {sizes:?}");
        assert!(refused > 0 && exceptions > 0 && diacritics > 0);
        assert!(captured > 1000);
        // The ids are distinct.
        let mut ids: Vec<_> = (0..200).map(|s| household(s, now(), 0).id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 200);
    }

    #[test]
    fn the_same_seed_gives_the_same_household() {
        for seed in [0, 1, 42, u64::MAX] {
            assert_eq!(household(seed, now(), 3), household(seed, now(), 3));
            assert_eq!(synthetic_template(seed), synthetic_template(seed));
            let t = synthetic_template(seed);
            assert_eq!(another_impression(&t, 7), another_impression(&t, 7));
            let mut a = household(seed, now(), 1);
            let mut b = a.clone();
            add_media(&mut a, 5);
            add_media(&mut b, 5);
            assert_eq!(a, b);
            assert_eq!(a.validate(now()), Ok(()));
        }
        assert_ne!(household(1, now(), 2), household(2, now(), 2));
        // More fingers add captures and change nothing else.
        let (two, four) = (household(9, now(), 2), household(9, now(), 4));
        assert_eq!(two.id, four.id);
        assert_eq!(two.members.len(), four.members.len());
        assert_eq!(two.members[0].person, four.members[0].person);
    }

    #[test]
    fn templates_are_spread_and_encodable() {
        for seed in 0..100 {
            let t = synthetic_template(seed);
            assert!((30..=45).contains(&t.minutiae.len()));
            for (i, a) in t.minutiae.iter().enumerate() {
                assert!(a.x < t.width && a.y < t.height);
                assert!((60..=100).contains(&a.quality));
                for b in &t.minutiae[i + 1..] {
                    let d2 = (f64::from(a.x) - f64::from(b.x)).powi(2) + (f64::from(a.y) - f64::from(b.y)).powi(2);
                    assert!(d2 >= 144.0);
                }
            }
            assert_eq!(Template::from_bytes(&t.to_bytes().unwrap()).unwrap(), t);
            let other = another_impression(&t, seed);
            assert!(other.minutiae.len() >= t.minutiae.len() * 6 / 10, "{} of {}", other.minutiae.len(), t.minutiae.len());
            assert!(other.minutiae.len() <= t.minutiae.len());
            assert_eq!(Template::from_bytes(&other.to_bytes().unwrap()).unwrap(), other);
        }
    }

    #[test]
    fn another_impression_matches_its_master_and_strangers_score_low() {
        let mut matcher = Matcher::new();
        let (mut worst_mate, mut best_stranger) = (f32::MAX, f32::MIN);
        for seed in 0..40u64 {
            let master = synthetic_template(seed);
            let prepared = PreparedTemplate::new(&master);
            let mate = matcher.compare(&PreparedTemplate::new(&another_impression(&master, seed + 1000)), &prepared);
            assert!(mate > 40.0, "seed {seed}: mate score {mate}");
            worst_mate = worst_mate.min(mate);
            for other in 1..=5u64 {
                let stranger = synthetic_template(seed * 100 + 5000 + other);
                let s = matcher.compare(&PreparedTemplate::new(&another_impression(&stranger, other)), &prepared);
                assert!(s < 30.0, "seed {seed}/{other}: stranger score {s}");
                best_stranger = best_stranger.max(s);
            }
        }
        eprintln!("worst mate {worst_mate:.1}, best stranger {best_stranger:.1}");
        assert!(worst_mate > best_stranger);
    }

    #[test]
    fn operators_for_tests() {
        let op = operator("SUP-01", Role::Supervisor, "2580", 1_000).unwrap();
        assert!(op.pin.verify("2580"));
        assert!(!op.pin.verify("2581"));
        assert_eq!(op.validate(), Ok(()));
        assert!(operator("SUP-01", Role::Supervisor, "1234", 1_000).is_err());
        assert!(operator("not an id", Role::Enumerator, "2580", 1_000).is_err());
        assert_eq!(operator("OP-7", Role::Enumerator, "2580", 10).unwrap().name, operator("OP-7", Role::Enumerator, "2580", 10).unwrap().name);
    }

    #[test]
    fn tuareg_women_bear_walet() {
        assert_eq!(family_name_for("Ag Mohamed", Sex::Female), "Walet Mohamed");
        assert_eq!(family_name_for("Ag Mohamed", Sex::Male), "Ag Mohamed");
        assert_eq!(family_name_for("Traoré", Sex::Female), "Traoré");
    }
}
