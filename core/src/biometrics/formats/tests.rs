//! Unit tests: hand-made byte vectors laid out field by field from the standards, typed
//! errors on malformed input, and property tests (record → bytes → record, conversions,
//! arbitrary bytes never panic).

use super::*;
use proptest::prelude::*;

/// Hand-made ISO 2005 record: one view, finger 7, view 1, impression 0, quality 80, 300 ×
/// 400 at 197 px/cm, two minutiae, one vendor extended block.
fn iso2005_bytes() -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(b"FMR\0 20\0");
    b.extend_from_slice(&[0, 0, 0, 50]); // record length: 24 + 4 + 2 × 6 + 2 + 8 = 50
    b.extend_from_slice(&[0x10, 0x05]); // capture equipment: compliance 1, ID 5
    b.extend_from_slice(&[0x01, 0x2C, 0x01, 0x90]); // 300 × 400
    b.extend_from_slice(&[0x00, 0xC5, 0x00, 0xC5]); // 197 px/cm
    b.extend_from_slice(&[1, 0]); // one view, reserved
    b.extend_from_slice(&[7, 0x10, 80, 2]); // finger 7, view 1 impression 0, quality 80, 2 minutiae
    b.extend_from_slice(&[0x40, 100, 0x00, 50, 64, 60]); // ending (01) x 100, y 50, 90°, q 60
    b.extend_from_slice(&[0x80, 200, 0x01, 0x2C, 200, 0]); // bifurcation (10) x 200, y 300, q 0
    b.extend_from_slice(&[0, 8]); // extended data: 8 bytes
    b.extend_from_slice(&[0x01, 0x00, 0, 4, 0xDE, 0xAD, 0xBE, 0xEF]); // vendor block 0x0100
    assert_eq!(b.len(), 50);
    b
}

/// The same content as ANSI 378: 26-byte header with product ID, angles in 2° units.
fn ansi378_bytes() -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(b"FMR\0 20\0");
    b.extend_from_slice(&[0, 52]); // record length u16: 26 + 4 + 2 × 6 + 2 + 8 = 52
    b.extend_from_slice(&[0x00, 0x33, 0x00, 0x01]); // product owner 0x33, type 1
    b.extend_from_slice(&[0x10, 0x05]);
    b.extend_from_slice(&[0x01, 0x2C, 0x01, 0x90, 0x00, 0xC5, 0x00, 0xC5, 1, 0]);
    b.extend_from_slice(&[7, 0x10, 80, 2]);
    b.extend_from_slice(&[0x40, 100, 0x00, 50, 45, 60]); // 45 × 2° = 90°
    b.extend_from_slice(&[0x80, 200, 0x01, 0x2C, 141, 0]); // 141 × 2° = 282°
    b.extend_from_slice(&[0, 8, 0x01, 0x00, 0, 4, 0xDE, 0xAD, 0xBE, 0xEF]);
    assert_eq!(b.len(), 52);
    b
}

/// ISO 2011: one representation with a quality block, no certification, 6-byte minutiae.
fn iso2011_bytes() -> Vec<u8> {
    let mut rep = Vec::new();
    rep.extend_from_slice(&[0x07, 0xEA, 11, 29, 20, 15, 30, 0x01, 0xF4]); // 2026-11-29 20:15:30.500
    rep.push(2); // device technology
    rep.extend_from_slice(&[0x00, 0x33, 0x00, 0x07]); // vendor 0x33, type 7
    rep.extend_from_slice(&[1, 80, 0x00, 0x33, 0x00, 0x02]); // one quality block: 80
    rep.extend_from_slice(&[7, 1, 0x00, 0xC5, 0x00, 0xC5, 0, 0x01, 0x2C, 0x01, 0x90]);
    rep.extend_from_slice(&[0x60, 2]); // 6-byte minutiae, ending type 0; two minutiae
    rep.extend_from_slice(&[0x40, 100, 0x00, 50, 64, 60]);
    rep.extend_from_slice(&[0x80, 200, 0x01, 0x2C, 200, 254]);
    rep.extend_from_slice(&[0, 0]);
    let mut b = Vec::new();
    b.extend_from_slice(b"FMR\0030\0");
    b.extend_from_slice(&((15 + 4 + rep.len()) as u32).to_be_bytes());
    b.extend_from_slice(&[0, 1, 0]); // one representation, no certification
    b.extend_from_slice(&((4 + rep.len()) as u32).to_be_bytes());
    b.extend_from_slice(&rep);
    b
}

