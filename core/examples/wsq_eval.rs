//! WSQ on real images: encode every image of the given folders (default: the FVC2002 "B"
//! sets in ../shared) at a bit rate (default 0.75 bpp), decode it, and report per folder
//! the mean bit rate reached, PSNR against the original, and encode / decode time.
//!
//!     cargo run --release -p jatigi-core --example wsq_eval -- [--bitrate 0.75] [FOLDER...]
//!
//! Images are taken at their own resolution (WSQ codes pixels, not millimetres).
//! Timing is one run per image on one thread: wall clock, and the thread's CPU time
//! (Linux /proc/thread-self/schedstat; meaningful even when the machine is loaded).

use std::path::{Path, PathBuf};
use std::time::Instant;

use jatigi_core::biometrics::wsq;

const DEFAULT_FOLDERS: [&str; 4] = ["DB1_B", "DB2_B", "DB3_B", "DB4_B"];

#[derive(Default)]
struct Totals {
    images: usize,
    bpp: f64,
    psnr: f64,
    encode_ms: f64,
    decode_ms: f64,
    encode_cpu_ms: f64,
    decode_cpu_ms: f64,
    worst_psnr: f64,
}

/// CPU time this thread has run, in milliseconds (0 where /proc does not provide it).
fn thread_cpu_ms() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|t| t.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0.0, |ns| ns as f64 / 1e6)
}

impl Totals {
    fn add(
        &mut self,
        bpp: f64,
        psnr: f64,
        (encode_ms, decode_ms): (f64, f64),
        (encode_cpu_ms, decode_cpu_ms): (f64, f64),
    ) {
        if self.images == 0 || psnr < self.worst_psnr {
            self.worst_psnr = psnr;
        }
        self.images += 1;
        self.bpp += bpp;
        self.psnr += psnr;
        self.encode_ms += encode_ms;
        self.decode_ms += decode_ms;
        self.encode_cpu_ms += encode_cpu_ms;
        self.decode_cpu_ms += decode_cpu_ms;
    }

    fn print(&self, label: &str) {
        let n = self.images.max(1) as f64;
        println!(
            "{label}: {} images, mean {:.3} bpp, PSNR mean {:.2} dB (worst {:.2}), encode {:.2} ms (CPU {:.2}), decode {:.2} ms (CPU {:.2})",
            self.images,
            self.bpp / n,
            self.psnr / n,
            self.worst_psnr,
            self.encode_ms / n,
            self.encode_cpu_ms / n,
            self.decode_ms / n,
            self.decode_cpu_ms / n
        );
    }
}


fn images_in(folder: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(folder)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e == "tif" || e == "png" || e == "bmp")
        })
        .collect();
    paths.sort();
    Ok(paths)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut bitrate = wsq::DEFAULT_BITRATE;
    let mut folders = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--bitrate" {
            bitrate = args.next().ok_or("--bitrate needs a value")?.parse()?;
        } else {
            folders.push(PathBuf::from(arg));
        }
    }
    if folders.is_empty() {
        let root =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/fingerprints/fvc2002");
        folders = DEFAULT_FOLDERS.iter().map(|f| root.join(f)).collect();
    }
    let mut all = Totals::default();
    for folder in &folders {
        let mut totals = Totals::default();
        for path in images_in(folder)? {
            let image = image::open(&path)?.to_luma8();
            let (w, h) = (image.width() as usize, image.height() as usize);
            let (start, cpu) = (Instant::now(), thread_cpu_ms());
            let bytes = wsq::encode(image.as_raw(), w, h, None, bitrate, &[])?;
            let (encode_ms, encode_cpu) =
                (start.elapsed().as_secs_f64() * 1e3, thread_cpu_ms() - cpu);
            let (start, cpu) = (Instant::now(), thread_cpu_ms());
            let decoded = wsq::decode(&bytes)?;
            let (decode_ms, decode_cpu) =
                (start.elapsed().as_secs_f64() * 1e3, thread_cpu_ms() - cpu);
            let bpp = bytes.len() as f64 * 8.0 / (w * h) as f64;
            let p = wsq::psnr(image.as_raw(), &decoded.pixels);
            totals.add(bpp, p, (encode_ms, decode_ms), (encode_cpu, decode_cpu));
            all.add(bpp, p, (encode_ms, decode_ms), (encode_cpu, decode_cpu));
        }
        totals.print(&folder.display().to_string());
    }
    all.print("all");
    Ok(())
}
