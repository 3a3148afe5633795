#!/usr/bin/env bash
# Build jatigi-ffi for this machine and generate its Kotlin bindings from the library, into
# bindings/kotlin/target/generated-sources/uniffi; copy the library beside them
# (bindings/kotlin/target/native) for JNA. The generated Kotlin is never committed: it always
# comes from the library it is tested against. Maven runs this before compiling (pom.xml,
# phase generate-sources); it can also be run by hand.
set -euo pipefail
cd "$(dirname "$0")/../.."

cargo build --release -p jatigi-ffi
case "$(uname -s)" in
    Darwin) lib_name=libjatigi_ffi.dylib ;;
    *) lib_name=libjatigi_ffi.so ;;
esac
lib="${CARGO_TARGET_DIR:-target}/release/$lib_name"
out=bindings/kotlin/target/generated-sources/uniffi
native=bindings/kotlin/target/native
rm -rf "$out" "$native"
mkdir -p "$native"
# `cargo uniffi-bindgen` is the workspace's own generator (.cargo/config.toml): nothing to
# install. No ktlint here, so no formatting.
cargo uniffi-bindgen generate --library "$lib" --language kotlin --no-format --out-dir "$out"
cp "$lib" "$native/"
echo "Kotlin bindings generated in $out from $lib"
