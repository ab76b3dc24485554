"""The Compare pane: one text under regex-unk, gpt2, cl100k_base and o200k_base, row under row.

The top lists each encoding's token count, characters per token and split characters (or the
error it raised, such as a refused special token), then how many token boundaries all
encodings share and where they differ. Below, the text is wrapped into blocks; each block
shows the same characters once per encoding, tokens on alternating backgrounds (plain and
underlined in mono), and a line of marks: `^` under a character where some encodings start a
token and others do not, `◐` under a character that byte-level BPE cut inside.

Tokenizing 1 MB four times takes about a second, so it runs in this pane's own thread worker,
and only when the tab is shown (the app updates hidden panes when their tab opens). Lines are
drawn one at a time when they come on screen (`render_line`), like the token panes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual import events, on, work
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from engine.tokenize.compare import COMPARED, Comparison, EncodedRow, compare
from tui.formatting.comparison import BOUNDARY_MARK, summary_lines
from tui.panes.tokens import SPAN_COLOURS, char_owners, char_widths, fit_left, visible_char, wrap_rows
from tui.textual_shim import set_virtual_size
from tui.views.vim import SCROLL_KEYS

if TYPE_CHECKING:
    from engine.pipeline.results import PipelineResult
    from engine.settings import Settings
    from engine.tokenize.tokens import TokenizedText

LABEL_CELLS = max(len(name) for name in COMPARED) + 1
"""The encoding names' column in the blocks (as `tui.formatting.comparison.label_cells` of a comparison)."""
SPLIT_MARK = "◐"

_REVERSE = Style(reverse=True, bold=True)


