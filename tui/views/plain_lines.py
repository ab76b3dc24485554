"""`PlainLines`: a few lines of plain text, drawn line by line.

A `Static` parses, wraps and styles its whole text on every repaint: ~3.4 ms a frame for the
attention pane's 36 lines of bars, redrawn on every keystroke. Lines that are only cut to the
width cost a fraction of that.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import set_cell_size
from rich.segment import Segment
from textual.strip import Strip
from textual.widget import Widget


class PlainLines(Widget):
    """Lines of text (no markup, no wrapping), each cut or padded to the widget's width."""

    DEFAULT_CSS = """
    PlainLines { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.lines: tuple[str, ...] = ()

    def set_lines(self, lines: Sequence[str]) -> None:
        """Show `lines`; a repaint only, the widget's size does not change."""
        lines = tuple(lines)
        if lines != self.lines:
            self.lines = lines
            self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        text = self.lines[y] if y < len(self.lines) else ""
        return Strip([Segment(set_cell_size(text, width), self.rich_style)], width)
