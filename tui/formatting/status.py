"""The one-line status under the text: encoding, counts, sizes, model and device."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tui.i18n.strings import UiStrings

if TYPE_CHECKING:
    from engine.pipeline.results import PipelineResult


def example_has_no_model(result: PipelineResult, say: Callable[..., str] | None = None) -> str:
    """What the model-only tabs (Next token, Layers) say on a worked example (`say`: in the
    learner's language)."""
    say = say or UiStrings("en").say
    return say(
        "The worked example {name} is hand-made vectors and the book's attention, not a model: "
        "nothing here predicts a next token or has layers to read. F6 opens a model (and leaves the "
        "example); the palette's 'Example' commands switch examples.",
        name=result.example.name,
    )


def example_switches(result: PipelineResult, strings: UiStrings | None = None) -> str:
    """A worked example's attention switches in one line (the status line, the CLI), in the
    language of `strings` (English by default)."""
    strings = strings or UiStrings("en")
    say = strings.say
    chosen, settings = result.example, result.settings
    parts = [say("projection {name}", name=settings.projection)]
    if settings.projection != "none":
        parts.append(f"d_out {settings.d_out or chosen.dim}")
    heads = strings.say_n("{count} head", "{count} heads", settings.heads)
    parts.append(heads + (f" {settings.multihead}" if settings.multihead else ""))
    parts.append(say("causal on") if settings.causal else say("causal off"))
    parts.append("÷ √d" if settings.scaled else say("not scaled"))
    if settings.dropout:
        parts.append(say("dropout {rate}", rate=f"{settings.dropout:g}"))
    parts.append(say("dim {dim}", dim=chosen.dim))
    if settings.projection != "none" or settings.dropout:
        parts.append(say("seed {seed}", seed=settings.seed))
    return " · ".join(parts)


CONCEALS = {"token_count": ("tokens", "chars"), "table_rows": ("vocab",)}
"""What the status line hides while a lesson question of that kind is open: it would answer it."""


def status_line(
    result: PipelineResult,
    corpus_path: str | None,
    concealed: str | None = None,
    strings: UiStrings | None = None,
    failed: bool = False,
) -> str:
    """What the result was computed with, in one line; `corpus_path` is named for regex encodings;
    `concealed`: the kind of an open lesson question, whose answer the line must not show;
    `strings`: the learner's language (English by default), the engine's notes and the model's
    and device's descriptions included (`UiStrings.say_note`); `failed`: a newer text's run
    failed, so the result (and the line) is an earlier text's."""
    strings = strings or UiStrings("en")
    if failed:
        return strings.say(
            "before the error: {status}", status=status_line(result, corpus_path, concealed, strings)
        )
    say, say_n = strings.say, strings.say_n
    tokens = result.tokens
    hidden = CONCEALS.get(concealed or "", ())
    if result.example is not None:
        count = say_n(
            "{count} token (a vocabulary of {size})",
            "{count} tokens (a vocabulary of {size})",
            len(tokens),
            size=tokens.vocab_size,
        )
        if hidden:
            count = say("? tokens (a vocabulary of ?)")
        # Notes first (a word left out), then the switches: the line is cut at the terminal's edge.
        notes = [strings.say_note(note) for note in result.notes]
        switches = example_switches(result, strings)
        return " · ".join([say("example {name}", name=result.example.name), count, *notes, switches])
    per_token = len(tokens.text) / len(tokens) if len(tokens) else 0.0
    corpus = (
        " · " + say("corpus {name}", name=Path(corpus_path).name)
        if corpus_path and tokens.encoding.startswith("regex")
        else ""
    )
    heads = say_n("{count} head", "{count} heads", result.settings.heads)
    parts = [
        f"{tokens.encoding}{corpus}",
        say("? tokens") if "tokens" in hidden else say_n("{count} token", "{count} tokens", len(tokens)),
        say("? chars/token") if "chars" in hidden else say("{ratio} chars/token", ratio=f"{per_token:.2f}"),
        say("vocab ?") if "vocab" in hidden else say("vocab {size}", size=f"{tokens.vocab_size:,}"),
        say("dim {dim} · {heads}", dim=result.settings.dim, heads=heads),
        strings.say_note(result.model.status()) if result.model else say("random weights"),
        strings.say_note(result.device),
    ]
    # Notes right after the token count: at the end of the one-line status they were cut off
    # ("showing the first 1,024 of 229,650 tokens" after a paste was never seen).
    notes = [strings.say_note(note) for note in result.notes]
    return " · ".join(parts[:2] + notes + parts[2:])
