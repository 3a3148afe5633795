#!/usr/bin/env bash
# Compiles every Kotlin file of the Android shell and runs the logic tests on the JVM:
# logic/ on the plain JVM, app/ against the android-all jar (Maven Central). Maven downloads
# what it needs on the first run (about 140 MB for android-all); nothing is installed by hand.
set -euo pipefail
cd "$(dirname "$0")"
mvn -B -ntp -f pom.xml verify "$@"
