//! WSQ encode and decode speed on a 500 x 500 fingerprint (the synthetic fixture f1_1,
//! 300 x 300, resampled as if scanned at 300 dpi), at 0.75 bpp, single-threaded.
//!
//! Two measures of each: wall-clock time (criterion's usual), and the CPU time of the
//! benchmarking thread (`cpu/…`, Linux only, read from /proc/thread-self/schedstat), which
//! stays meaningful on a shared, loaded machine where wall-clock time mostly measures the
//! wait for a core.
//!
//!     cargo bench -p jatigi-core --bench wsq
//!     cargo bench -p jatigi-core --bench wsq -- --warm-up-time 1 --measurement-time 3

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use jatigi_core::biometrics::{wsq, FingerImage};

fn image_500() -> FingerImage {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/fingerprints/f1_1.png");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let image =
        FingerImage::decode(&bytes, 300).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!((image.width, image.height), (500, 500));
    image
}

fn bench(c: &mut Criterion) {
    let image = image_500();
    let encoded = wsq::encode_finger(&image, wsq::DEFAULT_BITRATE).expect("encode");
    eprintln!(
        "500x500 at 0.75 bpp: {} bytes ({:.3} bpp)",
        encoded.len(),
        encoded.len() as f64 * 8.0 / 250_000.0
    );
    c.bench_function("wsq/encode_500x500", |b| {
        b.iter(|| wsq::encode_finger(black_box(&image), wsq::DEFAULT_BITRATE).expect("encode"))
    });
    c.bench_function("wsq/decode_500x500", |b| {
        b.iter(|| wsq::decode(black_box(&encoded)).expect("decode"))
    });
}

/// CPU time this thread has run, in nanoseconds (None where /proc does not provide it).
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

fn bench_cpu(c: &mut Criterion) {
    if thread_cpu_ns().is_none() {
        eprintln!("no /proc/thread-self/schedstat: skipping the CPU-time benchmarks");
        return;
    }
    let image = image_500();
    let encoded = wsq::encode_finger(&image, wsq::DEFAULT_BITRATE).expect("encode");
    let cpu_time = |iters: u64, run: &dyn Fn()| {
        let start = thread_cpu_ns().unwrap_or(0);
        for _ in 0..iters {
            run();
        }
        std::time::Duration::from_nanos(thread_cpu_ns().unwrap_or(0).saturating_sub(start))
    };
    c.bench_function("wsq/cpu/encode_500x500", |b| {
        b.iter_custom(|iters| {
            cpu_time(iters, &|| {
                black_box(
                    wsq::encode_finger(black_box(&image), wsq::DEFAULT_BITRATE).expect("encode"),
                );
            })
        })
    });
    c.bench_function("wsq/cpu/decode_500x500", |b| {
        b.iter_custom(|iters| {
            cpu_time(iters, &|| {
                black_box(wsq::decode(black_box(&encoded)).expect("decode"));
            })
        })
    });
}

criterion_group!(benches, bench, bench_cpu);
criterion_main!(benches);
