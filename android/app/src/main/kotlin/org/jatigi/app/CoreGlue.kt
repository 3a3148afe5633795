package org.jatigi.app

import java.io.File
import java.io.IOException
import java.security.GeneralSecurityException
import javax.crypto.AEADBadTagException
import org.jatigi.ffi.BirthInfo
import org.jatigi.ffi.CalendarDate
import org.jatigi.ffi.DisplacementSite
import org.jatigi.ffi.Origin
import org.jatigi.ffi.ByteTransport
import org.jatigi.ffi.CancelToken
import org.jatigi.ffi.CapturedFinger
import org.jatigi.ffi.CardStatus
import org.jatigi.ffi.ConsentDecision
import org.jatigi.ffi.Decision
import org.jatigi.ffi.EnrollmentSession
import org.jatigi.ffi.FingerException
import org.jatigi.ffi.HouseholdDetails
import org.jatigi.ffi.JatigiException
import org.jatigi.ffi.JatigiStore
import org.jatigi.ffi.KeyProvider
import org.jatigi.ffi.KeyProviderException
import org.jatigi.ffi.Language
import org.jatigi.ffi.MemberDetails
import org.jatigi.ffi.NewOperator
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
import org.jatigi.field.ports.ConsentRecord
import org.jatigi.field.ports.DisplacementReason
import org.jatigi.field.ports.DuplicateDecision
import org.jatigi.field.ports.ExportPacket
import org.jatigi.field.ports.Finger
import org.jatigi.field.ports.FingerResult
import org.jatigi.field.ports.FingerSample
import org.jatigi.field.ports.HouseholdDraft
import org.jatigi.field.ports.HouseholdSubmission
import org.jatigi.field.ports.IssuedCard
import org.jatigi.field.ports.KeyWrapper
import org.jatigi.field.ports.MatchResult
import org.jatigi.field.ports.MemberCandidates
import org.jatigi.field.ports.MemberDraft
import org.jatigi.field.ports.Operator
import org.jatigi.field.ports.Region
import org.jatigi.field.ports.OperatorsPort
import org.jatigi.field.ports.RegistryPort
import org.jatigi.field.ports.ScannerException
import org.jatigi.field.ports.ScannerFailure
import org.jatigi.field.ports.ScannerInfo
import org.jatigi.field.ports.ScannerPort
import org.jatigi.field.ports.SetupPort
import org.jatigi.field.ports.AddOperatorResult
import org.jatigi.field.ports.SignInResult
import org.jatigi.field.ports.SupervisorCheck
import org.jatigi.field.ports.SyncPort
import org.jatigi.field.text.Lang
import org.jatigi.ffi.ConsentMethod as FfiConsentMethod
import org.jatigi.ffi.DisplacementReason as FfiReason
import org.jatigi.ffi.Finger as FfiFinger
import org.jatigi.ffi.Region as FfiRegion
import org.jatigi.ffi.Relation as FfiRelation
import org.jatigi.ffi.ScannerSession as FfiScanner
import org.jatigi.ffi.Sex as FfiSex

