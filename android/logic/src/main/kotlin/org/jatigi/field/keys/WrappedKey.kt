package org.jatigi.field.keys

import javax.crypto.Cipher
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec
import org.jatigi.field.ports.KeyWrapper

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

/**
 * Wraps the core's data key with AES-GCM under [wrappingKey] (on the tablet, a key that lives
 * in the Android Keystore and is used there; in tests, a plain JCA key). The cipher picks a
 * fresh nonce for every wrap; the associated data binds the blob to its purpose, format
 * version and key alias, so a blob made for another use does not unwrap.
 */
class GcmKeyWrapper(private val alias: String, private val wrappingKey: () -> SecretKey) : KeyWrapper {
    override fun wrap(key: ByteArray): ByteArray {
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.ENCRYPT_MODE, wrappingKey())
        cipher.updateAAD(aad())
        return WrappedKey.encode(cipher.iv, cipher.doFinal(key))
    }

    /** Throws javax.crypto.AEADBadTagException when the blob was altered or made under another key. */
    override fun unwrap(blob: ByteArray): ByteArray {
        val parts = WrappedKey.decode(blob)
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.DECRYPT_MODE, wrappingKey(), GCMParameterSpec(WrappedKey.TAG_LENGTH * 8, parts.nonce))
        cipher.updateAAD(aad())
        return cipher.doFinal(parts.ciphertext)
    }

    private fun aad() = "jatigi-data-key/v${WrappedKey.VERSION}/$alias".toByteArray(Charsets.UTF_8)

    private companion object {
        const val TRANSFORMATION = "AES/GCM/NoPadding"
    }
}
