"""The Layers tab (logit lens, map, residual stream) and the attention cell's arithmetic, driven
through the app's public hooks and keys."""

from __future__ import annotations

import asyncio
import re

import numpy as np
import pytest
import torch
from textual.widgets import TabbedContent

from engine.tokenize.registry import get_tokenizer
from tests.tui.helpers import lines_of, make_app, settle
from tui.views.lens_map import LensMapView

TEXT = "The robot lit the lamp so that the boats could find the harbour."


def _table(app) -> str:
    return "\n".join(app.query_one("#layers-table").lines)


async def _open_layers(pilot) -> None:
    await settle(pilot)
    pilot.app.show_pane("layers", focus=True)
    await settle(pilot)


def test_the_lens_follows_the_selection_and_matches_transformers(hf_gpt2):
    folder, reference = hf_gpt2
    ids = get_tokenizer("gpt2").encode(TEXT)
    with torch.no_grad():
        hidden = reference(torch.tensor([ids]), output_hidden_states=True).hidden_states
        first = torch.softmax(reference.lm_head(reference.transformer.ln_f(hidden[0]))[0], -1)

    async def scenario():
        app = make_app(text=TEXT, weights=str(folder))
        async with app.run_test(size=(160, 40)) as pilot:
            await _open_layers(pilot)
            pane = app.pane("layers")
            for position in (3, len(ids) - 1):
                app.select_token(position)
                await settle(pilot)
                assert pane.lens is not None and pane.lens.position == position
                assert pane.map.cursor[0] == position
                expected = int(torch.argmax(first[position]))
                assert pane.lens.layers[0].top[0].token_id == expected
                table = _table(app)
                assert f"logit lens at {position}" in table and "‖stream‖" in table
                assert [line.split()[0] for line in table.splitlines()[3:6]] == ["▶emb", "L1", "L2"]

    asyncio.run(scenario())


def test_the_maps_cursor_selects_the_token_everywhere(hf_gpt2):
    folder, _ = hf_gpt2

    async def scenario():
        app = make_app(text=TEXT, weights=str(folder))
        async with app.run_test(size=(160, 40)) as pilot:
            await _open_layers(pilot)
            app.select_token(2)
            await settle(pilot)
            assert isinstance(app.focused, LensMapView)
            await pilot.press("down", "down", "right")
            await settle(pilot)
            pane = app.pane("layers")
            assert app.selected == 4 and pane.map.cursor == (4, 1)
            assert pane.lens.position == 4 and "▶L1" in _table(app)
            # Every visible cell is computed and drawn: the map shows no pending "…" (a cell of its
            # own; a piece cut to fit ends with one).
            text = "\n".join(lines_of(pane.map))
            assert not re.search(r"(?<!\S)…(?!\S)", text) and " 4 ·lamp" in text
            app.query_one(TabbedContent).active = "attention"
            await settle(pilot)
            assert app.pane("attention").query_index == 4

    asyncio.run(scenario())


def test_typing_keeps_the_cells_before_the_edit(hf_gpt2):
    folder, _ = hf_gpt2

    async def scenario():
        app = make_app(text=TEXT, weights=str(folder))
        async with app.run_test(size=(160, 40)) as pilot:
            await _open_layers(pilot)
            pane = app.pane("layers")
            before = dict(pane._cells)
            assert before
            app.replace_text(TEXT + " Then")
            await settle(pilot)
            kept = {cell: value for cell, value in pane._cells.items() if cell in before}
            assert kept and all(before[cell] == value for cell, value in kept.items())
            last = app.result.n_used - 1
            assert any(row == last for row, _ in pane._cells)

    asyncio.run(scenario())


@pytest.mark.parametrize("size", [(40, 12), (300, 100)])
def test_renders_small_and_large(hf_gpt2, size):
    folder, _ = hf_gpt2

    async def scenario():
        app = make_app(text=TEXT * 3, weights=str(folder))
        async with app.run_test(size=size) as pilot:
            await _open_layers(pilot)
            pane = app.pane("layers")
            assert pane.lens is not None
            assert pane.has_class("-narrow") == (size[0] < 110)
            drawn = "\n".join(lines_of(pane.map))
            assert "emb" in drawn

    asyncio.run(scenario())


def test_without_a_model_it_says_how_to_open_one():
    async def scenario():
        app = make_app(text=TEXT)
        async with app.run_test(size=(120, 40)) as pilot:
            await _open_layers(pilot)
            assert "press F6 to open a model" in app.pane("layers").map.message

    asyncio.run(scenario())


def test_c_shows_the_cells_arithmetic_with_random_weights():
    async def scenario():
        app = make_app(text=TEXT)
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(pilot)
            app.show_pane("attention", focus=True)
            await settle(pilot)
            app.pane("attention").select_cell(5, 2)
            await pilot.press("c")
            await settle(pilot)
            lines = app.query_one("#attention-bars").lines
            text = "\n".join(lines)
            assert "q·k = Σ q_i·k_i" in text and "÷ √" in text and "context = Σ w_j · v_j" in text
            result = app.result
            weight = result.attention.weights[0, 5, 2]
            assert f"w = {weight:.4f}" in text
            context = result.attention.context[0, 5]
            assert f"= [{context[0]:+.2f}" in text
            await pilot.press("a")  # the mean of the heads has no single arithmetic
            await settle(pilot)
            assert "no single q·k" in "\n".join(app.query_one("#attention-bars").lines)
            await pilot.press("a", "c")
            await settle(pilot)
            assert "top keys" in "\n".join(app.query_one("#attention-bars").lines)

    asyncio.run(scenario())


def test_masked_cell_arithmetic_says_so():
    async def scenario():
        app = make_app(text=TEXT)
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(pilot)
            app.show_pane("attention", focus=True)
            app.pane("attention").show_arithmetic(True)
            app.pane("attention").select_cell(1, 4)
            await settle(pilot)
            text = "\n".join(app.query_one("#attention-bars").lines)
            assert "the mask hides key #4 from query #1: weight 0" in text
            assert np.isclose(app.result.attention.weights[0, 1, 4], 0.0)

    asyncio.run(scenario())


def test_the_app_and_inspect_lens_give_the_same_numbers(hf_gpt2, capsys):
    import json

    from tui.cli import main

    folder, _ = hf_gpt2
    assert main(["inspect", "--lens", "--position", "5", "--weights", str(folder), "--json", TEXT]) == 0
    printed = json.loads(capsys.readouterr().out)["lens"]

    async def scenario():
        app = make_app(text=TEXT, weights=str(folder))
        async with app.run_test(size=(160, 40)) as pilot:
            await _open_layers(pilot)
            app.select_token(5)
            await settle(pilot)
            return app.pane("layers").lens

    lens = asyncio.run(scenario())
    assert [row["layer"] for row in printed] == [layer.layer for layer in lens.layers]
    for row, layer in zip(printed, lens.layers, strict=True):
        assert [t["id"] for t in row["top"]] == [t.token_id for t in layer.top]
        np.testing.assert_allclose([t["prob"] for t in row["top"]], [t.prob for t in layer.top], rtol=1e-6)
        assert row["final_top1_rank"] == layer.final_top1_rank
