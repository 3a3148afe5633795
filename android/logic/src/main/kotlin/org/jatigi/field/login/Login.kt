package org.jatigi.field.login

import org.jatigi.field.ports.Operator
import org.jatigi.field.ports.RegistryPort
import org.jatigi.field.ports.SignInResult
import org.jatigi.field.text.Msg
import org.jatigi.field.text.Text
import org.jatigi.field.validation.Validation

/** The sign-in screen: operator id and PIN. Lockout is counted by the core and survives restarts. */
sealed interface LoginState {
    data class Entering(val operatorId: String = "", val message: Text? = null) : LoginState
    data class SignedIn(val operator: Operator) : LoginState
}

object Login {
    /** Checks the input, asks the core, and says what the screen shows next. */
    fun attempt(registry: RegistryPort, operatorId: String, pin: String): LoginState {
        val id = operatorId.trim()
        if (id.isEmpty()) return LoginState.Entering(id, Text(Msg.ERR_OPERATOR_ID))
        Validation.pin(pin)?.let { return LoginState.Entering(id, it) }
        return when (val r = registry.signIn(id, pin)) {
            is SignInResult.SignedIn -> LoginState.SignedIn(r.operator)
            is SignInResult.WrongPin -> LoginState.Entering(id, Text(Msg.LOGIN_WRONG_PIN, r.attemptsLeft))
            is SignInResult.LockedOut -> LoginState.Entering(id, Text(Msg.LOGIN_LOCKED, r.minutes))
            SignInResult.UnknownOperator -> LoginState.Entering(id, Text(Msg.LOGIN_UNKNOWN))
        }
    }
}
