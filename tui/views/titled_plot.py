"""A plotext plot under a one-line title, for the Positions and Embedding space tabs.

plotext lays its legends, labels and texts out one character a cell, so a Japanese character (two
cells wide) would push the rest of its line, and the plot's right frame, one cell to the right.
`plot_text` follows each wide character with a placeholder that takes its second cell in plotext's
grid, and `CellPlot` drops the placeholders from what plotext drew: every line keeps its width.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.containers import Vertical
from textual.widgets import Static
from textual_plotext import PlotextPlot

COLOR_THEME = "textual-default"
"""plotext theme in colour: no canvas colour (the widget's own background and text colour show
through, so it suits dark and light themes) and distinct colours for the series."""
MONO_THEME = "clear"
"""plotext theme in mono mode: no colours at all."""
WIDE_PAD = "\ue000"
"""A private-use character plotext places after each wide one (`plot_text`); `CellPlot` drops it."""


def plot_text(text: str) -> str:
    """`text` for a plotext label, legend or text: each wide character followed by `WIDE_PAD`.
    ASCII (English) comes back as it is."""
    if text.isascii():
        return text
    return "".join(char + WIDE_PAD if cell_len(char) == 2 else char for char in text)


def without_pads(text: Text) -> Text:
    """`text` (as plotext drew it) without the `WIDE_PAD`s, its styles kept."""
    plain = text.plain
    if WIDE_PAD not in plain:
        return text
    pads = [index for index, char in enumerate(plain) if char == WIDE_PAD]
    offsets = [offset for index in pads for offset in (index, index + 1)]
    return Text("").join(part for part in text.divide(offsets) if part.plain != WIDE_PAD)


class CellPlot(PlotextPlot):
    """A `PlotextPlot` whose wide characters (written with `plot_text`) take their two cells."""

    def render(self) -> RenderResult:
        """plotext's drawing, its placeholders dropped."""
        rendered = super().render()
        return without_pads(rendered) if isinstance(rendered, Text) else rendered


class TitledPlot(Vertical):
    """A plotext plot under a one-line title.

    The title is a Textual line in the theme's text colour, cut with "…" when the plot is
    narrow; a plotext title that does not fit is dropped altogether.
    """

    DEFAULT_CSS = """
    TitledPlot {
        width: 1fr;
        height: 1fr;
        & > .titled-plot--title {
            width: 1fr;
            height: 1;
            text-align: center;
            text-wrap: nowrap;
            text-overflow: ellipsis;
            text-style: bold;
            color: $text;
        }
        & > PlotextPlot { background: $surface; color: $text; }
    }
    """

    def __init__(self, *, classes: str | None = None) -> None:
        """Create an empty plot with no title.

        Args:
            classes: The CSS classes of the widget.
        """
        super().__init__(classes=classes)
        self.heading = Static("", classes="titled-plot--title", markup=False)
        """The title line."""
        self.plot: PlotextPlot = CellPlot()
        """The plot; draw on `self.plot.plt`."""

    def compose(self) -> ComposeResult:
        """The title, then the plot."""
        yield self.heading
        yield self.plot
