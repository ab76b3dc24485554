"""The one-line status under the text: encoding, counts, sizes, model and device."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.pipeline.results import PipelineResult


def status_line(result: PipelineResult, corpus_path: str | None) -> str:
    """What the result was computed with, in one line; `corpus_path` is named for regex encodings."""
    tokens = result.tokens
    per_token = len(tokens.text) / len(tokens) if len(tokens) else 0.0
    corpus = (
        f" · corpus {Path(corpus_path).name}" if corpus_path and tokens.encoding.startswith("regex") else ""
    )
    parts = [
        f"{tokens.encoding}{corpus}",
        f"{len(tokens):,} tokens",
        f"{per_token:.2f} chars/token",
        f"vocab {tokens.vocab_size:,}",
        f"dim {result.settings.dim} · {result.settings.heads} heads",
        result.model.status() if result.model else "random weights",
        result.device,
    ]
    # Notes right after the token count: at the end of the one-line status they were cut off
    # ("showing the first 1,024 of 229,650 tokens" after a paste was never seen).
    return " · ".join(parts[:2] + list(result.notes) + parts[2:])
