"""With a model, a keystroke's shown layer reaches the screen before the deeper layers end: the
panes that draw that layer get it at once and are not drawn again for the complete result; the
panes that read the deeper layers (predictions, the layer lens) only ever get complete results,
and when one of them is on screen the run does not hand out its shown layer early."""

from __future__ import annotations

import asyncio
import dataclasses

import numpy as np
from textual.widgets import TabbedContent, TextArea

from engine.pipeline.run import run
from engine.settings import Settings
from tests.tui.helpers import TEST_DEVICE, make_app, record_notifications, settle
from tui.panes.next_token import NextTokenPane

TEXT = "The robot lit the lamp so that the boats"


def record_results(pane) -> list[bool]:
    """`deeper_pending` of every result `pane` draws from now on."""
    drawn: list[bool] = []
    show = pane.show_result

    def recording(result):
        drawn.append(result.deeper_pending)
        return show(result)

    pane.show_result = recording
    return drawn


def test_the_attention_tab_draws_the_shown_layer_once_and_the_predictions_wait_for_the_rest(hf_gpt2):
    folder = str(hf_gpt2[0])  # two layers; the first is shown

    async def scenario():
        app = make_app(text=TEXT, weights=folder)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.show_pane("attention")
            await settle(pilot)
            attention = record_results(app.pane("attention"))
            predictions = record_results(app.query_one(NextTokenPane))
            text_area = app.query_one(TextArea)
            text_area.insert(" could", text_area.document.end)
            await settle(pilot)
            assert attention == [True]  # the shown layer, drawn once
            expected = run(TEXT + " could", Settings(weights=folder), TEST_DEVICE)
            assert not app.result.deeper_pending
            np.testing.assert_allclose(app.result.attention.weights, expected.attention.weights, atol=1e-5)
            last = expected.n_used - 1
            np.testing.assert_allclose(
                app.result.next_token.logits_at(last), expected.next_token.logits_at(last), atol=1e-5
            )
            # The hidden predictions tab catches up with the complete result.
            app.query_one(TabbedContent).active = "next"
            await settle(pilot)
            assert predictions == [False]
            assert app.query_one(NextTokenPane).result.next_token is not None

    asyncio.run(scenario())


def test_with_the_predictions_on_screen_every_result_is_complete(hf_gpt2):
    folder = str(hf_gpt2[0])

    async def scenario():
        app = make_app(text=TEXT, weights=folder)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.query_one(TabbedContent).active = "next"
            await settle(pilot)
            offered: list[bool] = []
            attention = app.pane("attention")
            offer = attention.offer_result
            attention.offer_result = lambda result, selected: (
                offered.append(result.deeper_pending),
                offer(result, selected),
            )
            text_area = app.query_one(TextArea)
            text_area.insert(" could", text_area.document.end)
            await settle(pilot)
            assert offered and not any(offered)
            # Offered a result whose deeper layers are still running, the pane on screen keeps
            # its complete one; generation asked for then waits instead of asking for a model.
            complete = app.result
            partial = dataclasses.replace(complete, next_token=None, stream=None, deeper_pending=True)
            pane = app.query_one(NextTokenPane)
            pane.offer_result(partial, 0)
            assert pane.result is complete
            notes = record_notifications(app)
            app.result = partial
            app.generation.start(1, None)
            assert app.generation.active
            assert not any("load or train a model" in note for note in notes)
            app.generation.stop()
            app.result = complete

    asyncio.run(scenario())


def test_when_the_deeper_layers_fail_the_predictions_say_so_instead_of_the_last_text(hf_gpt2, monkeypatch):
    import engine.pipeline.run_open as pipeline_run  # where every family builds its result

    folder = str(hf_gpt2[0])
    stream = pipeline_run.residual_stream

    def failing(joined, norm):
        if joined.residuals is not None:  # the complete result, after the early one was shown
            raise RuntimeError("out of memory")
        return stream(joined, norm)

    async def scenario():
        app = make_app(text=TEXT, weights=folder)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.show_pane("next")  # it draws this text's predictions
            await settle(pilot)
            assert app.query_one(NextTokenPane).result is not None
            app.show_pane("attention")
            await settle(pilot)
            monkeypatch.setattr(pipeline_run, "residual_stream", failing)
            text_area = app.query_one(TextArea)
            text_area.insert(" could", text_area.document.end)
            await settle(pilot)
            assert "out of memory" in str(app.query_one("#error").render())
            assert app.query_one(NextTokenPane).result is None  # not the previous text's predictions
            assert app.pane("attention").result.tokens.text == TEXT + " could"

    asyncio.run(scenario())
