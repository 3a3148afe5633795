package org.jatigi.field.settings

import org.jatigi.field.enrollment.CapturePlan
import org.jatigi.field.ports.Finger
import org.jatigi.field.ports.HouseholdDraft
import org.jatigi.field.ports.Region
import org.jatigi.field.ports.SiteDraft
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
    /**
     * The site the team works at (region, cercle, commune, site name): the same for a whole
     * day of work, so every new household starts with it ([newHousehold]) and the operator
     * changes it on the form only for the odd household registered elsewhere.
     */
    val site: SiteDraft = SiteDraft(),
) {
    fun capturePlan(): CapturePlan = if (fourFingers) CapturePlan()
    else CapturePlan(fingers = listOf(Finger.LEFT_THUMB, Finger.RIGHT_THUMB))

    fun isSiteValid(): Boolean = Validation.isCode(siteCode)

    /** A blank household form with this tablet's site code and site; origin and displacement are per household. */
    fun newHousehold(): HouseholdDraft = HouseholdDraft(siteCode = siteCode, site = site)

    /** Key-value form for the app's preferences file. */
    fun toMap(): Map<String, String> = mapOf(
        "lang" to lang.tag, "site" to siteCode, "scanner" to scannerAddress, "four_fingers" to fourFingers.toString(),
        "site_region" to (site.region?.name ?: ""), "site_cercle" to site.cercle, "site_commune" to site.commune,
        "site_name" to site.siteName,
    )

    companion object {
        fun fromMap(map: Map<String, String?>) = Settings(
            lang = Lang.of(map["lang"]),
            siteCode = map["site"].orEmpty(),
            scannerAddress = map["scanner"].orEmpty(),
            fourFingers = map["four_fingers"] != "false",
            // An unknown region (a file from another version, a typo) is no region: the form asks for one.
            site = SiteDraft(
                region = Region.entries.firstOrNull { it.name == map["site_region"] },
                cercle = map["site_cercle"].orEmpty(),
                commune = map["site_commune"].orEmpty(),
                siteName = map["site_name"].orEmpty(),
            ),
        )
    }
}
