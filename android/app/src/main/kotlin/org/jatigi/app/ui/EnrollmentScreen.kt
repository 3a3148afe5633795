package org.jatigi.app.ui

import android.app.Activity
import android.os.Handler
import android.os.Looper
import android.view.View
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.TextView
import org.jatigi.app.files.PhotoCapture
import org.jatigi.app.service.ScannerSessionService
import org.jatigi.field.enrollment.EnrollEvent
import org.jatigi.field.enrollment.EnrollState
import org.jatigi.field.enrollment.EnrollmentController
import org.jatigi.field.enrollment.EnrollmentFlow
import org.jatigi.field.enrollment.ScannerLink
import org.jatigi.field.ports.ConsentMethod
import org.jatigi.field.ports.DisplacementReason
import org.jatigi.field.ports.DuplicateDecision
import org.jatigi.field.ports.ExceptionKind
import org.jatigi.field.ports.FacePhoto
import org.jatigi.field.ports.HouseholdDraft
import org.jatigi.field.ports.MemberDraft
import org.jatigi.field.ports.OriginDraft
import org.jatigi.field.ports.Region
import org.jatigi.field.ports.Relation
import org.jatigi.field.ports.Sex
import org.jatigi.field.ports.SiteDraft
import org.jatigi.field.scanner.QualityFeedback
import org.jatigi.field.scanner.ScannerStatus
import org.jatigi.field.text.Labels
import org.jatigi.field.text.Msg
import org.jatigi.field.validation.Field
import org.jatigi.field.validation.HouseholdForm
import org.jatigi.field.validation.Validation

/**
 * The enrollment of one household: form, consent and capture per member, duplicate review,
 * saving. Every decision is the reducer's (logic module); this screen draws its state and
 * turns taps into events.
 */
