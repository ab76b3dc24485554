"""Resizing a line-API scroll view without a layout pass over the whole screen."""

from __future__ import annotations

from textual.geometry import Size
from textual.widget import Widget


def set_virtual_size(widget: Widget, size: Size) -> None:
    """Give `widget` a new scrollable extent.

    Assigning `virtual_size` asks Textual to lay out the whole screen again, which `llm-tui bench`
    measured at about 100 ms: most of a keystroke's cost when every new token grows the token table
    and the heatmap. The extent only changes what the widget draws and its scrollbars, so set it
    without the layout pass and update the scrollbars directly; a scrollbar appearing or vanishing
    still triggers its own layout (Textual does that when their visibility changes).
    """
    if size == widget.virtual_size:
        return
    widget.set_reactive(Widget.virtual_size, size)
    widget._scroll_update(size)
    widget.refresh()
