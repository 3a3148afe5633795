//! A prepared probe compared against many prepared candidates allocates nothing: the matcher
//! keeps its scratch space. This is what 1:N search stands on. The test binary counts every
//! allocation through its own global allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use jatigi_core::biometrics::{extract, FingerImage, Matcher, PreparedTemplate};

struct CountingAllocator;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

fn prepared(name: &str) -> PreparedTemplate {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/fingerprints").join(name);
    let image = FingerImage::open(&path, 500).expect("fixture decodes");
    PreparedTemplate::new(&extract(&image).expect("fixture extracts"))
}

#[test]
fn comparing_a_prepared_probe_against_many_candidates_allocates_nothing() {
    let gallery: Vec<PreparedTemplate> =
        ["f1_2.png", "f2_1.png", "f2_2.png", "f3_1.png", "f3_2.png"].iter().map(|n| prepared(n)).collect();
    let probe = prepared("f1_1.png");
    let mut matcher = Matcher::new();
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let mut best = 0.0f32;
    for _ in 0..200 {
        for candidate in &gallery {
            best = best.max(matcher.compare(&probe, candidate));
        }
    }
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
    assert_eq!(allocations, 0, "1,000 comparisons allocated {allocations} times");
    assert!(best > 40.0, "the mate was found (best score {best})");
}
