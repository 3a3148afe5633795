package org.jatigi.ffi

import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.security.SecureRandom

/**
 * The acceptance run of issue 8 from Kotlin, through the generated bindings and the real
 * library: an encrypted store opened with a Kotlin key provider, the simulated scanner
 * through a Kotlin byte transport, a household of three, a planted duplicate caught, then
 * the household's card issued and verified (from its text and from its PNG through the
 * photo path), the 1:1 check at a distribution, and the export of a sync packet. Then the
 * error paths of cards and packets.
 */
class CardAndPacketTest {
    @AfterEach
    fun englishAgain() = setLanguage(Language.ENGLISH)

    /** A programme public key as the hub's `programme-key.txt` holds it (any 32 bytes are an X25519 key). */
    private fun programmeKey(): String = ByteArray(32).also { SecureRandom().nextBytes(it) }.joinToString("") { "%02x".format(it) }

    private class Enrolled(
        val store: JatigiStore,
        val supervisor: OperatorSession,
        val operator: OperatorSession,
        val sim: SimulatedScanner,
        val scanner: ScannerSession,
        val household: SavedHousehold,
    )

    /** Household of three (persons 101-103), then a household where person 102 comes again. */
    private fun enrol(seed: ULong): Enrolled {
        val keys = AesKeyProvider()
        val path = tempStorePath().toString()
        JatigiStore.create(path, "TAB-GAO-07", keys).use { created ->
            created.addFirstSupervisor(NewOperator("SUP-0001", "Aminata Keïta", Role.SUPERVISOR, "4827"))
        }
        val store = JatigiStore.open(path, "TAB-GAO-07", keys) // reopened with the Kotlin key provider
        val supervisor = store.signIn("SUP-0001", "4827")
        supervisor.addOperator(NewOperator("OP-0042", "Awa Diarra", Role.ENUMERATOR, "5927"))
        val operator = store.signIn("OP-0042", "5927")
        val sim = SimulatedScanner(seed)
        val transport = ForwardingTransport(sim.connect())
        val scanner = ScannerSession.connect(transport)

        val first = operator.startHousehold(gaoSite)
        val members = listOf(
            first.addMember(adult(Relation.HEAD, "Moussa", "Maïga", Sex.MALE, 45)) to 101L,
            first.addMember(adult(Relation.SPOUSE, "Fatoumata", "Traoré", Sex.FEMALE, 38)) to 102L,
            first.addMember(adult(Relation.CHILD, "Ibrahim", "Maïga", Sex.MALE, 16)) to 103L,
        )
        for ((member, person) in members) first.enrolFingers(member, person, sim, scanner)
        assertTrue(first.checkDuplicates(null, null).none { it.needsDecision })
        val saved = first.save()
        assertTrue(transport.bytesRead.get() > 20_000, "WSQ images came through the Kotlin transport (${transport.bytesRead.get()} bytes)")

        val second = operator.startHousehold(gaoSite)
        second.enrolFingers(second.addMember(adult(Relation.HEAD, "Hamadoun", "Cissé", Sex.MALE, 50)), 201, sim, scanner)
        val again = second.addMember(adult(Relation.SPOUSE, "Fatoumata", "Traore", Sex.FEMALE, 38))
        second.enrolFingers(again, 102, sim, scanner)
        val flagged = second.checkDuplicates(null, null).single { it.needsDecision }
        assertEquals(again, flagged.member)
        assertEquals("${saved.householdId}/02", flagged.candidates.first().personId, "the planted duplicate is caught")
        second.decide(again, Decision.SamePerson(flagged.candidates.first().personId))
        second.save()
        return Enrolled(store, supervisor, operator, sim, scanner, saved)
    }

