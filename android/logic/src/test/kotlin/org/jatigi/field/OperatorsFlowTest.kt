package org.jatigi.field

import org.jatigi.field.operators.OperatorsFlow
import org.jatigi.field.ports.AddOperatorResult
import org.jatigi.field.ports.Operator
import org.jatigi.field.ports.OperatorsPort
import org.jatigi.field.text.Lang
import org.jatigi.field.text.Msg
import org.jatigi.field.text.Text
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Test

class OperatorsFlowTest {
    /** A tablet's accounts as the core keeps them: ids are unique; [answer] overrides the outcome. */
    private class FakeOperators : OperatorsPort {
        val calls = mutableListOf<String>()
        val ids = mutableSetOf("SUP-01")
        var answer: AddOperatorResult? = null

        override fun addOperator(operatorId: String, name: String, supervisor: Boolean, pin: String): AddOperatorResult {
            calls += "$operatorId,$name,$supervisor,$pin"
            answer?.let { return it }
            if (!ids.add(operatorId)) return AddOperatorResult.IdTaken
            return AddOperatorResult.Added(Operator(operatorId, name, supervisor))
        }
    }

    private val supervisor = Operator("SUP-01", "Awa Traoré", isSupervisor = true)
    private val enumerator = Operator("OP-07", "Moussa Diarra", isSupervisor = false)

    private fun flow(port: FakeOperators): OperatorsFlow = OperatorsFlow.open(supervisor, port) ?: error("a supervisor may open it")

    @Test
    fun `a supervisor adds an enumerator, and the form is cleared`() {
        val port = FakeOperators()
        val flow = flow(port)
        val s = flow.submit(" OP-0042 ", "  Fanta   Coulibaly ", false, "2580", "2580")
        assertEquals(listOf("OP-0042,Fanta Coulibaly,false,2580"), port.calls)
        assertEquals(Text(Msg.OPERATORS_ADDED, "Fanta Coulibaly", "OP-0042"), s.message)
        assertEquals(listOf(Operator("OP-0042", "Fanta Coulibaly", false)), s.added)
        assertEquals("", s.operatorId)
        assertEquals("", s.name)
        assertEquals("Account added: Fanta Coulibaly (OP-0042).", s.message!!.render(Lang.EN))
        assertEquals("Compte ajouté : Fanta Coulibaly (OP-0042).", s.message.render(Lang.FR))
    }

    @Test
    fun `a supervisor adds another supervisor`() {
        val port = FakeOperators()
        val s = flow(port).submit("SUP-02", "Ibrahim Sanogo", true, "739146", "739146")
        assertEquals(listOf("SUP-02,Ibrahim Sanogo,true,739146"), port.calls)
        assertEquals(true, s.added.single().isSupervisor)
    }

    @Test
    fun `each invalid field is refused before the core is asked`() {
        val cases = listOf(
            listOf("", "Fanta", "2580", "2580") to Msg.ERR_OPERATOR_ID_FORMAT,
            listOf("Fanta Coulibaly", "Fanta", "2580", "2580") to Msg.ERR_OPERATOR_ID_FORMAT,
            listOf("OP-" + "9".repeat(30), "Fanta", "2580", "2580") to Msg.ERR_OPERATOR_ID_FORMAT,
            listOf("OP-1", "   ", "2580", "2580") to Msg.ERR_NAME_EMPTY,
            listOf("OP-1", "Fanta", "258", "258") to Msg.ERR_PIN_FORMAT,
            listOf("OP-1", "Fanta", "25a0", "25a0") to Msg.ERR_PIN_FORMAT,
            listOf("OP-1", "Fanta", "1234", "1234") to Msg.ERR_PIN_WEAK,
            listOf("OP-1", "Fanta", "7777", "7777") to Msg.ERR_PIN_WEAK,
            listOf("OP-1", "Fanta", "2580", "2581") to Msg.ERR_PIN_MISMATCH,
        )
        for ((fields, expected) in cases) {
            val port = FakeOperators()
            val s = flow(port).submit(fields[0], fields[1], false, fields[2], fields[3])
            assertEquals(expected, s.message?.msg, "for $fields")
            assertEquals(emptyList<String>(), port.calls, "the core was asked for $fields")
            assertEquals(emptyList<Operator>(), s.added)
        }
    }

    @Test
    fun `an id already taken is said, and the form is kept`() {
        val port = FakeOperators()
        val flow = flow(port)
        flow.submit("OP-0042", "Fanta Coulibaly", false, "2580", "2580")
        val s = flow.submit("OP-0042", "Oumar Touré", false, "3691", "3691")
        assertEquals(Text(Msg.OPERATORS_ID_TAKEN, "OP-0042"), s.message)
        assertEquals("OP-0042", s.operatorId)
        assertEquals("Oumar Touré", s.name)
        assertEquals(1, s.added.size)
        assertEquals(2, port.calls.size)
    }

    @Test
    fun `the core's refusals are shown`() {
        val port = FakeOperators()
        val flow = flow(port)
        port.answer = AddOperatorResult.Rejected("This PIN is too easy to guess")
        val rejected = flow.submit("OP-9", "Fanta", false, "2580", "2580")
        assertEquals("Refused: This PIN is too easy to guess", rejected.message!!.render(Lang.EN))
        port.answer = AddOperatorResult.NotAllowed
        assertEquals(Text(Msg.OPERATORS_NOT_ALLOWED), flow.submit("OP-9", "Fanta", false, "2580", "2580").message)
        assertEquals(emptyList<Operator>(), flow.state.added)
    }

    @Test
    fun `an enumerator or nobody cannot open it`() {
        assertNull(OperatorsFlow.open(enumerator, FakeOperators()))
        assertNull(OperatorsFlow.open(null, FakeOperators()))
        assertNotNull(OperatorsFlow.open(supervisor, FakeOperators()))
    }
}
