package org.jatigi.field

import java.io.File
import org.jatigi.field.ports.ExceptionKind
import org.jatigi.field.ports.Finger
import org.jatigi.field.ports.Relation
import org.jatigi.field.text.Labels
import org.jatigi.field.text.Lang
import org.jatigi.field.text.Msg
import org.jatigi.field.text.Strings
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class StringsTest {
    private val placeholder = Regex("%(\\d+)\\$[-#+ 0,(]*\\d*(\\.\\d+)?[a-zA-Z]")

    @Test
    fun `every message has a French and an English text with the same arguments`() {
        for (msg in Msg.entries) {
            assertTrue(msg.fr.isNotBlank() && msg.en.isNotBlank(), "$msg is blank")
            val fr = placeholder.findAll(msg.fr).map { it.value }.sorted().toList()
            val en = placeholder.findAll(msg.en).map { it.value }.sorted().toList()
            assertEquals(fr, en, "$msg: French and English take different arguments")
            // A lone % would break String.format and Android's getString.
            for (text in listOf(msg.fr, msg.en)) {
                val stray = text.replace(placeholder, "").replace("%%", "")
                assertTrue('%' !in stray, "$msg has a stray %: $text")
            }
        }
    }

    @Test
    fun `messages render in both languages`() {
        assertEquals("Code PIN incorrect. Essais restants : 2", Strings.get(Lang.FR, Msg.LOGIN_WRONG_PIN, 2))
        assertEquals("Scanner battery low (15 %): charge it soon.", Strings.get(Lang.EN, Msg.BATTERY_LOW, 15))
        assertEquals(Lang.FR, Lang.of(null))
        assertEquals(Lang.EN, Lang.of("en-GB"))
    }

    @Test
    fun `every finger, relation and exception has a label`() {
        Finger.entries.forEach { Labels.finger(it) }
        Relation.entries.forEach { Labels.relation(it) }
        ExceptionKind.entries.forEach { Labels.exception(it) }
        assertEquals("pouce gauche", Strings.get(Lang.FR, Labels.finger(Finger.LEFT_THUMB)))
    }

    /** The Android resource files mirror the enum, so the APK's own texts say the same. */
    @Test
    fun `strings xml files mirror the messages`() {
        val res = File("../app/src/main/res")
        for ((lang, folder) in listOf(Lang.EN to "values", Lang.FR to "values-fr")) {
            val file = File(res, "$folder/strings.xml")
            val expected = xml(lang)
            if (System.getProperty("jatigi.writeStrings") == "true") {
                file.parentFile.mkdirs()
                file.writeText(expected)
            }
            assertEquals(expected, file.readText(), "$file is out of date: run mvn -f android/pom.xml test -Djatigi.writeStrings=true")
        }
    }

    private fun xml(lang: Lang): String = buildString {
        append("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n")
        append("<!-- Generated from android/logic/.../text/Msg.kt by StringsTest; edit Msg.kt, not this file. -->\n")
        append("<resources>\n")
        for (msg in Msg.entries) {
            append("    <string name=\"").append(Strings.resourceName(msg)).append("\">")
            append(escape(Strings.pattern(lang, msg))).append("</string>\n")
        }
        append("</resources>\n")
    }

    /** Android resource escaping: backslash, quotes and apostrophes, then XML. */
    private fun escape(text: String): String = text
        .replace("\\", "\\\\").replace("'", "\\'").replace("\"", "\\\"")
        .replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace("\n", "\\n")
        .let { if (it.startsWith("@") || it.startsWith("?")) "\\$it" else it }
}
