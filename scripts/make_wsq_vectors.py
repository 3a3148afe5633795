#!/usr/bin/env python3
"""WSQ test vectors from the reference codec (NIST NBIS, through the PyPI package `wsq`).

The package is a test-time tool only; Jatigi does not depend on it. Make a venv once:

    python3 -m venv /tmp/wsqenv
    /tmp/wsqenv/bin/pip install wsq Pillow

Then, from the repository root:

    /tmp/wsqenv/bin/python scripts/make_wsq_vectors.py            # write the vectors
    /tmp/wsqenv/bin/python scripts/make_wsq_vectors.py --interop  # also check our files
    /tmp/wsqenv/bin/python scripts/make_wsq_vectors.py --interop \
        --fvc ../shared/data/fingerprints/fvc2002                 # ... and real images

Writing: for each vector below (synthetic fingerprints from tests/fixtures/fingerprints,
whole or cropped to odd sizes; no real fingerprint goes into the repository), the
reference encoder's file `<name>.wsq`, the reference decoder's output `<name>.ref.png`, and
a line of `vectors.tsv` with the crop, bit rate, file size and the reference PSNR against
the source. All at 0.75 bpp: wsq 0.9 ignores the bit rate it is given. tests/tests/wsq_vectors.rs reads them.

--interop: encode every source with our encoder (the `wsq_tool` example, release build)
into a temporary folder, decode our files with the reference decoder, and report the
mean absolute difference between the two decoders' outputs, sizes and PSNRs. --fvc DIR
does the same on the FVC images under DIR (read in place, nothing is written to the
repository). The numbers in docs/formats/wsq.md come from these runs.
"""

import argparse
import glob
import io
import math
import os
import subprocess
import sys
import tempfile

import _wsq  # the NBIS codec: compress(pixels, rows, cols, bitrate), decompress(bytes)
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "wsq")
SOURCES = os.path.join(ROOT, "tests", "fixtures", "fingerprints")

# name, source image, crop box (x, y, width, height) or None, bit rate
VECTORS = [
    ("f1_1_075", "f1_1.png", None, 0.75),
    ("f2_1_crop_075", "f2_1.png", (11, 23, 277, 259), 0.75),
    ("f3_2_crop_075", "f3_2.png", (70, 40, 151, 233), 0.75),
    ("f1_2_crop_075", "f1_2.png", (100, 60, 97, 131), 0.75),
]


def load_gray(path, box=None):
    image = Image.open(path).convert("L")
    if box:
        x, y, w, h = box
        image = image.crop((x, y, x + w, y + h))
    return image


def psnr(a, b):
    mse = sum((x - y) ** 2 for x, y in zip(a, b)) / len(a)
    return float("inf") if mse == 0 else 10 * math.log10(255 * 255 / mse)


def mae(a, b):
    return sum(abs(x - y) for x, y in zip(a, b)) / len(a)


def ref_encode(image, bitrate):
    w, h = image.size
    data = _wsq.compress(image.tobytes(), h, w, bitrate)
    # wsq 0.9 ignores its bit-rate argument and always encodes at 0.75 bpp (its NISTCOM
    # comment says so): refuse to record a vector under a bit rate it was not made at.
    stated = data.split(b"WSQ_BITRATE ", 1)[1].split(b"\xff", 1)[0].split(b"\n", 1)[0]
    if abs(float(stated) - bitrate) > 1e-6:
        raise SystemExit(f"the reference encoder used {stated.decode()} bpp, not {bitrate}")
    return data


def ref_decode(data):
    pixels, w, h, _ppi = _wsq.decompress(data)
    return bytes(pixels), w, h


