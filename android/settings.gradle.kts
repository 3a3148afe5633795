// Gradle/AGP build of the Jatigi APK, for a workstation with the Android SDK and NDK.
// It cannot run on the project's machines (Google's Maven and Gradle distributions are not
// reachable there); the Maven build beside it (pom.xml) compiles and tests the same sources.
// Steps: docs/android.md, "Building the APK on a workstation".
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "jatigi-android"
include(":logic", ":app")
