package org.jatigi.field.operators

import org.jatigi.field.ports.AddOperatorResult
import org.jatigi.field.ports.Operator
import org.jatigi.field.ports.OperatorsPort
import org.jatigi.field.text.Msg
import org.jatigi.field.text.Text
import org.jatigi.field.validation.Validation

/**
 * What the operators screen shows: the form as last submitted (never the PIN), the message,
 * and the accounts added since the screen opened.
 */
data class OperatorsState(
    val operatorId: String = "",
    val name: String = "",
    val supervisor: Boolean = false,
    val message: Text? = null,
    val added: List<Operator> = emptyList(),
)

/**
 * The supervisor's form to add an operator account (an enumerator or another supervisor).
 * The fields are checked as the core checks them (operator id as in the setup, a name, a new
 * PIN by [Validation.newPin], typed twice) before anything goes to [port]; the core has the
 * last word (id already taken, not a supervisor, PIN refused). [open] returns null for an
 * operator who is not a supervisor: the screen is not offered to them.
 *
 * Not thread-safe: the screen calls [submit] off the main thread, one at a time.
 */
class OperatorsFlow private constructor(private val port: OperatorsPort) {
    var state = OperatorsState()
        private set

    fun submit(operatorId: String, name: String, supervisor: Boolean, pin: String, pinAgain: String): OperatorsState {
        val (id, cleanName, error) = Validation.newOperator(operatorId, name, pin, pinAgain)
        state = state.copy(operatorId = id, name = cleanName, supervisor = supervisor, message = error)
        if (error != null) return state
        state = when (val result = port.addOperator(id, cleanName, supervisor, pin)) {
            is AddOperatorResult.Added -> OperatorsState(
                message = Text(Msg.OPERATORS_ADDED, result.operator.name, result.operator.id),
                added = state.added + result.operator,
            )
            AddOperatorResult.IdTaken -> state.copy(message = Text(Msg.OPERATORS_ID_TAKEN, id))
            AddOperatorResult.NotAllowed -> state.copy(message = Text(Msg.OPERATORS_NOT_ALLOWED))
            is AddOperatorResult.Rejected -> state.copy(message = Text(Msg.OPERATORS_REJECTED, result.message))
        }
        return state
    }

    companion object {
        /** The flow for [signedIn], or null when there is no signed-in supervisor. */
        fun open(signedIn: Operator?, port: OperatorsPort): OperatorsFlow? =
            if (signedIn?.isSupervisor == true) OperatorsFlow(port) else null
    }
}
