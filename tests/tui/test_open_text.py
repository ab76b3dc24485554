"""ctrl+o puts a text file in the text box: as an edit ctrl+z undoes, off the UI thread, with a
Latin-1 way out for a file that is not UTF-8, and out of a worked example."""

from __future__ import annotations

import asyncio

from textual.widgets import Input, Label, TextArea

from engine.settings import Settings
from tests.tui.helpers import TEST_DEVICE, record_notifications, settle
from tui.app import LlmTuiApp
from tui.screens.file_pick import OpenTextScreen

DEADLINE = 60.0


async def _wait(pilot, done, what: str, seconds: float = 20.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if done():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"still waiting for {what} after {seconds} s")


def _app(**kwargs) -> LlmTuiApp:
    settings = kwargs.pop("settings", Settings())
    return LlmTuiApp("The robot lit the lamp.", settings, "llm-dark", device=TEST_DEVICE, **kwargs)


async def _open(pilot, path) -> None:
    await pilot.press("ctrl+o")
    await pilot.pause()
    assert isinstance(pilot.app.screen, OpenTextScreen)
    field = pilot.app.screen.query_one("#file-path", Input)
    field.value = str(path)
    field.focus()
    await pilot.press("enter")


def test_ctrl_o_opens_a_file_in_the_text_box_and_ctrl_z_brings_the_text_back(tmp_path):
    story = tmp_path / "story.txt"
    story.write_text("Once upon a time a robot read a book.", encoding="utf-8")
    earlier = tmp_path / "earlier.txt"

    async def scenario():
        app = _app(text_path=str(earlier))
        said = record_notifications(app)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+o")
            await pilot.pause()
            assert app.screen.query_one("#file-path", Input).value == str(earlier)  # --text-file's
            await pilot.press("escape")
            await pilot.pause()
            await _open(pilot, story)
            await _wait(pilot, lambda: len(app.screen_stack) == 1, "the dialog to close")
            await settle(pilot)
            text_box = app.query_one(TextArea)
            assert text_box.text == story.read_text(encoding="utf-8")
            assert app.result.n_used > 5 and app.text_path == str(story)
            assert f"opened {story}: 37 characters" in said
            text_box.focus()
            await pilot.press("ctrl+z")
            await settle(pilot)
            assert text_box.text == "The robot lit the lamp."

    asyncio.run(asyncio.wait_for(scenario(), DEADLINE))


def test_a_file_that_is_not_utf8_is_refused_whole_and_ctrl_l_reads_it_as_latin1(tmp_path):
    latin = tmp_path / "café.txt"
    latin.write_bytes("un café noir".encode("latin-1"))

    async def scenario():
        app = _app(language="ja")
        async with app.run_test(size=(60, 20)) as pilot:
            await settle(pilot)
            await _open(pilot, latin)
            error = app.screen.query_one("#file-error", Label)
            await _wait(pilot, lambda: "UTF-8" in str(error.render()), "the error")
            shown = str(error.render())
            # The engine's error in Japanese too (its English is the CLI's, tests/cli).
            assert "不正なバイト 0xE9" in shown and "invalid" not in shown, shown
            assert "ctrl+l で Latin-1 として読めます" in shown
            assert error.size.height >= 2  # wrapped in a 60-column dialog, not cut
            assert app.query_one(TextArea).text == "The robot lit the lamp."
            await pilot.press("ctrl+l")
            await _wait(pilot, lambda: len(app.screen_stack) == 1, "the dialog to close")
            await settle(pilot)
            assert app.query_one(TextArea).text == "un café noir"

    asyncio.run(asyncio.wait_for(scenario(), DEADLINE))


def test_opening_a_file_leaves_a_worked_example(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my own notes", encoding="utf-8")

    async def scenario():
        app = _app(settings=Settings(example="journey"), text_before_example="before")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await _open(pilot, notes)
            await _wait(pilot, lambda: len(app.screen_stack) == 1, "the dialog to close")
            await settle(pilot)
            assert app.settings.example is None and app.result.tokens.encoding == "gpt2"
            assert app.query_one(TextArea).text == "my own notes"
            assert app.text_before_example is None  # leaving later does not bring "before" back

    asyncio.run(asyncio.wait_for(scenario(), DEADLINE))
