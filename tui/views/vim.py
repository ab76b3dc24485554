"""Vim-style keys beside the arrows, for the widgets that Textual provides.

Our own cursor widgets bind `h j k l g G` next to their arrows themselves; these add the same keys
to Textual's option lists and scrolling containers, which only know the arrows.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import OptionList

SCROLL_KEYS: list[BindingType] = [
    Binding("k", "scroll_up", "Scroll up", id="vim.scroll_up", show=False),
    Binding("j", "scroll_down", "Scroll down", id="vim.scroll_down", show=False),
    Binding("g", "scroll_home", "Top", id="vim.scroll_home", show=False),
    Binding("G", "scroll_end", "Bottom", id="vim.scroll_end", show=False),
]
"""j/k scroll a line, g/G go to the top/bottom: for any widget with Textual's scroll actions."""


class VimOptionList(OptionList):
    """An OptionList that also moves with j/k and jumps with g/G."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("k", "cursor_up", "Up", id="vim.option_up", show=False),
        Binding("j", "cursor_down", "Down", id="vim.option_down", show=False),
        Binding("g", "first", "First", id="vim.option_first", show=False),
        Binding("G", "last", "Last", id="vim.option_last", show=False),
    ]


class VimScroll(VerticalScroll):
    """A VerticalScroll that also scrolls with j/k and jumps with g/G."""

    BINDINGS: ClassVar[list[BindingType]] = SCROLL_KEYS
