"""How close chosen words' vectors are in the token embedding table.

The user types a few words; the pane looks each one up in the current token table (random seeded
weights, or a loaded model's trained embedding) and shows

1. a cosine-similarity table: every pair of words, coloured on a diverging scale from -1 to +1;
2. a 2-D PCA scatter of the word vectors, titled with the share of variance the two axes keep.

With random weights every similarity is noise around 0, which is the point of the comparison:
related words only end up close once a model has learned them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Container, Vertical
from textual.geometry import Size
from textual.widgets import DataTable, Input, Static
from textual_plotext import PlotextPlot

from engine.analysis.word_vectors import WordSpace, cosine_matrix, pca_2d, word_vectors
from themes.palettes import PALETTES, normalize, text_color_on
from tui.formatting.pieces import visible_piece
from tui.panes.base import Pane
from tui.panes.positions import COLOR_THEME, MONO_THEME, TitledPlot

if TYPE_CHECKING:
    from engine.pipeline.results import PipelineResult

DEFAULT_WORDS = "quick fast slow king queen man woman"
"""The words compared until the user types others: synonyms, an antonym, and two analogy pairs."""
MAX_WORDS = 12
"""Words compared at most, so the table stays small enough to read."""
MIN_SCATTER = 3
"""Words needed for a scatter: two points always lie on a line."""
PALETTE = "rdbu"
"""The diverging palette for similarities: -1 at one end, 0 in the middle, +1 at the other."""
NARROW = 80
"""Below this many cells wide the scatter goes under the table instead of beside it."""
SHORT = 24
"""A narrow pane less than this many lines high has no room for the scatter under the table."""
MARKER = "•"
"""The scatter's point marker (a plain character, so it reads the same in mono mode)."""
RANDOM_CAPTION = "random weights: similarities are noise until a model is loaded (F6) or trained (F7)"
NOT_IN_VOCABULARY = "not in this model's vocabulary"


def word_label(space: WordSpace, word: str) -> str:
    """The word as shown: marked with "*" when it is the mean of several tokens."""
    return f"{word}*" if word in space.splits else word


def footnotes(space: WordSpace) -> list[str]:
    """One line per split word (its tokens made visible), then one naming the missing words."""
    lines = [
        f"* {word}: split into {len(pieces)} tokens ({' | '.join(map(visible_piece, pieces))}): "
        "mean of their vectors"
        for word, pieces in space.splits.items()
    ]
    if space.missing:
        lines.append(f"{NOT_IN_VOCABULARY}: {', '.join(space.missing)}")
    return lines


def parse_words(text: str) -> tuple[str, ...]:
    """The distinct space-separated words of `text`, in order, at most `MAX_WORDS`."""
    return tuple(dict.fromkeys(text.split()))[:MAX_WORDS]


