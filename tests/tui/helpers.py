"""The one harness for driving the real app in tests: build it, and wait on its public idle hook."""

from __future__ import annotations

from engine.nn.device import DeviceInfo
from engine.settings import Settings
from tui.app import LlmTuiApp

# A fixed device line keeps snapshots identical across machines and torch versions.
TEST_DEVICE = DeviceInfo("cpu", "cpu · test device")

SETTLE_SECONDS = 60.0
"""Deadline for the app to go idle; generous for a busy 2-core CI machine, and never a hang."""


def make_app(
    text: str = "The robot lit the lamp.",
    colors: str | None = "truecolor",
    language: str | None = None,
    **settings,
) -> LlmTuiApp:
    """The app on `text`, in `language` (None: the locale's); colours are pinned (not read from the
    test's TERM) unless colors=None."""
    return LlmTuiApp(
        text, Settings(**settings), "llm-dark", device=TEST_DEVICE, colors=colors, language=language
    )


async def settle(pilot, timeout: float = SETTLE_SECONDS) -> None:
    """Wait until the panes are mounted, no pipeline run is in flight or waiting, no pane is busy,
    and the latest result (or error) is painted (`LlmTuiApp.wait_until_idle`), then let the
    messages that followed it be handled."""
    await pilot.pause()
    await pilot.app.wait_until_idle(timeout)
    await pilot.pause()


async def open_pane(pilot, name: str) -> None:
    """Show and focus pane `name` through the app's public hook, and wait until it has caught up."""
    pilot.app.show_pane(name, focus=True)
    await settle(pilot)


def lines_of(widget) -> list[str]:
    """The text of every line a line-API widget (ScrollView with render_line) draws now."""
    return [widget.render_line(y).text for y in range(widget.size.height)]


def record_notifications(app: LlmTuiApp) -> list[str]:
    """Every message the app (or a widget of it) notifies from now on, in order."""
    messages: list[str] = []
    notify = app.notify

    def recording(message: str, *args, **kwargs):
        messages.append(str(message))
        return notify(message, *args, **kwargs)

    app.notify = recording  # an instance attribute: widgets' `self.notify` calls `app.notify`
    return messages
