"""The Compare pane: one text under regex-unk, gpt2, cl100k_base and o200k_base, row under row.

The top lists each encoding's token count, characters per token and split characters (or the
error it raised, such as a refused special token), then how many token boundaries all
encodings share and where they differ. Below, the text is wrapped into blocks; each block
shows the same characters once per encoding, tokens on alternating backgrounds (plain and
underlined in mono), and a line of marks: `^` under a character where some encodings start a
token and others do not, `◐` under a character that byte-level BPE cut inside.

Tokenizing 1 MB four times takes about a second, so it runs in this pane's own thread worker,
one comparison at a time (`LatestRun`: the newest text waits for the running one, older
results are dropped), and only when the tab is shown (a hidden pane catches up when its tab
opens). Lines are drawn one at a time when they come on screen, like the token panes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
from rich.segment import Segment
from textual import on, work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.strip import Strip

from engine.tokenize.compare import COMPARED, Comparison, EncodedRow, compare
from engine.tokenize.registry import BPE_ENCODINGS
from tui.formatting.comparison import BOUNDARY_MARK, summary_lines
from tui.hints import app_hint
from tui.latest_run import LatestRun
from tui.panes.base import Pane
from tui.views.line_view import LineView
from tui.views.text_wrap import char_widths, fit_left, wrap_rows
from tui.views.token_text import REVERSE, TOKEN_TEXT_CLASSES, TokenStyles, token_text_css
from tui.views.vim import SCROLL_KEYS

if TYPE_CHECKING:
    from engine.pipeline.results import PipelineResult
    from engine.settings import Settings
    from engine.tokenize.tokens import TokenizedText

LABEL_CELLS = max(len(name) for name in COMPARED) + 1
"""The encoding names' column in the blocks (as `tui.formatting.comparison.label_cells` of a comparison)."""
SPLIT_MARK = "◐"
WAITING = "waiting for the first result…"
"""What the pane says before its first result (said in the learner's language once mounted)."""


