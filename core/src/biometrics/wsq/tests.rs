//! Round trips, hostile input and properties of the codec as a whole.

use super::*;

/// A smooth synthetic ridge pattern (concentric rings), `width` x `height`.
fn rings(width: usize, height: usize) -> Vec<u8> {
    let (cx, cy) = (width as f32 * 0.45, height as f32 * 0.55);
    (0..width * height)
        .map(|i| {
            let (x, y) = ((i % width) as f32 - cx, (i / width) as f32 - cy);
            let r = (x * x + y * y).sqrt();
            (128.0 + 100.0 * (r * 0.6).sin()) as u8
        })
        .collect()
}


#[test]
fn round_trip_keeps_size_metadata_and_quality() {
    let (w, h) = (256, 300);
    let pixels = rings(w, h);
    let bytes = encode(&pixels, w, h, Some(500), DEFAULT_BITRATE, &["hello"]).expect("encode");
    let image = decode(&bytes).expect("decode");
    assert_eq!((image.width, image.height, image.ppi), (w, h, Some(500)));
    assert_eq!(image.comments.len(), 2);
    assert!(image.comments[0].starts_with("NIST_COM 9\n"));
    assert_eq!(image.comments[1], "hello");
    let p = psnr(&pixels, &image.pixels);
    let bpp = bytes.len() as f64 * 8.0 / (w * h) as f64;
    eprintln!(
        "rings {w}x{h}: {} bytes, {bpp:.3} bpp, PSNR {p:.2} dB",
        bytes.len()
    );
    assert!(p > 30.0, "PSNR {p}");
}

#[test]
fn flat_image_round_trips_exactly() {
    let pixels = vec![200u8; 64 * 40];
    let bytes = encode(&pixels, 64, 40, None, DEFAULT_BITRATE, &[]).expect("encode");
    let image = decode(&bytes).expect("decode");
    assert_eq!(image.pixels, pixels);
    assert_eq!(image.ppi, None);
}

#[test]
fn bad_encoder_arguments_are_rejected() {
    let pixels = vec![0u8; 100 * 100];
    assert_eq!(
        encode(&pixels, 100, 99, None, 0.75, &[]),
        Err(WsqError::BadBufferLength {
            expected: 9900,
            actual: 10000
        })
    );
    assert!(matches!(
        encode(&pixels[..31 * 31], 31, 31, None, 0.75, &[]),
        Err(WsqError::BadSize { .. })
    ));
    for bitrate in [0.0, -1.0, f32::NAN, f32::INFINITY, 9.0] {
        assert!(matches!(
            encode(&pixels, 100, 100, None, bitrate, &[]),
            Err(WsqError::BadBitrate(_))
        ));
    }
    let long = "x".repeat(70_000);
    assert_eq!(
        encode(&pixels, 100, 100, None, 0.75, &[&long]),
        Err(WsqError::CommentTooLong(70_000))
    );
}

#[test]
fn higher_bit_rates_cost_more_and_look_better() {
    let (w, h) = (160, 200);
    let pixels = rings(w, h);
    let mut last = (0usize, 0.0f64);
    for bitrate in [0.3, 0.75, 2.25] {
        let bytes = encode(&pixels, w, h, None, bitrate, &[]).expect("encode");
        let p = psnr(&pixels, &decode(&bytes).expect("decode").pixels);
        assert!(
            bytes.len() > last.0 && p > last.1,
            "{bitrate}: {} bytes, {p} dB after {last:?}",
            bytes.len()
        );
        last = (bytes.len(), p);
    }
}

#[test]
fn every_truncation_is_an_error_not_a_panic() {
    let (w, h) = (48, 37);
    let bytes = encode(&rings(w, h), w, h, Some(500), DEFAULT_BITRATE, &[]).expect("encode");
    for cut in 0..bytes.len() {
        assert!(
            decode(&bytes[..cut]).is_err(),
            "prefix of {cut} bytes decoded"
        );
    }
    assert!(decode(&bytes).is_ok());
}

#[test]
fn hostile_headers_are_rejected_before_allocation() {
    // SOI, then a frame claiming 65535 x 65535.
    let mut bytes = vec![
        0xFF, 0xA0, 0xFF, 0xA2, 0, 17, 0, 255, 0xFF, 0xFF, 0xFF, 0xFF,
    ];
    bytes.extend([2, 0x33, 0x56, 4, 0x28, 0x1b, 2, 0, 0]);
    bytes.extend([0xFF, 0xA1]);
    assert_eq!(
        decode(&bytes),
        Err(WsqError::BadSize {
            width: 65535,
            height: 65535
        })
    );
    assert_eq!(decode(b"\xFF\xD8\xFF\xE0"), Err(WsqError::NotWsq));
    assert_eq!(decode(b""), Err(WsqError::NotWsq));
    // A segment length running past the end.
    assert!(matches!(
        decode(b"\xFF\xA0\xFF\xA8\xFF\xFF abc"),
        Err(WsqError::Truncated(_))
    ));
    // An unknown marker.
    assert_eq!(
        decode(b"\xFF\xA0\xFF\xD9"),
        Err(WsqError::UnexpectedMarker(0xFFD9))
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn image() -> impl Strategy<Value = (usize, usize, Vec<u8>)> {
        (32usize..90, 32usize..90).prop_flat_map(|(w, h)| {
            (
                Just(w),
                Just(h),
                proptest::collection::vec(any::<u8>(), w * h),
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn any_image_round_trips_to_its_size((w, h, pixels) in image(), bitrate in 0.1f32..4.0) {
            let bytes = encode(&pixels, w, h, Some(500), bitrate, &[]).expect("encode");
            let image = decode(&bytes).expect("decode");
            prop_assert_eq!((image.width, image.height, image.pixels.len()), (w, h, w * h));
        }

        #[test]
        fn corrupted_files_never_panic(
            (w, h, pixels) in image(),
            flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        ) {
            let mut bytes = encode(&pixels, w, h, None, 0.75, &[]).expect("encode");
            for (at, value) in flips {
                let at = at % bytes.len();
                bytes[at] = value;
            }
            if let Ok(image) = decode(&bytes) {
                prop_assert_eq!(image.pixels.len(), image.width * image.height);
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(mut bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            // Mostly start like a WSQ file so the segment parsers are reached.
            if bytes.len() >= 2 && bytes[0] % 4 != 0 {
                bytes[0] = 0xFF;
                bytes[1] = 0xA0;
            }
            let _ = decode(&bytes);
        }
    }
}
