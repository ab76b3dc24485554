"""Worked examples in the app: `--example` at start, the F10 picker, the book's switches (P, M,
W, D) in the Attention tab, the one-hot matrix in the Embeddings tab, and leaving an example."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest
from textual.widgets import TextArea

from engine.examples import example
from engine.nn.book_attention import book_attention
from tests.tui.helpers import make_app, record_notifications, settle
from tui.cli import main
from tui.screens.example import ExampleScreen

JOURNEY = example("journey")
BOOK_ROW_2 = [0.1385, 0.2379, 0.2333, 0.1240, 0.1082, 0.1581]


def _status(app) -> str:
    return str(app.query_one("#status").render())


async def _focus_attention(pilot) -> None:
    pilot.app.show_pane("attention", focus=True)
    await settle(pilot)


def test_the_book_example_opens_with_its_figures_and_the_switches_walk_the_chapter():
    async def scenario():
        app = make_app(text=JOURNEY.text, example="journey", causal=False, scaled=False)
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(pilot)
            app.show_pane("next")
            await settle(pilot)
            assert "worked example journey" in str(app.pane("next").query_one("#next-body").render())
            await _focus_attention(pilot)
            weights = app.result.attention.weights
            np.testing.assert_allclose(weights[0, 1], BOOK_ROW_2, atol=5e-5)
            assert "example journey" in _status(app) and "projection none" in _status(app)
            await pilot.press("P")
            await settle(pilot)
            assert app.settings.projection == "rand" and "projection rand" in _status(app)
            expected = book_attention(JOURNEY.vectors, "rand", seed=123)
            np.testing.assert_allclose(app.result.attention.weights, expected.weights, atol=1e-6)
            await pilot.press("W")  # d_out 2, the book's
            await settle(pilot)
            assert app.settings.d_out == 2 and app.result.attention.vectors.queries.shape == (1, 6, 2)
            await pilot.press("M")  # two heads, stacked: nn.Linear layers
            await settle(pilot)
            assert (app.settings.projection, app.settings.multihead) == ("linear", "stack")
            assert app.result.attention.heads == 2 and app.result.attention.output.shape == (6, 4)
            await pilot.press("M")  # merged: one projection of width 2 split into 2 heads
            await settle(pilot)
            assert app.settings.multihead == "merged" and app.result.attention.vectors.queries.shape == (
                2,
                6,
                1,
            )
            await pilot.press("D")
            await settle(pilot)
            assert app.settings.dropout == 0.5 and app.result.attention.dropout_scale is not None
            await pilot.press("c")
            await settle(pilot)
            lines = "\n".join(app.query_one("#attention-bars").lines)
            assert "dropout 0.5:" in lines and "context = Σ w_j · v_j" in lines
            app.select_token(1)
            await pilot.press("x")  # the book's tables, as it prints them
            await settle(pilot)
            lines = app.query_one("#attention-bars").lines
            assert lines[1] == "scores (q·k not scaled)" and lines[3].startswith("▶journey")
            weights = app.result.attention.weights[0, 1]
            row = lines.index("attention weights after dropout 0.5 (kept ones scaled)") + 2
            assert lines[row].startswith("▶journey") and f"{weights[0]:8.4f}{weights[1]:8.4f}" in lines[row]

    asyncio.run(scenario())


def test_the_picker_opens_the_one_hot_example_and_an_encoding_leaves_it():
    async def scenario():
        app = make_app(text="my own words")
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(pilot)
            assert app.check_action("next_projection", ()) is False  # no example: P does nothing
            assert app.pane("attention").check_action("toggle_tables", ()) is False
            await pilot.press("f10")
            await pilot.pause()
            assert isinstance(app.screen, ExampleScreen)
            options = app.screen.query_one("#example-options")
            options.highlighted = [
                options.get_option_at_index(i).id for i in range(options.option_count)
            ].index("hello-world")
            await pilot.press("enter")
            await settle(pilot)
            assert app.query_one(TextArea).text == "this is world"
            assert app.result.tokens.ids.tolist() == [2, 3, 1]
            app.show_pane("embeddings", focus=True)
            await settle(pilot)
            await pilot.press("o")
            await settle(pilot)
            panel = str(app.pane("embeddings").panel.render())
            assert "one-hot (3 × 5)" in panel and "rows 2, 3, 1 of the table" in panel
            assert "[0 0 1 0 0]" in panel and "✓ each row equals its table row" in panel
            notes = record_notifications(app)
            await pilot.press("f2")  # an encoding reads text: the example ends, the text comes back
            await settle(pilot)
            assert app.settings.example is None and app.query_one(TextArea).text == "my own words"
            assert any("back to your text" in note for note in notes)
            assert app.result.example is None and not _status(app).startswith("example")

    asyncio.run(scenario())


def test_a_retyped_example_sentence_recomputes_and_names_unknown_words():
    async def scenario():
        app = make_app(text=example("neko").text, example="neko", scaled=True, causal=False)
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(pilot)
            x = example("neko").vectors
            last = np.exp(x[-1] @ x.T / np.sqrt(2))
            np.testing.assert_allclose(app.result.attention.weights[0, -1], last / last.sum(), atol=1e-6)
            app.replace_text("すき が ねこ いぬ")
            await settle(pilot)
            assert app.result.tokens.pieces == ("すき", "が", "ねこ")
            assert "'いぬ' left out" in _status(app)

    asyncio.run(scenario())


def _exit_code(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as done:
        return int(done.code)


def test_example_on_the_command_line(capsys, tmp_path):
    assert _exit_code(["--example", "nothing-like-it"]) == 2
    assert "no such example" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text('tokens = ["a", "b"]\nvectors = [[1, 2], [3]]\n', encoding="utf-8")
    assert _exit_code(["--example", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "vectors row 2 has 1 numbers, row 1 has 2" in err and len(err.strip().splitlines()) == 1
    assert _exit_code(["inspect", "--example", "journey", "--no-causal", "--no-scale", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    np.testing.assert_allclose(record["attention"]["heads"][0]["weights"][1], BOOK_ROW_2, atol=5e-5)
    # Options before the subcommand name count as after it.
    assert _exit_code(["--no-causal", "--example", "journey", "inspect", "--no-scale", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    np.testing.assert_allclose(record["attention"]["heads"][0]["weights"][1], BOOK_ROW_2, atol=5e-5)
    assert _exit_code(["--example", "journey", "tokenize", "hi"]) == 2
    assert "not in `tokenize`" in capsys.readouterr().err
    # A text over the example's words, a short context, a width 3 heads do not divide (stacked).
    assert _exit_code(["inspect", "--example", "journey", "step Your", "--context", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["tokens"] == ["step"]
    arguments = ["inspect", "--example", "journey", "--projection", "linear", "--multihead", "stack"]
    assert _exit_code([*arguments, "--heads", "3", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["attention"]["heads"]) == 3
    assert (
        _exit_code(
            ["inspect", "--example", "journey", "--cell", "1,0", "--no-causal", "--no-scale", "--json"]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["cell"]["weight"] == pytest.approx(0.1385, abs=5e-5)


def test_lesson_steps_open_the_examples_and_later_lessons_leave_them(tmp_path):
    from engine.settings import Settings
    from tests.tui.helpers import TEST_DEVICE
    from tui.app import LlmTuiApp
    from tui.lessons.catalog import find_lesson

    async def scenario():
        app = LlmTuiApp(
            "before the lessons", Settings(), device=TEST_DEVICE, language="en", state_dir=tmp_path
        )
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(pilot)
            lesson = find_lesson(app.lesson_driver.lessons, "attention")
            first = next(i for i, step in enumerate(lesson.steps) if step.state.example == "journey")
            app.open_lesson("attention", step=first)
            await settle(pilot)
            assert app.settings.example == "journey" and app.query_one(TextArea).text == JOURNEY.text
            np.testing.assert_allclose(app.result.attention.weights[0, 1], BOOK_ROW_2, atol=5e-5)
            await pilot.press("n")
            await settle(pilot)
            assert (app.settings.projection, app.settings.d_out, app.settings.scaled) == ("rand", 2, True)
            expected = book_attention(JOURNEY.vectors, "rand", d_out=2, seed=123, scaled=True)
            np.testing.assert_allclose(app.result.attention.context, expected.context, atol=1e-6)
            app.open_lesson("causal-mask", step=0)  # a lesson on text: the example is left
            await settle(pilot)
            assert app.settings.example is None and app.result.example is None
            assert "example" not in app.result.tokens.encoding

    asyncio.run(scenario())


def test_a_model_choice_even_the_same_one_leaves_the_example_and_a_new_visit_starts_plain(tmp_path):
    from engine.settings import Settings
    from tests.tui.helpers import TEST_DEVICE
    from tui.app import LlmTuiApp

    async def scenario():
        app = LlmTuiApp("my own words", Settings(), device=TEST_DEVICE, language="en", state_dir=tmp_path)
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(pilot)
            app.open_example("journey")
            await settle(pilot)
            app.update_settings(dropout=0.5, projection="rand")
            await settle(pilot)
            app.update_settings(weights=None)  # F6 -> "random weights", which it already had
            await settle(pilot)
            assert app.settings.example is None and app.query_one(TextArea).text == "my own words"
            app.open_example("watashi")  # a new visit: the book's first version, no dropout
            await settle(pilot)
            assert (app.settings.projection, app.settings.dropout) == ("none", 0.0)
            assert app.result.attention.dropout_scale is None
            app.open_lesson("logit-lens", step=0)  # needs a model: the example is left first
            await settle(pilot)
            assert app.settings.example is None and app.lesson_driver.waiting == "missing"

    asyncio.run(scenario())


def test_small_panes_keep_the_bars_and_step_through_the_tables():
    async def scenario():
        app = make_app(text=JOURNEY.text, example="journey", projection="linear", d_out=2)
        async with app.run_test(size=(80, 40)) as pilot:
            await settle(pilot)
            await _focus_attention(pilot)
            pane = app.pane("attention")
            assert pane.has_class("-narrow")
            bars = app.query_one("#attention-bars")
            assert bars.display and bars.size.height > 2  # under the heatmap, not hidden
            assert bars.lines[0].startswith("query #0")
            firsts = []
            for _ in range(3):
                await pilot.press("x")
                await settle(pilot)
                firsts.append(bars.lines[1])
            assert firsts[0].startswith("masked scores") and firsts[1].startswith("attention weights")
            assert firsts[2].startswith("context vectors of head 0")
            await pilot.press("x")  # past the last table: the bars again
            await settle(pilot)
            assert bars.lines[0].startswith("query #0") and not pane.tables
            await pilot.press("f2")  # F2 on an example: back to the text, the encoding unchanged
            await settle(pilot)
            assert app.settings.example is None and app.settings.encoding == "gpt2"

    asyncio.run(scenario())


def test_the_one_hot_product_goes_under_when_the_pane_is_narrow():
    async def scenario():
        app = make_app(text="this is world", example="hello-world")
        async with app.run_test(size=(80, 40)) as pilot:
            await settle(pilot)
            app.show_pane("embeddings", focus=True)
            await settle(pilot)
            await pilot.press("o")
            await settle(pilot)
            panel = str(app.pane("embeddings").panel.render()).splitlines()
            under = panel.index("= (3 × 3): rows 2, 3, 1 of the table")
            assert panel[under + 1].split() == ["this", "[+0.70", "+0.80", "+0.90]"]
            assert all(len(line) <= 80 for line in panel)

    asyncio.run(scenario())
