package org.jatigi.ffi

import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Tag
import org.junit.jupiter.api.Test

/**
 * Is passing fingerprint frames through JNA costly? (Issue 8: measure before adding a JNI
 * path.) Prints, does not assert times: the machine is shared and timed assertions flake.
 *
 * 1. Moving one 500 x 500 frame (250,000 bytes) across the boundary each way with the
 *    generated converters: what every `ByteArray` argument or result costs.
 * 2. A whole capture with its image, once with the scanner's bytes going through a Kotlin
 *    `ByteTransport` (the Bluetooth path) and once straight to the simulator in Rust.
 *
 * Named `...Test` so Surefire runs it and its lines land in the test output.
 */
// A measurement, not a check: out of the default run; run it with `mvn -f
// bindings/kotlin/pom.xml test -Djatigi.excluded.groups=none -Dtest=FrameCostTest`.
@Tag("measurement")
class FrameCostTest {
    @Test
    fun `frames through JNA`() {
        val frame = ByteArray(500 * 500) { (it * 31).toByte() }
        repeat(50) { FfiConverterByteArray.lift(FfiConverterByteArray.lower(frame)) }
        val rounds = 400
        var start = System.nanoTime()
        repeat(rounds) { assertEquals(frame.size, FfiConverterByteArray.lift(FfiConverterByteArray.lower(frame)).size) }
        val roundTripUs = (System.nanoTime() - start) / 1000.0 / rounds
        assertArrayEquals(frame, FfiConverterByteArray.lift(FfiConverterByteArray.lower(frame)))

        val store = JatigiStore.create(tempStorePath().toString(), "TAB-GAO-07", AesKeyProvider())
        store.addFirstSupervisor(NewOperator("SUP-0001", "Aminata Keïta", Role.SUPERVISOR, "4827"))
        val session = store.signIn("SUP-0001", "4827").startHousehold(gaoSite)
        val member = session.addMember(adult(Relation.HEAD, "Moussa", "Maïga", Sex.MALE, 45))
        session.recordConsent(member, ConsentDecision.GIVEN, ConsentMethod.VERBAL)

        val sim = SimulatedScanner(9uL)
        sim.present(1uL, Finger.RIGHT_THUMB)
        val captures = 8
        fun medianCaptureMs(scanner: ScannerSession): Double {
            session.captureFinger(member, Finger.RIGHT_THUMB, scanner)
            val times = (1..captures).map {
                session.clearFinger(member, Finger.RIGHT_THUMB)
                start = System.nanoTime()
                val attempt = session.captureFinger(member, Finger.RIGHT_THUMB, scanner)
                val ms = (System.nanoTime() - start) / 1e6
                assertEquals(attempt.image!!.width * attempt.image!!.height, attempt.image!!.pixels.size.toUInt())
                ms
            }.sorted()
            return (times[captures / 2 - 1] + times[captures / 2]) / 2
        }
        val direct = ScannerSession.connectSimulated(sim)
        val directMs = medianCaptureMs(direct)
        direct.disconnect()
        val transport = ForwardingTransport(sim.connect())
        val kotlin = ScannerSession.connect(transport)
        val before = Triple(transport.reads.get(), transport.bytesRead.get(), transport.readNanos.get())
        val kotlinMs = medianCaptureMs(kotlin)
        kotlin.disconnect()
        val reads = transport.reads.get() - before.first
        val bytes = transport.bytesRead.get() - before.second
        val inReadMs = (transport.readNanos.get() - before.third) / 1e6 / (captures + 1)

        println("JNA frame cost: 250,000-byte frame lowered to Rust and lifted back: %.0f us a round trip".format(roundTripUs))
        println("JNA frame cost: capture with image, median of $captures: %.1f ms through a Kotlin transport, %.1f ms direct in Rust (%+.1f ms)"
            .format(kotlinMs, directMs, kotlinMs - directMs))
        println("JNA frame cost: Kotlin transport: ${reads / (captures + 1)} read callbacks and ${bytes / (captures + 1)} bytes a capture, %.1f ms of it inside Kotlin's read (mostly waiting)"
            .format(inReadMs))
    }
}
