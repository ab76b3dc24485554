"""`a` and `A`: tokens drawn after the end of the text and appended to it, one at a time.

Each token is drawn (with the Next-token pane's temperature, top-k, top-p and seeded draws) from the
model's prediction after the text's last token, appended to the text box, and the next one is drawn
when the pipeline's result for the longer text comes in. The pipeline keeps what it computed
before (`engine.pipeline.prefix`), so each step is one cached forward pass, of the new token only,
and every pane (the attention heatmap's new row too) shows the token before the next is drawn.

The model reads the text as the panes show it, tokenized afresh: a drawn token that BPE merges
with the one before it is read merged. Two cases need a pass of their own, in a thread worker
(`engine.pipeline.tail`): a text longer than the model's context (the panes show its first
tokens; the prediction reads its last `context` ones) and a drawn token whose bytes end inside a
UTF-8 character (the text box holds them until the character is whole; the model reads the token).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.pipeline.results import NextToken, PipelineResult
    from engine.pipeline.tail import Tail

COUNTS = (1, 5, 10, 20, 50, 100, 200)  # what `-` / `+` in the Next-token pane step through
DEFAULT_COUNT = 20


class Generation:
    """The tokens still to generate, and what the next one waits for.

    Args:
        app: the running `tui.app.LlmTuiApp` (its result, settings, device, text box and panes).
    """

    def __init__(self, app: Any) -> None:
        self._app = app
        self.remaining = 0
        self.total = 0
        self.done = 0
        """Tokens drawn by the latest generation (so far, or before it stopped)."""
        self._pending: list[int] = []  # drawn ids whose bytes the text box holds (a split character)
        self._pending_for: tuple[object, str] | None = None  # (weights, text) they were drawn for
        self._expected: str | None = None  # the text whose result draws the next token
        self._tail_number = 0  # the tail prediction awaited: a stopped generation's late one is dropped
        self._awaiting_tail = False  # a worker is reading the text's end: results do not step meanwhile
        self._tail_for: tuple[object, str] | None = None  # (weights, text) the worker reads

    @property
    def active(self) -> bool:
        return self.remaining > 0

    def start(self, count: int, current: PipelineResult | None) -> None:
        """Generate `count` tokens; `current` is the result for the text as it is now, or None when
        a run for it is still in flight (the first token is drawn when it comes)."""
        result = self._app.result
        if self.active:
            self.stop(self._app.strings.say("stopped"))
            return
        if result is None or (result.next_token is None and not result.deeper_pending):
            self._app.notify(
                self._app.strings.say("load or train a model first (F6 / F7)"), severity="warning"
            )
            return
        if result.n_used == 0:
            self._app.notify(
                self._app.strings.say("type some text first: the model continues it"), severity="warning"
            )
            return
        if self._app.settings.chat:
            self._app.notify(
                self._app.strings.say(
                    "with the chat template on, the text is the user's message, not a text to continue: "
                    "turn it off (ctrl+p, chat template) to generate"
                ),
                severity="warning",
            )
            return
        text_box = self._text_box()
        if self._pending and self._pending_for != (self._app.settings.weights, text_box.text):
            # Drawn for another model or before an edit: those bytes no longer belong at the end.
            self._pending.clear()
            text_box.drop_held_bytes()
        self.remaining = self.total = count
        self.done = 0
        self._expected = self._text_box().text
        if count > 1:
            self._app.notify(
                self._app.strings.say("generating {count} tokens · esc stops", count=count), timeout=3
            )
        self._app.refresh_bindings()
        self._show_progress()
        if current is not None:
            self._step(current)

    def on_result(self, result: PipelineResult, text: str | None) -> None:
        """A result is on screen; `text` is the text it was computed for, None when a newer run follows."""
        if not self.active or text is None or self._awaiting_tail:
            return
        if text != self._expected:
            self.stop(self._app.strings.say("generation stopped: the text was edited"))
            return
        self._step(result)

    def on_error(self) -> None:
        if self.active:
            self.stop(
                self._app.strings.say(
                    "generation stopped: the pipeline failed (the message is below the panes)"
                )
            )

    def stop(self, why: str | None = None) -> None:
        """Stop after the tokens appended so far (esc, an edit, an error)."""
        if self.active:
            self._end(why)

    def _end(self, why: str | None) -> None:
        done = self.done
        self.remaining = 0
        self._expected = None
        self._tail_number += 1
        self._awaiting_tail = False
        self._app.refresh_bindings()
        self._show_progress()
        if why or self.total > 1:
            generated = self._app.strings.say_n("generated {count} token", "generated {count} tokens", done)
            self._app.notify(why or generated, timeout=3, markup=False)  # may name [/INST]

    def _text_box(self):
        return self._app.query_one("#text")

    def _show_progress(self) -> None:
        pane = self._app.pane("next")
        if pane is not None:
            pane.show_generation((self.done, self.total) if self.active and self.total > 1 else None)

    def _step(self, result: PipelineResult) -> None:
        if result.next_token is None:
            self.stop(self._app.strings.say("generation stopped: no model is loaded now"))
        elif result.n_used == 0:
            self.stop(self._app.strings.say("generation stopped: the text is empty"))
        elif result.truncated or self._pending:
            self._predict_tail()
        else:
            last = result.n_used - 1
            self._emit(result.next_token, last, last)

    def _emit(self, prediction: NextToken, row: int, position: int) -> None:
        """Draw after `position` from row `row` of `prediction`, and append the token."""
        try:
            self._append(prediction, row, position)
        except Exception as error:  # a tokenizer that cannot name the id: stop, keep the app
            self.stop(
                self._app.strings.say("generation stopped: {why}", why=f"{type(error).__name__}: {error}")
            )

    def _append(self, prediction: NextToken, row: int, position: int) -> None:
        token_id = self._app.pane("next").draw_token(prediction, row, position)
        tokenizer = self._app.result.tokenizer
        data = tokenizer.token_bytes(token_id) if token_id >= 0 else b""
        if not data:
            self.stop(
                self._app.strings.say(
                    "generation stopped: drew a token with no text (<|unk|> or an empty piece)"
                )
            )
            return
        name = data.decode("utf-8", errors="replace")
        if name in tokenizer.special_names:
            # An end-of-text token: appended as text it would be refused as a typed special token.
            self.stop(
                self._app.strings.say(
                    "generation stopped: the model drew {name}, the end of a text", name=name
                )
            )
            return
        self.remaining -= 1
        self.done += 1
        text_box = self._text_box()
        appended = text_box.append_bytes(data)
        if appended:
            self._pending.clear()
            self._expected = text_box.text
            self._app.selected = len(self._app.result.tokens)  # the new last token, once it is in
        else:
            self._pending.append(token_id)
            self._pending_for = (self._app.settings.weights, text_box.text)
        if not self.active:
            say = self._app.strings.say
            self._end(
                None if appended else say("that token is part of a character: press a again to complete it")
            )
        elif not appended:
            self._predict_tail()
        self._show_progress()

    def _predict_tail(self) -> None:
        self._tail_number += 1
        self._awaiting_tail = True
        app = self._app
        number, text, pending = self._tail_number, self._text_box().text, tuple(self._pending)
        settings, device = app.settings, app.device
        self._tail_for = (settings.weights, text)

        def predict() -> None:
            from engine.pipeline.tail import predict_after

            try:
                tail = predict_after(text, settings, device, pending)
            except Exception as error:  # a model that went away, memory: say so, keep the app
                app.call_from_thread(self._tail_failed, number, f"{type(error).__name__}: {error}")
                return
            app.call_from_thread(self._tail_done, number, tail)

        app.run_worker(predict, thread=True, group="generation", exit_on_error=False, description="predict")

    def _tail_done(self, number: int, tail: Tail) -> None:
        if number != self._tail_number or not self.active:
            return
        self._awaiting_tail = False
        if self._tail_for != (self._app.settings.weights, self._text_box().text):
            self.stop(self._app.strings.say("generation stopped: the text or the model changed"))
            return
        self._emit(tail.next_token, 0, tail.last)

    def _tail_failed(self, number: int, error: str) -> None:
        if number == self._tail_number:
            self._awaiting_tail = False
            self.stop(self._app.strings.say("generation stopped: {why}", why=error))
