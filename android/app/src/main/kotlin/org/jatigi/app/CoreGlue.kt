package org.jatigi.app

import java.io.File
import java.io.IOException
import java.security.GeneralSecurityException
import javax.crypto.AEADBadTagException
import org.jatigi.ffi.ByteTransport
import org.jatigi.ffi.CancelToken
import org.jatigi.ffi.CardStatus
import org.jatigi.ffi.JatigiException
import org.jatigi.ffi.JatigiStore
import org.jatigi.ffi.KeyProvider
import org.jatigi.ffi.KeyProviderException
import org.jatigi.ffi.Language
import org.jatigi.ffi.OperatorSession
import org.jatigi.ffi.Progress
import org.jatigi.ffi.ProgressListener
import org.jatigi.ffi.Role
import org.jatigi.ffi.TransportException
import org.jatigi.ffi.setLanguage
import org.jatigi.ffi.verifyCardPhoto
import org.jatigi.ffi.verifyCardText
import org.jatigi.field.ports.BatteryReading
import org.jatigi.field.ports.ByteLink
import org.jatigi.field.ports.CancelledException
import org.jatigi.field.ports.Candidate
import org.jatigi.field.ports.CardHolder
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
import org.jatigi.field.ports.Operator
import org.jatigi.field.ports.RegistryPort
import org.jatigi.field.ports.ScannerException
import org.jatigi.field.ports.ScannerFailure
import org.jatigi.field.ports.ScannerInfo
import org.jatigi.field.ports.ScannerPort
import org.jatigi.field.ports.SignInResult
import org.jatigi.field.ports.SupervisorCheck
import org.jatigi.field.ports.SyncPort
import org.jatigi.field.text.Lang
import org.jatigi.ffi.ScannerSession as FfiScanner

/**
 * The ports of `android/logic` over the core's generated Kotlin API (package org.jatigi.ffi,
 * made by bindings/kotlin/generate.sh; docs/kotlin-api.md). Thin on purpose: every method
 * calls one FFI function and translates its types and errors; the core decides everything.
 *
 * Errors: the FFI's flat `JatigiException` carries only its message (already in the
 * language of [setLanguage]); it becomes a `RuntimeException` with that message, which the
 * screens show, except where a port has a typed outcome for it (sign-in, supervisor check,
 * the scanner's [ScannerFailure]s, the export's [CancelledException]).
 *
 * Not linked, because the FFI has no counterpart (each says so in its KDoc and throws
 * [UnsupportedOperationException]): the ports' template-based calls. The ports hand the
 * core `FingerSample`s captured through [ScannerPort.capture]; the FFI instead captures inside
 * its own calls (`EnrollmentSession.captureFinger`, `OperatorSession.searchByFinger`,
 * `checkMemberOnCard`, each given the `ScannerSession`) and accepts no template from Kotlin.
 * So [ScannerPort.capture], [RegistryPort.checkDuplicates], [RegistryPort.save],
 * [RegistryPort.identify], [RegistryPort.verify], [CardPort.verifyMember] and
 * [RegistryPort.personId] wait for either the ports or the FFI to change shape.
 */
object CoreGlue {
    /** The store file in the app's private storage. */
    const val STORE_FILE = "jatigi.store"

    /** Preferences file and key holding this tablet's device id (e.g. `TAB-GAO-07`). */
    const val CORE_PREFS = "jatigi_core"
    const val DEVICE_ID_KEY = "device_id"

    fun registry(app: JatigiApp, keys: KeyWrapper): RegistryPort = Registry(core(app, keys))

    fun scanner(app: JatigiApp, openLink: () -> ByteLink): ScannerPort = Scanner(app, openLink)

    fun cards(app: JatigiApp): CardPort = Cards(core(app, app.keys))

    fun sync(app: JatigiApp): SyncPort = Sync(core(app, app.keys))

    @Volatile
    private var shared: Core? = null

    private fun core(app: JatigiApp, keys: KeyWrapper): Core =
        shared ?: synchronized(this) { shared ?: Core(app, keys).also { shared = it } }

    /** The FFI's language follows the shell's setting. */
    private fun language(app: JatigiApp) =
        setLanguage(if (app.settings.lang == Lang.EN) Language.ENGLISH else Language.FRENCH)

