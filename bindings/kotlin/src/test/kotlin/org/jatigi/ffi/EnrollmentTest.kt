package org.jatigi.ffi

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * The whole enrollment, from Kotlin, through the generated bindings and the real library:
 * an encrypted store opened with a Kotlin key provider, the simulated scanner reached
 * through a Kotlin byte transport, a household of three, then a household with a planted
 * duplicate that the tablet must catch.
 */
class EnrollmentTest {
    @Test
    fun `a household of three is enrolled and a person enrolled again is caught`() {
        val logs = RecordingLogSink()
        logToSink(logs, LogLevel.INFO)
        val path = tempStorePath()
        val keys = AesKeyProvider()

        // The tablet is provisioned: a store, a supervisor, an enumerator.
        val store = JatigiStore.create(path.toString(), "TAB-GAO-07", keys)
        store.addFirstSupervisor(NewOperator("SUP-0001", "Aminata Keïta", Role.SUPERVISOR, "4827"))
        val supervisor = store.signIn("SUP-0001", "4827")
        supervisor.addOperator(NewOperator("OP-0042", "Awa Diarra", Role.ENUMERATOR, "5927"))
        val operator = store.signIn("OP-0042", "5927")
        assertEquals(OperatorInfo("OP-0042", "Awa Diarra", Role.ENUMERATOR), operator.operator())

        // The scanner, through a Kotlin transport.
        val sim = SimulatedScanner(1uL)
        val transport = ForwardingTransport(sim.connect())
        val scanner = ScannerSession.connect(transport)
        assertTrue(scanner.isConnected())
        val status = scanner.status()
        assertTrue(status.batteryPercent > 10u && status.sensorFirmware == "1.7", "$status")

        // Household 1: Moussa (person 101), Fatoumata (102), their son Ibrahim (103).
        val first = operator.startHousehold(gaoSite)
        val head = first.addMember(adult(Relation.HEAD, "Moussa", "Maïga", Sex.MALE, 45))
        val spouse = first.addMember(adult(Relation.SPOUSE, "Fatoumata", "Traoré", Sex.FEMALE, 38))
        val son = first.addMember(adult(Relation.CHILD, "Ibrahim", "Maïga", Sex.MALE, 16))
        for ((member, person) in listOf(head to 101L, spouse to 102L, son to 103L)) {
            val attempts = first.enrolFingers(member, person, sim, scanner)
            assertTrue(attempts.all { it.bestQuality > 0u && it.image != null }, "$attempts")
        }
        assertTrue(transport.bytesRead.get() > 20_000, "WSQ images came through the Kotlin transport")
        val progress = RecordingProgress()
        val firstMatches = first.checkDuplicates(progress, CancelToken())
        assertTrue(firstMatches.none { it.needsDecision }, "$firstMatches")
        assertEquals(listOf(1uL, 2uL, 3uL), progress.reports.filter { it.stage == Stage.CHECKING_DUPLICATES }.map { it.done })
        val saved = first.save()
        assertEquals(3, saved.members.size)
        assertEquals(6u, saved.fingersSaved)
        assertTrue(saved.members.all { it.linkedTo == null })
        assertThrows<JatigiException.SessionClosed> { first.addMember(adult(Relation.CHILD, "Awa", "Maïga", Sex.FEMALE, 9)) }

        // Household 2: Fatoumata (102) comes again with another household, and a member who
        // refuses consent.
        val second = operator.startHousehold(gaoSite.copy(reason = DisplacementReason.Other("inondation et violences")))
        val head2 = second.addMember(adult(Relation.HEAD, "Hamadoun", "Cissé", Sex.MALE, 50))
        val again = second.addMember(adult(Relation.SPOUSE, "Fatoumata", "Traore", Sex.FEMALE, 38))
        val refusing = second.addMember(adult(Relation.PARENT, "Kadidia", "Cissé", Sex.FEMALE, 70))
        second.enrolFingers(head2, 201, sim, scanner)
        second.enrolFingers(again, 102, sim, scanner)
        second.recordConsent(refusing, ConsentDecision.REFUSED, ConsentMethod.VERBAL)
        assertThrows<JatigiException.ConsentRequired> { second.captureFinger(refusing, Finger.RIGHT_THUMB, scanner) }

        val matches = second.checkDuplicates(null, null)
        val flagged = matches.single { it.needsDecision }
        assertEquals(again, flagged.member)
        val top = flagged.candidates.first()
        assertEquals("${saved.householdId}/02", top.personId)
        assertEquals("Fatoumata Traoré", top.name)
        assertTrue(top.falseMatchRate < 1e-4, "$top")
        assertThrows<JatigiException.DecisionMissing> { second.save() }

        second.decide(again, Decision.SamePerson(top.personId))
        val saved2 = second.save()
        assertEquals(top.personId, saved2.members.single { it.member == again }.linkedTo)
        assertEquals(2u, saved2.fingersSaved, "the linked member's fingerprints are not saved twice")

        // Reopened with the same Kotlin key provider, everything is there.
        scanner.disconnect()
        store.close()
        val reopened = JatigiStore.open(path.toString(), "TAB-GAO-07", keys)
        assertEquals(StoreSummary(2uL, 6uL, 2uL, "kotlin-test-aes-gcm"), reopened.summary())
        val op = reopened.signIn("OP-0042", "5927")
        val byName = op.searchByName("fatoumata traore", 3u)
        assertEquals("Fatoumata Traoré", byName.first().name)

        // Who is this? Moussa puts his right index on the scanner again.
        val scanner2 = ScannerSession.connect(ForwardingTransport(sim.connect()))
        sim.present(101uL, Finger.RIGHT_INDEX)
        val searching = RecordingProgress()
        val found = op.searchByFinger(scanner2, Finger.RIGHT_INDEX, searching, null)
        assertEquals("${saved.householdId}/01", found.first().personId)
        assertEquals("Moussa Maïga", found.first().name)
        assertTrue(found.first().needsDecision)
        assertEquals(setOf(Stage.LOADING_GALLERY, Stage.SEARCHING_FINGER), searching.reports.map { it.stage }.toSet())

        assertTrue(logs.records.any { it.message.contains("saved with 3 members") }, "core's log reached the Kotlin sink")
        scanner2.disconnect()
    }

