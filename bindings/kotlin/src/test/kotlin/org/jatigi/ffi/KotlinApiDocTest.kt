package org.jatigi.ffi

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * The enrollment flow exactly as docs/kotlin-api.md shows it to screen authors, so the page
 * cannot drift from the generated API: if a name changes, this stops compiling. Keep the
 * two in step (the sections below carry the page's headings).
 */
class KotlinApiDocTest {
    /** Stand-ins for what the screens would show. */
    private val shown = mutableListOf<String>()
    private fun show(text: String) { shown += text }

    @Test
    fun `the flow in docs-kotlin-api-md runs`() {
        val path = tempStorePath().toString()
        val keyProvider: KeyProvider = AesKeyProvider() // on a tablet: KeystoreKeyProvider()
        val sim = SimulatedScanner(42uL)

        // --- Start-up ---------------------------------------------------------------------
        setLanguage(Language.FRENCH)
        logToPlatform(LogLevel.INFO)
        val store = try {
            JatigiStore.open(path, "TAB-GAO-07", keyProvider)
        } catch (e: JatigiException.StoreNotFound) {
            JatigiStore.create(path, "TAB-GAO-07", keyProvider)
        }
        if (store.summary().operators == 0uL) {
            store.addFirstSupervisor(NewOperator("SUP-0001", "Aminata Keïta", Role.SUPERVISOR, "4827"))
        }
        store.loadGallery(null, null)

        // --- Sign-in ------------------------------------------------------------------------
        val operator: OperatorSession = try {
            store.signIn("SUP-0001", "4827")
        } catch (e: JatigiException.WrongPin) {
            show(e.message!!); return
        } catch (e: JatigiException.PinLocked) {
            show(e.message!!); return
        } catch (e: JatigiException) {
            show(e.message!!); return
        }

        // --- Scanner --------------------------------------------------------------------------
        val transport: ByteTransport = ForwardingTransport(sim.connect()) // on a tablet: RfcommTransport(socket)
        val scanner = ScannerSession.connect(transport)

        // --- Household ------------------------------------------------------------------------
        val session = operator.startHousehold(
            HouseholdDetails(
                site = DisplacementSite(Region.GAO, cercle = "Gao", commune = "Gao", siteName = "Site de Château"),
                origin = Origin(Region.MENAKA, cercle = "Ménaka"),
                displacedOn = CalendarDate(2024, 11u, 2u),
                reason = DisplacementReason.Conflict,
            ),
        )
        show(session.householdId())

        // --- Members and consent --------------------------------------------------------------
        val head = session.addMember(
            MemberDetails(
                relation = Relation.HEAD,
                givenNames = "Moussa",
                familyName = "Maïga",
                sex = Sex.MALE,
                birth = BirthInfo.EstimatedAge(45u),
                phone = "76 12 34 56",
            ),
        )
        session.recordConsent(head, ConsentDecision.GIVEN, ConsentMethod.THUMBPRINT)

        // --- Fingerprints -----------------------------------------------------------------------
        for (finger in listOf(Finger.RIGHT_INDEX, Finger.LEFT_INDEX)) {
            sim.present(1uL, finger) // (simulator only: who is at the scanner)
            while (true) {
                val attempt = try {
                    session.captureFinger(head, finger, scanner)
                } catch (e: JatigiException.NoFinger) {
                    show(e.message!!); continue
                } catch (e: JatigiException.ScannerDisconnected) {
                    show(e.message!!); scanner.reconnect(ForwardingTransport(sim.connect())); continue
                }
                show("qualité ${attempt.quality}")
                when (val verdict = attempt.verdict) {
                    is AttemptVerdict.TryAgain -> show("encore ${verdict.remaining} essais")
                    AttemptVerdict.Accepted, AttemptVerdict.KeptBest -> break
                }
            }
        }

        // --- Duplicate check and decisions ------------------------------------------------------
        val cancel = CancelToken() // the screen's Cancel button calls cancel.cancel()
        val progress = object : ProgressListener {
            override fun onProgress(progress: Progress) = show("${progress.done}/${progress.total}")
        }
        val matches = session.checkDuplicates(progress, cancel)
        for (member in matches.filter { it.needsDecision }) {
            val best = member.candidates.first()
            val samePerson = false // the operator compares names and photo and answers
            session.decide(member.member, if (samePerson) Decision.SamePerson(best.personId) else Decision.NewPerson)
        }

        // --- Save -------------------------------------------------------------------------------
        val saved = try {
            session.save()
        } catch (e: JatigiException.DecisionMissing) {
            show(e.message!!); return
        }
        show(saved.householdId)

        // --- Search -----------------------------------------------------------------------------
        val byName = operator.searchByName("moussa maiga", 10u)
        sim.present(1uL, Finger.RIGHT_INDEX)
        val byFinger = operator.searchByFinger(scanner, Finger.RIGHT_INDEX, null, null)

        // --- Household card -------------------------------------------------------------------
        val card = operator.issueCard(saved.householdId, includeHeadName = false)
        val printed = card.cardPng           // on a tablet: printer.print(card.cardPng)
        show("carte ${card.serial}")
        val keyRing = operator.keyRing()

        // --- Verifying a card ---------------------------------------------------------------------
        val photo = printed                  // on a tablet: the camera's JPEG bytes
        val verdict = verifyCardPhoto(photo, keyRing) // or verifyCardText(scannedText, keyRing)
        if (verdict.status != CardStatus.VALID) {
            show(verdict.reason); return
        }
        show("${verdict.householdId} : ${verdict.memberNumbers.size} membres")

        // --- Distribution check -------------------------------------------------------------------
        sim.present(1uL, Finger.RIGHT_INDEX) // (simulator only: who is at the scanner)
        val check = try {
            operator.checkMemberOnCard(verdict.qrText, keyRing, scanner, null, null)
        } catch (e: JatigiException.CardInvalid) {
            show(e.message!!); return
        } catch (e: JatigiException.NoFingerprints) {
            show(e.message!!); return        // check the identity another way
        }
        if (check.matched) show("${check.name} (membre ${check.member})") else show("aucun membre de ce ménage")

        // --- Captures taken beforehand ---------------------------------------------------------
        sim.present(1uL, Finger.RIGHT_INDEX)  // (simulator only: who is at the scanner)
        val captured: CapturedFinger = scanner.capture(Finger.RIGHT_INDEX)   // one scan, kept in the core
        show("qualité ${captured.quality()}")  // captured.image(): the print, to display
        val who = operator.identify(listOf(captured), null, null)             // Candidates, best first
        val same = operator.verifyPerson(saved.householdId + "/01", listOf(captured))
        if (same.matched) show("${same.name} : ${same.score}")
        val atCard = operator.checkMemberWithCapture(verdict.qrText, keyRing, captured, null, null)
        captured.close()                      // the fingerprint leaves memory

        // --- Sync packets -------------------------------------------------------------------------
        val programmeKey = "5f".repeat(32)   // on a tablet: programme-key.txt, typed or scanned
        val supervisor = operator            // (here the same account: SUP-0001 is a supervisor)
        val identity = operator.deviceIdentity() ?: supervisor.provisionDevice(programmeKey)
        val deviceFile = identity.deviceFileJson // on a tablet: saveFile("device.json", ...)
        val packet = operator.exportPacket(progress, cancel)
        if (packet == null) show("rien de nouveau") else show("${packet.fileName} : ${packet.householdCount} ménages") // writeToMemoryCard(...)
        val lost = operator.reexportPacket(1uL)

        scanner.disconnect()
        setLanguage(Language.ENGLISH)
        assertEquals(saved.householdId, verdict.householdId)
        assertEquals("${saved.householdId}/01", check.personId)
        assertTrue(deviceFile.contains("TAB-GAO-07"), deviceFile)
        assertEquals(1uL, packet?.sequence)
        assertEquals(packet?.householdCount, lost.householdCount)
        assertEquals(saved.householdId, session.householdId())
        assertEquals("${saved.householdId}/01", byName.first().personId)
        assertEquals("${saved.householdId}/01", byFinger.first().personId)
        assertTrue(shown.contains("1/1"), "$shown")
        assertEquals("${saved.householdId}/01", who.first().personId)
        assertTrue(same.matched, "$same")
        assertEquals("${saved.householdId}/01", atCard.personId)
    }
}
