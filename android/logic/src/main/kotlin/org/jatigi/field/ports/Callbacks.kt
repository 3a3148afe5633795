package org.jatigi.field.ports

// Plain Kotlin interfaces shaped like the core's uniffi callback interfaces, so the Android
// adapters can be handed to the generated bindings with a line of glue each.

/** The shape of the core's key-provider callback: the Keystore adapter implements it. */
interface KeyWrapper {
    fun wrap(key: ByteArray): ByteArray
    fun unwrap(blob: ByteArray): ByteArray
}

/** The shape of the core's byte-transport callback: the RFCOMM adapter implements it. */
interface ByteLink {
    fun write(bytes: ByteArray)
    /** Up to [max] bytes; an empty array when nothing arrived within [timeoutMillis]. Throws java.io.IOException when the link is gone. */
    fun read(max: Int, timeoutMillis: Long): ByteArray
    fun close()
}
