"""The attention heatmap: query rows × key columns, drawn one visible line at a time.

Like Toolong's log view, the widget never builds the whole picture. Textual asks for the lines
that are on screen (`render_line`); each one is built from the visible slice of one row and kept
in the line views' cache, so a frame costs the same for 16 tokens as for 2,048. Lines are cached
by what they show (the slice's weights, its label, the colour scale), not by matrix: a keystroke
that adds a token changes few rows of a causal matrix, and the others are not drawn again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.strip import Strip

from themes.palettes import palette_named, shade, text_color_on
from tui.i18n.strings import strings_of
from tui.views.cursor_view import CellCursorView
from tui.views.heatmap_overview import Overview, Window
from tui.views.line_view import nearest_offset
from tui.views.text_wrap import fit_right

GUTTER = 10
"""Cells left of the heatmap for the row label: 9 for the label, 1 gap."""
HEADER = 1
"""Lines above the heatmap for the key indices (the key labels go below them)."""
KEY_LABEL_LINES = 4
"""Most lines of key labels under the indices: each key's piece written downwards, a character
a line, as far as it fits (fewer lines when the heatmap is short, none under 17 lines)."""
MIN_KEY_LABEL_LINES = 3
"""Fewer lines of key labels than this are not shown."""
CELL = 2
"""Cells per key column."""
TICK_EVERY = 5
"""A key index is printed in the header over every 5th column."""
LEVELS = 256
"""Weights are quantised to this many colours."""


def key_label_lines(height: int) -> int:
    """Lines of key labels a heatmap `height` lines high shows: a third of what is left past 8
    lines, at most `KEY_LABEL_LINES`, and none rather than under 3 (a piece's "·" and "…" alone
    say nothing)."""
    lines = min(KEY_LABEL_LINES, (height - 8) // 3)
    return lines if lines >= MIN_KEY_LABEL_LINES else 0


class AttentionHeatmap(CellCursorView):
    """Query rows × key columns of attention weights.

    Each key column is a cell two characters wide whose background is the palette colour of the
    weight normalised over [0, largest weight in the matrix], not over [0, 1]: rows sum to 1, so
    with many tokens most weights are tiny, and a fixed scale would draw them all alike. Masked
    cells (keys in the future of the query) are a dim "··" on the plain background, never a
    palette colour, so they cannot be mistaken for small weights. In mono mode (NO_COLOR or
    16-colour terminals) weights are shade characters from `themes.palettes.SHADES`.

    The left gutter (row labels) and the top lines (key indices, then each key's piece written
    downwards) stay put while the cells scroll. The cursor cell is marked "▐▌" (reversed in mono
    mode), and its row label, key index and key label are drawn in the cursor style.

    `z` shows the overview instead (`tui.views.heatmap_overview`): the whole matrix at once, the
    part the heatmap shows outlined; the cursor keys move the outlined part, `z` zooms in there.

    Bindings:
        z: The overview of the whole matrix, or back to the cells.
        The cursor keys of `CellCursorView`.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "attention-heatmap--header",
        "attention-heatmap--label",
        "attention-heatmap--masked",
    }
    """
    | Class | Description |
    | :- | :- |
    | `attention-heatmap--header` | The key indices on the top line. |
    | `attention-heatmap--label` | The row labels in the left gutter. |
    | `attention-heatmap--masked` | The "··" of masked cells. |

    The cursor's row label and key index are drawn in `line-view--cursor`.
    """

    DEFAULT_CSS = """
    AttentionHeatmap {
        overflow: auto auto;
        scrollbar-gutter: auto;
        & > .attention-heatmap--header { color: $text-muted; }
        & > .attention-heatmap--label { color: $text; }
        & > .attention-heatmap--masked { color: $text-disabled; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        *CellCursorView.BINDINGS,
        Binding("z", "toggle_overview", "Overview", id="heatmap.overview"),
    ]
    """The cell cursor's keys, listed again (the help screen shows each class's own BINDINGS)."""

    header_lines = HEADER
    gutter_cells = GUTTER
    column_cells = CELL

    class CellSelected(CellCursorView.CursorMoved):
        """Posted when the cell cursor moves, and after every `set_matrix`."""

        def __init__(
            self, heatmap: AttentionHeatmap, row: int, col: int, weight: float, masked: bool
        ) -> None:
            """Describe the selected cell.

            Args:
                heatmap: The widget that posted the message.
                row: The query row.
                col: The key column.
                weight: The attention weight of the cell.
                masked: Whether the cell is masked out (a future key).
            """
            super().__init__(heatmap, row, col)
            self.weight = weight
            self.masked = masked

    def __init__(
        self, message: str = "", *, palette: str = "viridis", mono: bool = False, **kwargs: Any
    ) -> None:
        """Create an empty heatmap.

        Args:
            message: What to show until `set_matrix` is called.
            palette: A name from `themes.palettes.PALETTES`.
            mono: Draw weights with shade characters instead of colours.
            **kwargs: `LineView`'s (name, id, classes, disabled).
        """
        super().__init__(message, **kwargs)
        self._weights: np.ndarray | None = None
        self._mask: np.ndarray | None = None
        self._scale = 0.0
        self._labels: list[str] = []
        self._mono = False
        self._fills: list[str] = []
        self._cell_styles: list[Style] = []
        self._cursor_styles: list[Style] = []
        self._colours: list[Color] = []
        self._frame_styles: list[Style] = []
        self.header_lines = HEADER
        self.overview: Overview | None = None
        """The overview on show (`z`), or None when the cells are."""
        self._zoomed_scroll = (0, 0)  # the cells' scroll offset, kept while the overview is shown
        self.set_palette(palette, mono)

    @property
    def shape(self) -> tuple[int, int]:
        """(query rows, key columns) of the matrix on show; (0, 0) when there is none."""
        if self._weights is None:
            return (0, 0)
        rows, cols = self._weights.shape
        return (rows, cols)

    def set_matrix(self, weights: np.ndarray, mask: np.ndarray | None, labels: Sequence[str]) -> None:
        """Show a matrix of attention weights.

        Keeps the cursor where it is if it is still inside the matrix, else clamps it, then posts
        `CellSelected`.

        Args:
            weights: Float weights, shape (queries, keys), in [0, 1].
            mask: Bool, same shape, True where the cell is masked out; or None.
            labels: One display string per query row (already escaped).

        Raises:
            ValueError: If the shapes or the number of labels do not match.
        """
        weights = np.asarray(weights)
        if weights.ndim != 2:
            raise ValueError(f"attention weights must be 2-D, got shape {weights.shape}")
        if mask is not None:
            mask = np.asarray(mask, dtype=bool)
            if mask.shape != weights.shape:
                raise ValueError(f"mask shape {mask.shape} != weights shape {weights.shape}")
        if len(labels) != weights.shape[0]:
            raise ValueError(f"{len(labels)} labels for {weights.shape[0]} query rows")
        self._weights = weights
        self._mask = mask
        self._labels = list(labels)
        self._scale = self._level_scale(weights, mask)
        self.set_message("")
        self._lay_out()
        # Drawn lines stay valid: their keys hold what they show.
        self.place_cursor(self.cursor)
        self.announce_cursor()

    def _lay_out(self, overview: bool | None = None) -> None:
        """Header lines and extent for the matrix at this size: the cells, or the overview
        (`overview`: which one; by default the one on show)."""
        if self._weights is None:
            return
        rows, cols = self._weights.shape
        height = self.scrollable_content_region.height
        if overview is None:
            overview = self.overview is not None
        if overview:
            self.header_lines = HEADER
            width = max(self.scrollable_content_region.width, 1)
            self.overview = Overview.of(
                self._weights, self._mask, self._scale, max(height - HEADER, 1), width
            )
            self.set_extent(self.overview.lines, 0)
            return
        self.header_lines = HEADER + key_label_lines(height)
        self.set_extent(rows, GUTTER + CELL * cols)

    def relayout(self) -> None:
        """Fit the header (and the overview) to the new size, then keep the cursor on screen."""
        self._lay_out()
        super().relayout()

    def action_toggle_overview(self) -> None:
        """Show the whole matrix at once, or go back to the cells where the outline was."""
        if self._weights is None or not self._weights.size:
            return
        if self.overview is None:
            self._zoomed_scroll = (self.scroll_offset.x, self.scroll_offset.y)
            self._lay_out(overview=True)
            self.scroll_to(0, 0, animate=False)
        else:
            self.overview = None
            self._lay_out(overview=False)
            self.scroll_to(*self._zoomed_scroll, animate=False)
            self.scroll_to_cursor()
        self.invalidate()

    def zoomed_window(self) -> Window | None:
        """The part of the matrix the cells show (or would show, while the overview is on)."""
        if self._weights is None:
            return None
        scroll_x, scroll_y = self.scroll_offset if self.overview is None else self._zoomed_scroll
        height = self.scrollable_content_region.height
        if self.overview is not None and GUTTER + CELL * self.shape[1] > self.scrollable_content_region.width:
            height -= self.styles.scrollbar_size_horizontal  # the cells' scrollbar, not drawn now
        lines = max(1, height - HEADER - key_label_lines(height))
        first, last = self.visible_columns(scroll_x, self.scrollable_content_region.width)
        rows = self.shape[0]
        return Window(min(scroll_y, rows), min(scroll_y + lines, rows), first, max(last, first + 1))

    def scroll_to_cursor(self) -> None:
        """Show the cursor: scroll the cells, or move the outlined part of the overview."""
        if self.overview is None:
            super().scroll_to_cursor()
            return
        window = self.zoomed_window()
        if window is None:
            return
        row, col = self.cursor
        scroll_x, scroll_y = self._zoomed_scroll
        area = max(CELL, self.scrollable_content_region.width - GUTTER)
        self._zoomed_scroll = (
            nearest_offset(scroll_x, col * CELL, col * CELL + CELL - 1, area),
            nearest_offset(scroll_y, row, row, window.bottom - window.top),
        )
        self.invalidate()

    def clear_matrix(self, message: str) -> None:
        """Drop the matrix and show `message` instead (e.g. "computing attention…").

        Args:
            message: Text for the user; wrapped to the widget.
        """
        self._weights = None
        self._mask = None
        self._labels = []
        self.set_message(message)
        self.set_extent(0)

    def set_palette(self, palette_name: str, mono: bool = False) -> None:
        """Choose how weights are drawn.

        Args:
            palette_name: A name from `themes.palettes.PALETTES` (or its 256-colour version,
                `themes.palettes.palette_named`).
            mono: Draw weights with shade characters instead of colours (for NO_COLOR and
                16-colour terminals).

        Raises:
            ValueError: If there is no palette by that name.
        """
        palette = palette_named(palette_name)
        self.palette_name = palette_name
        """The palette the weights are drawn in."""
        self._mono = mono
        steps = [level / (LEVELS - 1) for level in range(LEVELS)]
        self._fills = [shade(t) * CELL for t in steps]
        rgbs = [palette.rgb(t) for t in steps]
        self._cell_styles = [Style(bgcolor=Color.from_rgb(*rgb)) for rgb in rgbs]
        self._cursor_styles = [
            Style(color=text_color_on(rgb), bgcolor=Color.from_rgb(*rgb), bold=True) for rgb in rgbs
        ]
        self._colours = [Color.from_rgb(*rgb) for rgb in rgbs]
        self._frame_styles = [
            Style(color=text_color_on(rgb), bgcolor=Color.from_rgb(*rgb), bold=True) for rgb in rgbs
        ]
        self.invalidate()

    @staticmethod
    def _level_scale(weights: np.ndarray, mask: np.ndarray | None) -> float:
        """The factor that maps the largest unmasked weight to the top colour level (0 if none)."""
        where = True if mask is None else ~mask
        # fmax skips NaN; one pass over the matrix, while levels are computed per visible slice.
        top = float(np.fmax.reduce(weights, axis=None, where=where, initial=0.0))
        return (LEVELS - 1) / top if top > 0 else 0.0

    def _levels(self, row: int, first: int, last: int) -> list[int]:
        """Colour levels (0 to LEVELS - 1) of the cells `first:last` of one row."""
        assert self._weights is not None
        values = np.nan_to_num(self._weights[row, first:last].astype(np.float64), nan=0.0)
        return np.rint(np.clip(values * self._scale, 0, LEVELS - 1)).astype(np.intp).tolist()

    def cursor_message(self) -> CellSelected | None:
        """`CellSelected` for the cursor cell, with its weight, if there is a matrix."""
        if self._weights is None or not self._weights.size:
            return None
        row, col = self.cursor
        masked = bool(self._mask[row, col]) if self._mask is not None else False
        return self.CellSelected(self, row, col, float(self._weights[row, col]), masked)

    def line_key(self, line: int, width: int) -> tuple | None:
        """What line `line` shows: the header shows the columns and the cursor; a row its
        label, the visible slice of its weights and mask, and the cursor if it is on the row."""
        if self._weights is None or not self._weights.size or line >= self.shape[0]:
            return None
        if self.overview is not None:
            window = self.zoomed_window() if line >= 0 else None
            return ("overview", line, id(self.overview), window, self._mono, self.overview.block)
        scroll_x = self.scroll_offset.x
        first, last = self.visible_columns(scroll_x, width)
        if line < 0:
            # The header shows the cursor's column (and its row, in the index line).
            labels = tuple(self._labels[first:last]) if line > -self.header_lines else ()
            return (line, self.header_lines, scroll_x, self.cursor, self.shape[1], labels)
        # Only the cursor's row depends on the cursor.
        cursor = self.cursor if line == self.cursor[0] else None
        mask = self._mask[line, first:last].tobytes() if self._mask is not None else b""
        weights = self._weights[line, first:last].tobytes()
        return (line, scroll_x, cursor, self._scale, self._labels[line], weights, mask)

    def draw_line(self, line: int, width: int) -> Strip:
        """A header line (the indices, then the key labels), one query row, or the overview's."""
        if self.overview is not None:
            return self._render_overview(line, width)
        scroll_x = self.scroll_offset.x
        cursor_row, cursor_col = self.cursor
        if line == -self.header_lines:
            return self._render_header(scroll_x, width, cursor_row, cursor_col)
        if line < 0:
            return self._render_key_labels(line + self.header_lines - HEADER, scroll_x, width, cursor_col)
        return self._render_row(line, scroll_x, width, cursor_col if line == cursor_row else None)

    def _render_overview(self, line: int, width: int) -> Strip:
        """The overview's legend (line -1) or one of its lines."""
        assert self.overview is not None
        base = self.rich_style
        if line < 0:
            header = self.get_component_rich_style("attention-heatmap--header")
            legend = strings_of(self.app).say(
                "overview: a cell is the largest of {block} × {block} weights · z: back to the outlined part",
                block=self.overview.block,
            )
            from rich.text import Text

            shown = Text(legend)
            shown.truncate(width, overflow="ellipsis")  # cut with "…", never mid-word unmarked
            return Strip([Segment(shown.plain, header)]).adjust_cell_length(width, base)
        return self.overview.line(
            line, width, self.zoomed_window(), self._colours, self._frame_styles, base, self._mono
        )

    def _render_key_labels(self, index: int, scroll_x: int, width: int, cursor_col: int) -> Strip:
        """Header line `index` of the key labels: character `index` of each visible key's piece
        (the last line ends a longer piece with "…")."""
        from rich.cells import cell_len

        base = self.rich_style
        header = self.get_component_rich_style("attention-heatmap--header")
        highlight = self.get_component_rich_style("line-view--cursor")
        last_line = self.header_lines - HEADER - 1
        first, last = self.visible_columns(scroll_x, width)
        segments = [Segment(" " * GUTTER, base)]
        for col in range(first, last):
            piece = self._labels[col]
            if index < len(piece):
                char = "…" if index == last_line and len(piece) > index + 1 else piece[index]
            else:
                char = " "
            char = char if cell_len(char) <= CELL else "?"
            segments.append(
                Segment(char.ljust(CELL - cell_len(char) + 1), highlight if col == cursor_col else header)
            )
        offset = scroll_x - first * CELL
        body = Strip(segments[1:]).crop_extend(offset, offset + max(width - GUTTER, 0), base)
        return Strip.join([Strip(segments[:1]), body]).adjust_cell_length(width, base)

    def _render_header(self, scroll_x: int, width: int, cursor_row: int, cursor_col: int) -> Strip:
        """The top line: the cursor's "row,col" in the gutter, then key indices."""
        base = self.rich_style
        header = self.get_component_rich_style("attention-heatmap--header")
        highlight = self.get_component_rich_style("line-view--cursor")
        area = width - GUTTER
        chars = [" "] * max(area, 0)

        def place(text: str, x: int) -> None:
            for i, char in enumerate(text):
                if 0 <= x + i < area:
                    chars[x + i] = char

        cursor_text = str(cursor_col).ljust(CELL)
        cursor_x = cursor_col * CELL - scroll_x
        first = max(0, (scroll_x // CELL) // TICK_EVERY * TICK_EVERY - TICK_EVERY)
        last = min(self.shape[1], (scroll_x + area) // CELL + 1)
        for col in range(first, last, TICK_EVERY):
            text = str(col)
            x = col * CELL - scroll_x
            # Leave a blank cell around the cursor's index so the numbers do not run together.
            if x + len(text) >= cursor_x and x <= cursor_x + len(cursor_text):
                continue
            place(text, x)
        segments = [Segment(fit_right(f"{cursor_row},{cursor_col}", GUTTER - 1), header)]
        segments.append(Segment(" ", base))
        start, end = max(cursor_x, 0), max(min(cursor_x + len(cursor_text), area), 0)
        segments.append(Segment("".join(chars[:start]), header))
        if end > start:
            shown = cursor_text[start - cursor_x : end - cursor_x]
            segments.append(Segment(shown, highlight))
        segments.append(Segment("".join(chars[max(end, start) :]), header))
        return Strip(segments).adjust_cell_length(width, base)

    def _render_row(self, row: int, scroll_x: int, width: int, cursor_col: int | None) -> Strip:
        """One query row: its label, then the visible slice of its key cells."""
        base = self.rich_style
        on_cursor = cursor_col is not None
        label_style = self.get_component_rich_style(
            "line-view--cursor" if on_cursor else "attention-heatmap--label"
        )
        label = fit_right(self._labels[row], GUTTER - 1)
        gutter = [Segment(label, label_style), Segment(" ", base)]
        area = width - GUTTER
        if area <= 0:
            return Strip(gutter).adjust_cell_length(width, base)
        first, last = self.visible_columns(scroll_x, width)
        levels = self._levels(row, first, last)
        if self._mask is None:
            masked = [False] * len(levels)
        else:
            masked = self._mask[row, first:last].tolist()
        masked_style = self.get_component_rich_style("attention-heatmap--masked")
        reverse = Style(reverse=True, bold=True)
        texts: list[str] = []
        styles: list[Style] = []
        for col, level, hidden in zip(range(first, last), levels, masked, strict=True):
            at_cursor = col == cursor_col
            if hidden:
                text, style = "··", masked_style + reverse if at_cursor else masked_style
            elif self._mono:
                text, style = self._fills[level], base + reverse if at_cursor else base
            elif at_cursor:
                text, style = "▐▌", self._cursor_styles[level]
            else:
                text, style = "  ", self._cell_styles[level]
            # Neighbours with the same style (runs of masked cells, flat rows) share a segment.
            if styles and style is styles[-1]:
                texts[-1] += text
            else:
                texts.append(text)
                styles.append(style)
        offset = scroll_x - first * CELL
        cells = Strip([Segment(text, style) for text, style in zip(texts, styles, strict=True)])
        body = cells.crop_extend(offset, offset + area, base)
        return Strip.join([Strip(gutter), body])
