"""The tokens panes: the text painted token by token, and a table of every token.

Both widgets draw one visible line at a time (`render_line`) behind an LRU cache, like the
attention heatmap, so 1 MB of pasted text (about 250,000 gpt2 tokens) costs a screenful per
frame. What `show_result` does per token or character is vectorised numpy; the only Python loop
runs once per wrapped screen row of over-long lines.

`visible_piece` (whitespace and control characters made visible) is `tui.formatting.pieces.visible_piece`,
re-exported here; the CLI and the other panes use the same function.

Every token of the text can be selected, but `TokenSelected` is posted only for the first
`result.n_used` tokens: the other panes hold numbers for those alone. Tokens past the context
are drawn dimmed.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.formatting.pieces import visible_piece
from tui.messages import TokenSelected
from tui.textual_shim import set_virtual_size

if TYPE_CHECKING:
    from engine.pipeline.results import PipelineResult

SPAN_COLOURS = 5
"""Token backgrounds cycle through this many theme colours."""
_COLOUR_CYCLE = 2 * SPAN_COLOURS
"""Token colours repeat with this period in colour (SPAN_COLOURS) and mono (2) mode alike."""
HEADER = 1
"""Lines above the token table's rows for the column names."""
PIECE_CELLS = 30
"""The table's piece column is at most this wide; wider panes give the bytes column the rest."""
BYTES_SHOWN = 4
"""The table's bytes column always has room for this many bytes in hex (when it is shown)."""

_MOVE = Binding.Group("Move")
_REVERSE = Style(reverse=True, bold=True)
"""The selection in mono mode, where no background colour may mark it."""

__all__ = [
    "TokenPane",
    "TokenSpans",
    "TokenTable",
    "char_owners",
    "char_widths",
    "fit_left",
    "table_rows",
    "visible_char",
    "visible_piece",
    "wrap_rows",
]

visible_char = lru_cache(maxsize=4096)(visible_piece)
"""`visible_piece` of one character, remembered: the spans pane asks once per character drawn."""


def table_rows(result: PipelineResult) -> list[dict[str, Any]]:
    """Every token of a result as a record, for the CSV and JSON exports.

    Args:
        result: A pipeline result.

    Returns:
        One `{"position", "piece", "id", "start", "end", "partial"}` record per token, where
        `piece` is the display text (stray bytes as `<0xNN>`) and `start`/`end` is the token's
        character span in the text.
    """
    tokens = result.tokens
    spans = tokens.char_spans.tolist()
    return [
        {"position": i, "piece": piece, "id": token_id, "start": start, "end": end, "partial": flag}
        for i, (piece, token_id, (start, end), flag) in enumerate(
            zip(tokens.pieces, tokens.ids.tolist(), spans, tokens.partial.tolist(), strict=True)
        )
    ]


def char_widths(text: str) -> np.ndarray:
    """Cells each character of `text` takes once made visible (`visible_piece`), as uint8.

    Printable ASCII is one cell; the width of every other distinct character is measured once.
    """
    code_points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    widths = np.ones(code_points.shape, dtype=np.uint8)
    special = (code_points < 0x20) | (code_points > 0x7E)
    if special.any():
        distinct, where = np.unique(code_points[special], return_inverse=True)
        measured = [cell_len(visible_char(chr(code))) for code in distinct.tolist()]
        widths[special] = np.asarray(measured, dtype=np.uint8)[where]
    return widths


def wrap_rows(widths: np.ndarray, newlines: np.ndarray, boundaries: np.ndarray, width: int) -> np.ndarray:
    """Where each screen row of the wrapped text starts.

    A newline ends its row (after its "↵"). A line wider than `width` is cut at the last
    token boundary that fits, or between characters when one token is wider than the row.
    Lines that fit cost no Python work; a long line costs one array lookup per row, the cut
    after every boundary being computed for all of them at once.

    Args:
        widths: Cells of every character (`char_widths`).
        newlines: Sorted indices of the newline characters.
        boundaries: Character indices where a token starts or ends.
        width: Cells per row (at least 1).

    Returns:
        int64 indices: the first character of each row, then `len(widths)`.
    """
    count = len(widths)
    cells = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(widths, out=cells[1:])
    line_starts = np.concatenate(([0], newlines + 1)).astype(np.int64)
    line_ends = np.concatenate((newlines + 1, [count])).astype(np.int64)
    if count:
        # A final newline ends the last line; it does not open an empty one.
        keep = line_starts < count
        line_starts, line_ends = line_starts[keep], line_ends[keep]
    long = cells[line_ends] - cells[line_starts] > width
    rows = [line_starts, np.array([count], dtype=np.int64)]
    if long.any():
        rows.append(_cuts(cells, line_starts, line_ends, long, boundaries, width))
    joined = np.concatenate(rows)
    joined.sort()
    return joined


