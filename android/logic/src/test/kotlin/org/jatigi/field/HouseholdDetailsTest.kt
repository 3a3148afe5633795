package org.jatigi.field

import org.jatigi.field.enrollment.EnrollEvent
import org.jatigi.field.enrollment.EnrollState
import org.jatigi.field.enrollment.EnrollmentFlow
import org.jatigi.field.ports.CalendarDay
import org.jatigi.field.ports.DisplacementDraft
import org.jatigi.field.ports.DisplacementReason
import org.jatigi.field.ports.HouseholdDraft
import org.jatigi.field.ports.HouseholdSubmission
import org.jatigi.field.ports.MemberDraft
import org.jatigi.field.ports.OriginDraft
import org.jatigi.field.ports.Region
import org.jatigi.field.ports.SiteDraft
import org.jatigi.field.settings.Settings
import org.jatigi.field.text.Labels
import org.jatigi.field.text.Lang
import org.jatigi.field.text.Msg
import org.jatigi.field.text.Strings
import org.jatigi.field.validation.Field
import org.jatigi.field.validation.Validation
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** The site, origin and displacement the core requires, on the form and in the settings. */
class HouseholdDetailsTest {
    private val today = CalendarDay(2026, 6, 15)

    private fun errors(d: HouseholdDraft) = Validation.household(d, today).map { it.field to it.text.msg }

    private fun displacedOn(year: Int?, month: Int?, day: Int?) =
        householdOfThree().let { it.copy(displacement = it.displacement.copy(year = year, month = month, day = day)) }

    @Test
    fun `a complete household passes and gives the details the core takes`() {
        val d = householdOfThree()
        assertEquals(emptyList<Pair<Field, Msg>>(), errors(d))
        val facts = d.details()
        assertNotNull(facts)
        facts!!
        assertEquals(Region.MOPTI, facts.siteRegion)
        assertEquals("Site de Sévaré", facts.siteName)
        assertEquals(Region.TOMBOUCTOU, facts.originRegion)
        assertEquals("Konna", facts.originVillage)
        // Only the month was known: the first of the month, as the core expects.
        assertEquals(CalendarDay(2024, 3, 1), facts.displacedOn)
        assertEquals(DisplacementReason.CONFLICT, facts.reason)
        assertEquals(facts, HouseholdSubmission.of(d, emptyMap()).details())
    }

    @Test
    fun `every required detail is asked for when missing`() {
        val bare = householdOfThree().copy(site = SiteDraft(), origin = OriginDraft(), displacement = DisplacementDraft())
        assertEquals(
            listOf(
                Field.SITE_REGION to Msg.ERR_SITE_REGION_MISSING,
                Field.SITE_CERCLE to Msg.ERR_SITE_CERCLE_MISSING,
                Field.SITE_COMMUNE to Msg.ERR_SITE_COMMUNE_MISSING,
                Field.SITE_NAME to Msg.ERR_SITE_NAME_MISSING,
                Field.ORIGIN_REGION to Msg.ERR_ORIGIN_REGION_MISSING,
                Field.DISPLACED_ON to Msg.ERR_DISPLACED_MISSING,
                Field.REASON to Msg.ERR_REASON_MISSING,
            ),
            errors(bare),
        )
        assertNull(bare.details())
        // Spaces alone are no name.
        val blankName = householdOfThree().let { it.copy(site = it.site.copy(siteName = "   ")) }
        assertEquals(listOf(Field.SITE_NAME to Msg.ERR_SITE_NAME_MISSING), errors(blankName))
        assertNull(blankName.details())
        // Cercle and commune of origin are optional.
        assertEquals(emptyList<Pair<Field, Msg>>(), errors(householdOfThree().copy(origin = OriginDraft(Region.GAO))))
    }

    @Test
    fun `the displacement date exists, is not in the future and not before 1960`() {
        assertEquals(emptyList<Pair<Field, Msg>>(), errors(displacedOn(2026, 6, 15)))
        assertEquals(listOf(Field.DISPLACED_ON to Msg.ERR_DISPLACED_FUTURE), errors(displacedOn(2026, 6, 16)))
        // A month alone is its first day: next month is still in the future.
        assertEquals(listOf(Field.DISPLACED_ON to Msg.ERR_DISPLACED_FUTURE), errors(displacedOn(2026, 7, null)))
        assertEquals(emptyList<Pair<Field, Msg>>(), errors(displacedOn(1960, 1, 1)))
        assertEquals(listOf(Field.DISPLACED_ON to Msg.ERR_DISPLACED_TOO_EARLY), errors(displacedOn(1959, 12, 31)))
        assertEquals(listOf(Field.DISPLACED_ON to Msg.ERR_DISPLACED_INVALID), errors(displacedOn(2025, 13, null)))
        assertEquals(listOf(Field.DISPLACED_ON to Msg.ERR_DISPLACED_INVALID), errors(displacedOn(2025, 2, 29)))
        assertEquals(listOf(Field.DISPLACED_ON to Msg.ERR_DISPLACED_INVALID), errors(displacedOn(2025, 4, 0)))
        assertEquals(emptyList<Pair<Field, Msg>>(), errors(displacedOn(2024, 2, 29)))
        assertEquals(listOf(Field.DISPLACED_ON to Msg.ERR_DISPLACED_MISSING), errors(displacedOn(2024, null, 3)))
        assertNull(displacedOn(2025, 2, 29).details())
        val early = Validation.household(displacedOn(1959, 12, 31), today).single().text
        assertEquals("The displacement date is before 1960.", early.render(Lang.EN))
        assertEquals("La date du déplacement est avant 1960.", early.render(Lang.FR))
    }

