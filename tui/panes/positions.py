"""Position vectors as waves, and why attention divides its scores by √d, on the user's numbers.

Two plots side by side (stacked when the pane is narrow), drawn with plotext through
`textual-plotext`:

1. A few dimensions of the position vectors over a window of positions: the sinusoidal
   encodings (each pair of dimensions is a wave of its own wavelength) or, after `w`, the learned
   embeddings, which are random noise until a model is trained.
2. The softmax over keys of the selected query's attention scores, with and without dividing by
   √(head size): without it the distribution is sharper, closer to one-hot.

A rotary model (Llama, Qwen, Mistral) adds no position vector, so the first plot shows its rotation
angles instead (`w`: its inverse frequencies, scaled and not), and a third plot below it shows that
the score of a fixed query and key depends only on their distance (`tui.panes.rope_plots`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container
from textual.geometry import Size
from textual.reactive import reactive
from textual.widgets import Static
from textual_plotext import PlotextPlot

from engine.analysis.scaling import scaling_comparison
from engine.analysis.sinusoids import extend_sinusoidal
from tui.panes import rope_plots
from tui.panes.base import Pane
from tui.views.titled_plot import COLOR_THEME, MONO_THEME, TitledPlot, plot_text

if TYPE_CHECKING:
    from textual_plotext.plot import Plot

    from engine.pipeline.results import PipelineResult, RopeInfo

POSITION_KINDS = ("sinusoidal", "learned")
"""The position vectors the first plot can show, in the order `w` cycles through them."""
ROPE_VIEWS = ("waves", "frequencies")
"""What the first plot shows for a rotary model, in the order `w` cycles through them."""
WINDOW = 64
"""Positions shown at once: enough for several periods of the fast waves, few enough to see them."""
LOW_DIMS = (0, 1, 2, 3)
"""Dimensions always plotted (where the vectors have them): the fastest waves."""
MAX_BARS = 24
"""Rows with at most this many keys are drawn as bars; longer rows as points."""
NARROW = 80
"""Below this many cells wide the plots are stacked instead of side by side."""
COMPACT = 14
"""Plots less than this many lines high drop their frame, x ticks and x label to keep room for data."""
TICK_EVERY = 16
"""Positions between ticks on the position plot."""
MONO_MARKERS = ("•", "+", "x", "o", "*")
"""One marker per line in mono mode, since the lines cannot differ by colour."""
MONO_BARS = ("█", "░")
"""Bar fills for (unscaled, scaled) in mono mode."""

_MOVE = Binding.Group("Move")


def plotted_dims(dim: int) -> list[int]:
    """The dimensions the first plot shows: the four fastest, and one from the middle.

    The middle one is even (a sine): at 2i/dim ≈ 1/2 its wavelength is about 2π·100 positions
    for any dim, so it shows as a slow rise beside the fast waves.
    """
    return sorted({d for d in LOW_DIMS if d < dim} | {dim // 2 // 2 * 2})


def position_window(n_used: int, query: int, extend: bool) -> range:
    """The positions the first plot shows: up to `WINDOW` of them around the query.

    Args:
        n_used: Positions that belong to the text.
        query: The selected position, kept inside the window.
        extend: Whether positions past the text may be shown (sinusoidal encodings have a
            formula for every position; learned embeddings only exist for the text's).
    """
    start = min(max(query - WINDOW // 2, 0), max(n_used - WINDOW, 0))
    stop = start + WINDOW if extend else min(start + WINDOW, n_used)
    return range(start, stop)


class PositionsPane(Pane, Container, can_focus=True):
    """Position vectors and the effect of scaling attention scores, for the selected token.

    The selected token is marked on the position plot and is the query whose attention the
    second plot shows (the last attended token when nothing is selected). With fewer than
    `WINDOW` tokens the sinusoidal plot runs on past the text so its waves are visible; with
    more it shows the `WINDOW` positions around the selected token.

    The pane has no cursor of its own, but when focused the arrow keys move the selection to the
    previous or next token and post `TokenSelected`.

    Bindings:
        w: Switch the position plot between sinusoidal encodings and learned embeddings (for a
            rotary model: between its angles and its inverse frequencies).
        left, h: Select the previous token.
        right, l: Select the next token.
        home, g: Select the first token.
        end, G: Select the last attended token.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("w", "toggle_kind", "Learned/sinusoidal", id="positions.kind"),
        Binding("left,h", "previous_token", "Previous", id="positions.previous", group=_MOVE),
        Binding("right,l", "next_token", "Next", id="positions.next", group=_MOVE),
        Binding("home,g", "first_token", "First", id="positions.first"),
        Binding("end,G", "last_token", "Last", id="positions.last"),
    ]

    DEFAULT_CSS = """
    PositionsPane {
        layout: horizontal;
        width: 1fr;
        height: 1fr;
        background: $surface;
        &.-narrow { layout: vertical; }
        & > .positions-pane--message {
            width: 1fr;
            height: 1fr;
            padding: 0 1;
            color: $text-muted;
            text-style: italic;
            display: none;
        }
        &.-message > .positions-pane--message { display: block; }
        &.-message > TitledPlot { display: none; }
        & > .positions-pane--distance { display: none; }
        &.-rotary {
            layout: grid;
            grid-size: 2 2;
            & > .positions-pane--distance { display: block; }
            & > .positions-pane--scaling { row-span: 2; }
        }
        &.-rotary.-narrow { layout: vertical; }
    }
    """

    kind: reactive[str] = reactive("sinusoidal")
    """Which position vectors the first plot shows: "sinusoidal" or "learned"."""

    rope_view: reactive[str] = reactive("waves")
    """What the first plot shows for a rotary model: "waves" (angles) or "frequencies"."""

    def __init__(
        self,
        message: str = "",
        *,
        palette: str = "viridis",
        mono: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Create the pane, showing `message` until the first result.

        Args:
            message: What to show until `show_result` is called.
            palette: A heatmap palette name (see `set_palette`).
            mono: Draw without colours (see `set_palette`).
            name: The name of the widget.
            id: The ID of the widget in the DOM.
            classes: The CSS classes of the widget.
            disabled: Whether the widget is disabled.
        """
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._message = Static(message, classes="positions-pane--message", markup=False)
        self._message_text = message  # as said: broken at phrases for the width when shown
        self._encodings = TitledPlot(classes="positions-pane--encodings")
        self._scaling = TitledPlot(classes="positions-pane--scaling")
        self._distance = TitledPlot(classes="positions-pane--distance")
        self._result: PipelineResult | None = None
        self._selected: int | None = None
        self._mono = False
        self._compact = False
        self._height = 0
        self.set_class(True, "-message")
        self.set_palette(palette, mono)

    def compose(self) -> ComposeResult:
        """The message, then the two plots."""
        yield self._message
        yield self._encodings
        yield self._scaling
        yield self._distance

    @property
    def query_token(self) -> int | None:
        """The token whose attention is plotted: the selection if it was attended, else the last
        attended token; None without tokens."""
        if self._result is None or self._result.n_used == 0:
            return None
        last = self._result.n_used - 1
        return last if self._selected is None else min(self._selected, last)

    def show_result(self, result: PipelineResult) -> None:
        """Plot a new result, keeping the selection if the text still has that token."""
        if self._selected is not None and self._selected >= len(result.tokens):
            self._selected = None
        if result.n_used == 0:
            self.show_message(self.app.strings.say("No tokens to place: type some text."))
            return
        if result.example is not None:
            self.show_message(
                self.app.strings.say(
                    "The worked example {name} adds no position vectors: its inputs are the book's hand-made "
                    "vectors (chapter 3; positions come in chapter 2). 'Example: none' opens a text.",
                    name=result.example.name,
                )
            )
            return
        self._result = result
        self.set_class(False, "-message")
        self.set_class(self._rope is not None, "-rotary")
        self._compact = self._is_compact()
        self._draw()

    def show_message(self, message: str) -> None:
        """Hide the plots and show `message` (no data yet, or an error)."""
        self._result = None
        self._message_text = message
        self._message.update(self._broken(message))
        self.set_class(True, "-message")
        self.set_class(False, "-rotary")

    def _broken(self, message: str) -> str:
        """`message` broken at phrases for the pane's width when it is Japanese (Textual would
        break it anywhere, even before "。"); as it is before a layout."""
        width = self.size.width - 2  # the message's padding
        return self.app.strings.broken_for(message, width) if width > 0 else message

    def select_token(self, index: int | None) -> None:
        """Mark token `index` and plot its attention; does not post `TokenSelected`."""
        self._selected = index
        if self._result is not None:
            self._draw()

    def set_palette(self, palette_name: str, mono: bool) -> None:
        """Draw in colour or without.

        The series of a line plot need colours that differ from each other, not a sequential
        ramp, so `palette_name` is not used: in colour the plots take distinct series colours
        on the widget's own background; in mono mode there are no colours, and the series
        differ by marker character instead."""
        del palette_name
        self._mono = mono
        for titled in (self._encodings, self._scaling, self._distance):
            titled.plot.set_reactive(PlotextPlot.theme, self._theme)
        if self._result is not None:
            self._draw()

    def validate_kind(self, kind: str) -> str:
        """Accept only the kinds in `POSITION_KINDS`."""
        if kind not in POSITION_KINDS:
            raise ValueError(f"position kind must be one of {', '.join(POSITION_KINDS)}")
        return kind

    def watch_kind(self) -> None:
        """Redraw the position plot with the other vectors."""
        if self._result is not None:
            self._draw_positions(self._result)

    def validate_rope_view(self, view: str) -> str:
        """Accept only the views in `ROPE_VIEWS`."""
        if view not in ROPE_VIEWS:
            raise ValueError(f"rotary view must be one of {', '.join(ROPE_VIEWS)}")
        return view

    def watch_rope_view(self) -> None:
        """Redraw the rotary plot with the other view."""
        if self._result is not None:
            self._draw_positions(self._result)

    def on_resize(self, event: events.Resize) -> None:
        self.fit(event.size)

    def fit(self, size: Size) -> None:
        """Stack the plots when the pane is narrow; make them compact when they would be short."""
        self.set_class(size.width < NARROW, "-narrow")
        self._height = size.height
        if self._result is None and self._message_text:
            self._message.update(self._broken(self._message_text))
        compact = self._is_compact()
        if compact != self._compact:
            self._compact = compact
            if self._result is not None:
                self._draw()

    def _is_compact(self) -> bool:
        """Whether the plots would be too short for a frame: one line of each is the title."""
        rows = (2 if self.has_class("-narrow") else 1) + (self._rope is not None)
        return self._height // rows - 1 < COMPACT

    @property
    def _rope(self) -> RopeInfo | None:
        """The shown result's rotary settings, or None for a model with position vectors."""
        model = None if self._result is None else self._result.model
        return None if model is None else model.rope

    def action_toggle_kind(self) -> None:
        """Switch between sinusoidal encodings and learned embeddings (a rotary model's angles and
        frequencies)."""
        if self._rope is not None:
            self.rope_view = ROPE_VIEWS[(ROPE_VIEWS.index(self.rope_view) + 1) % len(ROPE_VIEWS)]
            return
        index = POSITION_KINDS.index(self.kind)
        self.kind = POSITION_KINDS[(index + 1) % len(POSITION_KINDS)]

    def action_previous_token(self) -> None:
        """Select the previous token."""
        self._step(-1)

    def action_next_token(self) -> None:
        """Select the next token."""
        self._step(1)

    def action_first_token(self) -> None:
        """Select the first token."""
        self._step(-(self.query_token or 0))

    def action_last_token(self) -> None:
        """Select the last attended token."""
        if self._result is not None and self.query_token is not None:
            self._step(self._result.n_used - 1 - self.query_token)

    def _step(self, delta: int) -> None:
        """Move the selection by `delta` attended tokens and announce it."""
        query = self.query_token
        if query is None or self._result is None:
            return
        target = min(max(query + delta, 0), self._result.n_used - 1)
        if target == self._selected:
            return
        self.select_token(target)
        self.announce_selection(target)

    def _draw(self) -> None:
        """Redraw both plots from the current result."""
        assert self._result is not None
        self._draw_positions(self._result)
        self._draw_scaling(self._result)
        if self._rope is not None:
            self._draw_distance(self._result, self._rope)

    @property
    def _theme(self) -> str:
        """The plotext theme for the current mode."""
        return MONO_THEME if self._mono else COLOR_THEME

    def _clear(self, titled: TitledPlot) -> Plot:
        """Empty a plot and set its theme, which fixes the colours of the series plotted next."""
        plt = titled.plot.plt
        plt.clear_figure()
        plt.theme(self._theme)
        return plt

    def _markers(self, count: int) -> list[str | None]:
        """Line markers: plotext's default in colour, distinct characters in mono mode."""
        if self._mono:
            return [MONO_MARKERS[i % len(MONO_MARKERS)] for i in range(count)]
        return [None] * count

    def _finish(self, titled: TitledPlot, title: str, xlabel: str, xticks: range | None = None) -> None:
        """Set the title and x label (in compact mode drop the frame, ticks and label); repaint."""
        titled.heading.update(title)
        plt = titled.plot.plt
        if self._compact:
            plt.frame(False)
            plt.xticks([])
        else:
            plt.xlabel(plot_text(xlabel))
            if xticks is not None:
                plt.xticks(list(xticks))
        titled.plot.refresh()

    def _draw_positions(self, result: PipelineResult) -> None:
        """Plot a few dimensions of the position vectors, marking the query's position."""
        query = self.query_token
        assert query is not None
        n_used, dim = result.n_used, result.settings.dim
        say = self.app.strings.say
        if self._rope is not None:
            self._draw_rope(self._rope, n_used, query)
            return
        sinusoidal = self.kind == "sinusoidal"
        window = position_window(n_used, query, extend=sinusoidal)
        if sinusoidal:
            # Past the text, from the same formula (the pipeline only returns the used rows).
            table = extend_sinusoidal(result.embedded.sinusoidal_positions[:n_used], window.stop)
            title = say("Sinusoidal position encodings")
        else:
            table = result.embedded.learned_positions
            title = say("Learned positions (random until trained)")
        values = table[window.start : window.stop]
        dims = plotted_dims(dim)
        positions = list(window)
        plt = self._clear(self._encodings)
        for d, marker in zip(dims, self._markers(len(dims)), strict=True):
            wave = (
                (say("dim {dim} (cos)") if d % 2 else say("dim {dim} (sin)"))
                if sinusoidal
                else say("dim {dim}")
            )
            plt.plot(positions, values[:, d].tolist(), marker=marker, label=plot_text(wave.format(dim=d)))
        plt.vertical_line(query)
        if sinusoidal:
            plt.ylim(-1, 1)
        first_tick = -(-window.start // TICK_EVERY) * TICK_EVERY
        self._finish(
            self._encodings,
            title,
            self.app.strings.say("position (text: 0–{last}, marked: {query})", last=n_used - 1, query=query),
            range(first_tick, window.stop, TICK_EVERY),
        )

    def _draw_rope(self, rope: RopeInfo, n_used: int, query: int) -> None:
        """Plot a rotary model's angles over the positions around the query, or its frequencies."""
        plt = self._clear(self._encodings)
        strings = self.app.strings
        if self.rope_view == "frequencies":
            title = rope_plots.draw_frequencies(plt, rope, self._markers(2), strings)
            xlabel = strings.say("pair i (channels i and i + {half})", half=rope.head_dim // 2)
            self._finish(self._encodings, title, xlabel)
            return
        window = position_window(n_used, query, extend=True)  # angles exist for every position
        title, _pairs = rope_plots.draw_waves(
            plt, rope, window, query, self._markers(rope_plots.PAIRS), strings
        )
        first_tick = -(-window.start // TICK_EVERY) * TICK_EVERY
        self._finish(
            self._encodings,
            title,
            self.app.strings.say("position (text: 0–{last}, marked: {query})", last=n_used - 1, query=query),
            range(first_tick, window.stop, TICK_EVERY),
        )

    def _draw_distance(self, result: PipelineResult, rope: RopeInfo) -> None:
        """Plot a fixed query and key's score by distance, at two pairs of positions."""
        plt = self._clear(self._distance)
        strings = self.app.strings
        title = rope_plots.draw_distance(plt, rope, result.settings.seed, self._markers(2), strings)
        xlabel = strings.say(
            "distance m − n (fixed random q, k; D={size}): only m − n counts", size=rope.head_dim
        )
        self._finish(self._distance, title, xlabel)

    def _draw_scaling(self, result: PipelineResult) -> None:
        """Plot the query's attention over its keys with and without dividing by √d."""
        query = self.query_token
        assert query is not None
        comparison = scaling_comparison(result, query)
        unscaled, scaled, head_dim = comparison.unscaled, comparison.scaled, comparison.head_size
        keys = list(range(len(unscaled)))
        series = [unscaled.tolist(), scaled.tolist()]
        say = self.app.strings.say
        labels = [plot_text(say("unscaled")), plot_text(say("scaled"))]
        plt = self._clear(self._scaling)
        if len(keys) <= MAX_BARS:
            markers = list(MONO_BARS) if self._mono else None
            plt.multiple_bar(keys, series, marker=markers, labels=labels)
        else:
            # Points, not lines: plotext draws a line through 1,000 points several times slower.
            for values, label, marker in zip(series, labels, self._markers(2), strict=True):
                plt.scatter(keys, values, marker=marker, label=label)
        plt.ylim(0, max(unscaled.max(), scaled.max()))
        if len(keys) == 1:
            title = say("Why ÷√d? query {query} sees only itself: weight 1 either way", query=query)
        else:
            top = {"unscaled": float(unscaled.max()), "scaled": float(scaled.max())}
            title = say("Why ÷√d? max {unscaled:.2f} unscaled vs {scaled:.2f} scaled", **top)
        self._finish(
            self._scaling, title, say("key (query {query}, head 0, d={size})", query=query, size=head_dim)
        )
