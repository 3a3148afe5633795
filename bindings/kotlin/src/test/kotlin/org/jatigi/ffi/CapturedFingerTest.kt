package org.jatigi.ffi

import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * Captures made before the call that uses them (`ScannerSession.capture`, an opaque
 * `CapturedFinger`; ADR 0005): what the Android shell's ports do. Through the simulated
 * scanner over a Kotlin transport, as EnrollmentTest: enrol a household from captures,
 * catch a planted duplicate, save, identify, verify a person 1:1, and check a member at a
 * distribution from a capture.
 */
class CapturedFingerTest {
    @AfterEach
    fun englishAgain() = setLanguage(Language.ENGLISH)

    /** Person `person` puts `finger` on the scanner; one capture, kept by the core. */
    private fun take(sim: SimulatedScanner, scanner: ScannerSession, person: Long, finger: Finger): CapturedFinger {
        sim.present(person.toULong(), finger)
        return scanner.capture(finger)
    }

    /** Consent, then both index fingers from captures, until the core's verdict moves on. */
    private fun EnrollmentSession.enrolFromCaptures(member: UByte, person: Long, sim: SimulatedScanner, scanner: ScannerSession): List<CaptureAttempt> {
        recordConsent(member, ConsentDecision.GIVEN, ConsentMethod.THUMBPRINT)
        return listOf(Finger.RIGHT_INDEX, Finger.LEFT_INDEX).map { finger ->
            var attempt: CaptureAttempt
            do {
                attempt = take(sim, scanner, person, finger).use { addCapture(member, it) }
            } while (attempt.verdict is AttemptVerdict.TryAgain)
            attempt
        }
    }

    @Test
    fun `a household enrolled from captures is found, verified and checked on its card`() {
        val store = JatigiStore.create(tempStorePath().toString(), "TAB-GAO-07", AesKeyProvider())
        store.addFirstSupervisor(NewOperator("SUP-0001", "Aminata Keïta", Role.SUPERVISOR, "4827"))
        val operator = store.signIn("SUP-0001", "4827")
        val sim = SimulatedScanner(31uL)
        val scanner = ScannerSession.connect(ForwardingTransport(sim.connect()))

        // A capture is opaque: its finger, its quality and a preview, nothing else.
        val one = take(sim, scanner, 101, Finger.RIGHT_INDEX)
        assertEquals(Finger.RIGHT_INDEX, one.finger())
        assertTrue(one.quality() > 0u)
        val preview = requireNotNull(one.image()) { "a capture carries its preview" }
        assertEquals(preview.width.toInt() * preview.height.toInt(), preview.pixels.size)

        // Household 1 from captures: Moussa (101) and Fatoumata (102).
        val first = operator.startHousehold(gaoSite)
        val head = first.addMember(adult(Relation.HEAD, "Moussa", "Maïga", Sex.MALE, 45))
        val spouse = first.addMember(adult(Relation.SPOUSE, "Fatoumata", "Traoré", Sex.FEMALE, 38))
        // No capture is accepted before consent.
        assertThrows<JatigiException.ConsentRequired> { first.addCapture(head, one) }
        val attempts = first.enrolFromCaptures(head, 101, sim, scanner) + first.enrolFromCaptures(spouse, 102, sim, scanner)
        assertTrue(attempts.all { it.bestQuality > 0u && it.image != null }, "$attempts")
        assertEquals(setOf(Finger.LEFT_INDEX, Finger.RIGHT_INDEX), first.members().single { it.member == head }.fingersCaptured.toSet())
        assertTrue(first.checkDuplicates(null, null).none { it.needsDecision })
        val saved = first.save()
        assertEquals(4u, saved.fingersSaved)
        val moussa = "${saved.householdId}/01"
        val fatoumata = "${saved.householdId}/02"

        // Household 2: Fatoumata comes again; the duplicate check over captures catches her.
        val second = operator.startHousehold(gaoSite)
        second.enrolFromCaptures(second.addMember(adult(Relation.HEAD, "Hamadoun", "Cissé", Sex.MALE, 50)), 201, sim, scanner)
        val again = second.addMember(adult(Relation.SPOUSE, "Fatoumata", "Traore", Sex.FEMALE, 38))
        second.enrolFromCaptures(again, 102, sim, scanner)
        val flagged = second.checkDuplicates(null, null).single { it.needsDecision }
        assertEquals(again, flagged.member)
        assertEquals(fatoumata, flagged.candidates.first().personId)
        assertThrows<JatigiException.DecisionMissing> { second.save() }
        second.decide(again, Decision.SamePerson(fatoumata))
        assertEquals(fatoumata, second.save().members.single { it.member == again }.linkedTo)

        // Who is this? Moussa gives both index fingers.
        val probe = listOf(take(sim, scanner, 101, Finger.RIGHT_INDEX), take(sim, scanner, 101, Finger.LEFT_INDEX))
        val searching = RecordingProgress()
        val found = operator.identify(probe, searching, null)
        assertEquals(moussa, found.first().personId)
        assertEquals("Moussa Maïga", found.first().name)
        assertTrue(found.first().needsDecision)
        assertEquals(setOf(Finger.RIGHT_INDEX, Finger.LEFT_INDEX), found.first().fingers.mapNotNull { it.finger }.toSet())
        assertTrue(searching.reports.any { it.stage == Stage.SEARCHING_FINGER })

        // Is this Moussa? Yes; is it Fatoumata? No.
        val yes = operator.verifyPerson(moussa, probe)
        assertTrue(yes.matched, "$yes")
        assertTrue(yes.score >= 40f, "$yes")
        assertEquals("Moussa Maïga", yes.name)
        assertEquals(2, yes.fingers.size)
        val no = operator.verifyPerson(fatoumata, probe)
        assertFalse(no.matched, "$no")
        assertTrue(no.score < 40f, "$no")
        // A finger the person did not give is not compared with the others.
        val thumb = take(sim, scanner, 101, Finger.RIGHT_THUMB)
        val unscored = operator.verifyPerson(moussa, listOf(thumb))
        assertFalse(unscored.matched)
        assertTrue(unscored.fingers.isEmpty())

        // At a distribution: Moussa's card, and a capture of his finger.
        val card = operator.issueCard(saved.householdId, true)
        val keyRing = operator.keyRing()
        val atDistribution = take(sim, scanner, 101, Finger.RIGHT_INDEX)
        val check = operator.checkMemberWithCapture(card.qrText, keyRing, atDistribution, null, null)
        assertTrue(check.matched, "$check")
        assertEquals(1.toUByte(), check.member)
        assertEquals(moussa, check.personId)
        // Someone who is not on the card.
        val stranger = operator.checkMemberWithCapture(card.qrText, keyRing, take(sim, scanner, 555, Finger.RIGHT_INDEX), null, null)
        assertFalse(stranger.matched, "$stranger")
        // A card that is not valid: nothing is compared.
        assertThrows<JatigiException.CardInvalid> {
            operator.checkMemberWithCapture(card.qrText.dropLast(3) + "AAA", keyRing, atDistribution, null, null)
        }

        (probe + listOf(one, thumb, atDistribution)).forEach { it.close() }
        scanner.disconnect()
        store.close()
    }

