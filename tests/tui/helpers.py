"""Helpers for driving the real app in tests."""

from __future__ import annotations

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
    """Wait out the debounce, the pipeline worker and the messages it posts."""
    await pilot.pause(0.2)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def lines_of(widget) -> list[str]:
    """The text of every line a line-API widget (ScrollView with render_line) draws now."""
    return [widget.render_line(y).text for y in range(widget.size.height)]
