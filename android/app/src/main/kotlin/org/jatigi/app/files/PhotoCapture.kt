package org.jatigi.app.files

import android.content.ClipData
import android.content.Context
import android.content.Intent
import android.provider.MediaStore

/**
 * Card and face photos through the system camera app: no camera code and no CAMERA
 * permission in Jatigi. The photo is written into the app's cache, read once, and deleted,
 * so it never sits in the shared gallery.
 */
object PhotoCapture {
    fun intent(context: Context): Intent {
        PrivateFileProvider.file(context, PrivateFileProvider.PHOTO).delete()
        val uri = PrivateFileProvider.uri(context, PrivateFileProvider.PHOTO)
        return Intent(MediaStore.ACTION_IMAGE_CAPTURE)
            .putExtra(MediaStore.EXTRA_OUTPUT, uri)
            .addFlags(Intent.FLAG_GRANT_WRITE_URI_PERMISSION or Intent.FLAG_GRANT_READ_URI_PERMISSION)
            .apply { clipData = ClipData.newRawUri("", uri) }
    }

    /** The JPEG the camera wrote, removed from disk; null when the operator backed out. */
    fun take(context: Context): ByteArray? {
        val file = PrivateFileProvider.file(context, PrivateFileProvider.PHOTO)
        if (!file.exists() || file.length() == 0L) return null
        return try {
            file.readBytes()
        } finally {
            file.delete()
        }
    }
}
