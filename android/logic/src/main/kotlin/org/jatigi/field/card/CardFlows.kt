package org.jatigi.field.card

import org.jatigi.field.ports.CardHolder
import org.jatigi.field.ports.CardVerdict
import org.jatigi.field.ports.Finger
import org.jatigi.field.ports.MatchResult
import org.jatigi.field.text.Msg
import org.jatigi.field.text.Text

/** Card verification: photo of the QR → verdict → optional 1:1 fingerprint check of a member. */
sealed interface VerifyState {
    data object TakePhoto : VerifyState
    data object Reading : VerifyState
    data class Verdict(val verdict: CardVerdict) : VerifyState {
        val text: Text get() = verdictText(verdict)
    }
    data class Matching(val holder: CardHolder, val member: Int, val finger: Finger) : VerifyState
    data class Matched(val holder: CardHolder, val member: Int, val result: MatchResult) : VerifyState {
        val text: Text get() = if (result.isMatch) Text(Msg.VERIFY_MATCH, member) else Text(Msg.VERIFY_NO_MATCH, member)
    }
    data class Failed(val message: Text) : VerifyState
}

sealed interface VerifyEvent {
    data object PhotoTaken : VerifyEvent
    data object PhotoCancelled : VerifyEvent
    data class CardRead(val verdict: CardVerdict) : VerifyEvent
    data class MemberChosen(val member: Int, val finger: Finger) : VerifyEvent
    data class MatchDone(val result: MatchResult) : VerifyEvent
    data class Failed(val message: Text) : VerifyEvent
    data object Again : VerifyEvent
}

fun verdictText(v: CardVerdict): Text = when (v) {
    is CardVerdict.Genuine -> Text(Msg.VERIFY_GENUINE, v.holder.householdId, v.holder.members.size, v.holder.issuedOn)
    CardVerdict.Forged -> Text(Msg.VERIFY_FORGED)
    CardVerdict.Revoked -> Text(Msg.VERIFY_REVOKED)
    CardVerdict.Unreadable -> Text(Msg.VERIFY_UNREADABLE)
}

object VerifyFlow {
    fun reduce(s: VerifyState, e: VerifyEvent): VerifyState = when {
        e == VerifyEvent.Again -> VerifyState.TakePhoto
        e is VerifyEvent.Failed -> VerifyState.Failed(e.message)
        s == VerifyState.TakePhoto && e == VerifyEvent.PhotoTaken -> VerifyState.Reading
        s == VerifyState.Reading && e is VerifyEvent.CardRead -> VerifyState.Verdict(e.verdict)
        // Only a genuine card leads to the fingerprint check, and only for one of its members.
        s is VerifyState.Verdict && e is VerifyEvent.MemberChosen -> {
            val holder = (s.verdict as? CardVerdict.Genuine)?.holder
            if (holder != null && holder.members.any { it.first == e.member }) VerifyState.Matching(holder, e.member, e.finger) else s
        }
        s is VerifyState.Matching && e is VerifyEvent.MatchDone -> VerifyState.Matched(s.holder, s.member, e.result)
        else -> s
    }
}

/** What the card screen offers once a household is saved. */
enum class CardAction { SHOW, SHARE, PRINT }

/** Names of the files the card is shared and printed as. */
object CardFiles {
    fun pngName(householdId: String) = "jatigi-card-" + householdId.filter { it.isLetterOrDigit() || it == '-' } + ".png"
    fun printJobName(householdId: String) = "Jatigi " + householdId
}
