"""The app with a loaded model: next-token predictions, layers, heads, appending tokens, picking models."""

from __future__ import annotations

import asyncio

import numpy as np
import torch
from textual.widgets import TabbedContent, TextArea

from engine.tokenize.registry import get_tokenizer
from tests.tui.helpers import make_app, settle
from tui.panes.attention import AttentionPane
from tui.panes.next_token import NextTokenPane
from tui.views.heatmap import AttentionHeatmap

TEXT = "The robot lit the lamp"


def _body(app) -> str:
    return str(app.query_one("#next-body").render())


def test_next_token_pane_shows_the_models_top_tokens(hf_gpt2):
    folder, reference = hf_gpt2
    ids = get_tokenizer("gpt2").encode(TEXT)
    with torch.no_grad():
        top = torch.topk(torch.softmax(reference(torch.tensor([ids])).logits[0, -1], -1), 3)

    async def scenario():
        app = make_app(text=TEXT, weights=str(folder))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.query_one(TabbedContent).active = "next"
            app.select_token(len(ids) - 1)
            await pilot.pause()
            body = _body(app)
            for token_id, probability in zip(top.indices.tolist(), top.values.tolist(), strict=True):
                assert f"id {token_id}" in body and f"{probability:.2%}" in body
            assert "random weights" not in str(app.query_one("#status").render())

    asyncio.run(scenario())


def test_temperature_zero_is_greedy_and_append_extends_the_text(hf_gpt2):
    folder, reference = hf_gpt2
    ids = get_tokenizer("gpt2").encode(TEXT)
    with torch.no_grad():
        greedy = int(reference(torch.tensor([ids])).logits[0, -1].argmax())
    expected = TEXT + get_tokenizer("gpt2").decode([greedy])

    async def scenario():
        app = make_app(text=TEXT, weights=str(folder))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.query_one(TabbedContent).active = "next"
            pane = app.query_one(NextTokenPane)
            pane.focus()
            await pilot.press(*["t"] * 8)
            assert pane.temperature == 0.0 and "(greedy)" in _body(app)
            await pilot.press("a")
            await settle(pilot)
            assert app.query_one(TextArea).text == expected

    asyncio.run(scenario())


def test_layers_and_head_average(hf_gpt2):
    folder, _ = hf_gpt2

    async def scenario():
        app = make_app(text=TEXT, weights=str(folder))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.query_one(TabbedContent).active = "attention"
            await pilot.pause()
            app.query_one(AttentionHeatmap).focus()
            assert app.result.attention.layer == 0
            await pilot.press("right_curly_bracket")
            await settle(pilot)
            assert app.result.attention.layer == 1
            assert "layer 1 of 2" in str(app.query_one("#attention-info").render())
            await pilot.press("a")
            await pilot.pause()
            pane = app.query_one(AttentionPane)
            assert pane.average and "mean of 4 heads" in str(app.query_one("#attention-info").render())
            np.testing.assert_allclose(pane.shown_weights(), app.result.attention.weights.mean(0))

    asyncio.run(scenario())


def test_without_a_model_the_next_token_pane_says_what_to_do():
    async def scenario():
        app = make_app(text=TEXT)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.query_one(TabbedContent).active = "next"
            await pilot.pause()
            assert "No model is loaded" in _body(app) and "F7" in _body(app)
            await pilot.press("f6")
            await pilot.pause()
            assert app.screen.__class__.__name__ == "ModelScreen"
            await pilot.press("escape")

    asyncio.run(scenario())


def test_a_missing_model_file_is_an_error_in_the_app(tmp_path):
    async def scenario():
        app = make_app(text=TEXT, weights=str(tmp_path / "missing.safetensors"))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            error = app.query_one("#error")
            assert error.has_class("-shown") and "missing.safetensors" in str(error.render())
            assert app.is_running

    asyncio.run(scenario())
