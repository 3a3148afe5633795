package org.jatigi.field.ports

/** ISO/IEC 19794-2 finger positions, as the core numbers them (1-10). */
enum class Finger(val isoCode: Int) {
    RIGHT_THUMB(1), RIGHT_INDEX(2), RIGHT_MIDDLE(3), RIGHT_RING(4), RIGHT_LITTLE(5),
    LEFT_THUMB(6), LEFT_INDEX(7), LEFT_MIDDLE(8), LEFT_RING(9), LEFT_LITTLE(10);

    companion object {
        fun ofCode(code: Int): Finger? = entries.firstOrNull { it.isoCode == code }
    }
}

enum class Sex { FEMALE, MALE }

/** Relation to the head of household, in the core's order. */
enum class Relation { HEAD, SPOUSE, CHILD, PARENT, SIBLING, GRANDCHILD, OTHER_RELATIVE, NON_RELATIVE }

/** How consent was expressed (the core's `ConsentMethod`). */
enum class ConsentMethod { VERBAL, SIGNED, THUMBPRINT }

/** Why a finger has no sample (the core's `CaptureExceptionKind`). */
enum class ExceptionKind { AMPUTATED, INJURED, UNABLE_TO_CAPTURE }

/**
 * One captured finger, as the core judged it. The template and image stay in the core:
 * [handle] is the core's opaque capture (in the app, the FFI's `CapturedFinger`, made by
 * `ScannerSession.capture`), which the logic never opens and the app's glue hands back to the
 * core to enrol, search or verify (docs/adr/0005). Fakes in tests leave it null or put their
 * own marker. No biometric byte reaches Kotlin, so none can reach a log.
 */
class FingerSample(val quality: Int, val handle: Any? = null) {
    override fun toString() = "FingerSample(quality $quality)"
}

/** A member as typed on the household form. Numbers start at 1, as on the card. */
data class MemberDraft(
    val number: Int,
    val givenNames: String = "",
    val familyName: String = "",
    val sex: Sex? = null,
    /** Year of birth, or null when only an estimated age is known. */
    val birthYear: Int? = null,
    /** Estimated age in years when the year of birth is not known. */
    val estimatedAge: Int? = null,
    val relation: Relation = Relation.CHILD,
    val phone: String = "",
) {
    /** Age in whole years on [year], from the year of birth or the estimate. */
    fun ageIn(year: Int): Int? = birthYear?.let { year - it } ?: estimatedAge

    fun displayName(): String = listOf(givenNames, familyName).filter { it.isNotBlank() }.joinToString(" ")
}

/**
 * Regions of Mali (the 2023 division) in the core's order: the only regions the core accepts
 * (the FFI's `Region`; the app maps them by name).
 */
enum class Region {
    BAMAKO, KAYES, KOULIKORO, SIKASSO, SEGOU, MOPTI, TOMBOUCTOU, GAO, KIDAL, TAOUDENIT, MENAKA,
    NIORO_DU_SAHEL, KITA, DIOILA, NARA, BOUGOUNI, KOUTIALA, SAN, DOUENTZA, BANDIAGARA,
}

/** Why the household left: the core's `DisplacementReason`; [OTHER] needs a description. */
enum class DisplacementReason { CONFLICT, VIOLENCE, FLOOD, DROUGHT, OTHER }

/** A day of the calendar (no time zone), with the checks the core's `Date::new` makes. */
data class CalendarDay(val year: Int, val month: Int, val day: Int) : Comparable<CalendarDay> {
    override fun compareTo(other: CalendarDay): Int = compareValuesBy(this, other, { it.year }, { it.month }, { it.day })

    override fun toString() = "%04d-%02d-%02d".format(year, month, day)

    companion object {
        fun daysIn(year: Int, month: Int): Int = when (month) {
            2 -> if (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) 29 else 28
            4, 6, 9, 11 -> 30
            in 1..12 -> 31
            else -> 0
        }

        /** The day, or null when it does not exist (month 13, 30 February...). */
        fun of(year: Int, month: Int, day: Int): CalendarDay? =
            if (year in 1..9999 && month in 1..12 && day in 1..daysIn(year, month)) CalendarDay(year, month, day) else null
    }
}

/**
 * Where the household lives now (the core's `DisplacementSite`). The same for a whole day of
 * work: the settings hold it and every new household starts with it (Settings.newHousehold).
 */
data class SiteDraft(
    val region: Region? = null,
    val cercle: String = "",
    val commune: String = "",
    /** Name of the site, camp or host neighbourhood. */
    val siteName: String = "",
)

/** Where the household comes from: the region is required, cercle and commune may stay empty. */
data class OriginDraft(
    val region: Region? = null,
    val cercle: String = "",
    val commune: String = "",
)

/**
 * When and why the household left. The year and month are required; the day may stay empty
 * when only the month is known (the core then takes the first of the month).
 */
data class DisplacementDraft(
    val year: Int? = null,
    val month: Int? = null,
    val day: Int? = null,
    val reason: DisplacementReason? = null,
    /** The description when [reason] is [DisplacementReason.OTHER]. */
    val otherReason: String = "",
) {
    /** The date as the core takes it; null while the year or month is missing or the day does not exist. */
    fun date(): CalendarDay? {
        val y = year ?: return null
        val m = month ?: return null
        return CalendarDay.of(y, m, day ?: 1)
    }
}

