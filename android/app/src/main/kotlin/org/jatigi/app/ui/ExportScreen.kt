package org.jatigi.app.ui

import android.app.Activity
import android.view.View
import org.jatigi.app.files.SafFileSink
import org.jatigi.field.sync.ExportController
import org.jatigi.field.sync.ExportState
import org.jatigi.field.text.Msg

/** Export: the core builds the signed, encrypted packet; the operator picks where to save it. */
class ExportScreen(host: ScreenHost) : Screen(host) {
    private val controller: ExportController = ExportController(app.sync, SafFileSink(host), app.worker, app.ui) { state ->
        refresh()
        if (state is ExportState.ChooseFile) {
            host.launch(SafFileSink.createDocument(state.suggestedName)) { result, data ->
                val uri = data?.data
                if (result == Activity.RESULT_OK && uri != null) fileChosen(uri.toString()) else pickerDismissed()
            }
        }
    }

    private fun fileChosen(uri: String) {
        controller.fileChosen(uri)
    }

    private fun pickerDismissed() {
        controller.pickerDismissed()
    }

    override fun onBack(): Boolean {
        controller.cancel()
        return backToHome()
    }

    override fun build(): View {
        val c = host
        val col = Ui.column(c)
        col.addView(Ui.title(c, t(Msg.EXPORT_TITLE)))
        val lang = app.settings.lang
        when (val s = controller.state) {
            ExportState.Idle -> {}
            is ExportState.Preparing -> col.addView(Ui.text(c, t(Msg.EXPORT_PREPARING, s.done, s.total)))
            is ExportState.ChooseFile -> col.addView(Ui.text(c, t(Msg.EXPORT_CHOOSE)))
            is ExportState.Writing -> col.addView(Ui.text(c, t(Msg.EXPORT_WRITING)))
            is ExportState.Done -> col.addView(Ui.text(c, t(Msg.EXPORT_DONE, s.households, s.bytes), Ui.OK, bold = true))
            is ExportState.Failed -> col.addView(Ui.text(c, s.message.render(lang), Ui.ERROR, bold = true))
            ExportState.Cancelled -> col.addView(Ui.text(c, t(Msg.EXPORT_CANCELLED)))
        }
        val running = controller.state is ExportState.Preparing || controller.state is ExportState.Writing
        if (running) {
            col.addView(Ui.button(c, t(Msg.CANCEL)) { controller.cancel() }, Ui.wide())
        } else {
            col.addView(Ui.button(c, t(Msg.EXPORT_START)) { controller.start() }, Ui.wide())
        }
        col.addView(Ui.button(c, t(Msg.BACK)) { onBack() }, Ui.wide())
        return Ui.scroll(col)
    }
}