    @Test
    fun `calls taking captures refuse what they cannot use, with typed errors`() {
        val store = JatigiStore.create(tempStorePath().toString(), "TAB-GAO-07", AesKeyProvider())
        store.addFirstSupervisor(NewOperator("SUP-0001", "Aminata Keïta", Role.SUPERVISOR, "4827"))
        val operator = store.signIn("SUP-0001", "4827")
        val sim = SimulatedScanner(32uL)
        val scanner = ScannerSession.connectSimulated(sim)
        val index = take(sim, scanner, 7, Finger.RIGHT_INDEX)

        val session = operator.startHousehold(gaoSite)
        val unknown = "${session.householdId()}/01"
        session.abandon()

        assertThrows<JatigiException.InvalidInput> { operator.identify(emptyList(), null, null) }
        val twice = assertThrows<JatigiException.InvalidInput> { operator.identify(listOf(index, index), null, null) }
        assertTrue(twice.message!!.contains("twice"), twice.message)
        setLanguage(Language.FRENCH)
        val deux = assertThrows<JatigiException.InvalidInput> { operator.verifyPerson(unknown, listOf(index, index)) }
        assertTrue(deux.message!!.contains("deux fois"), deux.message)
        setLanguage(Language.ENGLISH)
        assertThrows<JatigiException.InvalidInput> { operator.verifyPerson("not a person id", listOf(index)) }
        // A well-formed id of a household this tablet does not hold (abandoned, never saved).
        assertThrows<JatigiException.NotFound> { operator.verifyPerson(unknown, listOf(index)) }
        // An empty gallery finds no one.
        assertTrue(operator.identify(listOf(index), null, null).isEmpty())
        // A closed session takes no capture.
        assertThrows<JatigiException.SessionClosed> { session.addCapture(1u, index) }
        // The scanner's own errors come through `capture` as through `captureFinger`.
        scanner.disconnect()
        assertThrows<JatigiException.ScannerNotConnected> { scanner.capture(Finger.LEFT_INDEX) }
        index.close()
        store.close()
    }
}
