package org.jatigi.app.bluetooth

import android.bluetooth.BluetoothAdapter
import android.bluetooth.BluetoothDevice
import java.io.IOException
import java.util.UUID
import org.jatigi.field.link.StreamLink
import org.jatigi.field.ports.ByteLink

/**
 * The scanner's bytes over a Bluetooth Classic RFCOMM socket (serial port profile). It only
 * moves bytes: framing, commands and their retries live in the core's driver, which receives
 * the link as its byte transport. Reads with a timeout come from [StreamLink] (tested on the
 * JVM in the logic module).
 */
object BluetoothRfcommTransport {
    /** The serial port profile's service UUID, which the scanner offers. */
    val SERIAL_PORT: UUID = UUID.fromString("00001101-0000-1000-8000-00805F9B34FB")

    /** Wait between the two connection attempts (scanner protocol facts: one retry). */
    private const val RETRY_DELAY_MILLIS = 1_000L

    /**
     * Connects to a bonded scanner: discovery is cancelled first (it slows RFCOMM connects
     * down badly), and a failed connect is tried once more on a new socket.
     * Needs BLUETOOTH_CONNECT and BLUETOOTH_SCAN (to cancel discovery) on Android 12+.
     */
    @Throws(IOException::class, SecurityException::class)
    fun connect(adapter: BluetoothAdapter, device: BluetoothDevice): ByteLink {
        adapter.cancelDiscovery()
        var last: IOException? = null
        for (attempt in 1..2) {
            val socket = device.createRfcommSocketToServiceRecord(SERIAL_PORT)
            try {
                socket.connect()
                return StreamLink(socket.inputStream, socket.outputStream, { socket.close() }, "jatigi-rfcomm-reader")
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
