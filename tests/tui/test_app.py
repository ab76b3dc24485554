"""The app driven as a user drives it: keys in, panes checked."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import subprocess
import sys

import numpy as np
from textual.widgets import TabbedContent, TextArea

from engine.tokenize.registry import get_tokenizer
from tests.cli.helpers import run_cli
from tests.tui.helpers import lines_of, make_app, settle
from tui.panes.attention import AttentionPane
from tui.panes.token_table import TokenTable
from tui.views.heatmap import AttentionHeatmap


def test_typing_updates_token_table_with_gpt2_ids():
    async def scenario():
        app = make_app(text="")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press(*"Hello, world!")
            await settle(pilot)
            expected = get_tokenizer("gpt2").encode("Hello, world!")
            assert app.result.tokens.ids.tolist() == expected
            rows = lines_of(app.query_one(TokenTable))[1:]  # below the header: one row per token
            for position, token_id in enumerate(expected):
                fields = rows[position].split()
                # The row of this position holds this id as a whole column, not as part of a number.
                assert fields[0] == str(position) and str(token_id) in fields[1:], rows[position]
            assert "4 tokens" in str(app.query_one("#status").render())

    asyncio.run(scenario())


def test_switching_encoding_changes_ids():
    async def scenario():
        app = make_app(text="Tokenization isn't magic.")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert app.result.tokens.encoding == "gpt2"
            before = app.result.tokens.ids.tolist()
            await pilot.press("f2")
            await settle(pilot)
            assert app.result.tokens.encoding == "cl100k_base"
            after = app.result.tokens.ids.tolist()
            assert after == get_tokenizer("cl100k_base").encode("Tokenization isn't magic.")
            assert after != before

    asyncio.run(scenario())


def test_causal_toggle_changes_the_upper_triangle():
    async def scenario():
        app = make_app(text="one two three four five")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.query_one(TabbedContent).active = "attention"
            await pilot.pause()
            heatmap = app.query_one(AttentionHeatmap)
            heatmap.focus()
            await pilot.pause()
            upper = np.triu(np.ones((5, 5), dtype=bool), 1)
            assert (app.result.attention.weights[:, upper] == 0).all()
            masked_view = lines_of(heatmap)
            assert "··" in masked_view[heatmap.header_lines]  # row 0, under the key labels
            await pilot.press("m")
            await settle(pilot)
            assert app.settings.causal is False
            assert (app.result.attention.weights[:, upper] > 0).all()
            assert "··" not in "\n".join(lines_of(heatmap))
            await pilot.press("m")
            await settle(pilot)
            assert "··" in lines_of(heatmap)[heatmap.header_lines]

    asyncio.run(scenario())


def test_unknown_word_under_regex_shows_error_and_keeps_text():
    async def scenario():
        app = make_app(text="the lamp", encoding="regex")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert app.result.tokens.encoding == "regex"
            await pilot.press("end", *" Zebra")
            await settle(pilot)
            error = app.query_one("#error")
            assert error.has_class("-shown")
            assert "unknown word 'Zebra'" in str(error.render())
            assert app.query_one("#text", TextArea).text == "the lamp Zebra"
            await pilot.press(*["backspace"] * 6)
            await settle(pilot)
            assert not error.has_class("-shown")

    asyncio.run(scenario())


def test_small_and_resized_terminals_do_not_crash():
    async def scenario():
        app = make_app()
        async with app.run_test(size=(40, 12)) as pilot:
            await settle(pilot)
            for pane in ("tokens", "embeddings", "attention", "positions"):
                app.query_one(TabbedContent).active = pane
                await pilot.pause()
            await pilot.resize_terminal(120, 40)
            await pilot.press(*" more text")
            await pilot.resize_terminal(40, 12)
            await settle(pilot)
            assert app.is_running and app.result is not None

    asyncio.run(scenario())


def test_selecting_a_token_highlights_it_everywhere():
    async def scenario():
        app = make_app(text="one two three four five")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            table = app.query_one(TokenTable)
            table.focus()
            await pilot.press("down", "down")
            await pilot.pause()
            assert app.selected == 2
            app.query_one(TabbedContent).active = "attention"  # hidden panes catch up when shown
            await pilot.pause()
            assert app.query_one(AttentionPane).heatmap.cursor[0] == 2
            text_area = app.query_one(TextArea)
            assert text_area.cursor_location == (0, len("one two"))
            assert text_area.selected_text == ""

    asyncio.run(scenario())


def test_help_lists_keys_and_closes():
    async def scenario():
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("f1")
            await pilot.pause()
            assert app.screen.__class__.__name__ == "HelpScreen"
            lines = str(app.screen.query_one("#help-text").render()).splitlines()
            assert "esc, q or F1 closes this list." in lines[:3]
            # Every key of every section, on a row of its own with what it does.
            titles = [title for title, _ in app.screen.sections]
            assert {"Everywhere", "Text box", "Attention", "Token table", "Lesson list (F9)"} <= set(titles)
            for _title, bindings in app.screen.sections:
                for binding in bindings:
                    key = binding.key_display or app.get_key_display(
                        dataclasses.replace(binding, key=binding.key.split(",")[0])
                    )
                    assert any(
                        line.startswith(f"  {key}") or f", {key}" in line
                        for line in lines
                        if line.rstrip().endswith(binding.description)
                    ), (binding.key, binding.description)
            for fragment in ("Causal mask", "Screenshot", "Next head", "Undo", "Select all", "First row"):
                assert any(line.rstrip().endswith(fragment) for line in lines), fragment
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen.__class__.__name__ != "HelpScreen"

    asyncio.run(scenario())


def test_export_and_screenshot_write_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    async def scenario():
        app = make_app(text="The robot lit the lamp.")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("f5", "ctrl+s")
            await pilot.pause()
            return app.result

    result = asyncio.run(scenario())
    tokens_json = next(tmp_path.glob("*-tokens.json"))
    records = json.loads(tokens_json.read_text())["tokens"]
    assert [r["id"] for r in records] == result.tokens.ids.tolist()
    attention = json.loads(next(tmp_path.glob("*-attention-head0.json")).read_text())
    np.testing.assert_allclose(attention["weights"], result.attention.weights[0], atol=1e-6)
    # The selected cell's arithmetic, every number: its context is the head's output for the query.
    cell = attention["cell"]
    query = cell["query_position"]
    np.testing.assert_allclose(cell["context"], result.attention.context[0, query], atol=1e-6)
    assert len(cell["row"]["values"]) == len(cell["row"]["keys"]) == query + 1
    assert next(tmp_path.glob("*-attention-head0.csv")).read_text().startswith("query \\ key")
    assert list(tmp_path.glob("*.svg"))


def test_first_frame_is_painted_before_torch_is_imported():
    probe = """