/**
 * The ports of `android/logic` over the core's generated Kotlin API (package org.jatigi.ffi,
 * made by bindings/kotlin/generate.sh; docs/kotlin-api.md). Thin on purpose: every method
 * calls the FFI and translates its types and errors (one call each, except the duplicate
 * check and the save, which replay the form into an `EnrollmentSession` call by call); the
 * core decides everything: consent, best-of-N, duplicates, decisions, thresholds.
 *
 * Errors: the FFI's flat `JatigiException` carries only its message (already in the
 * language of [setLanguage]); it becomes a `RuntimeException` with that message, which the
 * screens show, except where a port has a typed outcome for it (sign-in, supervisor check,
 * the scanner's [ScannerFailure]s, the export's [CancelledException]).
 *
 * Captures: [ScannerPort.capture] calls the FFI's `ScannerSession.capture`, which keeps the
 * template and WSQ image in the core and returns an opaque `CapturedFinger`; the port's
 * [FingerSample] carries it as its `handle`, which the logic never opens. The other ports
 * hand it back: [RegistryPort.checkDuplicates] and [RegistryPort.save] replay the submission
 * into an `EnrollmentSession` (`addMember`, `recordConsent`, `addCapture`,
 * `recordFingerException`, `setFacePhoto`) and call its `checkDuplicates`, `decide`/`overrideMatch` and
 * `save`; [RegistryPort.identify] is `identify`, [RegistryPort.verify] `verifyPerson`,
 * [CardPort.verifyMember] `checkMemberWithCapture` with the card text [CardPort.read] last
 * read for that household; [RegistryPort.personId] comes from the last save
 * (`SavedHousehold.members`). docs/adr/0005, "Captures as opaque handles". A year of birth
 * alone is sent as an estimated age (`BirthInfo.EstimatedAge`: this year minus the year of
 * birth, so possibly one year more than the true age); the form refuses a year whose age
 * would pass the core's 120. The FFI takes a full date or an estimated age, and the form
 * collects no full date.
 * The household's site (region, cercle, commune, name), origin and displacement date and
 * reason (`HouseholdDetails`) come from the form ([householdDetails], from
 * `HouseholdDraft.details()`); the form's site starts from the settings.
 *
 * First-run setup ([setup], a [SetupPort] for `org.jatigi.field.setup.SetupFlow`): the
 * setup screen shows while [isSetUp] is false (no `device_id` in the `jatigi_core`
 * preferences). On confirm it calls, in order: `JatigiStore.create` with the typed device id
 * (a store file left by a setup that never finished, so with no device id recorded, is
 * deleted first: nobody could sign in to it and nothing was exported from it),
 * `addFirstSupervisor`, `signIn` as that supervisor and `provisionDevice(programmeKey)`
 * (whose `deviceFileJson` the screen offers to save for `jatigi hub add-device`), then the
 * optional card key ring: checked by the core (`verifyCardText`, which throws
 * `KeyRingInvalid` for a ring it cannot read) and written to [KEYRING_FILE] in the app's
 * private files. Only then is `device_id` written to the preferences ([SetupPort.finish]);
 * the store created by the setup is the one the app uses from then on.
 *
 * Card verification ([CardPort.read]) judges a card against the programme's key ring
 * ([KEYRING_FILE]) when setup loaded one, and against this tablet's own card key
 * (`keyRing()`) when that ring does not know the issuer (or there is none);
 * [CardPort.verifyMember] uses the ring that accepted the card.
 *
 * Not linked yet:
 * - [ScannerPort.qualityPreview]: the FFI has no live quality (throws [ScannerFailure.Other],
 *   which the logic reads as "no preview").
 * - The site's GPS point (`DisplacementSite.gps`, optional): not collected, sent as none.
 */
object CoreGlue {
    /** The store file in the app's private storage. */
    const val STORE_FILE = "jatigi.store"

    /** Preferences file and key holding this tablet's device id (e.g. `TAB-GAO-07`). */
    const val CORE_PREFS = "jatigi_core"
    const val DEVICE_ID_KEY = "device_id"

    /** The programme's card key ring (JSON) loaded at setup, in the app's private files; absent if none was given. */
    const val KEYRING_FILE = "keyring.json"

    /** True once first-run setup finished: the tablet has its device id (written last). */
    fun isSetUp(app: JatigiApp): Boolean =
        app.getSharedPreferences(CORE_PREFS, android.content.Context.MODE_PRIVATE).getString(DEVICE_ID_KEY, null) != null

    /** The ports of the first-run setup screen. */
    fun setup(app: JatigiApp): SetupPort = Setup(app, core(app, app.keys))

    /** The programme's key ring saved at setup, or null. */
    private fun programmeKeyRing(app: JatigiApp): String? =
        File(app.filesDir, KEYRING_FILE).takeIf { it.isFile }?.readText()

    /**
     * [householdDetails]: the core's `HouseholdDetails` (site, origin, displacement) for a
     * household form; the app passes [CoreGlue.householdDetails].
     */
    fun registry(
        app: JatigiApp,
        keys: KeyWrapper,
        householdDetails: (HouseholdDraft) -> HouseholdDetails,
    ): RegistryPort = Registry(core(app, keys), householdDetails)

