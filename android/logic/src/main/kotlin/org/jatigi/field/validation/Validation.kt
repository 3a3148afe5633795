package org.jatigi.field.validation

import org.jatigi.field.ports.CalendarDay
import org.jatigi.field.ports.DisplacementReason
import org.jatigi.field.ports.HouseholdDraft
import org.jatigi.field.ports.MemberDraft
import org.jatigi.field.ports.Relation
import org.jatigi.field.text.Msg
import org.jatigi.field.text.Text

/** Which input a message belongs to; `member` is 0 for household-level fields. */
enum class Field {
    SITE, VILLAGE, MEMBERS, GIVEN_NAMES, FAMILY_NAME, SEX, BIRTH, PHONE, RELATION,
    SITE_REGION, SITE_CERCLE, SITE_COMMUNE, SITE_NAME, ORIGIN_REGION, ORIGIN_CERCLE, ORIGIN_COMMUNE,
    DISPLACED_ON, REASON,
}

data class FieldError(val member: Int, val field: Field, val text: Text)

/**
 * Immediate feedback on the household form. The core validates every record again before
 * saving (its `ModelError`); these rules mirror it so the operator hears about a mistake while
 * the person is still in front of them.
 */
object Validation {
    const val MAX_MEMBERS = 99
    const val MAX_NAME_LENGTH = 100
    const val MAX_AGE = 120
    const val EARLIEST_BIRTH_YEAR = 1900
    /** Longest place name or reason (the core's `MAX_TEXT_CHARS`). */
    const val MAX_TEXT_LENGTH = 200
    /** The core's `EARLIEST_DISPLACEMENT` (independence of Mali). */
    val EARLIEST_DISPLACEMENT = CalendarDay(1960, 1, 1)

    /** The whole form against [today] (the tablet's date: a displacement cannot be later). */
    fun household(draft: HouseholdDraft, today: CalendarDay): List<FieldError> {
        val errors = mutableListOf<FieldError>()
        if (!isCode(draft.siteCode)) errors += FieldError(0, Field.SITE, Text(Msg.ERR_SITE_CODE))
        errors += site(draft)
        if (draft.village.length > MAX_NAME_LENGTH) errors += FieldError(0, Field.VILLAGE, Text(Msg.ERR_TOO_LONG, MAX_NAME_LENGTH))
        errors += displacement(draft, today)
        val currentYear = today.year
        val size = draft.members.size
        when {
            size == 0 -> errors += FieldError(0, Field.MEMBERS, Text(Msg.ERR_NO_MEMBERS))
            size > MAX_MEMBERS -> errors += FieldError(0, Field.MEMBERS, Text(Msg.ERR_TOO_MANY_MEMBERS, MAX_MEMBERS, size))
        }
        val heads = draft.members.count { it.relation == Relation.HEAD }
        if (size > 0 && heads == 0) errors += FieldError(0, Field.RELATION, Text(Msg.ERR_NO_HEAD))
        if (heads > 1) errors += FieldError(0, Field.RELATION, Text(Msg.ERR_MANY_HEADS))
        for (m in draft.members) errors += member(m, currentYear)
        return errors
    }

    /**
     * The site (region, cercle, commune and name required) and the origin (region required,
     * cercle and commune optional), as the core's `Household::validate` checks them.
     */
    fun site(draft: HouseholdDraft): List<FieldError> {
        val errors = mutableListOf<FieldError>()
        fun add(field: Field, msg: Msg, vararg args: Any) { errors += FieldError(0, field, Text(msg, *args)) }
        if (draft.site.region == null) add(Field.SITE_REGION, Msg.ERR_SITE_REGION_MISSING)
        val required = listOf(
            Triple(Field.SITE_CERCLE, draft.site.cercle, Msg.ERR_SITE_CERCLE_MISSING),
            Triple(Field.SITE_COMMUNE, draft.site.commune, Msg.ERR_SITE_COMMUNE_MISSING),
            Triple(Field.SITE_NAME, draft.site.siteName, Msg.ERR_SITE_NAME_MISSING),
        )
        for ((field, text, missing) in required) {
            if (clean(text).isEmpty()) add(field, missing) else text(text)?.let { errors += FieldError(0, field, it) }
        }
        if (draft.origin.region == null) add(Field.ORIGIN_REGION, Msg.ERR_ORIGIN_REGION_MISSING)
        for ((field, text) in listOf(Field.ORIGIN_CERCLE to draft.origin.cercle, Field.ORIGIN_COMMUNE to draft.origin.commune)) {
            text(text)?.let { errors += FieldError(0, field, it) }
        }
        return errors
    }

