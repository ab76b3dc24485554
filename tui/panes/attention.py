"""The attention pane: the heatmap of one head, a line describing the selected cell, and the
selected query's strongest keys as bars."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, ClassVar

import numpy as np
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.widgets import Static

from engine.analysis.attention_stats import head_weights, top_keys
from engine.analysis.head_groups import kv_group
from engine.analysis.scaling import head_size
from tui.formatting.pieces import PieceLabels, visible_piece
from tui.i18n.strings import UiStrings, marked
from tui.panes.base import Pane
from tui.panes.cell_arithmetic import arithmetic_lines
from tui.panes.example_tables import table_lines, tables
from tui.views.heatmap import AttentionHeatmap
from tui.views.plain_lines import PlainLines

if TYPE_CHECKING:
    from engine.pipeline.results import PipelineResult

BLOCKS = " ▏▎▍▌▋▊▉█"


def bar(fraction: float, width: int) -> str:
    """A horizontal bar `fraction` of `width` cells long, with eighth-cell resolution."""
    eighths = round(max(0.0, min(1.0, fraction)) * width * 8)
    full, rest = divmod(eighths, 8)
    return ("█" * full + (BLOCKS[rest] if rest else "")).ljust(width)


HIDES_BARS = ("most_attended", "visible_keys")
"""Lesson questions the panel beside the heatmap would answer: it is hidden while one is open."""
HIDDEN_BARS = marked(
    "(hidden until you answer: the bars, the arithmetic and the tables would give it away. "
    "Read the heatmap, then press 1-4.)"
)
"""What the panel beside the heatmap says while a question it would answer is open."""


def hidden_bars(strings: UiStrings, width: int) -> list[str]:
    """`HIDDEN_BARS` in the learner's language, in lines of `width` cells (Japanese at phrases)."""
    said = strings.say(HIDDEN_BARS)
    if strings.language == "ja":
        return strings.broken_for(said, width).split("\n")
    return textwrap.wrap(said, width)


