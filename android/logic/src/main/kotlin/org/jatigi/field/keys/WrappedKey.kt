package org.jatigi.field.keys

/**
 * The layout of the core's data key once wrapped by the tablet's Keystore key: a version
 * byte, the 12-byte GCM nonce, then the ciphertext with its 16-byte tag. The Keystore key
 * itself never leaves the Keystore; only this blob is stored (by the core, next to the
 * database).
 */
object WrappedKey {
    const val VERSION: Byte = 1
    const val NONCE_LENGTH = 12
    const val TAG_LENGTH = 16

    fun encode(nonce: ByteArray, ciphertext: ByteArray): ByteArray {
        require(nonce.size == NONCE_LENGTH) { "GCM nonce must be $NONCE_LENGTH bytes" }
        require(ciphertext.size >= TAG_LENGTH) { "ciphertext shorter than the GCM tag" }
        return byteArrayOf(VERSION) + nonce + ciphertext
    }

    class Parts(val nonce: ByteArray, val ciphertext: ByteArray)

    /** Splits a blob; throws IllegalArgumentException on a blob this version cannot read. */
    fun decode(blob: ByteArray): Parts {
        require(blob.size >= 1 + NONCE_LENGTH + TAG_LENGTH) { "wrapped key too short" }
        require(blob[0] == VERSION) { "unknown wrapped key version ${blob[0]}" }
        return Parts(blob.copyOfRange(1, 1 + NONCE_LENGTH), blob.copyOfRange(1 + NONCE_LENGTH, blob.size))
    }
}
