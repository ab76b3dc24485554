"""How close chosen words' vectors are in the token embedding table.

The user types a few words; the pane looks each one up in the current token table (random seeded
weights, or a loaded model's trained embedding) and shows

1. a cosine-similarity table: every pair of words, coloured on a diverging scale from -1 to +1;
2. a 2-D PCA scatter of the word vectors, titled with the share of variance the two axes keep.

Until the user types words the pane compares `DEFAULT_WORDS`, or, where the loaded model does not
have them as single tokens (a tiny model's vocabulary is the words of its training text), words of
the model's own vocabulary (`engine.analysis.word_vectors.default_words`), and says so.

With random weights every similarity is noise around 0, which is the point of the comparison:
related words only end up close once a model has learned them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Container, Vertical
from textual.geometry import Size
from textual.widgets import DataTable, Input, Static
from textual_plotext import PlotextPlot

from engine.analysis.word_vectors import (
    CELL,
    DefaultWords,
    WordSpace,
    cell_width,
    cosine_matrix,
    default_words,
    fitted,
    pca_2d,
    word_vectors,
)
from themes.palettes import PALETTES, normalize, text_color_on
from tui.formatting.pieces import visible_piece
from tui.i18n.strings import marked
from tui.panes.base import Pane
from tui.views.titled_plot import COLOR_THEME, MONO_THEME, TitledPlot
from tui.views.word_scatter import MARKER as MARKER  # the scatter's point, named where it was
from tui.views.word_scatter import WordScatter

if TYPE_CHECKING:
    from engine.pipeline.results import PipelineResult

DEFAULT_WORDS = "quick fast slow king queen man woman"
"""The words compared until the user types others: synonyms, an antonym, and two analogy pairs
(words of the model's own vocabulary instead where it lacks them)."""
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
RANDOM_CAPTION = marked("random weights: similarities are noise until a model is loaded (F6) or trained (F7)")
NOT_IN_VOCABULARY = marked("not in this model's vocabulary: {words}")
TABLE_SHARE = 0.6
"""The share of a wide pane the table may take (its CSS max-width), the scatter the rest."""


def word_label(space: WordSpace, word: str) -> str:
    """The word as shown: marked with "*" when it is the mean of several tokens."""
    return f"{word}*" if word in space.splits else word


def footnotes(space: WordSpace, say: Callable[..., str] = str.format) -> list[str]:
    """One line per split word (its tokens made visible), then one naming the missing words."""
    lines = [
        say(
            "* {word}: split into {count} tokens ({pieces}): mean of their vectors",
            word=word,
            count=len(pieces),
            pieces=" | ".join(map(visible_piece, pieces)),
        )
        for word, pieces in space.splits.items()
    ]
    if space.missing:
        lines.append(say(NOT_IN_VOCABULARY, words=", ".join(space.missing)))
    return lines


def parse_words(text: str) -> tuple[str, ...]:
    """The distinct space-separated words of `text`, in order, at most `MAX_WORDS`."""
    return tuple(dict.fromkeys(text.split()))[:MAX_WORDS]


class EmbeddingSpacePane(Pane, Vertical, can_focus=True):
    """Cosine similarities and a PCA scatter of the vectors of words the user types.

    The words are read from the input when the user presses enter. Until then the default words
    are compared: `DEFAULT_WORDS`, or words of the model's own vocabulary when it lacks those
    (shown in the input, and said in the footnotes); typed words are never replaced. The work is
    redone only when the words or the token table change: a new result for an edited text keeps the
    same table object, so typing in the main text box costs nothing here.

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
        self._input = Input(words, id="embedding-words")  # its placeholder is said once mounted
        self._message = Static(message, classes="embedding-space--message", markup=False)
        self._message_text = message  # as said: broken at phrases for the width when shown
        self._notes_width = 0  # the width the notes were last broken for
        self._caption = Static("", classes="embedding-space--caption", markup=False)
        self._table: DataTable[Text] = DataTable(cursor_type="none", cell_padding=0, zebra_stripes=False)
        self._scatter = TitledPlot(classes="embedding-space--scatter")
        # TitledPlot composes whatever plot it holds: this one places its labels for its own size.
        self._scatter.plot = self._plot = WordScatter()
        self._notes = Static("", classes="embedding-space--notes", markup=False)
        self._words = parse_words(words)
        self._typed: tuple[str, ...] | None = None if words == DEFAULT_WORDS else self._words
        """The words the user (or a lesson) chose; None while the defaults are compared."""
        self._defaults: DefaultWords | None = None
        self._defaults_key: tuple[object, ...] | None = None
        self._shown_defaults = words  # the input's text as the pane last set it
        self._cell_drawn = 0  # the similarity columns' width as last drawn
        self._legend: str | None = None  # the scatter's numbered words; None until a draw needs them
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

    def on_mount(self) -> None:
        """Say what the words input is for, in the learner's language."""
        self._input.placeholder = self.app.strings.say("words to compare, separated by spaces")

    @property
    def words(self) -> tuple[str, ...]:
        """The words being compared: as last submitted, or the defaults chosen for the table."""
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
        self._message_text = message
        self._message.update(self._broken(message))
        self.set_class(True, "-message")

    def _broken(self, message: str) -> str:
        """`message` broken at phrases for the pane's width when it is Japanese (Textual would
        break it anywhere, even before "。"); as it is before a layout."""
        width = self.size.width - 2  # the padding of the message and the notes
        return self.app.strings.broken_for(message, width) if width > 0 else message

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
        self._words = self._typed = parse_words(words)
        self._refresh_space()

    @on(Input.Submitted, "#embedding-words")
    def _words_submitted(self, event: Input.Submitted) -> None:
        """Compare the words just typed (the app's own text box never sees this enter)."""
        event.stop()
        self._words = self._typed = parse_words(event.value)
        self._refresh_space()

    def on_resize(self, event: events.Resize) -> None:
        self.fit(event.size)

    def fit(self, size: Size) -> None:
        """Stack the table and the scatter when the pane is narrow; drop the scatter if also short."""
        narrow = size.width < NARROW
        self.set_class(narrow, "-narrow")
        self.set_class(narrow and size.height < SHORT, "-short")
        if self._space is not None and self._cell_width(self._space) != self._cell_drawn:
            self._draw_table(self._space)
        if self._result is None and self._message_text:
            self._message.update(self._broken(self._message_text))
        elif self._space is not None and size.width != self._notes_width:
            self._draw_notes()

    def _refresh_space(self) -> None:
        """Look the words up and redo the maths if the words or the table changed; then redraw."""
        result = self._result
        if result is None:
            return
        embedded, settings = result.embedded, result.settings
        table_key = (embedded.token_table, embedded.table_ids, result.tokens.encoding, settings.corpus)
        words = self._typed
        if words is None and result.example is not None:
            # The default words are not an example's: compare its own hand-made vectors instead.
            words = tuple(result.tokenizer.words)
        elif words is None:
            words = self._default_words(result, table_key).words
            self._words = words
        key = (words, *table_key)
        if self._key is None or not _same(key, self._key):
            self._key = key
            self._space = word_vectors(words, result)
            self._cosine = cosine_matrix(self._space.vectors)
            projection = pca_2d(self._space.vectors)
            self._coords, self._explained = projection.coords, projection.explained
            self._draw()

    def _default_words(self, result: PipelineResult, table_key: tuple[object, ...]) -> DefaultWords:
        """The defaults for this table (picked again only for another table), shown in the input
        unless the user has started typing there."""
        if self._defaults_key is None or not _same(table_key, self._defaults_key):
            self._defaults = default_words(parse_words(DEFAULT_WORDS), result)
            self._defaults_key = table_key
            if self._input.value == self._shown_defaults:
                self._shown_defaults = self._input.value = " ".join(self._defaults.words)
        return self._defaults

    def _defaults_note(self) -> str | None:
        """Where the compared words came from, when the pane picked them from the vocabulary."""
        result, defaults = self._result, self._defaults
        if self._typed is not None or result is None or result.example is not None:
            return None  # the user's words, or an example's
        if defaults is None or not defaults.from_vocabulary:
            return None
        source = result.model.name if result.model is not None else result.tokens.encoding
        return self.app.strings.say(
            "words from {source}'s own vocabulary (whole words, the tokenizer's earliest merges first): "
            "the classic ones are not single tokens in it",
            source=source,
        )

    def _caption_text(self, result: PipelineResult) -> str:
        """Where the vectors come from."""
        say = self.app.strings.say
        rows, dim = result.embedded.token_table.shape
        if result.example is not None:
            return say(
                "the example {name}'s hand-made vectors ({rows} words × {dim}): "
                "its words are compared until you type others above",
                name=result.example.name,
                rows=rows,
                dim=dim,
            )
        if result.model is None:
            return say(RANDOM_CAPTION)
        return say(
            "{name}: its trained token embedding ({rows:,} rows × {dim})",
            name=result.model.name,
            rows=rows,
            dim=dim,
        )

    @property
    def _theme(self) -> str:
        """The plotext theme for the current mode."""
        return MONO_THEME if self._mono else COLOR_THEME

    def _draw(self) -> None:
        """Fill the table, the scatter and the footnotes from the computed space."""
        space = self._space
        assert space is not None
        self._draw_table(space)
        self._legend = None
        self._draw_scatter()
        self._draw_notes()

    def _draw_notes(self) -> None:
        """Under the table and the scatter: the scatter's numbered words, where the default words
        came from, then the split and missing words."""
        space = self._space
        assert space is not None
        notes = footnotes(space, self.app.strings.say)
        note = self._defaults_note()
        if note is not None:
            notes.insert(0, note)
        if not space.words:
            notes.insert(0, self.app.strings.say("no words to compare: type some above and press enter"))
        if self._legend is not None:
            notes.insert(0, self._legend)
        self._notes_width = self.size.width
        self._notes.update("\n".join(self._broken(note) for note in notes))
        self._notes.display = bool(notes)

    def _cell_width(self, space: WordSpace) -> int:
        """The similarity columns' width for the room the table has now (see `cell_width`)."""
        width = self.size.width
        available = width if self.has_class("-narrow") else int(width * TABLE_SHARE)
        return cell_width([word_label(space, word) for word in space.words], available)

    def _draw_table(self, space: WordSpace) -> None:
        """One row and one column per word; each cell the cosine similarity, coloured. The columns
        are sized to fit the pane's width (headers cut with "…" if need be), so no column hides
        behind a scrollbar while there is room."""
        table = self._table
        table.clear(columns=True)
        labels = [word_label(space, word) for word in space.words]
        self._cell_drawn = width = self._cell_width(space)
        for i, label in enumerate(labels):
            table.add_column(Text(fitted(label, width), justify="right"), key=str(i), width=width)
        for i, label in enumerate(labels):
            cells = (self._cell(float(value), width) for value in self._cosine[i])
            table.add_row(*cells, key=str(i), label=label)

    def _cell(self, value: float, width: int = CELL) -> Text:
        """`+0.83`, right-aligned, on its palette colour (which fills the cell) unless in mono mode."""
        text = fitted(f"{value:+.2f}", width)
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
            scatter.heading.update(
                self.app.strings.say("need at least {count} words for a scatter", count=MIN_SCATTER)
            )
            self._plot.show(np.zeros((0, 2)), [])
            return
        first, second = self._explained * 100
        title = self.app.strings.say(
            "PCA: {first:.0f}% + {second:.0f}% of variance", first=first, second=second
        )
        scatter.heading.update(title)
        self._plot.show(self._coords, [word_label(space, word) for word in space.words])

    def on_word_scatter_placed(self, message: WordScatter.Placed) -> None:
        """List the words the scatter drew by number, under it. Once shown, the line stays until
        the words change (blank if none is numbered now): hiding it would grow the plot, which might
        then need it again."""
        message.stop()
        placement, labels = message.placement, self._plot.labels
        parts = [f"{i + 1} {labels[i]}" for i in placement.numbered]
        if placement.unlabelled:
            words = ", ".join(labels[i] for i in placement.unlabelled)
            parts.append(self.app.strings.say("no room to label: {words}", words=words))
        if parts or self._legend is not None:
            self._legend = " · ".join(parts)
            self._draw_notes()


def _same(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    """Whether two keys match: arrays by identity (comparing a 50k-row table would cost as much
    as redoing the work), everything else by equality."""
    return all(x is y if isinstance(x, np.ndarray) else x == y for x, y in zip(a, b, strict=True))
