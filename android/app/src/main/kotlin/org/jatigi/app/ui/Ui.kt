package org.jatigi.app.ui

import android.content.Context
import android.content.res.Configuration
import android.graphics.Color
import android.graphics.Typeface
import android.text.InputType
import android.util.TypedValue
import android.view.Gravity
import android.view.View
import android.view.ViewGroup
import android.widget.ArrayAdapter
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.ScrollView
import android.widget.Spinner
import android.widget.TextView

/**
 * Framework views for a 10-inch tablet in the sun, used with dusty gloves: black on white,
 * large type, touch targets of at least 64 dp with space between them.
 */
object Ui {
    const val TOUCH_DP = 64
    const val TEXT_SP = 22f
    const val TITLE_SP = 30f
    val INK = Color.BLACK
    val PAPER = Color.WHITE
    val ERROR = Color.rgb(0xB7, 0x1C, 0x1C)
    val OK = Color.rgb(0x1B, 0x5E, 0x20)
    val WARN = Color.rgb(0xE6, 0x51, 0x00)

    fun dp(context: Context, value: Int): Int = TypedValue.applyDimension(
        TypedValue.COMPLEX_UNIT_DIP, value.toFloat(), context.resources.displayMetrics,
    ).toInt()

    fun isLandscape(context: Context) = context.resources.configuration.orientation == Configuration.ORIENTATION_LANDSCAPE

    fun column(context: Context): LinearLayout = LinearLayout(context).apply {
        orientation = LinearLayout.VERTICAL
        val pad = dp(context, 24)
        setPadding(pad, pad, pad, pad)
        setBackgroundColor(PAPER)
    }

    /** Two panes side by side in landscape, stacked in portrait. */
    fun panes(context: Context, first: View, second: View): LinearLayout = LinearLayout(context).apply {
        val landscape = isLandscape(context)
        orientation = if (landscape) LinearLayout.HORIZONTAL else LinearLayout.VERTICAL
        for (v in listOf(first, second)) {
            addView(v, if (landscape) LinearLayout.LayoutParams(0, ViewGroup.LayoutParams.WRAP_CONTENT, 1f) else wide())
        }
    }

    fun scroll(content: View): ScrollView = ScrollView(content.context).apply {
        setBackgroundColor(PAPER)
        isFillViewport = true
        addView(content)
    }

    fun wide() = LinearLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.WRAP_CONTENT).apply {
        topMargin = 8
        bottomMargin = 8
    }

    fun title(context: Context, text: String) = TextView(context).apply {
        this.text = text
        setTextSize(TypedValue.COMPLEX_UNIT_SP, TITLE_SP)
        setTypeface(typeface, Typeface.BOLD)
        setTextColor(INK)
        setPadding(0, 0, 0, dp(context, 16))
    }

    fun text(context: Context, text: String, colour: Int = INK, bold: Boolean = false) = TextView(context).apply {
        this.text = text
        setTextSize(TypedValue.COMPLEX_UNIT_SP, TEXT_SP)
        setTextColor(colour)
        if (bold) setTypeface(typeface, Typeface.BOLD)
        setPadding(0, dp(context, 6), 0, dp(context, 6))
    }

    fun button(context: Context, label: String, enabled: Boolean = true, onClick: () -> Unit) = Button(context).apply {
        text = label
        isAllCaps = false
        isEnabled = enabled
        setTextSize(TypedValue.COMPLEX_UNIT_SP, TEXT_SP)
        minHeight = dp(context, TOUCH_DP)
        minimumHeight = dp(context, TOUCH_DP)
        setOnClickListener { onClick() }
    }

    fun field(context: Context, hint: String, value: String = "", type: Int = InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_FLAG_CAP_WORDS) =
        EditText(context).apply {
            this.hint = hint
            setText(value)
            inputType = type
            setTextSize(TypedValue.COMPLEX_UNIT_SP, TEXT_SP)
            setTextColor(INK)
            minHeight = dp(context, TOUCH_DP)
            isSingleLine = true
        }

    const val NUMBER = InputType.TYPE_CLASS_NUMBER
    const val PIN = InputType.TYPE_CLASS_NUMBER or InputType.TYPE_NUMBER_VARIATION_PASSWORD
    const val PHONE = InputType.TYPE_CLASS_PHONE
    const val PLAIN = InputType.TYPE_CLASS_TEXT

    /** Choices, one selected, in rows of at most 4 (landscape) or 2 (portrait) big buttons. */
    fun <T> choices(context: Context, options: List<Pair<T, String>>, selected: T?, onPick: (T) -> Unit): LinearLayout {
        val perRow = if (isLandscape(context)) 4 else 2
        val column = LinearLayout(context).apply { orientation = LinearLayout.VERTICAL }
        for (row in options.chunked(perRow)) {
            val line = LinearLayout(context).apply {
                orientation = LinearLayout.HORIZONTAL
                gravity = Gravity.CENTER_VERTICAL
            }
            for ((value, label) in row) {
                val b = button(context, (if (value == selected) "● " else "○ ") + label) { onPick(value) }
                line.addView(b, LinearLayout.LayoutParams(0, ViewGroup.LayoutParams.WRAP_CONTENT, 1f))
            }
            // Keep button widths equal on a short last row.
            repeat(perRow - row.size) { line.addView(View(context), LinearLayout.LayoutParams(0, 1, 1f)) }
            column.addView(line, wide())
        }
        return column
    }

    /**
     * A drop-down list (framework Spinner) for long fixed lists such as Mali's 20 regions:
     * [noneLabel] first, standing for "not chosen yet" (null), then [options]. [read] gives
     * the selected value.
     */
    class Dropdown<T>(val view: Spinner, private val values: List<T?>) {
        fun read(): T? = values.getOrNull(view.selectedItemPosition)
    }

    fun <T> dropdown(context: Context, noneLabel: String, options: List<Pair<T, String>>, selected: T?): Dropdown<T> {
        val values: List<T?> = listOf<T?>(null) + options.map { it.first }
        val labels = listOf(noneLabel) + options.map { it.second }
        val spinner = Spinner(context).apply {
            adapter = ArrayAdapter(context, android.R.layout.simple_spinner_dropdown_item, labels)
            setSelection(values.indexOf(selected).coerceAtLeast(0))
            minimumHeight = dp(context, TOUCH_DP)
        }
        return Dropdown(spinner, values)
    }

    /** A coloured bar, e.g. the live quality. */
    fun bar(context: Context, text: String, colour: Int) = TextView(context).apply {
        this.text = text
        setTextSize(TypedValue.COMPLEX_UNIT_SP, TITLE_SP)
        setTypeface(typeface, Typeface.BOLD)
        setTextColor(Color.WHITE)
        setBackgroundColor(colour)
        gravity = Gravity.CENTER
        minHeight = dp(context, 96)
    }
}
