"""The only place that touches Textual's private API; `tests/tui/test_textual_shim.py` fails
loudly when a Textual upgrade changes what these rely on.

Everything else in llm-tui uses Textual's public API. Each function here says why no public call
does the job.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.screen import Screen
from textual.widget import Widget


def set_virtual_size(widget: Widget, size: Size) -> None:
    """Give `widget` a new scrollable extent, without a layout pass over the whole screen.

    Assigning `virtual_size` asks Textual to lay out the whole screen again, which `llm-tui bench`
    measured at about 100 ms: most of a keystroke's cost when every new token grows the token table
    and the heatmap. The extent only changes what the widget draws and its scrollbars, so set it
    without the layout pass and update the scrollbars directly (`Widget._scroll_update`, private);
    a scrollbar appearing or vanishing still triggers its own layout (Textual does that when their
    visibility changes).
    """
    if size == widget.virtual_size:
        return
    widget.set_reactive(Widget.virtual_size, size)
    widget._scroll_update(size)
    widget.refresh()


def screen_lines(screen: Screen) -> list[str]:
    """The text of every line the terminal would receive for `screen`, as composited now.

    For tests that check what the user really sees (a note cut off at the end of a line, escape
    codes reaching the terminal); Textual offers only an SVG export of the whole screen publicly.
    """
    return ["".join(segment.text for segment in strip) for strip in screen._compositor.render_strips()]