import sys
from engine.settings import Settings
from tui.app import LlmTuiApp

# exit_after_first_frame quits right after the first frame, before the panes and the engine load.
app = LlmTuiApp("hello", Settings(), exit_after_first_frame=True)
app.run(headless=True)
assert app.first_frame_at is not None
print("torch loaded at first frame:", "torch" in sys.modules)
print("numpy loaded at first frame:", "numpy" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert "torch loaded at first frame: False" in done.stdout, done.stdout + done.stderr
    # The panes (numpy, plotext) are built after the first frame too: start-up is a bench target.
    assert "numpy loaded at first frame: False" in done.stdout, done.stdout + done.stderr


def _visit_every_pane(app_env: dict[str, str], monkeypatch) -> tuple[str, list[str]]:
    for name, value in app_env.items():
        monkeypatch.setenv(name, value)

    async def scenario():
        app = make_app(text="one two three", colors=None)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            for pane in ("tokens", "embeddings", "attention", "positions"):
                app.query_one(TabbedContent).active = pane
                await pilot.pause()
            app.query_one(TabbedContent).active = "attention"
            await pilot.pause()
            heatmap = app.query_one(AttentionHeatmap)
            return app.color_mode, lines_of(heatmap)[heatmap.header_lines - 1 :]  # the index line, rows

    return asyncio.run(scenario())


def test_no_color_terminal_renders_every_pane_in_mono(monkeypatch):
    mode, heatmap = _visit_every_pane({"NO_COLOR": "1"}, monkeypatch)
    assert mode == "mono"
    cells = "".join(line[10:] for line in heatmap[1:4])
    assert set(cells) <= set(" ░▒▓█·▐▌")
    assert any(char in cells for char in "░▒▓█")


def test_sixteen_colour_terminal_renders_every_pane(monkeypatch):
    monkeypatch.delenv("COLORTERM", raising=False)
    mode, heatmap = _visit_every_pane({"TERM": "xterm", "TEXTUAL_COLOR_SYSTEM": "standard"}, monkeypatch)
    assert mode == "16"
    assert any(char in "".join(heatmap[1:4]) for char in "░▒▓█")


def test_fast_typing_is_coalesced_and_ends_on_the_final_text(monkeypatch):
    import time

    import engine.pipeline.run

    real_run = engine.pipeline.run.run

    runs = []

    def slow_run(text, *args, **kwargs):
        runs.append(text)
        time.sleep(0.05)  # a pipeline slower than typing, as with a long text or a big model
        return real_run(text, *args, **kwargs)

    monkeypatch.setattr(engine.pipeline.run, "run", slow_run)

    async def scenario():
        app = make_app(text="")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            typed = "the lamp was lit so the boats could find the harbour"
            runs.clear()
            text_area = app.query_one(TextArea)
            for char in typed:  # edits arrive faster than a run takes (no yielding between them)
                text_area.insert(char, text_area.document.end)
                await asyncio.sleep(0.005)
            await settle(pilot)
            assert app.result.tokens.text == typed
            assert runs and runs[-1] == typed
            assert len(runs) < len(typed)  # edits during a run share one follow-up run

    asyncio.run(scenario())


def test_one_numbering_from_0_in_the_pane_the_export_and_inspect(tmp_path, monkeypatch, capsys):
    """Head 1 (the second) is "head 1" in the Attention tab, in the export's file name and in
    `inspect`, as PyTorch and the book count; the layer too."""
    monkeypatch.chdir(tmp_path)

    async def scenario():
        app = make_app(text="The robot lit the lamp.", heads=2, dim=8)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.show_pane("attention", focus=True)
            await settle(pilot)
            assert app.focused is not app.query_one(TextArea)
            await pilot.press("]")
            await settle(pilot)
            info = str(app.query_one("#attention-info").render())
            await pilot.press("f5")
            await pilot.pause()
            return info

    info = asyncio.run(scenario())
    assert "layer 0 of 1 · head 1 of 2" in info
    assert list(tmp_path.glob("*-attention-head1.csv"))
    code, out, err = run_cli(
        capsys,
        "inspect",
        "--heads",
        "2",
        "--dim",
        "8",
        "--cell",
        "3,1",
        "--head",
        "1",
        "The robot lit the lamp.",
    )
    assert code == 0, err
    assert "layer 0, head 1" in out


def test_tab_never_stops_on_the_tab_bar_and_the_focused_panes_tab_stands_out():
    from textual.widgets import Tabs

    async def scenario():
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            focused = []
            for _ in range(4):
                await pilot.press("tab")
                await pilot.pause()
                focused.append(app.focused)
            assert not any(isinstance(widget, Tabs) for widget in focused)
            app.show_pane("tokens", focus=True)
            await settle(pilot)
            active = app.query_one("#panes Tab.-active")
            assert active.rich_style.reverse and active.rich_style.bold  # mono themes too
            app.query_one(TextArea).focus()
            await pilot.pause()
            assert not active.rich_style.reverse

    asyncio.run(scenario())
