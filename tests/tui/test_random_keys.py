"""Seeded random keys on the real app: whatever the order, nothing raises, nothing quits, and the text
box changes only by typing (or by a lesson, which sets its text); no dialog opens on another.

The keys are drawn from the app's own bindings (the F-keys, the lesson and quiz keys), every pane's
and dialog's bindings, ctrl+p, and the keys that move about (escape, tab, arrows, enter, digits).
Only the keys that quit are left out.
"""

from __future__ import annotations

import asyncio
import random

import pytest
from textual.binding import Binding
from textual.widgets import TextArea

from tests.tui.helpers import make_app, settle
from tui.keys import APP_BINDINGS
from tui.lessons.list_screen import LessonListScreen
from tui.panes.registry import key_sections
from tui.screens.corpus import CorpusScreen
from tui.screens.help import HelpScreen
from tui.screens.model import ModelScreen
from tui.screens.train import TrainScreen

KEYS_PER_SEED = 100
TIME_BOUND = 90.0  # a hang fails the test; a run takes ~20 s (the help screen takes ~2 s to open)
QUIT_KEYS = {"ctrl+q", "ctrl+c"}
MOVES = ("escape", "tab", "shift+tab", "up", "down", "left", "right", "enter", "backspace", "1", "2", "3")
TYPED = ("x", "e", " ", "Q")  # plain characters, beyond the letters the panes bind


def _keys_of(bindings) -> set[str]:
    keys = set()
    for binding in bindings:
        if isinstance(binding, Binding):
            keys.update(key.strip() for key in binding.key.split(","))
    return keys


def key_pool() -> list[str]:
    keys = _keys_of(APP_BINDINGS) | {"ctrl+p"} | set(MOVES) | set(TYPED)
    for _, widget in key_sections():
        keys |= _keys_of(widget.BINDINGS)
    for screen in (CorpusScreen, HelpScreen, ModelScreen, TrainScreen, LessonListScreen):
        keys |= _keys_of(screen.BINDINGS)
    return sorted(keys - QUIT_KEYS)


def _typing(app) -> bool:
    """Whether a key pressed now may change the text box: it has focus, on the main screen."""
    return len(app.screen_stack) == 1 and isinstance(app.focused, TextArea)


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """Exports, screenshots, a trained model and lesson progress go to tmp_path; no hub cache."""
    for variable in ("XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(variable, str(tmp_path / variable.lower()))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.chdir(tmp_path)
    # F7 trains a tiny model; while it trains, each key waits for the busy process to go quiet
    # (Textual's pilot, up to 2 s a key). A short training keeps the walk fast, and its model is
    # then used, so the keys that need one (a, A, layers) act on it.
    monkeypatch.setattr("tui.screens.train.TrainScreen", _ShortTraining)
    return tmp_path


class _ShortTraining(TrainScreen):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **{**kwargs, "steps": 6})


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2026])
def test_random_keys_never_end_the_app(seed, isolated):
    pool = key_pool()
    draw = random.Random(seed)
    # Escape often enough that the dialogs are left as well as entered.
    keys = [draw.choice(("escape", *pool)) for _ in range(KEYS_PER_SEED)]

    async def scenario():
        app = make_app(text="The robot lit the lamp.")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            box = app.query_one(TextArea)
            typed = False  # the key before: press() returns once the key is handled, not its effects
            for step, key in enumerate(keys):
                before, typing = box.text, _typing(app)
                in_lesson = app.lesson_driver.lesson is not None
                await pilot.press(key)
                where = f"seed {seed}, key {step} {key!r}, after {keys[max(0, step - 8) : step]}"
                assert app.is_running and app.return_code is None, where
                assert len(app.screen_stack) <= 2, f"{where}: screens stacked {app.screen_stack}"
                if box.text != before:
                    assert typing or typed or in_lesson or app.lesson_driver.lesson is not None, where
                typed = typing
            for _ in range(8):  # and back to the main screen
                if len(app.screen_stack) == 1:
                    break
                await pilot.press("escape")
                await pilot.pause()
            assert len(app.screen_stack) == 1, app.screen_stack
            await settle(pilot)
            assert app.is_running and app.return_code is None

    asyncio.run(asyncio.wait_for(scenario(), TIME_BOUND))
