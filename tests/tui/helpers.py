"""Helpers for driving the real app in tests."""

from __future__ import annotations

from textual.worker import WorkerCancelled

from engine.device import DeviceInfo
from engine.settings import Settings
from tui.app import LlmTuiApp

# A fixed device line keeps snapshots identical across machines and torch versions.
TEST_DEVICE = DeviceInfo("cpu", "cpu · test device")


def make_app(
    text: str = "The robot lit the lamp.", colors: str | None = "truecolor", **settings
) -> LlmTuiApp:
    """The app on `text`; colours are pinned (not read from the test's TERM) unless colors=None."""
    return LlmTuiApp(text, Settings(**settings), theme_name="llm-dark", device=TEST_DEVICE, colors=colors)


async def settle(pilot) -> None:
    """Wait out the debounce, the pipeline workers and the messages they post.

    A newer edit cancels the worker of an older one (exclusive workers), so a cancelled worker is
    not an error here: keep waiting until none is running.
    """
    await pilot.pause(0.2)
    for _ in range(100):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:
            continue
        await pilot.pause()
        if not any(worker.is_running for worker in pilot.app.workers):
            return
    raise AssertionError("the pipeline workers did not settle")


def lines_of(widget) -> list[str]:
    """The text of every line a line-API widget (ScrollView with render_line) draws now."""
    return [widget.render_line(y).text for y in range(widget.size.height)]
