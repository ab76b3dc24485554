"""`ExampleActions`: opening a worked example and the book's attention switches on it, mixed into
`tui.app.LlmTuiApp`.

An example (`engine.examples`) replaces the text's tokens and tables with hand-made vectors: its
sentence goes into the text box (the learner may retype or reorder its words) and the text from
before is kept, to come back to when the example is left (F10, or choosing a model or an encoding).
The switches (P, M, W, D in the Attention tab) walk the book's chapter 3: no projection, torch.rand
projections, nn.Linear layers; one head, heads stacked, heads merged; the projection width; dropout.
"""

from __future__ import annotations

from engine.errors import UserError
from engine.settings import MULTIHEAD, PROJECTIONS
from tui.hints import app_message
from tui.i18n.strings import marked

# What each switch says, as `UiStrings` texts.
PROJECTION_NAMES = {
    "none": marked("projection none: q = k = v = the inputs (simplified self-attention)"),
    "rand": marked("projection rand: q, k, v = x @ torch.rand matrices (the first trainable version)"),
    "linear": marked(
        "projection linear: q, k, v = nn.Linear layers without bias "
        "(SelfAttention_v2; masked: CausalAttention)"
    ),
}
MULTIHEAD_NAMES = {
    None: marked("one head"),
    "stack": marked("heads stacked, each its own layers (MultiHeadAttentionWrapper)"),
    "merged": marked("one projection split into heads, then out_proj (MultiHeadAttention)"),
}
DROPOUTS = (0.0, 0.5, 0.1)
"""What D steps through: none, the book's 0.5 on its 6 × 6 example, and its training value 0.1."""
D_OUTS = (None, 2, 1, 4)
"""What W steps through: as wide as the inputs, then the book's d_out = 2, and two more."""
EXAMPLE_SWITCHES = ("next_projection", "next_multihead", "next_d_out", "next_dropout")
"""The actions that only mean something on an example (`LlmTuiApp.check_action`)."""


def _after(values: tuple, current: object) -> object:
    """The value after `current` in `values`, round again at the end; the first one when
    `current` is not among them (a value given on the command line)."""
    return values[(values.index(current) + 1) % len(values)] if current in values else values[0]


