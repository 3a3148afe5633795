package org.jatigi.field.ports

// The ports: everything the shell asks of the core, as plain Kotlin interfaces. The Android
// app implements them with a few lines of glue over the generated uniffi API (bindings/);
// the tests implement them with fakes. No decision about people is made behind a port by
// the shell: the core decides, the shell shows.

/** Something a screen can act on when the scanner fails (the FFI's scanner errors). */
sealed interface ScannerFailure {
    data object Disconnected : ScannerFailure
    data object NotConnected : ScannerFailure
    data object Timeout : ScannerFailure
    data object Busy : ScannerFailure
    data object NoFinger : ScannerFailure
    data class LowBattery(val percent: Int) : ScannerFailure
    data class PoorQuality(val quality: Int) : ScannerFailure
    data object TriggerStuck : ScannerFailure
    data class Other(val detail: String) : ScannerFailure
}

class ScannerException(val failure: ScannerFailure) : Exception(failure.toString())

data class ScannerInfo(val serial: String, val firmware: String)

data class BatteryReading(val percent: Int, val charging: Boolean = false)

/** The Bluetooth scanner, through the core's protocol driver over an RFCOMM transport. */
interface ScannerPort {
    /** Opens (or reopens: close, wait, connect) the link; throws [ScannerException]. */
    fun connect(): ScannerInfo
    fun battery(): BatteryReading
    /** Live quality 0-100 while the finger is on the glass; null when there is no finger. */
    fun qualityPreview(): Int?
    /** The usual capture (template and quality); throws [ScannerException]. */
    fun capture(finger: Finger): FingerSample
    fun close()
}

sealed interface SignInResult {
    data class SignedIn(val operator: Operator) : SignInResult
    data class WrongPin(val attemptsLeft: Int) : SignInResult
    data class LockedOut(val minutes: Int) : SignInResult
    data object UnknownOperator : SignInResult
}

sealed interface SupervisorCheck {
    data class Approved(val supervisorId: String) : SupervisorCheck
    data object NotSupervisor : SupervisorCheck
    data object WrongPin : SupervisorCheck
}

data class MatchResult(val score: Float, val isMatch: Boolean)

/** The tablet's registry: operators, duplicate checks, saving, identification. */
interface RegistryPort {
    fun signIn(operatorId: String, pin: String): SignInResult
    fun verifySupervisor(supervisorId: String, pin: String): SupervisorCheck
    fun checkDuplicates(household: HouseholdSubmission): List<MemberCandidates>
    /** Saves the household whole; returns its id. */
    fun save(household: HouseholdSubmission, decisions: Map<Int, DuplicateDecision>): String
    /** The core's written form of a member's person id. */
    fun personId(householdId: String, member: Int): String
    fun identify(samples: Map<Finger, FingerSample>): List<Candidate>
    fun verify(personId: String, samples: Map<Finger, FingerSample>): MatchResult
}

/** A household card ready to show, share and print. */
class IssuedCard(val householdId: String, val headName: String, val members: Int, val qrPng: ByteArray)

data class CardHolder(val householdId: String, val members: List<Pair<Int, String>>, val issuedOn: String)

sealed interface CardVerdict {
    data class Genuine(val holder: CardHolder) : CardVerdict
    /** The QR was read but its signature is not one of the programme's. */
    data object Forged : CardVerdict
    /** A genuine card for a household that is no longer registered. */
    data object Revoked : CardVerdict
    /** No card could be read from the photo. */
    data object Unreadable : CardVerdict
}

interface CardPort {
    fun issue(householdId: String): IssuedCard
    fun read(photoJpeg: ByteArray): CardVerdict
    fun verifyMember(householdId: String, member: Int, finger: Finger, sample: FingerSample): MatchResult
}

class ExportPacket(val fileName: String, val bytes: ByteArray, val households: Int)

/** Raised by a port's long work when the operator cancelled it. */
class CancelledException : Exception("cancelled")

interface SyncPort {
    /** Builds the signed, encrypted packet of everything not yet exported. */
    fun exportPacket(progress: (done: Int, total: Int) -> Unit, isCancelled: () -> Boolean): ExportPacket
    /** Records that the packet reached a file, so it is not exported twice. */
    fun markExported(packet: ExportPacket)
}

/** Where an exported packet is written (the storage access framework on the tablet). */
interface FileSink {
    fun write(target: String, bytes: ByteArray)
}

/** Waits; a fake in tests so nothing sleeps. */
fun interface Sleeper {
    fun sleep(millis: Long)
}

/**
 * First-run setup of a new tablet (the setup flow calls these in this order, once each, only
 * after the operator confirmed; on a retry it skips what already succeeded). Each throws a
 * `RuntimeException` whose message is shown on failure.
 */
interface SetupPort {
    /** Creates the tablet's encrypted store, naming the tablet [deviceId] in every record. */
    fun createStore(deviceId: String)
    /** The store's first account, a supervisor. */
    fun addFirstSupervisor(operatorId: String, name: String, pin: String)
    /** Provisions the tablet for packet export; returns the device file (JSON) the hub registers. */
    fun provisionDevice(programmeKey: String): String
    /** Checks (in the core) and keeps the programme's card key ring. */
    fun saveKeyRing(json: String)
    /** Setup is complete: records the device id, so the app starts at sign-in from now on. */
    fun finish(deviceId: String)
}

/** What became of an operator account the supervisor asked for (the core decides). */
sealed interface AddOperatorResult {
    data class Added(val operator: Operator) : AddOperatorResult
    /** An operator with this id exists already on the tablet. */
    data object IdTaken : AddOperatorResult
    /** The signed-in operator is not a supervisor. */
    data object NotAllowed : AddOperatorResult
    /** The core refused the PIN or another field; [message] is the core's, in the shell's language. */
    data class Rejected(val message: String) : AddOperatorResult
}

/** Operator accounts, added by the signed-in supervisor (the FFI's `OperatorSession.addOperator`). */
interface OperatorsPort {
    fun addOperator(operatorId: String, name: String, supervisor: Boolean, pin: String): AddOperatorResult
}