    /**
     * The form's site, origin and displacement as the core's `HouseholdDetails` (the core
     * cleans and validates them again). The enrollment flow lets no form through without
     * them, so [IllegalArgumentException] here means a caller skipped the form's validation.
     */
    fun householdDetails(draft: HouseholdDraft): HouseholdDetails {
        val d = draft.details() ?: throw IllegalArgumentException(
            "the household form lacks a required detail (site region, cercle, commune or name; region of origin; " +
                "displacement year and month; reason): it must pass Validation.household first",
        )
        return HouseholdDetails(
            site = DisplacementSite(region = ffi(d.siteRegion), cercle = d.siteCercle, commune = d.siteCommune, siteName = d.siteName, gps = null),
            origin = Origin(region = ffi(d.originRegion), cercle = d.originCercle, commune = d.originCommune, village = d.originVillage),
            displacedOn = CalendarDate(d.displacedOn.year, d.displacedOn.month.toUByte(), d.displacedOn.day.toUByte()),
            reason = when (d.reason) {
                DisplacementReason.CONFLICT -> FfiReason.Conflict
                DisplacementReason.VIOLENCE -> FfiReason.Violence
                DisplacementReason.FLOOD -> FfiReason.Flood
                DisplacementReason.DROUGHT -> FfiReason.Drought
                DisplacementReason.OTHER -> FfiReason.Other(d.otherReason)
            },
        )
    }

    private fun ffi(r: Region): FfiRegion = when (r) {
        Region.BAMAKO -> FfiRegion.BAMAKO
        Region.KAYES -> FfiRegion.KAYES
        Region.KOULIKORO -> FfiRegion.KOULIKORO
        Region.SIKASSO -> FfiRegion.SIKASSO
        Region.SEGOU -> FfiRegion.SEGOU
        Region.MOPTI -> FfiRegion.MOPTI
        Region.TOMBOUCTOU -> FfiRegion.TOMBOUCTOU
        Region.GAO -> FfiRegion.GAO
        Region.KIDAL -> FfiRegion.KIDAL
        Region.TAOUDENIT -> FfiRegion.TAOUDENIT
        Region.MENAKA -> FfiRegion.MENAKA
        Region.NIORO_DU_SAHEL -> FfiRegion.NIORO_DU_SAHEL
        Region.KITA -> FfiRegion.KITA
        Region.DIOILA -> FfiRegion.DIOILA
        Region.NARA -> FfiRegion.NARA
        Region.BOUGOUNI -> FfiRegion.BOUGOUNI
        Region.KOUTIALA -> FfiRegion.KOUTIALA
        Region.SAN -> FfiRegion.SAN
        Region.DOUENTZA -> FfiRegion.DOUENTZA
        Region.BANDIAGARA -> FfiRegion.BANDIAGARA
    }

    fun scanner(app: JatigiApp, openLink: () -> ByteLink): ScannerPort = Scanner(app, openLink)

    fun cards(app: JatigiApp): CardPort = Cards(core(app, app.keys))

    fun sync(app: JatigiApp): SyncPort = Sync(core(app, app.keys))

    /** Operator accounts, added through the signed-in supervisor's `OperatorSession.addOperator`. */
    fun operators(app: JatigiApp): OperatorsPort = Operators(core(app, app.keys))

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
    private class Core(val app: JatigiApp, val keys: KeyWrapper) {
        /** The store the first-run setup created in this process; used instead of opening the file. */
        @Volatile
        var created: JatigiStore? = null

        @Volatile
        var operator: OperatorSession? = null

        /** Supervisors approved by [RegistryPort.verifySupervisor], kept signed in for `overrideMatch` until the save. */
        val supervisors = java.util.concurrent.ConcurrentHashMap<String, OperatorSession>()

        /** The household being checked and saved, with the submission it was built from. */
        @Volatile
        var pending: Pending? = null

        /** Person ids of the households saved since start-up, by household id and member number. */
        val personIds = java.util.concurrent.ConcurrentHashMap<String, Map<Int, String>>()

        /** The card text last read for each household, for [CardPort.verifyMember]. */
        val cardTexts = java.util.concurrent.ConcurrentHashMap<String, String>()

        /** The key ring that accepted the card last read for each household. */
        val cardRings = java.util.concurrent.ConcurrentHashMap<String, String>()

