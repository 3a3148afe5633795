package org.jatigi.field.enrollment

import org.jatigi.field.ports.ConsentMethod
import org.jatigi.field.ports.ConsentRecord
import org.jatigi.field.ports.DuplicateDecision
import org.jatigi.field.ports.ExceptionKind
import org.jatigi.field.ports.FacePhoto
import org.jatigi.field.ports.Finger
import org.jatigi.field.ports.FingerResult
import org.jatigi.field.ports.FingerSample
import org.jatigi.field.ports.CalendarDay
import org.jatigi.field.ports.HouseholdDraft
import org.jatigi.field.ports.HouseholdSubmission
import org.jatigi.field.ports.MemberBiometrics
import org.jatigi.field.ports.MemberCandidates
import org.jatigi.field.ports.MemberDraft
import org.jatigi.field.ports.SupervisorCheck
import org.jatigi.field.scanner.BatteryLevel
import org.jatigi.field.scanner.CaptureOutcome
import org.jatigi.field.scanner.NoFingerPolicy
import org.jatigi.field.scanner.ScannerStatus
import org.jatigi.field.scanner.failureText
import org.jatigi.field.text.Msg
import org.jatigi.field.text.Text
import org.jatigi.field.validation.FieldError
import org.jatigi.field.validation.Validation

/** Which fingers are taken and how hard the operator tries. */
data class CapturePlan(
    /** Both thumbs and index fingers: the fingers most programmes use, and that older people keep readable longest. */
    val fingers: List<Finger> = listOf(Finger.LEFT_THUMB, Finger.LEFT_INDEX, Finger.RIGHT_THUMB, Finger.RIGHT_INDEX),
    /** The core's `CapturePolicy`: three attempts, keep the best; 60 is a clear print. */
    val maxAttempts: Int = 3,
    val goodQuality: Int = 60,
    /** Young children's ridges are too fine for the sensor: no fingerprints under 5 years. */
    val minAgeYears: Int = 5,
    val noFinger: NoFingerPolicy = NoFingerPolicy(),
)

/** The household being enrolled: the form and, per member number, consent and fingers. */
data class Enrollment(
    val draft: HouseholdDraft,
    val biometrics: Map<Int, MemberBiometrics>,
    val currentYear: Int,
    val plan: CapturePlan,
) {
    fun member(number: Int): MemberDraft = draft.members.first { it.number == number }

    /** Whether fingerprints are taken from this member (age unknown counts as old enough). */
    fun takesFingerprints(m: MemberDraft): Boolean = (m.ageIn(currentYear) ?: plan.minAgeYears) >= plan.minAgeYears

    fun submission(): HouseholdSubmission = HouseholdSubmission.of(draft, biometrics)

    fun with(number: Int, b: MemberBiometrics) = copy(biometrics = biometrics + (number to b))
}

/** Attempts at the current finger. */
data class FingerProgress(val attempts: Int = 0, val best: FingerSample? = null, val noFingerInARow: Int = 0)

enum class ScannerLink { READY, RECONNECTING, LOST }

/** The screens of the enrollment flow, each with what it shows. */
sealed interface EnrollState {
    data class Form(val draft: HouseholdDraft, val errors: List<FieldError> = emptyList()) : EnrollState

    data class Consent(val enrollment: Enrollment, val member: Int) : EnrollState

    data class Capture(
        val enrollment: Enrollment,
        val member: Int,
        val finger: Finger,
        val progress: FingerProgress = FingerProgress(),
        /** A capture is running: the button is disabled. */
        val busy: Boolean = false,
        val link: ScannerLink = ScannerLink.READY,
        val feedback: Text? = null,
        val batteryWarning: Text? = null,
        /** "Unable to capture" may be chosen: the "no finger" limit was reached or attempts ran out. */
        val unableOffered: Boolean = false,
    ) : EnrollState

    data class Checking(val enrollment: Enrollment) : EnrollState

    data class Review(
        val enrollment: Enrollment,
        val candidates: List<MemberCandidates>,
        val decisions: Map<Int, DuplicateDecision> = emptyMap(),
        /** The member whose override waits for a supervisor's PIN, if any. */
        val supervisorFor: Int? = null,
        val message: Text? = null,
    ) : EnrollState {
        fun undecided(): List<Int> = candidates.filter { it.needsDecision() && it.member !in decisions }.map { it.member }
    }

    data class Saving(val enrollment: Enrollment, val decisions: Map<Int, DuplicateDecision>) : EnrollState

