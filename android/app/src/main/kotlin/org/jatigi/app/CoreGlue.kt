package org.jatigi.app

import org.jatigi.field.ports.BatteryReading
import org.jatigi.field.ports.ByteLink
import org.jatigi.field.ports.Candidate
import org.jatigi.field.ports.CardPort
import org.jatigi.field.ports.CardVerdict
import org.jatigi.field.ports.DuplicateDecision
import org.jatigi.field.ports.ExportPacket
import org.jatigi.field.ports.Finger
import org.jatigi.field.ports.FingerSample
import org.jatigi.field.ports.HouseholdSubmission
import org.jatigi.field.ports.IssuedCard
import org.jatigi.field.ports.KeyWrapper
import org.jatigi.field.ports.MatchResult
import org.jatigi.field.ports.MemberCandidates
import org.jatigi.field.ports.RegistryPort
import org.jatigi.field.ports.ScannerException
import org.jatigi.field.ports.ScannerFailure
import org.jatigi.field.ports.ScannerInfo
import org.jatigi.field.ports.ScannerPort
import org.jatigi.field.ports.SignInResult
import org.jatigi.field.ports.SupervisorCheck
import org.jatigi.field.ports.SyncPort

/**
 * Where the generated uniffi bindings (bindings/, jatigi-ffi) plug in. TODO(glue): the
 * generated Kotlin API did not exist when the shell was written, so each port is, for now,
 * an implementation that says the engine is not linked. Replacing them is a few lines each:
 *
 * - [registry]: open the registry object with `keys` as its key-provider callback
 *   (KeystoreKeyProvider already has the callback's shape: wrap/unwrap of bytes); signIn,
 *   verifySupervisor, checkDuplicates, save, personId, identify, verify map one to one; the
 *   flat JatigiError becomes a RuntimeException whose message the screens show.
 * - [scanner]: `connect()` closes the previous link, calls `openLink()` (an RFCOMM
 *   BluetoothRfcommTransport, already shaped like the ByteTransport callback) and hands it to
 *   the scanner object's connect or reconnect; battery, qualityPreview, capture and close
 *   map one to one; the FFI's scanner error variants map to [ScannerFailure], and an
 *   IOException or SecurityException from `openLink()` (scanner off, permission withdrawn)
 *   to `ScannerFailure.NotConnected`.
 * - [cards] and [sync]: issue/read/verifyMember and exportPacket/markExported, with the
 *   progress callback and cancel flag passed through.
 */
object CoreGlue {
    // The parameters are what the real glue needs; the placeholders do not use them yet.
    @Suppress("UNUSED_PARAMETER")
    fun registry(app: JatigiApp, keys: KeyWrapper): RegistryPort = NotLinked(app)

    @Suppress("UNUSED_PARAMETER")
    fun scanner(app: JatigiApp, openLink: () -> ByteLink): ScannerPort = NotLinkedScanner(app)

    fun cards(app: JatigiApp): CardPort = NotLinked(app)

    fun sync(app: JatigiApp): SyncPort = NotLinked(app)

    private class NotLinked(val app: JatigiApp) : RegistryPort, CardPort, SyncPort {
        private fun fail(): Nothing = throw IllegalStateException(app.t(org.jatigi.field.text.Msg.CORE_NOT_LINKED))
        override fun signIn(operatorId: String, pin: String): SignInResult = fail()
        override fun verifySupervisor(supervisorId: String, pin: String): SupervisorCheck = fail()
        override fun checkDuplicates(household: HouseholdSubmission): List<MemberCandidates> = fail()
        override fun save(household: HouseholdSubmission, decisions: Map<Int, DuplicateDecision>): String = fail()
        override fun personId(householdId: String, member: Int): String = fail()
        override fun identify(samples: Map<Finger, FingerSample>): List<Candidate> = fail()
        override fun verify(personId: String, samples: Map<Finger, FingerSample>): MatchResult = fail()
        override fun issue(householdId: String): IssuedCard = fail()
        override fun read(photoJpeg: ByteArray): CardVerdict = fail()
        override fun verifyMember(householdId: String, member: Int, finger: Finger, sample: FingerSample): MatchResult = fail()
        override fun exportPacket(progress: (Int, Int) -> Unit, isCancelled: () -> Boolean): ExportPacket = fail()
        override fun markExported(packet: ExportPacket) = fail()
    }

    private class NotLinkedScanner(val app: JatigiApp) : ScannerPort {
        private fun fail(): Nothing = throw ScannerException(ScannerFailure.Other(app.t(org.jatigi.field.text.Msg.CORE_NOT_LINKED)))
        override fun connect(): ScannerInfo = fail()
        override fun battery(): BatteryReading = fail()
        override fun qualityPreview(): Int? = null
        override fun capture(finger: Finger): FingerSample = fail()
        override fun close() {}
    }
}
