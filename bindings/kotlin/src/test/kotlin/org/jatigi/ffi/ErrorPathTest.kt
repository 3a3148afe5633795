package org.jatigi.ffi

import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** What a screen meets when things go wrong, as Kotlin exceptions with messages to show. */
class ErrorPathTest {
    @AfterEach
    fun englishAgain() = setLanguage(Language.ENGLISH)

    @Test
    fun `a store opened with the wrong key says so and changes nothing`() {
        val path = tempStorePath().toString()
        JatigiStore.create(path, "TAB-GAO-07", AesKeyProvider()).close()
        val e = assertThrows<JatigiException.WrongKey> { JatigiStore.open(path, "TAB-GAO-07", AesKeyProvider()) }
        assertTrue(e.message!!.startsWith("Wrong key or passphrase"), e.message)
        setLanguage(Language.FRENCH)
        val fr = assertThrows<JatigiException.WrongKey> { JatigiStore.open(path, "TAB-GAO-07", AesKeyProvider()) }
        assertTrue(fr.message!!.startsWith("Clé ou phrase secrète erronée"), fr.message)

        val passphrase = tempStorePath().toString()
        JatigiStore.createWithPassphrase(passphrase, "TAB-GAO-07", "bonne phrase").close()
        assertThrows<JatigiException.WrongKey> { JatigiStore.openWithPassphrase(passphrase, "TAB-GAO-07", "mauvaise phrase") }
        assertThrows<JatigiException.StoreNotFound> { JatigiStore.open(path + ".missing", "TAB-GAO-07", AesKeyProvider()) }
        assertThrows<JatigiException.StoreExists> { JatigiStore.create(path, "TAB-GAO-07", AesKeyProvider()) }
    }

    @Test
    fun `a key provider that fails is reported as the key store failing`() {
        val broken = object : KeyProvider {
            override fun wrap(key: ByteArray): ByteArray = throw KeyProviderException.Unavailable("KeyPermanentlyInvalidatedException")
            override fun unwrap(wrapped: ByteArray): ByteArray = throw IllegalStateException("not reached")
            override fun id() = "broken"
        }
        val e = assertThrows<JatigiException.KeyStoreFailed> { JatigiStore.create(tempStorePath().toString(), "TAB-GAO-07", broken) }
        assertTrue(e.message!!.contains("KeyPermanentlyInvalidatedException"), e.message)
    }

    @Test
    fun `wrong PINs count down, then lock the account`() {
        val store = JatigiStore.create(tempStorePath().toString(), "TAB-GAO-07", AesKeyProvider())
        store.addFirstSupervisor(NewOperator("SUP-0001", "Aminata Keïta", Role.SUPERVISOR, "4827"))
        assertThrows<JatigiException.SupervisorRequired> {
            store.addFirstSupervisor(NewOperator("SUP-0002", "Someone Else", Role.SUPERVISOR, "4827"))
        }
        val left = (1..5).map { assertThrows<JatigiException> { store.signIn("SUP-0001", "1111") } }
        assertTrue(left.take(4).all { it is JatigiException.WrongPin }, "$left")
        assertTrue(left.last() is JatigiException.PinLocked, "$left")
        assertTrue(left.first().message!!.contains("4 attempts left"), left.first().message)
        assertThrows<JatigiException.PinLocked> { store.signIn("SUP-0001", "4827") }
        assertThrows<JatigiException.UnknownOperator> { store.signIn("OP-9999", "4827") }
        assertThrows<JatigiException.InvalidInput> { store.signIn("not an id!", "4827") }
    }