    /** A flat FFI error as the exception the screens show: its message is for the operator. */
    private fun shown(e: JatigiException): RuntimeException = IllegalStateException(e.message ?: e.toString(), e)

    /** The store, opened on first use, and the operator signed in through [RegistryPort.signIn]. */
    private class Core(private val app: JatigiApp, private val keys: KeyWrapper) {
        @Volatile
        var operator: OperatorSession? = null

        val store: JatigiStore by lazy {
            language(app)
            val deviceId = app.getSharedPreferences(CORE_PREFS, android.content.Context.MODE_PRIVATE)
                .getString(DEVICE_ID_KEY, null)
                // No setup screen sets the tablet's id yet; the glue does not make one up.
                ?: throw IllegalStateException(
                    "this tablet has no device id: set '$DEVICE_ID_KEY' in preferences '$CORE_PREFS' (no setup screen yet)",
                )
            val path = File(app.filesDir, STORE_FILE).absolutePath
            val provider = KeystoreProvider(keys)
            try {
                JatigiStore.open(path, deviceId, provider)
            } catch (_: JatigiException.StoreNotFound) {
                JatigiStore.create(path, deviceId, provider)
            } catch (e: JatigiException) {
                throw shown(e)
            }
        }

        fun signedIn(): OperatorSession = operator ?: throw IllegalStateException("no operator signed in")

        fun <T> call(block: () -> T): T {
            language(app)
            return try {
                block()
            } catch (e: JatigiException) {
                throw shown(e)
            }
        }
    }

    /** KeystoreKeyProvider (a [KeyWrapper]) as the FFI's KeyProvider callback. */
    private class KeystoreProvider(private val keys: KeyWrapper) : KeyProvider {
        override fun wrap(key: ByteArray): ByteArray = try {
            keys.wrap(key)
        } catch (e: GeneralSecurityException) {
            throw KeyProviderException.Unavailable(e.toString())
        }

        override fun unwrap(wrapped: ByteArray): ByteArray = try {
            keys.unwrap(wrapped)
        } catch (_: AEADBadTagException) {
            throw KeyProviderException.WrongKey()
        } catch (e: GeneralSecurityException) {
            throw KeyProviderException.Unavailable(e.toString())
        } catch (e: IllegalArgumentException) {
            // WrappedKey.decode: a blob this wrapper did not make.
            throw KeyProviderException.WrongKey()
        }

        override fun id(): String = "android-keystore:${keys.javaClass.simpleName}"
    }

    /** BluetoothRfcommTransport's [ByteLink] as the FFI's ByteTransport callback. */
    private class LinkTransport(private val link: ByteLink) : ByteTransport {
        override fun write(bytes: ByteArray) = try {
            link.write(bytes)
        } catch (e: IOException) {
            throw TransportException.Io(e.toString())
        }

        override fun read(maxLen: UInt, timeoutMs: UInt): ByteArray = try {
            link.read(maxLen.toInt(), timeoutMs.toLong())
        } catch (_: IOException) {
            // ByteLink.read throws only when the link is gone.
            throw TransportException.Closed()
        }

        override fun close() = link.close()
    }

    private class Registry(private val core: Core) : RegistryPort {
        override fun signIn(operatorId: String, pin: String): SignInResult = core.call {
            try {
                val session = core.store.signIn(operatorId, pin)
                val info = session.operator()
                core.operator?.close()
                core.operator = session
                SignInResult.SignedIn(Operator(info.id, info.name, info.role == Role.SUPERVISOR))
            } catch (_: JatigiException.UnknownOperator) {
                SignInResult.UnknownOperator
            }
            // WrongPin and PinLocked are flat in the FFI: the attempts left and the lockout
            // length are in their message only, so they reach the screen as that message.
        }

        override fun verifySupervisor(supervisorId: String, pin: String): SupervisorCheck = core.call {
            try {
                core.store.signIn(supervisorId, pin).use { session ->
                    if (session.operator().role == Role.SUPERVISOR) SupervisorCheck.Approved(supervisorId)
                    else SupervisorCheck.NotSupervisor
                }
            } catch (_: JatigiException.WrongPin) {
                SupervisorCheck.WrongPin
            } catch (_: JatigiException.UnknownOperator) {
                SupervisorCheck.NotSupervisor
            }
        }

