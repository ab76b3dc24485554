"""The app under bad input and hostile terminals: it keeps running, says what is wrong, never
writes control characters to the terminal, and never changes what the user typed.

test_app.py already covers 40×12 with resizes between runs, NO_COLOR and 16 colours from the
environment, and an unknown word under the strict regex tokenizer; these tests go further.
"""

from __future__ import annotations

import asyncio
import re
import threading

import pytest
from textual import events
from textual.widgets import Input, Label, TabbedContent, TextArea

import engine.nn.checkpoints
import engine.pipeline.run
from engine.nn.checkpoints import save_checkpoint
from engine.nn.model import GPT, GPTConfig
from engine.tokenize.bpe import load_encoding
from engine.tokenize.registry import sample_text
from tests.tui.helpers import lines_of, make_app, settle
from tui.idle import wait_until
from tui.panes.registry import PANE_IDS
from tui.panes.token_table import TokenTable
from tui.textual_shim import screen_lines

# Anything a terminal would take as a command: C0 controls but tab and newline, DEL, C1 controls.
TERMINAL_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
MIXED = "日本語 👩‍👩‍👧 e\u0301 한국어 ESC\x1b[2J NUL\x00 BEL\x07 CSI\x9b end"


def _screen_text(app) -> str:
    """Every character the app would write to the terminal for the current screen."""
    return "".join(screen_lines(app.screen))


def _error(app) -> str | None:
    error = app.query_one("#error")
    return str(error.render()) if error.has_class("-shown") else None


async def _visit_every_tab(app, pilot) -> None:
    for pane in PANE_IDS:
        app.query_one(TabbedContent).active = pane
        await pilot.pause()
        await pilot.pause()
        assert not TERMINAL_CONTROL.search(_screen_text(app)), pane


@pytest.mark.parametrize(("size", "colors"), [((40, 12), "mono"), ((300, 100), "16")])
def test_tiny_and_huge_terminals_show_mixed_scripts_and_controls_safely(size, colors):
    async def scenario():
        app = make_app(text=MIXED, colors=colors)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            assert _error(app) is None and app.result.tokens.ids.tolist() == load_encoding(
                "gpt2"
            ).encode_ordinary(MIXED)
            await _visit_every_tab(app, pilot)
            assert app.is_running and app.query_one(TextArea).text == MIXED
            assert "control character(s)" in str(app.query_one("#status").render())

    asyncio.run(scenario())


def test_control_characters_are_tokens_but_never_reach_the_terminal():
    async def scenario():
        app = make_app(text="red ")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            text_area = app.query_one(TextArea)
            app.post_message(events.Paste("\x1b[31mRED\x1b[2J\x00\x9b"))
            await settle(pilot)
            typed = text_area.text
            assert "\x1b[2J" in typed and "\x00" in typed  # the user's text keeps them
            assert app.result.tokens.ids.tolist() == load_encoding("gpt2").encode_ordinary(typed)
            assert not TERMINAL_CONTROL.search(_screen_text(app))
            assert "\\x1b" in "\n".join(lines_of(app.query_one(TokenTable)))  # shown escaped

    asyncio.run(scenario())


def test_resizing_while_a_run_is_in_flight(monkeypatch):
    entered, release = threading.Event(), threading.Event()
    real_run = engine.pipeline.run.run

    def held_run(*args, **kwargs):
        entered.set()
        release.wait(timeout=30)  # the test resizes the terminal while this run is in flight
        return real_run(*args, **kwargs)

    async def scenario():
        app = make_app(text="The robot lit")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.query_one(TabbedContent).active = "attention"
            monkeypatch.setattr(engine.pipeline.run, "run", held_run)
            await pilot.press("end", *" the lamp")
            for _ in range(500):
                if entered.is_set():
                    break
                await pilot.pause(0.01)
            assert entered.is_set() and not app.is_idle
            for size in ((40, 12), (300, 100), (60, 15)):
                await pilot.resize_terminal(*size)
                await pilot.pause()
            release.set()
            await settle(pilot)
            assert app.is_running and _error(app) is None
            assert app.result.tokens.text == "The robot lit the lamp"
            assert app.size == (60, 15)

    try:
        asyncio.run(scenario())
    finally:
        release.set()


def test_a_pasted_megabyte_is_tokenized_whole_and_attended_to_the_context():
    big = (sample_text() * 1500)[:1_000_000]

    async def scenario():
        app = make_app(text="", context=1024)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            text_area = app.query_one(TextArea)
            app.post_message(events.Paste(big))
            await settle(pilot)
            assert text_area.text == big
            n_tokens = len(load_encoding("gpt2").encode_ordinary(big))
            assert len(app.result.tokens) == n_tokens and app.result.n_used == 1024
            # On screen, not only in the widget: the one-line status must not cut the note off.
            row = app.query_one("#status").region.y
            status = screen_lines(app.screen)[row]
            assert f"showing the first 1,024 of {n_tokens:,} tokens (the context is 1,024)" in status
            # Soft wrapping re-wraps the whole text on every key and resize: it is off for this size.
            assert text_area.soft_wrap is False
            await pilot.press("ctrl+end", "!")
            await settle(pilot)
            assert text_area.text == big + "!" and len(app.result.tokens) >= n_tokens
            text_area.select_all()
            await pilot.press("delete")
            await settle(pilot)
            assert text_area.text == "" and text_area.soft_wrap is True
            assert "the text is empty" in str(app.query_one("#status").render())

    asyncio.run(scenario())