    /**
     * The displacement: year and month required, a day that exists, not after [today] nor
     * before [EARLIEST_DISPLACEMENT]; a reason, described when it is "other".
     */
    fun displacement(draft: HouseholdDraft, today: CalendarDay): List<FieldError> {
        val errors = mutableListOf<FieldError>()
        fun add(field: Field, text: Text) { errors += FieldError(0, field, text) }
        val d = draft.displacement
        val date = d.date()
        when {
            d.year == null || d.month == null -> add(Field.DISPLACED_ON, Text(Msg.ERR_DISPLACED_MISSING))
            date == null -> add(Field.DISPLACED_ON, Text(Msg.ERR_DISPLACED_INVALID))
            date > today -> add(Field.DISPLACED_ON, Text(Msg.ERR_DISPLACED_FUTURE))
            date < EARLIEST_DISPLACEMENT -> add(Field.DISPLACED_ON, Text(Msg.ERR_DISPLACED_TOO_EARLY, EARLIEST_DISPLACEMENT.year))
        }
        when {
            d.reason == null -> add(Field.REASON, Text(Msg.ERR_REASON_MISSING))
            d.reason == DisplacementReason.OTHER && clean(d.otherReason).isEmpty() -> add(Field.REASON, Text(Msg.ERR_REASON_OTHER_MISSING))
            d.reason == DisplacementReason.OTHER -> text(d.otherReason)?.let { add(Field.REASON, it) }
        }
        return errors
    }

    /** A place name or reason: no control character, at most [MAX_TEXT_LENGTH] once cleaned. */
    private fun text(value: String): Text? = when {
        value.any { it.isISOControl() } -> Text(Msg.ERR_NAME_CONTROL)
        clean(value).length > MAX_TEXT_LENGTH -> Text(Msg.ERR_TOO_LONG, MAX_TEXT_LENGTH)
        else -> null
    }

    fun member(m: MemberDraft, currentYear: Int): List<FieldError> {
        val errors = mutableListOf<FieldError>()
        fun add(field: Field, text: Text) { errors += FieldError(m.number, field, text) }
        val given = clean(m.givenNames)
        val family = clean(m.familyName)
        if (given.isEmpty() && family.isEmpty()) add(Field.GIVEN_NAMES, Text(Msg.ERR_NO_NAME))
        for ((field, name) in listOf(Field.GIVEN_NAMES to given, Field.FAMILY_NAME to family)) {
            if (name.length > MAX_NAME_LENGTH) add(field, Text(Msg.ERR_TOO_LONG, MAX_NAME_LENGTH))
            if (name.any { it.isDigit() }) add(field, Text(Msg.ERR_NAME_DIGITS))
            if (name.any { it.isISOControl() }) add(field, Text(Msg.ERR_NAME_CONTROL))
        }
        if (m.sex == null) add(Field.SEX, Text(Msg.ERR_SEX_MISSING))
        when {
            m.birthYear != null && m.birthYear > currentYear -> add(Field.BIRTH, Text(Msg.ERR_BIRTH_FUTURE))
            m.birthYear != null && m.birthYear < earliestBirthYear(currentYear) ->
                add(Field.BIRTH, Text(Msg.ERR_BIRTH_TOO_EARLY, earliestBirthYear(currentYear)))
            m.birthYear == null && m.estimatedAge == null -> add(Field.BIRTH, Text(Msg.ERR_BIRTH_MISSING))
            m.birthYear == null && (m.estimatedAge!! < 0 || m.estimatedAge > MAX_AGE) -> add(Field.BIRTH, Text(Msg.ERR_AGE_RANGE, MAX_AGE))
        }
        if (m.phone.isNotBlank()) phone(m.phone).error?.let { add(Field.PHONE, it) }
        return errors
    }

    /**
     * The earliest year of birth accepted in [currentYear]: a year alone reaches the core as an
     * estimated age ([currentYear] minus the year), which the core caps at [MAX_AGE].
     */
    fun earliestBirthYear(currentYear: Int): Int = maxOf(EARLIEST_BIRTH_YEAR, currentYear - MAX_AGE)

    /** Trimmed, single spaces: how names are stored (the core's `clean_text`, less NFC). */
    fun clean(text: String): String = text.trim().split(Regex("\\s+")).filter { it.isNotEmpty() }.joinToString(" ")

    /** Site codes: 1-32 letters, digits, '-', '_', '.' (the core's codes). */
    fun isCode(text: String): Boolean = text.length in 1..32 && text.all { it.isLetterOrDigit() && it.code < 128 || it in "-_." }

