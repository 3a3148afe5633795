package org.jatigi.app

import android.app.Application
import android.os.Handler
import android.os.Looper
import java.io.IOException
import java.util.Calendar
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.Executor
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors
import org.jatigi.app.bluetooth.BluetoothRfcommTransport
import org.jatigi.app.bluetooth.BondedScanners
import org.jatigi.app.keystore.KeystoreKeyProvider
import org.jatigi.field.ports.ByteLink
import org.jatigi.field.ports.CalendarDay
import org.jatigi.field.ports.CardPort
import org.jatigi.field.ports.Operator
import org.jatigi.field.ports.RegistryPort
import org.jatigi.field.ports.Sleeper
import org.jatigi.field.ports.OperatorsPort
import org.jatigi.field.ports.SyncPort
import org.jatigi.field.scanner.ScannerSession
import org.jatigi.field.scanner.ScannerStatus
import org.jatigi.field.settings.Settings
import org.jatigi.field.text.Msg
import org.jatigi.field.text.Strings

/** What lives as long as the process: settings, the core's ports, the scanner session, the signed-in operator. */
class JatigiApp : Application() {
    lateinit var settings: Settings
        private set

    /** One worker: the core's calls and the scanner's commands run one at a time, off the main thread. */
    val worker: ExecutorService = Executors.newSingleThreadExecutor { Thread(it, "jatigi-worker") }
    private val main = Handler(Looper.getMainLooper())
    val ui = Executor { main.post(it) }

    val keys by lazy { KeystoreKeyProvider() }
    val registry: RegistryPort by lazy { CoreGlue.registry(this, keys, CoreGlue::householdDetails) }
    val cards: CardPort by lazy { CoreGlue.cards(this) }
    val sync: SyncPort by lazy { CoreGlue.sync(this) }
    val operators: OperatorsPort by lazy { CoreGlue.operators(this) }

    @Volatile
    var operator: Operator? = null

    private val scannerListeners = CopyOnWriteArrayList<(ScannerStatus) -> Unit>()
    lateinit var scanner: ScannerSession
        private set

    override fun onCreate() {
        super.onCreate()
        val prefs = getSharedPreferences(PREFS, MODE_PRIVATE)
        settings = Settings.fromMap(prefs.all.mapValues { it.value?.toString() })
        scanner = newSession(settings.scannerAddress)
    }

    fun t(msg: Msg, vararg args: Any): String = Strings.get(settings.lang, msg, *args)

    fun currentYear(): Int = Calendar.getInstance().get(Calendar.YEAR)

    /** The tablet's date (its time zone): the latest a displacement can be. */
    fun today(): CalendarDay = Calendar.getInstance().let {
        CalendarDay(it.get(Calendar.YEAR), it.get(Calendar.MONTH) + 1, it.get(Calendar.DAY_OF_MONTH))
    }

    fun saveSettings(s: Settings) {
        val edit = getSharedPreferences(PREFS, MODE_PRIVATE).edit()
        s.toMap().forEach { (k, v) -> edit.putString(k, v) }
        edit.apply()
        val scannerChanged = s.scannerAddress != settings.scannerAddress
        settings = s
        if (scannerChanged) {
            val old = scanner
            worker.execute { old.close() }
            scanner = newSession(s.scannerAddress)
        }
    }

    fun addScannerListener(l: (ScannerStatus) -> Unit) = scannerListeners.add(l)
    fun removeScannerListener(l: (ScannerStatus) -> Unit) = scannerListeners.remove(l)

    private fun newSession(address: String): ScannerSession {
        val port = CoreGlue.scanner(this) { openLink(address) }
        return ScannerSession(port, Sleeper { Thread.sleep(it) }) { status ->
            ui.execute { scannerListeners.forEach { it(status) } }
        }
    }

    private fun openLink(address: String): ByteLink {
        if (address.isEmpty()) throw IOException("no scanner chosen")
        val adapter = BondedScanners.adapter(this) ?: throw IOException("no Bluetooth on this tablet")
        return BluetoothRfcommTransport.connect(adapter, adapter.getRemoteDevice(address))
    }

    companion object {
        private const val PREFS = "jatigi_settings"
    }
}
