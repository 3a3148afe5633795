package org.jatigi.field.enrollment

import java.util.concurrent.Executor
import org.jatigi.field.ports.RegistryPort
import org.jatigi.field.scanner.CaptureOutcome
import org.jatigi.field.scanner.ScannerSession
import org.jatigi.field.text.Msg
import org.jatigi.field.text.Text

/**
 * Runs the enrollment flow: events are reduced on [ui] (the main thread on the tablet), and
 * the effects (scanner, duplicate check, saving) run on [worker], each ending in an event.
 * In tests both executors run inline.
 */
class EnrollmentController(
    private val flow: EnrollmentFlow,
    private val registry: RegistryPort,
    private val scanner: ScannerSession,
    private val worker: Executor,
    private val ui: Executor,
    /** Starts or stops the foreground service that keeps the scanner link alive. */
    private val holdScanner: (Boolean) -> Unit = {},
    /** Where the flow starts: an empty form, or one filled by another app's request. */
    initial: EnrollState = flow.start(),
    private val onState: (EnrollState) -> Unit,
) {
    @Volatile
    var state: EnrollState = initial
        private set

    fun dispatch(event: EnrollEvent) = ui.execute { apply(event) }

    private fun apply(event: EnrollEvent) {
        val t = flow.reduce(state, event)
        state = t.state
        onState(t.state)
        t.effects.forEach(::run)
    }

    private fun run(effect: EnrollEffect) {
        when (effect) {
            EnrollEffect.HoldScanner -> holdScanner(true)
            EnrollEffect.ReleaseScanner -> holdScanner(false)
            is EnrollEffect.Capture -> work {
                val outcome = try {
                    scanner.capture(effect.finger)
                } catch (e: RuntimeException) {
                    CaptureOutcome.Failed(org.jatigi.field.ports.ScannerFailure.Other(e.message ?: e.javaClass.simpleName))
                }
                EnrollEvent.CaptureFinished(effect.member, effect.finger, outcome)
            }
            is EnrollEffect.CheckDuplicates -> work { EnrollEvent.DuplicatesFound(registry.checkDuplicates(effect.submission)) }
            is EnrollEffect.VerifySupervisor -> work {
                EnrollEvent.SupervisorChecked(effect.member, registry.verifySupervisor(effect.supervisorId, effect.pin), effect.reason)
            }
            is EnrollEffect.Save -> work { EnrollEvent.Saved(registry.save(effect.submission, effect.decisions)) }
        }
    }

    /** Runs [block] on the worker; a failure of the core comes back as [EnrollEvent.WorkFailed]. */
    private fun work(block: () -> EnrollEvent) = worker.execute {
        val event = try {
            block()
        } catch (e: RuntimeException) {
            EnrollEvent.WorkFailed(Text(Msg.ERR_CORE, e.message ?: e.javaClass.simpleName))
        }
        dispatch(event)
    }
}
