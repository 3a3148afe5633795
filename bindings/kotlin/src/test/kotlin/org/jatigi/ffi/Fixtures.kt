package org.jatigi.ffi

import java.nio.file.Files
import java.nio.file.Path
import java.security.SecureRandom
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong
import javax.crypto.AEADBadTagException
import javax.crypto.Cipher
import javax.crypto.spec.GCMParameterSpec
import javax.crypto.spec.SecretKeySpec

/**
 * A key provider written the way the Android Keystore one is: AES-256-GCM with a key the
 * provider holds (here in memory; on a tablet inside the Keystore). A wrapped key is
 * `nonce || ciphertext+tag`; a tag that does not verify is a wrong key.
 */
class AesKeyProvider(private val kek: ByteArray = ByteArray(32).also { SecureRandom().nextBytes(it) }) : KeyProvider {
    private val random = SecureRandom()

    override fun wrap(key: ByteArray): ByteArray {
        val nonce = ByteArray(12).also { random.nextBytes(it) }
        val cipher = Cipher.getInstance("AES/GCM/NoPadding")
        cipher.init(Cipher.ENCRYPT_MODE, SecretKeySpec(kek, "AES"), GCMParameterSpec(128, nonce))
        return nonce + cipher.doFinal(key)
    }

    override fun unwrap(wrapped: ByteArray): ByteArray {
        if (wrapped.size < 12 + 16) throw KeyProviderException.WrongKey()
        val cipher = Cipher.getInstance("AES/GCM/NoPadding")
        cipher.init(Cipher.DECRYPT_MODE, SecretKeySpec(kek, "AES"), GCMParameterSpec(128, wrapped, 0, 12))
        try {
            return cipher.doFinal(wrapped, 12, wrapped.size - 12)
        } catch (e: AEADBadTagException) {
            throw KeyProviderException.WrongKey()
        }
    }

    override fun id(): String = "kotlin-test-aes-gcm"
}

/**
 * A Kotlin byte transport over a simulated scanner's link: every byte between the driver
 * and the scanner goes through Kotlin, as it does through a BluetoothSocket. It can drop the
 * link after [dropAfterBytes] bytes received, as a radio does when the scanner walks away.
 */
class ForwardingTransport(private val link: SimulatedLink) : ByteTransport {
    val bytesRead = AtomicLong()
    val reads = AtomicLong()
    val readNanos = AtomicLong()
    @Volatile var dropAfterBytes: Long = Long.MAX_VALUE
    private val dropped = AtomicBoolean(false)

    override fun write(bytes: ByteArray) {
        if (dropped.get()) throw TransportException.Closed()
        link.write(bytes)
    }

    override fun read(maxLen: UInt, timeoutMs: UInt): ByteArray {
        if (dropped.get()) throw TransportException.Closed()
        val start = System.nanoTime()
        val bytes = link.read(maxLen, timeoutMs)
        readNanos.addAndGet(System.nanoTime() - start)
        reads.incrementAndGet()
        if (bytesRead.addAndGet(bytes.size.toLong()) > dropAfterBytes) {
            dropped.set(true)
            link.closeLink()
            throw TransportException.Io("java.io.IOException: bt socket closed, read return: -1")
        }
        return bytes
    }

    override fun close() {
        link.closeLink()
    }
}

/** Remembers every progress report. */
class RecordingProgress : ProgressListener {
    val reports = ConcurrentLinkedQueue<Progress>()
    override fun onProgress(progress: Progress) {
        reports.add(progress)
    }
}

/** Core's log records, kept for assertions. */
class RecordingLogSink : LogSink {
    val records = ConcurrentLinkedQueue<LogRecord>()
    override fun log(record: LogRecord) {
        records.add(record)
    }
}

/** A fresh folder for a test's store. */
fun tempStorePath(): Path = Files.createTempDirectory("jatigi-ffi-test").resolve("registry.db")

val gaoSite = HouseholdDetails(
    site = DisplacementSite(region = Region.GAO, cercle = "Gao", commune = "Gao", siteName = "Site de Château", gps = GpsPoint(16.2717, -0.0447)),
    origin = Origin(region = Region.MENAKA, cercle = "Ménaka", commune = "Inékar"),
    displacedOn = CalendarDate(2024, 11u, 2u),
    reason = DisplacementReason.Conflict,
)

fun adult(relation: Relation, given: String, family: String, sex: Sex, age: Int) = MemberDetails(
    relation = relation,
    givenNames = given,
    familyName = family,
    sex = sex,
    birth = BirthInfo.EstimatedAge(age.toUByte()),
)

/** Scan `finger` until the verdict says to move on (at most the policy's attempts). */
fun EnrollmentSession.captureUntilKept(member: UByte, finger: Finger, scanner: ScannerSession): CaptureAttempt {
    while (true) {
        val attempt = captureFinger(member, finger, scanner)
        if (attempt.verdict !is AttemptVerdict.TryAgain) return attempt
    }
}

/** Person `person` at the simulated scanner: give consent, then both index fingers. */
fun EnrollmentSession.enrolFingers(member: UByte, person: Long, sim: SimulatedScanner, scanner: ScannerSession): List<CaptureAttempt> {
    recordConsent(member, ConsentDecision.GIVEN, ConsentMethod.THUMBPRINT)
    return listOf(Finger.RIGHT_INDEX, Finger.LEFT_INDEX).map { finger ->
        sim.present(person.toULong(), finger)
        captureUntilKept(member, finger, scanner)
    }
}

/** A counter of calls, for listeners. */
class Counter { val n = AtomicInteger() }