    @Test
    fun `enumerators cannot override or add accounts, and weak PINs are refused`() {
        val store = JatigiStore.create(tempStorePath().toString(), "TAB-GAO-07", AesKeyProvider())
        store.addFirstSupervisor(NewOperator("SUP-0001", "Aminata Keïta", Role.SUPERVISOR, "4827"))
        val supervisor = store.signIn("SUP-0001", "4827")
        assertThrows<JatigiException.PinRejected> { supervisor.addOperator(NewOperator("OP-0001", "Awa Diarra", Role.ENUMERATOR, "1234")) }
        assertThrows<JatigiException.OperatorExists> { supervisor.addOperator(NewOperator("SUP-0001", "Awa Diarra", Role.ENUMERATOR, "5927")) }
        supervisor.addOperator(NewOperator("OP-0001", "Awa Diarra", Role.ENUMERATOR, "5927"))
        val enumerator = store.signIn("OP-0001", "5927")
        assertThrows<JatigiException.SupervisorRequired> { enumerator.addOperator(NewOperator("OP-0002", "X Y", Role.ENUMERATOR, "5927")) }

        val sim = SimulatedScanner(3uL)
        val scanner = ScannerSession.connectSimulated(sim)
        store.signIn("OP-0001", "5927").startHousehold(gaoSite).let { first ->
            first.enrolFingers(first.addMember(adult(Relation.HEAD, "Bakary", "Coulibaly", Sex.MALE, 33)), 5, sim, scanner)
            first.save()
        }
        val session = enumerator.startHousehold(gaoSite)
        val member = session.addMember(adult(Relation.HEAD, "Bakary", "Coulibaly", Sex.MALE, 33))
        session.enrolFingers(member, 5, sim, scanner)
        val candidate = session.checkDuplicates(null, null).single().candidates.first().personId
        assertThrows<JatigiException.SupervisorRequired> { session.overrideMatch(member, candidate, "twin", enumerator) }
        assertThrows<JatigiException.InvalidInput> { session.decide(member, Decision.SamePerson("GAO-0000-0000-0/01")) }
        session.overrideMatch(member, candidate, "checked-documents", supervisor)
        assertEquals(2u, session.save().fingersSaved)
        scanner.disconnect()
    }

    @Test
    fun `invalid details are refused with a message naming the field`() {
        val store = JatigiStore.create(tempStorePath().toString(), "TAB-GAO-07", AesKeyProvider())
        store.addFirstSupervisor(NewOperator("SUP-0001", "Aminata Keïta", Role.SUPERVISOR, "4827"))
        val session = store.signIn("SUP-0001", "4827").startHousehold(gaoSite)
        val noName = assertThrows<JatigiException.InvalidInput> { session.addMember(adult(Relation.HEAD, " ", "", Sex.MALE, 30)) }
        assertTrue(noName.message!!.contains("given name"), noName.message)
        setLanguage(Language.FRENCH)
        val phone = assertThrows<JatigiException.InvalidInput> {
            session.addMember(adult(Relation.HEAD, "Moussa", "Maïga", Sex.MALE, 30).copy(phone = "76 12 34"))
        }
        assertTrue(phone.message!!.contains("numéro malien"), phone.message)
        val head = session.addMember(adult(Relation.HEAD, "Moussa", "Maïga", Sex.MALE, 30))
        assertThrows<JatigiException.ConsentRequired> { session.save() }
        assertThrows<JatigiException.UnknownMember> { session.recordConsent(9u, ConsentDecision.GIVEN, ConsentMethod.VERBAL) }
        session.recordConsent(head, ConsentDecision.GIVEN, ConsentMethod.VERBAL)
        val far = store.signIn("SUP-0001", "4827").startHousehold(gaoSite.copy(site = gaoSite.site.copy(gps = GpsPoint(48.85, 2.35))))
        far.recordConsent(far.addMember(adult(Relation.HEAD, "Moussa", "Maïga", Sex.MALE, 30)), ConsentDecision.GIVEN, ConsentMethod.VERBAL)
        val outside = assertThrows<JatigiException.InvalidInput> { far.validate() }
        assertTrue(outside.message!!.contains("hors du Mali"), outside.message)
    }

    @Test
    fun `a scanner that disconnects mid-capture is reported, and reconnecting resumes`() {
        val store = JatigiStore.create(tempStorePath().toString(), "TAB-GAO-07", AesKeyProvider())
        store.addFirstSupervisor(NewOperator("SUP-0001", "Aminata Keïta", Role.SUPERVISOR, "4827"))
        val session = store.signIn("SUP-0001", "4827").startHousehold(gaoSite)
        val head = session.addMember(adult(Relation.HEAD, "Moussa", "Maïga", Sex.MALE, 45))
        session.recordConsent(head, ConsentDecision.GIVEN, ConsentMethod.VERBAL)

        val sim = SimulatedScanner(4uL)
        val transport = ForwardingTransport(sim.connect())
        val scanner = ScannerSession.connect(transport)
        sim.present(11uL, Finger.RIGHT_INDEX)
        // The radio drops half way through the image: the Kotlin socket read fails, and the
        // log says why the link closed.
        val logs = RecordingLogSink()
        logToSink(logs, LogLevel.WARN)
        transport.dropAfterBytes = transport.bytesRead.get() + 3_000
        assertThrows<JatigiException.ScannerDisconnected> { session.captureFinger(head, Finger.RIGHT_INDEX, scanner) }
        assertTrue(
            logs.records.any { it.level == LogLevel.WARN && it.message.contains("reading failed") && it.message.contains("bt socket closed") },
            "${logs.records}",
        )
        assertFalse(scanner.isConnected())
        assertThrows<JatigiException.ScannerNotConnected> { scanner.status() }

        // The operator reconnects; the capture goes through.
        scanner.reconnect(ForwardingTransport(sim.connect()))
        assertTrue(scanner.captureSucceeds(session, head))

        // The scanner itself drops the link while sending an image (the simulator's fault).
        sim.setFaults(SimulatorFaults(disconnectMidImage = true))
        assertThrows<JatigiException.ScannerDisconnected> { session.captureFinger(head, Finger.LEFT_INDEX, scanner) }
        sim.setFaults(SimulatorFaults())
        scanner.reconnect(ForwardingTransport(sim.connect()))
        assertTrue(scanner.captureSucceeds(session, head))
        scanner.disconnect()
    }

