package org.jatigi.field.validation

import org.jatigi.field.ports.HouseholdDraft
import org.jatigi.field.ports.MemberDraft
import org.jatigi.field.ports.Relation

/** Edits of the household form, before it is submitted to the enrollment flow. */
object HouseholdForm {
    /** A new member at the end, with the first member's family name (most households share one). */
    fun addMember(d: HouseholdDraft): HouseholdDraft {
        if (d.members.size >= Validation.MAX_MEMBERS) return d
        val next = (d.members.maxOfOrNull { it.number } ?: 0) + 1
        val relation = if (d.members.isEmpty()) Relation.HEAD else Relation.CHILD
        return d.copy(members = d.members + MemberDraft(next, familyName = d.members.firstOrNull()?.familyName.orEmpty(), relation = relation))
    }

    /** Removes a member and renumbers the others 1, 2, 3… so the card has no gaps. */
    fun removeMember(d: HouseholdDraft, number: Int): HouseholdDraft =
        d.copy(members = d.members.filter { it.number != number }.mapIndexed { i, m -> m.copy(number = i + 1) })

    fun changeMember(d: HouseholdDraft, number: Int, change: (MemberDraft) -> MemberDraft): HouseholdDraft =
        d.copy(members = d.members.map { if (it.number == number) change(it) else it })
}
