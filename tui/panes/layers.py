"""The Layers tab: what each layer of a loaded model "thinks" the next token is, and how the
residual stream grows, for the whole text.

Left, the map (`LensMapView`): each position × layer cell is that layer's top-1 next token.
Right, for the selected position, one line per layer: the logit lens (its top-1 and probability,
the probability and rank there of the model's own top-1, the entropy) and the residual stream
(its norm, and the norms of what the block's attention and MLP add). Under them, the top tokens
of the layer under the cursor.

Reading a layer out costs a product with the (V, C) output head, so it runs in this pane's
worker: the selected position's lens, and the map's visible cells that are not known yet. After
an edit, the cells of the positions before the first changed token are kept (the model is causal).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np
from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Static

from tui.formatting.layers import layer_name
from tui.formatting.pieces import PieceLabels, visible_piece
from tui.formatting.status import example_has_no_model
from tui.i18n.strings import marked
from tui.latest_run import LatestRun
from tui.panes.base import Pane
from tui.views.lens_map import Cells, LensMapView
from tui.views.plain_lines import PlainLines
from tui.views.text_wrap import fit_left

if TYPE_CHECKING:
    from engine.analysis.lens import Lens
    from engine.pipeline.results import PipelineResult

NO_MODEL = marked(
    "The Layers tab reads a model's layers, and random weights have no output head to read them "
    "with: press F6 to open a model (GPT-2, Llama, Qwen, Mistral) or F7 to train a tiny one."
)
TOP_K = 5
ROWS_PER_READ = 8
COLUMN_STARTS = (0, 7, 17, 25, 34, 43, 50, 60, 68)
"""Where the table's column names start (in cells), one for each name in its "|"-separated header."""


@dataclass(frozen=True)
class _Request:
    """Read out `cells` of `result`'s map, and the lens at `position` unless `lens` already is it."""

    result: PipelineResult
    position: int
    cells: tuple[tuple[int, int], ...]
    lens: Lens | None = None
    serial: int = 0  # which request this is: a run stops reading once a newer one was made


def row_runs(rows: list[int], longest: int) -> list[tuple[int, int]]:
    """Sorted distinct `rows` as (start, stop) runs of consecutive rows, each at most `longest` long."""
    runs: list[tuple[int, int]] = []
    for row in sorted(set(rows)):
        if runs and runs[-1][1] == row and row - runs[-1][0] < longest:
            runs[-1] = (runs[-1][0], row + 1)
        else:
            runs.append((row, row + 1))
    return runs


def _bar(value: float, largest: float, width: int = 6) -> str:
    filled = 0 if largest <= 0 else round(width * value / largest)
    return ("█" * filled).ljust(width)


def _prob(p: float) -> str:
    return f"{p:6.1%}" if p >= 0.001 else f"{p:6.0e}"


def column_names(names: str) -> str:
    """The "|"-separated column `names` (in any language), each at its `COLUMN_STARTS` cell, or one
    space after the name before it where that one is wider (Japanese characters take two cells)."""
    line = ""
    for start, name in zip(COLUMN_STARTS, names.split("|"), strict=False):
        line += " " * max(start - cell_len(line), 1 if line else 0) + name
    return line