class AttentionPane(Pane, Vertical):
    """Attention weights of the selected head, with the switches that change them.

    Bindings:
        m: Toggle the causal mask (recomputes).
        s: Toggle dividing scores by √(head size) (recomputes).
        ], [: Next / previous head.
        a: Average over heads, or back to one head.
        c: The arithmetic of the selected cell: q·k, ÷√d, the row's softmax, Σ weight × value.
        P, M, W, D: on a worked example (F10), the book's projection, multi-head class, d_out and
            dropout (`tui.example_actions`); x: the book's tables (scores, weights, context).
        }, {: Next / previous layer (with a model; recomputes).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "app.toggle_causal", "Causal mask", id="attention.causal"),
        Binding("s", "app.toggle_scaled", "√d scaling", id="attention.scaled"),
        Binding("right_square_bracket", "next_head", "Next head", id="attention.next_head", key_display="]"),
        Binding(
            "left_square_bracket", "previous_head", "Prev head", id="attention.previous_head", key_display="["
        ),
        Binding("a", "toggle_average", "Average heads", id="attention.average"),
        Binding("c", "toggle_arithmetic", "Cell arithmetic", id="attention.arithmetic"),
        Binding("x", "toggle_tables", "Book's tables", id="attention.tables"),
        Binding("P", "app.next_projection", "Projection", id="attention.projection"),
        Binding("M", "app.next_multihead", "Multi-head", id="attention.multihead"),
        Binding("W", "app.next_d_out", "d_out", id="attention.d_out"),
        Binding("D", "app.next_dropout", "Dropout", id="attention.dropout"),
        Binding(
            "right_curly_bracket",
            "app.change_layer(1)",
            "Next layer",
            id="attention.next_layer",
            key_display="}",
        ),
        Binding(
            "left_curly_bracket",
            "app.change_layer(-1)",
            "Prev layer",
            id="attention.prev_layer",
            key_display="{",
        ),
    ]
    DEFAULT_CSS = """
    AttentionPane { height: 1fr; }
    AttentionPane #attention-info {
        height: 1; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis;
    }
    AttentionPane #attention-bars {
        width: 44; height: 1fr; padding: 0 1; border-left: vkey $panel;
    }
    AttentionPane.-arithmetic #attention-bars { width: 62; }
    AttentionPane.-tables #attention-bars { width: 64; }  /* 6 numbers of 8 and a label */
    /* Narrow (a lesson panel beside it, a small terminal): the bars, the arithmetic or the
       tables go under the heatmap, whose cursor they follow; the bars take a few lines only. */
    AttentionPane.-narrow #attention-body { layout: vertical; }
    AttentionPane.-narrow #attention-bars {
        width: 1fr; height: 8; max-height: 45%; padding: 0; border-left: none; border-top: hkey $panel;
    }
    AttentionPane.-narrow.-arithmetic #attention-bars { height: 1fr; }
    AttentionPane.-narrow.-short #attention-bars { display: none; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.result: PipelineResult | None = None
        self.head = 0
        self.average = False
        self.arithmetic = False  # the selected cell's arithmetic instead of the top keys
        self.tables = False  # on a worked example: the book's tables instead of the top keys
        self.first_table = 0  # which of them comes first (x steps through them)
        self._question: str | None = None  # an open lesson question whose answer the pane hides
        self.query_index = 0
        self.key = 0
        self._pending_key: int | None = None
        self._labels = PieceLabels()

    def compose(self) -> ComposeResult:
        # Plain text, not markup: pieces may hold "[", and parsing cost ~5 ms a frame.
        yield Static("", id="attention-info", markup=False)
        with Horizontal(id="attention-body"):
            yield AttentionHeatmap("waiting for the first result…", id="heatmap")
            yield PlainLines(id="attention-bars")

    @property
    def heatmap(self) -> AttentionHeatmap:
        return self.query_one(AttentionHeatmap)

    @property
    def focus_target(self) -> AttentionHeatmap:
        return self.heatmap

    def on_resize(self, event: events.Resize) -> None:
        self.fit(event.size)  # the event's size: the widget's own may be the one before this layout

    def fit(self, size: Size) -> None:
        """Below 90 columns the bars (or the arithmetic, the tables) go under the heatmap; below
        10 lines they go, and the info line (which leads with the cell's weight) says enough."""
        self.set_class(size.height < 10, "-short")
        if self.has_class("-narrow") == (size.width < 90):
            return
        self.set_class(size.width < 90, "-narrow")
        if self.result is not None and self.result.n_used:
            self._describe()

    def show_message(self, message: str) -> None:
        self.result = None
        self.heatmap.clear_matrix(message)
        self.query_one("#attention-info", Static).update("", layout=False)
        self.query_one("#attention-bars", PlainLines).set_lines(())

    def set_palette(self, palette_name: str, mono: bool) -> None:
        self.heatmap.set_palette(palette_name, mono)

    def show_result(self, result: PipelineResult) -> None:
        self.result = result
        self.head = min(self.head, result.attention.heads - 1)
        if result.n_used == 0:
            self.show_message(self.app.strings.say("no tokens: type some text"))
            return
        if self._pending_key is not None:
            self.key, self._pending_key = self._pending_key, None
        if self.tables and result.example is None:
            self.show_arithmetic(False)  # the tables are an example's: back to the bars on text
        self.query_index = min(self.query_index, result.n_used - 1)
        self.key = min(self.key, result.n_used - 1)
        self._draw_matrix()

    def _draw_matrix(self) -> None:
        result = self.result
        assert result is not None
        labels = self._labels.of(result.tokens, result.n_used)
        self.heatmap.set_matrix(self.shown_weights(), result.attention.mask, labels)
        self.heatmap.cursor = (self.query_index, self.key)
        self._describe()

    def select_token(self, index: int | None) -> None:
        if self.result is None or index is None or index >= self.result.n_used:
            return
        self.query_index = index
        self.heatmap.cursor = (index, self.key)

    def highlight_key(self, key: int | None) -> None:
        """With the next result, put the cell cursor on key column `key` (a lesson step shows a
        masked cell); None: the key column stays where it is."""
        self._pending_key = key

    def select_cell(self, query: int, key: int) -> None:
        """Put the cell cursor on (query, key) of the result on show."""
        self.key = key
        self.select_token(query)

    @on(AttentionHeatmap.CellSelected)
    def _cell_selected(self, event: AttentionHeatmap.CellSelected) -> None:
        event.stop()
        if (event.row, event.col) != self.heatmap.cursor:
            # Posted before a newer move (a new matrix, then the app's selection): acting on it
            # would send the selection back to where it was.
            return
        moved_row = event.row != self.query_index
        self.query_index, self.key = event.row, event.col
        self._describe()
        if moved_row:
            self.announce_selection(event.row)

    def head_for(self, result: PipelineResult) -> int:
        """The head this pane shows, clamped to `result`'s heads: a pane in a hidden tab keeps an
        older result's head until it is shown, so callers acting on the app's latest result (export)
        ask with that result."""
        return max(0, min(self.head, result.attention.heads - 1))

    def shown_weights(self) -> np.ndarray:
        """(T, T) weights of the shown head, or their mean over heads."""
        return head_weights(self.result.attention.weights, None if self.average else self.head)

    def conceal(self, question: str | None) -> None:
        """The bars (and the arithmetic, the tables) rank the keys and count them: hidden while a
        question about the most-weighted or the visible keys is open; √d while one about d is."""
        if question != self._question:
            self._question = question
            result = self.result
            # A step may have chosen a head the next result has and this one lacks: it describes then.
            if result is not None and result.n_used and self.head < result.attention.heads:
                self._describe()

    def show_arithmetic(self, on: bool, tables: bool = False) -> None:
        """Show the selected cell's arithmetic (True) or the query's top keys (False) beside the map;
        `tables`: a worked example's tables instead (`tui.panes.example_tables`)."""
        self.arithmetic, self.tables = on and not tables, tables
        self.set_class(on or tables, "-arithmetic")
        self.set_class(tables, "-tables")
        if self.result is not None and self.result.n_used:
            self._describe()
            # The panel changes size with the class: fit the lines to it once it is laid out.
            self.call_after_refresh(self._describe)

    def action_toggle_arithmetic(self) -> None:
        self.show_arithmetic(not self.arithmetic)

    def action_toggle_tables(self) -> None:
        """The book's tables, then each next one first (a small panel holds one), then the bars."""
        if not self.tables or self.result is None or self.result.example is None:
            self.first_table = 0
            self.show_arithmetic(False, tables=True)
            return
        self.first_table += 1
        if self.first_table >= len(tables(self.result, self.head_for(self.result))):
            self.show_arithmetic(False)
        else:
            self._describe()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`x` only on a worked example (its tables are small enough to print)."""
        if action == "toggle_tables":
            return self.result is not None and self.result.example is not None
        return True

    def action_toggle_average(self) -> None:
        self.average = not self.average
        if self.result is not None and self.result.n_used:
            self._draw_matrix()

    def action_next_head(self) -> None:
        self._change_head(+1)

    def action_previous_head(self) -> None:
        self._change_head(-1)

    def _change_head(self, step: int) -> None:
        if self.result is None or self.result.n_used == 0:
            return
        if self.result.attention.heads == 1:
            say = self.app.strings.say
            if self.result.example is not None:
                self.notify(say("one head only: M gives the example more heads"), timeout=3)
            else:
                self.notify(say("one head only: --heads sets more"), timeout=3)
            return
        self.head = (self.head + step) % self.result.attention.heads
        self.average = False
        self._draw_matrix()

    def _describe(self) -> None:
        result = self.result
        if result is None or result.n_used == 0:
            return
        attention = result.attention
        head_dim = head_size(result)
        q, k = self.query_index, self.key
        piece = result.tokens.piece
        weight = float(self.shown_weights()[q, k])
        masked = bool(attention.mask[q, k])
        say = self.app.strings.say
        shown_dim = "?" if self._question == "head_dim" else head_dim
        scaling = say("scores ÷ √{dim}", dim=shown_dim) if attention.scaled else say("scores not scaled")
        cell = f"q#{q} {visible_piece(piece(q))!r} → k#{k} {visible_piece(piece(k))!r}: "
        cell += say("masked (0)") if masked else f"{weight:.4f}"
        if self.average:
            heads = say("mean of {count} heads", count=attention.heads)
        else:
            heads = say("head {head} of {count}", head=self.head, count=attention.heads)
        kv_heads = None if result.model is None else result.model.kv_heads
        if not self.average and kv_heads is not None and kv_heads < attention.heads:
            shared = kv_group(self.head, attention.heads, kv_heads)
            heads += say(
                " · shares K/V head {kv} of {kv_heads} with heads {first}–{last}",
                kv=shared.kv_head,
                kv_heads=kv_heads,
                first=shared.first,
                last=shared.last,
            )
        causal = say("causal mask on") if attention.causal else say("causal mask off")
        # Numbered from 0, as PyTorch, the book, `inspect` and the exports number them.
        layer = say("layer {layer} of {layers}", layer=attention.layer, layers=attention.layers)
        switches = f"{layer} · {heads} · {causal} · {scaling}"
        # Narrow, the line is cut at the edge: the cell's weight, what the cursor asks, comes first.
        line = f"{cell} · {switches}" if self.has_class("-narrow") else f"{switches} · {cell}"
        self.query_one("#attention-info", Static).update(line, layout=False)
        # A fixed-size line: repaint it without a layout pass over the whole screen.
        panel = self.query_one("#attention-bars", PlainLines)
        height = panel.size.height or 30  # not laid out yet: a tab just shown (redrawn on resize)
        if self._question in HIDES_BARS:
            panel.set_lines(hidden_bars(self.app.strings, panel.content_size.width or 40))
        elif self.tables and result.example is not None:
            head = None if self.average else self.head
            width = panel.content_size.width or 60
            panel.set_lines(table_lines(result, head, q, width, height, self.first_table, self.app.strings))
        elif self.arithmetic:
            head = None if self.average else self.head
            panel.set_lines(arithmetic_lines(result, head, q, k, height, self.app.strings))
        else:
            panel.set_lines(self._bars(q))

    def _bars(self, query: int) -> list[str]:
        result = self.result
        assert result is not None
        weights = self.shown_weights()[query, : result.n_used]
        visible = max(1, self.query_one("#attention-bars").size.height - 2)
        top = top_keys(weights, visible)
        say = self.app.strings.say
        lines = [
            say(
                "query #{query} {piece}: top keys",
                query=query,
                piece=repr(visible_piece(result.tokens.piece(query))[:16]),
            )
        ]
        for key, weight in zip(top.keys.tolist(), top.weights.tolist(), strict=True):
            label = visible_piece(result.tokens.piece(key))[:8]
            lines.append(f"{key:>4} {label:<8} {bar(weight, 18)} {weight:.3f}")
        shown = len(lines) - 1
        if shown < top.attended and result.attention.dropout_scale is not None:
            lines.append(
                say(
                    "({shown} of {keys} keys; after dropout a row sums to more or less than 1)",
                    shown=shown,
                    keys=top.attended,
                )
            )
        elif shown < top.attended:
            lines.append(
                say(
                    "({shown} of {keys} keys; entropy {entropy} bits)",
                    shown=shown,
                    keys=top.attended,
                    entropy=f"{top.entropy:.2f}",
                )
            )
        return lines
