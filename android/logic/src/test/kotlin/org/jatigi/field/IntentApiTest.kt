package org.jatigi.field

import org.jatigi.field.intentapi.IntentApi
import org.jatigi.field.intentapi.IntentOutcome
import org.jatigi.field.intentapi.IntentRequest
import org.jatigi.field.intentapi.IntentRequests
import org.jatigi.field.intentapi.IntentResults
import org.jatigi.field.intentapi.ParseResult
import org.jatigi.field.intentapi.RequestError
import org.jatigi.field.ports.Candidate
import org.jatigi.field.ports.MatchResult
import org.jatigi.field.ports.Sex
import org.jatigi.field.text.Lang
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test

class IntentApiTest {
    private fun parse(action: String?, vararg extras: Pair<String, Any?>) = IntentRequests.parse(action, mapOf(*extras), currentYear = 2026)

    @Test
    fun `an ODK form registers a person with text extras`() {
        val r = parse(
            IntentApi.ACTION_REGISTER,
            "given_names" to " Awa ", "family_name" to "Coulibaly", "sex" to "F", "birth_year" to "1992", "caller" to "odk:menages_v3",
        )
        assertEquals(ParseResult.Ok(IntentRequest.Register("Awa", "Coulibaly", Sex.FEMALE, 1992, "", Lang.FR, "odk:menages_v3")), r)
    }

    @Test
    fun `bad extras are refused with a code the form can show`() {
        assertEquals(ParseResult.Refused(RequestError.BAD_SEX), parse(IntentApi.ACTION_REGISTER, "sex" to "x"))
        assertEquals(ParseResult.Refused(RequestError.BAD_BIRTH_YEAR), parse(IntentApi.ACTION_REGISTER, "birth_year" to "2090"))
        assertEquals(ParseResult.Refused(RequestError.MISSING_PERSON_ID), parse(IntentApi.ACTION_VERIFY))
        assertEquals(ParseResult.Refused(RequestError.BAD_PERSON_ID), parse(IntentApi.ACTION_VERIFY, "person_id" to "x'; drop"))
        assertEquals(ParseResult.Refused(RequestError.UNKNOWN_ACTION), parse("org.jatigi.DELETE"))
        assertEquals(ParseResult.Ok(IntentRequest.Verify("GAO-7K3M-9QX2-C/02", Lang.EN, "")), parse(IntentApi.ACTION_VERIFY, "person_id" to "gao-7k3m-9qx2-c/02", "language" to "en"))
    }

    @Test
    fun `results carry named answers and the single value for ODK and CommCare`() {
        val (named, single) = IntentResults.extras(IntentOutcome.Verified("GAO-7K3M-9QX2-C/02", MatchResult(57.25f, true)))
        assertEquals(mapOf("jatigi_status" to "ok", "person_id" to "GAO-7K3M-9QX2-C/02", "score" to "57.3", "match" to "yes"), named)
        assertEquals("yes", single)

        val candidates = (1..7).map { Candidate("P$it", "", it * 10f) }
        val (idNamed, idSingle) = IntentResults.extras(IntentOutcome.Identified(candidates))
        assertEquals("P7", idSingle)
        assertEquals("P7:70.0 P6:60.0 P5:50.0 P4:40.0 P3:30.0", idNamed["candidates"])

        val (cancelled, empty) = IntentResults.extras(IntentOutcome.Cancelled)
        assertEquals("cancelled", cancelled["jatigi_status"])
        assertEquals("", empty)
    }
}
