package org.jatigi.field

import org.jatigi.field.card.VerifyEvent
import org.jatigi.field.card.VerifyFlow
import org.jatigi.field.card.VerifyState
import org.jatigi.field.keys.GcmKeyWrapper
import org.jatigi.field.keys.WrappedKey
import org.jatigi.field.login.Login
import org.jatigi.field.login.LoginState
import org.jatigi.field.ports.CancelledException
import org.jatigi.field.ports.CardHolder
import org.jatigi.field.ports.CardVerdict
import org.jatigi.field.ports.ExportPacket
import org.jatigi.field.ports.FileSink
import org.jatigi.field.ports.Finger
import org.jatigi.field.ports.MatchResult
import org.jatigi.field.ports.SyncPort
import org.jatigi.field.ports.Region
import org.jatigi.field.ports.SiteDraft
import org.jatigi.field.settings.Settings
import org.jatigi.field.sync.ExportController
import org.jatigi.field.sync.ExportState
import org.jatigi.field.text.Lang
import org.jatigi.field.text.Msg
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class FlowsTest {
    private class FakeSync(val households: Int = 3, val cancelAt: Int = -1) : SyncPort {
        val marked = mutableListOf<ExportPacket>()
        override fun exportPacket(progress: (Int, Int) -> Unit, isCancelled: () -> Boolean): ExportPacket {
            for (i in 1..households) {
                if (i == cancelAt) throw CancelledException()
                progress(i, households)
                if (isCancelled()) throw CancelledException()
            }
            return ExportPacket("jatigi-T01-2026-11-29.jpk", ByteArray(100), households)
        }
        override fun markExported(packet: ExportPacket) { marked += packet }
    }

    private class FakeSink(val fail: Boolean = false) : FileSink {
        val written = mutableMapOf<String, ByteArray>()
        override fun write(target: String, bytes: ByteArray) {
            if (fail) throw java.io.IOException("USB key removed")
            written[target] = bytes
        }
    }

    @Test
    fun `an export is marked done only once the file is written`() {
        val sync = FakeSync()
        val sink = FakeSink()
        val states = mutableListOf<ExportState>()
        val c = ExportController(sync, sink, Inline, Inline) { states += it }
        c.start()
        val choose = c.state as ExportState.ChooseFile
        assertEquals("jatigi-T01-2026-11-29.jpk", choose.suggestedName)
        assertTrue(sync.marked.isEmpty())
        assertEquals(ExportState.Preparing(2, 3), states[2])

        c.fileChosen("content://usb/jatigi.jpk")
        assertEquals(ExportState.Done(3, 100, "content://usb/jatigi.jpk"), c.state)
        assertEquals(1, sync.marked.size)
        assertEquals(100, sink.written.getValue("content://usb/jatigi.jpk").size)
    }

    @Test
    fun `a failed write or a closed picker leaves the packet unexported`() {
        val sync = FakeSync()
        val c = ExportController(sync, FakeSink(fail = true), Inline, Inline) {}
        c.start()
        c.fileChosen("content://usb/x")
        assertEquals(Msg.EXPORT_WRITE_FAILED, (c.state as ExportState.Failed).message.msg)

        val c2 = ExportController(sync, FakeSink(), Inline, Inline) {}
        c2.start()
        c2.pickerDismissed()
        assertEquals(ExportState.Cancelled, c2.state)
        assertTrue(sync.marked.isEmpty())

        val c3 = ExportController(FakeSync(cancelAt = 2), FakeSink(), Inline, Inline) {}
        c3.start()
        assertEquals(ExportState.Cancelled, c3.state)
        val c4 = ExportController(FakeSync(households = 0), FakeSink(), Inline, Inline) {}
        c4.start()
        assertEquals(Msg.EXPORT_NOTHING, (c4.state as ExportState.Failed).message.msg)
    }

    @Test
    fun `card verification goes from photo to verdict to a 1 to 1 check of a member`() {
        val holder = CardHolder("KA7Q2M9XB", listOf(1 to "Aminata", 2 to "Seydou"), "2026-11-29")
        var s: VerifyState = VerifyState.TakePhoto
        s = VerifyFlow.reduce(s, VerifyEvent.PhotoTaken)
        assertEquals(VerifyState.Reading, s)
        s = VerifyFlow.reduce(s, VerifyEvent.CardRead(CardVerdict.Genuine(holder)))
        assertEquals("Genuine card: household KA7Q2M9XB, 2 members, issued 2026-11-29.", (s as VerifyState.Verdict).text.render(Lang.EN))
        assertEquals(s, VerifyFlow.reduce(s, VerifyEvent.MemberChosen(5, Finger.LEFT_THUMB)), "member 5 is not on this card")
        s = VerifyFlow.reduce(s, VerifyEvent.MemberChosen(2, Finger.LEFT_THUMB))
        s = VerifyFlow.reduce(s, VerifyEvent.MatchDone(MatchResult(12f, false)))
        assertEquals("Empreinte NON conforme au membre 2.", (s as VerifyState.Matched).text.render(Lang.FR))
    }

    @Test
    fun `a forged card offers no fingerprint check`() {
        val s = VerifyFlow.reduce(VerifyState.Reading, VerifyEvent.CardRead(CardVerdict.Forged))
        assertEquals(s, VerifyFlow.reduce(s, VerifyEvent.MemberChosen(1, Finger.LEFT_THUMB)))
        assertEquals(Msg.VERIFY_FORGED, (s as VerifyState.Verdict).text.msg)
    }

    @Test
    fun `sign-in checks the PIN format before asking the core`() {
        val registry = FakeRegistry()
        assertEquals(Msg.ERR_PIN_FORMAT, (Login.attempt(registry, "AG7", "12") as LoginState.Entering).message?.msg)
        assertEquals(Msg.LOGIN_WRONG_PIN, (Login.attempt(registry, "AG7", "0000") as LoginState.Entering).message?.msg)
        assertEquals(Msg.LOGIN_UNKNOWN, (Login.attempt(registry, "ZZ", "0000") as LoginState.Entering).message?.msg)
        assertInstanceOf(LoginState.SignedIn::class.java, Login.attempt(registry, " AG7 ", "1357"))
    }

    @Test
    fun `the wrapped key blob round-trips and refuses what it cannot read`() {
        val nonce = ByteArray(12) { it.toByte() }
        val ct = ByteArray(48) { (it * 3).toByte() }
        val parts = WrappedKey.decode(WrappedKey.encode(nonce, ct))
        assertArrayEquals(nonce, parts.nonce)
        assertArrayEquals(ct, parts.ciphertext)
        assertThrows(IllegalArgumentException::class.java) { WrappedKey.decode(ByteArray(10)) }
        assertThrows(IllegalArgumentException::class.java) { WrappedKey.decode(byteArrayOf(9) + nonce + ct) }
    }

    @Test
    fun `the data key wrapped under a device key unwraps only unaltered and under the same key`() {
        val deviceKey = javax.crypto.KeyGenerator.getInstance("AES").apply { init(256) }.generateKey()
        val wrapper = GcmKeyWrapper("jatigi-data-key-wrapper") { deviceKey }
        val dataKey = ByteArray(32) { (it * 7).toByte() }
        val blob = wrapper.wrap(dataKey)
        assertEquals(1 + 12 + 32 + 16, blob.size)
        assertArrayEquals(dataKey, wrapper.unwrap(blob))
        assertTrue(!wrapper.wrap(dataKey).contentEquals(blob), "a fresh nonce every time")

        val altered = blob.copyOf().also { it[20] = (it[20].toInt() xor 1).toByte() }
        assertThrows(javax.crypto.AEADBadTagException::class.java) { wrapper.unwrap(altered) }
        val otherAlias = GcmKeyWrapper("another-use") { deviceKey }
        assertThrows(javax.crypto.AEADBadTagException::class.java) { otherAlias.unwrap(blob) }
        val otherKey = javax.crypto.KeyGenerator.getInstance("AES").apply { init(256) }.generateKey()
        assertThrows(javax.crypto.AEADBadTagException::class.java) { GcmKeyWrapper("jatigi-data-key-wrapper") { otherKey }.unwrap(blob) }
    }

    @Test
    fun `settings survive the preferences file`() {
        val s = Settings(Lang.EN, "MOP-01", "F0:AC:D7:C8:12:34", fourFingers = false, site = SiteDraft(Region.MOPTI, "Mopti", "Socoura", "Sévaré"))
        assertEquals(s, Settings.fromMap(s.toMap()))
        assertEquals(2, s.capturePlan().fingers.size)
        assertEquals(Settings(), Settings.fromMap(emptyMap()))
    }
}
