package org.jatigi.app.ui

import android.view.View
import org.jatigi.field.operators.OperatorsFlow
import org.jatigi.field.operators.OperatorsState
import org.jatigi.field.text.Msg
import org.jatigi.field.text.Text

/**
 * The supervisor adds operator accounts ([OperatorsFlow]); the core's `addOperator` runs on the
 * worker thread. Home offers it to supervisors only; [flow] is null otherwise and the screen
 * then only says so. The PIN fields are never kept across a rebuild.
 */
class OperatorsScreen(host: ScreenHost) : Screen(host) {
    private val flow: OperatorsFlow? = OperatorsFlow.open(app.operator, app.operators)
    private var busy = false
    private var draft = OperatorsState()
    private var typed: () -> OperatorsState? = { null }

    override fun saveInput() {
        typed()?.let { draft = it }
    }

    override fun onBack(): Boolean {
        return busy || backToHome()
    }

    override fun build(): View {
        val c = host
        val col = Ui.column(c)
        col.addView(Ui.title(c, t(Msg.OPERATORS_TITLE)))
        if (flow == null) {
            col.addView(Ui.text(c, t(Msg.OPERATORS_NOT_ALLOWED), Ui.ERROR, bold = true))
            col.addView(Ui.button(c, t(Msg.BACK)) { host.show(HomeScreen(host)) }, Ui.wide())
            return Ui.scroll(col)
        }
        col.addView(Ui.text(c, t(Msg.OPERATORS_INTRO)))
        val id = Ui.field(c, t(Msg.OPERATORS_ID), draft.operatorId, Ui.PLAIN)
        val name = Ui.field(c, t(Msg.OPERATORS_NAME), draft.name)
        col.addView(id, Ui.wide())
        col.addView(name, Ui.wide())
        col.addView(Ui.text(c, t(Msg.OPERATORS_ROLE), bold = true))
        col.addView(Ui.choices(c, listOf(false to t(Msg.OPERATORS_ROLE_ENUMERATOR), true to t(Msg.OPERATORS_ROLE_SUPERVISOR)), draft.supervisor) {
            draft = draft.copy(supervisor = it)
            refresh()
        }, Ui.wide())
        val pin = Ui.field(c, t(Msg.SETUP_PIN), "", Ui.PIN)
        val pinAgain = Ui.field(c, t(Msg.SETUP_PIN_AGAIN), "", Ui.PIN)
        col.addView(pin, Ui.wide())
        col.addView(pinAgain, Ui.wide())
        typed = { draft.copy(operatorId = id.text.toString(), name = name.text.toString()) }
        draft.message?.let {
            val ok = it.msg == Msg.OPERATORS_ADDED
            col.addView(Ui.text(c, it.render(app.settings.lang), if (ok) Ui.OK else Ui.ERROR, bold = true))
        }
        col.addView(Ui.button(c, t(Msg.OPERATORS_ADD), enabled = !busy) {
            busy = true
            val operatorId = id.text.toString()
            val typedName = name.text.toString()
            val role = draft.supervisor
            val p1 = pin.text.toString()
            val p2 = pinAgain.text.toString()
            refresh()
            app.worker.execute {
                val next = try {
                    flow.submit(operatorId, typedName, role, p1, p2)
                } catch (e: RuntimeException) {
                    draft.copy(operatorId = operatorId, name = typedName, message = Text(Msg.ERR_CORE, e.message ?: ""))
                }
                app.ui.execute {
                    busy = false
                    draft = next
                    refresh()
                }
            }
        }, Ui.wide())
        if (draft.added.isNotEmpty()) {
            col.addView(Ui.text(c, t(Msg.OPERATORS_ADDED_LIST), bold = true))
            for (op in draft.added) {
                val role = t(if (op.isSupervisor) Msg.OPERATORS_ROLE_SUPERVISOR else Msg.OPERATORS_ROLE_ENUMERATOR)
                col.addView(Ui.text(c, "${op.id} · ${op.name} · $role"))
            }
        }
        col.addView(Ui.button(c, t(Msg.BACK), enabled = !busy) { host.show(HomeScreen(host)) }, Ui.wide())
        return Ui.scroll(col)
    }
}
