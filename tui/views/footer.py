"""`KeyFooter`: Textual's footer, built again only when the keys it shows change.

Textual rebuilds its footer (about 25 key widgets, each styled anew) on every focus change and
every `refresh_bindings`. Most of those leave the shown keys exactly as they were, for example
moving between widgets with the same bindings, a generation step, or a lesson question opening. The
rebuilds were a quarter of the time of a walk through every lesson.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Footer

from tui.textual_shim import footer_in_language

if TYPE_CHECKING:
    from textual.screen import Screen


def shown_keys(screen: Screen) -> tuple:
    """What a footer on `screen` shows: each shown binding's key, action, text and state."""
    return tuple(
        (key, binding.action, binding.description, binding.key_display, binding.group, enabled, tooltip)
        for key, (_node, binding, enabled, tooltip) in screen.active_bindings.items()
        if binding.show
    )


class KeyFooter(Footer):
    """A `Footer` that skips the rebuild when `shown_keys` are those it shows already, and says
    each key in the app's language (`tui.i18n`)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple | None = None

    def bindings_changed(self, screen: Screen) -> None:
        shown = shown_keys(screen)
        if self._shown is not None and shown == self._shown and screen is self.screen:
            return
        self._shown = shown
        super().bindings_changed(screen)

    def compose(self) -> ComposeResult:
        strings = getattr(self.app, "strings", None)
        if strings is None:
            yield from super().compose()
            return
        yield from footer_in_language(super().compose(), strings.say)
