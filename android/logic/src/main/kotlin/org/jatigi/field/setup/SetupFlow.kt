package org.jatigi.field.setup

import org.jatigi.field.ports.SetupPort
import org.jatigi.field.text.Msg
import org.jatigi.field.text.Text
import org.jatigi.field.validation.Validation

/** The setup screen's pages, in order; [DONE] once everything is written. */
enum class SetupStep { DEVICE, SUPERVISOR, PROGRAMME, KEYRING, CONFIRM, DONE }

/**
 * What the setup screen shows. The PIN is not part of it (kept by [SetupFlow] only, never
 * shown again or printed). [deviceFile] is the device file (JSON) for the hub, once done.
 */
data class SetupState(
    val step: SetupStep = SetupStep.DEVICE,
    val deviceId: String = "",
    val supervisorId: String = "",
    val supervisorName: String = "",
    /** Normalised (no spaces, lower case) once accepted. */
    val programmeKey: String = "",
    /** Empty: no key ring. */
    val keyRing: String = "",
    val message: Text? = null,
    val deviceFile: String? = null,
) {
    /** 1-based page number for "Step n of [TOTAL]". */
    val number: Int get() = minOf(step.ordinal + 1, TOTAL)

    companion object {
        /** Pages before [SetupStep.DONE]. */
        const val TOTAL = 5
    }
}

/**
 * First-run setup of a new tablet: the tablet's id, the first supervisor, the programme
 * key for packet export, the optional card key ring; then a confirmation page. Nothing
 * goes to [port] before [confirm]; there the writes run in order (store, supervisor,
 * provisioning, key ring, then [SetupPort.finish]). A write that fails leaves the flow on
 * the confirmation page with the port's message; [confirm] again retries from the write
 * that failed (what succeeded is not done twice). Pages whose data is written can no
 * longer be changed: [back] stops at the first page not written yet.
 *
 * Not thread-safe: the screen calls it from one thread at a time ([confirm] off the main
 * thread, since the core's writes take a second or two).
 */
class SetupFlow(private val port: SetupPort) {
    var state = SetupState()
        private set

    private var pin = ""

    private enum class Write { STORE, SUPERVISOR, PROVISION, KEYRING, FINISH }

    private val written = mutableSetOf<Write>()

    /** The first page that may still be edited. */
    private val firstEditable: SetupStep
        get() = when {
            Write.PROVISION in written -> SetupStep.KEYRING
            Write.SUPERVISOR in written -> SetupStep.PROGRAMME
            Write.STORE in written -> SetupStep.SUPERVISOR
            else -> SetupStep.DEVICE
        }

    fun submitDevice(deviceId: String): SetupState {
        if (!editing(SetupStep.DEVICE)) return state
        val id = deviceId.trim()
        state = if (!Validation.code(id)) {
            state.copy(deviceId = id, message = Text(Msg.ERR_DEVICE_ID))
        } else {
            state.copy(deviceId = id, step = SetupStep.SUPERVISOR, message = null)
        }
        return state
    }

    fun submitSupervisor(operatorId: String, name: String, pin: String, pinAgain: String): SetupState {
        if (!editing(SetupStep.SUPERVISOR)) return state
        val (id, cleanName, error) = Validation.newOperator(operatorId, name, pin, pinAgain)
        state = state.copy(supervisorId = id, supervisorName = cleanName, message = error)
        if (error == null) {
            this.pin = pin
            state = state.copy(step = SetupStep.PROGRAMME)
        }
        return state
    }

    fun submitProgrammeKey(key: String): SetupState {
        if (!editing(SetupStep.PROGRAMME)) return state
        val normalised = Validation.programmeKey(key)
        state = if (normalised == null) {
            state.copy(
                programmeKey = key.trim(),
                message = Text(Msg.ERR_PROGRAMME_KEY, key.count { !it.isWhitespace() }),
            )
        } else {
            state.copy(programmeKey = normalised, step = SetupStep.KEYRING, message = null)
        }
        return state
    }

    /** The key ring JSON, or blank for none; the core checks it at [confirm]. */
    fun submitKeyRing(json: String): SetupState {
        if (!editing(SetupStep.KEYRING)) return state
        state = state.copy(keyRing = json.trim(), step = SetupStep.CONFIRM, message = null)
        return state
    }

    /** One page back; false (nothing changes) on the first page, after setup, or on a page already written. */
    fun back(): Boolean {
        val s = state.step
        if (s == SetupStep.DONE || s.ordinal <= firstEditable.ordinal) return false
        state = state.copy(step = SetupStep.entries[s.ordinal - 1], message = null)
        return true
    }

    /** Writes everything, in order; on a failure stays on the confirmation page with the message. */
    fun confirm(): SetupState {
        if (state.step != SetupStep.CONFIRM) return state
        val s = state
        var deviceFile = s.deviceFile
        try {
            if (Write.STORE !in written) {
                port.createStore(s.deviceId)
                written += Write.STORE
            }
            if (Write.SUPERVISOR !in written) {
                port.addFirstSupervisor(s.supervisorId, s.supervisorName, pin)
                written += Write.SUPERVISOR
            }
            if (Write.PROVISION !in written) {
                deviceFile = port.provisionDevice(s.programmeKey)
                written += Write.PROVISION
                state = state.copy(deviceFile = deviceFile)
            }
            if (Write.KEYRING !in written) {
                if (s.keyRing.isNotEmpty()) port.saveKeyRing(s.keyRing)
                written += Write.KEYRING
            }
            port.finish(s.deviceId)
            written += Write.FINISH
        } catch (e: Exception) {
            state = state.copy(message = Text(Msg.SETUP_FAILED, e.message ?: e.javaClass.simpleName))
            return state
        }
        pin = ""
        state = state.copy(step = SetupStep.DONE, deviceFile = deviceFile, message = null)
        return state
    }

    private fun editing(step: SetupStep): Boolean = state.step == step
}
