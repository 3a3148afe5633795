package org.jatigi.ffi

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * The calls the Android app's first-run setup makes (CoreGlue's SetupPort, docs/android.md
 * "First-run setup"), in its order, through the generated bindings: the store created with
 * the typed device id, the first supervisor, sign-in and provisioning with the programme key
 * in lower case, and the key ring check the glue uses (`verifyCardText` with an empty text
 * reads the ring, and throws only for a ring it cannot read).
 */
class FirstRunSetupTest {
    @Test
    fun `the setup's calls in order, and what the core refuses`() {
        assertThrows<JatigiException> { JatigiStore.create(tempStorePath().toString(), "TAB GAO 07", AesKeyProvider()) }

        val keys = AesKeyProvider()
        val path = tempStorePath().toString()
        val store = JatigiStore.create(path, "TAB-GAO-07", keys)
        // The setup flow's PIN rules are the core's: a run is refused, 2580 is accepted.
        assertThrows<JatigiException> { store.addFirstSupervisor(NewOperator("SUP-01", "Awa Traoré", Role.SUPERVISOR, "1234")) }
        store.addFirstSupervisor(NewOperator("SUP-01", "Awa Traoré", Role.SUPERVISOR, "2580"))
        assertThrows<JatigiException.SupervisorRequired> {
            store.addFirstSupervisor(NewOperator("SUP-02", "Moussa Keïta", Role.SUPERVISOR, "2580"))
        }

        val supervisor = store.signIn("SUP-01", "2580")
        val key = "0a1b2c3d".repeat(8)
        val identity = supervisor.provisionDevice(key)
        assertEquals("TAB-GAO-07", identity.deviceId)
        assertEquals(key, identity.programmeKey)
        assertTrue(identity.deviceFileJson.contains("\"TAB-GAO-07\"") && identity.deviceFileJson.contains(key), identity.deviceFileJson)

        // The key ring check: an empty card text against a readable ring is a verdict, not an error.
        assertEquals(CardStatus.UNREADABLE, verifyCardText("", supervisor.keyRing()).status)
        assertEquals(CardStatus.UNREADABLE, verifyCardText("", """{"format": "jatigi-keyring/1", "issuers": []}""").status)
        assertThrows<JatigiException.KeyRingInvalid> { verifyCardText("", "not a key ring") }
        assertThrows<JatigiException.KeyRingInvalid> { verifyCardText("", "{}") }
        supervisor.close()
        store.close()

        // The store the setup made opens again with the same device id and key provider.
        JatigiStore.open(path, "TAB-GAO-07", keys).use { reopened ->
            reopened.signIn("SUP-01", "2580").use { assertEquals(Role.SUPERVISOR, it.operator().role) }
        }
    }
}
