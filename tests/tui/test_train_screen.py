"""The training screen, driven through a real (headless) Textual app that trains a tiny GPT."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Label, ProgressBar
from textual_plotext import PlotextPlot

from engine.tokenize.registry import sample_text
from tui.i18n.strings import UiStrings
from tui.screens.train import UPDATE_INTERVAL, TrainScreen, _ProgressPoster

UNSET = object()


class TrainHost(App[None]):
    """Pushes one TrainScreen, recording what it dismisses with and the progress it posts."""

    def __init__(self, screen: TrainScreen, language: str = "en") -> None:
        super().__init__()
        self.strings = UiStrings(language)
        self.train_screen = screen
        self.result: object = UNSET
        self.progress: list[TrainScreen.Progress] = []
        self.order: list[str] = []  # the kinds of the worker's messages, in order

    def on_mount(self) -> None:
        self.push_screen(self.train_screen, self.record)

    def record(self, result: Path | None) -> None:
        self.result = result

    def on_train_screen_progress(self, message: TrainScreen.Progress) -> None:
        self.progress.append(message)

    def on_train_screen_saving(self, message: TrainScreen.Saving) -> None:
        self.order.append(f"saving {message.path}")

    def on_train_screen_finished(self, message: TrainScreen.Finished) -> None:
        self.order.append("finished")


async def wait_for(pilot: Pilot, done: Callable[[], bool], seconds: float = 60.0) -> None:
    """Let the app run until `done()` holds; fail after `seconds`."""
    for _ in range(int(seconds / 0.1)):
        if done():
            return
        await pilot.pause(0.1)
    raise AssertionError(f"still waiting after {seconds} s")


def drive(
    screen: TrainScreen, test: Callable[[TrainHost, Pilot], Awaitable[None]], language: str = "en"
) -> None:
    async def main() -> None:
        app = TrainHost(screen, language)
        async with app.run_test(size=(100, 34)) as pilot:
            await test(app, pilot)

    asyncio.run(main())


def test_trains_saves_and_closes_with_the_checkpoint(tmp_path):
    from engine.nn.checkpoints import load_weights

    out = tmp_path / "models" / "m.safetensors"
    screen = TrainScreen(sample_text(), "sample", steps=12, out_path=out, auto_close=True)
    seen = {}

    async def test(app: TrainHost, pilot: Pilot) -> None:
        await wait_for(pilot, lambda: screen.state != "running")
        assert screen.state == "finished", screen.query_one("#train-message", Label).content
        seen["title"] = str(screen.query_one("#train-title", Label).content)
        seen["status"] = str(screen.query_one("#train-status", Label).content)
        seen["message"] = str(screen.query_one("#train-message", Label).content)
        seen["bar"] = screen.query_one(ProgressBar).progress
        seen["plot"] = screen.query_one(PlotextPlot).render().plain
        seen["device"] = str(screen.query_one("#train-device", Label).content)
        await wait_for(pilot, lambda: app.result is not UNSET, seconds=5)
        assert app.result == out
        assert app.order == [f"saving {out}", "finished"]  # the screen said it was saving first

    drive(screen, test)
    loaded = load_weights(out)
    assert loaded.steps == 12 and loaded.kind == "tiny"
    assert loaded.metadata["corpus"] == "sample"
    assert seen["bar"] == 12
    assert seen["title"].startswith("Training a tiny GPT on sample: ")
    assert "4 layers · 128 dim" in seen["title"]
    assert seen["status"].startswith("step 12/12 · train loss ")
    assert f"saved to {out} · loss " in seen["message"]
    # The threads training chose, and how busy the machine was (Linux knows; see test_cpu_share).
    assert seen["device"].startswith("on cpu · ") and " thread" in seen["device"], seen["device"]
    assert "train loss" in seen["plot"] and "validation loss" in seen["plot"]
    # Every step's loss reached the screen, in order, however the messages were throttled.
    assert [step for step, _ in screen.train_curve] == list(range(13))
    assert [step for step, _ in screen.val_points] == [0, 10, 12]
    assert screen.train_curve[-1][1] < screen.train_curve[0][1]


def test_escape_cancels_and_writes_nothing(tmp_path):
    out = tmp_path / "m.safetensors"
    screen = TrainScreen(sample_text(), "sample", steps=400, out_path=out)

    async def test(app: TrainHost, pilot: Pilot) -> None:
        await wait_for(pilot, lambda: bool(app.progress))
        await pilot.press("escape")
        assert screen.state in ("cancelling", "cancelled")  # the worker stops at its next step
        await wait_for(pilot, lambda: app.result is not UNSET, seconds=5)
        assert app.result is None
        assert screen.state == "cancelled"
        assert app.progress[-1].step < 400

    drive(screen, test)
    assert not out.exists()
    assert not out.with_name(out.name + ".partial").exists()


def test_a_corpus_too_short_shows_the_error_until_escape(tmp_path):
    out = tmp_path / "m.safetensors"
    screen = TrainScreen("hi", "tiny.txt", steps=5, out_path=out)

    async def test(app: TrainHost, pilot: Pilot) -> None:
        await wait_for(pilot, lambda: screen.state != "running")
        message = screen.query_one("#train-message", Label)
        assert screen.state == "failed"
        assert "too few to train on" in str(message.content)
        assert message.has_class("-error")
        await pilot.press("enter")  # nothing to return: the screen stays
        await pilot.pause()
        assert app.result is UNSET and app.screen is screen
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.result is not UNSET, seconds=5)
        assert app.result is None

    drive(screen, test)
    assert not out.exists()


def test_a_rising_validation_loss_is_explained_in_the_learners_language(tmp_path):
    screen = TrainScreen(sample_text(), "sample", steps=0, out_path=tmp_path / "m.safetensors")

    async def test(app: TrainHost, pilot: Pilot) -> None:
        await wait_for(pilot, lambda: screen.state == "finished")
        note = screen.query_one("#train-note", Label)
        falling = ((10, 2.0, 4.0), (20, 1.0, 3.5))
        screen.post_message(TrainScreen.Progress(20, 1.0, 3.5, falling, 1.0))
        await pilot.pause()
        assert str(note.content) == ""  # still generalising: nothing to explain
        rising = ((30, 0.5, 3.7), (40, 0.2, 4.2))
        screen.post_message(TrainScreen.Progress(40, 0.2, 4.2, rising, 2.0))
        await pilot.pause()
        said = str(note.content)
        assert "4.20" in said and "3.50" in said and "20" in said and "丸暗記" in said, said

    drive(screen, test, language="ja")


class FakeScreen:
    def __init__(self) -> None:
        self.posted: list[TrainScreen.Progress] = []

    def post_message(self, message: TrainScreen.Progress) -> bool:
        self.posted.append(message)
        return True


class FakeWorker:
    is_cancelled = False


def test_progress_is_throttled_but_every_step_arrives():
    screen, stop = FakeScreen(), threading.Event()
    poster = _ProgressPoster(screen, stop, FakeWorker())  # type: ignore[arg-type]
    assert all(poster(step, 5.0 - step / 100, 4.0 if step % 10 == 0 else None) for step in range(50))
    assert len(screen.posted) == 1  # step 0 at once; the rest came within UPDATE_INTERVAL
    assert UPDATE_INTERVAL > 0
    poster.flush()
    last = screen.posted[-1]
    assert (last.step, last.train_loss, last.val_loss) == (49, 5.0 - 49 / 100, 4.0)
    assert [p[0] for message in screen.posted for p in message.points] == list(range(50))
    stop.set()
    assert poster(50, 4.5, None) is False


def test_importing_the_screen_loads_no_torch():
    code = "import sys, tui.screens.train\nprint('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
