package org.jatigi.app.intentapi

import android.app.Activity
import android.content.Intent
import android.os.Bundle
import android.view.View
import org.jatigi.app.ui.EnrollmentScreen
import org.jatigi.app.ui.LoginScreen
import org.jatigi.app.ui.Screen
import org.jatigi.app.ui.ScreenHost
import org.jatigi.app.ui.Ui
import org.jatigi.field.intentapi.IntentApi
import org.jatigi.field.intentapi.IntentOutcome
import org.jatigi.field.intentapi.IntentRequest
import org.jatigi.field.intentapi.IntentRequests
import org.jatigi.field.intentapi.IntentResults
import org.jatigi.field.intentapi.ParseResult
import org.jatigi.field.ports.DuplicateDecision
import org.jatigi.field.ports.Finger
import org.jatigi.field.ports.FingerSample
import org.jatigi.field.ports.MemberDraft
import org.jatigi.field.ports.Relation
import org.jatigi.field.scanner.CaptureOutcome
import org.jatigi.field.scanner.QualityFeedback
import org.jatigi.field.scanner.outcomeText
import org.jatigi.field.text.Labels
import org.jatigi.field.text.Msg
import org.jatigi.field.text.Text

/**
 * Register, identify or verify a person for another app (ODK Collect, CommCare, KoBo…),
 * and hand the result back as extras. The request's extras are parsed and checked by the
 * logic module; see docs/android-intent-api.md.
 */
class IntentApiActivity : ScreenHost() {
    private lateinit var parsed: ParseResult

    override fun onCreate(savedInstanceState: Bundle?) {
        parsed = IntentRequests.parse(intent.action, extrasOf(intent), (application as org.jatigi.app.JatigiApp).currentYear())
        super.onCreate(savedInstanceState)
    }

    @Suppress("DEPRECATION")
    private fun extrasOf(intent: Intent): Map<String, Any?> {
        val b = intent.extras ?: return emptyMap()
        return b.keySet().associateWith { b.get(it) }
    }

    override fun firstScreen(): Screen {
        val request = (parsed as? ParseResult.Ok)?.request ?: return RefusedScreen(this, (parsed as ParseResult.Refused).error.code)
        val work = { workScreen(request) }
        return if (app.operator == null) LoginScreen(this) { show(work()) } else work()
    }

    private fun workScreen(request: IntentRequest): Screen = when (request) {
        is IntentRequest.Register -> {
            val head = MemberDraft(1, request.givenNames, request.familyName, request.sex, request.birthYear, relation = Relation.HEAD, phone = request.phone)
            EnrollmentScreen(this, app.settings.newHousehold().copy(members = listOf(head))) { done ->
                if (done == null) return@EnrollmentScreen finishWith(IntentOutcome.Cancelled)
                val duplicateOf = (done.decisions[1] as? DuplicateDecision.SamePerson)?.personId
                app.worker.execute {
                    val outcome = try {
                        IntentOutcome.Registered(app.registry.personId(done.householdId, 1), done.householdId, duplicateOf)
                    } catch (_: RuntimeException) {
                        IntentOutcome.Error("core")
                    }
                    app.ui.execute { finishWith(outcome) }
                }
            }
        }
        is IntentRequest.Identify, is IntentRequest.Verify -> CalloutCaptureScreen(this, request)
    }

    fun finishWith(outcome: IntentOutcome) {
        val (named, single) = IntentResults.extras(outcome)
        val data = Intent()
        named.forEach { (k, v) -> data.putExtra(k, v) }
        data.putExtra(IntentApi.ODK_VALUE, single)
        data.putExtra(IntentApi.COMMCARE_DATA, single)
        data.putExtra(IntentApi.COMMCARE_BUNDLE, Bundle().apply { named.forEach { (k, v) -> putString(k, v) } })
        setResult(if (outcome == IntentOutcome.Cancelled) Activity.RESULT_CANCELED else Activity.RESULT_OK, data)
        finish()
    }

