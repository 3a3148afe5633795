package org.jatigi.field.scanner

import org.jatigi.field.ports.BatteryReading
import org.jatigi.field.ports.Finger
import org.jatigi.field.ports.FingerSample
import org.jatigi.field.ports.ScannerException
import org.jatigi.field.ports.ScannerFailure
import org.jatigi.field.ports.ScannerInfo
import org.jatigi.field.ports.ScannerPort
import org.jatigi.field.ports.Sleeper

/** What the scanner status bar shows. */
sealed interface ScannerStatus {
    data object Disconnected : ScannerStatus
    data object Connecting : ScannerStatus
    data class Connected(val info: ScannerInfo, val battery: BatteryReading?, val level: BatteryLevel) : ScannerStatus
    data class Reconnecting(val attempt: Int, val of: Int) : ScannerStatus
    /** Reconnecting failed: the operator must check the scanner (on? in range?) and retry. */
    data object Lost : ScannerStatus
}

/** The outcome of one capture request, as the enrollment flow needs it. */
sealed interface CaptureOutcome {
    data class Captured(val sample: FingerSample) : CaptureOutcome
    data object NoFinger : CaptureOutcome
    data class PoorQuality(val quality: Int) : CaptureOutcome
    data class BatteryTooLow(val percent: Int) : CaptureOutcome
    data object ScannerLost : CaptureOutcome
    data class Failed(val failure: ScannerFailure) : CaptureOutcome
}

/**
 * One scanner session: connects, watches the battery, and brings the link back when it drops
 * in the middle of a capture, so the person in front of the operator only has to put the
 * finger down again. Call its methods from one worker thread; [status] may be read anywhere.
 */
class ScannerSession(
    private val port: ScannerPort,
    private val sleeper: Sleeper,
    private val reconnect: ReconnectPolicy = ReconnectPolicy(),
    private val battery: BatteryPolicy = BatteryPolicy(),
    private val onStatus: (ScannerStatus) -> Unit = {},
) {
    /** Read from any thread (the screens show it); written by the session's thread. */
    @Volatile
    var status: ScannerStatus = ScannerStatus.Disconnected
        private set
    private var info: ScannerInfo? = null

    private fun publish(s: ScannerStatus) {
        status = s
        onStatus(s)
    }

    /** Connects once; on failure the status is [ScannerStatus.Lost] and the failure is returned. */
    fun connect(): ScannerFailure? {
        publish(ScannerStatus.Connecting)
        return try {
            info = port.connect()
            readBattery()
            null
        } catch (e: ScannerException) {
            publish(ScannerStatus.Lost)
            e.failure
        }
    }

    /** Reads the battery and republishes the status (the warning shows from here). */
    fun readBattery(): BatteryReading? {
        val current = info ?: return null
        // A failed reading is not an error of its own: the next capture finds a dropped link.
        val reading = try {
            port.battery()
        } catch (_: ScannerException) {
            null
        }
        publish(ScannerStatus.Connected(current, reading, reading?.let { battery.levelOf(it.percent) } ?: BatteryLevel.OK))
        return reading
    }

    /** Live quality for the screen; null when there is no finger or the scanner is busy. */
    fun previewQuality(): Int? = try {
        port.qualityPreview()
    } catch (_: ScannerException) {
        null
    }

    /**
     * Captures [finger]. A link drop (before or during the capture) is repaired by
     * reconnecting under the [ReconnectPolicy], then the capture is asked again once.
     */
    fun capture(finger: Finger): CaptureOutcome {
        // Never connected: connect straight away; connected before and lost: the reconnect policy.
        val ready = when {
            info == null -> connect() == null || recover()
            status == ScannerStatus.Lost -> recover()
            else -> true
        }
        if (!ready) return CaptureOutcome.ScannerLost
        val reading = readBattery()
        if (reading != null && battery.levelOf(reading.percent) == BatteryLevel.TOO_LOW) {
            return CaptureOutcome.BatteryTooLow(reading.percent)
        }
        if (status == ScannerStatus.Lost) return CaptureOutcome.ScannerLost
        return attempt(finger, retryAfterRecovery = true)
    }

    private fun attempt(finger: Finger, retryAfterRecovery: Boolean): CaptureOutcome = try {
        CaptureOutcome.Captured(port.capture(finger))
    } catch (e: ScannerException) {
        when (val f = e.failure) {
            ScannerFailure.NoFinger -> CaptureOutcome.NoFinger
            is ScannerFailure.PoorQuality -> CaptureOutcome.PoorQuality(f.quality)
            is ScannerFailure.LowBattery -> CaptureOutcome.BatteryTooLow(f.percent)
            else -> when {
                !f.isLinkDrop() -> CaptureOutcome.Failed(f)
                retryAfterRecovery && recover() -> attempt(finger, retryAfterRecovery = false)
                status == ScannerStatus.Lost -> CaptureOutcome.ScannerLost
                else -> CaptureOutcome.Failed(f)
            }
        }
    }

    /** Close, wait, connect; up to [ReconnectPolicy.maxAttempts] times. */
    fun recover(): Boolean {
        for (attempt in 1..reconnect.maxAttempts) {
            publish(ScannerStatus.Reconnecting(attempt, reconnect.maxAttempts))
            try {
                port.close()
            } catch (_: Exception) {
                // the link is already gone; closing is only to free the socket
            }
            sleeper.sleep(reconnect.delayBefore(attempt))
            try {
                info = port.connect()
                publish(ScannerStatus.Connected(info!!, null, BatteryLevel.OK))
                readBattery()
                return true
            } catch (_: ScannerException) {
                // try again after a longer wait
            }
        }
        publish(ScannerStatus.Lost)
        return false
    }

    fun close() {
        try {
            port.close()
        } finally {
            info = null
            publish(ScannerStatus.Disconnected)
        }
    }

    private fun ScannerFailure.isLinkDrop() =
        this == ScannerFailure.Disconnected || this == ScannerFailure.NotConnected || this == ScannerFailure.Timeout
}
