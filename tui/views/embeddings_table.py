"""The embeddings table: token vectors + position vectors = input vectors, one token per row.

A line view like the attention heatmap: Textual asks only for the lines on screen, and each is
built from the visible numbers of one token and cached by what it shows, so 1,024 tokens × a wide
`dim` cost no more per frame than five tokens, and a keystroke redraws only the rows it changed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from rich.cells import cell_len
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.strip import Strip

from themes.palettes import PALETTES, palette_named, shade, text_color_on
from tui.formatting.pieces import visible_piece
from tui.i18n.strings import UiStrings, marked, strings_of
from tui.views.cursor_view import RowCursorView
from tui.views.text_wrap import fit_left

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
TAGS = (marked("token "), marked("+ pos "), marked("= in  "))
"""Drawn before each line of a token in the stacked layout (said in the learner's language, and
padded to the widest)."""
ROTARY_TAGS = (TAGS[0], marked("+ none"), TAGS[2])
"""The same for a rotary model, which adds no position vector (its middle block is zeros)."""
ROTARY_BLOCK = marked("none (rotary) [{start}:{stop}]")
"""The middle block's name for a rotary model, instead of "rotary" (which would read as a vector)."""
KIND_NAMES = {"learned": marked("learned"), "sinusoidal": marked("sinusoidal")}
"""The position kinds that add a vector, as the title and the column names say them."""
NO_POSITIONS = ("rotary", "none")
"""Position kinds that add no vector: a rotary model's, and a worked example's ("none")."""
SIDE_BY_SIDE_MIN = 4
"""Numbers per block below which the three blocks are stacked instead of side by side."""
LEVELS = 129
"""Values are quantised to this many colours; odd, so that zero is the middle one exactly."""


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
        tag_width: Cells of the tag before each line when stacked ("token ", "+ pos ", "= in  ").
    """

    stacked: bool
    index_width: int
    count: int
    tag_width: int = len(TAGS[0])

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
        lead = self.tag_width if self.stacked else len(OPERATORS[0])
        return lead + 1 + CELL * self.count + 1

    @classmethod
    def fit(cls, width: int, tokens: int, dim: int, tag_width: int = len(TAGS[0])) -> _Layout:
        """The layout for a content `width`: side by side if each block gets enough numbers."""
        index_width = max(3, len(str(max(tokens - 1, 0))))
        gutter = index_width + 1 + PIECE + 1
        side = ((width - gutter) // 3 - len(OPERATORS[0]) - 2) // CELL
        if side >= min(SIDE_BY_SIDE_MIN, dim):
            return cls(False, index_width, min(side, dim))
        stacked = (width - gutter - tag_width - 2) // CELL
        return cls(True, index_width, min(max(stacked, 0), dim), tag_width)


class EmbeddingsTable(RowCursorView):
    """Token vectors, position vectors and their sums (the input vectors), one token per row.

    Each number sits on the colour of the diverging palette for its value, normalised
    symmetrically around zero by the largest |value| of its block, with black or white text,
    whichever reads better. In mono mode (NO_COLOR or 16-colour terminals) numbers are plain
    text, each after a shade character that grows with |value|. When the widget is too narrow
    for `SIDE_BY_SIDE_MIN` numbers per block, each token takes three lines instead, one per block.
    Only the first numbers that fit are shown; h/l shift which dimensions those are, and "…"
    marks the dimensions left out on either side. The cursor (a token) moves with the keys of
    `RowCursorView` and posts its `CursorMoved`.

    Bindings:
        left, h: Show earlier dimensions.
        right, l: Show later dimensions.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "dims_left", "Earlier dims", id="embeddings.dims_left"),
        Binding("right,l", "dims_right", "Later dims", id="embeddings.dims_right"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "embeddings-table--title",
        "embeddings-table--header",
        "embeddings-table--label",
        "embeddings-table--operator",
    }
    """
    | Class | Description |
    | :- | :- |
    | `embeddings-table--title` | The top line with the shapes, dim and seed. |
    | `embeddings-table--header` | The column names on the second line, and the "…" marks. |
    | `embeddings-table--label` | The token labels in the left gutter. |
    | `embeddings-table--operator` | The "+" and "=" between blocks. |

    The selected token's label is drawn in `line-view--cursor`.
    """

    DEFAULT_CSS = """
    EmbeddingsTable {
        & > .embeddings-table--title { color: $text; text-style: bold; }
        & > .embeddings-table--header { color: $text-muted; }
        & > .embeddings-table--label { color: $text; }
        & > .embeddings-table--operator { color: $accent; text-style: bold; }
    }
    """

    header_lines = HEADER

    first_dim: reactive[int] = reactive(0, init=False)
    """The first dimension shown in each block; clamped so that the shown numbers fill it."""

    def __init__(
        self, message: str = "", *, palette: str = "rdbu", mono: bool = False, **kwargs: Any
    ) -> None:
        """Create an empty table.

        Args:
            message: What to show until `show_result` is called.
            palette: A name from `themes.palettes.PALETTES`; see `set_palette`.
            mono: Draw plain numbers after shade characters instead of colours.
            **kwargs: `LineView`'s (name, id, classes, disabled).
        """
        super().__init__(message, **kwargs)
        self._result: PipelineResult | None = None
        self._blocks: tuple[np.ndarray, ...] = ()
        self._scales: tuple[float, ...] = ()
        self._layout = _Layout(False, 3, 0)
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

    @property
    def line_width(self) -> int:
        """The whole width: lines run under the scrollbar gutter, blank until a scrollbar shows."""
        return self.size.width

    @property
    def cursor_count(self) -> int:
        """The cursor visits the tokens that have vectors."""
        return self.tokens

    @property
    def lines_per_row(self) -> int:
        """Three lines per token when stacked, else one."""
        return self._layout.lines_per_token

    def show_result(self, result: PipelineResult) -> None:
        """Show the vectors of a new result, keeping the cursor if it is still in range.

        Args:
            result: What the pipeline computed.
        """
        embedded = result.embedded
        self._result = result
        self._blocks = (embedded.token_vectors, embedded.added_positions, embedded.input_vectors)
        self._scales = tuple(self._level_scale(block) for block in self._blocks)
        self.clamp_cursor()
        self.set_message("" if result.n_used else self._strings.say("no tokens: type some text"))
        self.relayout()

    def show_message(self, message: str) -> None:
        """Drop the vectors and show `message` instead (no text yet, or an error).

        Args:
            message: Text for the user; wrapped to the table.
        """
        self._result = None
        self._blocks = ()
        self._scales = ()
        self.set_message(message)
        self.relayout()

    def select_token(self, index: int) -> None:
        """Move the cursor to token `index` and scroll to it, without posting `CursorMoved`.

        Args:
            index: A token index; ignored when that token has no vectors (beyond the context).
        """
        if 0 <= index < self.tokens:
            self.place_cursor(index)

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
        palette = palette_named(palette_name)
        if palette.kind != "diverging":
            palette = PALETTES["rdbu"]
        self._mono = mono
        rgbs = [palette.rgb(level / (LEVELS - 1)) for level in range(LEVELS)]
        self._cell_styles = [Style(color=text_color_on(rgb), bgcolor=Color.from_rgb(*rgb)) for rgb in rgbs]
        self._cursor_styles = [style + Style(bold=True, underline=True) for style in self._cell_styles]
        self.invalidate()

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

    def validate_first_dim(self, first_dim: int) -> int:
        """Clamp the first shown dimension so that the shown numbers stay inside `dim`."""
        dim = self._blocks[0].shape[1] if self._blocks else 0
        return min(max(int(first_dim), 0), max(dim - self._layout.count, 0))

    @property
    def _strings(self) -> UiStrings:
        """The app's words in the learner's language; English in a test's own host app."""
        return strings_of(self.app)

    def _tags(self) -> tuple[str, ...]:
        """The stacked layout's tags, in the learner's language, each as wide as the widest."""
        tags = (
            ROTARY_TAGS
            if self._result is not None and self._result.embedded.positions in NO_POSITIONS
            else TAGS
        )
        said = [self._strings.say(tag) for tag in tags]
        width = max(max(cell_len(tag) for tag in said), len(TAGS[0]))
        return tuple(tag + " " * (width - cell_len(tag)) for tag in said)

    def relayout(self) -> None:
        """Fit the layout and the scrollable extent to the current width and result."""
        if self._blocks and self.tokens:
            tag_width = cell_len(self._tags()[0])
            self._layout = _Layout.fit(self.line_width, self.tokens, self._blocks[0].shape[1], tag_width)
            self.set_extent(self.tokens * self._layout.lines_per_token)
        else:
            self.set_extent(0)
        self.set_reactive(EmbeddingsTable.first_dim, self.validate_first_dim(self.first_dim))
        super().relayout()

    def action_dims_left(self) -> None:
        """Show earlier dimensions."""
        self.first_dim -= 1

    def action_dims_right(self) -> None:
        """Show later dimensions."""
        self.first_dim += 1

    def line_key(self, line: int, width: int) -> tuple | None:
        """What line `line` shows: the title or the column names (-2, -1), or one line of a token
        (its label, the numbers shown of its blocks and their colour scales, the cursor on it)."""
        if not self._blocks or self._result is None or line >= self.tokens * self.lines_per_row:
            return None
        layout, dims = self._layout, self._dims()
        dim = self._blocks[0].shape[1]
        if line < 0:
            settings = self._result.settings
            kind = self._result.embedded.positions
            return (line, layout, dims, dim, self.tokens, kind, settings.dim, settings.seed)
        token, part = divmod(line, self.lines_per_row)
        blocks = (part,) if layout.stacked else range(len(self._blocks))
        values = tuple(self._blocks[block][token, dims.start : dims.stop].tobytes() for block in blocks)
        piece = self._result.tokens.piece(token)
        return (token, part, layout, dims, dim, token == self.cursor, piece, self._scales, values)

    def draw_line(self, line: int, width: int) -> Strip:
        """The title, the column names, or one line of a token."""
        if line == -HEADER:
            return self._render_title(width)
        if line < 0:
            return self._render_header(width)
        token, part = divmod(line, self.lines_per_row)
        return self._render_token_line(token, part, width)

    def _render_title(self, width: int) -> Strip:
        """The shapes of the three blocks, then dim and seed, in the longest form that fits."""
        assert self._result is not None
        say = self._strings.say
        shape = f"({self.tokens}, {self._blocks[0].shape[1]})"
        kind = self._result.embedded.positions
        settings = self._result.settings
        suffix = "   " + say("dim {dim} · seed {seed}", dim=settings.dim, seed=settings.seed)
        named = say(KIND_NAMES[kind]) if kind in KIND_NAMES else kind
        full = say(
            "token vectors {shape}   +   {kind} positions {shape}   =   input vectors {shape}",
            shape=shape,
            kind=named,
        )
        short = say("token {shape} + {kind} {shape} = input {shape}", shape=shape, kind=named)
        tiny = say("token + {kind} = input, each {shape}", shape=shape, kind=named)
        if kind == "rotary":  # nothing is added: say so instead of showing "+ rotary positions"
            full = say(
                "token vectors {shape} = input vectors {shape}: a rotary model adds no position vector",
                shape=shape,
            )
            short = say("token {shape} = input {shape}: no position vector (rotary)", shape=shape)
            tiny = say("token = input, each {shape}", shape=shape)
            suffix = say("; positions rotate queries and keys inside attention")
        elif kind == "none":  # a worked example: the hand-made vectors are the inputs
            full = say(
                "hand-made vectors {shape} = input vectors {shape}: no position vector is added", shape=shape
            )
            short = say("vectors {shape} = input {shape}: no position vector", shape=shape)
            tiny = say("vectors = input, each {shape}", shape=shape)
            example = self._result.example
            suffix = "   " + say("example {name}", name=example.name) if example is not None else ""
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
        say = self._strings.say
        text = fit_left(say("{index} token", index=f"{'#':>{layout.index_width}}"), layout.gutter)
        dims = self._dims()
        if layout.stacked:
            text += " " * (layout.tag_width + 1)
            text += "".join(f"d{dim}".rjust(CELL) for dim in dims)
        else:
            assert self._result is not None
            kind = self._result.embedded.positions
            span = {"start": dims.start, "stop": dims.stop}
            middle = {"rotary": ROTARY_BLOCK, "none": marked("none [{start}:{stop}]")}.get(kind)
            named = say(KIND_NAMES[kind]) if kind in KIND_NAMES else kind
            names = (
                say("token [{start}:{stop}]", **span),
                f"{named} [{dims.start}:{dims.stop}]" if middle is None else say(middle, **span),
                say("input [{start}:{stop}]", **span),
            )
            for operator, name in zip(OPERATORS, names, strict=True):
                text += fit_left(f"{operator} {name}", layout.block_width)
        return Strip([Segment(fit_left(text, width), header)])

    def _render_token_line(self, token: int, part: int, width: int) -> Strip:
        """Line `part` of one token: its label, then one block (stacked) or all three."""
        assert self._result is not None
        layout = self._layout
        base = self.rich_style
        on_cursor = token == self.cursor
        label_style = self.get_component_rich_style(
            "line-view--cursor" if on_cursor else "embeddings-table--label"
        )
        if part == 0:
            piece = visible_piece(self._result.tokens.piece(token))
            label = f"{token:>{layout.index_width}} {fit_left(piece, PIECE)}"
        else:
            label = " " * (layout.gutter - 1)
        segments = [Segment(label, label_style), Segment(" ", base)]
        operator = self.get_component_rich_style("embeddings-table--operator")
        if layout.stacked:
            segments.append(Segment(self._tags()[part], operator))
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
