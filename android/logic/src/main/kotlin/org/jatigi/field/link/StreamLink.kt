package org.jatigi.field.link

import java.io.IOException
import java.io.InputStream
import java.io.OutputStream
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import org.jatigi.field.ports.ByteLink

/**
 * A byte link over a blocking stream pair (a Bluetooth RFCOMM socket's): a reader thread
 * drains [input] into a queue, because such streams have no read timeout and the core's
 * transport contract has one. Reads return at most `max` bytes, an empty array when nothing
 * arrived in time, and throw IOException once the link is gone (every read after that too).
 */
class StreamLink(
    private val input: InputStream,
    private val output: OutputStream,
    /** Closes the underlying socket, which also ends the reader's blocking read. */
    private val closeSocket: () -> Unit,
    threadName: String = "jatigi-link-reader",
) : ByteLink {
    private val chunks = LinkedBlockingQueue<ByteArray>()
    private var leftover: ByteArray? = null

    @Volatile
    private var failure: IOException? = null

    @Volatile
    private var closed = false

    private val reader = Thread({ readLoop() }, threadName).apply {
        isDaemon = true
        start()
    }

    private fun readLoop() {
        val buffer = ByteArray(BUFFER)
        try {
            while (!closed) {
                val n = input.read(buffer)
                if (n < 0) throw IOException("the other end closed the link")
                if (n > 0) chunks.offer(buffer.copyOf(n))
            }
        } catch (e: IOException) {
            failure = e
        } finally {
            // offer, not put: put can be interrupted by close(), and the end must always be queued.
            chunks.offer(END)
        }
    }

    override fun write(bytes: ByteArray) {
        failure?.let { throw IOException("link lost", it) }
        if (closed) throw IOException("link closed")
        output.write(bytes)
        output.flush()
    }

    override fun read(max: Int, timeoutMillis: Long): ByteArray {
        require(max > 0) { "max must be positive" }
        val chunk = leftover ?: chunks.poll(timeoutMillis, TimeUnit.MILLISECONDS) ?: return EMPTY
        leftover = null
        if (chunk === END) {
            chunks.offer(END) // every later read fails too
            throw IOException("link lost", failure)
        }
        if (chunk.size <= max) return chunk
        leftover = chunk.copyOfRange(max, chunk.size)
        return chunk.copyOf(max)
    }

    override fun close() {
        closed = true
        try {
            closeSocket()
        } catch (_: IOException) {
            // already closed by the other side
        }
        reader.interrupt()
    }

    private companion object {
        const val BUFFER = 1024
        val EMPTY = ByteArray(0)
        val END = ByteArray(0)
    }
}