#[test]
fn reads_the_hand_made_iso_2005_record() {
    assert_eq!(detect(&iso2005_bytes()), Ok(Format::Iso2005));
    let r = read_any(&iso2005_bytes()).expect("valid");
    assert_eq!((r.format, r.capture_equipment, r.views.len()), (Format::Iso2005, 0x1005, 1));
    let v = &r.views[0];
    assert_eq!((v.finger_position, v.view_number, v.impression_type, v.quality), (7, 1, 0, 80));
    assert_eq!((v.width, v.height, v.x_res, v.y_res), (300, 400, 197, 197));
    assert_eq!(v.minutiae[0], RecordMinutia { kind: RecordMinutiaKind::RidgeEnding, x: 100, y: 50, angle: 64, quality: 60 });
    assert_eq!(v.minutiae[1], RecordMinutia { kind: RecordMinutiaKind::Bifurcation, x: 200, y: 300, angle: 200, quality: 0 });
    assert_eq!(v.extended, vec![ExtendedBlock { type_code: 0x0100, data: vec![0xDE, 0xAD, 0xBE, 0xEF] }]);
    assert_eq!(r.to_bytes(Format::Iso2005).expect("writes"), iso2005_bytes());
}

#[test]
fn reads_the_hand_made_ansi_record() {
    assert_eq!(detect(&ansi378_bytes()), Ok(Format::Ansi378));
    let r = read_any(&ansi378_bytes()).expect("valid");
    assert_eq!(r.product, ProductId { owner: 0x33, product_type: 1 });
    assert_eq!(r.views[0].minutiae[0].angle, 45);
    assert_eq!(r.to_bytes(Format::Ansi378).expect("writes"), ansi378_bytes());
    // 90° and 282° are 64 and 200.53 ISO units: the ISO record's angles, within a unit.
    let t = r.first_template().expect("one view");
    assert_eq!((t.minutiae[0].angle, t.minutiae[1].angle), (64, 201));
}

#[test]
fn reads_the_hand_made_iso_2011_record() {
    assert_eq!(detect(&iso2011_bytes()), Ok(Format::Iso2011));
    let r = read_any(&iso2011_bytes()).expect("valid");
    let v = &r.views[0];
    let c = v.capture.as_ref().expect("2011 capture block");
    assert_eq!((c.datetime.year, c.datetime.millisecond, c.device_technology, c.device_vendor, c.device_type), (2026, 500, 2, 0x33, 7));
    assert_eq!((v.quality, v.view_number, v.minutiae[1].quality), (80, 1, 254));
    assert_eq!(r.to_bytes(Format::Iso2011).expect("writes"), iso2011_bytes());
}

#[test]
fn a_2011_view_without_minutia_quality_uses_5_byte_minutiae() {
    let mut r = read_any(&iso2011_bytes()).expect("valid");
    r.views[0].minutiae[0].quality = 254;
    let bytes = r.to_bytes(Format::Iso2011).expect("writes");
    assert_eq!(bytes.len(), iso2011_bytes().len() - 2);
    assert_eq!(read_any(&bytes), Ok(r));
}

#[test]
fn ansi_records_of_64_kib_and_more_use_the_6_byte_length() {
    let mut r = read_any(&ansi378_bytes()).expect("valid");
    r.views[0].extended.push(ExtendedBlock { type_code: 0x0101, data: vec![7; 40_000] });
    r.views.push(r.views[0].clone());
    let bytes = r.to_bytes(Format::Ansi378).expect("writes");
    assert_eq!(&bytes[8..10], &[0, 0]);
    assert_eq!(u32::from_be_bytes([bytes[10], bytes[11], bytes[12], bytes[13]]) as usize, bytes.len());
    assert_eq!(detect(&bytes), Ok(Format::Ansi378));
    assert_eq!(read_any(&bytes), Ok(r));
}

