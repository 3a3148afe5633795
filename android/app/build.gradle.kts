// The APK. Sources are the ones app/pom.xml compiles: src/main/kotlin and the core's generated
// Kotlin API (org.jatigi.ffi, written by bindings/kotlin/generate.sh into
// bindings/kotlin/target/generated-sources/uniffi and never committed: run the script, or
// `mvn -f bindings/kotlin/pom.xml test`, before building). Resources and the manifest are used
// only here. The core is cross-compiled by cargo-ndk into the jniLibs folder before every build.
plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
}

val abis = listOf("arm64-v8a", "armeabi-v7a", "x86_64")
val rustJniLibs = layout.buildDirectory.dir("rustJniLibs")
// The generated uniffi Kotlin, from the library of the same commit (bindings/kotlin/generate.sh).
val generatedBindings = rootDir.resolve("../bindings/kotlin/target/generated-sources/uniffi")

android {
    namespace = "org.jatigi.app"
    compileSdk = 35

    defaultConfig {
        applicationId = "org.jatigi.app"
        minSdk = 26
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
        ndk {
            abiFilters += abis
        }
    }

    sourceSets["main"].java.srcDirs("src/main/kotlin", generatedBindings)
    sourceSets["main"].jniLibs.srcDir(rustJniLibs)

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    buildTypes {
        release {
            isMinifyEnabled = false
        }
    }
}

kotlin {
    jvmToolchain(17)
}

dependencies {
    implementation(project(":logic"))
    // JNA, which the generated bindings call the core through. On Android it is the AAR (it
    // carries libjnidispatch.so for each ABI); the Maven build compiles against the plain jar
    // (`provided`), same version.
    implementation("net.java.dev.jna:jna:5.19.1@aar")
}

// Cross-compiles jatigi-ffi (bindings/) for the three ABIs with cargo-ndk; the shared
// libraries land in build/rustJniLibs/<abi>/libjatigi_ffi.so and are packed into the APK.
// Needs: ANDROID_NDK_HOME (or the NDK from the SDK), `cargo install cargo-ndk`, and
// `rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android`.
val cargoNdkBuild = tasks.register<Exec>("cargoNdkBuild") {
    group = "build"
    description = "Builds libjatigi_ffi.so for ${abis.joinToString()} with cargo-ndk"
    workingDir = rootDir.parentFile // the repository root (the Cargo workspace)
    val args = mutableListOf("cargo", "ndk")
    abis.forEach { args += listOf("-t", it) }
    args += listOf("--platform", "26", "-o", rustJniLibs.get().asFile.absolutePath, "build", "--release", "-p", "jatigi-ffi")
    commandLine(args)
}

tasks.named("preBuild") {
    dependsOn(cargoNdkBuild)
}
