package org.jatigi.app.files

import android.content.Context
import android.content.Intent
import android.graphics.Bitmap
import android.graphics.BitmapFactory
import android.graphics.Paint
import android.graphics.Rect
import android.os.Bundle
import android.os.CancellationSignal
import android.os.ParcelFileDescriptor
import android.print.PageRange
import android.print.PrintAttributes
import android.print.PrintDocumentAdapter
import android.print.PrintDocumentInfo
import android.print.PrintManager
import android.print.pdf.PrintedPdfDocument
import java.io.FileOutputStream
import org.jatigi.field.card.CardFiles
import org.jatigi.field.ports.IssuedCard

/** Sharing and printing a household card (the QR picture made by the core). */
object CardOutput {
    fun bitmap(card: IssuedCard): Bitmap? = BitmapFactory.decodeByteArray(card.qrPng, 0, card.qrPng.size)

    /** The system share sheet (Bluetooth to another tablet, a messaging app…). */
    fun shareIntent(context: Context, card: IssuedCard): Intent {
        PrivateFileProvider.file(context, PrivateFileProvider.CARD).writeBytes(card.qrPng)
        val uri = PrivateFileProvider.uri(context, PrivateFileProvider.CARD)
        val send = Intent(Intent.ACTION_SEND)
            .setType("image/png")
            .putExtra(Intent.EXTRA_STREAM, uri)
            .putExtra(Intent.EXTRA_TITLE, CardFiles.pngName(card.householdId))
            .addFlags(Intent.FLAG_GRANT_READ_URI_PERMISSION)
        return Intent.createChooser(send, null)
    }

    /** Prints one page with the card picture centred, through the system print service. */
    fun print(context: Context, card: IssuedCard) {
        val picture = bitmap(card) ?: return
        val manager = context.getSystemService(PrintManager::class.java) ?: return
        val name = CardFiles.printJobName(card.householdId)
        manager.print(name, CardPrintAdapter(context, name, picture), PrintAttributes.Builder().build())
    }

    private class CardPrintAdapter(val context: Context, val name: String, val picture: Bitmap) : PrintDocumentAdapter() {
        private var attributes: PrintAttributes? = null

        override fun onLayout(old: PrintAttributes?, new: PrintAttributes, cancel: CancellationSignal?, callback: LayoutResultCallback, extras: Bundle?) {
            if (cancel?.isCanceled == true) return callback.onLayoutCancelled()
            attributes = new
            val info = PrintDocumentInfo.Builder("$name.pdf")
                .setContentType(PrintDocumentInfo.CONTENT_TYPE_DOCUMENT)
                .setPageCount(1)
                .build()
            callback.onLayoutFinished(info, old != new)
        }

        override fun onWrite(pages: Array<out PageRange>, destination: ParcelFileDescriptor, cancel: CancellationSignal?, callback: WriteResultCallback) {
            val pdf = PrintedPdfDocument(context, attributes ?: PrintAttributes.Builder().build())
            try {
                val page = pdf.startPage(0)
                val canvas = page.canvas
                // Fill half the page width: big enough to scan from a worn paper card.
                val side = minOf(canvas.width, canvas.height) / 2
                val left = (canvas.width - side) / 2
                val top = (canvas.height - side) / 3
                canvas.drawBitmap(picture, null, Rect(left, top, left + side, top + side), Paint().apply { isFilterBitmap = false })
                pdf.finishPage(page)
                FileOutputStream(destination.fileDescriptor).use { pdf.writeTo(it) }
                callback.onWriteFinished(arrayOf(PageRange.ALL_PAGES))
            } catch (e: java.io.IOException) {
                callback.onWriteFailed(e.message)
            } finally {
                pdf.close()
            }
        }
    }
}
