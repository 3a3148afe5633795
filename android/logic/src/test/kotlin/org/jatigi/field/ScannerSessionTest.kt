package org.jatigi.field

import org.jatigi.field.ports.Finger
import org.jatigi.field.ports.ScannerFailure
import org.jatigi.field.scanner.BatteryLevel
import org.jatigi.field.scanner.BatteryPolicy
import org.jatigi.field.scanner.CaptureOutcome
import org.jatigi.field.scanner.QualityBand
import org.jatigi.field.scanner.QualityFeedback
import org.jatigi.field.scanner.ReconnectPolicy
import org.jatigi.field.scanner.ScannerAddress
import org.jatigi.field.scanner.BluetoothPermissions
import org.jatigi.field.scanner.ScannerSession
import org.jatigi.field.scanner.ScannerStatus
import org.jatigi.field.scanner.failureText
import org.jatigi.field.scanner.outcomeText
import org.jatigi.field.text.Lang
import org.jatigi.field.text.Msg
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class ScannerSessionTest {
    private val scanner = FakeScanner()
    private val sleeper = RecordingSleeper()
    private val statuses = mutableListOf<ScannerStatus>()
    private val session = ScannerSession(scanner, sleeper, ReconnectPolicy(), BatteryPolicy()) { statuses += it }

    @Test
    fun `a scanner disconnecting in mid-capture is reconnected and the finger captured`() {
        assertNull(session.connect())
        scanner.script(FakeScanner.Answer.Fail(ScannerFailure.Disconnected), FakeScanner.Answer.Sample(72))
        scanner.failConnects = 1 // the first reconnect finds the scanner still rebooting

        val outcome = session.capture(Finger.LEFT_THUMB)

        assertEquals(72, (outcome as CaptureOutcome.Captured).sample.quality)
        assertEquals(listOf(Finger.LEFT_THUMB, Finger.LEFT_THUMB), scanner.captured)
        assertEquals(listOf(1_000L, 2_000L), sleeper.sleeps, "close, wait 1 s, connect; then a longer wait")
        val reconnecting = statuses.filterIsInstance<ScannerStatus.Reconnecting>().map { it.attempt }
        assertEquals(listOf(1, 2), reconnecting)
        assertInstanceOf(ScannerStatus.Connected::class.java, session.status)
    }

    @Test
    fun `a scanner that does not come back is reported lost after the last attempt`() {
        session.connect()
        scanner.script(FakeScanner.Answer.Fail(ScannerFailure.Disconnected))
        scanner.failConnects = 10

        assertEquals(CaptureOutcome.ScannerLost, session.capture(Finger.RIGHT_THUMB))
        assertEquals(listOf(1_000L, 2_000L, 4_000L), sleeper.sleeps)
        assertEquals(ScannerStatus.Lost, session.status)

        // Back in range: the next capture reconnects first.
        scanner.failConnects = 0
        assertInstanceOf(CaptureOutcome.Captured::class.java, session.capture(Finger.RIGHT_THUMB))
    }

    @Test
    fun `a capture before any connect connects first without waiting`() {
        assertInstanceOf(CaptureOutcome.Captured::class.java, session.capture(Finger.LEFT_THUMB))
        assertEquals(1, scanner.connects)
        assertTrue(sleeper.sleeps.isEmpty())
    }

    @Test
    fun `a low battery warns and lets the capture go on`() {
        scanner.batteryPercent = 15
        session.connect()
        val connected = session.status as ScannerStatus.Connected
        assertEquals(BatteryLevel.LOW, connected.level)
        assertEquals(15, connected.battery?.percent)

        assertInstanceOf(CaptureOutcome.Captured::class.java, session.capture(Finger.LEFT_INDEX))
    }

    @Test
    fun `a nearly flat battery stops captures before the link drops`() {
        scanner.batteryPercent = 8
        session.connect()
        assertEquals(CaptureOutcome.BatteryTooLow(8), session.capture(Finger.LEFT_INDEX))
        assertTrue(scanner.captured.isEmpty())
    }

    @Test
    fun `no finger and poor quality are answers, not link failures`() {
        session.connect()
        scanner.script(FakeScanner.Answer.Fail(ScannerFailure.NoFinger), FakeScanner.Answer.Fail(ScannerFailure.PoorQuality(22)))
        assertEquals(CaptureOutcome.NoFinger, session.capture(Finger.LEFT_THUMB))
        assertEquals(CaptureOutcome.PoorQuality(22), session.capture(Finger.LEFT_THUMB))
        assertTrue(sleeper.sleeps.isEmpty())
    }

    @Test
    fun `quality bands follow the scanner's five green LEDs`() {
        assertEquals(QualityBand.NO_FINGER, QualityBand.of(null))
        assertEquals(QualityBand.NO_FINGER, QualityBand.of(10))
        assertEquals(QualityBand.POOR, QualityBand.of(39))
        assertEquals(QualityBand.FAIR, QualityBand.of(40))
        assertEquals(QualityBand.GOOD, QualityBand.of(74))
        assertEquals(QualityBand.VERY_GOOD, QualityBand.of(84))
        assertEquals(QualityBand.EXCELLENT, QualityBand.of(100))
        assertEquals("Qualité 63 : bonne", QualityFeedback.of(63).text.render(Lang.FR))
        assertEquals("No finger", QualityFeedback.of(null).text.render(Lang.EN))
    }

    @Test
    fun `scanner failures tell the operator what to do`() {
        assertEquals("The scanner does not answer. Turn it off and on, then try again.", failureText(ScannerFailure.Timeout).render(Lang.EN))
        assertEquals(Msg.SCANNER_LOST, outcomeText(CaptureOutcome.ScannerLost)?.msg)
        assertEquals(Msg.SCANNER_TRIGGER_STUCK, outcomeText(CaptureOutcome.Failed(ScannerFailure.TriggerStuck))?.msg)
        assertNull(outcomeText(CaptureOutcome.Captured(sample(70))))
    }

    @Test
    fun `scanner serial comes from the Bluetooth address`() {
        assertTrue(ScannerAddress.isScanner("f0:ac:d7:c8:12:34"))
        assertFalse(ScannerAddress.isScanner("00:11:22:33:44:55"))
        // last five hex digits 0x81234 = 528948
        assertEquals("SP528948", ScannerAddress.serialOf("F0:AC:D7:C8:12:34"))
        assertNull(ScannerAddress.serialOf("not a mac"))
    }

    @Test
    fun `Bluetooth permissions depend on the Android version`() {
        assertEquals(listOf("android.permission.BLUETOOTH_CONNECT", "android.permission.BLUETOOTH_SCAN"), BluetoothPermissions.runtime(34))
        assertEquals(listOf("android.permission.ACCESS_FINE_LOCATION"), BluetoothPermissions.runtime(30))
        assertTrue("android.permission.BLUETOOTH_ADMIN" in BluetoothPermissions.required(28))
    }
}