class ComparePane(ScrollView, can_focus=True):
    """The text under every compared encoding at once, with the places their boundaries differ.

    Bindings:
        ], [ (or right / l, left / h): Scroll to the next / previous differing boundary.
        up / k, down / j, home / g, end / G: Scroll.
        w: Show whitespace as marks or as plain spaces (for the whole app).
    """

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
        *SCROLL_KEYS,
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        *(f"compare--token-{k}" for k in range(SPAN_COLOURS)),
        "compare--gap",
        "compare--whitespace",
        "compare--partial",
        "compare--selected",
        "compare--label",
        "compare--active",
        "compare--header",
        "compare--mark",
        "compare--error",
        "compare--message",
    }
    """
    | Class | Description |
    | :- | :- |
    | `compare--token-0` … `compare--token-4` | The backgrounds tokens cycle through. |
    | `compare--gap` | Characters no token covers (whitespace a word tokenizer dropped). |
    | `compare--whitespace` | Added to the marks that stand for whitespace. |
    | `compare--partial` | Added to characters split over several tokens. |
    | `compare--selected` | The selected token, in the row of the app's encoding. |
    | `compare--label` | The encoding names before each row. |
    | `compare--active` | The name of the app's encoding. |
    | `compare--header` | The summary's header. |
    | `compare--mark` | The marks under differing boundaries and split characters. |
    | `compare--error` | An encoding's error. |
    | `compare--message` | The message shown when there is nothing to compare. |
    """

    DEFAULT_CSS = """
    ComparePane {
        height: 1fr;
        background: $surface;
        color: $text;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-gutter: stable;
        scrollbar-size: 1 1;
        & > .compare--token-0 { background: $primary 30%; color: $text; }
        & > .compare--token-1 { background: $success 30%; color: $text; }
        & > .compare--token-2 { background: $warning 30%; color: $text; }
        & > .compare--token-3 { background: $secondary 30%; color: $text; }
        & > .compare--token-4 { background: $error 30%; color: $text; }
        & > .compare--gap { color: $text-disabled; }
        & > .compare--whitespace { text-style: dim; }
        & > .compare--partial { text-style: underline; }
        & > .compare--selected {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: bold;
        }
        & > .compare--label { color: $text-muted; }
        & > .compare--active { color: $text; text-style: bold; }
        & > .compare--header { color: $text-muted; text-style: bold; }
        & > .compare--mark { color: $text-warning; text-style: bold; }
        & > .compare--error { color: $text-error; }
        & > .compare--message { color: $text-muted; text-style: italic; }
    }
    """

    class Computed(Message):
        """The worker compared a text (None: it failed with an internal error)."""

        def __init__(self, comparison: Comparison | None) -> None:
            super().__init__()
            self.comparison = comparison

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.comparison: Comparison | None = None
        self._message = "waiting for the first result…"
        self._request: tuple[str, str | None, bool] | None = None
        # One comparison at a time (1 MB takes about a second): a newer text waits here for the
        # running one to end, as the app's own pipeline runs do.
        self._comparing = False
        self._waiting: tuple[str, Settings] | None = None
        self._encoding = ""  # the app's encoding: its row shows the selection
        self._selected_span: tuple[int, int] | None = None
        self._selected: int | None = None
        self._tokens_of_app: TokenizedText | None = None
        self._difference = -1  # index into differing_boundaries of the one `]`/`[` went to
        self._mono = False
        self._marks = True
        self._version = 0
        self._cache: LRUCache[tuple[object, ...], Strip] = LRUCache(512)
        self._styles: dict[tuple[object, ...], Style] = {}
        self._rows_ok: list[EncodedRow] = []
        self._widths = np.zeros(0, dtype=np.uint8)
        self._newlines = np.zeros(0, dtype=np.int64)
        self._chunks: np.ndarray | None = None
        self._wrap_width = 0

    # The pane contract

    def show_result(self, result: PipelineResult) -> None:
        """Compare the result's text (in the worker) unless it was compared already."""
        settings = result.settings
        tokens = result.tokens
        self._encoding = tokens.encoding
        self._tokens_of_app = tokens
        request = (tokens.text, settings.corpus, settings.allow_special)
        if request != self._request:
            self._request = request
            if self.comparison is None:
                self._message = "comparing…"
            if self._comparing:
                self._waiting = (tokens.text, settings)
            else:
                self._start(tokens.text, settings)
        self._update_selection()
        self._invalidate()

    def show_message(self, message: str) -> None:
        """Show `message` instead of a comparison."""
        self.comparison = None
        self._request = None
        self._message = message
        self._relayout()

    def select_token(self, index: int | None) -> None:
        """Highlight the app's selected token in the row of the app's encoding."""
        self._selected = index
        self._update_selection()
        self._scroll_to_char(None if self._selected_span is None else self._selected_span[0])
        self._invalidate()

    def set_palette(self, palette_name: str, mono: bool) -> None:
        """Mono: tokens alternate plain and underlined instead of backgrounds."""
        self._mono = mono
        self._invalidate()

    def set_whitespace(self, marks: bool) -> None:
        """Show whitespace as ·/↵/→ marks, or as plain spaces."""
        self._marks = marks
        self._invalidate()

    # Computing

    def _start(self, text: str, settings: Settings) -> None:
        self._comparing = True
        self._compute(text, settings)

    @work(thread=True, exclusive=True, exit_on_error=False, group="compare", description="compare encodings")
    def _compute(self, text: str, settings: Settings) -> None:
        try:
            comparison = compare(text, settings)
        except Exception:
            # A bug: say so instead of waiting for ever, and let the worker log it.
            self.post_message(self.Computed(None))
            raise
        self.post_message(self.Computed(comparison))

    @on(Computed)
    def _computed(self, message: Computed) -> None:
        message.stop()
        self._comparing = False
        if self._waiting is not None:
            text, settings = self._waiting
            self._waiting = None
            self._start(text, settings)
            return  # this comparison is of an older text
        comparison = message.comparison
        if comparison is None:
            self.show_message("the comparison failed (an internal error; see the log)")
            return
        self.comparison = comparison
        self._update_selection()
        self._rows_ok = [row for row in comparison.rows if row.ok]
        self._widths = char_widths(comparison.text)
        self._newlines = np.flatnonzero(
            np.frombuffer(comparison.text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32) == 10
        )
        self._difference = -1
        self._wrap_width = 0
        self._relayout()
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

    def _relayout(self) -> None:
        """Wrap the text to the pane's width (once per comparison and width), then repaint."""
        width = self.scrollable_content_region.width
        text_width = max(width - LABEL_CELLS, 1)
        comparison = self.comparison
        if comparison is None or width <= 0:
            self._chunks = None
            self._wrap_width = 0
            set_virtual_size(self, Size(0, 0))
        elif text_width != self._wrap_width:
            if comparison.text and self._rows_ok:
                boundaries = comparison.shared_boundaries
                self._chunks = wrap_rows(self._widths, self._newlines, boundaries, text_width)
            else:
                self._chunks = np.zeros(1, dtype=np.int64)
            self._wrap_width = text_width
            lines = self._summary_height + self.chunk_count * self._block_height
            set_virtual_size(self, Size(width, lines))
        self._invalidate()

    def on_resize(self, event: events.Resize) -> None:
        """Wrap again for the new width."""
        self._relayout()

    def notify_style_update(self) -> None:
        """Drop cached lines when the theme, the CSS or the focus changes."""
        super().notify_style_update()
        self._invalidate()

    def _invalidate(self) -> None:
        self._version += 1
        self._cache.clear()
        self._styles.clear()
        self.refresh()

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
        bottom = top + self._block_height - 2  # the marks line
        shown = self.scrollable_content_region.height
        y = self.scroll_offset.y
        if top < y:
            y = top
        elif bottom >= y + shown:
            y = min(top, bottom - shown + 1)
        self.scroll_to(y=y, animate=False)

    def action_difference(self, step: int) -> None:
        """Go to the next (`step` 1) or previous (-1) differing boundary and mark it."""
        if self.comparison is None:
            return
        differing = self.comparison.differing_boundaries
        if not len(differing):
            self.notify("every encoding cuts this text at the same places", timeout=3)
            return
        self._difference = (self._difference + step) % len(differing)
        offset = int(differing[self._difference])
        self._scroll_to_char(offset)
        self._invalidate()
        self.notify(
            f"difference {self._difference + 1} of {len(differing):,}: character {offset:,}", timeout=2
        )

    # Drawing

    def render_line(self, y: int) -> Strip:
        """Render one line: the summary, or a block's encoding row or marks line.

        Args:
            y: The line on screen, 0 at the top of the widget.

        Returns:
            A strip as wide as the pane's scrollable area.
        """
        width = self.scrollable_content_region.width
        if self.comparison is None:
            return self._render_message(y, width)
        line = y + self.scroll_offset.y
        key = (line, width, self._version)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._draw_line(line, width)
            self._cache[key] = strip
        return strip

    def _render_message(self, y: int, width: int) -> Strip:
        if y != 0:
            return Strip.blank(width, self.rich_style)
        style = self.get_component_rich_style("compare--message")
        strip = Strip([Segment(fit_left(self._message, width), style)])
        return strip.adjust_cell_length(width, self.rich_style)

    def _draw_line(self, line: int, width: int) -> Strip:
        assert self.comparison is not None
        base = self.rich_style
        summary = self._summary_height
        if line < summary:
            return self._render_summary(line, width)
        chunk, part = divmod(line - summary, self._block_height)
        if chunk >= self.chunk_count or part == self._block_height - 1:
            return Strip.blank(width, base)
        assert self._chunks is not None
        start, end = self._chunks[chunk : chunk + 2].tolist()
        if part == len(self._rows_ok):
            return self._render_marks(start, end, width)
        return self._render_row(self._rows_ok[part], start, end, width)

    def _render_summary(self, line: int, width: int) -> Strip:
        assert self.comparison is not None
        lines = summary_lines(self.comparison)
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

    def _label(self, encoding: str) -> Segment:
        active = encoding == self._encoding
        style = self.get_component_rich_style("compare--active" if active else "compare--label")
        return Segment(f"{encoding:<{LABEL_CELLS}}", style)

    def _render_row(self, row: EncodedRow, start: int, end: int, width: int) -> Strip:
        """One encoding's tokens over characters `start:end`; runs of one style become one segment."""
        assert self.comparison is not None
        text = self.comparison.text
        owners, shared = char_owners(row.char_spans, start, end)
        selected = self._selected_span if row.encoding == self._encoding else None
        texts: list[str] = []
        styles: list[Style] = []
        characters = zip(text[start:end], owners, shared, strict=True)
        for index, (char, owner, split) in enumerate(characters, start):
            glyph = visible_char(char, self._marks)
            on_selection = selected is not None and selected[0] <= index < selected[1]
            style = self._style(owner, char.isspace(), split, on_selection)
            if styles and style is styles[-1]:
                texts[-1] += glyph
            else:
                texts.append(glyph)
                styles.append(style)
        segments = [self._label(row.encoding)]
        segments += [Segment(t, s) for t, s in zip(texts, styles, strict=True)]
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
        current = -1
        if 0 <= self._difference < len(differing):
            current = int(differing[self._difference])
        mark_style = self.get_component_rich_style("compare--mark")
        base = self.rich_style
        segments = [Segment(" " * LABEL_CELLS, base)]
        for index, cells in enumerate(self._widths[start:end].tolist(), start):
            mark = marks.get(index)
            if mark is None:
                segments.append(Segment(" " * cells, base))
            else:
                style = mark_style + _REVERSE if index == current else mark_style
                segments.append(Segment(mark, style))
                if cells > 1:
                    segments.append(Segment(" " * (cells - 1), base))
        return Strip(segments).adjust_cell_length(width, base)

    def _style(self, owner: int, whitespace: bool, split: bool, selected: bool) -> Style:
        """The style of one character, built once per combination and kept until invalidated."""
        colour = -1 if owner < 0 else owner % (2 if self._mono else SPAN_COLOURS)
        key = (colour, whitespace, split, selected)
        style = self._styles.get(key)
        if style is not None:
            return style
        base = self.rich_style
        if self._mono:
            style = base + (_REVERSE if selected else Style(underline=colour == 1))
            extras = [(whitespace, Style(dim=True)), (split, Style(italic=True))]
        else:
            get = self.get_component_rich_style
            if selected:
                style = get("compare--selected")
            elif colour < 0:
                style = get("compare--gap")
            else:
                style = get(f"compare--token-{colour}")
            extras = [
                (whitespace, get("compare--whitespace", partial=True)),
                (split, get("compare--partial", partial=True)),
            ]
        for wanted, extra in extras:
            if wanted:
                style += extra
        self._styles[key] = style
        return style
