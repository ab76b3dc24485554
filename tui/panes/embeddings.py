"""The embeddings pane: the embeddings table above a panel (toggled with `o`) that shows
multiplying a one-hot vector by the token table gives the looked-up row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widget import Widget

from engine.analysis.one_hot import one_hot_lookup
from tui.formatting.pieces import visible_piece
from tui.i18n.strings import UiStrings, strings_of
from tui.messages import TokenSelected
from tui.panes.base import Pane
from tui.panes.one_hot_matrix import fits_whole, matrix_lines
from tui.views.embeddings_table import CELL, EmbeddingsTable, numbers_in

if TYPE_CHECKING:
    from engine.pipeline.results import PipelineResult

COMPACT_BELOW = 20
"""Pane heights (lines) below which the one-hot panel takes three lines instead of six."""


class OneHotPanel(Widget):
    """The selected token's one-hot vector times the token table, beside the table's row.

    Shows that an embedding lookup is a matrix product: the product, and its comparison with the
    row by `np.array_equal`, are computed by `engine.analysis.one_hot.one_hot_lookup`.
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
        self._hot = 0  # the table row (and the one-hot's 1): the id, or its row in a compact vocabulary
        self._table_shape = (0, 0)
        self._one_hot = np.zeros(0)
        self._product = np.zeros(0)
        self._row = np.zeros(0)
        self._identical = False
        self._rotary = False
        self._example = False
        self._whole: PipelineResult | None = None  # a vocabulary small enough to draw whole
        self.hide_rows = False  # a lesson asks how many rows the table has: its size is not shown
        self._shown: tuple[object, int] | None = None

    @property
    def _strings(self) -> UiStrings:
        """The app's words in the learner's language; English in a test's own host app."""
        return strings_of(self.app)

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
        if self._shown is not None and self._shown[0] is result and self._shown[1] == index:
            return
        self._shown = (result, index)
        table = result.embedded.token_table
        token_id = int(result.tokens.ids[index])
        # A tiny model's table has a row per id of its corpus, and <|unk|> (the last) for the rest.
        hot = result.embedded.row_of(token_id)
        hot = table.shape[0] - 1 if hot is None else hot
        lookup = one_hot_lookup(hot, table)
        self._one_hot, self._product, self._row = lookup.one_hot, lookup.product, lookup.row
        self._identical = lookup.identical
        self._rotary = result.embedded.positions == "rotary"
        self._example = result.example is not None
        self._whole = result if fits_whole(result) else None
        self._index = index
        self._piece = visible_piece(result.tokens.piece(index))
        self._token_id, self._hot = token_id, hot
        self._table_shape = (int(table.shape[0]), int(table.shape[1]))
        self.refresh(layout=True)

    def _one_hot_text(self) -> Text:
        """The one-hot vector drawn compactly: its ends and its 1, with "…" between."""
        one = self.get_component_rich_style("one-hot-panel--one", partial=True)
        vocab = len(self._one_hot)
        shown = sorted({0, 1, self._hot, vocab - 2, vocab - 1} & set(range(vocab)))
        text = Text("[")
        previous = -1
        for index in shown:
            if previous >= 0:
                text.append(" … " if index > previous + 1 else " ")
            value = format(self._one_hot[index], "g")
            text.append(value, one if index == self._hot else "")
            previous = index
        text.append("]")
        return text

    def _vector_lines(self, width: int) -> tuple[Text, Text]:
        """The product and the table row, brackets aligned, with as many numbers as fit."""
        label = self.get_component_rich_style("one-hot-panel--label", partial=True)
        prefixes = ("= ", self._strings.say("table row {row}: ", row=self._hot))
        prefix_width = max(cell_len(prefix) for prefix in prefixes)
        dim = len(self._row)
        if prefix_width + 2 + CELL * dim - 1 <= width:
            count, more = dim, ""
        else:
            count, more = max(1, (width - prefix_width - 4 + 1) // CELL), " …"
        lines = []
        for prefix, vector in zip(prefixes, (self._product, self._row), strict=True):
            line = Text(" " * (prefix_width - cell_len(prefix)) + prefix, label)
            line.append(f"[{numbers_in(vector[:count])}{more}]")
            lines.append(line)
        return lines[0], lines[1]

    def render(self) -> Text:
        """Six lines: the token, the one-hot vector, × the table, = the product, the row, ✓.

        In compact mode, three: the token and the product written as one line, = the product,
        and ✓ naming the row it equals.
        """
        label = self.get_component_rich_style("one-hot-panel--label", partial=True)
        if self._whole is not None and not self.compact and not self.hide_rows:
            one = self.get_component_rich_style("one-hot-panel--one", partial=True)
            lines = matrix_lines(self._whole, self._index, label, one, self.size.width - 2, self._strings)
            for line in lines:
                line.truncate(max(self.size.width, 1), overflow="ellipsis")
            return Text("\n").join(lines)
        say = self._strings.say
        vocab, dim = self._table_shape
        vocab = "?" if self.hide_rows else vocab
        own_row = say(", row {row} of the model's own vocabulary", row=self._hot)
        row = own_row if self._hot != self._token_id else ""
        token = Text.assemble(
            say("token {index} ", index=self._index), (self._piece, "bold"), f" → id {self._token_id}{row}"
        )
        one_hot = Text.assemble(
            (say("one-hot (1 × {vocab}) ", vocab=vocab), label),
            self._one_hot_text(),
            (say("  1 at index {index}", index=self._hot), label),
        )
        table_shape = say("× token table ({vocab} × {dim})", vocab=vocab, dim=dim)
        table = Text(table_shape, label)
        product, row = self._vector_lines(self.size.width)
        if self._identical:
            verdict = Text(say("✓ identical"), self.get_component_rich_style("one-hot-panel--identical"))
        else:
            verdict = Text(say("✗ different"), self.get_component_rich_style("one-hot-panel--different"))
        example = say(" · a worked example adds no position vector: this row is the input")
        if self.compact:
            product = product[product.plain.index("=") :]
            verdict.append(say(" to table row {row} (np.array_equal)", row=self._hot), label)
            if self._rotary:
                verdict.append(say(" · rotary: no position vector is added, this row is the input"), label)
            elif self._example:
                verdict.append(example, label)
            one_hot = Text.assemble(
                f"id {self._token_id} ",
                (say("one-hot (1 × {vocab}) ", vocab=vocab), label),
                self._one_hot_text(),
                (f" {table_shape}", label),
            )
            lines = [one_hot, product, verdict]
        else:
            verdict.append(say(" (np.array_equal of product and row)"), label)
            if self._rotary:
                verdict.append(say(" · a rotary model adds no position vector: this row is the input"), label)
            elif self._example:
                verdict.append(example, label)
            lines = [token, one_hot, table, product, row, verdict]
        for line in lines:
            line.truncate(max(self.size.width, 1), overflow="ellipsis")
        return Text("\n").join(lines)


class EmbeddingsPane(Pane, Vertical):
    """Token vectors + position vectors = input vectors, with the one-hot lookup below.

    A rotary model adds no position vector: the table and the panel say so, and its input vectors
    are its token vectors.

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
        self, message: str = "", *, palette: str = "rdbu", mono: bool = False, **kwargs: Any
    ) -> None:
        """Create an empty pane.

        Args:
            message: What to show until `show_result` is called.
            palette: A name from `themes.palettes.PALETTES` (see `EmbeddingsTable.set_palette`).
            mono: Plain numbers and shade characters instead of colours.
            **kwargs: The container's (name, id, classes, disabled).
        """
        super().__init__(**kwargs)
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

    def conceal(self, question: str | None) -> None:
        """While a question asks how many rows the token table has, the panel does not say."""
        hide = question == "table_rows"
        if hide != self.panel.hide_rows:
            self.panel.hide_rows = hide
            self.panel.refresh(layout=True)

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
        self.post_message(TokenSelected(message.row, self))

    def _update_panel(self) -> None:
        """Show the panel for the selected token when it is on and there are vectors."""
        shown = self.one_hot and self._result is not None and self.table.tokens > 0
        self.set_class(shown, "-one-hot")
        if shown:
            assert self._result is not None
            self.panel.show_token(self._result, self.table.cursor)