        val store: JatigiStore by lazy {
            language(app)
            created?.let { return@lazy it }
            val deviceId = app.getSharedPreferences(CORE_PREFS, android.content.Context.MODE_PRIVATE)
                .getString(DEVICE_ID_KEY, null)
                // The setup screen sets it (MainActivity shows it first); the glue does not make one up.
                ?: throw IllegalStateException("this tablet is not set up yet (no device id): finish the setup screen first")
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

    /**
     * `addOperator` of the operator signed in through [RegistryPort.signIn]. The FFI's errors
     * are flat: the variant is the outcome, its message (in the language set) is shown.
     */
    private class Operators(private val core: Core) : OperatorsPort {
        override fun addOperator(operatorId: String, name: String, supervisor: Boolean, pin: String): AddOperatorResult =
            core.call {
                val role = if (supervisor) Role.SUPERVISOR else Role.ENUMERATOR
                try {
                    val info = core.signedIn().addOperator(NewOperator(id = operatorId, name = name, role = role, pin = pin))
                    AddOperatorResult.Added(Operator(info.id, info.name, info.role == Role.SUPERVISOR))
                } catch (_: JatigiException.OperatorExists) {
                    AddOperatorResult.IdTaken
                } catch (_: JatigiException.SupervisorRequired) {
                    AddOperatorResult.NotAllowed
                } catch (e: JatigiException.PinRejected) {
                    AddOperatorResult.Rejected(e.message ?: "")
                } catch (e: JatigiException.InvalidInput) {
                    AddOperatorResult.Rejected(e.message ?: "")
                }
            }
    }

    private class Registry(
        private val core: Core,
        private val householdDetails: (HouseholdDraft) -> HouseholdDetails,
    ) : RegistryPort {
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
                val session = core.store.signIn(supervisorId, pin)
                if (session.operator().role == Role.SUPERVISOR) {
                    // Kept for the override at the save (`overrideMatch` takes the session).
                    core.supervisors.put(supervisorId, session)?.close()
                    SupervisorCheck.Approved(supervisorId)
                } else {
                    session.close()
                    SupervisorCheck.NotSupervisor
                }
            } catch (_: JatigiException.WrongPin) {
                SupervisorCheck.WrongPin
            } catch (_: JatigiException.UnknownOperator) {
                SupervisorCheck.NotSupervisor
            }
        }

        /**
         * The submission replayed into an `EnrollmentSession` (kept for the save), then its
         * `checkDuplicates`: the core searches and decides who needs a decision.
         */
        override fun checkDuplicates(household: HouseholdSubmission): List<MemberCandidates> = core.call {
            val pending = enrollment(household)
            val found = pending.session.checkDuplicates(null, null)
            pending.checked = true
            found.map { m -> MemberCandidates(pending.formNumber(m.member), m.candidates.map { Candidate(it.personId, it.name, it.score) }) }
        }

        /**
         * The operator's decisions applied (`decide`, or `overrideMatch` under the supervisor
         * approved by [verifySupervisor]), then `save`, which checks again and refuses a
         * member flagged without a decision.
         */
        override fun save(household: HouseholdSubmission, decisions: Map<Int, DuplicateDecision>): String = core.call {
            val pending = enrollment(household)
            val session = pending.session
            // `decide` accepts only candidates of a check run on this session.
            if (!pending.checked) session.checkDuplicates(null, null)
            for ((number, decision) in decisions) {
                val member = pending.coreNumber(number)
                when (decision) {
                    DuplicateDecision.NewPerson -> session.decide(member, Decision.NewPerson)
                    is DuplicateDecision.SamePerson -> session.decide(member, Decision.SamePerson(decision.personId))
                    is DuplicateDecision.Override -> {
                        val supervisor = core.supervisors[decision.supervisorId]
                            ?: throw IllegalStateException("supervisor ${decision.supervisorId} has not approved this override on this tablet")
                        session.overrideMatch(member, decision.candidate, decision.reason, supervisor)
                    }
                }
            }
            val saved = session.save()
            core.pending = null
            core.supervisors.values.forEach { it.close() }
            core.supervisors.clear()
            session.close()
            core.personIds[saved.householdId] = saved.members.associate { pending.formNumber(it.member) to it.personId }
            saved.householdId
        }

        /** From the last save of that household on this tablet (`SavedHousehold.members`). */
        override fun personId(householdId: String, member: Int): String =
            core.personIds[householdId]?.get(member)
                ?: throw IllegalStateException("household $householdId member $member was not saved since the app started")

        override fun identify(samples: Map<Finger, FingerSample>): List<Candidate> = core.call {
            core.signedIn().identify(captures(samples), null, null).map { Candidate(it.personId, it.name, it.score) }
        }

        override fun verify(personId: String, samples: Map<Finger, FingerSample>): MatchResult = core.call {
            val check = core.signedIn().verifyPerson(personId, captures(samples))
            MatchResult(check.score, check.matched)
        }

