package org.jatigi.app.keystore

import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import java.security.KeyStore
import java.security.ProviderException
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import org.jatigi.field.keys.GcmKeyWrapper
import org.jatigi.field.ports.KeyWrapper

/**
 * Wraps the core's data key with an AES-256-GCM key that lives in the Android Keystore
 * (in StrongBox when the tablet has one) and never leaves it: the core stores only the
 * wrapped blob, so copying the database off the tablet yields nothing readable. The wrapping
 * itself is [GcmKeyWrapper] (tested on the JVM); this class only provides the Keystore key.
 */
class KeystoreKeyProvider(private val alias: String = "jatigi-data-key-wrapper") :
    KeyWrapper by GcmKeyWrapper(alias, { keystoreKey(alias) }) {

    private companion object {
        const val ANDROID_KEYSTORE = "AndroidKeyStore"

        fun keystoreKey(alias: String): SecretKey {
            val store = KeyStore.getInstance(ANDROID_KEYSTORE).apply { load(null) }
            (store.getKey(alias, null) as? SecretKey)?.let { return it }
            return generate(alias, strongBox = Build.VERSION.SDK_INT >= 28)
        }

        fun generate(alias: String, strongBox: Boolean): SecretKey {
            val spec = KeyGenParameterSpec.Builder(alias, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setKeySize(256)
                // The Keystore chooses every nonce; a caller cannot reuse one.
                .setRandomizedEncryptionRequired(true)
                .apply { if (strongBox) setIsStrongBoxBacked(true) }
                .build()
            val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, ANDROID_KEYSTORE)
            return try {
                generator.init(spec)
                generator.generateKey()
            } catch (e: ProviderException) {
                // StrongBoxUnavailableException (a ProviderException): fall back to the TEE.
                if (strongBox) generate(alias, strongBox = false) else throw e
            }
        }
    }
}