#[test]
fn malformed_records_are_typed_errors() {
    let good = iso2005_bytes();
    assert_eq!(read_any(b"XMR\0 20\0"), Err(FormatError::BadMagic));
    assert_eq!(read_any(b"FM"), Err(FormatError::Truncated("version")));
    assert_eq!(read_any(b"FMR\0 21\0...."), Err(FormatError::UnsupportedVersion(*b" 21\0")));
    assert_eq!(read_any(&good[..good.len() - 1]), Err(FormatError::LengthMismatch { declared: 50, actual: 49 }));
    let mut v = good.clone();
    v[22] = 0; // no view
    assert_eq!(read_any(&v), Err(FormatError::NoView));
    let mut v = good.clone();
    v[28] |= 0xC0; // reserved minutia type 3
    assert_eq!(read_any(&v), Err(FormatError::Invalid("reserved minutia type 3")));
    let mut v = good.clone();
    v[41] = 9; // extended data length one past the end
    assert!(matches!(read_any(&v), Err(FormatError::Truncated(_))));
    let mut v = good.clone();
    v[18] = 0;
    v[19] = 0; // x resolution 0
    assert_eq!(read_any(&v), Err(FormatError::Invalid("zero resolution")));
    let mut a = ansi378_bytes();
    a[34] = 180; // ANSI angle out of range
    assert!(matches!(read_any(&a), Err(FormatError::Invalid(_))));
    let mut i = iso2011_bytes();
    i[14] = 2; // certification flag
    assert!(matches!(read_any(&i), Err(FormatError::Invalid(_))));
    let mut i = iso2011_bytes();
    let last = i.len() - 1;
    i.truncate(last);
    assert!(matches!(read_any(&i), Err(FormatError::LengthMismatch { .. })));
}

#[test]
fn writers_refuse_what_the_format_cannot_hold() {
    let mut r = read_any(&iso2005_bytes()).expect("valid");
    r.views[0].minutiae[0].x = 0x4000;
    assert!(matches!(r.to_bytes(Format::Iso2005), Err(FormatError::Unwritable { .. })));
    let mut r = read_any(&ansi378_bytes()).expect("valid");
    r.views[0].minutiae[0].angle = 180;
    assert!(matches!(r.to_bytes(Format::Ansi378), Err(FormatError::Unwritable { .. })));
    let mut r = read_any(&iso2005_bytes()).expect("valid");
    let mut second = r.views[0].clone();
    second.width = 500;
    r.views.push(second);
    assert!(matches!(r.to_bytes(Format::Iso2005), Err(FormatError::Unwritable { .. })));
    // ... but ISO 2011 carries a size per representation.
    let bytes = r.to_bytes(Format::Iso2011).expect("2011 holds per-view sizes");
    assert_eq!(read_any(&bytes).expect("valid").views[1].width, 500);
}

#[test]
fn conversions_between_formats_keep_minutiae_within_an_angle_unit() {
    let iso = read_any(&iso2005_bytes()).expect("valid");
    for target in [Format::Iso2011, Format::Ansi378] {
        let back = read_any(&iso.to_bytes(target).expect("writes")).expect("reads");
        let again = read_any(&back.to_bytes(Format::Iso2005).expect("writes")).expect("reads");
        for (a, b) in iso.views[0].minutiae.iter().zip(&again.views[0].minutiae) {
            assert_eq!((a.kind, a.x, a.y, a.quality), (b.kind, b.x, b.y, b.quality));
            let d = (i32::from(a.angle) - i32::from(b.angle)).rem_euclid(256);
            assert!(d.min(256 - d) <= 1, "{target}: {a:?} vs {b:?}");
        }
        assert_eq!(again.views[0].quality, 80);
    }
}

