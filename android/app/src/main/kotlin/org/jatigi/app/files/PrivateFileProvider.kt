package org.jatigi.app.files

import android.content.ContentProvider
import android.content.ContentValues
import android.content.Context
import android.database.Cursor
import android.database.MatrixCursor
import android.net.Uri
import android.os.ParcelFileDescriptor
import android.provider.OpenableColumns
import java.io.File
import java.io.FileNotFoundException

/**
 * Hands single files of the app's cache to another app for a moment: the camera app writes
 * a photo into one, a share target reads the card picture from another. A framework-only
 * stand-in for androidx's FileProvider; not exported, access only through URI grants.
 */
class PrivateFileProvider : ContentProvider() {
    override fun onCreate() = true

    private fun fileOf(uri: Uri): File {
        val name = uri.lastPathSegment ?: throw FileNotFoundException("no file name")
        if (name !in NAMES) throw FileNotFoundException(name)
        return File(dir(context ?: throw FileNotFoundException("no context")), name)
    }

    override fun openFile(uri: Uri, mode: String): ParcelFileDescriptor =
        ParcelFileDescriptor.open(fileOf(uri), ParcelFileDescriptor.parseMode(mode))

    override fun getType(uri: Uri): String = if (uri.lastPathSegment.orEmpty().endsWith(".png")) "image/png" else "image/jpeg"

    override fun query(uri: Uri, projection: Array<out String>?, selection: String?, selectionArgs: Array<out String>?, sortOrder: String?): Cursor {
        val file = fileOf(uri)
        val columns = arrayOf(OpenableColumns.DISPLAY_NAME, OpenableColumns.SIZE)
        return MatrixCursor(columns, 1).apply { addRow(arrayOf<Any>(file.name, file.length())) }
    }

    override fun insert(uri: Uri, values: ContentValues?): Uri? = null
    override fun delete(uri: Uri, selection: String?, selectionArgs: Array<out String>?) = 0
    override fun update(uri: Uri, values: ContentValues?, selection: String?, selectionArgs: Array<out String>?) = 0

    companion object {
        const val PHOTO = "photo.jpg"
        const val CARD = "card.png"
        private val NAMES = setOf(PHOTO, CARD)

        fun authority(context: Context) = context.packageName + ".files"

        fun dir(context: Context) = File(context.cacheDir, "handoff").apply { mkdirs() }

        fun file(context: Context, name: String) = File(dir(context), name)

        fun uri(context: Context, name: String): Uri = Uri.Builder().scheme("content").authority(authority(context)).appendPath(name).build()
    }
}