class ComparePane(Pane, LineView):
    """The text under every compared encoding at once, with the places their boundaries differ.

    Bindings:
        ], [ (or right / l, left / h): Scroll to the next / previous differing boundary.
        up / k, down / j, home / g, end / G: Scroll.
        w: Show whitespace as marks or as plain spaces (for the whole app).
        r: Add the regex-unk row, or leave it out (it is always there when the app reads regex-unk).
    """

    draws_whitespace: ClassVar[bool] = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "right_square_bracket", "difference(1)", "Next difference", id="compare.next", key_display="]"
        ),
        Binding(
            "left_square_bracket", "difference(-1)", "Prev difference", id="compare.previous", key_display="["
        ),
        Binding("right,l", "difference(1)", "Next difference", id="compare.next_arrow", show=False),
        Binding("left,h", "difference(-1)", "Prev difference", id="compare.previous_arrow", show=False),
        Binding("w", "app.toggle_whitespace", "Whitespace", id="compare.whitespace"),
        Binding("r", "toggle_regex", "Regex-unk row", id="compare.regex"),
        *SCROLL_KEYS,
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        *TOKEN_TEXT_CLASSES,
        "compare--label",
        "compare--active",
        "compare--header",
        "compare--mark",
        "compare--error",
    }
    """
    | Class | Description |
    | :- | :- |
    | `token-text--…` | Tokens and the selection in the app's encoding's row (`tui.views.token_text`). |
    | `compare--label` | The encoding names before each row. |
    | `compare--active` | The name of the app's encoding. |
    | `compare--header` | The summary's header. |
    | `compare--mark` | The marks under differing boundaries and split characters. |
    | `compare--error` | An encoding's error. |
    """

    DEFAULT_CSS = """
    ComparePane {
        & > .compare--label { color: $text-muted; }
        & > .compare--active { color: $text; text-style: bold; }
        & > .compare--header { color: $text-muted; text-style: bold; }
        & > .compare--mark { color: $text-warning; text-style: bold; }
        & > .compare--error { color: $text-error; }
    }
    """ + token_text_css("ComparePane")

    class Computed(Message):
        """Run `number` of the worker compared a text (None: it failed with an internal error)."""

        def __init__(self, comparison: Comparison | None, number: int) -> None:
            super().__init__()
            self.comparison = comparison
            self.number = number

    def __init__(self, **kwargs) -> None:
        super().__init__(WAITING, **kwargs)
        self.comparison: Comparison | None = None
        self._request: tuple[str, str | None, bool, tuple[str, ...]] | None = None
        # One comparison at a time (1 MB takes about a second), the newest text next.
        self._runs: LatestRun[tuple[str, Settings]] = LatestRun(self._start)
        self._encoding = ""  # the app's encoding: its row shows the selection
        self._selected_span: tuple[int, int] | None = None
        self._selected: int | None = None
        self._tokens_of_app: TokenizedText | None = None
        self._difference = -1  # index into differing_boundaries of the one `]`/`[` went to
        self._marks = True
        self.with_regex = False  # `r`: regex-unk beside the BPE encodings
        self._styles = TokenStyles(self)
        self._rows_ok: list[EncodedRow] = []
        self._widths = np.zeros(0, dtype=np.uint8)
        self._newlines = np.zeros(0, dtype=np.int64)
        self._chunks: np.ndarray | None = None
        self._wrap_width = 0

    def on_mount(self) -> None:
        """Say the first message in the learner's language (the app's words are known now)."""
        if self.message == WAITING:
            self.set_message(self.app.strings.say("waiting for the first result…"))

    # The pane contract

    @property
    def busy(self) -> bool:
        """True while a comparison runs or waits to run."""
        return self._runs.busy

    def show_result(self, result: PipelineResult) -> None:
        """Compare the result's text (in the worker) unless it was compared already."""
        settings = result.settings
        tokens = result.tokens
        if tokens.encoding != self._encoding:
            self._encoding = tokens.encoding
            self.invalidate()  # the summary and the labels mark the app's encoding
        self._tokens_of_app = tokens
        request = (tokens.text, settings.corpus, settings.allow_special, self.encodings)
        if request != self._request:
            self._request = request
            if self.comparison is None:
                self.set_message(self.app.strings.say("comparing…"))
            self._runs.request((tokens.text, settings))
        self._update_selection()
        self.refresh()

    def show_message(self, message: str) -> None:
        """Show `message` instead of a comparison; one still running is not shown."""
        self.comparison = None
        self._request = None
        self.set_message(message)
        self.relayout()

    def select_token(self, index: int | None) -> None:
        """Highlight the app's selected token in the row of the app's encoding."""
        self._selected = index
        self._update_selection()
        self._scroll_to_char(None if self._selected_span is None else self._selected_span[0])
        self.refresh()

    def set_palette(self, palette_name: str, mono: bool) -> None:
        """Mono: tokens alternate plain and underlined instead of backgrounds."""
        self._styles.mono = mono
        self.invalidate()

    def set_whitespace(self, marks: bool) -> None:
        """Show whitespace as ·/↵/→ marks, or as plain spaces."""
        self._marks = marks
        self.invalidate()

    # Computing

    @property
    def encodings(self) -> tuple[str, ...]:
        """The encodings compared: the BPE ones, and regex-unk when asked for (`r`) or when the
        app reads the text with it (its row shows the selection)."""
        regex = self.with_regex or self._encoding == "regex-unk"
        return COMPARED if regex else BPE_ENCODINGS

    def action_toggle_regex(self) -> None:
        """Add the regex-unk row, or leave it out."""
        self.with_regex = not self.with_regex
        say = self.app.strings.say
        shown = say("Compare: regex-unk row on") if self.with_regex else say("Compare: BPE encodings only")
        self.notify(shown, timeout=2)
        if self._tokens_of_app is not None and self.app.result is not None:
            self.show_result(self.app.result)

    def _start(self, request: tuple[str, Settings], number: int) -> None:
        text, settings = request
        self._compute(text, settings, self.encodings, number)

    @work(thread=True, exclusive=True, exit_on_error=False, group="compare", description="compare encodings")
    def _compute(self, text: str, settings: Settings, encodings: tuple[str, ...], number: int) -> None:
        try:
            comparison = compare(text, settings, encodings)
        except Exception:
            # A bug: say so instead of waiting for ever, and let the worker log it.
            self.post_message(self.Computed(None, number))
            raise
        self.post_message(self.Computed(comparison, number))

    @on(Computed)
    def _computed(self, message: Computed) -> None:
        message.stop()
        if not self._runs.finished(message.number):
            return  # a newer text is being compared now
        if message.comparison is None:
            self.show_message(self.app.strings.say("the comparison failed (an internal error; see the log)"))
        elif self._request is not None:  # else a message replaced the comparison meanwhile
            self._show_comparison(message.comparison)
        self.announce_update()

    def _show_comparison(self, comparison: Comparison) -> None:
        self.comparison = comparison
        self.set_message("")
        self._update_selection()
        self._rows_ok = [row for row in comparison.rows if row.ok]
        self._widths = char_widths(comparison.text)
        self._newlines = np.flatnonzero(
            np.frombuffer(comparison.text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32) == 10
        )
        self._difference = -1
        self._wrap_width = 0
        self.invalidate()
        self.relayout()
        self._scroll_to_char(None if self._selected_span is None else self._selected_span[0])

    # Layout

    @property
    def _summary_height(self) -> int:
        """Summary lines and the blank line after them."""
        return 0 if self.comparison is None else len(self.comparison.rows) + 3

    @property
    def _block_height(self) -> int:
        """One line per encoding that succeeded, the marks line and a blank line."""
        return len(self._rows_ok) + 2

    @property
    def chunk_count(self) -> int:
        """Blocks the wrapped text makes (0 before the pane has a size)."""
        return 0 if self._chunks is None else len(self._chunks) - 1

    def relayout(self) -> None:
        """Wrap the text to the pane's width (once per comparison and width), then repaint."""
        width = self.scrollable_content_region.width
        text_width = max(width - LABEL_CELLS, 1)
        comparison = self.comparison
        if comparison is None or width <= 0:
            self._chunks = None
            self._wrap_width = 0
            self.set_extent(0)
        elif text_width != self._wrap_width:
            if comparison.text and self._rows_ok:
                boundaries = comparison.shared_boundaries
                self._chunks = wrap_rows(self._widths, self._newlines, boundaries, text_width)
            else:
                self._chunks = np.zeros(1, dtype=np.int64)
            self._wrap_width = text_width
            self.set_extent(self._summary_height + self.chunk_count * self._block_height, width)
        super().relayout()

    # Selection and moving

    def _update_selection(self) -> None:
        tokens = self._tokens_of_app
        index = self._selected
        if tokens is None or index is None or not 0 <= index < len(tokens):
            self._selected_span = None
        elif self.comparison is None or self.comparison.text != tokens.text:
            self._selected_span = None  # the comparison of this text is still being computed
        else:
            start, end = tokens.char_spans[index].tolist()
            self._selected_span = (start, end)

    def _chunk_of(self, char: int) -> int:
        assert self._chunks is not None
        return max(int(np.searchsorted(self._chunks, char, side="right")) - 1, 0)

    def _scroll_to_char(self, char: int | None) -> None:
        """Scroll the least distance that shows the block holding character `char`."""
        if char is None or self._chunks is None or not self.chunk_count:
            return
        top = self._summary_height + self._chunk_of(char) * self._block_height
        self.scroll_lines_into_view(top, top + self._block_height - 2)  # down to the marks line

    def action_difference(self, step: int) -> None:
        """Go to the next (`step` 1) or previous (-1) differing boundary and mark it."""
        if self.comparison is None:
            return
        differing = self.comparison.differing_boundaries
        if not len(differing):
            self.notify(self.app.strings.say("every encoding cuts this text at the same places"), timeout=3)
            return
        self._difference = (self._difference + step) % len(differing)
        offset = int(differing[self._difference])
        self._scroll_to_char(offset)
        self.refresh()
        cut, whole = self.comparison.splitting_at(offset)
        where = self.app.strings.say(
            "difference {number} of {count}: character {offset} · cut by {cut}, not by {whole}",
            number=self._difference + 1,
            count=f"{len(differing):,}",
            offset=f"{offset:,}",
            cut=", ".join(cut),
            whole=", ".join(whole),
        )
        self.notify(where, timeout=4, markup=False)

    # Drawing

    def _block_part(self, line: int) -> tuple[int, int, int] | None:
        """Line `line` of the blocks as (first character, end character, part), or None for a
        blank line; part is a row of `_rows_ok`, or `len(_rows_ok)` for the marks line."""
        chunk, part = divmod(line - self._summary_height, self._block_height)
        if chunk >= self.chunk_count or part == self._block_height - 1:
            return None
        assert self._chunks is not None
        start, end = self._chunks[chunk : chunk + 2].tolist()
        return start, end, part

    def _current_difference(self) -> int:
        """The character offset of the boundary `]`/`[` went to; -1 for none."""
        assert self.comparison is not None
        differing = self.comparison.differing_boundaries
        return int(differing[self._difference]) if 0 <= self._difference < len(differing) else -1

    def _selection_in(self, row: EncodedRow, start: int, end: int) -> tuple[int, int] | None:
        """The selected span, if `row` is the app's encoding and the span meets `start:end`."""
        span = self._selected_span
        if row.encoding != self._encoding or span is None or span[1] <= start or span[0] >= end:
            return None
        return span

    def line_key(self, line: int, width: int) -> tuple | None:
        """A summary line; or a block's line, with the selection or the marked difference when
        they fall inside the block (only those lines depend on them)."""
        if self.comparison is None or line < 0:
            return None
        if line < self._summary_height:
            return (line,)
        place = self._block_part(line)
        if place is None:
            return None
        start, end, part = place
        if part == len(self._rows_ok):
            current = self._current_difference()
            return (line, current if start <= current < end else -1)
        return (line, self._selection_in(self._rows_ok[part], start, end))

    def draw_line(self, line: int, width: int) -> Strip:
        if line < self._summary_height:
            return self._render_summary(line, width)
        place = self._block_part(line)
        assert place is not None
        start, end, part = place
        if part == len(self._rows_ok):
            return self._render_marks(start, end, width)
        return self._render_row(self._rows_ok[part], start, end, width)

    def _render_summary(self, line: int, width: int) -> Strip:
        assert self.comparison is not None
        strings = self.app.strings
        lines = summary_lines(self.comparison, lambda hints: app_hint(hints, strings), strings)
        get = self.get_component_rich_style
        if line >= len(lines):
            return Strip.blank(width, self.rich_style)
        if line == 0:
            style = get("compare--header")
        elif line <= len(self.comparison.rows) and not self.comparison.rows[line - 1].ok:
            style = get("compare--error")
        elif line <= len(self.comparison.rows) and self.comparison.rows[line - 1].encoding == self._encoding:
            style = get("compare--active")
        else:
            style = self.rich_style
        strip = Strip([Segment(fit_left(lines[line], width), style)])
        return strip.adjust_cell_length(width, self.rich_style)

    def _render_row(self, row: EncodedRow, start: int, end: int, width: int) -> Strip:
        """One encoding's tokens over characters `start:end`, after the encoding's name."""
        assert self.comparison is not None
        active = row.encoding == self._encoding
        label_style = self.get_component_rich_style("compare--active" if active else "compare--label")
        segments = [Segment(f"{row.encoding:<{LABEL_CELLS}}", label_style)]
        segments += self._styles.segments(
            self.comparison.text,
            start,
            end,
            row.char_spans,
            selected=self._selection_in(row, start, end),
            marks=self._marks,
        )
        return Strip(segments).adjust_cell_length(width, self.rich_style)

    def _render_marks(self, start: int, end: int, width: int) -> Strip:
        """`^` under characters where boundaries differ, `◐` under characters some encoding splits."""
        assert self.comparison is not None
        differing = self.comparison.differing_boundaries
        low, high = np.searchsorted(differing, [start, end])
        marks = dict.fromkeys(differing[low:high].tolist(), BOUNDARY_MARK)
        # A cut inside a character says more than a boundary before it, so it wins the cell.
        for row in self._rows_ok:
            low, high = np.searchsorted(row.split_chars, [start, end])
            marks.update(dict.fromkeys(row.split_chars[low:high].tolist(), SPLIT_MARK))
        current = self._current_difference()
        mark_style = self.get_component_rich_style("compare--mark")
        base = self.rich_style
        segments = [Segment(" " * LABEL_CELLS, base)]
        for index, cells in enumerate(self._widths[start:end].tolist(), start):
            mark = marks.get(index)
            if mark is None:
                segments.append(Segment(" " * cells, base))
            else:
                style = mark_style + REVERSE if index == current else mark_style
                segments.append(Segment(mark, style))
                if cells > 1:
                    segments.append(Segment(" " * (cells - 1), base))
        return Strip(segments).adjust_cell_length(width, base)
