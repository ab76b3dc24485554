"""`StepState`: the app state one lesson step sets, typed and validated once, when the file loads.

A step's `[steps.state]` table names only what the step changes; every other field stays None
("leave as it is"). `over` lays a step's state over the earlier steps' when a lesson is resumed
or walked back, and the lesson driver applies the result through the panes' public methods.
No Textual here: the CLI lists lessons too.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from engine.errors import UserError
from engine.settings import EXAMPLES, MULTIHEAD, PROJECTIONS
from engine.tokenize.registry import ENCODINGS
from tui.panes.registry import PANES

FOCUSABLE_PANES = tuple(spec.name for spec in PANES if spec.name != "bytes")
"""Panes a step may focus (`pane = "..."`)."""


class LessonError(UserError):
    """A lesson file is missing, malformed or sets a state the app does not have."""


@dataclass(frozen=True)
class StepState:
    """What a step sets; None: the step leaves it as it is.

    Attributes:
        text: the text in the text box.
        pane: the pane (tab) shown and focused.
        select: the selected token; key: the attention key column highlighted with it.
        head: the attention head shown; one_hot: the embeddings pane's one-hot view.
        cell: the attention pane's arithmetic of the selected cell (q·k, ÷√d, softmax, Σ w·v).
        position_plot: "learned" or "sinusoidal", the positions pane's plot.
        max_length, stride, batch_size: the windows pane's sliding window.
        words: the words the Embedding space pane compares, separated by spaces.
        encoding, allow_special, causal, scaled, positions, dim, heads, chat: pipeline settings;
            setting `dim` or `heads` switches to random weights of that size; `chat` wraps the text
            in a loaded model's chat template.
        example: a built-in worked example (`engine.examples`) whose sentence and hand-made
            vectors the step shows, or "none" for text again; later steps of the lesson keep it.
        projection, multihead ("one", "stack", "merged"), d_out, dropout: the book's attention on
            the example (`engine.nn.book_attention`).
    """

    text: str | None = None
    encoding: str | None = None
    pane: str | None = None
    select: int | None = None
    key: int | None = None
    head: int | None = None
    causal: bool | None = None
    scaled: bool | None = None
    one_hot: bool | None = None
    cell: bool | None = None
    positions: str | None = None
    position_plot: str | None = None
    dim: int | None = None
    heads: int | None = None
    allow_special: bool | None = None
    max_length: int | None = None
    stride: int | None = None
    batch_size: int | None = None
    words: str | None = None
    chat: bool | None = None
    example: str | None = None
    projection: str | None = None
    multihead: str | None = None
    d_out: int | None = None
    dropout: float | None = None

    SETTINGS = ("encoding", "allow_special", "dim", "heads", "causal", "scaled", "positions", "chat")
    """The fields that are pipeline settings (`engine.settings.Settings` has the same names)."""
    WINDOW = ("max_length", "stride", "batch_size")

    @classmethod
    def from_table(cls, table: Any, where: str) -> StepState:
        """Check a `[steps.state]` table; a mistake is a LessonError naming `where`."""
        if not isinstance(table, dict):
            raise LessonError(f"{where}: 'state' must be a table")
        types = {field.name: _FIELD_TYPES[field.type] for field in dataclasses.fields(cls)}
        for key, value in table.items():
            if key not in types:
                raise LessonError(f"{where}: unknown state key {key!r} (known: {', '.join(types)})")
            expected = types[key]
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                value = table[key] = float(value)  # `dropout = 0` is as good as 0.0
            # bool is an int in Python; an integer key must not accept true/false.
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                raise LessonError(f"{where}: state key {key!r} must be {expected.__name__}, not {value!r}")
        allowed = {
            "pane": FOCUSABLE_PANES,
            "encoding": ENCODINGS,
            "positions": ("learned", "sinusoidal"),
            "position_plot": ("learned", "sinusoidal"),
            "example": (*EXAMPLES, "none"),
            "projection": PROJECTIONS,
            "multihead": ("one", *MULTIHEAD),
        }
        for key, choices in allowed.items():
            if key in table and table[key] not in choices:
                raise LessonError(f"{where}: {key} {table[key]!r} is not one of {', '.join(choices)}")
        for key in ("select", "key", "head"):
            if key in table and table[key] < 0:
                raise LessonError(f"{where}: {key} must not be negative")
        if "dropout" in table and not 0.0 <= table["dropout"] < 1.0:
            raise LessonError(f"{where}: dropout must be from 0 up to (not including) 1")
        for key in ("dim", "heads", "max_length", "stride", "batch_size", "d_out"):
            if key in table and table[key] < 1:
                raise LessonError(f"{where}: {key} must be at least 1")
        if "words" in table and not table["words"].split():
            raise LessonError(f"{where}: words must name at least one word")
        return cls(**table)

    def has(self, name: str) -> bool:
        """Whether the state sets field `name`."""
        return getattr(self, name) is not None

    def over(self, earlier: StepState) -> StepState:
        """This state laid over `earlier`: what this one sets wins, the rest is `earlier`'s."""
        return dataclasses.replace(earlier, **self.fields_set())

    def fields_set(self) -> dict[str, Any]:
        """{name: value} of every field the state sets."""
        return {
            field.name: getattr(self, field.name)
            for field in dataclasses.fields(self)
            if self.has(field.name)
        }

    def settings_changes(self, on_example: bool | None = None) -> dict[str, Any]:
        """The pipeline settings the state sets; a size (`dim`, `heads`) also means random weights,
        unless the step is on a worked example (whose heads are the book's, and which has no model).
        `on_example`: whether the step is, walked from the lesson's start (default: this state's own)."""
        changes = {name: getattr(self, name) for name in self.SETTINGS if self.has(name)}
        on_example = self.on_example if on_example is None else on_example
        if (self.has("dim") or self.has("heads")) and not on_example:
            changes["weights"] = None
        for name in ("projection", "d_out", "dropout"):
            if self.has(name):
                changes[name] = getattr(self, name)
        if self.has("multihead"):
            changes["multihead"] = None if self.multihead == "one" else self.multihead
        return changes

    def example_switches(self) -> dict[str, Any]:
        """On a worked example, the book's switches in full (what the state leaves unset is the
        default), so that a lesson's example steps never inherit the learner's or another lesson's."""
        projected = self.projection not in (None, "none")
        return {
            "projection": self.projection or "none",
            "multihead": None if self.multihead in (None, "one") or not projected else self.multihead,
            "d_out": self.d_out if projected else None,
            "dropout": self.dropout or 0.0,
            "seed": 123,  # the book's: its figures, the lessons' "after torch.manual_seed(123)"
        }

    @property
    def on_example(self) -> bool:
        """Whether the state shows a worked example (not "none")."""
        return self.example not in (None, "none")

    def window(self) -> dict[str, int]:
        """The sliding-window parameters the state sets."""
        return {name: getattr(self, name) for name in self.WINDOW if self.has(name)}


_FIELD_TYPES: dict[str, type] = {
    "str | None": str,
    "int | None": int,
    "bool | None": bool,
    "float | None": float,
}
"""A field's annotation (a string: `from __future__ import annotations`) -> the type its value must have."""