    @Test
    fun `a low battery and a stuck button are reported as such`() {
        val sim = SimulatedScanner(5uL)
        val scanner = ScannerSession.connect(ForwardingTransport(sim.connect()))
        sim.pressTrigger()
        scanner.waitForTrigger(2000u)
        assertThrows<JatigiException.ScannerTimeout> { scanner.waitForTrigger(100u) }
        // A stuck button presses itself every 50 ms: the first presses look real, then
        // the driver sees the pace and says so.
        sim.setFaults(SimulatorFaults(stuckTrigger = true))
        assertThrows<JatigiException.TriggerStuck> { repeat(20) { scanner.waitForTrigger(2000u) } }
        sim.setFaults(SimulatorFaults(lowBattery = true))
        val store = JatigiStore.create(tempStorePath().toString(), "TAB-GAO-07", AesKeyProvider())
        store.addFirstSupervisor(NewOperator("SUP-0001", "Aminata Keïta", Role.SUPERVISOR, "4827"))
        val session = store.signIn("SUP-0001", "4827").startHousehold(gaoSite)
        val head = session.addMember(adult(Relation.HEAD, "Moussa", "Maïga", Sex.MALE, 45))
        session.recordConsent(head, ConsentDecision.GIVEN, ConsentMethod.VERBAL)
        val e = assertThrows<JatigiException.ScannerLowBattery> { session.captureFinger(head, Finger.RIGHT_INDEX, scanner) }
        assertTrue(e.message!!.contains("charge it"), e.message)
        scanner.disconnect()
    }

    @Test
    fun `a cancelled duplicate check stops and changes nothing`() {
        val store = JatigiStore.create(tempStorePath().toString(), "TAB-GAO-07", AesKeyProvider())
        store.addFirstSupervisor(NewOperator("SUP-0001", "Aminata Keïta", Role.SUPERVISOR, "4827"))
        val session = store.signIn("SUP-0001", "4827").startHousehold(gaoSite)
        val sim = SimulatedScanner(6uL)
        val scanner = ScannerSession.connectSimulated(sim)
        val a = session.addMember(adult(Relation.HEAD, "Moussa", "Maïga", Sex.MALE, 45))
        val b = session.addMember(adult(Relation.SPOUSE, "Awa", "Maïga", Sex.FEMALE, 40))
        session.enrolFingers(a, 1, sim, scanner)
        session.enrolFingers(b, 2, sim, scanner)
        val cancel = CancelToken()
        val afterFirstMember = object : ProgressListener {
            override fun onProgress(progress: Progress) {
                if (progress.stage == Stage.CHECKING_DUPLICATES && progress.done == 1uL) cancel.cancel()
            }
        }
        assertThrows<JatigiException.Cancelled> { session.checkDuplicates(afterFirstMember, cancel) }
        assertTrue(session.checkDuplicates(null, null).isEmpty(), "the session is still usable")
        assertEquals(0uL, store.loadGallery(null, null))
        val cancelled = CancelToken().also { it.cancel() }
        assertThrows<JatigiException.Cancelled> { JatigiStore.create(tempStorePath().toString(), "TAB-GAO-07", AesKeyProvider()).loadGallery(null, cancelled) }

        // A listener that throws is a bug in the shell: in Rust it is a panic, caught at the
        // boundary and raised as InternalException; the app goes on and so does the session.
        val throwing = object : ProgressListener {
            override fun onProgress(progress: Progress) = throw IllegalStateException("a screen bug")
        }
        val e = assertThrows<InternalException> { session.checkDuplicates(throwing, null) }
        assertTrue(e.message!!.contains("Callback interface failure"), e.message)
        assertTrue(session.checkDuplicates(null, null).isEmpty())
        scanner.disconnect()
    }
}

/** One capture of the right index of `member` that the scanner completes. */
private fun ScannerSession.captureSucceeds(session: EnrollmentSession, member: UByte): Boolean =
    session.captureFinger(member, Finger.RIGHT_INDEX, this).quality > 0u
