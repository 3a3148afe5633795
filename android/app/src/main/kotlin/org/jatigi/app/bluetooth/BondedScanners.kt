package org.jatigi.app.bluetooth

import android.Manifest
import android.app.Activity
import android.bluetooth.BluetoothAdapter
import android.bluetooth.BluetoothDevice
import android.bluetooth.BluetoothManager
import android.content.Context
import android.content.pm.PackageManager
import android.os.Build
import org.jatigi.field.scanner.BluetoothPermissions
import org.jatigi.field.scanner.ScannerAddress

/** A bonded scanner as the pairing screen lists it. */
class BondedScanner(val device: BluetoothDevice, val address: String, val serial: String, val name: String)

/** The tablet's Bluetooth, behind the few calls the shell needs. */
object BondedScanners {
    fun adapter(context: Context): BluetoothAdapter? =
        context.getSystemService(BluetoothManager::class.java)?.adapter

    /** Runtime permissions still missing for the scanner link (and its notification). */
    fun missingPermissions(activity: Activity): List<String> {
        val wanted = BluetoothPermissions.runtime(Build.VERSION.SDK_INT).toMutableList()
        if (Build.VERSION.SDK_INT >= 33) wanted += Manifest.permission.POST_NOTIFICATIONS
        return wanted.filter { activity.checkSelfPermission(it) != PackageManager.PERMISSION_GRANTED }
    }

    /**
     * Bonded devices whose address is a Vero scanner's, with their printed serial. Pairing
     * itself is done in the system Bluetooth settings: on some tablets the bond-state
     * broadcast never arrives, and the system screen copes with that.
     */
    @Throws(SecurityException::class)
    fun list(adapter: BluetoothAdapter): List<BondedScanner> =
        adapter.bondedDevices.orEmpty()
            .filter { ScannerAddress.isScanner(it.address) }
            .map { BondedScanner(it, it.address, ScannerAddress.serialOf(it.address) ?: it.address, it.name ?: "") }
            .sortedBy { it.serial }
}
