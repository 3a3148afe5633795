package org.jatigi.app.ui

import android.app.Activity
import android.view.View
import android.widget.EditText
import android.widget.TextView
import org.jatigi.app.CoreGlue
import org.jatigi.app.files.SafFileSink
import org.jatigi.field.setup.SetupFlow
import org.jatigi.field.setup.SetupState
import org.jatigi.field.setup.SetupStep
import org.jatigi.field.text.Msg

/**
 * First-run setup of a new tablet (shown by [MainActivity] while the tablet has no device
 * id): the pages of [SetupFlow], the writes on a worker thread at confirm, then the device
 * file for the hub, which the data manager saves through the system file picker.
 */
class SetupScreen(host: ScreenHost, private val onDone: () -> Unit) : Screen(host) {
    private val flow = SetupFlow(CoreGlue.setup(app))
    private var busy = false
    private var fileMessage: String? = null

    /** What was typed on the current page (not the PINs), kept across rebuilds. */
    private val typed = HashMap<String, String>()
    private var fields: Map<String, EditText> = emptyMap()

    override fun saveInput() {
        fields.forEach { (k, v) -> if (k != PIN && k != PIN_AGAIN) typed[k] = v.text.toString() }
    }

    override fun onBack(): Boolean {
        if (busy) return true
        saveInput()
        // On the first page (or once set up) Back leaves the app as usual.
        if (!flow.back()) return flow.state.step == SetupStep.DONE
        refresh()
        return true
    }

    private fun field(key: String, hint: String, initial: String, type: Int, multiLine: Boolean = false): EditText {
        val f = Ui.field(host, hint, typed[key] ?: initial, type)
        if (multiLine) {
            f.isSingleLine = false
            f.minLines = 3
            f.maxLines = 8
        }
        return f
    }

