package org.jatigi.field.intentapi

import org.jatigi.field.ports.Candidate
import org.jatigi.field.ports.MatchResult
import org.jatigi.field.ports.Sex
import org.jatigi.field.text.Lang

/**
 * The biometric callout other apps use (ODK Collect's `ex:` appearance, CommCare's intent
 * callout): the request's extras parsed and checked here, the result's extras built here, so
 * the Android activity only copies them in and out. Documented in docs/android-intent-api.md.
 */
object IntentApi {
    const val ACTION_REGISTER = "org.jatigi.REGISTER"
    const val ACTION_IDENTIFY = "org.jatigi.IDENTIFY"
    const val ACTION_VERIFY = "org.jatigi.VERIFY"

    // Request extras. ODK Collect passes every extra as text, so numbers are read from text too.
    const val EXTRA_PERSON_ID = "person_id"
    const val EXTRA_GIVEN_NAMES = "given_names"
    const val EXTRA_FAMILY_NAME = "family_name"
    const val EXTRA_SEX = "sex"
    const val EXTRA_BIRTH_YEAR = "birth_year"
    const val EXTRA_PHONE = "phone"
    const val EXTRA_LANGUAGE = "language"
    const val EXTRA_CALLER = "caller"

    // Result extras.
    const val RESULT_STATUS = "jatigi_status"
    const val RESULT_ERROR = "jatigi_error"
    const val RESULT_HOUSEHOLD_ID = "household_id"
    const val RESULT_DUPLICATE_OF = "duplicate_of"
    const val RESULT_SCORE = "score"
    const val RESULT_MATCH = "match"
    const val RESULT_CANDIDATES = "candidates"
    /** ODK Collect reads a single answer from `value`. */
    const val ODK_VALUE = "value"
    /** CommCare reads a single answer from `odk_intent_data` and named answers from the bundle `odk_intent_bundle`. */
    const val COMMCARE_DATA = "odk_intent_data"
    const val COMMCARE_BUNDLE = "odk_intent_bundle"

    /** Person ids as the core writes them: household id, '/', member number ("GAO-7K3M-9QX2-C/02"). */
    const val MAX_ID_LENGTH = 64
    const val MAX_CALLER_LENGTH = 100
}

sealed interface IntentRequest {
    val lang: Lang
    val caller: String

    /** Enrol one person (a household of one), the form pre-filled from the extras. */
    data class Register(
        val givenNames: String,
        val familyName: String,
        val sex: Sex?,
        val birthYear: Int?,
        val phone: String,
        override val lang: Lang,
        override val caller: String,
    ) : IntentRequest

    /** Capture fingers and search everyone on the tablet. */
    data class Identify(override val lang: Lang, override val caller: String) : IntentRequest

    /** Capture fingers and compare with one enrolled person. */
    data class Verify(val personId: String, override val lang: Lang, override val caller: String) : IntentRequest
}

/** Why a request was refused; the code goes back in `jatigi_error`. */
enum class RequestError(val code: String) {
    UNKNOWN_ACTION("unknown_action"),
    MISSING_PERSON_ID("missing_person_id"),
    BAD_PERSON_ID("bad_person_id"),
    BAD_SEX("bad_sex"),
    BAD_BIRTH_YEAR("bad_birth_year"),
    TEXT_TOO_LONG("text_too_long"),
}

sealed interface ParseResult {
    data class Ok(val request: IntentRequest) : ParseResult
    data class Refused(val error: RequestError) : ParseResult
}

