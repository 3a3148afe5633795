package org.jatigi.field

import java.util.concurrent.Executor
import org.jatigi.field.ports.BatteryReading
import org.jatigi.field.ports.Candidate
import org.jatigi.field.ports.DuplicateDecision
import org.jatigi.field.ports.Finger
import org.jatigi.field.ports.FingerSample
import org.jatigi.field.ports.DisplacementDraft
import org.jatigi.field.ports.DisplacementReason
import org.jatigi.field.ports.HouseholdDraft
import org.jatigi.field.ports.OriginDraft
import org.jatigi.field.ports.Region
import org.jatigi.field.ports.SiteDraft
import org.jatigi.field.ports.HouseholdSubmission
import org.jatigi.field.ports.MatchResult
import org.jatigi.field.ports.MemberCandidates
import org.jatigi.field.ports.MemberDraft
import org.jatigi.field.ports.Operator
import org.jatigi.field.ports.RegistryPort
import org.jatigi.field.ports.Relation
import org.jatigi.field.ports.ScannerException
import org.jatigi.field.ports.ScannerFailure
import org.jatigi.field.ports.ScannerInfo
import org.jatigi.field.ports.ScannerPort
import org.jatigi.field.ports.Sex
import org.jatigi.field.ports.SignInResult
import org.jatigi.field.ports.Sleeper
import org.jatigi.field.ports.SupervisorCheck

/** Runs everything inline, so a whole flow runs in one test thread. */
object Inline : Executor {
    override fun execute(command: Runnable) = command.run()
}

class RecordingSleeper : Sleeper {
    val sleeps = mutableListOf<Long>()
    override fun sleep(millis: Long) {
        sleeps += millis
    }
}

fun sample(quality: Int) = FingerSample(quality)

/**
 * A scanner scripted step by step: each capture takes the next scripted answer; connects
 * fail while [failConnects] is above zero. Records what it was asked.
 */
class FakeScanner(var batteryPercent: Int = 80) : ScannerPort {
    sealed interface Answer {
        data class Sample(val quality: Int) : Answer
        data class Fail(val failure: ScannerFailure) : Answer
    }

    val captures = ArrayDeque<Answer>()
    var failConnects = 0
    var connects = 0
    var closes = 0
    var connected = false
    val captured = mutableListOf<Finger>()

    fun script(vararg answers: Answer) = captures.addAll(answers)

    override fun connect(): ScannerInfo {
        connects++
        if (failConnects > 0) {
            failConnects--
            throw ScannerException(ScannerFailure.NotConnected)
        }
        connected = true
        return ScannerInfo("SP123456", "1.2.3")
    }

    override fun battery(): BatteryReading {
        if (!connected) throw ScannerException(ScannerFailure.NotConnected)
        return BatteryReading(batteryPercent)
    }

    override fun qualityPreview(): Int? = null

    override fun capture(finger: Finger): FingerSample {
        if (!connected) throw ScannerException(ScannerFailure.NotConnected)
        captured += finger
        return when (val a = captures.removeFirstOrNull() ?: Answer.Sample(80)) {
            is Answer.Sample -> sample(a.quality)
            is Answer.Fail -> {
                if (a.failure == ScannerFailure.Disconnected) connected = false
                throw ScannerException(a.failure)
            }
        }
    }

    override fun close() {
        closes++
        connected = false
    }
}

/** The registry as the shell sees it; remembers what reached it. */
class FakeRegistry : RegistryPort {
    var candidates: List<MemberCandidates> = emptyList()
    val checked = mutableListOf<HouseholdSubmission>()
    val saved = mutableListOf<Pair<HouseholdSubmission, Map<Int, DuplicateDecision>>>()
    val supervisors = mapOf("SUP1" to "2468")
    val operators = mapOf("AG7" to "1357")

    override fun signIn(operatorId: String, pin: String): SignInResult = when {
        operatorId !in operators && operatorId !in supervisors -> SignInResult.UnknownOperator
        operators[operatorId] == pin -> SignInResult.SignedIn(Operator(operatorId, "Awa", false))
        supervisors[operatorId] == pin -> SignInResult.SignedIn(Operator(operatorId, "Moussa", true))
        else -> SignInResult.WrongPin(2)
    }

    override fun verifySupervisor(supervisorId: String, pin: String): SupervisorCheck = when {
        supervisorId in operators -> SupervisorCheck.NotSupervisor
        supervisors[supervisorId] == pin -> SupervisorCheck.Approved(supervisorId)
        else -> SupervisorCheck.WrongPin
    }

    /** The next duplicate checks fail like a core error would, this many times. */
    var failChecks = 0

    override fun checkDuplicates(household: HouseholdSubmission): List<MemberCandidates> {
        checked += household
        if (failChecks > 0) {
            failChecks--
            throw IllegalStateException("database is locked")
        }
        return candidates
    }

    override fun save(household: HouseholdSubmission, decisions: Map<Int, DuplicateDecision>): String {
        saved += household to decisions
        return "KA7Q2M9XB"
    }

    override fun personId(householdId: String, member: Int) = "$householdId/" + member.toString().padStart(2, '0')

    override fun identify(samples: Map<Finger, FingerSample>): List<Candidate> = emptyList()

    override fun verify(personId: String, samples: Map<Finger, FingerSample>) = MatchResult(0f, false)
}

/** A household of two adults and a small child, valid as typed. */
fun householdOfThree() = HouseholdDraft(
    siteCode = "MOP-01",
    village = "Konna",
    members = listOf(
        MemberDraft(1, "Aminata", "Traoré", Sex.FEMALE, birthYear = 1985, relation = Relation.HEAD, phone = "76 12 34 56"),
        MemberDraft(2, "Seydou", "Traoré", Sex.MALE, birthYear = 1980, relation = Relation.SPOUSE),
        MemberDraft(3, "Fanta", "Traoré", Sex.FEMALE, estimatedAge = 2, relation = Relation.CHILD),
    ),
).withDetails()

/** The site, origin and displacement of a household registered at Mopti in 2026, complete. */
fun HouseholdDraft.withDetails() = copy(
    site = SiteDraft(Region.MOPTI, "Mopti", "Socoura", "Site de Sévaré"),
    origin = OriginDraft(Region.TOMBOUCTOU, "Niafunké", ""),
    displacement = DisplacementDraft(2024, 3, null, DisplacementReason.CONFLICT),
)