    @Deprecated("framework callback")
    @Suppress("DEPRECATION")
    override fun onBackPressed() {
        finishWith(IntentOutcome.Cancelled)
    }
}

/** A request that could not be accepted: say why, then go back with the error code. */
private class RefusedScreen(private val activity: IntentApiActivity, private val code: String) : Screen(activity) {
    override fun build(): View {
        val col = Ui.column(host)
        col.addView(Ui.title(host, t(Msg.INTENT_REFUSED, code)))
        col.addView(Ui.button(host, t(Msg.INTENT_RETURN, t(Msg.INTENT_OTHER_APP))) { activity.finishWith(IntentOutcome.Error(code)) }, Ui.wide())
        return Ui.scroll(col)
    }
}

/** Identify or verify: take the two thumbs, then ask the core. */
private class CalloutCaptureScreen(private val activity: IntentApiActivity, private val request: IntentRequest) : Screen(activity) {
    private val fingers = listOf(Finger.LEFT_THUMB, Finger.RIGHT_THUMB)
    private val samples = LinkedHashMap<Finger, FingerSample>()
    private var index = 0
    private var busy = false
    private var message: Text? = null

    private fun caller() = request.caller.ifEmpty { t(Msg.INTENT_OTHER_APP) }

    override fun build(): View {
        val c = host
        val col = Ui.column(c)
        val heading = when (request) {
            is IntentRequest.Verify -> t(Msg.INTENT_VERIFY, caller(), request.personId)
            else -> t(Msg.INTENT_IDENTIFY, caller())
        }
        col.addView(Ui.title(c, heading))
        val finger = fingers.getOrNull(index)
        if (finger != null) {
            col.addView(Ui.text(c, t(Labels.finger(finger)), bold = true))
            message?.let { col.addView(Ui.text(c, it.render(app.settings.lang), bold = true)) }
            col.addView(Ui.button(c, t(Msg.CAPTURE_BUTTON), enabled = !busy) { capture(finger) }, Ui.wide())
            col.addView(Ui.button(c, t(Msg.CAPTURE_EXCEPTION), enabled = !busy) {
                index++
                refresh()
                if (index >= fingers.size) decide()
            }, Ui.wide())
        } else {
            col.addView(Ui.text(c, t(if (request is IntentRequest.Verify) Msg.INTENT_COMPARING else Msg.INTENT_SEARCHING)))
            message?.let { col.addView(Ui.text(c, it.render(app.settings.lang), Ui.ERROR)) }
        }
        col.addView(Ui.button(c, t(Msg.CANCEL)) { activity.finishWith(IntentOutcome.Cancelled) }, Ui.wide())
        return Ui.scroll(col)
    }

    private fun capture(finger: Finger) {
        busy = true
        refresh()
        val session = app.scanner
        app.worker.execute {
            val outcome = session.capture(finger)
            app.ui.execute {
                busy = false
                if (outcome is CaptureOutcome.Captured) {
                    samples[finger] = outcome.sample
                    message = QualityFeedback.of(outcome.sample.quality).text
                    index++
                } else {
                    message = outcomeText(outcome)
                }
                refresh()
                if (index >= fingers.size) decide()
            }
        }
    }

    private fun decide() {
        if (samples.isEmpty()) return activity.finishWith(IntentOutcome.Error("no_fingerprint"))
        val taken = samples.toMap()
        app.worker.execute {
            val outcome = try {
                when (request) {
                    is IntentRequest.Verify -> IntentOutcome.Verified(request.personId, app.registry.verify(request.personId, taken))
                    else -> IntentOutcome.Identified(app.registry.identify(taken))
                }
            } catch (_: RuntimeException) {
                IntentOutcome.Error("core")
            }
            app.ui.execute { activity.finishWith(outcome) }
        }
    }
}
