package org.jatigi.ffi

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * A simulated scanner's links under the JVM's garbage collector: the collector frees a
 * Kotlin `SimulatedScanner` (and, through its cleaner, the Rust object) as soon as nothing
 * references it, which in a test is often while its link is still in use.
 */
class SimulatedLinkTest {
    /** A link to a scanner that nothing references once this returns. */
    private fun linkToAnUnreferencedScanner(): SimulatedLink {
        val sim = SimulatedScanner(9uL)
        sim.present(1uL, Finger.RIGHT_THUMB)
        return sim.connect()
    }

    @Test
    fun `links keep their scanner serving after the collector frees the Kotlin object`() {
        val throughKotlin = ScannerSession.connect(ForwardingTransport(linkToAnUnreferencedScanner()))
        val direct = ScannerSession.connectSimulated(SimulatedScanner(10uL))
        // Collect, and give the cleaner thread time to free what was collected.
        repeat(3) {
            System.gc()
            Thread.sleep(100)
        }
        for (scanner in listOf(throughKotlin, direct)) {
            assertEquals(87u.toUByte(), scanner.status().batteryPercent)
            assertTrue(scanner.isConnected())
            scanner.disconnect()
        }
    }
}
