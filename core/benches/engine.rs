//! Engine speed on the synthetic fixtures (tests/fixtures/fingerprints, 300 x 300 px at
//! 500 dpi): extraction, preparation and 1:1 comparison.
//!
//!     cargo bench -p jatigi-core --bench engine
//!     cargo bench -p jatigi-core --bench engine -- --warm-up-time 1 --measurement-time 3
//!
//! Single-threaded, as one enrollment station or one 1:N worker runs them.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use jatigi_core::biometrics::search::SearchCode;
use jatigi_core::biometrics::{extract, FingerImage, Matcher, PreparedTemplate, Template};

fn fixture(name: &str) -> FingerImage {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/fingerprints").join(name);
    FingerImage::open(&path, 500).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn template(name: &str) -> Template {
    extract(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn engine(c: &mut Criterion) {
    let image = fixture("f1_1.png");
    assert_eq!((image.width, image.height), (300, 300));
    c.bench_function("extract/fixture_300x300", |b| b.iter(|| extract(black_box(&image)).unwrap()));

    let probe_template = template("f1_1.png");
    c.bench_function("prepare", |b| b.iter(|| PreparedTemplate::new(black_box(&probe_template))));
    c.bench_function("search_code", |b| b.iter(|| SearchCode::new(black_box(&probe_template))));
    let (code_a, code_b) = (SearchCode::new(&probe_template), SearchCode::new(&template("f2_1.png")));
    c.bench_function("search_code/compare", |b| b.iter(|| black_box(&code_a).similarity(black_box(&code_b))));

    // Probe f1_1 against the other impression of finger 1 and against finger 2.
    let probe = PreparedTemplate::new(&probe_template);
    let mate = PreparedTemplate::new(&template("f1_2.png"));
    let stranger = PreparedTemplate::new(&template("f2_1.png"));
    let mut matcher = Matcher::new();
    let (genuine, impostor) = (matcher.compare(&probe, &mate), matcher.compare(&probe, &stranger));
    assert!(genuine > impostor, "genuine {genuine} vs impostor {impostor}");
    eprintln!(
        "probe {} cylinders, mate {}, stranger {}; scores: genuine {genuine:.1}, impostor {impostor:.1}",
        probe.len(),
        mate.len(),
        stranger.len()
    );

    let mut group = c.benchmark_group("compare");
    group.bench_function("genuine", |b| b.iter(|| matcher.compare(black_box(&probe), black_box(&mate))));
    group.bench_function("impostor", |b| b.iter(|| matcher.compare(black_box(&probe), black_box(&stranger))));
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