class EmbeddingSpacePane(Pane, Vertical, can_focus=True):
    """Cosine similarities and a PCA scatter of the vectors of words the user types.

    The words are read from the input when the user presses enter. The work is redone only when
    the words or the token table change: a new result for an edited text keeps the same table
    object, so typing in the main text box costs nothing here.

    The pane has no token cursor, so it never posts `TokenSelected`. It takes focus itself (a lesson
    step that shows it focuses it), so the app's keys are not typed into the words input.
    """

    DEFAULT_CSS = """
    EmbeddingSpacePane {
        width: 1fr;
        height: 1fr;
        background: $surface;
        & > #embedding-words { width: 1fr; }
        & > .embedding-space--message {
            width: 1fr;
            height: 1fr;
            padding: 0 1;
            color: $text-muted;
            text-style: italic;
            display: none;
        }
        & > .embedding-space--caption, & > .embedding-space--notes {
            width: 1fr;
            height: auto;
            padding: 0 1;
            color: $text-muted;
        }
        & > .embedding-space--notes { max-height: 30%; }
        & > .embedding-space--caption {
            height: 1;
            text-style: italic;
            text-wrap: nowrap;
            text-overflow: ellipsis;
        }
        & > .embedding-space--body {
            layout: horizontal;
            width: 1fr;
            height: 1fr;
        }
        & > .embedding-space--body > DataTable {
            width: auto;
            max-width: 60%;
            height: auto;
            max-height: 100%;
        }
        &.-narrow > .embedding-space--body { layout: vertical; }
        &.-narrow > .embedding-space--body > DataTable { width: 1fr; max-width: 100%; max-height: 50%; }
        &.-short > .embedding-space--body > DataTable { max-height: 100%; }
        &.-short > .embedding-space--body > TitledPlot { display: none; }
        &.-message > .embedding-space--message { display: block; }
        &.-message > .embedding-space--caption,
        &.-message > .embedding-space--body,
        &.-message > .embedding-space--notes { display: none; }
    }
    """

    def __init__(
        self,
        message: str = "",
        *,
        words: str = DEFAULT_WORDS,
        palette: str = PALETTE,
        mono: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Create the pane, showing `message` until the first result.

        Args:
            message: What to show until `show_result` is called.
            words: The words compared at first, separated by spaces.
            palette: The app's heatmap palette (see `set_palette`).
            mono: Draw without colours (see `set_palette`).
            name: The name of the widget.
            id: The ID of the widget in the DOM.
            classes: The CSS classes of the widget.
            disabled: Whether the widget is disabled.
        """
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._input = Input(words, placeholder="words to compare, separated by spaces", id="embedding-words")
        self._message = Static(message, classes="embedding-space--message", markup=False)
        self._caption = Static("", classes="embedding-space--caption", markup=False)
        self._table: DataTable[Text] = DataTable(cursor_type="none", cell_padding=0, zebra_stripes=False)
        self._scatter = TitledPlot(classes="embedding-space--scatter")
        self._notes = Static("", classes="embedding-space--notes", markup=False)
        self._words = parse_words(words)
        self._result: PipelineResult | None = None
        self._key: tuple[object, ...] | None = None
        self._space: WordSpace | None = None
        self._cosine = np.zeros((0, 0))
        self._coords = np.zeros((0, 2))
        self._explained = np.zeros(2)
        self._selected: int | None = None
        self._mono = mono
        self.set_class(True, "-message")
        self.set_palette(palette, mono)

    def compose(self) -> ComposeResult:
        """The words input, the message, the caption, the table beside the scatter, the footnotes."""
        yield self._input
        yield self._message
        yield self._caption
        with Container(classes="embedding-space--body"):
            yield self._table
            yield self._scatter
        yield self._notes

    @property
    def words(self) -> tuple[str, ...]:
        """The words being compared (as last submitted)."""
        return self._words

    @property
    def space(self) -> WordSpace | None:
        """The words' vectors for the current result, or None before one."""
        return self._space

    @property
    def selected_token(self) -> int | None:
        """The token another pane selected (stored only: this pane compares typed words)."""
        return self._selected

    def show_result(self, result: PipelineResult) -> None:
        """Show a new result; the words are looked up again only if the table changed."""
        self._result = result
        self._caption.update(self._caption_text(result))
        self.set_class(False, "-message")
        self._refresh_space()

    def show_message(self, message: str) -> None:
        """Hide the table and the scatter and show `message` (no data yet, or an error)."""
        self._result = None
        self._message.update(message)
        self.set_class(True, "-message")

    def select_token(self, index: int | None) -> None:
        """Remember the selected token; nothing here depends on it. Does not post `TokenSelected`."""
        self._selected = index

    def set_palette(self, palette_name: str, mono: bool) -> None:
        """Colour the table, or not.

        Similarities run from -1 to +1, so the table always uses the diverging `PALETTE`, whatever
        the app's (sequential) heatmap palette is; `palette_name` is not used. In mono mode the
        cells are plain numbers and the scatter has no colours."""
        del palette_name
        self._mono = mono
        self._scatter.plot.set_reactive(PlotextPlot.theme, self._theme)
        if self._space is not None:
            self._draw()

    def set_words(self, words: str) -> None:
        """Compare `words` (separated by spaces), as if typed into the input and submitted."""
        self._input.value = words
        self._words = parse_words(words)
        self._refresh_space()

    @on(Input.Submitted, "#embedding-words")
    def _words_submitted(self, event: Input.Submitted) -> None:
        """Compare the words just typed (the app's own text box never sees this enter)."""
        event.stop()
        self._words = parse_words(event.value)
        self._refresh_space()

    def on_resize(self, event: events.Resize) -> None:
        self.fit(event.size)

    def fit(self, size: Size) -> None:
        """Stack the table and the scatter when the pane is narrow; drop the scatter if also short."""
        narrow = size.width < NARROW
        self.set_class(narrow, "-narrow")
        self.set_class(narrow and size.height < SHORT, "-short")

    def _refresh_space(self) -> None:
        """Look the words up and redo the maths if the words or the table changed; then redraw."""
        result = self._result
        if result is None:
            return
        embedded, settings = result.embedded, result.settings
        words = self._words
        if result.example is not None and words == parse_words(DEFAULT_WORDS):
            # The default words are not an example's: compare its own hand-made vectors instead.
            words = tuple(result.tokenizer.words)
        key = (words, embedded.token_table, embedded.table_ids, result.tokens.encoding, settings.corpus)
        if self._key is None or not _same(key, self._key):
            self._key = key
            self._space = word_vectors(words, result)
            self._cosine = cosine_matrix(self._space.vectors)
            projection = pca_2d(self._space.vectors)
            self._coords, self._explained = projection.coords, projection.explained
            self._draw()

    def _caption_text(self, result: PipelineResult) -> str:
        """Where the vectors come from."""
        if result.example is not None:
            rows, dim = result.embedded.token_table.shape
            return (
                f"the example {result.example.name}'s hand-made vectors ({rows} words × {dim}): "
                "its words are compared until you type others above"
            )
        if result.model is None:
            return RANDOM_CAPTION
        rows, dim = result.embedded.token_table.shape
        return f"{result.model.name}: its trained token embedding ({rows:,} rows × {dim})"

    @property
    def _theme(self) -> str:
        """The plotext theme for the current mode."""
        return MONO_THEME if self._mono else COLOR_THEME

    def _draw(self) -> None:
        """Fill the table, the scatter and the footnotes from the computed space."""
        space = self._space
        assert space is not None
        self._draw_table(space)
        self._draw_scatter()
        notes = footnotes(space)
        if not space.words:
            notes.insert(0, "no words to compare: type some above and press enter")
        self._notes.update("\n".join(notes))
        self._notes.display = bool(notes)

    def _draw_table(self, space: WordSpace) -> None:
        """One row and one column per word; each cell the cosine similarity, coloured."""
        table = self._table
        table.clear(columns=True)
        labels = [word_label(space, word) for word in space.words]
        for i, label in enumerate(labels):
            table.add_column(Text(f" {label} ", justify="right"), key=str(i))
        for i, label in enumerate(labels):
            table.add_row(*(self._cell(float(value)) for value in self._cosine[i]), key=str(i), label=label)

    def _cell(self, value: float) -> Text:
        """`+0.83`, right-aligned, on its palette colour (which fills the cell) unless in mono mode."""
        text = f" {value:+.2f} "
        if self._mono:
            return Text(text, justify="right")
        rgb = PALETTES[PALETTE].rgb(normalize(value, -1.0, 1.0))
        r, g, b = rgb
        return Text(text, style=f"{text_color_on(rgb)} on #{r:02x}{g:02x}{b:02x}", justify="right")

    def _draw_scatter(self) -> None:
        """The words at their PCA coordinates, labelled, titled with the variance kept."""
        space = self._space
        assert space is not None
        scatter = self._scatter
        plt = scatter.plot.plt
        plt.clear_figure()
        plt.theme(self._theme)
        n = len(space.words)
        scatter.plot.display = n >= MIN_SCATTER
        if n < MIN_SCATTER:
            scatter.heading.update(f"need at least {MIN_SCATTER} words for a scatter")
            return
        first, second = self._explained * 100
        scatter.heading.update(f"PCA: {first:.0f}% + {second:.0f}% of variance")
        xs, ys = self._coords[:, 0], self._coords[:, 1]
        x_low, x_high = _padded(xs)
        plt.scatter(xs.tolist(), ys.tolist(), marker=MARKER)
        # Each label starts with the marker, so it begins on its point's own cell.
        for word, x, y in zip(space.words, xs, ys, strict=True):
            plt.text(f"{MARKER}{word_label(space, word)}", float(x), float(y), alignment="left")
        plt.xlim(x_low, x_high + (x_high - x_low) * 0.3)  # room for the rightmost labels
        plt.ylim(*_padded(ys))
        plt.xticks([])  # the axes' units mean nothing here: only distances do
        plt.yticks([])
        scatter.plot.refresh()


def _padded(values: np.ndarray) -> tuple[float, float]:
    """The range of `values` widened by a tenth on each side (and made non-empty)."""
    low, high = float(values.min()), float(values.max())
    margin = (high - low) * 0.1 or 1.0
    return low - margin, high + margin


def _same(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    """Whether two keys match: arrays by identity (comparing a 50k-row table would cost as much
    as redoing the work), everything else by equality."""
    return all(x is y if isinstance(x, np.ndarray) else x == y for x, y in zip(a, b, strict=True))
