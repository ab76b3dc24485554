"""The spans pane: the text with each token's characters on a background of its own.

What `show_result` does per token or character is vectorised numpy (`tui.views.text_wrap`); the
only Python loop runs once per wrapped screen row of over-long lines. Rows are cached by what
they show, so after an edit only the rows whose characters or tokens changed are drawn again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from textual.binding import Binding, BindingType
from textual.geometry import Offset
from textual.strip import Strip

from tui.panes.tokens import TokenPane
from tui.views.cursor_view import MOVE
from tui.views.text_wrap import char_widths, wrap_rows
from tui.views.token_text import COLOUR_CYCLE, TOKEN_TEXT_CLASSES, TokenStyles, token_text_css

if TYPE_CHECKING:
    from engine.pipeline.results import PipelineResult


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
        pageup, pagedown: Select the token a page of rows above or below.
        w: Show whitespace as marks or as plain spaces (for the whole app).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "previous_token", "Prev token", id="token_spans.previous", group=MOVE),
        Binding("right,l", "next_token", "Next token", id="token_spans.next", group=MOVE),
        Binding("up,k", "cursor_up", "Row up", id="token_spans.up", group=MOVE),
        Binding("down,j", "cursor_down", "Row down", id="token_spans.down", group=MOVE),
        Binding("home,g", "cursor_first", "First token", id="token_spans.first"),
        Binding("end,G", "cursor_last", "Last token", id="token_spans.last"),
        Binding("w", "app.toggle_whitespace", "Whitespace", id="token_spans.whitespace"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = set(TOKEN_TEXT_CLASSES)
    """The classes of `tui.views.token_text.TOKEN_TEXT_CLASSES`."""

    DEFAULT_CSS = token_text_css("TokenSpans")

    def __init__(self, message: str = "", **kwargs: Any) -> None:
        """Create an empty pane showing `message`; `kwargs` are `LineView`'s (name, id, ...)."""
        super().__init__(message, **kwargs)
        self._widths = np.zeros(0, dtype=np.uint8)
        self._newlines = np.zeros(0, dtype=np.int64)
        self._rows: np.ndarray | None = None
        self._wrap_width = 0
        self._styles = TokenStyles(self)

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

    def set_palette(self, palette_name: str, mono: bool) -> None:
        """Choose colours or plain text styles (see `TokenPane.set_palette`)."""
        self._styles.mono = mono
        super().set_palette(palette_name, mono)

    def invalidate(self) -> None:
        """Forget drawn lines and styles, and repaint."""
        self._styles.clear()
        super().invalidate()

    def relayout(self) -> None:
        """Wrap the text to the pane's width (once per result and width)."""
        width = self.scrollable_content_region.width
        if self._result is None or width <= 0 or not self._result.tokens.text:
            self._rows = None
            self._wrap_width = 0
            self.set_extent(0)
        elif width != self._wrap_width:
            boundaries = self._result.tokens.char_spans.ravel()
            self._rows = wrap_rows(self._widths, self._newlines, boundaries, width)
            self._wrap_width = width
            self.set_extent(self.row_count, width)
        super().relayout()

    # The cursor: a token, moved by tokens (left/right) or by screen rows (up/down)

    def cursor_lines(self) -> tuple[int, int] | None:
        """The first and last screen rows of the selected token, if it is laid out."""
        index = self.selected
        if index is None or self._rows is None or self._result is None:
            return None
        start, end = self._result.tokens.char_spans[index].tolist()
        return self._row_of(start), self._row_of(max(end - 1, start))

    def cursor_at(self, offset: Offset) -> int | None:
        """The token of the clicked character (whitespace no token covers: None)."""
        if self._rows is None or self._result is None:
            return None
        row = offset.y + self.scroll_offset.y
        if not 0 <= row < self.row_count:
            return None
        char = self._char_at(row, offset.x)
        return None if char is None else self._result.tokens.token_at_char(char)

    def action_previous_token(self) -> None:
        """Select the previous token."""
        if self.selected is not None:
            self.cursor = self.selected - 1

    def action_next_token(self) -> None:
        """Select the next token."""
        self.cursor = 0 if self.selected is None else self.selected + 1

    def action_cursor_up(self) -> None:
        """Select the token on the row above."""
        self._move_rows(-1)

    def action_cursor_down(self) -> None:
        """Select the token on the row below."""
        self._move_rows(1)

    def action_cursor_page_up(self) -> None:
        """Select the token a page of rows above."""
        self._move_rows(-self.view_lines)

    def action_cursor_page_down(self) -> None:
        """Select the token a page of rows below."""
        self._move_rows(self.view_lines)

    def _move_rows(self, step: int) -> None:
        """Select the token under the selection's first cell, `step` rows up (< 0) or down."""
        rows = self.cursor_lines()
        if rows is None or self._rows is None or self._result is None:
            self.cursor = 0
            return
        target = min(max((rows[0] if step < 0 else rows[1]) + step, 0), self.row_count - 1)
        if rows[0] <= target <= rows[1]:
            return
        start = int(self._result.tokens.char_spans[self.cursor, 0])
        row_start = int(self._rows[rows[0]])
        x = int(self._widths[row_start:start].sum(dtype=np.int64))
        char = self._char_at(target, x)
        if char is None:
            char = int(self._rows[target + 1]) - 1
        self.cursor = self._token_near(char)

    def _row_of(self, char: int) -> int:
        """The screen row that holds character `char`."""
        assert self._rows is not None
        return int(np.searchsorted(self._rows, char, side="right")) - 1

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

    # Drawing

    def _selected_on(self, row: int) -> int | None:
        """The selected token if it lies on screen row `row`: only those rows depend on it."""
        rows = self.cursor_lines()
        return self.selected if rows is not None and rows[0] <= row <= rows[1] else None

    def line_key(self, line: int, width: int) -> tuple | None:
        """Everything screen row `line` shows: its characters, the spans of the tokens on it
        (relative to the row) with their colour phase and whether they are beyond the context,
        and the selected token's span if it is on the row."""
        if self._rows is None or self._result is None or not 0 <= line < self.row_count:
            return None
        tokens = self._result.tokens
        start, end = self._rows[line : line + 2].tolist()
        spans = tokens.char_spans
        first = int(np.searchsorted(spans[:, 1], start, side="right"))
        last = int(np.searchsorted(spans[:, 0], end, side="left"))
        attended = min(max(self._result.n_used - first, 0), last - first)
        selected = self._selected_on(line)
        picked = None if selected is None else tuple((spans[selected] - start).tolist())
        return (
            tokens.text[start:end],
            (spans[first:last] - start).tobytes(),
            first % COLOUR_CYCLE,
            attended,
            picked,
        )

    def draw_line(self, line: int, width: int) -> Strip:
        """One screen row: runs of characters that share a style become one segment."""
        assert self._rows is not None and self._result is not None
        tokens = self._result.tokens
        start, end = self._rows[line : line + 2].tolist()
        selected = self._selected_on(line)
        span = None if selected is None else tuple(tokens.char_spans[selected].tolist())
        segments = self._styles.segments(
            tokens.text,
            start,
            end,
            tokens.char_spans,
            selected=span,
            marks=self._marks,
            n_used=self._result.n_used,
        )
        return Strip(segments).adjust_cell_length(width, self.rich_style)
