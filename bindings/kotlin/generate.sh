#!/usr/bin/env bash
# Build jatigi-ffi for this machine and generate its Kotlin bindings from the library, into
# bindings/kotlin/target/generated-sources/uniffi. The generated Kotlin is never committed:
# it always comes from the library it is tested against. Maven runs this before compiling
# (pom.xml, phase generate-sources); it can also be run by hand.
set -euo pipefail
cd "$(dirname "$0")/../.."

cargo build --release -p jatigi-ffi
out=bindings/kotlin/target/generated-sources/uniffi
rm -rf "$out"
# `cargo uniffi-bindgen` is the workspace's own generator (.cargo/config.toml): nothing to
# install. No ktlint here, so no formatting.
cargo uniffi-bindgen generate --library target/release/libjatigi_ffi.so --language kotlin --no-format --out-dir "$out"
echo "Kotlin bindings generated in $out"