/**
 * The household form: the site and its members. [village] is the home village or
 * neighbourhood (the core's `Origin.village`); [site], [origin] and [displacement] are the
 * rest of the core's `HouseholdDetails`.
 */
data class HouseholdDraft(
    val siteCode: String = "",
    val village: String = "",
    val members: List<MemberDraft> = listOf(MemberDraft(number = 1, relation = Relation.HEAD)),
    val site: SiteDraft = SiteDraft(),
    val origin: OriginDraft = OriginDraft(),
    val displacement: DisplacementDraft = DisplacementDraft(),
) {
    /**
     * The household-level details the core requires, once every required one is there; null
     * while one is missing (the form's validation says which). Text is as typed: the core
     * cleans and checks it again.
     */
    fun details(): HouseholdFacts? {
        val siteRegion = site.region ?: return null
        val originRegion = origin.region ?: return null
        val date = displacement.date() ?: return null
        val reason = displacement.reason ?: return null
        if (listOf(site.cercle, site.commune, site.siteName).any { it.isBlank() }) return null
        if (reason == DisplacementReason.OTHER && displacement.otherReason.isBlank()) return null
        return HouseholdFacts(
            siteRegion, site.cercle, site.commune, site.siteName,
            originRegion, origin.cercle, origin.commune, village,
            date, reason, if (reason == DisplacementReason.OTHER) displacement.otherReason else "",
        )
    }
}

/** A household's site, origin and displacement, complete: what the app hands the core. */
data class HouseholdFacts(
    val siteRegion: Region,
    val siteCercle: String,
    val siteCommune: String,
    val siteName: String,
    val originRegion: Region,
    val originCercle: String,
    val originCommune: String,
    val originVillage: String,
    val displacedOn: CalendarDay,
    val reason: DisplacementReason,
    /** Empty unless [reason] is [DisplacementReason.OTHER]. */
    val otherReason: String,
)

/** The consent decision for one member. */
sealed interface ConsentRecord {
    val method: ConsentMethod
    data class Given(override val method: ConsentMethod) : ConsentRecord
    data class Refused(override val method: ConsentMethod) : ConsentRecord
}

/** What became of one finger: a sample, or an exception with its reason. */
sealed interface FingerResult {
    data class Captured(val sample: FingerSample) : FingerResult
    data class Exception(val kind: ExceptionKind, val reason: String) : FingerResult
}

/** A face photo from the system camera. Compared by identity; toString shows the size only. */
class FacePhoto(val jpeg: ByteArray) {
    /** JPEG files start with the SOI marker and another marker (FF D8 FF). */
    fun isJpeg(): Boolean = jpeg.size > 3 && jpeg[0] == 0xFF.toByte() && jpeg[1] == 0xD8.toByte() && jpeg[2] == 0xFF.toByte()

    override fun toString() = "FacePhoto(${jpeg.size} bytes)"
}

/** A member's consent, fingers and face photo. */
data class MemberBiometrics(
    val consent: ConsentRecord? = null,
    val fingers: Map<Finger, FingerResult> = emptyMap(),
    val photo: FacePhoto? = null,
)

/**
 * What is handed to the core to check and save. Built only through [of], which drops every
 * finger of a member whose consent is not given: no biometric of a refusing person can reach
 * the core, whatever the screens did before.
 */
class HouseholdSubmission private constructor(
    val draft: HouseholdDraft,
    val biometrics: Map<Int, MemberBiometrics>,
) {
    companion object {
        fun of(draft: HouseholdDraft, biometrics: Map<Int, MemberBiometrics>): HouseholdSubmission {
            val kept = draft.members.associate { m ->
                val b = biometrics[m.number] ?: MemberBiometrics()
                m.number to if (b.consent is ConsentRecord.Given) b else b.copy(fingers = emptyMap(), photo = null)
            }
            return HouseholdSubmission(draft, kept)
        }
    }

    /** The site, origin and displacement the core requires; null if the form lacks one. */
    fun details(): HouseholdFacts? = draft.details()

    fun photos(): List<FacePhoto> = biometrics.values.mapNotNull { it.photo }

    /** Every sample in the submission, for checks and tests. */
    fun samples(): List<FingerSample> = biometrics.values.flatMap { b ->
        b.fingers.values.filterIsInstance<FingerResult.Captured>().map { it.sample }
    }
}

/** An enrolled person who may be the member being enrolled. */
data class Candidate(
    val personId: String,
    val displayName: String,
    /** Fused calibrated score; 40 stands for a false match rate of 1 in 10,000. */
    val score: Float,
)

/** The candidates found for one member. */
data class MemberCandidates(val member: Int, val candidates: List<Candidate>) {
    /** Whether the operator must decide before saving (the core's `DECISION_THRESHOLD`). */
    fun needsDecision(): Boolean = candidates.any { it.score >= DECISION_THRESHOLD }

    companion object {
        /** The core's `registry::enrollment::DECISION_THRESHOLD`. */
        const val DECISION_THRESHOLD = 40f
    }
}

/** What the operator decided for a member who matched (the core's `DuplicateDecision`). */
sealed interface DuplicateDecision {
    data object NewPerson : DuplicateDecision
    data class SamePerson(val personId: String) : DuplicateDecision
    /** Enrolled as new although [candidate] matched: needs a supervisor, with a reason. */
    data class Override(val candidate: String, val supervisorId: String, val reason: String) : DuplicateDecision
}

/** A signed-in operator. */
data class Operator(val id: String, val name: String, val isSupervisor: Boolean)
