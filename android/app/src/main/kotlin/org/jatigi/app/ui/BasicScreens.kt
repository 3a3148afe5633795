package org.jatigi.app.ui

import android.content.Intent
import android.view.View
import org.jatigi.app.bluetooth.BondedScanners
import org.jatigi.field.login.Login
import org.jatigi.field.login.LoginState
import org.jatigi.field.ports.Operator
import org.jatigi.field.ports.Region
import org.jatigi.field.ports.SiteDraft
import org.jatigi.field.scanner.BatteryLevel
import org.jatigi.field.scanner.ScannerStatus
import org.jatigi.field.scanner.failureText
import org.jatigi.field.settings.Settings
import org.jatigi.field.text.Labels
import org.jatigi.field.text.Lang
import org.jatigi.field.text.Msg
import org.jatigi.field.text.Text
import org.jatigi.field.validation.Validation

/** Operator sign-in with a PIN. The core counts failures and locks out; the screen only shows it. */
class LoginScreen(host: ScreenHost, private val onSignedIn: (Operator) -> Unit) : Screen(host) {
    private var state: LoginState = LoginState.Entering()
    private var busy = false
    private var typedId: () -> String? = { null }

    override fun saveInput() {
        val id = typedId() ?: return
        (state as? LoginState.Entering)?.let { state = it.copy(operatorId = id) }
    }

    override fun build(): View {
        val c = host
        val col = Ui.column(c)
        col.addView(Ui.title(c, t(Msg.LOGIN_TITLE)))
        val entering = state as? LoginState.Entering ?: LoginState.Entering()
        val id = Ui.field(c, t(Msg.LOGIN_OPERATOR_ID), entering.operatorId, Ui.PLAIN)
        val pin = Ui.field(c, t(Msg.LOGIN_PIN), "", Ui.PIN)
        typedId = { id.text.toString() }
        col.addView(id, Ui.wide())
        col.addView(pin, Ui.wide())
        entering.message?.let { col.addView(Ui.text(c, it.render(app.settings.lang), Ui.ERROR, bold = true)) }
        col.addView(Ui.button(c, t(Msg.LOGIN_BUTTON), enabled = !busy) {
            busy = true
            refresh()
            val operatorId = id.text.toString()
            val typed = pin.text.toString()
            app.worker.execute {
                val next = try {
                    Login.attempt(app.registry, operatorId, typed)
                } catch (e: RuntimeException) {
                    LoginState.Entering(operatorId, Text(Msg.ERR_CORE, e.message ?: ""))
                }
                app.ui.execute {
                    busy = false
                    state = next
                    if (next is LoginState.SignedIn) {
                        app.operator = next.operator
                        onSignedIn(next.operator)
                    } else {
                        refresh()
                    }
                }
            }
        }, Ui.wide())
        return Ui.scroll(col)
    }
}

class HomeScreen(host: ScreenHost) : Screen(host) {
    override fun build(): View {
        val c = host
        val col = Ui.column(c)
        col.addView(Ui.title(c, t(Msg.HOME_TITLE, app.operator?.name ?: "")))
        col.addView(Ui.text(c, scannerLine(app.scanner.status), bold = true))
        val actions = listOf(
            Msg.HOME_NEW_HOUSEHOLD to {
                host.show(EnrollmentScreen(host, null) { done ->
                    host.show(if (done != null) CardScreen(host, done.householdId) else HomeScreen(host))
                })
            },
            Msg.HOME_VERIFY_CARD to { host.show(VerifyCardScreen(host)) },
            Msg.HOME_EXPORT to { host.show(ExportScreen(host)) },
            Msg.HOME_SCANNER to { host.show(ScannerScreen(host)) },
            Msg.HOME_SETTINGS to { host.show(SettingsScreen(host)) },
            // Accounts: supervisors only (the core refuses anyone else too).
            Msg.HOME_OPERATORS to { host.show(OperatorsScreen(host)) },
            Msg.HOME_SIGN_OUT to {
                app.operator = null
                host.show(LoginScreen(host) { host.show(HomeScreen(host)) })
            },
        )
        val shown = if (app.operator?.isSupervisor == true) actions else actions.filter { it.first != Msg.HOME_OPERATORS }
        for ((msg, action) in shown) col.addView(Ui.button(c, t(msg)) { action() }, Ui.wide())
        return Ui.scroll(col)
    }

