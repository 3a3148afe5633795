package org.jatigi.field

import org.jatigi.field.ports.CalendarDay
import org.jatigi.field.ports.HouseholdDraft
import org.jatigi.field.ports.MemberDraft
import org.jatigi.field.ports.Relation
import org.jatigi.field.ports.Sex
import org.jatigi.field.text.Lang
import org.jatigi.field.text.Msg
import org.jatigi.field.validation.Field
import org.jatigi.field.validation.HouseholdForm
import org.jatigi.field.validation.Validation
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class ValidationTest {
    private val today = CalendarDay(2026, 6, 15)

    @Test
    fun `Mali phone numbers as typed in the field`() {
        for (typed in listOf("76 12 34 56", "+223 76-12-34-56", "0022376123456", "22376123456", "(+223) 76.12.34.56")) {
            assertEquals("+22376123456", Validation.phone(typed).e164, typed)
        }
        assertEquals("+22670123456", Validation.phone("+226 70 12 34 56").e164)
        assertEquals(Msg.ERR_PHONE_MALI_PREFIX, Validation.phone("06 12 34 56").error?.msg)
        assertEquals(Msg.ERR_PHONE_MALI_LENGTH, Validation.phone("76 12 34").error?.msg)
        assertEquals(Msg.ERR_PHONE_CHARACTERS, Validation.phone("76 12 34 5x").error?.msg)
        assertEquals("A Mali number has 8 digits; this one has 6.", Validation.phone("761234").error?.render(Lang.EN))
    }

    @Test
    fun `names, sex and birth are checked per member`() {
        val m = MemberDraft(4, "Ous2mane", "", null, birthYear = 2031)
        val errors = Validation.member(m, currentYear = 2026).map { it.field to it.text.msg }
        assertEquals(listOf(Field.GIVEN_NAMES to Msg.ERR_NAME_DIGITS, Field.SEX to Msg.ERR_SEX_MISSING, Field.BIRTH to Msg.ERR_BIRTH_FUTURE), errors)
        assertTrue(Validation.member(MemberDraft(1, "Awa", "", Sex.FEMALE, estimatedAge = 40), 2026).isEmpty())
        assertEquals(Msg.ERR_AGE_RANGE, Validation.member(MemberDraft(1, "Awa", "", Sex.FEMALE, estimatedAge = 130), 2026).single().text.msg)
        assertEquals(Msg.ERR_BIRTH_MISSING, Validation.member(MemberDraft(1, "Awa", "", Sex.FEMALE), 2026).single().text.msg)
    }

    @Test
    fun `a household needs one head, at most 99 members and a site code`() {
        val member = MemberDraft(1, "Awa", "Diallo", Sex.FEMALE, birthYear = 1990, relation = Relation.CHILD)
        val noHead = Validation.household(HouseholdDraft("S1", "", listOf(member)).withDetails(), today)
        assertEquals(listOf(Msg.ERR_NO_HEAD), noHead.map { it.text.msg })
        val twoHeads = HouseholdDraft("S1", "", listOf(member.copy(relation = Relation.HEAD), member.copy(number = 2, relation = Relation.HEAD))).withDetails()
        assertEquals(listOf(Msg.ERR_MANY_HEADS), Validation.household(twoHeads, today).map { it.text.msg })
        val big = HouseholdDraft("S1", "", (1..100).map { member.copy(number = it, relation = if (it == 1) Relation.HEAD else Relation.CHILD) }).withDetails()
        assertEquals(listOf(Msg.ERR_TOO_MANY_MEMBERS), Validation.household(big, today).map { it.text.msg })
        assertEquals(Field.SITE, Validation.household(HouseholdDraft("site 1", "", listOf(member.copy(relation = Relation.HEAD))).withDetails(), today).single().field)
    }

    @Test
    fun `members are added with the family name and renumbered after a removal`() {
        var d = HouseholdForm.addMember(householdOfThree())
        assertEquals(listOf(1, 2, 3, 4), d.members.map { it.number })
        assertEquals("Traoré", d.members.last().familyName)
        d = HouseholdForm.removeMember(d, 2)
        assertEquals(listOf(1, 2, 3), d.members.map { it.number })
        assertEquals(listOf("Aminata", "Fanta", ""), d.members.map { it.givenNames })
        d = HouseholdForm.changeMember(d, 3) { it.copy(givenNames = "Oumar") }
        assertEquals("Oumar", d.members[2].givenNames)
        assertEquals(Relation.HEAD, HouseholdForm.addMember(HouseholdDraft("S1", "", emptyList())).members.single().relation)
    }

    @Test
    fun `PINs and numbers`() {
        assertNull(Validation.pin("1234"))
        assertEquals(Msg.ERR_PIN_FORMAT, Validation.pin("12a4")?.msg)
        assertEquals(Msg.ERR_PIN_FORMAT, Validation.pin("1234567")?.msg)
        assertEquals(1984, Validation.wholeNumber(" 1984 "))
        assertNull(Validation.wholeNumber("19 84"))
        assertEquals("Aminata Kadia", Validation.clean("  Aminata   Kadia "))
    }
}
