// Versions: the Kotlin compiler is the one the Maven build uses (pom.xml, kotlin.version).
// The Android Gradle Plugin version was chosen without being able to run it here; use the one
// your Android Studio proposes if it differs.
plugins {
    id("com.android.application") version "8.7.3" apply false
    id("org.jetbrains.kotlin.android") version "2.4.21" apply false
    id("org.jetbrains.kotlin.jvm") version "2.4.21" apply false
}