def write_vectors():
    os.makedirs(OUT, exist_ok=True)
    lines = ["# name\tsource\tcrop_x,y,w,h\tbitrate\twsq_bytes\tref_psnr_db"]
    for name, source, box, bitrate in VECTORS:
        image = load_gray(os.path.join(SOURCES, source), box)
        w, h = image.size
        data = ref_encode(image, bitrate)
        decoded, dw, dh = ref_decode(data)
        assert (dw, dh) == (w, h)
        with open(os.path.join(OUT, name + ".wsq"), "wb") as f:
            f.write(data)
        Image.frombytes("L", (w, h), decoded).save(os.path.join(OUT, name + ".ref.png"), optimize=True)
        quality = psnr(image.tobytes(), decoded)
        crop = ",".join(map(str, box if box else (0, 0, w, h)))
        lines.append(f"{name}\t{source}\t{crop}\t{bitrate}\t{len(data)}\t{quality:.3f}")
        print(f"{name}: {w}x{h} {len(data)} bytes {len(data) * 8 / (w * h):.3f} bpp PSNR {quality:.3f} dB")
    with open(os.path.join(OUT, "vectors.tsv"), "w") as f:
        f.write("\n".join(lines) + "\n")


def tool():
    subprocess.run(
        ["cargo", "build", "--release", "-q", "-p", "jatigi-core", "--example", "wsq_tool"],
        cwd=ROOT,
        check=True,
    )
    return os.path.join(ROOT, "target", "release", "examples", "wsq_tool")


def read_pgm(path):
    with open(path, "rb") as f:
        image = Image.open(io.BytesIO(f.read()))
        return image.convert("L").tobytes()


def interop(images, bitrate=0.75):
    """images: list of (label, PIL image). Prints one line per image and a summary."""
    wsq_tool = tool()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, image in images:
            w, h = image.size
            source = os.path.join(tmp, "source.pgm")
            ours = os.path.join(tmp, "ours.wsq")
            ours_decoded = os.path.join(tmp, "ours.pgm")
            image.save(source)
            subprocess.run([wsq_tool, "encode", source, ours, str(bitrate)], check=True, capture_output=True)
            with open(ours, "rb") as f:
                our_data = f.read()
            # Our file through the reference decoder, and through ours.
            by_ref, rw, rh = ref_decode(our_data)
            assert (rw, rh) == (w, h), label
            subprocess.run([wsq_tool, "decode", ours, ours_decoded], check=True, capture_output=True)
            by_us = read_pgm(ours_decoded)
            # The reference encoder on the same image.
            ref_data = ref_encode(image, bitrate)
            ref_decoded, _, _ = ref_decode(ref_data)
            pixels = image.tobytes()
            row = (
                label,
                w * h,
                len(our_data) * 8 / (w * h),
                len(ref_data) * 8 / (w * h),
                psnr(pixels, by_us),
                psnr(pixels, ref_decoded),
                mae(by_ref, by_us),
            )
            rows.append(row)
            print(
                f"{label}: {w}x{h} bpp ours {row[2]:.3f} ref {row[3]:.3f}; PSNR ours {row[4]:.2f} "
                f"ref {row[5]:.2f} dB; our file decoded by ref vs us: MAE {row[6]:.4f}",
                flush=True,
            )
    n = len(rows)
    if n:
        mean = lambda i: sum(r[i] for r in rows) / n  # noqa: E731
        worst_gap = max(r[5] - r[4] for r in rows)
        print(
            f"SUMMARY {n} images: bpp ours {mean(2):.3f} ref {mean(3):.3f}; PSNR ours {mean(4):.3f} "
            f"ref {mean(5):.3f} dB (largest shortfall {worst_gap:.3f} dB); "
            f"MAE ref-decoder vs ours on our files: mean {mean(6):.4f} max {max(r[6] for r in rows):.4f}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--interop", action="store_true", help="check our encoder against the reference")
    parser.add_argument("--fvc", help="folder of FVC images (searched recursively for *.tif)")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite the committed vectors")
    args = parser.parse_args()
    if not args.no_write:
        write_vectors()
    if args.interop:
        images = [(name, load_gray(os.path.join(SOURCES, src), box)) for name, src, box, _ in VECTORS]
        interop(images)
    if args.fvc:
        paths = sorted(glob.glob(os.path.join(args.fvc, "**", "*.tif"), recursive=True))
        interop([(os.path.relpath(p, args.fvc), load_gray(p)) for p in paths])


if __name__ == "__main__":
    sys.exit(main())
