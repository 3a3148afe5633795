package org.jatigi.field

import org.jatigi.field.enrollment.CapturePlan
import org.jatigi.field.enrollment.EnrollEffect
import org.jatigi.field.enrollment.EnrollEvent
import org.jatigi.field.enrollment.EnrollState
import org.jatigi.field.enrollment.EnrollmentController
import org.jatigi.field.enrollment.EnrollmentFlow
import org.jatigi.field.enrollment.ScannerLink
import org.jatigi.field.enrollment.Transition
import org.jatigi.field.ports.CalendarDay
import org.jatigi.field.ports.Candidate
import org.jatigi.field.ports.ConsentMethod
import org.jatigi.field.ports.ConsentRecord
import org.jatigi.field.ports.DuplicateDecision
import org.jatigi.field.ports.ExceptionKind
import org.jatigi.field.ports.FacePhoto
import org.jatigi.field.ports.Finger
import org.jatigi.field.ports.FingerResult
import org.jatigi.field.ports.MemberCandidates
import org.jatigi.field.ports.ScannerFailure
import org.jatigi.field.ports.SupervisorCheck
import org.jatigi.field.scanner.CaptureOutcome
import org.jatigi.field.scanner.ScannerSession
import org.jatigi.field.scanner.ScannerStatus
import org.jatigi.field.text.Msg
import org.jatigi.field.validation.Field
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class EnrollmentFlowTest {
    private val twoThumbs = CapturePlan(fingers = listOf(Finger.LEFT_THUMB, Finger.RIGHT_THUMB))
    private val flow = EnrollmentFlow(twoThumbs, today = CalendarDay(2026, 6, 15))

    /** Applies events in turn, keeping every effect asked for. */
    private class Run(val flow: EnrollmentFlow, var state: EnrollState) {
        val effects = mutableListOf<EnrollEffect>()
        fun on(vararg events: EnrollEvent): Run {
            for (e in events) {
                val t: Transition = flow.reduce(state, e)
                state = t.state
                effects += t.effects
            }
            return this
        }
        inline fun <reified S : EnrollState> at(): S = state as? S ?: throw AssertionError("expected ${S::class.simpleName}, at $state")
    }

    private fun capturing(): Run = Run(flow, flow.start()).on(
        EnrollEvent.FormSubmitted(householdOfThree()),
        EnrollEvent.ConsentGiven(ConsentMethod.VERBAL),
    )

    private fun Run.capture(outcome: CaptureOutcome): Run {
        val s = at<EnrollState.Capture>()
        return on(EnrollEvent.CaptureRequested, EnrollEvent.CaptureFinished(s.member, s.finger, outcome))
    }

    @Test
    fun `an invalid form stays on the form with one message per field`() {
        val draft = householdOfThree().let { d ->
            d.copy(members = d.members.map { if (it.number == 2) it.copy(givenNames = "", familyName = "", phone = "01 23 45 67") else it })
        }
        val form = Run(flow, flow.start()).on(EnrollEvent.FormSubmitted(draft)).at<EnrollState.Form>()
        val fields = form.errors.filter { it.member == 2 }.map { it.field }
        assertEquals(listOf(Field.GIVEN_NAMES, Field.PHONE), fields)
    }

    @Test
    fun `the no finger retry limit offers unable to capture only after three misses`() {
        val run = capturing()
        run.capture(CaptureOutcome.NoFinger)
        // Too early: the person may simply not have pressed.
        run.on(EnrollEvent.ExceptionChosen(ExceptionKind.UNABLE_TO_CAPTURE, "worn ridges"))
        assertEquals(Msg.ERR_UNABLE_NOT_YET, run.at<EnrollState.Capture>().feedback?.msg)
        assertEquals(Finger.LEFT_THUMB, run.at<EnrollState.Capture>().finger)

        run.capture(CaptureOutcome.NoFinger)
        assertFalse(run.at<EnrollState.Capture>().unableOffered)
        run.capture(CaptureOutcome.NoFinger)
        val s = run.at<EnrollState.Capture>()
        assertTrue(s.unableOffered)
        assertEquals(Msg.CAPTURE_NO_FINGER_LIMIT, s.feedback?.msg)

        // A reason is required.
        run.on(EnrollEvent.ExceptionChosen(ExceptionKind.UNABLE_TO_CAPTURE, "   "))
        assertEquals(Msg.ERR_EXCEPTION_REASON, run.at<EnrollState.Capture>().feedback?.msg)
        run.on(EnrollEvent.ExceptionChosen(ExceptionKind.UNABLE_TO_CAPTURE, "  worn   ridges "))
        val next = run.at<EnrollState.Capture>()
        assertEquals(Finger.RIGHT_THUMB, next.finger)
        assertEquals(
            FingerResult.Exception(ExceptionKind.UNABLE_TO_CAPTURE, "worn ridges"),
            next.enrollment.biometrics.getValue(1).fingers[Finger.LEFT_THUMB],
        )
    }

    @Test
    fun `a good capture between misses resets the no finger count`() {
        val run = capturing()
        run.capture(CaptureOutcome.NoFinger).capture(CaptureOutcome.NoFinger).capture(CaptureOutcome.Captured(sample(30)))
        assertEquals(0, run.at<EnrollState.Capture>().progress.noFingerInARow)
        run.capture(CaptureOutcome.NoFinger)
        assertFalse(run.at<EnrollState.Capture>().unableOffered)
    }

    @Test
    fun `three weak attempts keep the best one`() {
        val run = capturing()
            .capture(CaptureOutcome.Captured(sample(35)))
            .capture(CaptureOutcome.Captured(sample(51)))
            .capture(CaptureOutcome.Captured(sample(44)))
        val s = run.at<EnrollState.Capture>()
        assertEquals(Finger.RIGHT_THUMB, s.finger)
        val kept = s.enrollment.biometrics.getValue(1).fingers.getValue(Finger.LEFT_THUMB) as FingerResult.Captured
        assertEquals(51, kept.sample.quality)
    }

    @Test
    fun `an amputated finger needs no attempts, only a reason`() {
        val run = capturing().on(EnrollEvent.ExceptionChosen(ExceptionKind.AMPUTATED, "accident 2019"))
        assertEquals(Finger.RIGHT_THUMB, run.at<EnrollState.Capture>().finger)
    }

    @Test
    fun `consent refused means no biometric is kept`() {
        val run = Run(flow, flow.start()).on(
            EnrollEvent.FormSubmitted(householdOfThree()),
            EnrollEvent.ConsentRefused(ConsentMethod.VERBAL),
        )
        // Member 1 refused: straight to member 2's consent; member 3 (age 2) is not asked.
        assertEquals(2, run.at<EnrollState.Consent>().member)
        run.on(EnrollEvent.ConsentGiven(ConsentMethod.SIGNED))
        run.capture(CaptureOutcome.Captured(sample(80))).capture(CaptureOutcome.Captured(sample(77)))

        val checking = run.at<EnrollState.Checking>()
        val sent = run.effects.filterIsInstance<EnrollEffect.CheckDuplicates>().single().submission
        assertEquals(ConsentRecord.Refused(ConsentMethod.VERBAL), checking.enrollment.biometrics.getValue(1).consent)
        assertTrue(sent.biometrics.getValue(1).fingers.isEmpty(), "nothing of member 1 goes to the core")
        assertEquals(2, sent.biometrics.getValue(2).fingers.size)
        assertTrue(sent.biometrics.getValue(3).fingers.isEmpty())
        assertEquals(2, sent.samples().size)
    }

    @Test
    fun `consent withdrawn during capture drops the fingers already taken`() {
        val run = capturing().capture(CaptureOutcome.Captured(sample(90)))
        assertEquals(1, run.at<EnrollState.Capture>().enrollment.biometrics.getValue(1).fingers.size)

        run.on(EnrollEvent.ConsentRefused(ConsentMethod.VERBAL))
        val consent = run.at<EnrollState.Consent>()
        assertEquals(2, consent.member)
        assertTrue(consent.enrollment.biometrics.getValue(1).fingers.isEmpty())
        assertTrue(consent.enrollment.submission().samples().isEmpty())
    }

    @Test
    fun `a face photo is kept with consent and dropped with a withdrawal`() {
        val jpeg = FacePhoto(byteArrayOf(0xFF.toByte(), 0xD8.toByte(), 0xFF.toByte(), 0xE0.toByte(), 1, 2))
        val run = capturing().on(EnrollEvent.FacePhotoTaken(1, FacePhoto(byteArrayOf(1, 2, 3, 4))))
        assertEquals(Msg.ERR_PHOTO_NOT_JPEG, run.at<EnrollState.Capture>().feedback?.msg)
        run.on(EnrollEvent.FacePhotoTaken(1, jpeg))
        assertEquals(listOf(jpeg), run.at<EnrollState.Capture>().enrollment.submission().photos())

        run.on(EnrollEvent.ConsentRefused(ConsentMethod.VERBAL))
        assertTrue(run.at<EnrollState.Consent>().enrollment.submission().photos().isEmpty())
    }

    @Test
    fun `a failed save can be retried without losing the household`() {
        val run = capturing()
            .capture(CaptureOutcome.Captured(sample(80))).capture(CaptureOutcome.Captured(sample(80)))
            .on(EnrollEvent.ConsentRefused(ConsentMethod.VERBAL), EnrollEvent.DuplicatesFound(emptyList()))
        run.on(EnrollEvent.WorkFailed(org.jatigi.field.text.Text(Msg.ERR_CORE, "disk full")))
        assertEquals(Msg.ERR_CORE, run.at<EnrollState.Failed>().message.msg)
        run.on(EnrollEvent.Retry)
        run.at<EnrollState.Saving>()
        val saves = run.effects.filterIsInstance<EnrollEffect.Save>()
        assertEquals(2, saves.size)
        assertEquals(2, saves.last().submission.samples().size)
        run.on(EnrollEvent.Saved("GAO-7K3M-9QX2-C"))
        assertEquals("GAO-7K3M-9QX2-C", run.at<EnrollState.Done>().householdId)
    }

    @Test
    fun `a late capture result after consent was withdrawn is ignored`() {
        val run = capturing().on(EnrollEvent.CaptureRequested, EnrollEvent.ConsentRefused(ConsentMethod.VERBAL))
        run.on(EnrollEvent.ConsentGiven(ConsentMethod.VERBAL)) // member 2
        run.on(EnrollEvent.CaptureFinished(1, Finger.LEFT_THUMB, CaptureOutcome.Captured(sample(90))))
        val s = run.at<EnrollState.Capture>()
        assertEquals(2, s.member)
        assertTrue(s.enrollment.submission().samples().isEmpty())
    }

    private fun atReview(score: Float): Run {
        val run = capturing()
            .capture(CaptureOutcome.Captured(sample(80))).capture(CaptureOutcome.Captured(sample(80)))
            .on(EnrollEvent.ConsentRefused(ConsentMethod.VERBAL))
        val candidates = listOf(MemberCandidates(1, listOf(Candidate("KB3X7P2QA-01", "Aminata Traoré", score))))
        return run.on(EnrollEvent.DuplicatesFound(candidates))
    }

    @Test
    fun `the duplicate decision requires a supervisor for an override`() {
        val run = atReview(score = 63f)
        run.at<EnrollState.Review>()

        // The operator says "not a duplicate": nothing is recorded, a supervisor is asked for.
        run.on(EnrollEvent.NotDuplicateChosen(1))
        var review = run.at<EnrollState.Review>()
        assertEquals(1, review.supervisorFor)
        assertTrue(review.decisions.isEmpty())
        assertEquals(Msg.REVIEW_SUPERVISOR_REQUIRED, review.message?.msg)

        // Saving is refused until every flagged member is decided.
        run.on(EnrollEvent.SaveRequested)
        assertEquals(Msg.ERR_DECISIONS_MISSING, run.at<EnrollState.Review>().message?.msg)

        // A reason is required; then the PIN goes to the core.
        run.on(EnrollEvent.SupervisorPinEntered("SUP1", "2468", ""))
        assertEquals(Msg.ERR_OVERRIDE_REASON, run.at<EnrollState.Review>().message?.msg)
        run.on(EnrollEvent.SupervisorPinEntered("SUP1", "2468", "different mother's name, checked the NINA card"))
        val verify = run.effects.filterIsInstance<EnrollEffect.VerifySupervisor>().single()
        assertEquals("SUP1", verify.supervisorId)

        // An ordinary operator's PIN does not count.
        run.on(EnrollEvent.SupervisorChecked(1, SupervisorCheck.NotSupervisor, verify.reason))
        review = run.at<EnrollState.Review>()
        assertEquals(Msg.ERR_NOT_SUPERVISOR, review.message?.msg)
        assertTrue(review.decisions.isEmpty())

        run.on(EnrollEvent.SupervisorChecked(1, SupervisorCheck.Approved("SUP1"), verify.reason))
        review = run.at<EnrollState.Review>()
        assertEquals(
            DuplicateDecision.Override("KB3X7P2QA-01", "SUP1", "different mother's name, checked the NINA card"),
            review.decisions[1],
        )
        run.on(EnrollEvent.SaveRequested)
        val save = run.effects.filterIsInstance<EnrollEffect.Save>().single()
        assertInstanceOf(DuplicateDecision.Override::class.java, save.decisions[1])
        run.at<EnrollState.Saving>()
    }

    @Test
    fun `same person needs no supervisor`() {
        val run = atReview(score = 63f).on(EnrollEvent.SamePersonChosen(1, "KB3X7P2QA-01"), EnrollEvent.SaveRequested)
        val save = run.effects.filterIsInstance<EnrollEffect.Save>().single()
        assertEquals(DuplicateDecision.SamePerson("KB3X7P2QA-01"), save.decisions[1])
    }

    @Test
    fun `candidates under the threshold are saved without asking`() {
        val run = atReview(score = 22f)
        run.at<EnrollState.Saving>()
        assertTrue(run.effects.filterIsInstance<EnrollEffect.Save>().single().decisions.isEmpty())
    }

    @Test
    fun `the scanner status shows on the capture screen`() {
        val run = capturing().on(
            EnrollEvent.ScannerChanged(ScannerStatus.Reconnecting(1, 3)),
        )
        assertEquals(ScannerLink.RECONNECTING, run.at<EnrollState.Capture>().link)
        run.on(EnrollEvent.ScannerChanged(ScannerStatus.Connected(org.jatigi.field.ports.ScannerInfo("SP1", "1"), org.jatigi.field.ports.BatteryReading(17), org.jatigi.field.scanner.BatteryLevel.LOW)))
        val s = run.at<EnrollState.Capture>()
        assertEquals(ScannerLink.READY, s.link)
        assertEquals(Msg.SCANNER_RECONNECTED, s.feedback?.msg)
        assertEquals(Msg.BATTERY_LOW, s.batteryWarning?.msg)
        assertEquals(listOf<Any>(17), s.batteryWarning?.args)
    }

    @Test
    fun `a core error during the duplicate check is shown and can be retried`() {
        val registry = FakeRegistry().apply { failChecks = 1 }
        val session = ScannerSession(FakeScanner(), RecordingSleeper())
        val controller = EnrollmentController(flow, registry, session, Inline, Inline) {}
        val oneAdult = householdOfThree().let { it.copy(members = it.members.take(1)) }
        controller.dispatch(EnrollEvent.FormSubmitted(oneAdult))
        controller.dispatch(EnrollEvent.ConsentRefused(ConsentMethod.VERBAL))

        val failed = controller.state as EnrollState.Failed
        assertEquals(listOf<Any>("database is locked"), failed.message.args)
        controller.dispatch(EnrollEvent.Retry)
        assertInstanceOf(EnrollState.Done::class.java, controller.state)
        assertEquals(2, registry.checked.size)
    }

    @Test
    fun `a whole household is enrolled through the controller, the scanner dropping once mid-capture`() {
        val scanner = FakeScanner()
        val registry = FakeRegistry()
        val held = mutableListOf<Boolean>()
        lateinit var controller: EnrollmentController
        val session = ScannerSession(scanner, RecordingSleeper()) { controller.dispatch(EnrollEvent.ScannerChanged(it)) }
        controller = EnrollmentController(flow, registry, session, Inline, Inline, { held += it }) {}
        session.connect()
        scanner.script(
            FakeScanner.Answer.Sample(81),
            FakeScanner.Answer.Fail(ScannerFailure.Disconnected), // the link drops on the second finger
            FakeScanner.Answer.Sample(77),
        )

        controller.dispatch(EnrollEvent.FormSubmitted(householdOfThree()))
        controller.dispatch(EnrollEvent.ConsentGiven(ConsentMethod.VERBAL))
        controller.dispatch(EnrollEvent.CaptureRequested)
        controller.dispatch(EnrollEvent.CaptureRequested)
        assertEquals(2, (controller.state as EnrollState.Consent).member)
        controller.dispatch(EnrollEvent.ConsentRefused(ConsentMethod.VERBAL))

        val done = controller.state as EnrollState.Done
        assertEquals("KA7Q2M9XB", done.householdId)
        assertEquals(2, scanner.connects)
        val (saved, _) = registry.saved.single()
        assertEquals(listOf(81, 77), saved.samples().map { it.quality })
        assertEquals(listOf(true, false, false), held) // held while capturing, released at the check and after saving
    }
}
