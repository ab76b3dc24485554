"""The token table: one row per token (position, piece, id, bytes), and `table_rows` for exports.

Rows are built only when they come on screen and are cached by what they show, so 250,000
tokens cost what 20 do, and an edit redraws only the rows whose token changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.strip import Strip

from tui.formatting.pieces import visible_piece
from tui.panes.tokens import TokenPane
from tui.views.text_wrap import fit_left
from tui.views.token_text import REVERSE

if TYPE_CHECKING:
    from engine.pipeline.results import PipelineResult

HEADER = 1
"""Lines above the token table's rows for the column names."""
PIECE_CELLS = 30
"""The table's piece column is at most this wide; wider panes give the bytes column the rest."""
BYTES_SHOWN = 4
"""The table's bytes column always has room for this many bytes in hex (when it is shown)."""


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


def _hex(raw: bytes, width: int) -> str:
    """Bytes as "e3 81 a1" in exactly `width` cells; whole bytes only, then "…" if cut."""
    text = raw.hex(" ")
    if len(text) > width:
        text = raw[: max(width - 1, 0) // 3].hex(" ") + "…"
    return fit_left(text, width)


class TokenTable(TokenPane):
    """One row per token: its position, its text, its id and its bytes; a cursor row.

    Whitespace in pieces is made visible (`visible_piece`; plain spaces after the app's `w`
    toggle). A piece that holds only part of a character keeps its `<0xNN>` bytes and is marked
    "◐ part of 'ち'" with the character it belongs to; a piece that stands for other text
    (`<|unk|>`) shows that text after "←". Rows past the context are dimmed. In mono mode the
    cursor row is reversed.

    Bindings:
        up, k / down, j: Move the cursor to the previous / next token.
        home, g / end, G: Go to the first / last token.
        pageup / pagedown: Move the cursor by one page.
        w: Show whitespace as marks or as plain spaces (for the whole app).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        *TokenPane.BINDINGS,  # listed again: the help screen shows each class's own BINDINGS
        Binding("w", "app.toggle_whitespace", "Whitespace", id="token_table.whitespace"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "token-table--header",
        "token-table--number",
        "token-table--note",
        "token-table--beyond",
    }
    """
    | Class | Description |
    | :- | :- |
    | `token-table--header` | The column names. |
    | `token-table--number` | The position, id and bytes columns. |
    | `token-table--note` | The "◐ part of …" and "← …" notes after a piece. |
    | `token-table--beyond` | Rows of tokens past the context. |

    The cursor row is drawn in `line-view--cursor`.
    """

    DEFAULT_CSS = """
    TokenTable {
        & > .token-table--header { color: $text-muted; text-style: bold; }
        & > .token-table--number { color: $text-muted; }
        & > .token-table--note { color: $text-warning; }
        & > .token-table--beyond { color: $text-disabled; }
    }
    """

    header_lines = HEADER

    def __init__(self, message: str = "", **kwargs: Any) -> None:
        """Create an empty table showing `message`; `kwargs` are `LineView`'s (name, id, ...)."""
        super().__init__(message, **kwargs)
        self._position_width = 1
        self._id_width = 2
        self._bytes_width = 5
        self._hide_positions = False  # a lesson asks how many tokens: the last row number would say

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
        self._bytes_width = max(3 * longest - 1, cell_len(self.app.strings.say("bytes")))
        super().show_result(result)

    def relayout(self) -> None:
        """Size the scroll area: a header line, then one line per token."""
        self.set_extent(self.cursor_count, self.scrollable_content_region.width)
        super().relayout()

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

    def conceal(self, question: str | None) -> None:
        """While a question asks how many tokens there are, the rows are not numbered."""
        hide = question == "token_count"
        if hide != self._hide_positions:
            self._hide_positions = hide
            self.refresh()

    def line_key(self, line: int, width: int) -> tuple | None:
        """The header's columns, or what a token's row shows: the token, the characters its
        note is made of, whether it is past the context, whether the cursor is on it."""
        if self._result is None or line >= self.cursor_count:
            return None
        columns = self._columns(width)
        if line < 0:
            return ("header", columns)
        tokens = self._result.tokens
        spans = tokens.char_spans
        start, end = spans[line].tolist()
        split_before = line > 0 and int(spans[line - 1, 1]) > start
        split_after = line + 1 < len(spans) and int(spans[line + 1, 0]) < end
        return (
            line,
            columns,
            self._hide_positions,
            tokens.encoding,
            int(tokens.ids[line]),
            tokens.piece(line),
            tokens.text[start:end],
            bool(tokens.partial[line]),
            split_before,
            split_after,
            line >= self._result.n_used,
            line == self.selected,
        )

    def draw_line(self, line: int, width: int) -> Strip:
        """The header (line -1) or one token row."""
        return self._render_header(width) if line < 0 else self._render_row(line, width)

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
        say = self.app.strings.say
        names = [
            "#".rjust(position),
            fit_left(say("piece"), piece),
            "id".rjust(token_id),
            fit_left(say("bytes"), raw),
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
            cursor = self.rich_style + REVERSE if self._mono else get("line-view--cursor")
            plain = number = note_style = cursor
        elif row >= self._result.n_used:
            plain = number = note_style = get("token-table--beyond")
        else:
            plain = self.rich_style
            number, note_style = get("token-table--number"), get("token-table--note")
        columns = [
            [(("·" if self._hide_positions else str(row)).rjust(position), number)],
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
            part = self.app.strings.say("part of '{source}'", source=source)
            notes = [f" ◐ {part}", f" ◐ '{source}'", " ◐"]
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
