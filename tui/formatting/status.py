"""The one-line status under the text: encoding, counts, sizes, model and device."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tui.formatting.counts import counted

if TYPE_CHECKING:
    from engine.pipeline.results import PipelineResult


def example_has_no_model(result: PipelineResult) -> str:
    """What the model-only tabs (Next token, Layers) say on a worked example."""
    return (
        f"The worked example {result.example.name} is hand-made vectors and the book's attention, not a "
        "model: nothing here predicts a next token or has layers to read. F6 opens a model (and leaves "
        "the example); the palette's 'Example' commands switch examples."
    )


def example_summary(result: PipelineResult) -> str:
    """A worked example and its attention switches in one line (the status line, the CLI)."""
    chosen, settings = result.example, result.settings
    heads = settings.heads
    parts = [f"projection {settings.projection}"]
    if settings.projection != "none":
        parts.append(f"d_out {settings.d_out or chosen.dim}")
    parts.append(counted(heads, "head") + (f" {settings.multihead}" if settings.multihead else ""))
    parts.append(f"causal {'on' if settings.causal else 'off'}")
    parts.append("÷ √d" if settings.scaled else "not scaled")
    if settings.dropout:
        parts.append(f"dropout {settings.dropout:g}")
    parts.append(f"dim {chosen.dim}")
    if settings.projection != "none" or settings.dropout:
        parts.append(f"seed {settings.seed}")
    return f"example {chosen.name} ({chosen.source}) · " + " · ".join(parts)


CONCEALS = {"token_count": ("tokens", "chars"), "table_rows": ("vocab",)}
"""What the status line hides while a lesson question of that kind is open: it would answer it."""


def status_line(result: PipelineResult, corpus_path: str | None, concealed: str | None = None) -> str:
    """What the result was computed with, in one line; `corpus_path` is named for regex encodings;
    `concealed`: the kind of an open lesson question, whose answer the line must not show."""
    tokens = result.tokens
    hidden = CONCEALS.get(concealed or "", ())
    if result.example is not None:
        count = f"{counted(len(tokens), 'token')} (a vocabulary of {tokens.vocab_size})"
        if hidden:
            count = "? tokens (a vocabulary of ?)"
        # Notes first (a word left out), then the switches: the line is cut at the terminal's edge.
        switches = example_summary(result).split(" · ", 1)[1]
        return " · ".join([f"example {result.example.name}", count, *result.notes, switches])
    per_token = len(tokens.text) / len(tokens) if len(tokens) else 0.0
    corpus = (
        f" · corpus {Path(corpus_path).name}" if corpus_path and tokens.encoding.startswith("regex") else ""
    )
    parts = [
        f"{tokens.encoding}{corpus}",
        "? tokens" if "tokens" in hidden else counted(len(tokens), "token"),
        "? chars/token" if "chars" in hidden else f"{per_token:.2f} chars/token",
        "vocab ?" if "vocab" in hidden else f"vocab {tokens.vocab_size:,}",
        f"dim {result.settings.dim} · {counted(result.settings.heads, 'head')}",
        result.model.status() if result.model else "random weights",
        result.device,
    ]
    # Notes right after the token count: at the end of the one-line status they were cut off
    # ("showing the first 1,024 of 229,650 tokens" after a paste was never seen).
    return " · ".join(parts[:2] + list(result.notes) + parts[2:])
