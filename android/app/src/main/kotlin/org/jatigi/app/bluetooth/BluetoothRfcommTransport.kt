package org.jatigi.app.bluetooth

import android.bluetooth.BluetoothAdapter
import android.bluetooth.BluetoothDevice
import android.bluetooth.BluetoothSocket
import java.io.IOException
import java.util.UUID
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import org.jatigi.field.ports.ByteLink

/**
 * The scanner's bytes over a Bluetooth Classic RFCOMM socket (serial port profile). It only
 * moves bytes: framing, commands and retries of commands live in the core's driver, which
 * receives this object as its byte transport.
 *
 * A reader thread drains the socket into a queue, because a BluetoothSocket's input stream
 * has no read timeout and the core's transport contract has one.
 */
class BluetoothRfcommTransport private constructor(private val socket: BluetoothSocket) : ByteLink {
    private val input = socket.inputStream
    private val output = socket.outputStream
    private val chunks = LinkedBlockingQueue<ByteArray>()
    private var leftover: ByteArray? = null

    @Volatile
    private var failure: IOException? = null

    @Volatile
    private var closed = false

    private val reader = Thread({ readLoop() }, "jatigi-rfcomm-reader").apply {
        isDaemon = true
        start()
    }

    private fun readLoop() {
        val buffer = ByteArray(1024)
        try {
            while (!closed) {
                val n = input.read(buffer)
                if (n < 0) throw IOException("scanner closed the link")
                if (n > 0) chunks.put(buffer.copyOf(n))
            }
        } catch (e: IOException) {
            failure = e
            chunks.put(END)
        }
    }

    override fun write(bytes: ByteArray) {
        failure?.let { throw it }
        if (closed) throw IOException("link closed")
        output.write(bytes)
        output.flush()
    }

    override fun read(max: Int, timeoutMillis: Long): ByteArray {
        val chunk = leftover ?: chunks.poll(timeoutMillis, TimeUnit.MILLISECONDS) ?: return EMPTY
        leftover = null
        if (chunk === END) {
            chunks.put(END) // every later read fails too
            throw failure ?: IOException("link closed")
        }
        if (chunk.size <= max) return chunk
        leftover = chunk.copyOfRange(max, chunk.size)
        return chunk.copyOf(max)
    }

    override fun close() {
        closed = true
        try {
            socket.close() // also ends the reader's blocking read
        } catch (_: IOException) {
            // already closed by the other side
        }
        reader.interrupt()
    }

    companion object {
        /** The serial port profile's service UUID, which the scanner offers. */
        val SERIAL_PORT: UUID = UUID.fromString("00001101-0000-1000-8000-00805F9B34FB")
        private val EMPTY = ByteArray(0)
        private val END = ByteArray(0)

        /** Wait between the two connection attempts (scanner protocol facts: one retry). */
        private const val RETRY_DELAY_MILLIS = 1_000L

        /**
         * Connects to a bonded scanner: discovery is cancelled first (it slows RFCOMM connects
         * down badly), and a failed connect is tried once more on a new socket.
         * Needs BLUETOOTH_CONNECT (and BLUETOOTH_SCAN to cancel discovery) on Android 12+.
         */
        @Throws(IOException::class, SecurityException::class)
        fun connect(adapter: BluetoothAdapter, device: BluetoothDevice): BluetoothRfcommTransport {
            adapter.cancelDiscovery()
            var last: IOException? = null
            for (attempt in 1..2) {
                val socket = device.createRfcommSocketToServiceRecord(SERIAL_PORT)
                try {
                    socket.connect()
                    return BluetoothRfcommTransport(socket)
                } catch (e: IOException) {
                    last = e
                    try {
                        socket.close()
                    } catch (_: IOException) {
                        // nothing more to free
                    }
                    if (attempt == 1) Thread.sleep(RETRY_DELAY_MILLIS)
                }
            }
            throw last ?: IOException("connect failed")
        }
    }
}