class ExampleActions:
    """Actions of the example keys; the host has the `AppApi` methods and its text box."""

    _text_before_example: str | None = None

    @property
    def text_before_example(self) -> str | None:
        """The text an open example replaced, to come back to when it is left (None: no example)."""
        return self._text_before_example

    @text_before_example.setter
    def text_before_example(self, text: str | None) -> None:
        self._text_before_example = text

    @property
    def text(self) -> str:
        """The text box's text now."""
        return self.query_one("#text").text

    def action_pick_example(self) -> None:
        """Open a worked example, or go back to your own text."""
        from tui.screens.example import LEAVE, ExampleScreen

        def picked(choice: str | None) -> None:
            if choice is not None:
                self.open_example(None if choice == LEAVE else choice)

        self.push_screen(ExampleScreen(self.settings.example), picked)

    def open_example(self, name: str | None) -> None:
        """Show worked example `name` (a built-in name or a .toml path): its sentence in the text box,
        its vectors in the panes. None goes back to the text from before the example."""
        if name == self.settings.example:
            return
        if name is None:
            self._restore_text()
            self.update_settings(example=None)
            self.notify(
                self.strings.say("back to your text: the encoding (and the model) read it again"), timeout=3
            )
            return
        from engine.examples import example  # numpy only

        try:
            chosen = example(name)
        except UserError as error:
            self.notify(app_message(error, self.strings), severity="error", timeout=8, markup=False)
            return
        switches = {}
        if self.settings.example is None:
            self._text_before_example = self.text
            # A new visit starts at the book's first version; between examples the switches stay,
            # so that one version can be compared on two examples.
            switches = {"projection": "none", "multihead": None, "d_out": None, "dropout": 0.0}
        # The text first: the run update_settings starts reads the text box as it is then.
        self.replace_text(chosen.text)
        self.update_settings(example=name, selected=0, **switches)
        opened = self.strings.say(
            "example {name}: {source}. In the Attention tab (F4, then Tab to the heatmap): "
            "P projection, M heads, W d_out, D dropout, x the book's tables",
            name=chosen.name,
            source=self.strings.say_note(chosen.source),
        )
        self.notify(opened, timeout=6, markup=False)

    def leave_example_for(self, changes: dict) -> dict:
        """`changes` to the settings, plus leaving the example when they choose a model or an
        encoding (which read text, not an example's words); the text from before comes back."""
        settings = self.settings
        if settings.example is None or "example" in changes:
            return changes
        if "weights" not in changes and "encoding" not in changes:
            return changes  # even the same model or encoding chosen again means "read my text"
        self._restore_text()
        self.notify(
            self.strings.say("left the example {name}: your text is back", name=settings.example),
            timeout=3,
            markup=False,
        )
        return {**changes, "example": None}

    def _restore_text(self) -> None:
        """Put back the text the example replaced (if there was one) and forget it."""
        text, self._text_before_example = self._text_before_example, None
        if text is not None:
            self.replace_text(text)

    def action_next_projection(self) -> None:
        """The book's next version: no projection, torch.rand matrices, nn.Linear layers."""
        projection = _after(PROJECTIONS, self.settings.projection)
        changes: dict = {"projection": projection}
        if projection == "none":
            changes.update(multihead=None, d_out=None)  # q = k = v = x: one head, the inputs' width
        self.update_settings(**changes)
        self.notify(self.strings.say(PROJECTION_NAMES[projection]), timeout=3)

    def action_next_multihead(self) -> None:
        """One head, heads stacked (the wrapper), heads merged (the efficient class)."""
        multihead = _after((None, *MULTIHEAD), self.settings.multihead)
        changes: dict = {"multihead": multihead}
        heads = self.settings.heads
        if multihead is not None:
            changes["projection"] = "linear"  # the book builds its heads from nn.Linear layers
        note = ""
        if multihead == "merged" and self.result is not None and self.result.example is not None:
            width = self.settings.d_out or self.result.example.dim
            if width % heads:
                # One projection split into heads needs a width they divide (the book: d_out 2, 2 heads).
                changes["d_out"] = heads * max(1, width // heads)
                note = self.strings.say(
                    "; d_out {width} → {d_out}, which {heads} heads divide",
                    width=width,
                    d_out=changes["d_out"],
                    heads=heads,
                )
        self.update_settings(**changes)
        count = self.strings.say("{heads} heads: ", heads=heads) if multihead else ""
        self.notify(count + self.strings.say(MULTIHEAD_NAMES[multihead]) + note, timeout=4)

    def action_next_d_out(self) -> None:
        """The projections' width: the inputs', then 2, 1, 4."""
        if self.settings.projection == "none":
            self.notify(
                self.strings.say("without a projection q = k = v = the inputs: P chooses one first"),
                timeout=3,
            )
            return
        d_out = _after(D_OUTS, self.settings.d_out)
        self.update_settings(d_out=d_out)
        say = self.strings.say
        self.notify(
            say("d_out {d_out}", d_out=d_out) if d_out else say("d_out as wide as the inputs"), timeout=3
        )

    def action_next_dropout(self) -> None:
        """Dropout on the attention weights: none, 0.5, 0.1 (drawn after the seed, as nn.Dropout)."""
        dropout = _after(DROPOUTS, self.settings.dropout)
        self.update_settings(dropout=dropout)
        if dropout:
            scaled = self.strings.say(
                "dropout {rate}: kept weights × {scale}, the rest 0",
                rate=f"{dropout:g}",
                scale=f"{1 / (1 - dropout):g}",
            )
            self.notify(scaled, timeout=3)
        else:
            self.notify(self.strings.say("dropout off"), timeout=3)