class EnrollmentScreen(
    host: ScreenHost,
    prefill: HouseholdDraft?,
    /** Called with the saved household, or null when the enrollment was abandoned. */
    private val onFinished: (EnrollState.Done?) -> Unit,
) : Screen(host) {
    private val flow = EnrollmentFlow(app.settings.capturePlan(), app.today())
    private val controller = EnrollmentController(
        flow, app.registry, app.scanner, app.worker, app.ui,
        holdScanner = { ScannerSessionService.hold(host, it) },
        initial = flow.start(prefill ?: app.settings.newHousehold()),
    ) { state ->
        when (state) {
            is EnrollState.Done -> onFinished(state)
            EnrollState.Cancelled -> onFinished(null)
            else -> {
                if (state is EnrollState.Form) {
                    collect = {} // the reducer's cleaned draft wins over the views
                    draft = state.draft
                }
                if (state is EnrollState.Review && state.supervisorFor == null) {
                    readers.clear() // a finished or dismissed supervisor panel starts empty next time
                    typed.keys.removeAll { it.startsWith("supervisor") }
                }
                refresh()
            }
        }
    }
    private val scannerListener: (ScannerStatus) -> Unit = { controller.dispatch(EnrollEvent.ScannerChanged(it)) }

    // The form being typed: kept here between rebuilds, handed to the reducer on Continue.
    private var draft: HouseholdDraft = (controller.state as? EnrollState.Form)?.draft ?: HouseholdDraft()
    private var collect: () -> Unit = {}
    private var consentMethod = ConsentMethod.VERBAL

    // Live quality, polled from the scanner while the capture screen waits for a finger.
    private val handler = Handler(Looper.getMainLooper())
    private var qualityBar: TextView? = null
    private var polling = false
    private var previewPending = false

    override fun onShow() {
        app.addScannerListener(scannerListener)
        polling = true
        handler.post(::pollQuality)
    }

    override fun onHide() {
        polling = false
        ScannerSessionService.hold(host, false)
        app.removeScannerListener(scannerListener)
    }

    // Text typed outside the form (exception reason, supervisor panel), kept across rebuilds.
    private val typed = HashMap<String, String>()
    private val readers = mutableListOf<() -> Unit>()

    private fun kept(key: String, field: EditText): EditText {
        field.setText(typed[key] ?: "")
        readers += { typed[key] = field.text.toString() }
        return field
    }

    override fun saveInput() {
        collect()
        readers.forEach { it() }
    }

    override fun onBack(): Boolean {
        host.confirm(t(Msg.CONFIRM_CANCEL_ENROLLMENT)) { controller.dispatch(EnrollEvent.Cancel) }
        return true
    }

    private fun pollQuality() {
        if (!polling) return
        val s = controller.state
        if (s is EnrollState.Capture && !s.busy && s.link == ScannerLink.READY && !previewPending) {
            val session = app.scanner
            previewPending = true // never more than one reading queued behind slower work
            app.worker.execute {
                val q = session.previewQuality()
                app.ui.execute {
                    previewPending = false
                    val feedback = QualityFeedback.of(q)
                    qualityBar?.apply {
                        text = feedback.text.render(app.settings.lang)
                        setBackgroundColor(feedback.band.colour)
                    }
                }
            }
        }
        // About every 200 ms, as the scanner's own preview.
        handler.postDelayed(::pollQuality, 250)
    }

    override fun build(): View {
        qualityBar = null
        collect = {}
        readers.clear()
        val col = Ui.column(host)
        when (val s = controller.state) {
            is EnrollState.Form -> form(col, s)
            is EnrollState.Consent -> consent(col, s)
            is EnrollState.Capture -> capture(col, s)
            is EnrollState.Checking -> col.addView(Ui.title(host, t(Msg.CHECKING)))
            is EnrollState.Review -> review(col, s)
            is EnrollState.Saving -> col.addView(Ui.title(host, t(Msg.SAVING)))
            is EnrollState.Failed -> {
                col.addView(Ui.title(host, t(Msg.FAILED_TITLE)))
                col.addView(Ui.text(host, s.message.render(app.settings.lang), Ui.ERROR))
                col.addView(Ui.button(host, t(Msg.RETRY)) { controller.dispatch(EnrollEvent.Retry) }, Ui.wide())
            }
            is EnrollState.Done, EnrollState.Cancelled -> {}
        }
        if (controller.state !is EnrollState.Done && controller.state != EnrollState.Cancelled) {
            col.addView(Ui.button(host, t(Msg.CANCEL)) { onBack() }, Ui.wide())
        }
        return Ui.scroll(col)
    }

    // ---- household form -------------------------------------------------------------

    private fun form(col: LinearLayout, s: EnrollState.Form) {
        val c = host
        val lang = app.settings.lang
        col.addView(Ui.title(c, t(Msg.FORM_TITLE)))
        if (s.errors.isNotEmpty()) col.addView(Ui.text(c, t(Msg.FORM_HAS_ERRORS), Ui.ERROR, bold = true))
        // Household-level errors: those of the site, origin and displacement beside their fields, the rest here.
        val placed = setOf(
            Field.SITE_REGION, Field.SITE_CERCLE, Field.SITE_COMMUNE, Field.SITE_NAME, Field.ORIGIN_REGION,
            Field.ORIGIN_CERCLE, Field.ORIGIN_COMMUNE, Field.VILLAGE, Field.DISPLACED_ON, Field.REASON,
        )
        for (e in s.errors.filter { it.member == 0 && it.field !in placed }) col.addView(Ui.text(c, e.text.render(lang), Ui.ERROR))
        fun errorsOf(vararg fields: Field) {
            for (e in s.errors.filter { it.member == 0 && it.field in fields }) col.addView(Ui.text(c, e.text.render(lang), Ui.ERROR))
        }
        val regions = Region.entries.map { it to t(Labels.region(it)) }
        val site = Ui.field(c, t(Msg.FORM_SITE), draft.siteCode, Ui.PLAIN)
        col.addView(site, Ui.wide())

        // The site: prefilled from the settings (the day's site), editable for this household.
        col.addView(Ui.text(c, t(Msg.FORM_SITE_SECTION), bold = true))
        errorsOf(Field.SITE_REGION, Field.SITE_CERCLE, Field.SITE_COMMUNE, Field.SITE_NAME)
        col.addView(Ui.text(c, t(Msg.FORM_REGION)))
        val siteRegion = Ui.dropdown(c, t(Msg.FORM_REGION_NONE), regions, draft.site.region)
        col.addView(siteRegion.view, Ui.wide())
        val siteCercle = Ui.field(c, t(Msg.FORM_CERCLE), draft.site.cercle)
        val siteCommune = Ui.field(c, t(Msg.FORM_COMMUNE), draft.site.commune)
        val siteName = Ui.field(c, t(Msg.FORM_SITE_NAME), draft.site.siteName)
        listOf(siteCercle, siteCommune, siteName).forEach { col.addView(it, Ui.wide()) }

        // Where the household comes from.
        col.addView(Ui.text(c, t(Msg.FORM_ORIGIN_SECTION), bold = true))
        errorsOf(Field.ORIGIN_REGION, Field.ORIGIN_CERCLE, Field.ORIGIN_COMMUNE, Field.VILLAGE)
        col.addView(Ui.text(c, t(Msg.FORM_REGION)))
        val originRegion = Ui.dropdown(c, t(Msg.FORM_REGION_NONE), regions, draft.origin.region)
        col.addView(originRegion.view, Ui.wide())
        col.addView(Ui.text(c, t(Msg.FORM_ORIGIN_OPTIONAL)))
        val originCercle = Ui.field(c, t(Msg.FORM_CERCLE), draft.origin.cercle)
        val originCommune = Ui.field(c, t(Msg.FORM_COMMUNE), draft.origin.commune)
        val village = Ui.field(c, t(Msg.FORM_VILLAGE), draft.village)
        listOf(originCercle, originCommune, village).forEach { col.addView(it, Ui.wide()) }

        // When and why it left.
        col.addView(Ui.text(c, t(Msg.FORM_DISPLACEMENT_SECTION), bold = true))
        errorsOf(Field.DISPLACED_ON, Field.REASON)
        val moved = draft.displacement
        val movedYear = Ui.field(c, t(Msg.FORM_DISPLACED_YEAR), moved.year?.toString() ?: "", Ui.NUMBER)
        val movedMonth = Ui.field(c, t(Msg.FORM_DISPLACED_MONTH), moved.month?.toString() ?: "", Ui.NUMBER)
        val movedDay = Ui.field(c, t(Msg.FORM_DISPLACED_DAY), moved.day?.toString() ?: "", Ui.NUMBER)
        col.addView(movedYear, Ui.wide())
        col.addView(Ui.panes(c, movedMonth, movedDay))
        col.addView(Ui.text(c, t(Msg.FORM_REASON)))
        val reasons = DisplacementReason.entries.map { it to t(Labels.reason(it)) }
        col.addView(Ui.choices(c, reasons, moved.reason) { r ->
            collect()
            draft = draft.copy(displacement = draft.displacement.copy(reason = r))
            formChanged()
        }, Ui.wide())
        val otherReason = if (moved.reason == DisplacementReason.OTHER) {
            Ui.field(c, t(Msg.FORM_REASON_OTHER), moved.otherReason, Ui.PLAIN).also { col.addView(it, Ui.wide()) }
        } else {
            null
        }
        val readHousehold = { d: HouseholdDraft ->
            d.copy(
                siteCode = site.text.toString().trim(),
                village = village.text.toString(),
                site = SiteDraft(siteRegion.read(), siteCercle.text.toString(), siteCommune.text.toString(), siteName.text.toString()),
                origin = OriginDraft(originRegion.read(), originCercle.text.toString(), originCommune.text.toString()),
                displacement = d.displacement.copy(
                    year = Validation.wholeNumber(movedYear.text.toString()),
                    month = Validation.wholeNumber(movedMonth.text.toString()),
                    day = Validation.wholeNumber(movedDay.text.toString()),
                    otherReason = otherReason?.text?.toString() ?: d.displacement.otherReason,
                ),
            )
        }
        val readers = mutableListOf<() -> MemberDraft>()
        for (m in draft.members) {
            col.addView(Ui.text(c, t(Msg.FORM_MEMBER, m.number), bold = true))
            for (e in s.errors.filter { it.member == m.number }) col.addView(Ui.text(c, e.text.render(lang), Ui.ERROR))
            val given = Ui.field(c, t(Msg.FORM_GIVEN_NAMES), m.givenNames)
            val family = Ui.field(c, t(Msg.FORM_FAMILY_NAME), m.familyName)
            val year = Ui.field(c, t(Msg.FORM_BIRTH_YEAR), m.birthYear?.toString() ?: "", Ui.NUMBER)
            val age = Ui.field(c, t(Msg.FORM_AGE), m.estimatedAge?.toString() ?: "", Ui.NUMBER)
            val phone = Ui.field(c, t(Msg.FORM_PHONE), m.phone, Ui.PHONE)
            val read = { current: MemberDraft ->
                current.copy(
                    givenNames = given.text.toString(), familyName = family.text.toString(),
                    birthYear = Validation.wholeNumber(year.text.toString()),
                    estimatedAge = Validation.wholeNumber(age.text.toString()), phone = phone.text.toString(),
                )
            }
            readers += { read(draft.members.first { it.number == m.number }) }
            listOf(given, family).forEach { col.addView(it, Ui.wide()) }
            col.addView(Ui.choices(c, listOf(Sex.FEMALE to t(Msg.SEX_FEMALE), Sex.MALE to t(Msg.SEX_MALE)), m.sex) { sex ->
                edit(m.number) { it.copy(sex = sex) }
            }, Ui.wide())
            col.addView(Ui.panes(c, year, age))
            col.addView(phone, Ui.wide())
            col.addView(Ui.text(c, t(Msg.FORM_RELATION)))
            val relations = Relation.entries.map { it to t(Labels.relation(it)) }
            col.addView(Ui.choices(c, relations, m.relation) { r -> edit(m.number) { it.copy(relation = r) } }, Ui.wide())
            if (draft.members.size > 1) {
                col.addView(Ui.button(c, t(Msg.FORM_REMOVE_MEMBER)) {
                    collect()
                    draft = HouseholdForm.removeMember(draft, m.number)
                    formChanged()
                }, Ui.wide())
            }
        }
        collect = {
            val members = readers.map { it() }
            draft = readHousehold(draft).copy(members = members)
        }
        col.addView(Ui.button(c, t(Msg.FORM_ADD_MEMBER), enabled = draft.members.size < Validation.MAX_MEMBERS) {
            collect()
            draft = HouseholdForm.addMember(draft)
            formChanged()
        }, Ui.wide())
        col.addView(Ui.button(c, t(Msg.FORM_CONTINUE)) {
            collect()
            controller.dispatch(EnrollEvent.FormSubmitted(draft))
        }, Ui.wide())
    }

    private fun edit(number: Int, change: (MemberDraft) -> MemberDraft) {
        collect()
        draft = HouseholdForm.changeMember(draft, number, change)
        formChanged()
    }

    /** Redraws the form from [draft] after it was changed directly: the old views are not read again. */
    private fun formChanged() {
        collect = {}
        refresh()
    }

    // ---- consent -------------------------------------------------------------------

    private fun consent(col: LinearLayout, s: EnrollState.Consent) {
        val c = host
        col.addView(Ui.title(c, t(Msg.CONSENT_TITLE, s.enrollment.member(s.member).displayName())))
        col.addView(Ui.text(c, t(Msg.CONSENT_NOTICE)))
        col.addView(Ui.text(c, t(Msg.CONSENT_METHOD), bold = true))
        val methods = listOf(
            ConsentMethod.VERBAL to t(Msg.METHOD_VERBAL),
            ConsentMethod.SIGNED to t(Msg.METHOD_SIGNED),
            ConsentMethod.THUMBPRINT to t(Msg.METHOD_THUMBPRINT),
        )
        col.addView(Ui.choices(c, methods, consentMethod) {
            consentMethod = it
            refresh()
        }, Ui.wide())
        col.addView(Ui.panes(c,
            Ui.button(c, t(Msg.CONSENT_GIVE)) { controller.dispatch(EnrollEvent.ConsentGiven(consentMethod)) },
            Ui.button(c, t(Msg.CONSENT_REFUSE)) { controller.dispatch(EnrollEvent.ConsentRefused(consentMethod)) },
        ))
    }

    // ---- capture -------------------------------------------------------------------

    private fun capture(col: LinearLayout, s: EnrollState.Capture) {
        val c = host
        val lang = app.settings.lang
        val name = s.enrollment.member(s.member).displayName()
        col.addView(Ui.title(c, t(Msg.CAPTURE_TITLE, name, t(Labels.finger(s.finger)))))
        val left = Ui.column(c).apply { setPadding(0, 0, Ui.dp(c, 12), 0) }
        val right = Ui.column(c).apply { setPadding(0, 0, 0, 0) }
        val plan = app.settings.capturePlan()
        left.addView(Ui.text(c, t(Msg.CAPTURE_ATTEMPT, minOf(s.progress.attempts + 1, plan.maxAttempts), plan.maxAttempts)))
        val initial = QualityFeedback.of(null)
        val bar = Ui.bar(c, initial.text.render(lang), initial.band.colour)
        qualityBar = bar
        left.addView(bar, Ui.wide())
        s.feedback?.let { left.addView(Ui.text(c, it.render(lang), bold = true)) }
        s.batteryWarning?.let { left.addView(Ui.text(c, it.render(lang), Ui.WARN, bold = true)) }
        if (s.link != ScannerLink.READY) left.addView(Ui.text(c, scannerText(this, app.scanner.status), Ui.ERROR))

        right.addView(Ui.button(c, t(Msg.CAPTURE_BUTTON), enabled = !s.busy) { controller.dispatch(EnrollEvent.CaptureRequested) }, Ui.wide())
        right.addView(Ui.text(c, t(Msg.CAPTURE_EXCEPTION), bold = true))
        val reason: EditText = kept("reason-${s.member}-${s.finger}", Ui.field(c, t(Msg.CAPTURE_REASON), "", Ui.PLAIN))
        right.addView(reason, Ui.wide())
        for (kind in ExceptionKind.entries) {
            val enabled = !s.busy && (kind != ExceptionKind.UNABLE_TO_CAPTURE || s.unableOffered)
            right.addView(Ui.button(c, t(Labels.exception(kind)), enabled) {
                controller.dispatch(EnrollEvent.ExceptionChosen(kind, reason.text.toString()))
            }, Ui.wide())
        }
        right.addView(Ui.button(c, t(Msg.CAPTURE_FACE_PHOTO), enabled = !s.busy) { facePhoto(s.member) }, Ui.wide())
        right.addView(Ui.button(c, t(Msg.CAPTURE_WITHDRAW)) {
            host.confirm(t(Msg.CAPTURE_WITHDRAW) + " ?") { controller.dispatch(EnrollEvent.ConsentRefused(ConsentMethod.VERBAL)) }
        }, Ui.wide())
        col.addView(Ui.panes(c, left, right))
    }

    /** The system camera app takes the photo; it is read once from the private cache and deleted. */
    private fun facePhoto(member: Int) {
        host.launch(PhotoCapture.intent(host)) { result, _ ->
            val jpeg = if (result == Activity.RESULT_OK) PhotoCapture.take(host) else null
            if (jpeg != null) controller.dispatch(EnrollEvent.FacePhotoTaken(member, FacePhoto(jpeg)))
        }
    }

    // ---- duplicate review ------------------------------------------------------------

    private fun review(col: LinearLayout, s: EnrollState.Review) {
        val c = host
        val lang = app.settings.lang
        col.addView(Ui.title(c, t(Msg.REVIEW_TITLE)))
        s.message?.let { col.addView(Ui.text(c, it.render(lang), if (it.msg.name.startsWith("ERR_")) Ui.ERROR else Ui.INK, bold = true)) }
        for (mc in s.candidates) {
            val member = s.enrollment.member(mc.member)
            col.addView(Ui.text(c, t(Msg.REVIEW_MEMBER, mc.member, member.displayName()), bold = true))
            for (candidate in mc.candidates) {
                col.addView(Ui.text(c, t(Msg.REVIEW_CANDIDATE, candidate.displayName, candidate.personId, candidate.score)))
                col.addView(Ui.button(c, t(Msg.REVIEW_SAME_PERSON)) {
                    controller.dispatch(EnrollEvent.SamePersonChosen(mc.member, candidate.personId))
                }, Ui.wide())
            }
            col.addView(Ui.button(c, t(Msg.REVIEW_NOT_DUPLICATE)) { controller.dispatch(EnrollEvent.NotDuplicateChosen(mc.member)) }, Ui.wide())
            when (val d = s.decisions[mc.member]) {
                is DuplicateDecision.SamePerson -> col.addView(Ui.text(c, t(Msg.REVIEW_DECIDED_SAME, d.personId), Ui.OK))
                DuplicateDecision.NewPerson -> col.addView(Ui.text(c, t(Msg.REVIEW_DECIDED_NEW), Ui.OK))
                is DuplicateDecision.Override -> col.addView(Ui.text(c, t(Msg.REVIEW_DECIDED_OVERRIDE, d.supervisorId), Ui.OK))
                null -> {}
            }
            if (s.supervisorFor == mc.member) supervisorPanel(col)
        }
        col.addView(Ui.button(c, t(Msg.REVIEW_SAVE), enabled = s.supervisorFor == null) { controller.dispatch(EnrollEvent.SaveRequested) }, Ui.wide())
    }

    private fun supervisorPanel(col: LinearLayout) {
        val c = host
        val id = kept("supervisor-id", Ui.field(c, t(Msg.REVIEW_SUPERVISOR_ID), "", Ui.PLAIN))
        val pin = kept("supervisor-pin", Ui.field(c, t(Msg.REVIEW_SUPERVISOR_PIN), "", Ui.PIN))
        val reason = kept("supervisor-reason", Ui.field(c, t(Msg.REVIEW_OVERRIDE_REASON), "", Ui.PLAIN))
        listOf(id, pin, reason).forEach { col.addView(it, Ui.wide()) }
        col.addView(Ui.panes(c,
            Ui.button(c, t(Msg.REVIEW_CONFIRM_OVERRIDE)) {
                controller.dispatch(EnrollEvent.SupervisorPinEntered(id.text.toString(), pin.text.toString(), reason.text.toString()))
            },
            Ui.button(c, t(Msg.CANCEL)) { controller.dispatch(EnrollEvent.SupervisorDismissed) },
        ))
    }
}
