package org.jatigi.field.sync

import java.util.concurrent.Executor
import org.jatigi.field.ports.CancelledException
import org.jatigi.field.ports.ExportPacket
import org.jatigi.field.ports.FileSink
import org.jatigi.field.ports.SyncPort
import org.jatigi.field.text.Msg
import org.jatigi.field.text.Text

/** The export screen: build the packet, let the operator pick a file (SAF), write it. */
sealed interface ExportState {
    data object Idle : ExportState
    data class Preparing(val done: Int, val total: Int) : ExportState
    /** The packet is ready; the screen opens the system file picker with [suggestedName]. */
    data class ChooseFile(val packet: ExportPacket) : ExportState {
        val suggestedName: String get() = packet.fileName
    }
    data class Writing(val packet: ExportPacket) : ExportState
    data class Done(val households: Int, val bytes: Int, val target: String) : ExportState
    data class Failed(val message: Text) : ExportState
    data object Cancelled : ExportState
}

/** Runs an export; one at a time. The packet is marked exported only once the file is written. */
class ExportController(
    private val sync: SyncPort,
    private val sink: FileSink,
    private val worker: Executor,
    private val ui: Executor,
    private val onState: (ExportState) -> Unit,
) {
    @Volatile
    var state: ExportState = ExportState.Idle
        private set

    @Volatile
    private var cancelled = false

    private fun set(s: ExportState) = ui.execute {
        state = s
        onState(s)
    }

    fun start() {
        if (state is ExportState.Preparing || state is ExportState.Writing) return
        cancelled = false
        state = ExportState.Preparing(0, 0)
        onState(state)
        worker.execute {
            try {
                val packet = sync.exportPacket({ done, total -> set(ExportState.Preparing(done, total)) }, { cancelled })
                set(if (packet.households == 0) ExportState.Failed(Text(Msg.EXPORT_NOTHING)) else ExportState.ChooseFile(packet))
            } catch (_: CancelledException) {
                set(ExportState.Cancelled)
            } catch (e: RuntimeException) {
                set(ExportState.Failed(Text(Msg.ERR_CORE, e.message ?: e.javaClass.simpleName)))
            }
        }
    }

    fun cancel() {
        cancelled = true
        if (state is ExportState.ChooseFile) set(ExportState.Cancelled)
    }

    /** The operator picked [target] (a content URI on the tablet). */
    fun fileChosen(target: String) {
        val s = state as? ExportState.ChooseFile ?: return
        set(ExportState.Writing(s.packet))
        worker.execute {
            try {
                sink.write(target, s.packet.bytes)
                sync.markExported(s.packet)
                set(ExportState.Done(s.packet.households, s.packet.bytes.size, target))
            } catch (e: Exception) {
                // The packet stays unexported: the next export includes the same households.
                set(ExportState.Failed(Text(Msg.EXPORT_WRITE_FAILED, e.message ?: e.javaClass.simpleName)))
            }
        }
    }

    /** The picker was closed without a file: nothing is marked exported. */
    fun pickerDismissed() {
        if (state is ExportState.ChooseFile) set(ExportState.Cancelled)
    }
}
