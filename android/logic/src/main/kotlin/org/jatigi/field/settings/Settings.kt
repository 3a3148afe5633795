package org.jatigi.field.settings

import org.jatigi.field.enrollment.CapturePlan
import org.jatigi.field.ports.Finger
import org.jatigi.field.text.Lang
import org.jatigi.field.validation.Validation

/** What the settings screen edits; stored by the app in its private preferences. */
data class Settings(
    val lang: Lang = Lang.FR,
    val siteCode: String = "",
    /** The bonded scanner's Bluetooth address, chosen on the pairing screen. */
    val scannerAddress: String = "",
    /** Two fingers (thumbs) for speed, four for a larger gallery. */
    val fourFingers: Boolean = true,
) {
    fun capturePlan(): CapturePlan = if (fourFingers) CapturePlan()
    else CapturePlan(fingers = listOf(Finger.LEFT_THUMB, Finger.RIGHT_THUMB))

    fun isSiteValid(): Boolean = Validation.isCode(siteCode)

    /** Key-value form for the app's preferences file. */
    fun toMap(): Map<String, String> = mapOf(
        "lang" to lang.tag, "site" to siteCode, "scanner" to scannerAddress, "four_fingers" to fourFingers.toString(),
    )

    companion object {
        fun fromMap(map: Map<String, String?>) = Settings(
            lang = Lang.of(map["lang"]),
            siteCode = map["site"].orEmpty(),
            scannerAddress = map["scanner"].orEmpty(),
            fourFingers = map["four_fingers"] != "false",
        )
    }
}
