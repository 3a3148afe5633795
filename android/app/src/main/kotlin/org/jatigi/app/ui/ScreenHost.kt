package org.jatigi.app.ui

import android.app.Activity
import android.app.AlertDialog
import android.content.ActivityNotFoundException
import android.content.Intent
import android.content.pm.PackageManager
import android.content.res.Configuration
import android.os.Bundle
import android.view.View
import org.jatigi.app.CoreGlue
import org.jatigi.app.JatigiApp
import org.jatigi.field.text.Msg

/** One screen: builds its views from its state; rebuilt whole on each change (screens are small). */
abstract class Screen(val host: ScreenHost) {
    val app: JatigiApp get() = host.app
    fun t(msg: Msg, vararg args: Any) = app.t(msg, *args)
    abstract fun build(): View
    open fun onShow() {}
    open fun onHide() {}
    /** Keeps what was typed before the views are rebuilt (state change or rotation). */
    open fun saveInput() {}
    /** True when the screen handled Back itself. */
    open fun onBack(): Boolean = false
    /** Back from a screen opened from Home: Home again (handled). */
    protected fun backToHome(): Boolean {
        host.show(HomeScreen(host))
        return true
    }
    fun refresh() = host.refresh(this)
}

/**
 * An activity that shows [Screen]s and routes activity results and permission answers to
 * callbacks. Rotation does not recreate it (configChanges in the manifest): the screen is
 * rebuilt for the new orientation and keeps its state.
 */
abstract class ScreenHost : Activity() {
    val app: JatigiApp get() = application as JatigiApp
    private var current: Screen? = null
    private val results = HashMap<Int, (Int, Intent?) -> Unit>()
    private val permissionAnswers = HashMap<Int, (Boolean) -> Unit>()
    private var nextRequest = 1

    abstract fun firstScreen(): Screen

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        title = app.t(Msg.APP_NAME)
        show(firstScreen())
    }

    fun show(screen: Screen) {
        current?.onHide()
        current = screen
        setContentView(screen.build())
        screen.onShow()
    }

    fun refresh(screen: Screen) {
        if (screen === current && !isFinishing) {
            screen.saveInput()
            setContentView(screen.build())
        }
    }

    override fun onConfigurationChanged(newConfig: Configuration) {
        super.onConfigurationChanged(newConfig)
        current?.let {
            it.saveInput()
            setContentView(it.build())
        }
    }

    override fun onDestroy() {
        current?.onHide()
        super.onDestroy()
    }

    /** Starts another app's activity (camera, file picker, share sheet) and calls back with its result. */
    fun launch(intent: Intent, onResult: (Int, Intent?) -> Unit) {
        val code = nextRequest++
        results[code] = onResult
        try {
            startActivityForResult(intent, code)
        } catch (_: ActivityNotFoundException) {
            results.remove(code)
            alert(app.t(Msg.CAMERA_UNAVAILABLE))
        }
    }

    @Deprecated("framework callback")
    @Suppress("DEPRECATION")
    override fun onActivityResult(requestCode: Int, resultCode: Int, data: Intent?) {
        super.onActivityResult(requestCode, resultCode, data)
        results.remove(requestCode)?.invoke(resultCode, data)
    }

    fun withPermissions(permissions: List<String>, then: (Boolean) -> Unit) {
        if (permissions.isEmpty()) return then(true)
        val code = nextRequest++
        permissionAnswers[code] = then
        requestPermissions(permissions.toTypedArray(), code)
    }

    override fun onRequestPermissionsResult(requestCode: Int, permissions: Array<out String>, grantResults: IntArray) {
        super.onRequestPermissionsResult(requestCode, permissions, grantResults)
        permissionAnswers.remove(requestCode)?.invoke(grantResults.isNotEmpty() && grantResults.all { it == PackageManager.PERMISSION_GRANTED })
    }

    fun alert(message: String) {
        AlertDialog.Builder(this).setMessage(message).setPositiveButton(app.t(Msg.OK), null).show()
    }

    fun confirm(message: String, onYes: () -> Unit) {
        AlertDialog.Builder(this).setMessage(message)
            .setPositiveButton(app.t(Msg.YES)) { _, _ -> onYes() }
            .setNegativeButton(app.t(Msg.NO), null)
            .show()
    }

    @Deprecated("framework callback")
    @Suppress("DEPRECATION")
    override fun onBackPressed() {
        if (current?.onBack() != true) super.onBackPressed()
    }
}

/** The launcher activity: first-run setup on a new tablet, then sign-in, then the home menu. */
class MainActivity : ScreenHost() {
    override fun firstScreen(): Screen = when {
        !CoreGlue.isSetUp(app) -> SetupScreen(this) { show(login()) }
        app.operator == null -> login()
        else -> HomeScreen(this)
    }

    private fun login(): Screen = LoginScreen(this) { show(HomeScreen(this)) }
}