        /**
         * No FFI counterpart: the FFI checks duplicates of an `EnrollmentSession` whose
         * fingers it captured itself (`captureFinger` with the ScannerSession); it takes no
         * templates from Kotlin.
         */
        override fun checkDuplicates(household: HouseholdSubmission): List<MemberCandidates> =
            notInFfi("checkDuplicates", "EnrollmentSession.checkDuplicates takes no templates")

        /** No FFI counterpart: `EnrollmentSession.save` saves fingers the FFI captured itself. */
        override fun save(household: HouseholdSubmission, decisions: Map<Int, DuplicateDecision>): String =
            notInFfi("save", "EnrollmentSession.save takes no templates")

        /** No FFI counterpart: person ids come back only from `EnrollmentSession.save` (`SavedHousehold.members`). */
        override fun personId(householdId: String, member: Int): String =
            notInFfi("personId", "no person-id function")

        /** No FFI counterpart: `OperatorSession.searchByFinger` scans the finger itself. */
        override fun identify(samples: Map<Finger, FingerSample>): List<Candidate> =
            notInFfi("identify", "searchByFinger scans the finger itself")

        /** No FFI counterpart: the FFI has no 1:1 verification of a person id against templates. */
        override fun verify(personId: String, samples: Map<Finger, FingerSample>): MatchResult =
            notInFfi("verify", "no 1:1 verification against templates")
    }

    private class Scanner(private val app: JatigiApp, private val openLink: () -> ByteLink) : ScannerPort {
        @Volatile
        private var session: FfiScanner? = null

        /** Opens a new link and hands it to the FFI's connect (first time) or reconnect. */
        override fun connect(): ScannerInfo {
            language(app)
            session?.disconnect()
            val link = try {
                openLink()
            } catch (_: IOException) {
                throw ScannerException(ScannerFailure.NotConnected)
            } catch (_: SecurityException) {
                throw ScannerException(ScannerFailure.NotConnected)
            }
            return scanner {
                val current = session
                val transport = LinkTransport(link)
                val connected = if (current == null) FfiScanner.connect(transport).also { session = it }
                else current.also { it.reconnect(transport) }
                // The FFI's status has no serial number: the firmware versions only.
                val status = connected.status()
                ScannerInfo(serial = "", firmware = listOf(status.firmware, status.sensorFirmware).filter { it.isNotEmpty() }.joinToString(" / "))
            }
        }

        override fun battery(): BatteryReading = scanner {
            // The FFI reports the percentage and temperature, not whether it is charging.
            BatteryReading(connected().status().batteryPercent.toInt())
        }

        /** No FFI counterpart (no live quality); the logic's ScannerSession reads this failure as "no preview". */
        override fun qualityPreview(): Int? =
            throw ScannerException(ScannerFailure.Other("quality preview: not in the core's Kotlin API"))

        /**
         * No FFI counterpart: the FFI returns no template to Kotlin; its captures happen inside
         * `EnrollmentSession.captureFinger`, `searchByFinger` and `checkMemberOnCard`.
         */
        override fun capture(finger: Finger): FingerSample =
            throw ScannerException(ScannerFailure.Other("capture: the core's Kotlin API has no template capture"))

        override fun close() {
            session?.let { it.disconnect(); it.close() }
            session = null
        }

        private fun connected(): FfiScanner = session ?: throw ScannerException(ScannerFailure.NotConnected)

        private fun <T> scanner(block: () -> T): T = try {
            block()
        } catch (e: JatigiException) {
            throw ScannerException(failure(e))
        }

        /** The FFI's scanner errors as the screens' [ScannerFailure]s (flat: no numbers travel). */
        private fun failure(e: JatigiException): ScannerFailure = when (e) {
            is JatigiException.ScannerNotConnected -> ScannerFailure.NotConnected
            is JatigiException.ScannerDisconnected -> ScannerFailure.Disconnected
            is JatigiException.ScannerTimeout -> ScannerFailure.Timeout
            is JatigiException.ScannerBusy -> ScannerFailure.Busy
            is JatigiException.NoFinger -> ScannerFailure.NoFinger
            is JatigiException.TriggerStuck -> ScannerFailure.TriggerStuck
            // LowBattery and PoorQuality carry their number in the message only.
            else -> ScannerFailure.Other(e.message ?: e.toString())
        }
    }