    data class Done(
        val householdId: String,
        val enrollment: Enrollment,
        val decisions: Map<Int, DuplicateDecision> = emptyMap(),
    ) : EnrollState

    data class Failed(val enrollment: Enrollment, val message: Text, val retry: EnrollEffect) : EnrollState

    data object Cancelled : EnrollState
}

sealed interface EnrollEvent {
    data class FormSubmitted(val draft: HouseholdDraft) : EnrollEvent
    data class ConsentGiven(val method: ConsentMethod) : EnrollEvent
    /** Refused at the consent screen, or withdrawn during capture: nothing biometric is kept. */
    data class ConsentRefused(val method: ConsentMethod) : EnrollEvent
    data object CaptureRequested : EnrollEvent
    data class CaptureFinished(val member: Int, val finger: Finger, val outcome: CaptureOutcome) : EnrollEvent
    data class ScannerChanged(val status: ScannerStatus) : EnrollEvent
    data class ExceptionChosen(val kind: ExceptionKind, val reason: String) : EnrollEvent
    data class FacePhotoTaken(val member: Int, val photo: FacePhoto) : EnrollEvent
    data class DuplicatesFound(val candidates: List<MemberCandidates>) : EnrollEvent
    data class SamePersonChosen(val member: Int, val personId: String) : EnrollEvent
    data class NotDuplicateChosen(val member: Int) : EnrollEvent
    data class SupervisorPinEntered(val supervisorId: String, val pin: String, val reason: String) : EnrollEvent
    data object SupervisorDismissed : EnrollEvent
    data class SupervisorChecked(val member: Int, val check: SupervisorCheck, val reason: String) : EnrollEvent
    data object SaveRequested : EnrollEvent
    data class Saved(val householdId: String) : EnrollEvent
    data class WorkFailed(val message: Text) : EnrollEvent
    data object Retry : EnrollEvent
    data object Cancel : EnrollEvent
}

/** Work the controller does outside the reducer; each ends in an event. */
sealed interface EnrollEffect {
    data class Capture(val member: Int, val finger: Finger) : EnrollEffect
    data class CheckDuplicates(val submission: HouseholdSubmission) : EnrollEffect
    data class VerifySupervisor(val member: Int, val supervisorId: String, val pin: String, val reason: String) : EnrollEffect
    data class Save(val submission: HouseholdSubmission, val decisions: Map<Int, DuplicateDecision>) : EnrollEffect
    /** Keep the scanner session alive (foreground service) while fingers are taken. */
    data object HoldScanner : EnrollEffect
    data object ReleaseScanner : EnrollEffect
}

data class Transition(val state: EnrollState, val effects: List<EnrollEffect> = emptyList())

/** The enrollment flow as a pure function: the same state and event give the same result. */
class EnrollmentFlow(private val plan: CapturePlan = CapturePlan(), private val today: CalendarDay) {
    private val currentYear = today.year

    fun start(draft: HouseholdDraft = HouseholdDraft()): EnrollState = EnrollState.Form(draft)

    fun reduce(state: EnrollState, event: EnrollEvent): Transition {
        if (event == EnrollEvent.Cancel) return Transition(EnrollState.Cancelled, listOf(EnrollEffect.ReleaseScanner))
        return when (state) {
            is EnrollState.Form -> onForm(state, event)
            is EnrollState.Consent -> onConsent(state, event)
            is EnrollState.Capture -> onCapture(state, event)
            is EnrollState.Checking -> onChecking(state, event)
            is EnrollState.Review -> onReview(state, event)
            is EnrollState.Saving -> onSaving(state, event)
            is EnrollState.Failed -> if (event == EnrollEvent.Retry) retry(state) else Transition(state)
            is EnrollState.Done, EnrollState.Cancelled -> Transition(state)
        }
    }

    private fun onForm(s: EnrollState.Form, event: EnrollEvent): Transition {
        if (event !is EnrollEvent.FormSubmitted) return Transition(s)
        val typed = event.draft
        val draft = typed.copy(
            members = typed.members.map {
                it.copy(givenNames = Validation.clean(it.givenNames), familyName = Validation.clean(it.familyName))
            },
            village = Validation.clean(typed.village),
            site = typed.site.copy(
                cercle = Validation.clean(typed.site.cercle), commune = Validation.clean(typed.site.commune),
                siteName = Validation.clean(typed.site.siteName),
            ),
            origin = typed.origin.copy(cercle = Validation.clean(typed.origin.cercle), commune = Validation.clean(typed.origin.commune)),
            displacement = typed.displacement.copy(otherReason = Validation.clean(typed.displacement.otherReason)),
        )
        val errors = Validation.household(draft, today)
        if (errors.isNotEmpty()) return Transition(EnrollState.Form(draft, errors))
        return nextMember(Enrollment(draft, emptyMap(), currentYear, plan), after = null)
    }

