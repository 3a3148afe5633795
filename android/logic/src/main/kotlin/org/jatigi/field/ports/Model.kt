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

/** The household form: the site and its members. */
data class HouseholdDraft(
    val siteCode: String = "",
    val village: String = "",
    val members: List<MemberDraft> = listOf(MemberDraft(number = 1, relation = Relation.HEAD)),
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
