"""The logit-lens map: position rows × layer columns, each cell that layer's top-1 next token.

Each cell is the piece of the token the stream after that layer would predict (cut to fit),
on a background shaded by its probability. A cell costs a (V, C) product, so the view never
computes: it draws the cells it has been given (`add_cells`) and a dim "…" for the others, and
says which visible cells it lacks (`missing_cells`); the pane computes those in a worker. Lines are
drawn only when on screen, as in the attention heatmap, so 1,024 tokens × 48 layers cost what
one screen of them costs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.binding import BindingType
from textual.strip import Strip

from themes.palettes import palette_named, shade, text_color_on
from tui.formatting.layers import layer_name
from tui.views.cursor_view import CellCursorView
from tui.views.text_wrap import fit_left

GUTTER = 12
"""Cells left of the map for the row label (position and piece), the last one a gap; more when
the header's words are wider (Japanese)."""
CELL = 8
"""Cells per layer column: 7 for the piece, 1 gap."""
LEVELS = 32
"""Probabilities are shaded in this many steps."""

# (position, layer) -> (the top-1 token's piece as drawn, its probability)
Cells = dict[tuple[int, int], tuple[str, float]]


class LensMapView(CellCursorView):
    """Rows: positions of the text; columns: the embeddings, then each block.

    Bindings: those of the cell cursor; moving it to another row selects that token everywhere.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"lens-map--header", "lens-map--label", "lens-map--pending"}
    """
    | Class | Description |
    | :- | :- |
    | `lens-map--header` | The layer names on the top line. |
    | `lens-map--label` | The row labels (position and token) in the left gutter. |
    | `lens-map--pending` | Cells not computed yet. |
    """

    DEFAULT_CSS = """
    LensMapView {
        overflow: auto auto;
        scrollbar-gutter: auto;
        & > .lens-map--header { color: $text-muted; }
        & > .lens-map--label { color: $text; }
        & > .lens-map--pending { color: $text-disabled; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = CellCursorView.BINDINGS
    """The cell cursor's keys, listed again: the help screen shows each class's own BINDINGS."""

    header_lines = 1
    gutter_cells = GUTTER
    column_cells = CELL

    def __init__(self, message: str = "", *, palette: str = "viridis", mono: bool = False, **kwargs: Any):
        super().__init__(message, **kwargs)
        self._rows = 0
        self._layers = 0
        self._labels: list[str] = []
        self._cells: Cells = {}
        self._header = ""  # the gutter's column names, in the learner's language (`set_grid`)
        self._mono = False
        self._styles: list[Style] = []
        self.set_palette(palette, mono)

    @property
    def shape(self) -> tuple[int, int]:
        return (self._rows, self._layers)

    def set_grid(self, labels: Sequence[str], layers: int, cells: Cells) -> None:
        """Show `len(labels)` positions × `layers` layers; `cells` are the ones known so far."""
        self._labels = list(labels)
        self._rows, self._layers = len(self._labels), layers
        self._cells = cells
        self._header = self.app.strings.say(" pos token")
        self.gutter_cells = max(GUTTER, cell_len(self._header) + 1)
        self.set_message("")
        self.set_extent(self._rows, self.gutter_cells + CELL * layers)
        self.invalidate()
        self.place_cursor(self.cursor)

    def clear_grid(self, message: str) -> None:
        self._rows = self._layers = 0
        self._labels, self._cells = [], {}
        self.set_message(message)
        self.set_extent(0)

    def add_cells(self, cells: Cells) -> None:
        """Cells computed meanwhile: the lines that show them are drawn again."""
        self._cells.update(cells)
        self.refresh()

    def missing_cells(self) -> list[tuple[int, int]]:
        """The visible cells (and the cursor's) not computed yet, the cursor's row first."""
        if not self._rows or not self._layers:
            return []
        first_col, last_col = self.visible_columns(self.scroll_offset.x, max(self.line_width, 1))
        top = self.scroll_offset.y
        rows = range(top, min(top + self.view_lines, self._rows))
        cursor_row = self.cursor[0]
        ordered = [cursor_row, *(row for row in rows if row != cursor_row)]
        return [
            (row, layer)
            for row in ordered
            for layer in range(first_col, max(last_col, first_col + 1))
            if layer < self._layers and (row, layer) not in self._cells
        ]

    def set_palette(self, palette_name: str, mono: bool = False) -> None:
        palette = palette_named(palette_name)
        self._mono = mono
        rgbs = [palette.rgb(level / (LEVELS - 1)) for level in range(LEVELS)]
        self._styles = [Style(color=text_color_on(rgb), bgcolor=Color.from_rgb(*rgb)) for rgb in rgbs]
        self.invalidate()

    def line_key(self, line: int, width: int) -> tuple | None:
        if not self._rows or line >= self._rows:
            return None
        scroll_x = self.scroll_offset.x
        cursor = self.cursor if line in (-1, self.cursor[0]) else None
        if line < 0:
            return (line, scroll_x, cursor, self._layers)
        first, last = self.visible_columns(scroll_x, width)
        shown = tuple(self._cells.get((line, layer)) for layer in range(first, last))
        return (line, scroll_x, cursor, self._labels[line], shown)

    def draw_line(self, line: int, width: int) -> Strip:
        scroll_x = self.scroll_offset.x
        base = self.rich_style
        gutter = self.gutter_cells
        area = width - gutter
        row, col = self.cursor
        if line < 0:
            header = self.get_component_rich_style("lens-map--header")
            highlight = self.get_component_rich_style("line-view--cursor")
            segments = [Segment(set_cell_size(self._header, gutter - 1), header), Segment(" ", base)]
            for layer in range(*self.visible_columns(scroll_x, width)):
                style = highlight if layer == col else header
                segments.append(Segment(set_cell_size(layer_name(layer), CELL - 1), style))
                segments.append(Segment(" ", base))
            return self._cropped(segments, scroll_x, width)
        on_cursor = line == row
        label_style = self.get_component_rich_style("line-view--cursor" if on_cursor else "lens-map--label")
        segments = [Segment(fit_left(self._labels[line], gutter - 1), label_style), Segment(" ", base)]
        if area > 0:
            pending = self.get_component_rich_style("lens-map--pending")
            for layer in range(*self.visible_columns(scroll_x, width)):
                cell = self._cells.get((line, layer))
                at_cursor = on_cursor and layer == col
                if cell is None:
                    text, style = "…".ljust(CELL - 1), pending
                else:
                    piece, prob = cell
                    # Cut with "…": a cut piece (`·light` of `·lighthouse`) can be another real token.
                    text = fit_left(piece, CELL - 1)
                    level = min(LEVELS - 1, max(0, round(prob * (LEVELS - 1))))
                    if self._mono:
                        text = fit_left(piece, CELL - 2) + shade(prob)
                        style = base
                    else:
                        style = self._styles[level]
                if at_cursor:
                    style = style + Style(reverse=True, bold=True)
                segments.append(Segment(text, style))
                segments.append(Segment(" ", base))
        return self._cropped(segments, scroll_x, width)

    def _cropped(self, segments: list[Segment], scroll_x: int, width: int) -> Strip:
        """The gutter stays put; the columns are shifted by the part of a column scrolled past."""
        gutter = Strip(segments[:2])
        offset = scroll_x % CELL
        body = Strip(segments[2:]).crop_extend(
            offset, offset + max(width - self.gutter_cells, 0), self.rich_style
        )
        return Strip.join([gutter, body])