    /** Consent for the next member who gives fingerprints, or the duplicate check when none is left. */
    private fun nextMember(e: Enrollment, after: Int?): Transition {
        val members = e.draft.members
        val start = if (after == null) 0 else members.indexOfFirst { it.number == after } + 1
        val next = members.drop(start).firstOrNull { e.takesFingerprints(it) }
        return if (next != null) {
            Transition(EnrollState.Consent(e, next.number))
        } else {
            Transition(EnrollState.Checking(e), listOf(EnrollEffect.ReleaseScanner, EnrollEffect.CheckDuplicates(e.submission())))
        }
    }

    private fun refuse(e: Enrollment, member: Int, method: ConsentMethod): Transition =
        nextMember(e.with(member, MemberBiometrics(ConsentRecord.Refused(method), emptyMap())), after = member)

    private fun onConsent(s: EnrollState.Consent, event: EnrollEvent): Transition = when (event) {
        is EnrollEvent.ConsentGiven -> {
            val e = s.enrollment.with(s.member, MemberBiometrics(ConsentRecord.Given(event.method)))
            Transition(
                EnrollState.Capture(e, s.member, plan.fingers.first(), feedback = Text(Msg.CAPTURE_PLACE_FINGER)),
                listOf(EnrollEffect.HoldScanner),
            )
        }
        is EnrollEvent.ConsentRefused -> refuse(s.enrollment, s.member, event.method)
        else -> Transition(s)
    }

    private fun onCapture(s: EnrollState.Capture, event: EnrollEvent): Transition = when (event) {
        EnrollEvent.CaptureRequested ->
            if (s.busy) Transition(s)
            else Transition(s.copy(busy = true, feedback = Text(Msg.CAPTURE_PLACE_FINGER)), listOf(EnrollEffect.Capture(s.member, s.finger)))
        is EnrollEvent.CaptureFinished ->
            if (!s.busy || event.member != s.member || event.finger != s.finger) Transition(s)
            else onOutcome(s.copy(busy = false), event.outcome)
        is EnrollEvent.ScannerChanged -> Transition(onScanner(s, event.status))
        is EnrollEvent.ExceptionChosen -> {
            val reason = Validation.clean(event.reason)
            when {
                reason.isEmpty() -> Transition(s.copy(feedback = Text(Msg.ERR_EXCEPTION_REASON)))
                event.kind == ExceptionKind.UNABLE_TO_CAPTURE && !s.unableOffered ->
                    Transition(s.copy(feedback = Text(Msg.ERR_UNABLE_NOT_YET, plan.noFinger.limit)))
                else -> advance(s, FingerResult.Exception(event.kind, reason))
            }
        }
        is EnrollEvent.FacePhotoTaken -> when {
            event.member != s.member -> Transition(s)
            !event.photo.isJpeg() -> Transition(s.copy(feedback = Text(Msg.ERR_PHOTO_NOT_JPEG)))
            else -> {
                val b = s.enrollment.biometrics[s.member] ?: MemberBiometrics()
                Transition(s.copy(enrollment = s.enrollment.with(s.member, b.copy(photo = event.photo)), feedback = Text(Msg.PHOTO_SAVED)))
            }
        }
        // Withdrawn during capture: the fingers already taken are dropped with the consent.
        is EnrollEvent.ConsentRefused -> refuse(s.enrollment, s.member, event.method)
        else -> Transition(s)
    }