        /**
         * The `EnrollmentSession` holding [household]: the one the last check built if the
         * submission is the same (same form, same capture handles), else a new one replayed
         * from it.
         */
        private fun enrollment(household: HouseholdSubmission): Pending {
            val key = Pending.keyOf(household)
            core.pending?.let { if (it.key == key) return it }
            core.pending?.session?.let { it.abandon(); it.close() }
            core.pending = null
            val session = core.signedIn().startHousehold(householdDetails(household.draft))
            val numbers = try {
                replay(session, household)
            } catch (e: Exception) {
                session.abandon()
                session.close()
                throw e
            }
            return Pending(key, session, numbers).also { core.pending = it }
        }

        /**
         * The form and the captures as the core's calls; every rule is the core's. Returns the
         * core's member number of each form number (the core numbers members in the order
         * they are added).
         */
        private fun replay(session: EnrollmentSession, household: HouseholdSubmission): Map<Int, UByte> {
            val numbers = LinkedHashMap<Int, UByte>()
            for (draft in household.draft.members) {
                val member = session.addMember(memberDetails(draft))
                numbers[draft.number] = member
                val biometrics = household.biometrics[draft.number] ?: continue
                val consent = biometrics.consent ?: continue
                session.recordConsent(
                    member,
                    if (consent is ConsentRecord.Given) ConsentDecision.GIVEN else ConsentDecision.REFUSED,
                    FfiConsentMethod.valueOf(consent.method.name),
                )
                for ((finger, result) in biometrics.fingers) {
                    when (result) {
                        is FingerResult.Captured -> session.addCapture(member, captured(finger, result.sample))
                        is FingerResult.Exception ->
                            session.recordFingerException(member, ffi(finger), FingerException.valueOf(result.kind.name), result.reason)
                    }
                }
                biometrics.photo?.let { session.setFacePhoto(member, it.jpeg) }
            }
            return numbers
        }
    }

    /** The household being checked, its form's member numbers, and whether its duplicate check ran. */
    private class Pending(val key: List<Any?>, val session: EnrollmentSession, private val numbers: Map<Int, UByte>) {
        @Volatile
        var checked = false

        fun coreNumber(form: Int): UByte = numbers[form] ?: throw IllegalStateException("no member $form in this household")

        fun formNumber(core: UByte): Int = numbers.entries.firstOrNull { it.value == core }?.key
            ?: throw IllegalStateException("the core returned member $core, not in this household")

        companion object {
            /** The form, the consents, and each capture's handle (uniffi objects compare by identity). */
            fun keyOf(household: HouseholdSubmission): List<Any?> = listOf(
                household.draft,
                household.biometrics.mapValues { (_, b) ->
                    listOf(b.consent, b.fingers.mapValues { (_, r) -> if (r is FingerResult.Captured) r.sample.handle else r })
                },
            )
        }
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
         * `ScannerSession.capture`: the core keeps the template and image and returns an
         * opaque `CapturedFinger`, carried as the sample's handle.
         */
        override fun capture(finger: Finger): FingerSample = scanner {
            val captured = connected().capture(ffi(finger))
            FingerSample(captured.quality().toInt(), handle = captured)
        }

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
         * `verifyCardPhoto` with the programme's key ring loaded at setup ([KEYRING_FILE]),
         * then, if that ring does not know the issuer (or there is none), with the signed-in
         * operator's `keyRing()`: this tablet's own key. A card from a tablet neither ring
         * knows reads as [CardVerdict.Forged] (UNKNOWN_ISSUER). An EXPIRED card has no
         * verdict in the port: it is thrown with the core's reason.
         */
        override fun read(photoJpeg: ByteArray): CardVerdict = core.call {
            val rings = listOfNotNull(programmeKeyRing(core.app)) + core.signedIn().keyRing()
            var ring = rings.first()
            var verdict = verifyCardPhoto(photoJpeg, ring)
            if (verdict.status == CardStatus.UNKNOWN_ISSUER && rings.size > 1) {
                ring = rings[1]
                verdict = verifyCardPhoto(photoJpeg, ring)
            }
            verdict.householdId?.let {
                if (verdict.qrText.isNotEmpty()) {
                    core.cardTexts[it] = verdict.qrText
                    core.cardRings[it] = ring
                }
            }
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
         * `checkMemberWithCapture` with the card text [read] last read for [householdId] (the
         * core verifies the card again) and the signed-in operator's key ring. A match is the
         * core's, for [member] only: a finger matching another member of the card is no match.
         */
        override fun verifyMember(householdId: String, member: Int, finger: Finger, sample: FingerSample): MatchResult = core.call {
            val qrText = core.cardTexts[householdId]
                ?: throw IllegalStateException("no card of household $householdId was read on this tablet")
            val operator = core.signedIn()
            val ring = core.cardRings[householdId] ?: operator.keyRing()
            val check = operator.checkMemberWithCapture(qrText, ring, captured(finger, sample), null, null)
            MatchResult(check.score, check.matched && check.member?.toInt() == member)
        }
    }