    @Test
    fun `a household is enrolled, its card issued, verified and checked, and a packet exported`() {
        val e = enrol(21uL)
        val householdId = e.household.householdId

        // The card, after saving.
        val card = e.operator.issueCard(householdId, false)
        assertEquals(householdId, card.householdId)
        assertTrue(card.qrText.startsWith("JT1:"), card.qrText)
        assertEquals(16, card.serial.length)
        assertArrayEquals(byteArrayOf(0x89.toByte(), 'P'.code.toByte(), 'N'.code.toByte(), 'G'.code.toByte()), card.cardPng.copyOfRange(0, 4))
        val keyRing = e.operator.keyRing()
        assertTrue(keyRing.contains(card.issuerKeyId) && keyRing.contains("TAB-GAO-07"), keyRing)
        assertEquals(card.issuerKeyId, e.operator.issueCard(householdId, true).issuerKeyId, "one card key per tablet")

        // Verified from its text and from the printed image, through the photo path.
        val fromText = verifyCardText(card.qrText, keyRing)
        assertEquals(CardStatus.VALID, fromText.status, fromText.reason)
        assertEquals(householdId, fromText.householdId)
        assertEquals(card.serial, fromText.serial)
        assertArrayEquals(byteArrayOf(1, 2, 3), fromText.memberNumbers)
        assertNull(fromText.headName)
        assertEquals(card.expiresOn, fromText.expiresOn)
        assertTrue(fromText.reason.startsWith("Genuine card"), fromText.reason)
        val fromPhoto = verifyCardPhoto(card.cardPng, keyRing)
        assertEquals(CardStatus.VALID, fromPhoto.status, fromPhoto.reason)
        assertEquals(householdId, fromPhoto.householdId)
        assertEquals(card.qrText, fromPhoto.qrText)

        // At the distribution: Fatoumata (person 102) gives her right index.
        e.sim.present(102uL, Finger.RIGHT_INDEX)
        val progress = RecordingProgress()
        val check = e.operator.checkMemberOnCard(fromPhoto.qrText, keyRing, e.scanner, progress, null)
        assertTrue(check.matched, "$check")
        assertEquals(2.toUByte(), check.member)
        assertEquals("$householdId/02", check.personId)
        assertEquals("Fatoumata Traoré", check.name)
        assertTrue(check.score >= 40f, "$check")
        assertEquals(listOf(0uL, 1uL), progress.reports.filter { it.stage == Stage.CHECKING_CARD_MEMBER }.map { it.done })
        // Hamadoun (201) is of another household: no member of this card.
        e.sim.present(201uL, Finger.LEFT_INDEX)
        val stranger = e.operator.checkMemberOnCard(card.qrText, keyRing, e.scanner, null, null)
        assertFalse(stranger.matched, "$stranger")
        assertNull(stranger.member)
        assertEquals(householdId, stranger.householdId)

        // Sync: not before a supervisor provisions the tablet.
        assertThrows<JatigiException.NotProvisioned> { e.operator.exportPacket(null, null) }
        assertNull(e.operator.deviceIdentity())
        val programme = programmeKey()
        assertThrows<JatigiException.SupervisorRequired> { e.operator.provisionDevice(programme) }
        val identity = e.supervisor.provisionDevice(programme)
        assertEquals("TAB-GAO-07", identity.deviceId)
        assertEquals(programme, identity.programmeKey)
        assertTrue(identity.deviceFileJson.contains("\"format\": \"jatigi-device/1\""), identity.deviceFileJson)
        assertTrue(identity.deviceFileJson.contains(identity.publicKey), identity.deviceFileJson)
        assertEquals(identity, e.operator.deviceIdentity())
        assertThrows<JatigiException.AlreadyProvisioned> { e.supervisor.provisionDevice(programmeKey()) }

        val exporting = RecordingProgress()
        val packet = e.operator.exportPacket(exporting, CancelToken())
        assertNotNull(packet)
        packet!!
        assertEquals(1uL, packet.sequence)
        assertEquals(2u, packet.householdCount)
        assertEquals("TAB-GAO-07-000001.jtgx", packet.fileName)
        assertTrue(packet.bytes.size > 1000, "${packet.bytes.size} bytes")
        assertEquals("JTGX", String(packet.bytes.copyOfRange(0, 4), Charsets.US_ASCII))
        for (name in listOf("Fatoumata", "Traoré", "Maïga", "Hamadoun", householdId)) {
            assertFalse(packet.bytes.containsSubsequence(name.toByteArray(Charsets.UTF_8)), "$name in clear in the packet")
        }
        assertEquals(setOf(Stage.EXPORTING_PACKET), exporting.reports.map { it.stage }.toSet())

        // Nothing new: no packet. A lost packet is made again, same households.
        assertNull(e.operator.exportPacket(null, null))
        val again = e.operator.reexportPacket(1uL)
        assertEquals(1uL, again.sequence)
        assertEquals(packet.householdCount, again.householdCount)
        assertEquals(packet.fileName, again.fileName)
        assertFalse(again.bytes.contentEquals(packet.bytes), "a fresh ephemeral key each time")
        assertThrows<JatigiException.NoSuchPacket> { e.operator.reexportPacket(2uL) }

        // A new household goes into packet 2 only.
        val third = e.operator.startHousehold(gaoSite)
        third.enrolFingers(third.addMember(adult(Relation.HEAD, "Oumar", "Touré", Sex.MALE, 60)), 301, e.sim, e.scanner)
        third.save()
        val next = e.operator.exportPacket(null, null)!!
        assertEquals(2uL, next.sequence)
        assertEquals(1u, next.householdCount)
        e.scanner.disconnect()
    }

