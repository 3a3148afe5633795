package org.jatigi.field.text

import java.util.Locale

enum class Lang(val tag: String) {
    FR("fr"), EN("en");

    companion object {
        /** French unless the tag says English: the programme's working language is French. */
        fun of(tag: String?): Lang = if (tag?.lowercase()?.startsWith("en") == true) EN else FR
    }
}

/** A message for the screen, resolved to French or English only when it is shown. */
data class Text(val msg: Msg, val args: List<Any>) {
    constructor(msg: Msg, vararg args: Any) : this(msg, args.toList())

    fun render(lang: Lang): String = Strings.get(lang, msg, *args.toTypedArray())
}

/** Looks up a message; format arguments are positional (%1$s, %2$d) as in Android resources. */
object Strings {
    fun table(lang: Lang): Map<Msg, String> = Msg.entries.associateWith { pattern(lang, it) }

    fun pattern(lang: Lang, msg: Msg): String = when (lang) {
        Lang.FR -> msg.fr
        Lang.EN -> msg.en
    }

    fun get(lang: Lang, msg: Msg, vararg args: Any): String {
        val pattern = pattern(lang, msg)
        return if (args.isEmpty()) pattern else String.format(Locale.forLanguageTag(lang.tag), pattern, *args)
    }

    /** The Android resource name of a message: its enum name in lower case. */
    fun resourceName(msg: Msg): String = msg.name.lowercase()
}