    /** First-run setup over the FFI (see the header); its calls come in the order of [SetupPort]. */
    private class Setup(private val app: JatigiApp, private val core: Core) : SetupPort {
        private var supervisorId = ""
        private var supervisorPin = ""
        private var supervisor: OperatorSession? = null

        private fun store(): JatigiStore = core.created ?: throw IllegalStateException("the store was not created")

        override fun createStore(deviceId: String) = core.call {
            val file = File(app.filesDir, STORE_FILE)
            core.created?.close()
            core.created = null
            if (!isSetUp(app)) {
                // Left by a setup that did not finish (device_id is written last): start again.
                app.filesDir.listFiles { f -> f.name.startsWith(STORE_FILE) }?.forEach { it.delete() }
            }
            core.created = JatigiStore.create(file.absolutePath, deviceId, KeystoreProvider(core.keys))
        }

        override fun addFirstSupervisor(operatorId: String, name: String, pin: String) = core.call {
            store().addFirstSupervisor(NewOperator(id = operatorId, name = name, role = Role.SUPERVISOR, pin = pin))
            supervisorId = operatorId
            supervisorPin = pin
        }

        override fun provisionDevice(programmeKey: String): String = core.call {
            val session = supervisor ?: store().signIn(supervisorId, supervisorPin).also { supervisor = it }
            session.provisionDevice(programmeKey).deviceFileJson
        }

        override fun saveKeyRing(json: String) = core.call {
            // The core reads the ring before judging anything: a ring it cannot read throws KeyRingInvalid.
            verifyCardText("", json)
            val file = File(app.filesDir, KEYRING_FILE)
            val partial = File(app.filesDir, "$KEYRING_FILE.partial")
            try {
                partial.writeText(json)
            } catch (e: IOException) {
                throw IllegalStateException("cannot write $partial: ${e.message}", e)
            }
            if (!partial.renameTo(file)) throw IllegalStateException("cannot write $file")
        }

        override fun finish(deviceId: String) {
            val saved = app.getSharedPreferences(CORE_PREFS, android.content.Context.MODE_PRIVATE)
                .edit().putString(DEVICE_ID_KEY, deviceId).commit()
            if (!saved) throw IllegalStateException("the device id could not be saved in the preferences")
            supervisor?.close()
            supervisor = null
            supervisorPin = ""
        }
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

    private fun ffi(finger: Finger): FfiFinger = FfiFinger.valueOf(finger.name)

    /** The core's capture a sample carries; the finger must be the one it was captured for. */
    private fun captured(finger: Finger, sample: FingerSample): CapturedFinger {
        val capture = sample.handle as? CapturedFinger
            ?: throw IllegalStateException("$sample was not captured through the core's scanner")
        if (capture.finger() != ffi(finger)) throw IllegalStateException("a capture of ${capture.finger()} was given as $finger")
        return capture
    }

    private fun captures(samples: Map<Finger, FingerSample>): List<CapturedFinger> = samples.map { (f, s) -> captured(f, s) }

    /**
     * A member of the form as the core's `MemberDetails` (the core validates it). The form
     * takes a year of birth or an estimated age, never a full date; the FFI takes a full date
     * or an estimated age. A year alone is therefore sent as what it is, an estimate: the age
     * reached this year (`BirthInfo.EstimatedAge`, which the core stores with today's date as
     * estimated), not a made-up date of birth.
     */
    private fun memberDetails(m: MemberDraft): MemberDetails {
        val year = java.util.Calendar.getInstance().get(java.util.Calendar.YEAR)
        val age = m.ageIn(year)?.takeIf { it in 0..150 } ?: throw IllegalStateException("member ${m.number} has no plausible year of birth or age")
        return MemberDetails(
            relation = FfiRelation.valueOf(m.relation.name),
            givenNames = m.givenNames,
            familyName = m.familyName,
            sex = FfiSex.valueOf((m.sex ?: throw IllegalStateException("member ${m.number} has no sex recorded")).name),
            birth = BirthInfo.EstimatedAge(age.toUByte()),
            phone = m.phone.takeIf { it.isNotBlank() },
        )
    }
}
