#!/usr/bin/env bash
# Compiles every Kotlin file of the Android shell (with the generated bindings) and runs the logic tests on the JVM:
# logic/ on the plain JVM, app/ against the android-all jar (Maven Central). Maven downloads
# what it needs on the first run (about 140 MB for android-all); nothing is installed by hand.
set -euo pipefail
cd "$(dirname "$0")"
# app/ compiles against the core's generated Kotlin API, never committed: generate it first
# when it is missing (cargo builds libjatigi_ffi; .ci/test has already done it).
if [ ! -d ../bindings/kotlin/target/generated-sources/uniffi/org/jatigi/ffi ]; then
    bash ../bindings/kotlin/generate.sh
fi
mvn -B -ntp -f pom.xml verify "$@"
