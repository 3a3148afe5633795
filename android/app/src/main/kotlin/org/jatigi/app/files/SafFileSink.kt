package org.jatigi.app.files

import android.content.Context
import android.content.Intent
import android.net.Uri
import java.io.IOException
import org.jatigi.field.ports.FileSink

/** Writes export packets where the operator chose through the storage access framework (USB key, SD card). */
class SafFileSink(private val context: Context) : FileSink {
    override fun write(target: String, bytes: ByteArray) {
        val stream = context.contentResolver.openOutputStream(Uri.parse(target), "wt")
            ?: throw IOException("cannot open $target")
        stream.use {
            it.write(bytes)
            it.flush()
        }
    }

    companion object {
        /** The system "save as" picker, with the packet's suggested name. */
        fun createDocument(suggestedName: String): Intent = Intent(Intent.ACTION_CREATE_DOCUMENT)
            .addCategory(Intent.CATEGORY_OPENABLE)
            .setType("application/octet-stream")
            .putExtra(Intent.EXTRA_TITLE, suggestedName)
    }
}
