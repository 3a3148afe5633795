package org.jatigi.field.scanner

import org.jatigi.field.ports.ScannerFailure
import org.jatigi.field.text.Msg
import org.jatigi.field.text.Text

/** Reconnecting after the link drops: close, wait, connect (scanner protocol facts). */
data class ReconnectPolicy(
    /** Tries before the session is declared lost and the operator is asked to act. */
    val maxAttempts: Int = 3,
    /** Wait before the first try: the facts say about 1 s after closing. */
    val firstDelayMillis: Long = 1_000,
    /** Each further try waits twice as long, so a scanner that is rebooting gets time. */
    val maxDelayMillis: Long = 4_000,
) {
    fun delayBefore(attempt: Int): Long =
        (firstDelayMillis shl (attempt - 1).coerceIn(0, 20)).coerceAtMost(maxDelayMillis)
}

/** Scanner battery thresholds. */
data class BatteryPolicy(
    /** Below this the operator is warned to charge soon: a capture session lasts about an hour. */
    val warnBelowPercent: Int = 20,
    /** Below this captures stop: a flat battery mid-capture drops the link (the core refuses under 10). */
    val blockBelowPercent: Int = 10,
) {
    fun levelOf(percent: Int): BatteryLevel = when {
        percent < blockBelowPercent -> BatteryLevel.TOO_LOW
        percent < warnBelowPercent -> BatteryLevel.LOW
        else -> BatteryLevel.OK
    }
}

enum class BatteryLevel { OK, LOW, TOO_LOW }

/** How many "no finger" answers in a row before the operator is offered an exception. */
data class NoFingerPolicy(val limit: Int = 3)

/** Live quality shown while the finger is on the glass. */
enum class QualityBand(val colour: Int, val msg: Msg, val greenLeds: Int) {
    NO_FINGER(0xFF757575.toInt(), Msg.QUALITY_NO_FINGER, 0),
    POOR(0xFFC62828.toInt(), Msg.QUALITY_POOR, 1),
    FAIR(0xFFEF6C00.toInt(), Msg.QUALITY_FAIR, 2),
    GOOD(0xFF9E9D24.toInt(), Msg.QUALITY_GOOD, 3),
    VERY_GOOD(0xFF558B2F.toInt(), Msg.QUALITY_VERY_GOOD, 4),
    EXCELLENT(0xFF2E7D32.toInt(), Msg.QUALITY_EXCELLENT, 5);

    companion object {
        /**
         * The same bands as the scanner's five green LEDs (0-39, 40-59, 60-74, 75-84, 85-100),
         * so the screen and the scanner agree; at most 10 is no finger, as the driver reads it.
         */
        fun of(quality: Int?): QualityBand = when {
            quality == null || quality <= 10 -> NO_FINGER
            quality < 40 -> POOR
            quality < 60 -> FAIR
            quality < 75 -> GOOD
            quality < 85 -> VERY_GOOD
            else -> EXCELLENT
        }
    }
}

/** What the capture screen shows for a quality reading. */
data class QualityFeedback(val quality: Int?, val band: QualityBand) {
    val text: Text get() = if (quality == null) Text(band.msg) else Text(band.msg, quality)

    companion object {
        fun of(quality: Int?) = QualityFeedback(quality?.coerceIn(0, 100), QualityBand.of(quality))
    }
}

/** What the operator reads when the scanner reports [failure]: what to do, not what broke. */
fun failureText(failure: ScannerFailure): Text = when (failure) {
    ScannerFailure.Disconnected, ScannerFailure.NotConnected -> Text(Msg.SCANNER_LOST)
    ScannerFailure.Timeout -> Text(Msg.SCANNER_TIMEOUT)
    ScannerFailure.Busy -> Text(Msg.SCANNER_BUSY)
    ScannerFailure.NoFinger -> Text(Msg.QUALITY_NO_FINGER)
    ScannerFailure.TriggerStuck -> Text(Msg.SCANNER_TRIGGER_STUCK)
    is ScannerFailure.LowBattery -> Text(Msg.BATTERY_TOO_LOW, failure.percent)
    is ScannerFailure.PoorQuality -> Text(Msg.QUALITY_POOR, failure.quality)
    is ScannerFailure.Other -> Text(Msg.SCANNER_ERROR, failure.detail)
}

/** What the operator reads for a capture that gave no sample; null for a capture that did. */
fun outcomeText(outcome: CaptureOutcome): Text? = when (outcome) {
    is CaptureOutcome.Captured -> null
    CaptureOutcome.NoFinger -> Text(Msg.QUALITY_NO_FINGER)
    is CaptureOutcome.PoorQuality -> Text(Msg.QUALITY_POOR, outcome.quality)
    is CaptureOutcome.BatteryTooLow -> Text(Msg.BATTERY_TOO_LOW, outcome.percent)
    CaptureOutcome.ScannerLost -> Text(Msg.SCANNER_LOST)
    is CaptureOutcome.Failed -> failureText(outcome.failure)
}

/** Bonded scanner identity from its Bluetooth address (scanner protocol facts, "Link and pairing"). */
object ScannerAddress {
    private const val VERO_PREFIX = "F0:AC:D7:C"

    fun isScanner(mac: String): Boolean = mac.uppercase().startsWith(VERO_PREFIX)

    /** The printed serial: "SP" and the last 5 hex digits of the MAC as a number, modulo 1,000,000. */
    fun serialOf(mac: String): String? {
        val hex = mac.replace(":", "").uppercase()
        if (hex.length != 12 || hex.any { it !in "0123456789ABCDEF" }) return null
        val n = hex.takeLast(5).toLong(16) % 1_000_000
        return "SP" + n.toString().padStart(6, '0')
    }
}

/** Runtime permissions the Bluetooth link needs on a given Android version. */
object BluetoothPermissions {
    const val API_S = 31

    fun required(sdkInt: Int): List<String> = if (sdkInt >= API_S) {
        listOf("android.permission.BLUETOOTH_CONNECT", "android.permission.BLUETOOTH_SCAN")
    } else {
        // Before Android 12, discovery needs location; BLUETOOTH and BLUETOOTH_ADMIN are
        // install-time permissions but are listed so the check is complete.
        listOf(
            "android.permission.BLUETOOTH",
            "android.permission.BLUETOOTH_ADMIN",
            "android.permission.ACCESS_FINE_LOCATION",
        )
    }

    /** The ones a screen must ask for at run time (install-time ones are granted by the manifest). */
    fun runtime(sdkInt: Int): List<String> = required(sdkInt).filter {
        it != "android.permission.BLUETOOTH" && it != "android.permission.BLUETOOTH_ADMIN"
    }
}
