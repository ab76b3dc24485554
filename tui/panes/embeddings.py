"""The embeddings pane: token vectors + position vectors = input vectors, one token per row.

The table is a Line API widget like the attention heatmap: Textual asks only for the lines on
screen, and each is built from the visible numbers of one token and kept in an LRU cache, so
1,024 tokens × a wide `dim` cost no more per frame than five tokens. Below it, a panel (toggled
with `o`) shows that multiplying a one-hot vector by the token table gives the looked-up row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np
from rich.cells import cell_len, set_cell_size
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from themes.palettes import PALETTES, shade, text_color_on
from tui.formatting.pieces import visible_piece
from tui.messages import TokenSelected
from tui.textual_shim import set_virtual_size

if TYPE_CHECKING:
    from engine.pipeline.results import PipelineResult

NUMBER = 5
"""Cells of one formatted number, e.g. "+0.34"."""
CELL = NUMBER + 1
"""Cells per number column: a gap (a shade character in mono mode), then the number."""
PIECE = 8
"""Cells of a token's piece in the row label."""
HEADER = 2
"""Lines above the rows that stay put: the title with the shapes, and the column names."""
OPERATORS = ("  ", " +", " =")
"""Drawn before each block in the side-by-side layout: token + positions = input."""
TAGS = ("token ", "+ pos ", "= in  ")
"""Drawn before each line of a token in the stacked layout."""
SIDE_BY_SIDE_MIN = 4
"""Numbers per block below which the three blocks are stacked instead of side by side."""
COMPACT_BELOW = 20
"""Pane heights (lines) below which the one-hot panel takes three lines instead of six."""
LEVELS = 129
"""Values are quantised to this many colours; odd, so that zero is the middle one exactly."""

_MOVE = Binding.Group("Move")


def format_value(value: float) -> str:
    """A number with its sign in exactly `NUMBER` cells: "+0.34", "-1.20", "+12.3", "+1e5".

    Args:
        value: Any float, NaN and infinities included.

    Returns:
        A right-aligned string `NUMBER` characters long.
    """
    if not math.isfinite(value):
        return str(value).rjust(NUMBER)[-NUMBER:]
    for digits in (2, 1, 0):
        text = f"{value:+.{digits}f}"
        if len(text) <= NUMBER:
            return text.rjust(NUMBER)
    mantissa, exponent = f"{value:+.0e}".split("e")
    return f"{mantissa}e{int(exponent)}".rjust(NUMBER)


