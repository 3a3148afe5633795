package org.jatigi.field

import java.io.ByteArrayOutputStream
import java.io.IOException
import java.io.PipedInputStream
import java.io.PipedOutputStream
import org.jatigi.field.link.StreamLink
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Test

class StreamLinkTest {
    private val scannerSide = PipedOutputStream()
    private val phoneIn = PipedInputStream(scannerSide, 4096)
    private val written = ByteArrayOutputStream()
    private val link = StreamLink(phoneIn, written, { phoneIn.close() })

    @Test
    fun `nothing arriving in time is an empty read, not an error`() {
        assertEquals(0, link.read(64, 20).size)
    }

    @Test
    fun `bytes arrive in order and a long chunk is split at max`() {
        scannerSide.write(byteArrayOf(1, 2, 3, 4, 5))
        scannerSide.flush()
        assertArrayEquals(byteArrayOf(1, 2, 3), link.read(3, 1_000))
        assertArrayEquals(byteArrayOf(4, 5), link.read(3, 1_000))
        link.write(byteArrayOf(9, 8))
        assertArrayEquals(byteArrayOf(9, 8), written.toByteArray())
    }

    @Test
    fun `a link dropped by the scanner fails every later read and write`() {
        scannerSide.write(byteArrayOf(7))
        scannerSide.close() // the scanner switched off
        assertArrayEquals(byteArrayOf(7), link.read(16, 1_000))
        assertThrows(IOException::class.java) { link.read(16, 1_000) }
        assertThrows(IOException::class.java) { link.read(16, 10) }
        assertThrows(IOException::class.java) { link.write(byteArrayOf(1)) }
    }

    @Test
    fun `closing our end ends the link`() {
        link.close()
        assertThrows(IOException::class.java) { link.read(16, 1_000) }
        assertThrows(IOException::class.java) { link.write(byteArrayOf(1)) }
    }
}