    data class PhoneResult(val e164: String?, val error: Text?)

    /**
     * Mali numbers as typed in the field ("76 12 34 56", "+223 76-12-34-56", "0022376123456")
     * become +223 and 8 digits; numbers of neighbouring countries keep their country code.
     * The same rules as the core's `Phone::parse`.
     */
    fun phone(text: String): PhoneResult {
        val digits = StringBuilder()
        var plus = false
        for (c in text.trim()) {
            when {
                c in '0'..'9' -> digits.append(c)
                c == '+' && digits.isEmpty() && !plus -> plus = true
                c in " -.()" -> {}
                else -> return PhoneResult(null, Text(Msg.ERR_PHONE_CHARACTERS))
            }
        }
        if (digits.isEmpty()) return PhoneResult(null, Text(Msg.ERR_PHONE_EMPTY))
        val all = digits.toString()
        val international = if (plus) all else all.removePrefix("00").takeIf { all.startsWith("00") }
        val national = when {
            international != null && international.startsWith("223") -> international.substring(3)
            international != null -> {
                return if (international.length in 8..15 && !international.startsWith("0")) {
                    PhoneResult("+$international", null)
                } else {
                    PhoneResult(null, Text(Msg.ERR_PHONE_FOREIGN_LENGTH, international.length))
                }
            }
            all.length == 11 && all.startsWith("223") -> all.substring(3)
            else -> all
        }
        if (national.length != 8) return PhoneResult(null, Text(Msg.ERR_PHONE_MALI_LENGTH, national.length))
        if (national[0] == '0' || national[0] == '1') return PhoneResult(null, Text(Msg.ERR_PHONE_MALI_PREFIX))
        return PhoneResult("+223$national", null)
    }

    /** PINs are 4 to 6 digits (the core's `check_new_pin`). */
    fun pin(pin: String): Text? = if (pin.length in 4..6 && pin.all { it in '0'..'9' }) null else Text(Msg.ERR_PIN_FORMAT)

    /**
     * A new PIN, as the core's `check_new_pin` accepts it: 4 to 6 digits, not one repeated
     * digit (0000), not a run up or down (1234, 987654), not a repeated pair (1212, 252525).
     */
    fun newPin(pin: String): Text? {
        pin(pin)?.let { return it }
        val d = pin.map { it - '0' }
        val steps = d.zipWithNext { a, b -> b - a }
        val constantStep = steps.all { it == steps[0] } && kotlin.math.abs(steps[0]) <= 1
        val repeatedPair = d.indices.all { d[it] == d[it % 2] }
        return if (constantStep || repeatedPair) Text(Msg.ERR_PIN_WEAK) else null
    }

    /** A new operator as typed: the id and name tidied, and the first mistake, if any. */
    data class NewOperator(val id: String, val name: String, val error: Text?)

    /**
     * A new operator account (the setup's first supervisor, or one a supervisor adds): the id
     * by [code], a name, a PIN by [newPin] typed twice alike.
     */
    fun newOperator(operatorId: String, name: String, pin: String, pinAgain: String): NewOperator {
        val id = operatorId.trim()
        val cleanName = clean(name)
        val error = when {
            !code(id) -> Text(Msg.ERR_OPERATOR_ID_FORMAT)
            cleanName.isEmpty() -> Text(Msg.ERR_NAME_EMPTY)
            else -> newPin(pin) ?: if (pin != pinAgain) Text(Msg.ERR_PIN_MISMATCH) else null
        }
        return NewOperator(id, cleanName, error)
    }

    /** The core's ids (device and operator): 1 to 32 ASCII letters, digits, '-', '_', '.'. */
    fun code(text: String): Boolean =
        text.length in 1..32 && text.all { it in 'A'..'Z' || it in 'a'..'z' || it in '0'..'9' || it == '-' || it == '_' || it == '.' }

    /**
     * The hub's programme key as typed or pasted: spaces and line breaks removed, lower
     * case; null unless it is then 64 hexadecimal digits.
     */
    fun programmeKey(text: String): String? {
        val key = text.filterNot { it.isWhitespace() }.lowercase()
        return key.takeIf { it.length == 64 && it.all { c -> c in '0'..'9' || c in 'a'..'f' } }
    }

    /** Parses a number typed in a form field; null when empty or not a whole number. */
    fun wholeNumber(text: String): Int? = text.trim().takeIf { it.isNotEmpty() && it.length <= 9 && it.all { c -> c.isDigit() } }?.toInt()
}