#[test]
fn templates_map_to_records_and_back() {
    let t = Template {
        width: 300,
        height: 400,
        quality: 87,
        minutiae: vec![
            Minutia { x: 100, y: 150, angle: 64, kind: MinutiaKind::Ending, quality: 90 },
            Minutia { x: 299, y: 399, angle: 255, kind: MinutiaKind::Bifurcation, quality: 0 },
        ],
    };
    for format in [Format::Iso2005, Format::Iso2011] {
        let r = FingerRecord::from_template(&t, 2, format);
        let back = read_any(&r.to_bytes(format).expect("writes")).expect("reads");
        assert_eq!(back, r);
        assert_eq!(back.first_template(), Ok(t.clone()), "{format}");
    }
    let r = FingerRecord::from_template(&t, 2, Format::Ansi378);
    let back = read_any(&r.to_bytes(Format::Ansi378).expect("writes")).expect("reads").first_template().expect("a view");
    for (a, b) in t.minutiae.iter().zip(&back.minutiae) {
        let d = (i32::from(a.angle) - i32::from(b.angle)).rem_euclid(256);
        assert!(d.min(256 - d) <= 1);
        assert_eq!((a.x, a.y, a.kind, a.quality), (b.x, b.y, b.kind, b.quality));
    }
}

#[test]
fn other_resolutions_are_rescaled_to_500_dpi() {
    let mut r = read_any(&iso2005_bytes()).expect("valid");
    r.views[0].x_res = 394; // 1000 dpi (393.7 px/cm)
    r.views[0].y_res = 394;
    let t = r.first_template().expect("a view");
    assert_eq!((t.width, t.height), (150, 200));
    assert_eq!((t.minutiae[0].x, t.minutiae[0].y), (50, 25));
}

#[test]
fn angle_conversion_rounds_and_wraps() {
    assert_eq!(convert_angle(255, Format::Iso2005, Format::Ansi378), 179); // 358.6° → 358°
    assert_eq!(convert_angle(1, Format::Iso2005, Format::Ansi378), 1); // 1.4° → 2°
    assert_eq!(convert_angle(179, Format::Ansi378, Format::Iso2005), 255); // 358° → 254.6
    assert_eq!(convert_angle(90, Format::Ansi378, Format::Iso2011), 128);
    assert_eq!(convert_angle(128, Format::Iso2011, Format::Ansi378), 90);
}

// ---- property tests ----

fn minutia(format: Format) -> impl Strategy<Value = RecordMinutia> {
    let kinds = prop_oneof![Just(RecordMinutiaKind::Other), Just(RecordMinutiaKind::RidgeEnding), Just(RecordMinutiaKind::Bifurcation)];
    let angle_max = if format == Format::Ansi378 { 179u8 } else { 255 };
    let quality = if format == Format::Iso2011 { prop_oneof![0u8..=100, Just(254u8), Just(255u8)].boxed() } else { (0u8..=100).boxed() };
    (kinds, 0..=MAX_COORDINATE, 0..=MAX_COORDINATE, 0..=angle_max, quality).prop_map(|(kind, x, y, angle, quality)| RecordMinutia { kind, x, y, angle, quality })
}

fn blocks() -> impl Strategy<Value = Vec<ExtendedBlock>> {
    proptest::collection::vec((1u16.., proptest::collection::vec(any::<u8>(), 0..12)).prop_map(|(type_code, data)| ExtendedBlock { type_code, data }), 0..3)
}

fn capture(certified: bool) -> impl Strategy<Value = CaptureInfo> {
    let quality = proptest::collection::vec((prop_oneof![0u8..=100, Just(255u8)], any::<u16>(), any::<u16>()).prop_map(|(score, algorithm_vendor, algorithm)| QualityBlock { score, algorithm_vendor, algorithm }), 0..3);
    let certs = proptest::collection::vec((any::<u16>(), any::<u8>()).prop_map(|(authority, scheme)| CertificationBlock { authority, scheme }), 0..if certified { 3 } else { 1 });
    (any::<(u16, u8, u8, u8, u8, u8, u16)>(), any::<u8>(), any::<u16>(), any::<u16>(), quality, certs, 0u8..16).prop_map(
        |((year, month, day, hour, minute, second, millisecond), device_technology, device_vendor, device_type, quality_blocks, certifications, ridge_ending_type)| CaptureInfo {
            datetime: CaptureDateTime { year, month, day, hour, minute, second, millisecond },
            device_technology,
            device_vendor,
            device_type,
            quality_blocks,
            certifications,
            ridge_ending_type,
        },
    )
}