object IntentRequests {
    fun parse(action: String?, extras: Map<String, Any?>, currentYear: Int): ParseResult {
        fun text(key: String): String = extras[key]?.toString()?.trim().orEmpty()
        val lang = Lang.of(text(IntentApi.EXTRA_LANGUAGE).ifEmpty { null })
        val caller = text(IntentApi.EXTRA_CALLER)
        if (caller.length > IntentApi.MAX_CALLER_LENGTH) return ParseResult.Refused(RequestError.TEXT_TOO_LONG)
        return when (action) {
            IntentApi.ACTION_REGISTER -> {
                val sex = when (text(IntentApi.EXTRA_SEX).lowercase()) {
                    "" -> null
                    "f", "female", "femme", "2" -> Sex.FEMALE
                    "m", "male", "homme", "h", "1" -> Sex.MALE
                    else -> return ParseResult.Refused(RequestError.BAD_SEX)
                }
                val yearText = text(IntentApi.EXTRA_BIRTH_YEAR)
                val year = if (yearText.isEmpty()) null else yearText.toIntOrNull()
                    ?.takeIf { it in 1900..currentYear } ?: return ParseResult.Refused(RequestError.BAD_BIRTH_YEAR)
                val names = listOf(text(IntentApi.EXTRA_GIVEN_NAMES), text(IntentApi.EXTRA_FAMILY_NAME), text(IntentApi.EXTRA_PHONE))
                if (names.any { it.length > 100 }) return ParseResult.Refused(RequestError.TEXT_TOO_LONG)
                ParseResult.Ok(IntentRequest.Register(names[0], names[1], sex, year, names[2], lang, caller))
            }
            IntentApi.ACTION_IDENTIFY -> ParseResult.Ok(IntentRequest.Identify(lang, caller))
            IntentApi.ACTION_VERIFY -> {
                val id = text(IntentApi.EXTRA_PERSON_ID)
                when {
                    id.isEmpty() -> ParseResult.Refused(RequestError.MISSING_PERSON_ID)
                    id.length > IntentApi.MAX_ID_LENGTH || !id.all { it.isLetterOrDigit() && it.code < 128 || it == '-' || it == '/' } ->
                        ParseResult.Refused(RequestError.BAD_PERSON_ID)
                    else -> ParseResult.Ok(IntentRequest.Verify(id.uppercase(), lang, caller))
                }
            }
            else -> ParseResult.Refused(RequestError.UNKNOWN_ACTION)
        }
    }
}

/** What goes back to the calling app. */
sealed interface IntentOutcome {
    data class Registered(val personId: String, val householdId: String, val duplicateOf: String?) : IntentOutcome
    data class Identified(val candidates: List<Candidate>) : IntentOutcome
    data class Verified(val personId: String, val result: MatchResult) : IntentOutcome
    data object Cancelled : IntentOutcome
    data class Error(val code: String) : IntentOutcome
}

object IntentResults {
    /** Most candidates returned to a form: a form has no room for a long list. */
    const val MAX_CANDIDATES = 5

    /**
     * The named answers (CommCare's bundle and ODK intent groups read them by name) plus the
     * single answer under `value` (ODK) and `odk_intent_data` (CommCare). Every value is text,
     * which both form engines accept.
     */
    fun extras(outcome: IntentOutcome): Pair<Map<String, String>, String> {
        val named = linkedMapOf<String, String>()
        val single: String
        when (outcome) {
            is IntentOutcome.Registered -> {
                named[IntentApi.RESULT_STATUS] = "ok"
                named[IntentApi.EXTRA_PERSON_ID] = outcome.personId
                named[IntentApi.RESULT_HOUSEHOLD_ID] = outcome.householdId
                named[IntentApi.RESULT_DUPLICATE_OF] = outcome.duplicateOf.orEmpty()
                single = outcome.personId
            }
            is IntentOutcome.Identified -> {
                val top = outcome.candidates.sortedByDescending { it.score }.take(MAX_CANDIDATES)
                val best = top.firstOrNull()
                named[IntentApi.RESULT_STATUS] = "ok"
                named[IntentApi.EXTRA_PERSON_ID] = best?.personId.orEmpty()
                named[IntentApi.RESULT_SCORE] = best?.let { score(it.score) }.orEmpty()
                named[IntentApi.RESULT_CANDIDATES] = top.joinToString(" ") { "${it.personId}:${score(it.score)}" }
                single = best?.personId.orEmpty()
            }
            is IntentOutcome.Verified -> {
                named[IntentApi.RESULT_STATUS] = "ok"
                named[IntentApi.EXTRA_PERSON_ID] = outcome.personId
                named[IntentApi.RESULT_SCORE] = score(outcome.result.score)
                named[IntentApi.RESULT_MATCH] = if (outcome.result.isMatch) "yes" else "no"
                single = named.getValue(IntentApi.RESULT_MATCH)
            }
            IntentOutcome.Cancelled -> {
                named[IntentApi.RESULT_STATUS] = "cancelled"
                single = ""
            }
            is IntentOutcome.Error -> {
                named[IntentApi.RESULT_STATUS] = "error"
                named[IntentApi.RESULT_ERROR] = outcome.code
                single = ""
            }
        }
        return named to single
    }

    private fun score(s: Float) = String.format(java.util.Locale.ROOT, "%.1f", s)
}
