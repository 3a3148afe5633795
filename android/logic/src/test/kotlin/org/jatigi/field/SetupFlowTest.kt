package org.jatigi.field

import org.jatigi.field.ports.SetupPort
import org.jatigi.field.setup.SetupFlow
import org.jatigi.field.setup.SetupStep
import org.jatigi.field.text.Lang
import org.jatigi.field.text.Msg
import org.jatigi.field.validation.Validation
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class SetupFlowTest {
    /** Records every call; [failOn] names a call that throws (once per entry in [failures]). */
    private class FakeSetup : SetupPort {
        val calls = mutableListOf<String>()
        val failures = mutableMapOf<String, Int>()

        private fun call(name: String, detail: String) {
            val left = failures[name] ?: 0
            if (left > 0) {
                failures[name] = left - 1
                throw IllegalStateException("$name failed")
            }
            calls += "$name($detail)"
        }

        override fun createStore(deviceId: String) = call("createStore", deviceId)
        override fun addFirstSupervisor(operatorId: String, name: String, pin: String) = call("addFirstSupervisor", "$operatorId,$name,$pin")
        override fun provisionDevice(programmeKey: String): String {
            call("provisionDevice", programmeKey)
            return "{\"device\":\"file\"}"
        }
        override fun saveKeyRing(json: String) = call("saveKeyRing", json)
        override fun finish(deviceId: String) = call("finish", deviceId)
    }

    private val key = "0123456789abcdef".repeat(4)

    /** The flow filled up to the confirmation page. */
    private fun filled(port: FakeSetup, keyRing: String = ""): SetupFlow {
        val flow = SetupFlow(port)
        flow.submitDevice(" TAB-GAO-07 ")
        flow.submitSupervisor("SUP-01", "  Awa   Traoré ", "2580", "2580")
        flow.submitProgrammeKey(key.uppercase().chunked(8).joinToString(" "))
        flow.submitKeyRing(keyRing)
        assertEquals(SetupStep.CONFIRM, flow.state.step)
        return flow
    }

    @Test
    fun `the happy path writes nothing before confirm, then everything in order`() {
        val port = FakeSetup()
        val flow = filled(port, "{\"issuers\":[]}")
        assertEquals(emptyList<String>(), port.calls)
        assertEquals("TAB-GAO-07", flow.state.deviceId)
        assertEquals("Awa Traoré", flow.state.supervisorName)
        assertEquals(key, flow.state.programmeKey)
        val done = flow.confirm()
        assertEquals(SetupStep.DONE, done.step)
        assertNull(done.message)
        assertEquals("{\"device\":\"file\"}", done.deviceFile)
        assertEquals(
            listOf(
                "createStore(TAB-GAO-07)",
                "addFirstSupervisor(SUP-01,Awa Traoré,2580)",
                "provisionDevice($key)",
                "saveKeyRing({\"issuers\":[]})",
                "finish(TAB-GAO-07)",
            ),
            port.calls,
        )
        assertFalse(flow.back(), "no going back once set up")
    }

    @Test
    fun `no key ring given, none is saved`() {
        val port = FakeSetup()
        val flow = filled(port, "   ")
        flow.confirm()
        assertEquals(listOf("createStore", "addFirstSupervisor", "provisionDevice", "finish"), port.calls.map { it.substringBefore('(') })
    }

    @Test
    fun `a bad device id is refused with its message`() {
        val flow = SetupFlow(FakeSetup())
        for (bad in listOf("", "   ", "TAB GAO 07", "TAB/GAO", "T".repeat(33), "TAB-GAO-é")) {
            val s = flow.submitDevice(bad)
            assertEquals(SetupStep.DEVICE, s.step, bad)
            assertEquals(Msg.ERR_DEVICE_ID, s.message?.msg, bad)
        }
        assertEquals(SetupStep.SUPERVISOR, flow.submitDevice("T".repeat(32)).step)
    }

    @Test
    fun `each supervisor error is shown and keeps the page`() {
        val flow = SetupFlow(FakeSetup())
        flow.submitDevice("TAB-GAO-07")
        val cases = listOf(
            listOf("", "Awa", "2580", "2580") to Msg.ERR_OPERATOR_ID_FORMAT,
            listOf("SUP 01", "Awa", "2580", "2580") to Msg.ERR_OPERATOR_ID_FORMAT,
            listOf("SUP-01", "  ", "2580", "2580") to Msg.ERR_NAME_EMPTY,
            listOf("SUP-01", "Awa", "258", "258") to Msg.ERR_PIN_FORMAT,
            listOf("SUP-01", "Awa", "2580a", "2580a") to Msg.ERR_PIN_FORMAT,
            listOf("SUP-01", "Awa", "1234", "1234") to Msg.ERR_PIN_WEAK,
            listOf("SUP-01", "Awa", "0000", "0000") to Msg.ERR_PIN_WEAK,
            listOf("SUP-01", "Awa", "252525", "252525") to Msg.ERR_PIN_WEAK,
            listOf("SUP-01", "Awa", "2580", "2581") to Msg.ERR_PIN_MISMATCH,
        )
        for ((input, expected) in cases) {
            val s = flow.submitSupervisor(input[0], input[1], input[2], input[3])
            assertEquals(SetupStep.SUPERVISOR, s.step, input.toString())
            assertEquals(expected, s.message?.msg, input.toString())
        }
        assertEquals(SetupStep.PROGRAMME, flow.submitSupervisor("SUP-01", "Awa", "2580", "2580").step)
    }

    @Test
    fun `new PINs follow the core's rules`() {
        for (weak in listOf("0000", "1111", "1234", "4321", "987654", "1212", "252525", "012345")) {
            assertEquals(Msg.ERR_PIN_WEAK, Validation.newPin(weak)?.msg, weak)
        }
        for (ok in listOf("2580", "1357", "13579", "120120", "1123")) assertNull(Validation.newPin(ok), ok)
    }

    @Test
    fun `a programme key must be 64 hexadecimal digits once spaces are removed`() {
        val flow = SetupFlow(FakeSetup())
        flow.submitDevice("TAB-GAO-07")
        flow.submitSupervisor("SUP-01", "Awa", "2580", "2580")
        val short = flow.submitProgrammeKey(key.dropLast(1))
        assertEquals(SetupStep.PROGRAMME, short.step)
        assertEquals(Msg.ERR_PROGRAMME_KEY, short.message?.msg)
        assertEquals(listOf<Any>(63), short.message?.args)
        val notHex = flow.submitProgrammeKey(key.dropLast(1) + "g")
        assertEquals(SetupStep.PROGRAMME, notHex.step)
        assertEquals(Msg.ERR_PROGRAMME_KEY, notHex.message?.msg)
        val ok = flow.submitProgrammeKey("\n" + key.uppercase().chunked(4).joinToString(" ") + " \n")
        assertEquals(SetupStep.KEYRING, ok.step)
        assertEquals(key, ok.programmeKey)
    }

    @Test
    fun `back goes one page at a time and keeps what was typed`() {
        val port = FakeSetup()
        val flow = filled(port)
        assertTrue(flow.back())
        assertEquals(SetupStep.KEYRING, flow.state.step)
        assertTrue(flow.back())
        assertEquals(SetupStep.PROGRAMME, flow.state.step)
        assertTrue(flow.back())
        assertTrue(flow.back())
        assertEquals(SetupStep.DEVICE, flow.state.step)
        assertEquals("TAB-GAO-07", flow.state.deviceId)
        assertEquals("SUP-01", flow.state.supervisorId)
        assertFalse(flow.back())
        flow.submitDevice("TAB-KAYES-02")
        flow.submitSupervisor("SUP-01", "Awa", "2580", "2580")
        flow.submitProgrammeKey(key)
        flow.submitKeyRing("")
        flow.confirm()
        assertEquals("createStore(TAB-KAYES-02)", port.calls.first())
        assertEquals(emptyList<String>(), port.calls.filter { "TAB-GAO-07" in it })
    }

    @Test
    fun `a failure from the port is shown and the retry resumes where it failed`() {
        val port = FakeSetup()
        port.failures["provisionDevice"] = 1
        val flow = filled(port)
        val failed = flow.confirm()
        assertEquals(SetupStep.CONFIRM, failed.step)
        assertEquals(Msg.SETUP_FAILED, failed.message?.msg)
        assertEquals("The setup did not finish: provisionDevice failed", failed.message?.render(Lang.EN))
        assertEquals(listOf("createStore", "addFirstSupervisor"), port.calls.map { it.substringBefore('(') })
        // The store and the supervisor are written: their pages are closed.
        assertTrue(flow.back())
        assertTrue(flow.back())
        assertEquals(SetupStep.PROGRAMME, flow.state.step)
        assertFalse(flow.back())
        assertEquals(SetupStep.PROGRAMME, flow.submitDevice("OTHER").step)
        flow.submitProgrammeKey(key)
        flow.submitKeyRing("")
        val done = flow.confirm()
        assertEquals(SetupStep.DONE, done.step)
        assertNull(done.message)
        assertEquals(
            listOf("createStore", "addFirstSupervisor", "provisionDevice", "finish"),
            port.calls.map { it.substringBefore('(') },
        )
    }

    @Test
    fun `a key ring the core refuses can be corrected and saved on retry`() {
        val port = FakeSetup()
        port.failures["saveKeyRing"] = 1
        val flow = filled(port, "not json")
        assertEquals(Msg.SETUP_FAILED, flow.confirm().message?.msg)
        assertEquals("{\"device\":\"file\"}", flow.state.deviceFile)
        assertTrue(flow.back())
        assertEquals(SetupStep.KEYRING, flow.state.step)
        assertFalse(flow.back(), "the programme key is written")
        flow.submitKeyRing("{}")
        assertEquals(SetupStep.DONE, flow.confirm().step)
        assertEquals(1, port.calls.count { it.startsWith("provisionDevice") })
        assertEquals("saveKeyRing({})", port.calls[port.calls.size - 2])
    }

    @Test
    fun `every setup page and error has both languages`() {
        val setup = Msg.entries.filter { it.name.startsWith("SETUP_") }
        assertTrue(setup.size >= 20)
        for (m in setup + listOf(Msg.ERR_DEVICE_ID, Msg.ERR_OPERATOR_ID_FORMAT, Msg.ERR_NAME_EMPTY, Msg.ERR_PIN_MISMATCH, Msg.ERR_PIN_WEAK, Msg.ERR_PROGRAMME_KEY)) {
            assertTrue(m.fr.isNotBlank() && m.en.isNotBlank() && m.fr != m.en, m.name)
        }
    }
}