def _cuts(
    cells: np.ndarray,
    line_starts: np.ndarray,
    line_ends: np.ndarray,
    long: np.ndarray,
    boundaries: np.ndarray,
    width: int,
) -> np.ndarray:
    """The row starts inside the lines marked `long` (see `wrap_rows`)."""
    is_start = np.zeros(len(cells), dtype=bool)
    is_start[boundaries] = True
    is_start[line_starts] = True
    starts = np.flatnonzero(is_start)
    line_of = np.searchsorted(line_starts, starts, side="right") - 1
    in_long = long[line_of]
    starts, ends = starts[in_long], line_ends[line_of[in_long]]
    # For a row starting at each boundary: the furthest character that fits, then the last
    # boundary before it; -1 where there is none (one token wider than the row).
    fits = np.searchsorted(cells, cells[starts] + width, side="right") - 1
    best = starts[np.searchsorted(starts, fits, side="right") - 1]
    following = np.where(fits >= ends, ends, np.where(best > starts, best, -1))
    next_at = np.full(len(cells), -1, dtype=np.int64)
    next_at[starts] = following

    def cut_between_characters(start: int) -> int:
        fit = max(int(np.searchsorted(cells, cells[start] + width, side="right")) - 1, start + 1)
        boundary = int(starts[np.searchsorted(starts, fit, side="right") - 1])
        return boundary if boundary > start else fit

    cuts: list[int] = []
    for start, end in zip(line_starts[long].tolist(), line_ends[long].tolist(), strict=True):
        while True:
            following_start = next_at.item(start)
            if following_start < 0:
                following_start = cut_between_characters(start)
            if following_start >= end:
                break
            cuts.append(following_start)
            start = following_start
    return np.asarray(cuts, dtype=np.int64)


def fit_left(text: str, width: int) -> str:
    """Left-align `text` in exactly `width` cells, cutting it with "…" when it is too wide."""
    if width <= 0:
        return ""
    length = cell_len(text)
    if length > width:
        return set_cell_size(text, width - 1) + "…"
    return text + " " * (width - length)


def char_owners(char_spans: np.ndarray, start: int, end: int) -> tuple[list[int], list[bool]]:
    """For each character of `start:end`: the first token covering it (as
    `TokenizedText.token_at_char`, -1 for none), and whether a second token covers it too
    (a character byte-level BPE split)."""
    count = len(char_spans)
    if not count:
        return [-1] * (end - start), [False] * (end - start)
    chars = np.arange(start, end)
    starts, ends = char_spans[:, 0], char_spans[:, 1]
    owners = np.searchsorted(ends, chars, side="right")
    covered = (owners < count) & (starts[np.minimum(owners, count - 1)] <= chars)
    following = np.minimum(owners + 1, count - 1)
    shared = covered & (owners + 1 < count) & (starts[following] <= chars)
    return np.where(covered, owners, -1).tolist(), shared.tolist()