    private fun scannerLine(s: ScannerStatus): String = scannerText(this, s)
}

/** One line for the scanner's state, shared by the home and scanner screens. */
fun scannerText(screen: Screen, s: ScannerStatus): String = when (s) {
    is ScannerStatus.Connected -> screen.t(Msg.SCANNER_CONNECTED, s.info.serial, s.info.firmware) +
        (s.battery?.let { "\n" + screen.t(Msg.SCANNER_BATTERY, it.percent) } ?: "")
    is ScannerStatus.Reconnecting -> screen.t(Msg.SCANNER_RECONNECTING, s.attempt, s.of)
    ScannerStatus.Connecting -> screen.t(Msg.SCANNER_CONNECTING)
    ScannerStatus.Lost -> screen.t(Msg.SCANNER_LOST)
    ScannerStatus.Disconnected -> screen.t(Msg.SCANNER_DISCONNECTED)
}

/** Pairing and status: pick a bonded scanner, connect, see serial, firmware and battery. */
class ScannerScreen(host: ScreenHost) : Screen(host) {
    private var status: ScannerStatus = app.scanner.status
    private var problem: String? = null
    private val listener: (ScannerStatus) -> Unit = {
        status = it
        refresh()
    }

    override fun onShow() {
        app.addScannerListener(listener)
    }

    override fun onHide() {
        app.removeScannerListener(listener)
    }

    override fun onBack(): Boolean = backToHome()

    override fun build(): View {
        val c = host
        val col = Ui.column(c)
        col.addView(Ui.title(c, t(Msg.SCANNER_TITLE)))
        val colour = when ((status as? ScannerStatus.Connected)?.level) {
            BatteryLevel.OK -> Ui.OK
            BatteryLevel.LOW -> Ui.WARN
            BatteryLevel.TOO_LOW -> Ui.ERROR
            null -> Ui.INK
        }
        col.addView(Ui.text(c, scannerText(this, status), colour, bold = true))
        (status as? ScannerStatus.Connected)?.battery?.let { b ->
            when ((status as ScannerStatus.Connected).level) {
                BatteryLevel.LOW -> col.addView(Ui.text(c, t(Msg.BATTERY_LOW, b.percent), Ui.WARN))
                BatteryLevel.TOO_LOW -> col.addView(Ui.text(c, t(Msg.BATTERY_TOO_LOW, b.percent), Ui.ERROR))
                BatteryLevel.OK -> {}
            }
        }
        problem?.let { col.addView(Ui.text(c, it, Ui.ERROR)) }
        val missing = BondedScanners.missingPermissions(host)
        val adapter = BondedScanners.adapter(c)
        when {
            missing.isNotEmpty() -> {
                col.addView(Ui.text(c, t(Msg.SCANNER_PERMISSION_NEEDED)))
                col.addView(Ui.button(c, t(Msg.OK)) { host.withPermissions(missing) { refresh() } }, Ui.wide())
            }
            adapter == null || !adapter.isEnabled -> col.addView(Ui.text(c, t(Msg.SCANNER_BLUETOOTH_OFF), Ui.ERROR))
            else -> {
                val scanners = try {
                    BondedScanners.list(adapter)
                } catch (_: SecurityException) {
                    emptyList()
                }
                if (scanners.isEmpty()) {
                    col.addView(Ui.text(c, t(Msg.SCANNER_NONE_BONDED)))
                    col.addView(Ui.button(c, t(Msg.HOME_SETTINGS)) {
                        host.launch(Intent(android.provider.Settings.ACTION_BLUETOOTH_SETTINGS)) { _, _ -> refresh() }
                    }, Ui.wide())
                } else {
                    col.addView(Ui.text(c, t(Msg.SCANNER_PICK)))
                    for (s in scanners) {
                        val chosen = s.address == app.settings.scannerAddress
                        col.addView(Ui.button(c, (if (chosen) "● " else "○ ") + s.serial + "  " + s.name) {
                            app.saveSettings(app.settings.copy(scannerAddress = s.address))
                            connect()
                        }, Ui.wide())
                    }
                    col.addView(Ui.button(c, t(Msg.SCANNER_CONNECT), enabled = app.settings.scannerAddress.isNotEmpty()) { connect() }, Ui.wide())
                }
            }
        }
        col.addView(Ui.button(c, t(Msg.BACK)) { host.show(HomeScreen(host)) }, Ui.wide())
        return Ui.scroll(col)
    }