    private class Cards(private val core: Core) : CardPort {
        /** `issueCard` without the head's name (the programme decides; not a setting yet) by the signed-in operator. */
        override fun issue(householdId: String): IssuedCard = core.call {
            val operator = core.signedIn()
            val card = operator.issueCard(householdId, false)
            // The FFI's IssuedCard has no member count: read it back from the card's own
            // text, as a verifier would (the head's name is on it only when included).
            val onCard = verifyCardText(card.qrText, operator.keyRing())
            IssuedCard(card.householdId, onCard.headName ?: "", onCard.memberNumbers.size, card.cardPng)
        }

        /**
         * `verifyCardPhoto` with the signed-in operator's `keyRing()`: this tablet's own key.
         * The programme's merged key ring is not provisioned in the app yet, so a card from
         * another tablet reads as [CardVerdict.Forged] (UNKNOWN_ISSUER). An EXPIRED card has
         * no verdict in the port: it is thrown with the core's reason.
         */
        override fun read(photoJpeg: ByteArray): CardVerdict = core.call {
            val verdict = verifyCardPhoto(photoJpeg, core.signedIn().keyRing())
            when (verdict.status) {
                CardStatus.VALID -> CardVerdict.Genuine(
                    CardHolder(
                        householdId = verdict.householdId ?: "",
                        // The card holds member numbers, not names (the head's name at most).
                        members = verdict.memberNumbers.map { n ->
                            n.toInt() to (if (n.toInt() == 1) verdict.headName ?: "" else "")
                        },
                        // The card carries its expiry date, not its issue date.
                        issuedOn = verdict.expiresOn?.let { "%04d-%02d-%02d".format(it.year, it.month.toInt(), it.day.toInt()) } ?: "",
                    ),
                )
                CardStatus.UNKNOWN_ISSUER, CardStatus.BAD_SIGNATURE -> CardVerdict.Forged
                CardStatus.REVOKED -> CardVerdict.Revoked
                CardStatus.UNREADABLE -> CardVerdict.Unreadable
                CardStatus.EXPIRED -> throw IllegalStateException(verdict.reason)
            }
        }

        /**
         * No FFI counterpart: `checkMemberOnCard` takes the card's text and the ScannerSession
         * and scans the finger itself; it takes no template from Kotlin.
         */
        override fun verifyMember(householdId: String, member: Int, finger: Finger, sample: FingerSample): MatchResult =
            notInFfi("verifyMember", "checkMemberOnCard scans the finger itself")
    }

    private class Sync(private val core: Core) : SyncPort {
        /**
         * `exportPacket` with the progress passed through and the cancel flag polled at each
         * progress step (the FFI's CancelToken is pushed, the port's flag is polled). No
         * packet (nothing new) is an empty packet of 0 households, which the export screen
         * reports as "nothing to export".
         */
        override fun exportPacket(progress: (done: Int, total: Int) -> Unit, isCancelled: () -> Boolean): ExportPacket {
            val cancel = CancelToken()
            if (isCancelled()) cancel.cancel()
            val listener = object : ProgressListener {
                override fun onProgress(progress: Progress) {
                    if (isCancelled()) cancel.cancel()
                    progress(progress.done.toInt(), progress.total.toInt())
                }
            }
            return try {
                core.call {
                    val packet = try {
                        core.signedIn().exportPacket(listener, cancel)
                    } catch (_: JatigiException.Cancelled) {
                        throw CancelledException()
                    }
                    if (packet == null) ExportPacket("", ByteArray(0), 0)
                    else ExportPacket(packet.fileName, packet.bytes, packet.householdCount.toInt())
                }
            } finally {
                cancel.close()
            }
        }

        /**
         * Nothing to call: the core counts a packet as made when `exportPacket` returns. A
         * file lost afterwards is made again with `reexportPacket(sequence)`, which no port
         * offers yet.
         */
        override fun markExported(packet: ExportPacket) {}
    }

    private fun notInFfi(method: String, why: String): Nothing =
        throw UnsupportedOperationException("$method: no counterpart in the core's Kotlin API ($why)")
}