class LayersPane(Pane, Vertical):
    """The logit lens, the map of every position's per-layer top-1, and the residual stream.

    Bindings: the map's cell cursor (arrows, h j k l, home/end, g/G, page keys): up and down
    select another token everywhere; left and right choose the layer whose top tokens are listed.
    """

    reads_deeper_layers: ClassVar[bool] = True  # predictions / the residual stream

    BINDINGS: ClassVar[list[BindingType]] = []
    DEFAULT_CSS = """
    LayersPane { height: 1fr; }
    LayersPane #layers-info { height: 1; color: $text-muted; }
    LayersPane #layers-table { width: 76; height: 1fr; padding: 0 1; border-left: vkey $panel; }
    /* Narrow (a lesson panel beside it, a small terminal): the table goes under the map. */
    LayersPane.-narrow #layers-body { layout: vertical; }
    LayersPane.-narrow #layers-table { width: 1fr; padding: 0; border-left: none; border-top: hkey $panel; }
    """

    class Computed(Message):
        """Run `number` of the worker read out a lens and cells (None: it failed)."""

        def __init__(
            self, number: int, request: _Request, lens: Lens | None, cells: Cells | None, done: bool = True
        ):
            super().__init__()
            self.number, self.request, self.lens, self.cells = number, request, lens, cells
            self.done = done  # False: part of the run's cells; more follow

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.result: PipelineResult | None = None
        self.lens: Lens | None = None
        self._cells: Cells = {}
        self._labels = PieceLabels()
        self._runs: LatestRun[_Request] = LatestRun(self._start)
        self._requests = 0  # requests made so far (`_Request.serial` of the newest)

    def compose(self) -> ComposeResult:
        yield Static("", id="layers-info", markup=False)
        with Horizontal(id="layers-body"):
            yield LensMapView(self.app.strings.say("waiting for the first result…"), id="lens-map")
            yield PlainLines(id="layers-table")

    @property
    def map(self) -> LensMapView:
        return self.query_one(LensMapView)

    @property
    def focus_target(self) -> LensMapView:
        return self.map

    @property
    def position(self) -> int:
        return self.map.cursor[0]

    @property
    def layer(self) -> int:
        """The map cursor's layer: 0 the embeddings, l the stream after block l - 1."""
        return self.map.cursor[1]

    # The pane contract

    @property
    def busy(self) -> bool:
        return self._runs.busy

    def _set_narrow(self) -> None:
        # A hidden tab has no size: the app's width is the pane's, near enough, until it has one.
        width = self.size.width or self.app.size.width
        self.set_class(width < 110, "-narrow")

    def on_show(self) -> None:
        self._set_narrow()

    def on_resize(self) -> None:
        self._set_narrow()
        # After the layout the new size gives the map: the columns it shows now.
        self.call_after_refresh(self._request)
        if self.result is not None:
            self.call_after_refresh(self._draw_table)

    def show_message(self, message: str) -> None:
        self._set_narrow()
        self.result, self.lens, self._cells = None, None, {}
        self.map.clear_grid(message)
        self.query_one("#layers-info", Static).update("")
        self.query_one("#layers-table", PlainLines).set_lines(())

    def show_result(self, result: PipelineResult) -> None:
        if result.stream is None or result.next_token is None:
            say = self.app.strings.say
            self.show_message(say(NO_MODEL) if result.example is None else example_has_no_model(result, say))
            return
        if result.n_used == 0:
            self.show_message(self.app.strings.say("no tokens: type some text"))
            return
        self._set_narrow()
        self._cells = self._kept_cells(self.result, result)
        self.result = result
        labels = [f"{i:>4} {label}" for i, label in enumerate(self._labels.of(result.tokens, result.n_used))]
        self.map.set_grid(labels, result.stream.blocks + 1, self._cells)
        self.lens = None  # the selected position's lens is read again (its row may have changed)
        self._draw_table()
        self._request()

    def select_token(self, index: int | None) -> None:
        if self.result is None or index is None or index >= self.result.n_used:
            return
        self.map.place_cursor((index, self.layer))
        self._request()

    def set_palette(self, palette_name: str, mono: bool) -> None:
        self.map.set_palette(palette_name, mono)

    @on(LensMapView.CursorMoved)
    def _cursor_moved(self, message: LensMapView.CursorMoved) -> None:
        message.stop()
        if self.result is None:
            return
        if self.lens is None or self.lens.position != message.row:
            self.announce_selection(message.row)
            self._draw_table()  # "reading…" for the new position at once, not the old one's lens
            self._request()
        else:
            self._draw_table()

    def on_mount(self) -> None:
        self.map.watch(self.map, "scroll_y", lambda: self._request(), init=False)
        self.map.watch(self.map, "scroll_x", lambda: self._request(), init=False)

    # Computing

    @staticmethod
    def _same_model(old: PipelineResult, new: PipelineResult) -> bool:
        return (
            old.model is not None
            and new.model is not None
            and old.model.source == new.model.source
            and old.next_token is not None
            and new.next_token is not None
            and old.next_token.head is new.next_token.head
        )

    def _kept_cells(self, old: PipelineResult | None, new: PipelineResult) -> Cells:
        """The cells of `old` that `new` shares: positions before the first changed token."""
        from engine.pipeline.prefix import common_prefix

        if old is None or not self._same_model(old, new):
            return {}
        shared = common_prefix(old.tokens.ids[: old.n_used], new.tokens.ids[: new.n_used])
        return {cell: value for cell, value in self._cells.items() if cell[0] < shared}

    def _request(self) -> None:
        result = self.result
        if result is None or self.in_hidden_tab:
            return
        position = min(self.position, result.n_used - 1)
        missing = tuple(self.map.missing_cells())
        lens = self.lens if self.lens is not None and self.lens.position == position else None
        if lens is not None and not missing:
            return
        self._requests += 1
        self._runs.request(_Request(result, position, missing, lens, self._requests))

    def _start(self, request: _Request, number: int) -> None:
        # A request may have waited while cells arrived: read only what is still missing.
        cells = tuple(cell for cell in request.cells if cell not in self._cells)
        lens = self.lens if self.lens is not None and self.lens.position == request.position else None
        self._compute(dataclasses.replace(request, cells=cells, lens=lens or request.lens), number)

    @work(thread=True, exclusive=True, exit_on_error=False, group="layers", description="read out the layers")
    def _compute(self, request: _Request, number: int) -> None:
        from engine.analysis.lens import lens_at

        try:
            result = request.result
            assert result.stream is not None and result.next_token is not None
            lens = request.lens or lens_at(result.stream, result.next_token, request.position, TOP_K)
            # The lens holds every layer's top-1 at its position: that row of the map is free.
            cells = {
                (request.position, layer.layer): (
                    self._piece_of(result, layer.top[0].token_id),
                    layer.top[0].prob,
                )
                for layer in lens.layers
            }
            self.post_message(self.Computed(number, request, lens, cells, done=False))
            # A few rows at a time, so the map fills in as it goes (a 1B model's head is 128K × 2,048),
            # and a newer request (the user scrolled on) need not wait for cells no longer shown.
            wanted = [cell for cell in request.cells if cell not in cells]
            for start, stop in row_runs([row for row, _ in wanted], ROWS_PER_READ):
                if request.serial != self._requests:
                    break  # read from the main thread: an int, replaced whole
                part = [cell for cell in wanted if start <= cell[0] < stop]
                self.post_message(
                    self.Computed(number, request, lens, self._read_cells(result, part), done=False)
                )
        except Exception:
            self.post_message(self.Computed(number, request, None, None))
            raise
        self.post_message(self.Computed(number, request, lens, {}))

    @staticmethod
    def _piece_of(result: PipelineResult, token_id: int) -> str:
        from engine.tokenize.tokens import id_piece

        return visible_piece(id_piece(result.tokenizer.token_bytes, token_id))

    @classmethod
    def _read_cells(cls, result: PipelineResult, wanted: list[tuple[int, int]]) -> Cells:
        """The top-1 piece and probability of each cell in `wanted` (consecutive rows, the same
        layers), read in one rectangle."""
        from engine.analysis.lens import lens_map

        next_token = result.next_token
        assert result.stream is not None and next_token is not None
        rows = [row for row, _ in wanted]
        layers = [layer for _, layer in wanted]
        start, stop = min(rows), max(rows) + 1
        read = lens_map(result.stream, next_token, start, stop, range(min(layers), max(layers) + 1))
        cells: Cells = {}
        chosen = set(wanted)
        for index, layer in enumerate(read.layers):
            for offset in range(stop - start):
                if (start + offset, layer) in chosen:
                    piece = cls._piece_of(result, next_token.token_id(int(read.rows[index, offset])))
                    cells[(start + offset, layer)] = (piece, float(read.probs[index, offset]))
        return cells

    @on(Computed)
    def _computed(self, message: Computed) -> None:
        message.stop()
        if not message.done:
            if message.request.result is self.result and message.lens is not None:
                self._show_read(message)
            return
        newest = self._runs.finished(message.number)
        if message.request.result is not self.result:
            if newest:
                self._request()
            return  # computed for an older result
        if message.lens is None:
            failed = self.app.strings.say("reading the layers failed (an internal error; see the log)")
            self.query_one("#layers-info", Static).update(failed)
            self.query_one("#layers-table", PlainLines).set_lines((failed,))
        else:
            self._show_read(message)
            if newest:
                self._request()  # the cursor or the scroll moved on meanwhile
        self.announce_update()

    def _show_read(self, message: Computed) -> None:
        assert self.result is not None and message.lens is not None
        if message.cells:
            self.map.add_cells(message.cells)  # the map holds `self._cells` itself
        if (
            message.lens.position == min(self.position, self.result.n_used - 1)
            and self.lens is not message.lens
        ):
            self.lens = message.lens
            self._draw_table()

    # Drawing

    def _piece(self, token_id: int) -> str:
        assert self.result is not None
        return self._piece_of(self.result, token_id)

    def _draw_table(self) -> None:
        result, lens = self.result, self.lens
        info = self.query_one("#layers-info", Static)
        table = self.query_one("#layers-table", PlainLines)
        if result is None or result.stream is None:
            return
        position = min(self.position, result.n_used - 1)
        piece = visible_piece(result.tokens.piece(position))
        say = self.app.strings.say
        if lens is None or lens.position != position:
            reading = say(
                "position {position} {piece}: reading each layer out…", position=position, piece=repr(piece)
            )
            info.update(reading, layout=False)
            table.set_lines((say("reading each layer out…"),))
            return
        final = lens.final.top[0]
        layer = lens.layers[min(self.layer, len(lens.layers) - 1)]
        top = "  ".join(f"{self._piece(t.token_id)!r} {_prob(t.prob).strip()}" for t in layer.top)
        info.update(
            say(
                "position {position} {piece} · the model's top-1 {top1} {p} · {layer}: {top}",
                position=position,
                piece=repr(piece),
                top1=repr(self._piece(final.token_id)),
                p=_prob(final.prob).strip(),
                layer=layer_name(layer.layer),
                top=top,
            ),
            layout=False,
        )
        table.set_lines(
            self._table_lines(lens, position, piece, table.size.height or 200)
        )  # 0: not laid out yet

    def _table_lines(self, lens: Lens, position: int, piece: str, height: int) -> list[str]:
        """The lens and stream table at `position`; when the layers do not all fit in `height`
        lines, a window of them around the cursor's, and the norm bars only where there is room."""
        assert self.result is not None and self.result.stream is not None
        stream = self.result.stream
        residuals = np.linalg.norm(stream.at(position), axis=-1)
        added = stream.added_at(position)
        final = lens.final.top[0]
        say = self.app.strings.say
        head = [
            say(
                "logit lens at {position} {piece}, the model's top-1 {top1}:",
                position=position,
                piece=repr(piece),
                top1=repr(self._piece(final.token_id)),
            ),
            say("read through the final norm and head · model's: p, rank of its top-1"),
            column_names(say("layer|top-1|p|model's|rank|H bits|‖stream‖|+attn|+mlp")),
        ]
        rows = []
        for row in lens.layers:
            best = row.top[0]
            mark = "▶" if row.layer == self.layer else " "
            norms = f"{residuals[row.layer]:8.2f}"
            if row.layer > 0:
                attention, mlp = added[row.layer - 1]
                norms += f" {attention:6.2f} {mlp:6.2f}"
            piece = fit_left(self._piece(best.token_id), 8)
            rows.append(
                f"{mark}{layer_name(row.layer):<5} {piece} {_prob(best.prob)}  "
                f"{_prob(row.final_top1_prob)} {row.final_top1_rank:>7,}  {row.entropy:6.2f} {norms}"
            )
        room = max(height - len(head), 1)
        if len(rows) > room:
            first = min(max(self.layer - room // 2, 0), len(rows) - room)
            rows = rows[first : first + room]
        lines = head + rows
        bars = [
            f" {layer_name(i):<5} {_bar(float(v), float(residuals.max()), 40)}"
            for i, v in enumerate(residuals)
        ]
        if len(lines) + 2 + len(bars) <= height:
            largest = f"{residuals.max():.1f}"
            lines += ["", say("‖stream‖ after each layer (largest {largest}):", largest=largest), *bars]
        return lines
