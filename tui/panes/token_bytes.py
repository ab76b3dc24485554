"""The bytes of the selected token: hex, the characters they come from, and mid-character cuts.

Shown beside the token table. Byte-level BPE works on UTF-8 bytes, so a token may hold only
part of a character (gpt2 cuts `ち`, e3 81 a1, into e3 81 and a1); this box says which bytes of
which character the selected token holds. It follows the pane contract like a tab's pane.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from engine.tokenize.token_bytes import TokenBytes, token_bytes_of
from tui.formatting.pieces import visible_piece
from tui.i18n.strings import UiStrings
from tui.panes.base import Pane

if TYPE_CHECKING:
    from engine.pipeline.results import PipelineResult

CHARS_SHOWN = 12
"""Characters of one token described; a longer token (a whole word or line) says how many more."""


def describe(
    detail: TokenBytes, marks: bool = True, strings: UiStrings | None = None, width: int = 0
) -> Text:
    """The byte view of one token as text (styles: bold, dim and reverse only, so mono works).

    Args:
        detail: What `engine.tokenize.token_bytes.token_bytes_of` returned.
        marks: Show whitespace as ·/↵/→ marks (else as plain spaces).
        strings: The learner's language (English by default).
        width: Cells of the box, to break a Japanese sentence at phrases (0: not broken).

    Returns:
        Lines: the token and id, its piece, its bytes in hex, one line per character it touches
        (code point, the character, its UTF-8 bytes with the token's own in brackets), then
        whether it starts or ends mid-character.
    """
    strings = strings or UiStrings("en")
    say = strings.say
    labels = [say("piece"), say("bytes")]
    label_width = max(cell_len(label) for label in labels) + 2
    piece_label, bytes_label = (label + " " * (label_width - cell_len(label)) for label in labels)
    size = len(detail.raw)
    text = Text()
    text.append(say("token {index}", index=detail.index), style="bold")
    text.append(f" · id {detail.token_id}\n")
    text.append(piece_label, style="dim")
    text.append(f"'{visible_piece(detail.piece, marks)}'\n")
    text.append(bytes_label, style="dim")
    text.append(detail.raw.hex(" ") or say("(none)"))
    text.append(
        "  " + say("({count} byte)" if size == 1 else "({count} bytes)", count=size) + "\n", style="dim"
    )
    if detail.stands_for_other_text:
        other = say("≠ these are the id's bytes, not those of the text below")
        text.append((strings.broken_for(other, width) if width > 0 else other) + "\n", style="italic")
    first, end = detail.char_span
    if end - first == 1:
        text.append(say("character {index}", index=first) + "\n", style="dim")
    elif end > first:
        text.append(say("characters {first}–{last}", first=first, last=end - 1) + "\n", style="dim")
    for char in detail.chars:
        text.append(f"  U+{char.code_point:04X} '{visible_piece(char.char, marks)}'  ")
        held_start, held_end = char.held
        if char.whole:
            text.append(char.utf8.hex(" "))
        else:
            before, held, after = (
                char.utf8[:held_start],
                char.utf8[held_start:held_end],
                char.utf8[held_end:],
            )
            if before:
                text.append(before.hex(" ") + " ", style="dim")
            text.append(f"[{held.hex(' ')}]", style="bold reverse")
            if after:
                text.append(" " + after.hex(" "), style="dim")
            held_of = say("{held} of {total} bytes", held=held_end - held_start, total=len(char.utf8))
            text.append("  " + held_of, style="dim")
        text.append("\n")
    if detail.chars_left_out:
        text.append(
            "  " + say("… and {count} more characters", count=detail.chars_left_out) + "\n", style="dim"
        )
    for label, flag in (
        (say("starts mid-character"), detail.starts_mid_char),
        (say("ends mid-character"), detail.ends_mid_char),
    ):
        text.append(f"{'◐' if flag else '·'} {label}: ")
        text.append(say("yes") + "\n" if flag else say("no") + "\n", style="bold" if flag else "dim")
    text.rstrip()
    return text


class TokenBytesView(Pane, VerticalScroll, can_focus=False):
    """The selected token's UTF-8 bytes and the characters they belong to.

    Updates when the selection moves (`select_token`). Styles are text styles only, so the view
    reads the same in mono and 16-colour terminals.
    """

    draws_whitespace = True

    DEFAULT_CSS = """
    TokenBytesView {
        width: 40%;
        max-width: 52;
        min-width: 30;
        height: 1fr;
        padding: 0 1;
        border-left: vkey $panel;
        background: $surface;
        & > #token-bytes-body { width: 1fr; }
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.result: PipelineResult | None = None
        self.selected: int | None = 0
        self.marks = True
        self.detail: TokenBytes | None = None
        self._message = ""  # what `show_message` shows, broken again for a new width

    def compose(self) -> ComposeResult:
        yield Static("", id="token-bytes-body")

    def on_resize(self) -> None:
        """A Japanese sentence is broken for the box's width: break it again."""
        self._redraw()

    def show_result(self, result: PipelineResult) -> None:
        """Describe the selected token of a new result."""
        self.result = result
        self._redraw()

    def show_message(self, message: str) -> None:
        """Show `message` instead of a token."""
        self.result = None
        self.detail = None
        self._message = message
        self._redraw()

    def select_token(self, index: int | None) -> None:
        """Describe token `index` (None: nothing selected)."""
        self.selected = index
        self._redraw()

    def set_whitespace(self, marks: bool) -> None:
        """Show whitespace as ·/↵/→ marks, or as plain spaces."""
        self.marks = marks
        self._redraw()

    def _redraw(self) -> None:
        result = self.result
        body = self.query_one(Static)
        if result is None:
            width = body.content_region.width
            said = self.app.strings.broken_for(self._message, width) if width > 0 else self._message
            body.update(Text(said, style="dim italic"))
            return
        tokens = result.tokens
        if self.selected is None or not len(tokens):
            self.detail = None
            body.update(Text(self.app.strings.say("no token selected"), style="dim italic"))
            return
        self.detail = token_bytes_of(tokens, min(self.selected, len(tokens) - 1), limit=CHARS_SHOWN)
        body.update(describe(self.detail, self.marks, self.app.strings, body.content_region.width))