    private fun onOutcome(s: EnrollState.Capture, outcome: CaptureOutcome): Transition = when (outcome) {
        is CaptureOutcome.Captured -> {
            val sample = outcome.sample
            val p = s.progress
            val best = if (p.best == null || sample.quality > p.best.quality) sample else p.best
            val progress = FingerProgress(attempts = p.attempts + 1, best = best, noFingerInARow = 0)
            when {
                sample.quality >= plan.goodQuality -> advance(s, FingerResult.Captured(sample))
                progress.attempts >= plan.maxAttempts -> advance(s, FingerResult.Captured(best))
                else -> Transition(
                    s.copy(progress = progress, link = ScannerLink.READY,
                        feedback = Text(Msg.CAPTURE_TRY_AGAIN, sample.quality, plan.maxAttempts - progress.attempts)),
                )
            }
        }
        CaptureOutcome.NoFinger -> {
            val n = s.progress.noFingerInARow + 1
            val limitReached = n >= plan.noFinger.limit
            Transition(
                s.copy(
                    progress = s.progress.copy(noFingerInARow = n),
                    unableOffered = s.unableOffered || limitReached,
                    feedback = if (limitReached) Text(Msg.CAPTURE_NO_FINGER_LIMIT, n) else Text(Msg.CAPTURE_NO_FINGER, n, plan.noFinger.limit),
                ),
            )
        }
        is CaptureOutcome.PoorQuality -> {
            val attempts = s.progress.attempts + 1
            val progress = s.progress.copy(attempts = attempts, noFingerInARow = 0)
            val best = progress.best
            when {
                attempts < plan.maxAttempts -> Transition(
                    s.copy(progress = progress, feedback = Text(Msg.CAPTURE_TRY_AGAIN, outcome.quality, plan.maxAttempts - attempts)),
                )
                best != null -> advance(s, FingerResult.Captured(best))
                else -> Transition(s.copy(progress = progress, unableOffered = true, feedback = Text(Msg.CAPTURE_ATTEMPTS_USED)))
            }
        }
        is CaptureOutcome.BatteryTooLow -> Transition(s.copy(batteryWarning = Text(Msg.BATTERY_TOO_LOW, outcome.percent), feedback = Text(Msg.BATTERY_TOO_LOW, outcome.percent)))
        CaptureOutcome.ScannerLost -> Transition(s.copy(link = ScannerLink.LOST, feedback = Text(Msg.SCANNER_LOST)))
        is CaptureOutcome.Failed -> Transition(s.copy(feedback = failureText(outcome.failure)))
    }

    private fun onScanner(s: EnrollState.Capture, status: ScannerStatus): EnrollState.Capture = when (status) {
        is ScannerStatus.Reconnecting -> s.copy(link = ScannerLink.RECONNECTING, feedback = Text(Msg.SCANNER_RECONNECTING, status.attempt, status.of))
        is ScannerStatus.Connected -> {
            val level = status.level
            val warning = when {
                status.battery == null -> s.batteryWarning
                level == BatteryLevel.OK -> null
                level == BatteryLevel.LOW -> Text(Msg.BATTERY_LOW, status.battery.percent)
                else -> Text(Msg.BATTERY_TOO_LOW, status.battery.percent)
            }
            val feedback = if (s.link != ScannerLink.READY) Text(Msg.SCANNER_RECONNECTED) else s.feedback
            s.copy(link = ScannerLink.READY, batteryWarning = warning, feedback = feedback)
        }
        ScannerStatus.Lost -> s.copy(link = ScannerLink.LOST, feedback = Text(Msg.SCANNER_LOST))
        ScannerStatus.Connecting, ScannerStatus.Disconnected -> s
    }

    /** Records the finger and moves to the next finger, or the next member. */
    private fun advance(s: EnrollState.Capture, result: FingerResult): Transition {
        val b = s.enrollment.biometrics[s.member] ?: MemberBiometrics()
        val e = s.enrollment.with(s.member, b.copy(fingers = b.fingers + (s.finger to result)))
        val nextFinger = plan.fingers.getOrNull(plan.fingers.indexOf(s.finger) + 1)
        return if (nextFinger != null) {
            Transition(
                EnrollState.Capture(e, s.member, nextFinger, link = s.link, batteryWarning = s.batteryWarning,
                    feedback = Text(Msg.CAPTURE_FINGER_DONE)),
            )
        } else {
            nextMember(e, after = s.member)
        }
    }

    private fun onChecking(s: EnrollState.Checking, event: EnrollEvent): Transition = when (event) {
        is EnrollEvent.DuplicatesFound -> {
            // Only members of this household can be decided on; were the core to name another,
            // its save would refuse the missing decision and the operator would see why.
            val numbers = s.enrollment.draft.members.map { it.number }.toSet()
            val found = event.candidates.filter { it.candidates.isNotEmpty() && it.member in numbers }
            if (found.none { it.needsDecision() }) save(s.enrollment, emptyMap())
            else Transition(EnrollState.Review(s.enrollment, found, message = Text(Msg.REVIEW_INTRO)))
        }
        is EnrollEvent.WorkFailed -> Transition(EnrollState.Failed(s.enrollment, event.message, EnrollEffect.CheckDuplicates(s.enrollment.submission())))
        else -> Transition(s)
    }

