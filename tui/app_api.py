"""`AppApi`: the public side of the app, as the lesson driver and the dialogs see it.

They are handed the running `tui.app.LlmTuiApp`, but type it as this protocol, so they use
nothing else of it and the app's module is free to import them (no import circle, not even one
for type checking).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from textual.binding import BindingType
    from textual.screen import Screen
    from textual.widget import Widget

    from engine.nn.device import DeviceInfo
    from engine.pipeline.results import PipelineResult
    from engine.settings import Settings
    from tui.i18n.strings import UiStrings


class AppApi(Protocol):
    """What `tui.app.LlmTuiApp` offers every caller besides Textual's own `App` methods."""

    BINDINGS: list[BindingType]
    result: PipelineResult | None
    settings: Settings
    selected: int
    language: str
    strings: UiStrings
    corpus_path: str | None
    text_path: str | None
    device: DeviceInfo | None
    lesson_error: str | None
    text_before_example: str | None

    @property
    def text(self) -> str: ...

    @property
    def screen_stack(self) -> list[Screen]: ...

    @property
    def focused(self) -> Widget | None: ...

    def pane(self, name: str) -> Any: ...

    def select_token(self, index: int, source: Widget | None = None) -> None: ...

    def replace_text(self, text: str) -> None: ...

    def update_settings(self, selected: int | None = None, **changes: Any) -> None: ...

    def show_pane(self, name: str, focus: bool = False) -> None: ...

    def open_lesson(self, lesson_id: str, step: int | None = None) -> None: ...

    def open_example(self, name: str | None) -> None: ...

    def conceal(self, question: str | None) -> None: ...

    def notify(
        self, message: str, *, severity: str = ..., timeout: float | None = ..., markup: bool = ...
    ) -> None: ...

    def push_screen(self, screen: Screen, callback: Callable[[Any], object] | None = None) -> Any: ...

    def refresh_bindings(self) -> None: ...

    def save_screenshot(self, filename: str | None = None, path: str | None = None) -> str: ...
