"""Helpers for driving the real app in tests."""

from __future__ import annotations

from textual.worker import WorkerCancelled

from engine.nn.device import DeviceInfo
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
    """Wait until the panes are mounted (after the first frame), no pipeline run is in flight or
    pending, a result or an error is shown, and the messages that carried it are handled.

    A newer edit cancels the worker of an older one (exclusive workers), so a cancelled worker is
    not an error here.
    """
    app = pilot.app
    for _ in range(600):
        await pilot.pause(0.02)
        try:
            await app.workers.wait_for_complete()
        except WorkerCancelled:
            continue
        shown = app.result is not None or app.query_one("#error").has_class("-shown")
        running = any(worker.is_running for worker in app.workers)
        if app.panes and shown and app._in_flight is None and not app._dirty and not running:
            await pilot.pause()
            return
    raise AssertionError("the app did not settle within 12 s")


def lines_of(widget) -> list[str]:
    """The text of every line a line-API widget (ScrollView with render_line) draws now."""
    return [widget.render_line(y).text for y in range(widget.size.height)]