    override fun build(): View {
        val c = host
        val col = Ui.column(c)
        val s = flow.state
        col.addView(Ui.title(c, t(Msg.SETUP_TITLE)))
        if (s.step != SetupStep.DONE) col.addView(Ui.text(c, t(Msg.SETUP_STEP, s.number, SetupState.TOTAL)))
        val page = HashMap<String, EditText>()
        fun add(key: String, f: EditText) {
            page[key] = f
            col.addView(f, Ui.wide())
        }
        var next: (() -> Unit)? = null
        when (s.step) {
            SetupStep.DEVICE -> {
                col.addView(Ui.text(c, t(Msg.SETUP_DEVICE_INTRO)))
                add(DEVICE, field(DEVICE, t(Msg.SETUP_DEVICE_ID), s.deviceId, Ui.PLAIN or android.text.InputType.TYPE_TEXT_FLAG_CAP_CHARACTERS))
                next = { flow.submitDevice(page.getValue(DEVICE).text.toString()) }
            }
            SetupStep.SUPERVISOR -> {
                col.addView(Ui.text(c, t(Msg.SETUP_SUPERVISOR_INTRO)))
                add(SUPERVISOR, field(SUPERVISOR, t(Msg.SETUP_SUPERVISOR_ID), s.supervisorId, Ui.PLAIN or android.text.InputType.TYPE_TEXT_FLAG_CAP_CHARACTERS))
                add(NAME, field(NAME, t(Msg.SETUP_SUPERVISOR_NAME), s.supervisorName, android.text.InputType.TYPE_CLASS_TEXT or android.text.InputType.TYPE_TEXT_FLAG_CAP_WORDS))
                add(PIN, Ui.field(c, t(Msg.SETUP_PIN), "", Ui.PIN))
                add(PIN_AGAIN, Ui.field(c, t(Msg.SETUP_PIN_AGAIN), "", Ui.PIN))
                next = {
                    flow.submitSupervisor(
                        page.getValue(SUPERVISOR).text.toString(),
                        page.getValue(NAME).text.toString(),
                        page.getValue(PIN).text.toString(),
                        page.getValue(PIN_AGAIN).text.toString(),
                    )
                }
            }
            SetupStep.PROGRAMME -> {
                col.addView(Ui.text(c, t(Msg.SETUP_PROGRAMME_INTRO)))
                add(PROGRAMME, field(PROGRAMME, t(Msg.SETUP_PROGRAMME_KEY), s.programmeKey, Ui.PLAIN or android.text.InputType.TYPE_TEXT_FLAG_NO_SUGGESTIONS, multiLine = true))
                next = { flow.submitProgrammeKey(page.getValue(PROGRAMME).text.toString()) }
            }
            SetupStep.KEYRING -> {
                col.addView(Ui.text(c, t(Msg.SETUP_KEYRING_INTRO)))
                add(KEYRING, field(KEYRING, t(Msg.SETUP_KEYRING), s.keyRing, Ui.PLAIN or android.text.InputType.TYPE_TEXT_FLAG_NO_SUGGESTIONS, multiLine = true))
                next = { flow.submitKeyRing(page.getValue(KEYRING).text.toString()) }
            }
            SetupStep.CONFIRM -> {
                col.addView(Ui.text(c, t(Msg.SETUP_CONFIRM_INTRO)))
                col.addView(Ui.text(c, t(Msg.SETUP_SUMMARY_DEVICE, s.deviceId), bold = true))
                col.addView(Ui.text(c, t(Msg.SETUP_SUMMARY_SUPERVISOR, s.supervisorName, s.supervisorId), bold = true))
                col.addView(Ui.text(c, t(Msg.SETUP_SUMMARY_PROGRAMME, s.programmeKey.take(16)), bold = true))
                col.addView(Ui.text(c, t(if (s.keyRing.isEmpty()) Msg.SETUP_SUMMARY_KEYRING_NO else Msg.SETUP_SUMMARY_KEYRING_YES), bold = true))
            }
            SetupStep.DONE -> {
                col.addView(Ui.text(c, t(Msg.SETUP_DONE, s.deviceId), Ui.OK, bold = true))
                col.addView(TextView(c).apply {
                    text = s.deviceFile ?: ""
                    setTextIsSelectable(true)
                    typeface = android.graphics.Typeface.MONOSPACE
                })
                fileMessage?.let { col.addView(Ui.text(c, it, bold = true)) }
                col.addView(Ui.button(c, t(Msg.SETUP_SAVE_DEVICE_FILE)) { saveDeviceFile(s) }, Ui.wide())
                col.addView(Ui.button(c, t(Msg.SETUP_TO_SIGN_IN)) { onDone() }, Ui.wide())
            }
        }
        fields = page
        s.message?.let { col.addView(Ui.text(c, it.render(app.settings.lang), Ui.ERROR, bold = true)) }
        if (busy) col.addView(Ui.text(c, t(Msg.SETUP_WORKING)))
        next?.let { submit ->
            col.addView(Ui.button(c, t(Msg.SETUP_NEXT), enabled = !busy) {
                saveInput()
                submit()
                // A new page starts from the flow's values.
                if (flow.state.message == null) typed.clear()
                refresh()
            }, Ui.wide())
        }
        if (s.step == SetupStep.CONFIRM) {
            col.addView(Ui.button(c, t(Msg.SETUP_CONFIRM), enabled = !busy) { confirm() }, Ui.wide())
        }
        if (s.step != SetupStep.DONE && s.step != SetupStep.DEVICE) {
            col.addView(Ui.button(c, t(Msg.BACK), enabled = !busy) { onBack() }, Ui.wide())
        }
        return Ui.scroll(col)
    }

    private fun confirm() {
        busy = true
        refresh()
        app.worker.execute {
            flow.confirm()
            app.ui.execute {
                busy = false
                typed.clear()
                refresh()
            }
        }
    }

    /** The device file through the system "save as" picker (USB key, SD card, shared folder). */
    private fun saveDeviceFile(s: SetupState) {
        val json = s.deviceFile ?: return
        host.launch(SafFileSink.createDocument("device-${s.deviceId}.json")) { result, data ->
            val uri = data?.data
            if (result != Activity.RESULT_OK || uri == null) return@launch
            app.worker.execute {
                val message = try {
                    SafFileSink(host).write(uri.toString(), json.toByteArray(Charsets.UTF_8))
                    t(Msg.SETUP_DEVICE_FILE_SAVED)
                } catch (e: Exception) {
                    t(Msg.SETUP_DEVICE_FILE_FAILED, e.message ?: e.javaClass.simpleName)
                }
                app.ui.execute {
                    fileMessage = message
                    refresh()
                }
            }
        }
    }

    private companion object {
        const val DEVICE = "device"
        const val SUPERVISOR = "supervisor"
        const val NAME = "name"
        const val PIN = "pin"
        const val PIN_AGAIN = "pin_again"
        const val PROGRAMME = "programme"
        const val KEYRING = "keyring"
    }
}
