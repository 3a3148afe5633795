package org.jatigi.app.keystore

import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import java.security.KeyStore
import java.security.ProviderException
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec
import org.jatigi.field.keys.WrappedKey
import org.jatigi.field.ports.KeyWrapper

/**
 * Wraps the core's data key with an AES-256-GCM key that lives in the Android Keystore
 * (in StrongBox when the tablet has one) and never leaves it: the core stores only the
 * wrapped blob, so copying the database off the tablet yields nothing readable.
 */
class KeystoreKeyProvider(private val alias: String = "jatigi-data-key-wrapper") : KeyWrapper {

    override fun wrap(key: ByteArray): ByteArray {
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.ENCRYPT_MODE, keystoreKey()) // the Keystore picks a fresh nonce
        cipher.updateAAD(aad())
        return WrappedKey.encode(cipher.iv, cipher.doFinal(key))
    }

    override fun unwrap(blob: ByteArray): ByteArray {
        val parts = WrappedKey.decode(blob)
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.DECRYPT_MODE, keystoreKey(), GCMParameterSpec(WrappedKey.TAG_LENGTH * 8, parts.nonce))
        cipher.updateAAD(aad())
        return cipher.doFinal(parts.ciphertext)
    }

    /** Binds the blob to this key's purpose and format version. */
    private fun aad() = "jatigi-data-key/v${WrappedKey.VERSION}/$alias".toByteArray(Charsets.UTF_8)

    private fun keystoreKey(): SecretKey {
        val store = KeyStore.getInstance(ANDROID_KEYSTORE).apply { load(null) }
        (store.getKey(alias, null) as? SecretKey)?.let { return it }
        return generate(strongBox = Build.VERSION.SDK_INT >= 28)
    }

    private fun generate(strongBox: Boolean): SecretKey {
        val spec = KeyGenParameterSpec.Builder(alias, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
            .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
            .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
            .setKeySize(256)
            .setRandomizedEncryptionRequired(true)
            .apply { if (strongBox) setIsStrongBoxBacked(true) }
            .build()
        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, ANDROID_KEYSTORE)
        return try {
            generator.init(spec)
            generator.generateKey()
        } catch (e: ProviderException) {
            // StrongBoxUnavailableException (a ProviderException): fall back to the TEE.
            if (strongBox) generate(strongBox = false) else throw e
        }
    }

    companion object {
        private const val ANDROID_KEYSTORE = "AndroidKeyStore"
        private const val TRANSFORMATION = "AES/GCM/NoPadding"
    }
}