/// Any record valid in `format`.
fn record(format: Format) -> impl Strategy<Value = FingerRecord> {
    let legacy = format != Format::Iso2011;
    let nibble = if legacy { 15u8 } else { 255 };
    let view = (any::<u8>(), 0..=nibble, 0..=nibble, 0u8..=100, any::<(u16, u16)>(), 1u16.., 1u16.., proptest::collection::vec(minutia(format), 0..20), blocks(), capture(true));
    (proptest::collection::vec(view, 1..4), any::<(u16, u16, u16)>(), any::<bool>(), any::<(u16, u16, u16, u16)>()).prop_map(move |(views, (owner, product_type, equipment), certified, (w, h, xr, yr))| {
        let views = views
            .into_iter()
            .map(|(finger_position, view_number, impression_type, quality, (vw, vh), vxr, vyr, minutiae, extended, mut capture)| {
                let (width, height, x_res, y_res) = if legacy { (w, h, xr.max(1), yr.max(1)) } else { (vw, vh, vxr, vyr) };
                let quality = if legacy {
                    quality
                } else {
                    if !certified {
                        capture.certifications.clear();
                    }
                    capture.quality_blocks.first().map(|q| q.score).filter(|&s| s <= 100).unwrap_or(0)
                };
                FingerView { finger_position, view_number, impression_type, quality, width, height, x_res, y_res, minutiae, extended, capture: (!legacy).then_some(capture) }
            })
            .collect();
        FingerRecord {
            format,
            product: if format == Format::Ansi378 { ProductId { owner, product_type } } else { ProductId::default() },
            capture_equipment: if legacy { equipment } else { 0 },
            certification_flag: !legacy && certified,
            views,
        }
    })
}

fn any_format() -> impl Strategy<Value = Format> {
    prop_oneof![Just(Format::Iso2005), Just(Format::Iso2011), Just(Format::Ansi378)]
}

proptest! {
    #[test]
    fn records_round_trip_through_bytes(r in any_format().prop_flat_map(record)) {
        let bytes = r.to_bytes(r.format).expect("a valid record writes");
        prop_assert_eq!(detect(&bytes), Ok(r.format));
        prop_assert_eq!(read_any(&bytes), Ok(r));
    }

    #[test]
    fn conversions_preserve_minutiae_within_quantisation(r in any_format().prop_flat_map(record), target in any_format()) {
        // Records that a target cannot hold (several view sizes, 8-bit view numbers into
        // 4 bits) are refused with a typed error, never written wrong.
        let Ok(bytes) = r.to_bytes(target) else { return Ok(()) };
        let back = read_any(&bytes).expect("what we write reads");
        prop_assert_eq!(back.views.len(), r.views.len());
        for (a, b) in r.views.iter().zip(&back.views) {
            prop_assert_eq!(a.minutiae.len(), b.minutiae.len());
            for (m, n) in a.minutiae.iter().zip(&b.minutiae) {
                prop_assert_eq!((m.kind, m.x, m.y), (n.kind, n.x, n.y));
                let (da, db) = (f64::from(m.angle) * r.format.degrees_per_angle_unit(), f64::from(n.angle) * target.degrees_per_angle_unit());
                let d = (da - db).rem_euclid(360.0);
                prop_assert!(d.min(360.0 - d) <= 1.0 + 1e-9, "{} → {}: {:?} vs {:?}", r.format, target, m, n);
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = read_any(&bytes);
    }

    #[test]
    fn mutated_records_never_panic(format in any_format(), pos in 0usize..200, byte in any::<u8>()) {
        let mut b = match format { Format::Iso2005 => iso2005_bytes(), Format::Iso2011 => iso2011_bytes(), Format::Ansi378 => ansi378_bytes() };
        let i = pos % b.len();
        b[i] = byte;
        if let Ok(r) = read_any(&b) {
            let _ = r.to_bytes(r.format);
            let _ = r.to_templates();
        }
    }
}