def fit_left(text: str, width: int) -> str:
    """Left-align `text` in exactly `width` cells, cutting it with "…" when it is too wide."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


def numbers_in(values: np.ndarray) -> str:
    """Formatted numbers separated by one space, as the table and the one-hot panel show them."""
    return " ".join(format_value(value) for value in values.tolist())


@dataclass(frozen=True)
class _Layout:
    """Where things go on a line, for one widget width and one result.

    Attributes:
        stacked: Three lines per token (token, + positions, = input) instead of one.
        index_width: Cells of the token index at the start of a label.
        count: Numbers shown per block (at most `dim`).
    """

    stacked: bool
    index_width: int
    count: int

    @property
    def gutter(self) -> int:
        """Cells of a row label: index, space, piece, space."""
        return self.index_width + 1 + PIECE + 1

    @property
    def lines_per_token(self) -> int:
        """Lines one token takes."""
        return 3 if self.stacked else 1

    @property
    def block_width(self) -> int:
        """Cells of one block: operator or tag, "…" or space, the numbers, "…" or space."""
        lead = len(TAGS[0]) if self.stacked else len(OPERATORS[0])
        return lead + 1 + CELL * self.count + 1

    @classmethod
    def fit(cls, width: int, tokens: int, dim: int) -> _Layout:
        """The layout for a content `width`: side by side if each block gets enough numbers."""
        index_width = max(3, len(str(max(tokens - 1, 0))))
        gutter = index_width + 1 + PIECE + 1
        side = ((width - gutter) // 3 - len(OPERATORS[0]) - 2) // CELL
        if side >= min(SIDE_BY_SIDE_MIN, dim):
            return cls(False, index_width, min(side, dim))
        stacked = (width - gutter - len(TAGS[0]) - 2) // CELL
        return cls(True, index_width, min(max(stacked, 0), dim))


class EmbeddingsTable(ScrollView, can_focus=True):
    """Token vectors, position vectors and their sums (the input vectors), one token per row.

    Each number sits on the colour of the diverging palette for its value, normalised
    symmetrically around zero by the largest |value| of its block, with black or white text,
    whichever reads better. In mono mode (NO_COLOR or 16-colour terminals) numbers are plain
    text, each after a shade character that grows with |value|. When the widget is too narrow
    for `SIDE_BY_SIDE_MIN` numbers per block, each token takes three lines instead, one per block.
    Only the first numbers that fit are shown; h/l shift which dimensions those are, and "…"
    marks the dimensions left out on either side.

    Bindings:
        up, k: Select the previous token.
        down, j: Select the next token.
        home, g: Select the first token.
        end, G: Select the last token.
        pageup: Move the cursor up by one page.
        pagedown: Move the cursor down by one page.
        left, h: Show earlier dimensions.
        right, l: Show later dimensions.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", id="embeddings.up", group=_MOVE),
        Binding("down,j", "cursor_down", "Down", id="embeddings.down", group=_MOVE),
        Binding("home,g", "first_token", "First token", id="embeddings.first_token"),
        Binding("end,G", "last_token", "Last token", id="embeddings.last_token"),
        Binding("pageup", "page_up", "Page up", id="embeddings.page_up"),
        Binding("pagedown", "page_down", "Page down", id="embeddings.page_down"),
        Binding("left,h", "dims_left", "Earlier dims", id="embeddings.dims_left"),
        Binding("right,l", "dims_right", "Later dims", id="embeddings.dims_right"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "embeddings-table--title",
        "embeddings-table--header",
        "embeddings-table--label",
        "embeddings-table--cursor-label",
        "embeddings-table--operator",
        "embeddings-table--message",
    }
    """
    | Class | Description |
    | :- | :- |
    | `embeddings-table--title` | The top line with the shapes, dim and seed. |
    | `embeddings-table--header` | The column names on the second line, and the "…" marks. |
    | `embeddings-table--label` | The token labels in the left gutter. |
    | `embeddings-table--cursor-label` | The selected token's label. |
    | `embeddings-table--operator` | The "+" and "=" between blocks. |
    | `embeddings-table--message` | The message shown when there are no vectors. |
    """

    DEFAULT_CSS = """
    EmbeddingsTable {
        width: 1fr;
        height: 1fr;
        background: $surface;
        color: $text;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        scrollbar-gutter: stable;
        & > .embeddings-table--title { color: $text; text-style: bold; }
        & > .embeddings-table--header { color: $text-muted; }
        & > .embeddings-table--label { color: $text; }
        & > .embeddings-table--cursor-label {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .embeddings-table--cursor-label {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .embeddings-table--operator { color: $accent; text-style: bold; }
        & > .embeddings-table--message { color: $text-muted; text-style: italic; }
    }
    """

    class CursorMoved(Message):
        """Posted when the user moves the cursor to another token (not by `select_token`)."""

        def __init__(self, table: EmbeddingsTable, index: int) -> None:
            """Describe the move.

            Args:
                table: The table that posted the message.
                index: The token now selected.
            """
            super().__init__()
            self.table = table
            self.index = index

        @property
        def control(self) -> EmbeddingsTable:
            """The table that posted the message."""
            return self.table

    cursor: reactive[int] = reactive(0, init=False)
    """The selected token (an index into the result's tokens); clamped to the used tokens."""
    first_dim: reactive[int] = reactive(0, init=False)
    """The first dimension shown in each block; clamped so that the shown numbers fill it."""

    def __init__(
        self,
        message: str = "",
        *,
        palette: str = "rdbu",
        mono: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Create an empty table.

        Args:
            message: What to show until `show_result` is called.
            palette: A name from `themes.palettes.PALETTES`; see `set_palette`.
            mono: Draw plain numbers after shade characters instead of colours.
            name: The name of the widget.
            id: The ID of the widget in the DOM.
            classes: The CSS classes of the widget.
            disabled: Whether the widget is disabled.
        """
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._result: PipelineResult | None = None
        self._blocks: tuple[np.ndarray, ...] = ()
        self._scales: tuple[float, ...] = ()
        self._message = message
        self._layout = _Layout(False, 3, 0)
        self._version = 0
        self._line_cache: LRUCache[tuple[int, int, int, bool, int], Strip] = LRUCache(1024)
        self._mono = False
        self._cell_styles: list[Style] = []
        self._cursor_styles: list[Style] = []
        self.set_palette(palette, mono)

    @property
    def tokens(self) -> int:
        """How many tokens have vectors (the result's `n_used`; 0 when there is none)."""
        return 0 if self._result is None else self._result.n_used

    @property
    def numbers_shown(self) -> int:
        """How many numbers of each block fit the current width."""
        return self._layout.count

    @property
    def stacked(self) -> bool:
        """Whether each token takes three lines (narrow widths) instead of one."""
        return self._layout.stacked

    def show_result(self, result: PipelineResult) -> None:
        """Show the vectors of a new result, keeping the cursor if it is still in range.

        Args:
            result: What the pipeline computed.
        """
        embedded = result.embedded
        positions = (
            embedded.learned_positions if embedded.positions == "learned" else embedded.sinusoidal_positions
        )
        self._result = result
        self._blocks = (embedded.token_vectors, positions, embedded.input_vectors)
        self._scales = tuple(self._level_scale(block) for block in self._blocks)
        self._message = "" if result.n_used else "no tokens: type some text"
        self.set_reactive(EmbeddingsTable.cursor, self.validate_cursor(self.cursor))
        self._invalidate()
        self._relayout()

    def show_message(self, message: str) -> None:
        """Drop the vectors and show `message` instead (no text yet, or an error).

        Args:
            message: One line of text.
        """
        self._result = None
        self._blocks = ()
        self._scales = ()
        self._message = message
        self._invalidate()
        self._relayout()

    def select_token(self, index: int) -> None:
        """Move the cursor to token `index` and scroll to it, without posting `CursorMoved`.

        Args:
            index: A token index; ignored when that token has no vectors (beyond the context).
        """
        if not 0 <= index < self.tokens:
            return
        self.set_reactive(EmbeddingsTable.cursor, index)
        self.refresh()
        self._scroll_to_cursor()

    def set_palette(self, palette_name: str, mono: bool = False) -> None:
        """Choose how values are coloured.

        Values have a sign, so a sequential palette would hide it: unless `palette_name` is a
        diverging palette, the diverging "rdbu" is used.

        Args:
            palette_name: A name from `themes.palettes.PALETTES`.
            mono: Plain numbers after shade characters, no colours (for NO_COLOR and
                16-colour terminals).

        Raises:
            ValueError: If there is no palette by that name.
        """
        try:
            palette = PALETTES[palette_name]
        except KeyError:
            names = ", ".join(sorted(PALETTES))
            raise ValueError(f"unknown palette {palette_name!r}; choose one of {names}") from None
        if palette.kind != "diverging":
            palette = PALETTES["rdbu"]
        self._mono = mono
        rgbs = [palette.rgb(level / (LEVELS - 1)) for level in range(LEVELS)]
        self._cell_styles = [Style(color=text_color_on(rgb), bgcolor=Color.from_rgb(*rgb)) for rgb in rgbs]
        self._cursor_styles = [style + Style(bold=True, underline=True) for style in self._cell_styles]
        self._invalidate()

    @staticmethod
    def _level_scale(block: np.ndarray) -> float:
        """The factor that maps the largest |value| of a block to the end of the palette."""
        top = float(np.fmax.reduce(np.abs(block), axis=None, initial=0.0))
        return (LEVELS - 1) / 2 / top if top > 0 else 0.0

    def _levels(self, block: int, values: np.ndarray) -> list[int]:
        """Colour levels (0 to LEVELS - 1, zero in the middle) of some values of one block."""
        middle = (LEVELS - 1) / 2
        scaled = np.nan_to_num(values.astype(np.float64), nan=0.0) * self._scales[block] + middle
        return np.rint(np.clip(scaled, 0, LEVELS - 1)).astype(np.intp).tolist()

    def validate_cursor(self, cursor: int) -> int:
        """Clamp the cursor to the used tokens (0 when there are none)."""
        return min(max(int(cursor), 0), max(self.tokens - 1, 0))

    def validate_first_dim(self, first_dim: int) -> int:
        """Clamp the first shown dimension so that the shown numbers stay inside `dim`."""
        dim = self._blocks[0].shape[1] if self._blocks else 0
        return min(max(int(first_dim), 0), max(dim - self._layout.count, 0))

    def watch_cursor(self) -> None:
        """Bring the selected token into view and announce it (the user moved it)."""
        self.refresh()
        self._scroll_to_cursor()
        if self.tokens:
            self.post_message(self.CursorMoved(self, self.cursor))

    def watch_first_dim(self) -> None:
        """Redraw with other dimensions."""
        self._invalidate()

    def on_resize(self) -> None:
        """Fit the layout to the new width."""
        self._relayout()

    def notify_style_update(self) -> None:
        """Drop cached lines when the theme or CSS changes."""
        super().notify_style_update()
        self._invalidate()

    def _relayout(self) -> None:
        """Recompute the layout and the virtual size for the current width and result."""
        layout = self._layout
        if self._blocks and self.tokens:
            self._layout = _Layout.fit(self.size.width, self.tokens, self._blocks[0].shape[1])
            lines = HEADER + self.tokens * self._layout.lines_per_token
            set_virtual_size(self, Size(0, lines))
        else:
            set_virtual_size(self, Size(0, 0))
        first_dim = self.validate_first_dim(self.first_dim)
        if self._layout != layout or first_dim != self.first_dim:
            self.set_reactive(EmbeddingsTable.first_dim, first_dim)
            self._invalidate()
        self._scroll_to_cursor()

    def _invalidate(self) -> None:
        """Forget every rendered line and repaint."""
        self._version += 1
        self._line_cache.clear()
        self.refresh()

    @property
    def _view_tokens(self) -> int:
        """How many tokens fit on screen below the header."""
        lines = self.scrollable_content_region.height - HEADER
        return max(1, lines // self._layout.lines_per_token)

    def _scroll_to_cursor(self) -> None:
        """Scroll the least distance that shows every line of the selected token."""
        height = self.scrollable_content_region.height - HEADER
        if not self.tokens or height <= 0:
            return
        per_token = self._layout.lines_per_token
        top = self.cursor * per_token
        scroll_y = self.scroll_offset.y
        if top < scroll_y:
            scroll_y = top
        elif top + per_token > scroll_y + height:
            scroll_y = top + min(per_token, height) - height
        self.scroll_to(0, scroll_y, animate=False)

    def action_cursor_up(self) -> None:
        """Select the previous token."""
        self.cursor -= 1

    def action_cursor_down(self) -> None:
        """Select the next token."""
        self.cursor += 1

    def action_first_token(self) -> None:
        """Select the first token."""
        self.cursor = 0

    def action_last_token(self) -> None:
        """Select the last token."""
        self.cursor = self.tokens - 1

    def action_page_up(self) -> None:
        """Move the cursor up by one screen of tokens."""
        self.cursor -= self._view_tokens

    def action_page_down(self) -> None:
        """Move the cursor down by one screen of tokens."""
        self.cursor += self._view_tokens

    def action_dims_left(self) -> None:
        """Show earlier dimensions."""
        self.first_dim -= 1

    def action_dims_right(self) -> None:
        """Show later dimensions."""
        self.first_dim += 1

    def on_click(self, event: events.Click) -> None:
        """Select the clicked token."""
        offset = event.get_content_offset(self)
        if offset is None or offset.y < HEADER or not self.tokens:
            return
        token = (offset.y - HEADER + self.scroll_offset.y) // self._layout.lines_per_token
        if token < self.tokens:
            self.cursor = token

    def render_line(self, y: int) -> Strip:
        """Render one line of the widget: the title, the column names, or a line of a token.

        Args:
            y: The line on screen, 0 at the top of the widget.

        Returns:
            A strip exactly as wide as the widget.
        """
        width = self.size.width
        if self._message or not self._blocks:
            return self._render_message(y, width)
        line = y - HEADER + self.scroll_offset.y if y >= HEADER else y - HEADER
        per_token = self._layout.lines_per_token
        if line >= self.tokens * per_token:
            return Strip.blank(width, self.rich_style)
        token = line // per_token if line >= 0 else -1
        key = (line, width, self.first_dim, token == self.cursor, self._version)
        strip = self._line_cache.get(key)
        if strip is None:
            if line == -HEADER:
                strip = self._render_title(width)
            elif line < 0:
                strip = self._render_header(width)
            else:
                strip = self._render_token_line(token, line % per_token, width)
            self._line_cache[key] = strip
        return strip

    def _render_message(self, y: int, width: int) -> Strip:
        """A blank line, or the message centred on the middle line."""
        base = self.rich_style
        if y != self.size.height // 2 or not self._message:
            return Strip.blank(width, base)
        style = self.get_component_rich_style("embeddings-table--message")
        text = fit_left(self._message, width) if cell_len(self._message) > width else self._message
        left = (width - cell_len(text)) // 2
        strip = Strip([Segment(" " * left, base), Segment(text, style)])
        return strip.adjust_cell_length(width, base)

    def _render_title(self, width: int) -> Strip:
        """The shapes of the three blocks, then dim and seed, in the longest form that fits."""
        assert self._result is not None
        shape = f"({self.tokens}, {self._blocks[0].shape[1]})"
        kind = self._result.embedded.positions
        settings = self._result.settings
        suffix = f"   dim {settings.dim} · seed {settings.seed}"
        full = f"token vectors {shape}   +   {kind} positions {shape}   =   input vectors {shape}"
        short = f"token {shape} + {kind} {shape} = input {shape}"
        tiny = f"token + {kind} = input, each {shape}"
        candidates = [full + suffix, full, short + suffix, short, tiny + suffix, tiny]
        title = next((text for text in candidates if cell_len(text) <= width), tiny)
        style = self.get_component_rich_style("embeddings-table--title")
        return Strip([Segment(fit_left(title, width), style)])

    def _dims(self) -> range:
        """The dimensions shown in each block."""
        return range(self.first_dim, self.first_dim + self._layout.count)

    def _render_header(self, width: int) -> Strip:
        """Column names: "# token", then each block's name (side by side) or dimensions."""
        layout = self._layout
        header = self.get_component_rich_style("embeddings-table--header")
        text = fit_left(f"{'#':>{layout.index_width}} token", layout.gutter)
        dims = self._dims()
        if layout.stacked:
            text += " " * (len(TAGS[0]) + 1)
            text += "".join(f"d{dim}".rjust(CELL) for dim in dims)
        else:
            assert self._result is not None
            names = ("token", self._result.embedded.positions, "input")
            for operator, name in zip(OPERATORS, names, strict=True):
                label = f"{operator} {name} [{dims.start}:{dims.stop}]"
                text += fit_left(label, layout.block_width)
        return Strip([Segment(fit_left(text, width), header)])

    def _render_token_line(self, token: int, part: int, width: int) -> Strip:
        """Line `part` of one token: its label, then one block (stacked) or all three."""
        assert self._result is not None
        layout = self._layout
        base = self.rich_style
        on_cursor = token == self.cursor
        label_style = self.get_component_rich_style(
            "embeddings-table--cursor-label" if on_cursor else "embeddings-table--label"
        )
        if part == 0:
            piece = visible_piece(self._result.tokens.piece(token))
            label = f"{token:>{layout.index_width}} {fit_left(piece, PIECE)}"
        else:
            label = " " * (layout.gutter - 1)
        segments = [Segment(label, label_style), Segment(" ", base)]
        operator = self.get_component_rich_style("embeddings-table--operator")
        if layout.stacked:
            segments.append(Segment(TAGS[part], operator))
            segments.extend(self._block_segments(part, token, on_cursor))
        else:
            for block, sign in enumerate(OPERATORS):
                segments.append(Segment(sign, operator))
                segments.extend(self._block_segments(block, token, on_cursor))
        return Strip(segments).adjust_cell_length(width, base)

    def _block_segments(self, block: int, token: int, on_cursor: bool) -> list[Segment]:
        """The shown numbers of one block for one token, with "…" where dimensions are left out."""
        base = self.rich_style
        elided = self.get_component_rich_style("embeddings-table--header")
        dims = self._dims()
        values = self._blocks[block][token, dims.start : dims.stop]
        dim = self._blocks[block].shape[1]
        segments = [Segment("…", elided) if dims.start > 0 else Segment(" ", base)]
        number_styles = self._cursor_styles if on_cursor else self._cell_styles
        middle = (LEVELS - 1) // 2
        for value, level in zip(values.tolist(), self._levels(block, values), strict=True):
            text = format_value(value)
            if self._mono:
                magnitude = abs(level - middle) / middle
                style = base + Style(bold=True, reverse=True) if on_cursor else base
                segments += [Segment(shade(magnitude), base), Segment(text, style)]
            else:
                segments += [Segment(" ", base), Segment(text, number_styles[level])]
        segments.append(Segment("…", elided) if dims.stop < dim else Segment(" ", base))
        return segments


class OneHotPanel(Widget):
    """The selected token's one-hot vector times the token table, beside the table's row.

    Shows that an embedding lookup is a matrix product: the product is computed with
    `engine.nn.embeddings.one_hot_times_table` and compared with the row by `np.array_equal`.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "one-hot-panel--label",
        "one-hot-panel--one",
        "one-hot-panel--identical",
        "one-hot-panel--different",
    }
    """
    | Class | Description |
    | :- | :- |
    | `one-hot-panel--label` | Names and shapes before the numbers. |
    | `one-hot-panel--one` | The single 1 of the one-hot vector. |
    | `one-hot-panel--identical` | The check mark when the product equals the row. |
    | `one-hot-panel--different` | The cross when it does not. |
    """

    DEFAULT_CSS = """
    OneHotPanel {
        height: auto;
        background: $surface;
        color: $text;
        border-top: solid $primary;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        & > .one-hot-panel--label { color: $text-muted; }
        & > .one-hot-panel--one { color: $accent; text-style: bold; }
        & > .one-hot-panel--identical { color: $success; text-style: bold; }
        & > .one-hot-panel--different { color: $error; text-style: bold; }
    }
    """

    compact: reactive[bool] = reactive(False, layout=True)
    """Three lines (the product, and the verdict naming the row) instead of six, for short panes."""

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        """Create an empty panel.

        Args:
            name: The name of the widget.
            id: The ID of the widget in the DOM.
            classes: The CSS classes of the widget.
        """
        super().__init__(name=name, id=id, classes=classes)
        self._index = 0
        self._piece = ""
        self._token_id = 0
        self._table_shape = (0, 0)
        self._one_hot = np.zeros(0)
        self._product = np.zeros(0)
        self._row = np.zeros(0)
        self._identical = False
        self._shown: tuple[object, int] | None = None

    @property
    def identical(self) -> bool:
        """Whether one-hot × table equals the table's row (as computed by `np.array_equal`)."""
        return self._identical

    def show_token(self, result: PipelineResult, index: int) -> None:
        """Compute one-hot × table for token `index` of `result` and show it beside the row.

        Args:
            result: What the pipeline computed.
            index: A token with vectors (below `result.n_used`).
        """
        from engine.nn.embeddings import one_hot_times_table

        if self._shown is not None and self._shown[0] is result and self._shown[1] == index:
            return
        self._shown = (result, index)
        table = result.embedded.token_table
        token_id = int(result.tokens.ids[index])
        self._one_hot, self._product = one_hot_times_table(token_id, table)
        self._row = table[token_id]
        self._identical = bool(np.array_equal(self._product, self._row))
        self._index = index
        self._piece = visible_piece(result.tokens.piece(index))
        self._token_id = token_id
        self._table_shape = (int(table.shape[0]), int(table.shape[1]))
        self.refresh(layout=True)

    def _one_hot_text(self) -> Text:
        """The one-hot vector drawn compactly: its ends and its 1, with "…" between."""
        one = self.get_component_rich_style("one-hot-panel--one", partial=True)
        vocab = len(self._one_hot)
        shown = sorted({0, 1, self._token_id, vocab - 2, vocab - 1} & set(range(vocab)))
        text = Text("[")
        previous = -1
        for index in shown:
            if previous >= 0:
                text.append(" … " if index > previous + 1 else " ")
            value = format(self._one_hot[index], "g")
            text.append(value, one if index == self._token_id else "")
            previous = index
        text.append("]")
        return text

    def _vector_lines(self, width: int) -> tuple[Text, Text]:
        """The product and the table row, brackets aligned, with as many numbers as fit."""
        label = self.get_component_rich_style("one-hot-panel--label", partial=True)
        prefixes = ("= ", f"table row {self._token_id}: ")
        prefix_width = max(len(prefix) for prefix in prefixes)
        dim = len(self._row)
        if prefix_width + 2 + CELL * dim - 1 <= width:
            count, more = dim, ""
        else:
            count, more = max(1, (width - prefix_width - 4 + 1) // CELL), " …"
        lines = []
        for prefix, vector in zip(prefixes, (self._product, self._row), strict=True):
            line = Text(prefix.rjust(prefix_width), label)
            line.append(f"[{numbers_in(vector[:count])}{more}]")
            lines.append(line)
        return lines[0], lines[1]

    def render(self) -> Text:
        """Six lines: the token, the one-hot vector, × the table, = the product, the row, ✓.

        In compact mode, three: the token and the product written as one line, = the product,
        and ✓ naming the row it equals.
        """
        label = self.get_component_rich_style("one-hot-panel--label", partial=True)
        vocab, dim = self._table_shape
        token = Text.assemble(f"token {self._index} ", (self._piece, "bold"), f" → id {self._token_id}")
        one_hot = Text.assemble(
            (f"one-hot (1 × {vocab}) ", label),
            self._one_hot_text(),
            (f"  1 at index {self._token_id}", label),
        )
        table = Text(f"× token table ({vocab} × {dim})", label)
        product, row = self._vector_lines(self.size.width)
        if self._identical:
            verdict = Text("✓ identical", self.get_component_rich_style("one-hot-panel--identical"))
        else:
            verdict = Text("✗ different", self.get_component_rich_style("one-hot-panel--different"))
        if self.compact:
            product = product[product.plain.index("=") :]
            verdict.append(f" to table row {self._token_id} (np.array_equal)", label)
            one_hot = Text.assemble(
                f"id {self._token_id} ",
                (f"one-hot (1 × {vocab}) ", label),
                self._one_hot_text(),
                (f" × token table ({vocab} × {dim})", label),
            )
            lines = [one_hot, product, verdict]
        else:
            verdict.append(" (np.array_equal of product and row)", label)
            lines = [token, one_hot, table, product, row, verdict]
        for line in lines:
            line.truncate(max(self.size.width, 1), overflow="ellipsis")
        return Text("\n").join(lines)


class EmbeddingsPane(Vertical):
    """Token vectors + position vectors = input vectors, with the one-hot lookup below.

    The table inside (`#embeddings-table`) holds the focus and the row cursor; when the user
    moves it, the pane posts `TokenSelected`. `o` shows or hides the one-hot panel.

    Bindings:
        o: Show or hide the one-hot × token table panel.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "toggle_one_hot", "One-hot ×", id="embeddings.one_hot"),
    ]

    DEFAULT_CSS = """
    EmbeddingsPane {
        width: 1fr;
        height: 1fr;
        & > OneHotPanel { display: none; }
        &.-one-hot > OneHotPanel { display: block; }
    }
    """

    one_hot: reactive[bool] = reactive(False)
    """Whether the one-hot × token table panel is shown (only while there are vectors)."""

    def __init__(
        self,
        message: str = "",
        *,
        palette: str = "rdbu",
        mono: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Create an empty pane.

        Args:
            message: What to show until `show_result` is called.
            palette: A name from `themes.palettes.PALETTES` (see `EmbeddingsTable.set_palette`).
            mono: Plain numbers and shade characters instead of colours.
            name: The name of the widget.
            id: The ID of the widget in the DOM.
            classes: The CSS classes of the widget.
            disabled: Whether the widget is disabled.
        """
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._result: PipelineResult | None = None
        self.table = EmbeddingsTable(message, palette=palette, mono=mono, id="embeddings-table")
        self.panel = OneHotPanel(id="embeddings-one-hot")

    def compose(self) -> ComposeResult:
        """The table above the one-hot panel."""
        yield self.table
        yield self.panel

    def on_resize(self) -> None:
        """Keep the one-hot panel short when the pane is."""
        self.panel.compact = self.size.height < COMPACT_BELOW

    def focus(self, scroll_visible: bool = True) -> EmbeddingsPane:
        """Give the focus to the table, which holds the cursor."""
        self.table.focus(scroll_visible)
        return self

    def show_result(self, result: PipelineResult) -> None:
        """Show new vectors, keeping the selected token if it is still in range.

        Args:
            result: What the pipeline computed.
        """
        self._result = result
        self.table.show_result(result)
        self._update_panel()

    def show_message(self, message: str) -> None:
        """Show `message` instead of vectors (no text yet, or an error).

        Args:
            message: One line of text.
        """
        self._result = None
        self.table.show_message(message)
        self._update_panel()

    def select_token(self, index: int | None) -> None:
        """Highlight token `index` (picked in another pane) without posting `TokenSelected`.

        Args:
            index: A token index; None, or a token beyond the context (no vectors), leaves the
                cursor where it is.
        """
        if index is None:
            return
        self.table.select_token(index)
        self._update_panel()

    def set_palette(self, palette_name: str, mono: bool) -> None:
        """Choose how values are coloured (see `EmbeddingsTable.set_palette`).

        Args:
            palette_name: A name from `themes.palettes.PALETTES`.
            mono: Plain numbers and shade characters, no colours.
        """
        self.table.set_palette(palette_name, mono)

    def action_toggle_one_hot(self) -> None:
        """Show or hide the one-hot × token table panel."""
        self.one_hot = not self.one_hot

    def watch_one_hot(self) -> None:
        """Show or hide the panel."""
        self._update_panel()

    @on(EmbeddingsTable.CursorMoved)
    def _cursor_moved(self, message: EmbeddingsTable.CursorMoved) -> None:
        """The user moved the table's cursor: follow it, and tell the other panes."""
        message.stop()
        self._update_panel()
        self.post_message(TokenSelected(message.index))

    def _update_panel(self) -> None:
        """Show the panel for the selected token when it is on and there are vectors."""
        shown = self.one_hot and self._result is not None and self.table.tokens > 0
        self.set_class(shown, "-one-hot")
        if shown:
            assert self._result is not None
            self.panel.show_token(self._result, self.table.cursor)