    @Test
    fun `a member entered twice in the same household is caught too`() {
        val store = JatigiStore.createWithPassphrase(tempStorePath().toString(), "TAB-GAO-07", "Sévaré 2024 tablette")
        store.addFirstSupervisor(NewOperator("SUP-0001", "Aminata Keïta", Role.SUPERVISOR, "4827"))
        val supervisor = store.signIn("SUP-0001", "4827")
        val sim = SimulatedScanner(2uL)
        val scanner = ScannerSession.connectSimulated(sim)
        val session = supervisor.startHousehold(gaoSite)
        val a = session.addMember(adult(Relation.HEAD, "Oumar", "Touré", Sex.MALE, 40))
        val b = session.addMember(adult(Relation.SIBLING, "Oumar", "Toure", Sex.MALE, 40))
        session.enrolFingers(a, 7, sim, scanner)
        session.enrolFingers(b, 7, sim, scanner)
        val flagged = session.checkDuplicates(null, null).single { it.needsDecision }
        assertEquals(b, flagged.member)
        assertEquals("${session.householdId()}/01", flagged.candidates.first().personId)
        // A supervisor may keep both (here wrongly, to exercise the override).
        session.overrideMatch(b, flagged.candidates.first().personId, "twin", supervisor)
        val saved = session.save()
        assertNull(saved.members.single { it.member == b }.linkedTo)
        assertEquals(4u, saved.fingersSaved)
        scanner.disconnect()
    }

    @Test
    fun `the member list follows the screens`() {
        val store = JatigiStore.create(tempStorePath().toString(), "TAB-GAO-07", AesKeyProvider())
        store.addFirstSupervisor(NewOperator("SUP-0001", "Aminata Keïta", Role.SUPERVISOR, "4827"))
        val session = store.signIn("SUP-0001", "4827").startHousehold(gaoSite)
        assertTrue(session.householdId().startsWith("GAO-"))
        val head = session.addMember(adult(Relation.HEAD, "  Moussa ", "Maïga", Sex.MALE, 45))
        val child = session.addMember(adult(Relation.CHILD, "Awa", "Maïga", Sex.FEMALE, 4))
        session.recordConsent(head, ConsentDecision.GIVEN, ConsentMethod.SIGNED)
        session.recordFingerException(head, Finger.LEFT_INDEX, FingerException.AMPUTATED, "")
        session.removeMember(child)
        val members = session.members()
        assertEquals(1, members.size)
        assertEquals("Moussa Maïga", members[0].name)
        assertEquals(ConsentDecision.GIVEN, members[0].consent)
        assertEquals(listOf(Finger.LEFT_INDEX), members[0].fingersExcepted)
        assertFalse(members[0].fingersCaptured.isNotEmpty())
        assertNotNull(regionName(Region.SEGOU).takeIf { it == "Ségou" })
        session.abandon()
        assertThrows<JatigiException.SessionClosed> { session.members() }
    }
}