    @Test
    fun `corrupt cards, garbage photos and foreign key rings are judged, not thrown`() {
        val e = enrol(22uL)
        val card = e.operator.issueCard(e.household.householdId, true)
        val keyRing = e.operator.keyRing()
        assertEquals("Moussa Maïga", verifyCardText(card.qrText, keyRing).headName)

        // One character of the QR text changed.
        val i = card.qrText.length / 2
        val flipped = card.qrText.substring(0, i) + (if (card.qrText[i] == 'A') 'B' else 'A') + card.qrText.substring(i + 1)
        val corrupt = verifyCardText(flipped, keyRing)
        assertNotEquals(CardStatus.VALID, corrupt.status)
        assertTrue(corrupt.reason.isNotBlank())
        assertNull(corrupt.householdId, "an unsigned claim is never shown")
        val refused = assertThrows<JatigiException.CardInvalid> { e.operator.checkMemberOnCard(flipped, keyRing, e.scanner, null, null) }
        assertEquals(corrupt.reason, refused.message)
        assertEquals(CardStatus.UNREADABLE, verifyCardText("not a card", keyRing).status)

        // A photo that is not a photo, and a photo without a card.
        val garbage = verifyCardPhoto(ByteArray(5000) { (it * 31).toByte() }, keyRing)
        assertEquals(CardStatus.UNREADABLE, garbage.status)
        assertTrue(garbage.reason.isNotBlank() && garbage.qrText.isEmpty(), garbage.reason)

        // Another programme's key ring (here an empty one) does not know this tablet.
        val empty = """{"format": "jatigi-keyring/1", "issuers": []}"""
        val unknown = verifyCardText(card.qrText, empty)
        assertEquals(CardStatus.UNKNOWN_ISSUER, unknown.status)
        assertTrue(unknown.reason.contains(card.issuerKeyId), unknown.reason)
        assertNull(unknown.householdId)
        assertEquals(CardStatus.UNKNOWN_ISSUER, verifyCardPhoto(card.cardPng, empty).status)
        assertThrows<JatigiException.KeyRingInvalid> { verifyCardText(card.qrText, "{}") }

        // Expiry is judged by the clock given; reasons follow the language.
        val later = verifyCardText(card.qrText, keyRing, 4_102_444_800L) // 2100-01-01
        assertEquals(CardStatus.EXPIRED, later.status)
        assertEquals(e.household.householdId, later.householdId, "a genuine but expired card still names its household")
        setLanguage(Language.FRENCH)
        assertTrue(verifyCardText(card.qrText, keyRing).reason.startsWith("Carte authentique"))
        val fr = assertThrows<JatigiException.CardInvalid> { e.operator.checkMemberOnCard(card.qrText, empty, e.scanner, null, null) }
        assertTrue(fr.message!!.startsWith("Signée par une clé d'émetteur inconnue"), fr.message)

        // Cards only for saved households; a bad id names the field.
        val unsaved = e.operator.startHousehold(gaoSite).also { it.abandon() }.householdId()
        assertThrows<JatigiException.NotFound> { e.operator.issueCard(unsaved, false) }
        assertThrows<JatigiException.InvalidInput> { e.operator.issueCard("not an id", false) }
        assertThrows<JatigiException.InvalidInput> { e.supervisor.provisionDevice("abcd") }
        e.scanner.disconnect()
    }
}

private fun ByteArray.containsSubsequence(needle: ByteArray): Boolean =
    (0..size - needle.size).any { start -> needle.indices.all { this[start + it] == needle[it] } }
