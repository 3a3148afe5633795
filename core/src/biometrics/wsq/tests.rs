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

fn psnr(a: &[u8], b: &[u8]) -> f64 {
    let mse = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum::<f64>()
        / a.len() as f64;
    10.0 * (255.0f64 * 255.0 / mse).log10()
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
