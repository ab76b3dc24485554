"""The attention heatmap: query rows × key columns, drawn one visible line at a time.

Like Toolong's log view, the widget never builds the whole picture. Textual asks for the lines
that are on screen (`render_line`); each one is built from the visible slice of one row and kept
in an LRU cache, so a frame costs the same for 16 tokens as for 2,048. Lines are cached by what
they show (the slice's weights, its label, the colour scale), not by matrix: a keystroke that
adds a token changes few rows of a causal matrix, and the others are not drawn again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np
from rich.cells import cell_len, set_cell_size
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from themes.palettes import PALETTES, shade, text_color_on
from tui.textual_shim import set_virtual_size

GUTTER = 10
"""Cells left of the heatmap for the row label: 9 for the label, 1 gap."""
HEADER = 1
"""Lines above the heatmap for the key indices."""
CELL = 2
"""Cells per key column."""
TICK_EVERY = 5
"""A key index is printed in the header over every 5th column."""
LEVELS = 256
"""Weights are quantised to this many colours."""

_MOVE = Binding.Group("Move")


def fit_cells(text: str, width: int) -> str:
    """Right-align `text` in exactly `width` cells, cutting it with "…" when it is too wide.

    Args:
        text: A display string; wide (CJK, emoji) characters count two cells.
        width: Cells to fill.

    Returns:
        A string whose `cell_len` is `width`.
    """
    if width <= 0:
        return ""
    length = cell_len(text)
    if length > width:
        return set_cell_size(text, width - 1) + "…"
    return " " * (width - length) + text


class AttentionHeatmap(ScrollView, can_focus=True):
    """Query rows × key columns of attention weights.

    Each key column is a cell two characters wide whose background is the palette colour of the
    weight normalised over [0, largest weight in the matrix], not over [0, 1]: rows sum to 1, so
    with many tokens most weights are tiny, and a fixed scale would draw them all alike. Masked
    cells (keys in the future of the query) are a dim "··" on the plain background, never a
    palette colour, so they cannot be mistaken for small weights. In mono mode (NO_COLOR or
    16-colour terminals) weights are shade characters from `themes.palettes.SHADES`.

    The left gutter (row labels) and the top line (key indices) stay put while the cells scroll.
    The cursor cell is marked "▐▌" (reversed in mono mode), and its row label and key index are
    highlighted.

    Bindings:
        up, k: Move the cursor to the previous query row.
        down, j: Move the cursor to the next query row.
        left, h: Move the cursor to the previous key column.
        right, l: Move the cursor to the next key column.
        home, g: Go to the first query row.
        end, G: Go to the last query row.
        pageup: Move the cursor up by one page of rows.
        pagedown: Move the cursor down by one page of rows.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", id="heatmap.up", group=_MOVE),
        Binding("down,j", "cursor_down", "Down", id="heatmap.down", group=_MOVE),
        Binding("left,h", "cursor_left", "Left", id="heatmap.left", group=_MOVE),
        Binding("right,l", "cursor_right", "Right", id="heatmap.right", group=_MOVE),
        Binding("home,g", "first_row", "First row", id="heatmap.first_row"),
        Binding("end,G", "last_row", "Last row", id="heatmap.last_row"),
        Binding("pageup", "page_up", "Page up", id="heatmap.page_up"),
        Binding("pagedown", "page_down", "Page down", id="heatmap.page_down"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "attention-heatmap--header",
        "attention-heatmap--label",
        "attention-heatmap--cursor-label",
        "attention-heatmap--masked",
        "attention-heatmap--message",
    }
    """
    | Class | Description |
    | :- | :- |
    | `attention-heatmap--header` | The key indices on the top line. |
    | `attention-heatmap--label` | The row labels in the left gutter. |
    | `attention-heatmap--cursor-label` | The cursor's row label and key index. |
    | `attention-heatmap--masked` | The "··" of masked cells. |
    | `attention-heatmap--message` | The message shown when there is no matrix. |
    """

    DEFAULT_CSS = """
    AttentionHeatmap {
        width: 1fr;
        height: 1fr;
        background: $surface;
        color: $text;
        overflow: auto auto;
        scrollbar-size: 1 1;
        & > .attention-heatmap--header { color: $text-muted; }
        & > .attention-heatmap--label { color: $text; }
        & > .attention-heatmap--cursor-label {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .attention-heatmap--cursor-label {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .attention-heatmap--masked { color: $text-disabled; }
        & > .attention-heatmap--message { color: $text-muted; text-style: italic; }
    }
    """

    cursor: reactive[tuple[int, int]] = reactive((0, 0))
    """The selected cell as (query row, key column); clamped to the matrix."""

    class CellSelected(Message):
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
            super().__init__()
            self.heatmap = heatmap
            self.row = row
            self.col = col
            self.weight = weight
            self.masked = masked

        @property
        def control(self) -> AttentionHeatmap:
            """The heatmap that posted the message."""
            return self.heatmap

    def __init__(
        self,
        message: str = "",
        *,
        palette: str = "viridis",
        mono: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Create an empty heatmap.

        Args:
            message: What to show until `set_matrix` is called.
            palette: A name from `themes.palettes.PALETTES`.
            mono: Draw weights with shade characters instead of colours.
            name: The name of the widget.
            id: The ID of the widget in the DOM.
            classes: The CSS classes of the widget.
            disabled: Whether the widget is disabled.
        """
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._weights: np.ndarray | None = None
        self._mask: np.ndarray | None = None
        self._scale = 0.0
        self._labels: list[str] = []
        self._message = message
        self._version = 0
        self._line_cache: LRUCache[tuple, Strip] = LRUCache(1024)
        self._mono = False
        self._fills: list[str] = []
        self._cell_styles: list[Style] = []
        self._cursor_styles: list[Style] = []
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
        self._message = ""
        rows, cols = weights.shape
        set_virtual_size(self, Size(GUTTER + CELL * cols, HEADER + rows))
        self.set_reactive(AttentionHeatmap.cursor, self.validate_cursor(self.cursor))
        self.refresh()  # cached lines stay valid: their keys hold what they show
        self._scroll_to_cursor()
        self._post_selected()

    def clear_matrix(self, message: str) -> None:
        """Drop the matrix and show `message` instead (e.g. "computing attention…").

        Args:
            message: One line of text.
        """
        self._weights = None
        self._mask = None
        self._labels = []
        self._message = message
        set_virtual_size(self, Size(0, 0))
        self._invalidate()

    def set_palette(self, palette_name: str, mono: bool = False) -> None:
        """Choose how weights are drawn.

        Args:
            palette_name: A name from `themes.palettes.PALETTES`.
            mono: Draw weights with shade characters instead of colours (for NO_COLOR and
                16-colour terminals).

        Raises:
            ValueError: If there is no palette by that name.
        """
        try:
            palette = PALETTES[palette_name]
        except KeyError:
            names = ", ".join(sorted(PALETTES))
            raise ValueError(f"unknown palette {palette_name!r}; choose one of {names}") from None
        self._mono = mono
        steps = [level / (LEVELS - 1) for level in range(LEVELS)]
        self._fills = [shade(t) * CELL for t in steps]
        rgbs = [palette.rgb(t) for t in steps]
        self._cell_styles = [Style(bgcolor=Color.from_rgb(*rgb)) for rgb in rgbs]
        self._cursor_styles = [
            Style(color=text_color_on(rgb), bgcolor=Color.from_rgb(*rgb), bold=True) for rgb in rgbs
        ]
        self._invalidate()

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

    def validate_cursor(self, cursor: tuple[int, int]) -> tuple[int, int]:
        """Clamp the cursor to the matrix ((0, 0) when there is none)."""
        rows, cols = self.shape
        row, col = (int(value) for value in cursor)
        return (min(max(row, 0), max(rows - 1, 0)), min(max(col, 0), max(cols - 1, 0)))

    def watch_cursor(self) -> None:
        """Bring the new cursor cell into view and announce it."""
        self._scroll_to_cursor()
        self._post_selected()

    def notify_style_update(self) -> None:
        """Drop cached lines when the theme or CSS changes."""
        super().notify_style_update()
        self._invalidate()

    def _invalidate(self) -> None:
        """Forget every rendered line and repaint."""
        self._version += 1
        self._line_cache.clear()
        self.refresh()

    def _post_selected(self) -> None:
        """Post `CellSelected` for the cursor cell, if there is a matrix."""
        if self._weights is None or not self._weights.size:
            return
        row, col = self.cursor
        masked = bool(self._mask[row, col]) if self._mask is not None else False
        self.post_message(self.CellSelected(self, row, col, float(self._weights[row, col]), masked))

    @property
    def _view_rows(self) -> int:
        """How many matrix rows fit on screen below the header."""
        return max(1, self.scrollable_content_region.height - HEADER)

    def _scroll_to_cursor(self) -> None:
        """Scroll the least distance that shows the whole cursor cell."""
        view = self.scrollable_content_region.size
        if self._weights is None or not view.area:
            return
        row, col = self.cursor
        scroll_x, scroll_y = self.scroll_offset
        area = max(CELL, view.width - GUTTER)
        shown = self._view_rows
        if row < scroll_y:
            scroll_y = row
        elif row >= scroll_y + shown:
            scroll_y = row - shown + 1
        left = col * CELL
        if left < scroll_x:
            scroll_x = left
        elif left + CELL > scroll_x + area:
            scroll_x = left + CELL - area
        self.scroll_to(scroll_x, scroll_y, animate=False)

    def _move(self, rows: int = 0, cols: int = 0) -> None:
        """Move the cursor by a number of rows and columns."""
        row, col = self.cursor
        self.cursor = (row + rows, col + cols)

    def action_cursor_up(self) -> None:
        """Move the cursor to the previous query row."""
        self._move(rows=-1)

    def action_cursor_down(self) -> None:
        """Move the cursor to the next query row."""
        self._move(rows=1)

    def action_cursor_left(self) -> None:
        """Move the cursor to the previous key column."""
        self._move(cols=-1)

    def action_cursor_right(self) -> None:
        """Move the cursor to the next key column."""
        self._move(cols=1)

    def action_first_row(self) -> None:
        """Go to the first query row."""
        self.cursor = (0, self.cursor[1])

    def action_last_row(self) -> None:
        """Go to the last query row."""
        self.cursor = (self.shape[0] - 1, self.cursor[1])

    def action_page_up(self) -> None:
        """Move the cursor up by one screen of rows."""
        self._move(rows=-self._view_rows)

    def action_page_down(self) -> None:
        """Move the cursor down by one screen of rows."""
        self._move(rows=self._view_rows)

    def on_click(self, event: events.Click) -> None:
        """Move the cursor to the clicked cell (a label picks the row, an index the column)."""
        offset = event.get_content_offset(self)
        if offset is None or self._weights is None:
            return
        scroll_x, scroll_y = self.scroll_offset
        row, col = self.cursor
        if offset.y >= HEADER:
            row = offset.y - HEADER + scroll_y
        if offset.x >= GUTTER:
            col = (offset.x - GUTTER + scroll_x) // CELL
        rows, cols = self.shape
        if row < rows and col < cols:
            self.cursor = (row, col)

    def render_line(self, y: int) -> Strip:
        """Render one line of the widget: the header (y = 0) or a matrix row.

        Args:
            y: The line on screen, 0 at the top of the widget.

        Returns:
            A strip exactly as wide as the widget.
        """
        width = self.size.width
        if self._weights is None or not self._weights.size:
            return self._render_message(y, width)
        scroll_x, scroll_y = self.scroll_offset
        row = y - HEADER + scroll_y if y >= HEADER else -1
        if row >= self.shape[0]:
            return Strip.blank(width, self.rich_style)
        cursor_row, cursor_col = self.cursor
        # Only the header and the cursor's row depend on the cursor.
        cursor = self.cursor if row in (-1, cursor_row) else None
        key = (
            row,
            scroll_x,
            width,
            cursor,
            self._version,
            self._scale,
            *self._content_key(row, scroll_x, width),
        )
        strip = self._line_cache.get(key)
        if strip is None:
            if row < 0:
                strip = self._render_header(scroll_x, width, cursor_row, cursor_col)
            else:
                on_row = cursor_col if cursor is not None else None
                strip = self._render_row(row, scroll_x, width, on_row)
            self._line_cache[key] = strip
        return strip

    def _visible_columns(self, scroll_x: int, width: int) -> tuple[int, int]:
        """The key columns `first:last` that a line of `width` cells scrolled by `scroll_x` shows."""
        first = scroll_x // CELL
        return first, min(self.shape[1], -(-(scroll_x + max(width - GUTTER, 0)) // CELL))

    def _content_key(self, row: int, scroll_x: int, width: int) -> tuple:
        """What line `row` shows, for the line cache: the header shows the number of columns."""
        if row < 0:
            return (self.shape[1],)
        assert self._weights is not None
        first, last = self._visible_columns(scroll_x, width)
        mask = self._mask[row, first:last].tobytes() if self._mask is not None else b""
        return (self._labels[row], self._weights[row, first:last].tobytes(), mask)

    def _render_message(self, y: int, width: int) -> Strip:
        """A blank line, or the message centred on the middle line."""
        base = self.rich_style
        if y != self.size.height // 2 or not self._message:
            return Strip.blank(width, base)
        style = self.get_component_rich_style("attention-heatmap--message")
        text = self._message
        if cell_len(text) > width:
            text = fit_cells(text, width)
        left = (width - cell_len(text)) // 2
        strip = Strip([Segment(" " * left, base), Segment(text, style)])
        return strip.adjust_cell_length(width, base)

    def _render_header(self, scroll_x: int, width: int, cursor_row: int, cursor_col: int) -> Strip:
        """The top line: the cursor's "row,col" in the gutter, then key indices."""
        base = self.rich_style
        header = self.get_component_rich_style("attention-heatmap--header")
        highlight = self.get_component_rich_style("attention-heatmap--cursor-label")
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
        segments = [Segment(fit_cells(f"{cursor_row},{cursor_col}", GUTTER - 1), header)]
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
            "attention-heatmap--cursor-label" if on_cursor else "attention-heatmap--label"
        )
        label = fit_cells(self._labels[row], GUTTER - 1)
        gutter = [Segment(label, label_style), Segment(" ", base)]
        area = width - GUTTER
        if area <= 0:
            return Strip(gutter).adjust_cell_length(width, base)
        first, last = self._visible_columns(scroll_x, width)
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
