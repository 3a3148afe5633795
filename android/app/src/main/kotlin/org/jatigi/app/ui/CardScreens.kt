package org.jatigi.app.ui

import android.app.Activity
import android.view.View
import android.widget.ImageView
import org.jatigi.app.files.CardOutput
import org.jatigi.app.files.PhotoCapture
import org.jatigi.field.card.VerifyEvent
import org.jatigi.field.card.VerifyFlow
import org.jatigi.field.card.VerifyState
import org.jatigi.field.ports.CardVerdict
import org.jatigi.field.ports.IssuedCard
import org.jatigi.field.scanner.CaptureOutcome
import org.jatigi.field.scanner.outcomeText
import org.jatigi.field.text.Msg
import org.jatigi.field.text.Text

/** After saving: the household card (signed QR made by the core), to show, share or print. */
class CardScreen(host: ScreenHost, private val householdId: String) : Screen(host) {
    private var card: IssuedCard? = null
    private var error: Text? = null

    override fun onShow() {
        app.worker.execute {
            val result = runCatching { app.cards.issue(householdId) }
            app.ui.execute {
                card = result.getOrNull()
                error = result.exceptionOrNull()?.let { Text(Msg.ERR_CORE, it.message ?: "") }
                refresh()
            }
        }
    }

    override fun onBack(): Boolean = backToHome()

    override fun build(): View {
        val c = host
        val col = Ui.column(c)
        col.addView(Ui.title(c, t(Msg.DONE_TITLE, householdId)))
        error?.let { col.addView(Ui.text(c, it.render(app.settings.lang), Ui.ERROR)) }
        card?.let { issued ->
            col.addView(Ui.text(c, t(Msg.CARD_HOLDER, issued.headName, issued.members), bold = true))
            CardOutput.bitmap(issued)?.let { bitmap ->
                col.addView(ImageView(c).apply {
                    setImageBitmap(bitmap)
                    adjustViewBounds = true
                    contentDescription = t(Msg.CARD_TITLE)
                }, Ui.wide())
            }
            col.addView(Ui.panes(c,
                Ui.button(c, t(Msg.CARD_SHARE)) { host.launch(CardOutput.shareIntent(c, issued)) { _, _ -> } },
                Ui.button(c, t(Msg.CARD_PRINT)) { CardOutput.print(c, issued) },
            ))
        }
        col.addView(Ui.button(c, t(Msg.CARD_FINISH)) { onBack() }, Ui.wide())
        return Ui.scroll(col)
    }
}

/** A card shown at a distribution: photo of the QR, the verdict, then a 1:1 check of a member's finger. */
class VerifyCardScreen(host: ScreenHost) : Screen(host) {
    private var state: VerifyState = VerifyState.TakePhoto

    private fun on(event: VerifyEvent) {
        state = VerifyFlow.reduce(state, event)
        refresh()
    }

    override fun onBack(): Boolean = backToHome()

    private fun takePhoto() {
        host.launch(PhotoCapture.intent(host)) { result, _ ->
            val jpeg = if (result == Activity.RESULT_OK) PhotoCapture.take(host) else null
            if (jpeg == null) return@launch on(VerifyEvent.PhotoCancelled)
            on(VerifyEvent.PhotoTaken)
            app.worker.execute {
                val event = try {
                    VerifyEvent.CardRead(app.cards.read(jpeg))
                } catch (e: RuntimeException) {
                    VerifyEvent.Failed(Text(Msg.ERR_CORE, e.message ?: ""))
                }
                app.ui.execute { on(event) }
            }
        }
    }

    private fun checkMember(householdId: String, member: Int) {
        val finger = app.settings.capturePlan().fingers.first()
        on(VerifyEvent.MemberChosen(member, finger))
        val session = app.scanner
        app.worker.execute {
            val event = try {
                val outcome = session.capture(finger)
                if (outcome is CaptureOutcome.Captured) {
                    VerifyEvent.MatchDone(app.cards.verifyMember(householdId, member, finger, outcome.sample))
                } else {
                    VerifyEvent.Failed(outcomeText(outcome) ?: Text(Msg.SCANNER_LOST))
                }
            } catch (e: RuntimeException) {
                VerifyEvent.Failed(Text(Msg.ERR_CORE, e.message ?: ""))
            }
            app.ui.execute { on(event) }
        }
    }

    override fun build(): View {
        val c = host
        val lang = app.settings.lang
        val col = Ui.column(c)
        col.addView(Ui.title(c, t(Msg.VERIFY_TITLE)))
        when (val s = state) {
            VerifyState.TakePhoto -> col.addView(Ui.button(c, t(Msg.VERIFY_TAKE_PHOTO)) { takePhoto() }, Ui.wide())
            VerifyState.Reading -> col.addView(Ui.text(c, t(Msg.VERIFY_READING)))
            is VerifyState.Verdict -> {
                val genuine = s.verdict as? CardVerdict.Genuine
                col.addView(Ui.text(c, s.text.render(lang), if (genuine != null) Ui.OK else Ui.ERROR, bold = true))
                genuine?.holder?.let { holder ->
                    for ((number, name) in holder.members) {
                        col.addView(Ui.button(c, t(Msg.VERIFY_CHECK_MEMBER, number) + " — " + name) { checkMember(holder.householdId, number) }, Ui.wide())
                    }
                }
            }
            is VerifyState.Matching -> col.addView(Ui.text(c, t(Msg.CAPTURE_PLACE_FINGER), bold = true))
            is VerifyState.Matched -> col.addView(Ui.text(c, s.text.render(lang), if (s.result.isMatch) Ui.OK else Ui.ERROR, bold = true))
            is VerifyState.Failed -> col.addView(Ui.text(c, s.message.render(lang), Ui.ERROR, bold = true))
        }
        if (state != VerifyState.TakePhoto) col.addView(Ui.button(c, t(Msg.VERIFY_AGAIN)) { on(VerifyEvent.Again) }, Ui.wide())
        col.addView(Ui.button(c, t(Msg.BACK)) { onBack() }, Ui.wide())
        return Ui.scroll(col)
    }
}