def _hex(raw: bytes, width: int) -> str:
    """Bytes as "e3 81 a1" in exactly `width` cells; whole bytes only, then "…" if cut."""
    text = raw.hex(" ")
    if len(text) > width:
        text = raw[: max(width - 1, 0) // 3].hex(" ") + "…"
    return fit_left(text, width)


class TokenPane(ScrollView, can_focus=True):
    """What the token panes share: the pane contract, the selection and the message.

    Subclasses draw rows in `render_line` and react to `_selection_moved` and `_relayout`.
    The selection can be any token of the text; `TokenSelected` is posted only when the user
    moves it to one of the first `result.n_used` tokens.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"token-pane--message"}
    """
    | Class | Description |
    | :- | :- |
    | `token-pane--message` | The message shown when there is no result. |
    """

    DEFAULT_CSS = """
    TokenPane {
        width: 1fr;
        height: 1fr;
        background: $surface;
        color: $text;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-gutter: stable;
        scrollbar-size: 1 1;
        & > .token-pane--message { color: $text-muted; text-style: italic; }
    }
    """

    def __init__(
        self,
        message: str = "",
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Create an empty pane.

        Args:
            message: What to show until `show_result` is called.
            name: The name of the widget.
            id: The ID of the widget in the DOM.
            classes: The CSS classes of the widget.
            disabled: Whether the widget is disabled.
        """
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._result: PipelineResult | None = None
        self._message = message
        self._selected: int | None = 0
        self._mono = False
        self._marks = True
        self._version = 0
        self._line_cache: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        self._message_lines: tuple[tuple[str, int], list[Strip]] | None = None

    @property
    def selected(self) -> int | None:
        """The selected token's index, or None when nothing is selected or shown."""
        if self._result is None or not len(self._result.tokens):
            return None
        return self._selected

    def show_result(self, result: PipelineResult) -> None:
        """Show a new result, keeping the selection if that token still exists (else clamping).

        Args:
            result: What `engine.pipeline.run.run` returned.
        """
        self._result = result
        self._message = ""
        if self._selected is not None:
            self._selected = min(self._selected, max(len(result.tokens) - 1, 0))
        self._relayout()
        self._selection_moved()

    def show_message(self, message: str) -> None:
        """Drop the result and show `message` instead (no text yet, or an error).

        Args:
            message: Text for the user; wrapped to the pane.
        """
        self._result = None
        self._message = message
        self._relayout()

    def select_token(self, index: int | None) -> None:
        """Highlight token `index` (clamped to the text) and scroll to it; posts nothing.

        Args:
            index: The token another pane selected, or None to clear the selection.
        """
        self._select(index, post=False)

    def set_palette(self, palette_name: str, mono: bool) -> None:
        """Choose colours or plain text styles.

        Args:
            palette_name: The heatmap palette; token colours come from the theme instead,
                so only `mono` matters here.
            mono: Mark tokens with text styles instead of background colours (for NO_COLOR
                and 16-colour terminals).
        """
        self._mono = mono
        self._invalidate()

    def set_whitespace(self, marks: bool) -> None:
        """Show whitespace as ·/↵/→ marks, or as plain spaces (the app's `w` toggle).

        Args:
            marks: True for the marks, False for plain spaces.
        """
        self._marks = marks
        self._invalidate()

    def on_resize(self, event: events.Resize) -> None:
        """Lay out again for the new size and keep the selection on screen."""
        self._relayout()
        self._selection_moved()

    def action_first_token(self) -> None:
        """Select the first token."""
        self._select(0, post=True)

    def action_last_token(self) -> None:
        """Select the last token."""
        if self._result is not None:
            self._select(len(self._result.tokens) - 1, post=True)

    def notify_style_update(self) -> None:
        """Drop cached lines when the theme, the CSS or the focus changes."""
        super().notify_style_update()
        self._invalidate()

    def _invalidate(self) -> None:
        """Forget every rendered line and repaint."""
        self._version += 1
        self._line_cache.clear()
        self._message_lines = None
        self.refresh()

    def _relayout(self) -> None:
        """Recompute what depends on the result and the pane's size, then repaint."""
        self._invalidate()

    def _selection_moved(self) -> None:
        """Repaint what the selection changes and bring it into view."""
        self.refresh()

    def _select(self, index: int | None, post: bool) -> None:
        """Move the selection, and post `TokenSelected` if `post` and the other panes have it."""
        result = self._result
        if result is None:
            self._selected = index
            return
        if index is not None:
            index = min(max(index, 0), max(len(result.tokens) - 1, 0))
        if index == self._selected:
            return
        self._selected = index
        self._selection_moved()
        if post and index is not None and index < result.n_used:
            self.post_message(TokenSelected(index))

    def _render_message(self, y: int, width: int) -> Strip:
        """Line `y` of the message, wrapped and centred in the pane."""
        key = (self._message, width)
        if self._message_lines is None or self._message_lines[0] != key:
            style = self.get_component_rich_style("token-pane--message")
            text = Text(self._message, style=style, justify="center")
            console = self.app.console
            lines = text.wrap(console, max(width, 1)) if self._message else []
            # Rich leaves unstyled runs with style None, which Textual's NO_COLOR filter rejects.
            strips = [
                Strip([Segment(s.text, s.style or style) for s in line.render(console)]).adjust_cell_length(
                    width, self.rich_style
                )
                for line in lines
            ]
            self._message_lines = (key, strips)
        strips = self._message_lines[1]
        top = max(0, (self.scrollable_content_region.height - len(strips)) // 2)
        if top <= y < top + len(strips):
            return strips[y - top]
        return Strip.blank(width, self.rich_style)

    def _scroll_rows_into_view(self, first: int, last: int, above: int = 0) -> None:
        """Scroll the least distance that shows virtual rows `first` to `last`.

        Args:
            first: The first row to show.
            last: The last row to show (when it fits; `first` wins when it does not).
            above: Lines at the top of the pane that do not scroll (a header).
        """
        shown = self.scrollable_content_region.height - above
        if shown <= 0:
            return
        scroll_y = self.scroll_offset.y
        if first < scroll_y:
            scroll_y = first
        elif last >= scroll_y + shown:
            scroll_y = min(first, last - shown + 1)
        self.scroll_to(y=scroll_y, animate=False)


class TokenSpans(TokenPane):
    """The text with each token's characters on a background of its own, wrapped to the pane.

    Backgrounds cycle through five soft theme colours so neighbouring tokens differ.
    Whitespace is made visible ("·" for a space, "↵" before a line break, "→" for a tab; plain
    spaces after the app's `w` toggle) and dimmed; characters a word tokenizer dropped sit on the
    plain background. A character that byte-level BPE split over several tokens is underlined:
    it belongs to each of them. The selected token is drawn in the cursor colours. In mono mode
    tokens alternate between plain and underlined, split characters are italic and the
    selection is reversed.

    Bindings:
        left, h: Select the previous token.
        right, l: Select the next token.
        up, k: Select the token on the row above.
        down, j: Select the token on the row below.
        home, g: Select the first token.
        end, G: Select the last token.
        w: Show whitespace as marks or as plain spaces (for the whole app).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "previous_token", "Prev token", id="token_spans.previous", group=_MOVE),
        Binding("right,l", "next_token", "Next token", id="token_spans.next", group=_MOVE),
        Binding("up,k", "row_up", "Row up", id="token_spans.up", group=_MOVE),
        Binding("down,j", "row_down", "Row down", id="token_spans.down", group=_MOVE),
        Binding("home,g", "first_token", "First token", id="token_spans.first"),
        Binding("end,G", "last_token", "Last token", id="token_spans.last"),
        Binding("w", "app.toggle_whitespace", "Whitespace", id="token_spans.whitespace"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        *(f"token-spans--token-{k}" for k in range(SPAN_COLOURS)),
        "token-spans--gap",
        "token-spans--whitespace",
        "token-spans--partial",
        "token-spans--beyond",
        "token-spans--selected",
    }
    """
    | Class | Description |
    | :- | :- |
    | `token-spans--token-0` … `token-spans--token-4` | The backgrounds tokens cycle through. |
    | `token-spans--gap` | Characters no token covers (whitespace a word tokenizer dropped). |
    | `token-spans--whitespace` | Added to the "·", "↵" and "→" that stand for whitespace. |
    | `token-spans--partial` | Added to characters split over several tokens. |
    | `token-spans--beyond` | Added to tokens past the context (not embedded). |
    | `token-spans--selected` | The selected token. |
    """

    DEFAULT_CSS = """
    TokenSpans {
        & > .token-spans--token-0 { background: $primary 30%; color: $text; }
        & > .token-spans--token-1 { background: $success 30%; color: $text; }
        & > .token-spans--token-2 { background: $warning 30%; color: $text; }
        & > .token-spans--token-3 { background: $secondary 30%; color: $text; }
        & > .token-spans--token-4 { background: $error 30%; color: $text; }
        & > .token-spans--gap { color: $text-disabled; }
        & > .token-spans--whitespace { text-style: dim; }
        & > .token-spans--partial { text-style: underline; }
        & > .token-spans--beyond { text-style: dim italic; }
        & > .token-spans--selected {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: bold;
        }
    }
    """

    def __init__(
        self,
        message: str = "",
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Create an empty pane.

        Args:
            message: What to show until `show_result` is called.
            name: The name of the widget.
            id: The ID of the widget in the DOM.
            classes: The CSS classes of the widget.
            disabled: Whether the widget is disabled.
        """
        super().__init__(message, name=name, id=id, classes=classes, disabled=disabled)
        self._widths = np.zeros(0, dtype=np.uint8)
        self._newlines = np.zeros(0, dtype=np.int64)
        self._rows: np.ndarray | None = None
        self._wrap_width = 0
        self._styles: dict[tuple[int, bool, bool, bool, bool], Style] = {}

    @property
    def row_count(self) -> int:
        """Screen rows of the wrapped text (0 before the pane has a size)."""
        return 0 if self._rows is None else len(self._rows) - 1

    def show_result(self, result: PipelineResult) -> None:
        """Show a new result, keeping the selection if that token still exists (else clamping).

        Args:
            result: What `engine.pipeline.run.run` returned.
        """
        text = result.tokens.text
        self._widths = char_widths(text)
        self._newlines = np.flatnonzero(
            np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32) == 10
        )
        self._wrap_width = 0
        super().show_result(result)

    def _relayout(self) -> None:
        """Wrap the text to the pane's width (once per result and width)."""
        width = self.scrollable_content_region.width
        if self._result is None or width <= 0 or not self._result.tokens.text:
            self._rows = None
            self._wrap_width = 0
            set_virtual_size(self, Size(0, 0))
        elif width != self._wrap_width:
            boundaries = self._result.tokens.char_spans.ravel()
            self._rows = wrap_rows(self._widths, self._newlines, boundaries, width)
            self._wrap_width = width
            set_virtual_size(self, Size(width, self.row_count))
        # Cached rows stay: their keys hold what they show (`_row_content`), so after an edit
        # only the rows whose characters or tokens changed are drawn again.
        self._message_lines = None
        self.refresh()

    def _invalidate(self) -> None:
        """Forget rendered lines and styles, and repaint."""
        self._styles.clear()
        super()._invalidate()

    def _row_of(self, char: int) -> int:
        """The screen row that holds character `char`."""
        assert self._rows is not None
        return int(np.searchsorted(self._rows, char, side="right")) - 1

    def _selected_rows(self) -> tuple[int, int] | None:
        """The first and last screen rows of the selected token, if it is laid out."""
        index = self.selected
        if index is None or self._rows is None or self._result is None:
            return None
        start, end = self._result.tokens.char_spans[index].tolist()
        return self._row_of(start), self._row_of(max(end - 1, start))

    def _selection_moved(self) -> None:
        """Repaint and bring the selected token into view."""
        rows = self._selected_rows()
        if rows is not None:
            self._scroll_rows_into_view(*rows)
        self.refresh()

    def _char_at(self, row: int, x: int) -> int | None:
        """The character drawn at cell `x` of screen row `row`, or None past the row's end."""
        assert self._rows is not None
        start, end = self._rows[row : row + 2].tolist()
        right_edges = np.cumsum(self._widths[start:end], dtype=np.int64)
        offset = int(np.searchsorted(right_edges, x, side="right"))
        return start + offset if offset < end - start else None

    def _token_near(self, char: int) -> int:
        """The token covering `char`, or the next one (the last if none) when it is a gap."""
        assert self._result is not None
        tokens = self._result.tokens
        index = tokens.token_at_char(char)
        if index is None:
            index = int(np.searchsorted(tokens.char_spans[:, 1], char, side="right"))
        return min(index, len(tokens) - 1)

    def action_previous_token(self) -> None:
        """Select the previous token."""
        if self.selected is not None:
            self._select(self.selected - 1, post=True)

    def action_next_token(self) -> None:
        """Select the next token."""
        self._select(-1 if self.selected is None else self.selected + 1, post=True)

    def _move_rows(self, step: int) -> None:
        """Select the token under the selection's first cell, `step` rows up (-1) or down (1)."""
        rows = self._selected_rows()
        if rows is None or self._rows is None or self._result is None:
            self._select(0, post=True)
            return
        target = rows[0] - 1 if step < 0 else rows[1] + 1
        if not 0 <= target < self.row_count:
            return
        start = int(self._result.tokens.char_spans[self.selected, 0])
        row_start = int(self._rows[rows[0]])
        x = int(self._widths[row_start:start].sum(dtype=np.int64))
        char = self._char_at(target, x)
        if char is None:
            char = int(self._rows[target + 1]) - 1
        self._select(self._token_near(char), post=True)

    def action_row_up(self) -> None:
        """Select the token on the row above."""
        self._move_rows(-1)

    def action_row_down(self) -> None:
        """Select the token on the row below."""
        self._move_rows(1)

    def on_click(self, event: events.Click) -> None:
        """Select the token of the clicked character (whitespace no token covers does nothing)."""
        offset = event.get_content_offset(self)
        if offset is None or self._rows is None or self._result is None:
            return
        row = offset.y + self.scroll_offset.y
        if not 0 <= row < self.row_count:
            return
        char = self._char_at(row, offset.x)
        index = None if char is None else self._result.tokens.token_at_char(char)
        if index is not None:
            self._select(index, post=True)

    def render_line(self, y: int) -> Strip:
        """Render one screen row of the wrapped text.

        Args:
            y: The line on screen, 0 at the top of the widget.

        Returns:
            A strip as wide as the pane's scrollable area.
        """
        width = self.scrollable_content_region.width
        if self._result is None or not self._result.tokens.text:
            return self._render_message(y, width)
        if self._rows is None:
            return Strip.blank(width, self.rich_style)
        row = y + self.scroll_offset.y
        if row >= self.row_count:
            return Strip.blank(width, self.rich_style)
        # Only the rows the selected token lies on depend on the selection.
        rows = self._selected_rows()
        selected = self.selected if rows is not None and rows[0] <= row <= rows[1] else None
        key = (width, self._version, *self._row_content(row, selected))
        strip = self._line_cache.get(key)
        if strip is None:
            strip = self._render_row(row, width, selected)
            self._line_cache[key] = strip
        return strip

    def _row_content(self, row: int, selected: int | None) -> tuple:
        """Everything screen row `row` shows, as a cache key: its characters, the spans of the
        tokens on it (relative to the row) with their colour phase and whether they are beyond
        the context, and the selected token's span if it is on the row."""
        assert self._rows is not None and self._result is not None
        tokens = self._result.tokens
        start, end = self._rows[row : row + 2].tolist()
        spans = tokens.char_spans
        first = int(np.searchsorted(spans[:, 1], start, side="right"))
        last = int(np.searchsorted(spans[:, 0], end, side="left"))
        attended = min(max(self._result.n_used - first, 0), last - first)
        picked = None if selected is None else tuple((spans[selected] - start).tolist())
        return (
            tokens.text[start:end],
            (spans[first:last] - start).tobytes(),
            first % _COLOUR_CYCLE,
            attended,
            picked,
        )

    def _render_row(self, row: int, width: int, selected: int | None) -> Strip:
        """One screen row: runs of characters that share a style become one segment."""
        assert self._rows is not None and self._result is not None
        tokens = self._result.tokens
        n_used = self._result.n_used
        start, end = self._rows[row : row + 2].tolist()
        owner_list, shared_list = char_owners(tokens.char_spans, start, end)
        selected_span = (-1, -1) if selected is None else tokens.char_spans[selected].tolist()
        texts: list[str] = []
        styles: list[Style] = []
        characters = zip(tokens.text[start:end], owner_list, shared_list, strict=True)
        for index, (char, owner, split) in enumerate(characters, start):
            glyph = visible_char(char, self._marks)
            on_selection = selected_span[0] <= index < selected_span[1]
            style = self._style(owner, glyph != char or char.isspace(), split, owner >= n_used, on_selection)
            if styles and style is styles[-1]:
                texts[-1] += glyph
            else:
                texts.append(glyph)
                styles.append(style)
        segments = [Segment(text, style) for text, style in zip(texts, styles, strict=True)]
        return Strip(segments).adjust_cell_length(width, self.rich_style)

    def _style(self, owner: int, whitespace: bool, split: bool, beyond: bool, selected: bool) -> Style:
        """The style of one character, built once per combination and kept until invalidated."""
        colour = -1 if owner < 0 else owner % (2 if self._mono else SPAN_COLOURS)
        key = (colour, whitespace, split, beyond and not selected, selected)
        style = self._styles.get(key)
        if style is not None:
            return style
        base = self.rich_style
        if self._mono:
            if selected:
                style = base + _REVERSE
            else:
                style = base + Style(underline=colour == 1)
            extras = [
                (whitespace, Style(dim=True)),
                (split, Style(italic=True)),
                (key[3], Style(dim=True)),
            ]
        else:
            get = self.get_component_rich_style
            if selected:
                style = get("token-spans--selected")
            elif colour < 0:
                style = get("token-spans--gap")
            else:
                style = get(f"token-spans--token-{colour}")
            extras = [
                (whitespace, get("token-spans--whitespace", partial=True)),
                (split, get("token-spans--partial", partial=True)),
                (key[3], get("token-spans--beyond", partial=True)),
            ]
        for wanted, extra in extras:
            if wanted:
                style += extra
        self._styles[key] = style
        return style


class TokenTable(TokenPane):
    """One row per token: its position, its text, its id and its bytes; a cursor row.

    Rows are built only when they come on screen, so 250,000 tokens cost what 20 do.
    Whitespace in pieces is made visible (`visible_piece`; plain spaces after the app's `w`
    toggle). A piece that holds only part of
    a character keeps its `<0xNN>` bytes and is marked "◐ part of 'ち'" with the character
    it belongs to; a piece that stands for other text (`<|unk|>`) shows that text after "←".
    Rows past the context are dimmed. In mono mode the cursor row is reversed.

    Bindings:
        up, k: Move the cursor to the previous token.
        down, j: Move the cursor to the next token.
        home, g: Go to the first token.
        end, G: Go to the last token.
        pageup: Move the cursor up by one page.
        pagedown: Move the cursor down by one page.
        w: Show whitespace as marks or as plain spaces (for the whole app).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", id="token_table.up", group=_MOVE),
        Binding("down,j", "cursor_down", "Down", id="token_table.down", group=_MOVE),
        Binding("home,g", "first_token", "First", id="token_table.first"),
        Binding("end,G", "last_token", "Last", id="token_table.last"),
        Binding("pageup", "page_up", "Page up", id="token_table.page_up"),
        Binding("pagedown", "page_down", "Page down", id="token_table.page_down"),
        Binding("w", "app.toggle_whitespace", "Whitespace", id="token_table.whitespace"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "token-table--header",
        "token-table--number",
        "token-table--note",
        "token-table--beyond",
        "token-table--cursor",
    }
    """
    | Class | Description |
    | :- | :- |
    | `token-table--header` | The column names. |
    | `token-table--number` | The position, id and bytes columns. |
    | `token-table--note` | The "◐ part of …" and "← …" notes after a piece. |
    | `token-table--beyond` | Rows of tokens past the context. |
    | `token-table--cursor` | The cursor row. |
    """

    DEFAULT_CSS = """
    TokenTable {
        & > .token-table--header { color: $text-muted; text-style: bold; }
        & > .token-table--number { color: $text-muted; }
        & > .token-table--note { color: $text-warning; }
        & > .token-table--beyond { color: $text-disabled; }
        & > .token-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .token-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """

    def __init__(
        self,
        message: str = "",
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Create an empty table.

        Args:
            message: What to show until `show_result` is called.
            name: The name of the widget.
            id: The ID of the widget in the DOM.
            classes: The CSS classes of the widget.
            disabled: Whether the widget is disabled.
        """
        super().__init__(message, name=name, id=id, classes=classes, disabled=disabled)
        self._position_width = 1
        self._id_width = 2
        self._bytes_width = 5

    def show_result(self, result: PipelineResult) -> None:
        """Show a new result, keeping the cursor if that token still exists (else clamping).

        Args:
            result: What `engine.pipeline.run.run` returned.
        """
        tokens = result.tokens
        count = len(tokens)
        self._position_width = len(str(max(count - 1, 0)))
        self._id_width = max(2, len(str(int(tokens.ids.max()))) if count else 2)
        longest = int((tokens.byte_spans[:, 1] - tokens.byte_spans[:, 0]).max()) if count else 1
        self._bytes_width = max(3 * longest - 1, len("bytes"))
        super().show_result(result)

    def _relayout(self) -> None:
        """Size the scroll area: a header line, then one line per token."""
        rows = 0 if self._result is None else len(self._result.tokens)
        set_virtual_size(self, Size(self.scrollable_content_region.width, HEADER + rows))
        super()._relayout()

    @property
    def _view_rows(self) -> int:
        """How many token rows fit below the header."""
        return max(1, self.scrollable_content_region.height - HEADER)

    def _selection_moved(self) -> None:
        """Repaint and keep the cursor row on screen."""
        if self.selected is not None:
            self._scroll_rows_into_view(self.selected, self.selected, above=HEADER)
        self.refresh()

    def _move(self, rows: int) -> None:
        """Move the cursor by `rows` (from the top when there is none)."""
        self._select(0 if self.selected is None else self.selected + rows, post=True)

    def action_cursor_up(self) -> None:
        """Move the cursor to the previous token."""
        self._move(-1)

    def action_cursor_down(self) -> None:
        """Move the cursor to the next token."""
        self._move(1)

    def action_page_up(self) -> None:
        """Move the cursor up by one page of rows."""
        self._move(-self._view_rows)

    def action_page_down(self) -> None:
        """Move the cursor down by one page of rows."""
        self._move(self._view_rows)

    def on_click(self, event: events.Click) -> None:
        """Move the cursor to the clicked row."""
        offset = event.get_content_offset(self)
        if offset is None or self._result is None or offset.y < HEADER:
            return
        row = offset.y - HEADER + self.scroll_offset.y
        if row < len(self._result.tokens):
            self._select(row, post=True)

    def _columns(self, width: int) -> tuple[int, int, int, int]:
        """Cells of the position, piece, id and bytes columns.

        The bytes column gets room for `BYTES_SHOWN` bytes, the piece column the rest up to
        `PIECE_CELLS`, then the bytes column whatever is left (up to the longest token's
        bytes). When the piece column would be narrower than 6 cells, bytes are left out.
        """
        room = width - self._position_width - self._id_width - 3
        least = min(self._bytes_width, 3 * BYTES_SHOWN - 1)
        if room - least < 6:
            return self._position_width, max(room + 1, 1), self._id_width, 0
        piece = min(room - least, PIECE_CELLS)
        return self._position_width, piece, self._id_width, min(room - piece, self._bytes_width)

    def render_line(self, y: int) -> Strip:
        """Render the header (y = 0) or one token row.

        Args:
            y: The line on screen, 0 at the top of the widget.

        Returns:
            A strip as wide as the pane's scrollable area.
        """
        width = self.scrollable_content_region.width
        if self._result is None:
            return self._render_message(y, width)
        row = y - HEADER + self.scroll_offset.y if y >= HEADER else -1
        if row >= len(self._result.tokens):
            return Strip.blank(width, self.rich_style)
        key = (row, width, row == self.selected, self._version)
        strip = self._line_cache.get(key)
        if strip is None:
            strip = self._render_header(width) if row < 0 else self._render_row(row, width)
            self._line_cache[key] = strip
        return strip

    def _cells(self, width: int, texts: list[list[tuple[str, Style]]]) -> Strip:
        """Lay out the four columns' segments, one space apart, as one strip of `width` cells."""
        base = self.rich_style
        segments: list[Segment] = []
        for column, parts in enumerate(texts):
            if column:
                segments.append(Segment(" ", base))
            segments.extend(Segment(text, style) for text, style in parts if text)
        return Strip(segments).adjust_cell_length(width, base)

    def _render_header(self, width: int) -> Strip:
        """The column names."""
        style = self.get_component_rich_style("token-table--header")
        position, piece, token_id, raw = self._columns(width)
        names = [
            "#".rjust(position),
            fit_left("piece", piece),
            "id".rjust(token_id),
            fit_left("bytes", raw),
        ]
        return self._cells(width, [[(name, style)] for name in names if name])

    def _render_row(self, row: int, width: int) -> Strip:
        """One token: position, piece with its note, id, bytes."""
        assert self._result is not None
        tokens = self._result.tokens
        position, piece_width, id_width, bytes_width = self._columns(width)
        token_id = int(tokens.ids[row])
        piece, note = self._piece_and_note(row, piece_width)
        get = self.get_component_rich_style
        if row == self.selected:
            cursor = self.rich_style + _REVERSE if self._mono else get("token-table--cursor")
            plain = number = note_style = cursor
        elif row >= self._result.n_used:
            plain = number = note_style = get("token-table--beyond")
        else:
            plain = self.rich_style
            number, note_style = get("token-table--number"), get("token-table--note")
        columns = [
            [(str(row).rjust(position), number)],
            [(piece, plain), (note, note_style)],
            [(str(token_id).rjust(id_width), number)],
        ]
        if bytes_width:
            columns.append([(_hex(tokens.token_bytes(token_id), bytes_width), number)])
        return self._cells(width, columns)

    def _piece_and_note(self, row: int, width: int) -> tuple[str, str]:
        """The visible piece and its note, together exactly `width` cells wide.

        The note says which character a partial piece belongs to, or which text a piece such as
        `<|unk|>` stands for. It is shortened before the piece is cut, so it stays readable.
        """
        tokens = self._result.tokens if self._result is not None else None
        assert tokens is not None
        piece = tokens.piece(row)
        spans = tokens.char_spans
        start, end = spans[row].tolist()
        if tokens.partial[row]:
            # The split characters: the first one if the previous token has part of it too,
            # the last one if the next token does.
            split = []
            if row > 0 and spans[row - 1, 1] > start:
                split.append(start)
            if row + 1 < len(spans) and spans[row + 1, 0] < end and end - 1 not in split:
                split.append(end - 1)
            source = visible_piece("".join(tokens.text[char] for char in split), self._marks)
            notes = [f" ◐ part of '{source}'", f" ◐ '{source}'", " ◐"]
        elif piece != tokens.text[start:end]:
            source = visible_piece(tokens.text[start:end], self._marks)
            source = source if len(source) <= 12 else source[:11] + "…"
            notes = [f" ← '{source}'", " ←"]
        else:
            notes = [""]
        shown = visible_piece(piece, self._marks)
        note = next((n for n in notes if cell_len(shown) + cell_len(n) <= width), notes[-1])
        room = width - cell_len(note)
        if room <= 0:
            return "", fit_left(note, width)
        if cell_len(shown) > room:
            shown = fit_left(shown, room)
        return shown, fit_left(note, width - cell_len(shown))