    @Test
    fun `another reason must be described, and only then is its text kept`() {
        fun because(reason: DisplacementReason, text: String) =
            householdOfThree().let { it.copy(displacement = it.displacement.copy(reason = reason, otherReason = text)) }
        assertEquals(listOf(Field.REASON to Msg.ERR_REASON_OTHER_MISSING), errors(because(DisplacementReason.OTHER, "  ")))
        assertNull(because(DisplacementReason.OTHER, "").details())
        assertEquals("Expulsion", because(DisplacementReason.OTHER, "Expulsion").details()?.otherReason)
        assertEquals("", because(DisplacementReason.FLOOD, "left over").details()?.otherReason)
        assertEquals(listOf(Field.REASON to Msg.ERR_TOO_LONG), errors(because(DisplacementReason.OTHER, "x".repeat(201))))
    }

    @Test
    fun `place names are checked as the core checks them`() {
        val d = householdOfThree()
        assertEquals(
            listOf(Field.SITE_CERCLE to Msg.ERR_TOO_LONG),
            errors(d.copy(site = d.site.copy(cercle = "c".repeat(Validation.MAX_TEXT_LENGTH + 1)))),
        )
        assertEquals(emptyList<Pair<Field, Msg>>(), errors(d.copy(site = d.site.copy(cercle = "c".repeat(Validation.MAX_TEXT_LENGTH)))))
        assertEquals(listOf(Field.ORIGIN_COMMUNE to Msg.ERR_NAME_CONTROL), errors(d.copy(origin = d.origin.copy(commune = "Kor\u0007ientzé"))))
    }

    @Test
    fun `a year of birth is accepted only while the age it stands for is one the core accepts`() {
        fun born(year: Int) = Validation.member(MemberDraft(1, "Awa", "", org.jatigi.field.ports.Sex.FEMALE, birthYear = year), 2026)
        assertTrue(born(1906).isEmpty())
        val tooOld = born(1905).single()
        assertEquals(Msg.ERR_BIRTH_TOO_EARLY, tooOld.text.msg)
        assertEquals("The year of birth is before 1906.", tooOld.text.render(Lang.EN))
        assertEquals(1900, Validation.earliestBirthYear(2010))
    }

    @Test
    fun `the day's site comes from the settings into each new household, and stays editable`() {
        val site = SiteDraft(Region.SEGOU, "Ségou", "Pelengana", "Camp de Pelengana")
        val settings = Settings(siteCode = "SEG-03", site = site)
        val d = settings.newHousehold()
        assertEquals("SEG-03", d.siteCode)
        assertEquals(site, d.site)
        // Origin and displacement are the household's own: never carried over.
        assertEquals(OriginDraft(), d.origin)
        assertEquals(DisplacementDraft(), d.displacement)
        assertEquals("", d.village)
        assertEquals(1, d.members.size)
        // Edited on the form, the household's site changes; the settings do not.
        val moved = d.copy(site = d.site.copy(siteName = "Quartier Médine"))
        assertEquals("Camp de Pelengana", settings.site.siteName)
        assertEquals("Quartier Médine", moved.site.siteName)
        // A fresh tablet has no site: the form asks for it.
        assertEquals(SiteDraft(), Settings().newHousehold().site)
    }

    @Test
    fun `the site survives the preferences file, and an unknown region is none`() {
        val s = Settings(siteCode = "GAO-01", site = SiteDraft(Region.NIORO_DU_SAHEL, "Nioro", "Nioro commune", "Site 2"))
        assertEquals(s, Settings.fromMap(s.toMap()))
        assertEquals("NIORO_DU_SAHEL", s.toMap()["site_region"])
        val odd = Settings.fromMap(s.toMap() + ("site_region" to "ATLANTIS"))
        assertNull(odd.site.region)
        assertEquals("Site 2", odd.site.siteName)
    }

    @Test
    fun `the flow keeps the form open until the details are complete, and cleans them`() {
        val flow = EnrollmentFlow(today = today)
        val missing = householdOfThree().copy(origin = OriginDraft())
        val stay = flow.reduce(flow.start(missing), EnrollEvent.FormSubmitted(missing)).state
        assertTrue(stay is EnrollState.Form)
        assertEquals(listOf(Field.ORIGIN_REGION), (stay as EnrollState.Form).errors.map { it.field })
        val typed = householdOfThree().let { it.copy(site = it.site.copy(siteName = "  Site   de Sévaré ")) }
        val next = flow.reduce(flow.start(typed), EnrollEvent.FormSubmitted(typed)).state
        assertTrue(next !is EnrollState.Form, "a complete form moves on")
        assertEquals("Site de Sévaré", (next as EnrollState.Consent).enrollment.draft.site.siteName)
    }

    @Test
    fun `every region and reason has a label in both languages`() {
        for (r in Region.entries) assertTrue(Strings.get(Lang.FR, Labels.region(r)).isNotBlank())
        for (r in DisplacementReason.entries) assertTrue(Strings.get(Lang.EN, Labels.reason(r)).isNotBlank())
        assertEquals("Timbuktu", Strings.get(Lang.EN, Labels.region(Region.TOMBOUCTOU)))
        assertEquals("Sécheresse", Strings.get(Lang.FR, Labels.reason(DisplacementReason.DROUGHT)))
        assertEquals(20, Region.entries.size)
    }
}
