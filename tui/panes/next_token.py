"""The Next-token pane: what a loaded model predicts after the selected token, and sampling from it."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.cells import set_cell_size
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from engine.analysis.draws import drawable_count, keyed_generator
from engine.errors import UserError
from engine.tokenize.tokens import id_piece
from tui.formatting.pieces import visible_piece
from tui.formatting.status import example_has_no_model
from tui.generation import COUNTS, DEFAULT_COUNT
from tui.hints import app_message
from tui.i18n.strings import marked
from tui.panes.attention import bar
from tui.panes.base import Pane
from tui.panes.sampling_lab import LAB_ROWS, LAB_SIZES, render_lab, settings_line
from tui.views.phrase_text import keys_in_lines

if TYPE_CHECKING:
    from textual.geometry import Size

    from engine.pipeline.results import NextToken, PipelineResult

NO_MODEL = marked(
    "No model is loaded: these weights are random, so their predictions would be noise.\n\n"
    "F6 picks a model (GPT-2 weights you have, or a tiny model you trained), "
    "F7 trains a tiny one on this machine in about a minute."
)
TOP_SHOWN = 12
TEMPERATURES = (0.0, 0.2, 0.5, 0.7, 1.0, 1.3, 1.6, 2.0)
TOP_KS = (1, 3, 5, 10, 20, 40, 100, None)
TOP_PS = (0.5, 0.75, 0.9, 0.95, None)
"""From the most restrictive to off (None: every token), so that K and U (+) always keep more
tokens and k and u (-) fewer; off is the top, where both start."""


def _step(values: tuple, current, delta: int):
    index = values.index(current) if current in values else len(values) - 1
    return values[max(0, min(len(values) - 1, index + delta))]


class NextTokenPane(Pane, VerticalScroll, can_focus=True):
    """The model's distribution over the next token, reshaped live by temperature, top-k and top-p.

    Bindings:
        t / T: Lower / raise the temperature (0 = greedy).
        k / K: Fewer / more candidates kept (top-k).
        u / U: Smaller / larger nucleus (top-p).
        r: Draw again (new seed).
        a: Append a token drawn after the last token to the text.
        A: Generate N tokens into the text, one by one (esc stops).
        - / +: Fewer / more tokens for A.
        h: Sampling lab: N draws next to the probabilities, with each id's logit trace.
        [ / ]: Fewer / more draws in the lab.
    """

    reads_deeper_layers: ClassVar[bool] = True  # predictions / the residual stream

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "temperature(-1)", "Temp -", id="next.temperature_down"),
        Binding("T", "temperature(1)", "Temp +", id="next.temperature_up"),
        Binding("k", "top_k(-1)", "Top-k -", id="next.top_k_down"),
        Binding("K", "top_k(1)", "Top-k +", id="next.top_k_up"),
        Binding("u", "top_p(-1)", "Top-p -", id="next.top_p_down"),
        Binding("U", "top_p(1)", "Top-p +", id="next.top_p_up"),
        Binding("r", "redraw", "Redraw", id="next.redraw"),
        Binding("a", "append", "Append token", id="next.append"),
        Binding("A", "generate", "Generate", id="next.generate"),
        Binding("minus", "count(-1)", "Fewer to generate", id="next.count_down", key_display="-"),
        Binding("plus", "count(1)", "More to generate", id="next.count_up", key_display="+"),
        Binding("h", "toggle_lab", "Sampling lab", id="next.sampling_lab"),
        Binding("left_square_bracket", "lab_size(-1)", "Fewer draws", id="next.lab_fewer", key_display="["),
        Binding("right_square_bracket", "lab_size(1)", "More draws", id="next.lab_more", key_display="]"),
    ]
    DEFAULT_CSS = """
    NextTokenPane { height: 1fr; padding: 0 1; }
    """

    class Generate(Message):
        """Draw `count` tokens after the end of the text and append them, one at a time."""

        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.result: PipelineResult | None = None
        self.position: int | None = None
        self.temperature = 1.0
        self.top_k: int | None = None
        self.top_p: float | None = None
        self.draw = 0
        self.seed = 0
        self.lab = False
        self.lab_size = 1_000
        self.count = DEFAULT_COUNT  # tokens `A` generates
        self._progress: tuple[int, int] | None = None  # (done, total) while `A` runs
        self._drawn: tuple[PipelineResult | None, int | None] = (None, None)  # what `_draw` last drew
        self._message: str | None = None  # what `show_message` shows, broken again for a new width
        self._prose_width = 0  # the width the body was last drawn (its prose broken) for

    def compose(self):
        yield Static("", id="next-body")

    def show_result(self, result: PipelineResult) -> None:
        self.result = result
        self.seed = result.settings.seed
        self._draw()

    def show_message(self, message: str) -> None:
        self.result = None
        self._message = message
        self._show_prose(message, "italic")

    def _body_width(self) -> int:
        """The cells a line of the body has (0 before the first layout)."""
        return self.scrollable_content_region.width

    def _broken(self, message: str) -> str:
        """`message` broken at phrases for the body's width when it is Japanese (Textual would
        break it anywhere, even between a number and its counter); as it is before a layout."""
        width = self._prose_width = self._body_width()
        return self.app.strings.broken_for(message, width) if width else message

    def _broken_keys(self, keys: str) -> str:
        """A line of keys ("t/T 温度 · k/K top-k · …") in Japanese broken between its items, each
        item whole where it fits; English as it is (Textual breaks it at its spaces)."""
        width = self._body_width()
        if not width or self.app.strings.language != "ja":
            return keys
        return "\n".join(self._broken(line) for line in keys_in_lines(keys, width).split("\n"))

    def _show_prose(self, message: str, style: str = "") -> None:
        self.query_one("#next-body", Static).update(Text(self._broken(message), style=style))

    def select_token(self, index: int | None) -> None:
        drawn_result, drawn_position = self._drawn
        if index == self.position == drawn_position and drawn_result is self.result:
            return  # `offer_result` selects right after `show_result` drew this very view
        self.position = index
        self._draw()

    def action_temperature(self, delta: int) -> None:
        self.temperature = _step(TEMPERATURES, self.temperature, delta)
        self._draw()

    def action_top_k(self, delta: int) -> None:
        self.top_k = _step(TOP_KS, self.top_k, delta)
        self._draw()

    def action_top_p(self, delta: int) -> None:
        self.top_p = _step(TOP_PS, self.top_p, delta)
        self._draw()

    def action_redraw(self) -> None:
        self.draw += 1
        self._draw()

    def on_resize(self) -> None:
        # The bars take the width there is (a line never wraps); the same seed gives the same draws.
        # Japanese prose is broken again for the new width.
        if self.result is not None:
            self._draw()
        elif self._message is not None:
            self._show_prose(self._message, "italic")

    def fit(self, size: Size) -> None:
        # A tab's first layout can size the pane without a Resize: prose broken before it (or for
        # another width) is broken again.
        if self._body_width() and self._body_width() != self._prose_width:
            self.on_resize()

    def action_toggle_lab(self) -> None:
        """Switch between the list of likely tokens and the sampling lab."""
        self.lab = not self.lab
        if self.lab and self.result is not None and self.result.next_token is None:
            self.app.notify(
                self.app.strings.say("the sampling lab needs a model: F6 picks one, F7 trains a tiny one"),
                severity="warning",
            )
        self._draw()

    def action_lab_size(self, delta: int) -> None:
        self.lab_size = _step(LAB_SIZES, self.lab_size, delta)
        self.lab = True  # changing N only makes sense in the lab: open it
        self._draw()

    def action_append(self) -> None:
        """Draw one token after the last one, as generation does, and append it (`tui.generation`)."""
        self.post_message(self.Generate(1))

    def action_generate(self) -> None:
        """Generate `count` tokens into the text, streaming; `A` again or esc stops."""
        self.post_message(self.Generate(self.count))

    def action_count(self, delta: int) -> None:
        self.count = _step(COUNTS, self.count, delta)
        generates = self.app.strings.say_n(
            "A generates {count} token", "A generates {count} tokens", self.count
        )
        self.app.notify(generates, timeout=2)
        self._draw()

    def show_generation(self, progress: tuple[int, int] | None) -> None:
        """(done, total) while `A` runs, None after it."""
        self._progress = progress
        if not self.in_hidden_tab:
            self._draw()

    def draw_token(self, prediction: NextToken, row: int, position: int) -> int:
        """Draw a token id from row `row` of `prediction`, the prediction after token `position`,
        with this pane's temperature, top-k and top-p, keyed by the seed, the draw number and the
        position (the next draw gets the next number). -1: the model's <|unk|>."""
        token_id, _ = self._choose_from(prediction, row, position)
        self.draw += 1
        return token_id

    def _tokenizer(self):
        return self.result.tokenizer

    def _distribution(self, prediction: NextToken, row: int):
        from engine.sampling.distribution import next_token_distribution

        return next_token_distribution(
            prediction.logits_at(row),
            temperature=self.temperature,
            top_k=self.top_k,
            top_p=self.top_p,
            suppressed=prediction.suppressed,
        )

    def _choose(self, position: int) -> tuple[int, object]:
        return self._choose_from(self.result.next_token, position, position)

    def _choose_from(self, prediction: NextToken, row: int, position: int) -> tuple[int, object]:
        from engine.sampling.distribution import sample

        distribution = self._distribution(prediction, row)
        # Seeded by the settings' seed, the draw number and the position: the same keys give the same draw.
        drawn = sample(distribution, keyed_generator(self.seed, self.draw, position))
        return prediction.token_id(drawn), distribution

    def _draw(self) -> None:
        result = self.result
        self._drawn = (result, self.position)
        body = self.query_one("#next-body", Static)
        if result is None:
            return
        say = self.app.strings.say
        if result.next_token is None:
            self._show_prose(say(NO_MODEL) if result.example is None else example_has_no_model(result, say))
            return
        if result.n_used == 0:
            self._show_prose(say("Type some text: the model predicts what follows it."))
            return
        position = min(self.position if self.position is not None else result.n_used - 1, result.n_used - 1)
        try:
            chosen, distribution = self._choose(position)
        except UserError as error:
            self._show_prose(app_message(error, self.app.strings), "bold")
            return
        tokenizer = self._tokenizer()
        piece = visible_piece(result.tokens.piece(position))

        def label(token_id: int) -> str:
            return visible_piece(id_piece(tokenizer.token_bytes, token_id))

        heading = say("after {piece} (token #{position})", piece=repr(piece), position=position)
        heading += f" · {result.model.name if result.model else ''}"
        if self._progress is not None:
            done, total = self._progress
            heading += say(" · generating {done}/{total} (esc stops)", done=done, total=total)
        if self.lab:
            from engine.sampling.lab import draw_many, trace

            # The lab's seed is the settings' seed plus the draw number: `r` draws a fresh set.
            draws = draw_many(distribution, self.lab_size, self.seed + self.draw)

            def row_label(row: int) -> str:
                return label(result.next_token.token_id(row))

            self._prose_width = self._body_width()
            width = self._prose_width or 100  # 0 before the first layout
            lab = render_lab(draws, trace(draws, LAB_ROWS), row_label, heading, width, self.app.strings)
            body.update(lab)
            return
        text = Text()
        text.append(f"{heading}\n", style="bold")
        top_p = None if self.top_p is None else f"{self.top_p:.2f}"
        text.append(settings_line(self.temperature, self.top_k, top_p, distribution.greedy, say) + "\n\n")
        rows, probabilities = distribution.top(TOP_SHOWN)
        # rank, piece, bar, percentage, id: the bar gets what the 40 other cells leave (4 to 30);
        # narrower than that, the id goes (11 cells), so that no line wraps.
        available = self._body_width() or 100
        with_ids = available - 40 >= 4
        bar_cells = max(4, min(30, available - (40 if with_ids else 29)))
        for rank, (row, probability) in enumerate(zip(rows.tolist(), probabilities.tolist(), strict=True), 1):
            if probability <= 0 and rank > 1:
                break
            token_id = result.next_token.token_id(row)
            style = "reverse" if token_id == chosen else ""
            text.append(f"{rank:>3} {set_cell_size(label(token_id), 14)} ", style=style)
            text.append(f"{bar(probability, bar_cells)} {probability:7.2%}")
            text.append("  " + say("id {id}", id=token_id) + "\n" if with_ids else "\n")
        kept = drawable_count(distribution.probs)
        total = len(distribution.probs)
        text.append("\n" + say("{kept} of {total} tokens can be drawn", kept=f"{kept:,}", total=f"{total:,}"))
        text.append(" · ")
        text.append(say("drawn (seeded): {piece}", piece=repr(label(chosen))) + "\n", style="bold")
        if position == result.n_used - 1:
            following = say("the text continues with the end of the text")
        else:
            following = say(
                "the text continues with {piece}",
                piece=repr(visible_piece(result.tokens.piece(position + 1))),
            )
        text.append(f"{following}\n", style="dim")
        if result.truncated:
            longer = say(
                "the text is longer than the {shown} tokens shown: a and A read its last {context} tokens, "
                "the model's context",
                shown=f"{result.n_used:,}",
                context=f"{result.model.context:,}",
            )
            text.append(f"{self._broken(longer)}\n", style="dim")
        keys = say(
            "t/T temperature · k/K top-k · u/U top-p · r redraw · a append a token at the end · "
            "A generate {count} (-/+ to change) · h sampling lab",
            count=self.count,
        )
        text.append(f"\n{self._broken_keys(keys)}", style="dim")
        self._prose_width = self._body_width()
        body.update(text)