    private fun connect() {
        problem = null
        val session = app.scanner
        app.worker.execute {
            val failure = session.connect()
            app.ui.execute {
                problem = failure?.let { failureText(it).render(app.settings.lang) }
                refresh()
            }
        }
    }
}

class SettingsScreen(host: ScreenHost) : Screen(host) {
    private var draft: Settings = app.settings
    private var message: Text? = null
    private var typedSite: () -> String? = { null }
    private var typedPlace: () -> SiteDraft? = { null }

    override fun saveInput() {
        typedSite()?.let { draft = draft.copy(siteCode = it.trim()) }
        typedPlace()?.let { draft = draft.copy(site = it) }
    }

    override fun onBack(): Boolean = backToHome()

    override fun build(): View {
        val c = host
        val col = Ui.column(c)
        col.addView(Ui.title(c, t(Msg.SETTINGS_TITLE)))
        col.addView(Ui.text(c, t(Msg.SETTINGS_LANGUAGE), bold = true))
        col.addView(Ui.choices(c, listOf(Lang.FR to t(Msg.LANG_FR), Lang.EN to t(Msg.LANG_EN)), draft.lang) {
            draft = draft.copy(lang = it)
            refresh()
        }, Ui.wide())
        col.addView(Ui.text(c, t(Msg.SETTINGS_SITE), bold = true))
        val site = Ui.field(c, t(Msg.SETTINGS_SITE), draft.siteCode, Ui.PLAIN)
        typedSite = { site.text.toString() }
        col.addView(site, Ui.wide())
        // The day's site, copied into each new household (Settings.newHousehold); the form checks it.
        col.addView(Ui.text(c, t(Msg.SETTINGS_SITE_PLACE), bold = true))
        val region = Ui.dropdown(c, t(Msg.FORM_REGION_NONE), Region.entries.map { it to t(Labels.region(it)) }, draft.site.region)
        val cercle = Ui.field(c, t(Msg.FORM_CERCLE), draft.site.cercle)
        val commune = Ui.field(c, t(Msg.FORM_COMMUNE), draft.site.commune)
        val siteName = Ui.field(c, t(Msg.FORM_SITE_NAME), draft.site.siteName)
        col.addView(Ui.text(c, t(Msg.FORM_REGION)))
        col.addView(region.view, Ui.wide())
        listOf(cercle, commune, siteName).forEach { col.addView(it, Ui.wide()) }
        typedPlace = {
            SiteDraft(
                region.read(), Validation.clean(cercle.text.toString()), Validation.clean(commune.text.toString()),
                Validation.clean(siteName.text.toString()),
            )
        }
        col.addView(Ui.text(c, t(Msg.SETTINGS_FOUR_FINGERS), bold = true))
        col.addView(Ui.choices(c, listOf(true to t(Msg.YES), false to t(Msg.NO)), draft.fourFingers) {
            draft = draft.copy(fourFingers = it)
            refresh()
        }, Ui.wide())
        message?.let { col.addView(Ui.text(c, it.render(app.settings.lang), if (it.msg == Msg.SETTINGS_SAVED) Ui.OK else Ui.ERROR)) }
        col.addView(Ui.button(c, t(Msg.SETTINGS_SAVE)) {
            draft = draft.copy(siteCode = site.text.toString().trim())
            typedPlace()?.let { draft = draft.copy(site = it) }
            if (!Validation.isCode(draft.siteCode)) {
                message = Text(Msg.ERR_SITE_CODE)
            } else {
                app.saveSettings(draft)
                message = Text(Msg.SETTINGS_SAVED)
            }
            refresh()
        }, Ui.wide())
        col.addView(Ui.button(c, t(Msg.BACK)) { host.show(HomeScreen(host)) }, Ui.wide())
        return Ui.scroll(col)
    }
}