def test_a_bug_in_a_run_is_a_message_and_the_app_keeps_running(monkeypatch):
    def broken_run(*args, **kwargs):
        raise RuntimeError("boom")

    async def scenario():
        app = make_app(text="Hello")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            monkeypatch.setattr(engine.pipeline.run, "run", broken_run)
            await pilot.press("end", "!")
            await settle(pilot)
            assert "internal error: RuntimeError: boom" in (_error(app) or "")
            monkeypatch.undo()
            await pilot.press("backspace")
            await settle(pilot)
            assert app.is_running and _error(app) is None and app.query_one(TextArea).text == "Hello"

    asyncio.run(scenario())


def test_the_text_is_unchanged_after_every_error(tmp_path, monkeypatch):
    (tmp_path / "notes.safetensors").write_text("not weights", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("café".encode("latin-1"))
    config = GPTConfig(vocab_size=50257, context=32, dim=16, layers=1, heads=2)
    model = save_checkpoint(GPT(config, seed=0), config, tmp_path / "model.safetensors")

    async def scenario():
        app = make_app(text="Hello")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            text_area = app.query_one(TextArea)

            async def type_and_check(keys: str, fragment: str) -> None:
                before = text_area.text
                text_area.insert(keys, text_area.document.end)
                await settle(pilot)
                assert fragment in (_error(app) or ""), _error(app)
                assert text_area.text == before + keys and app.is_running

            # A special token typed, then text that looks like Textual markup in an error message.
            await type_and_check(" <|endoftext|>", "special token '<|endoftext|>'")
            assert "--allow-special" in _error(app)
            text_area.clear()
            app.action_set_encoding("regex")
            await type_and_check("[/x] [bold]", "unknown word '[/x]'")

            # Weights that are not weights, picked in the model dialog.
            app.action_set_encoding("gpt2")
            text_area.replace("Hello again", (0, 0), text_area.document.end)
            await settle(pilot)
            await pilot.press("f6")
            await pilot.pause()
            app.screen.query_one("#model-path", Input).value = str(tmp_path / "notes.safetensors")
            app.screen.query_one("#model-path", Input).focus()
            await pilot.press("enter")
            await settle(pilot)
            assert "is not a readable safetensors file" in (_error(app) or "")
            assert text_area.text == "Hello again"

            # A model too large for the memory free now.
            monkeypatch.setattr(engine.nn.checkpoints, "free_memory", lambda device: 1000)
            app.update_settings(weights=str(model))
            await settle(pilot)
            assert "of memory is available" in (_error(app) or "") and text_area.text == "Hello again"
            app.update_settings(weights=None)
            await settle(pilot)
            assert _error(app) is None and text_area.text == "Hello again"

            # A corpus file that is not UTF-8: the dialog says where, and offers nothing silently.
            await pilot.press("f3")
            await pilot.pause()
            app.screen.query_one("#file-path", Input).value = str(tmp_path / "latin1.txt")
            app.screen.query_one("#file-path", Input).focus()
            await pilot.press("enter")
            # The dialog reads the file in a worker: wait (with a deadline) for its verdict.
            error_label = app.screen.query_one("#file-error", Label)
            await wait_until(
                lambda: str(error_label.render()).strip() != "", 30, lambda: "no corpus error shown"
            )
            message = str(error_label.render())
            assert "not UTF-8 text (invalid byte 0xE9 at byte offset 3)" in message
            assert "ctrl+l reads it as Latin-1" in message  # the way out, in the dialog itself
            await pilot.press("ctrl+l")
            await wait_until(
                lambda: app.settings.corpus is not None, 30, lambda: "the Latin-1 corpus was not loaded"
            )
            assert "é" in app.settings.corpus and app.screen.__class__.__name__ != "CorpusScreen"
            await settle(pilot)
            assert text_area.text == "Hello again" and app.is_running

    asyncio.run(scenario())


def test_a_device_that_is_not_there_is_a_message_and_the_app_keeps_running(monkeypatch):
    """`llm-tui --device cuda` on a machine without CUDA left every pane on "loading the engine
    (torch) in the background…" for ever; now the panes and the error line say what is wrong."""
    import torch

    from engine.settings import Settings
    from tui.app import LlmTuiApp

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # also on a machine with a GPU

    async def scenario():
        app = LlmTuiApp("Hello", Settings(device="cuda"), theme_name="llm-dark", colors="truecolor")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            error = _error(app) or ""
            assert "cuda" in error.lower() and "--device cpu" in error, error
            assert app.result is None and app.is_running
            table = app.query_one(TokenTable)
            assert any("cuda" in line.lower() for line in lines_of(table)), lines_of(table)
            assert not any("loading the engine" in line for line in screen_lines(app.screen))
            await pilot.press("end", "!")  # typing goes on, and says the same
            await settle(pilot)
            assert app.query_one(TextArea).text == "Hello!" and "cuda" in (_error(app) or "").lower()

    asyncio.run(scenario())


def test_triple_clicking_the_attention_line_keeps_the_app_running():
    """Select-all (a triple click) calls `Widget.query`, which an attribute once hid."""

    async def scenario():
        app = make_app(text="one two three")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.query_one(TabbedContent).active = "attention"
            await settle(pilot)
            await pilot.click("#attention-info", times=3)
            await pilot.pause()
            assert app.is_running and app.query_one("#attention-info").region.height == 1

    asyncio.run(scenario())