    private fun onReview(s: EnrollState.Review, event: EnrollEvent): Transition {
        fun candidatesOf(member: Int) = s.candidates.firstOrNull { it.member == member }
        return when (event) {
            is EnrollEvent.SamePersonChosen -> {
                val known = candidatesOf(event.member)?.candidates?.any { it.personId == event.personId } == true
                if (!known) Transition(s)
                else Transition(s.copy(decisions = s.decisions + (event.member to DuplicateDecision.SamePerson(event.personId)), supervisorFor = null, message = null))
            }
            is EnrollEvent.NotDuplicateChosen -> {
                val mc = candidatesOf(event.member) ?: return Transition(s)
                if (mc.needsDecision()) {
                    // Enrolling someone as new when the matcher says they are already enrolled
                    // is how a person gets two rations: only a supervisor may do it.
                    Transition(s.copy(supervisorFor = event.member, message = Text(Msg.REVIEW_SUPERVISOR_REQUIRED)))
                } else {
                    Transition(s.copy(decisions = s.decisions + (event.member to DuplicateDecision.NewPerson), message = null))
                }
            }
            is EnrollEvent.SupervisorPinEntered -> {
                val member = s.supervisorFor ?: return Transition(s)
                val reason = Validation.clean(event.reason)
                val pinError = Validation.pin(event.pin)
                when {
                    event.supervisorId.isBlank() -> Transition(s.copy(message = Text(Msg.ERR_SUPERVISOR_ID)))
                    pinError != null -> Transition(s.copy(message = pinError))
                    reason.isEmpty() -> Transition(s.copy(message = Text(Msg.ERR_OVERRIDE_REASON)))
                    else -> Transition(s, listOf(EnrollEffect.VerifySupervisor(member, event.supervisorId.trim(), event.pin, reason)))
                }
            }
            EnrollEvent.SupervisorDismissed -> Transition(s.copy(supervisorFor = null, message = null))
            is EnrollEvent.SupervisorChecked -> when (val check = event.check) {
                is SupervisorCheck.Approved -> {
                    val top = candidatesOf(event.member)?.candidates?.maxByOrNull { it.score } ?: return Transition(s)
                    val decision = DuplicateDecision.Override(top.personId, check.supervisorId, event.reason)
                    Transition(s.copy(decisions = s.decisions + (event.member to decision), supervisorFor = null, message = Text(Msg.REVIEW_OVERRIDE_RECORDED)))
                }
                SupervisorCheck.NotSupervisor -> Transition(s.copy(message = Text(Msg.ERR_NOT_SUPERVISOR)))
                SupervisorCheck.WrongPin -> Transition(s.copy(message = Text(Msg.ERR_SUPERVISOR_PIN)))
            }
            EnrollEvent.SaveRequested -> {
                val missing = s.undecided()
                if (missing.isNotEmpty()) Transition(s.copy(message = Text(Msg.ERR_DECISIONS_MISSING, missing.size)))
                else save(s.enrollment, s.decisions)
            }
            is EnrollEvent.WorkFailed -> Transition(s.copy(message = event.message))
            else -> Transition(s)
        }
    }

    private fun save(e: Enrollment, decisions: Map<Int, DuplicateDecision>) =
        Transition(EnrollState.Saving(e, decisions), listOf(EnrollEffect.Save(e.submission(), decisions)))

    private fun onSaving(s: EnrollState.Saving, event: EnrollEvent): Transition = when (event) {
        is EnrollEvent.Saved -> Transition(EnrollState.Done(event.householdId, s.enrollment, s.decisions), listOf(EnrollEffect.ReleaseScanner))
        is EnrollEvent.WorkFailed -> Transition(EnrollState.Failed(s.enrollment, event.message, EnrollEffect.Save(s.enrollment.submission(), s.decisions)))
        else -> Transition(s)
    }

    private fun retry(s: EnrollState.Failed): Transition = when (val effect = s.retry) {
        is EnrollEffect.Save -> Transition(EnrollState.Saving(s.enrollment, effect.decisions), listOf(effect))
        else -> Transition(EnrollState.Checking(s.enrollment), listOf(EnrollEffect.CheckDuplicates(s.enrollment.submission())))
    }
}
