package org.jatigi.app.service

import android.app.Notification
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.Service
import android.content.Context
import android.content.Intent
import android.content.pm.ServiceInfo
import android.os.Build
import android.os.IBinder
import org.jatigi.app.JatigiApp
import org.jatigi.field.text.Msg

/**
 * Keeps the app in the foreground while fingers are being captured, so battery savers do
 * not kill the process (and the scanner link with it) when the screen goes off or the
 * operator glances at another app. The session itself lives in [JatigiApp]; this service
 * only holds the process up. Type "connectedDevice" (required from Android 14).
 */
class ScannerSessionService : Service() {
    override fun onBind(intent: Intent?): IBinder? = null

    override fun onStartCommand(intent: Intent?, flags: Int, startId: Int): Int {
        val app = application as JatigiApp
        val manager = getSystemService(NotificationManager::class.java)
        manager.createNotificationChannel(
            NotificationChannel(CHANNEL, app.t(Msg.SERVICE_CHANNEL), NotificationManager.IMPORTANCE_LOW),
        )
        val notification = Notification.Builder(this, CHANNEL)
            .setSmallIcon(android.R.drawable.stat_sys_data_bluetooth)
            .setContentTitle(app.t(Msg.SERVICE_TITLE))
            .setContentText(app.t(Msg.SERVICE_TEXT))
            .setOngoing(true)
            .build()
        try {
            if (Build.VERSION.SDK_INT >= 29) {
                startForeground(NOTIFICATION_ID, notification, ServiceInfo.FOREGROUND_SERVICE_TYPE_CONNECTED_DEVICE)
            } else {
                startForeground(NOTIFICATION_ID, notification)
            }
        } catch (_: SecurityException) {
            // Android 14 refuses a connected-device service without BLUETOOTH_CONNECT granted:
            // capture still works while the screen is on; the scanner screen asks for it.
            stopSelf()
        }
        // Not restarted after a kill: a session cannot be resumed without the operator.
        return START_NOT_STICKY
    }

    override fun onDestroy() {
        stopForeground(STOP_FOREGROUND_REMOVE)
        super.onDestroy()
    }

    companion object {
        private const val CHANNEL = "scanner_session"
        private const val NOTIFICATION_ID = 1

        fun hold(context: Context, on: Boolean) {
            val intent = Intent(context, ScannerSessionService::class.java)
            if (on) context.startForegroundService(intent) else context.stopService(intent)
        }
    }
}
