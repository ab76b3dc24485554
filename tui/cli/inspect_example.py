"""`llm-tui inspect --example NAME|FILE`: the book's attention progression on a worked example.

The example's hand-made vectors go through one version of chapter 3's attention (`--projection`
none / rand / linear, `--multihead stack|merged` with `--heads`, `--d-out`, `--seed`,
`--no-causal`, `--no-scale`, `--dropout`), printed as the book prints its tensors (4 decimals),
or every number with `--json`.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
from rich.cells import cell_len

from engine.errors import UserError
from tui.cli.args import read_text, settings_from_args
from tui.cli.output import print_json
from tui.formatting.status import example_switches
from tui.views.text_wrap import fit_left


def example_result(args: argparse.Namespace):
    """The run on `--example`: on its own sentence, or on TEXT / --text (read as its words)."""
    from engine.examples import example
    from engine.pipeline.run_example import run_example

    settings = settings_from_args(args)
    chosen = example(args.example)
    given = getattr(args, "text_arg", None) is not None or args.text is not None or args.text_file is not None
    return run_example(read_text(args) if given else chosen.text, settings)


def show(args: argparse.Namespace, result) -> None:
    """The example's numbers: as JSON, or as the book prints its tensors (4 decimals)."""
    chosen, attention = result.example, result.attention
    if args.json:
        print_json(_record(chosen, result))
        return
    tokens = result.tokens.pieces[: result.n_used]
    if not tokens:
        raise UserError(
            f"no word of the text is one of the example {chosen.name}'s: {' '.join(chosen.words)}"
            " (words are separated by spaces)"
        )
    print(f"example {chosen.name} ({chosen.source}): {' '.join(tokens)}")
    for note in result.notes:
        print(f"note: {note}")
    print(example_switches(result))
    _table("input vectors", tokens, result.embedded.input_vectors)
    if chosen.table is not None and chosen.vocabulary is not None:
        ids = result.tokens.ids[: result.n_used].tolist()
        print(f"ids {ids}: one-hot rows × the table give rows {ids} of it")
        _table("table", chosen.vocabulary, chosen.table)
    weights = "attention weights (rows sum to 1)"
    if attention.dropout_scale is not None:
        weights = f"attention weights after dropout {result.settings.dropout:g} (kept ones × 1/(1 - p))"
    heads = attention.heads
    for head in range(heads):
        if heads > 1:
            print(f"head {head}")
        divisor = f"÷ √{attention.vectors.queries.shape[-1]}" if attention.scaled else "not scaled"
        _table(f"scores (q·k {divisor}, before the mask)", tokens, attention.scores[head])
        _table(weights, tokens, attention.weights[head])
        _table("context vectors", tokens, attention.context[head])
    if heads > 1:
        _table("output", tokens, attention.output)


def _record(chosen, result) -> dict[str, Any]:
    settings, attention = result.settings, result.attention
    return {
        "example": chosen.name,
        "tokens": list(result.tokens.pieces[: result.n_used]),
        "ids": result.tokens.ids[: result.n_used].tolist() if chosen.vocabulary is not None else None,
        "vocabulary": None if chosen.vocabulary is None else list(chosen.vocabulary),
        "table": None if chosen.table is None else chosen.table.tolist(),
        "input_vectors": result.embedded.input_vectors.tolist(),
        "notes": list(result.notes),
        "settings": {
            "projection": settings.projection,
            "heads": settings.heads,
            "multihead": settings.multihead,
            "d_out": settings.d_out if settings.projection != "none" else None,
            "seed": settings.seed,
            "causal": settings.causal,
            "scaled": settings.scaled,
            "dropout": settings.dropout,
        },
        "attention": {
            "scores": attention.scores.tolist(),
            "heads": [
                {
                    "head": h,
                    "weights": attention.weights[h].tolist(),
                    "context": attention.context[h].tolist(),
                }
                for h in range(attention.heads)
            ],
            "output": attention.output.tolist(),
        },
    }


def _table(title: str, labels, matrix: np.ndarray) -> None:
    print(f"{title}:")
    width = max(cell_len(label) for label in labels)
    for label, row in zip(labels, matrix, strict=True):
        cells = " ".join(f"{value:8.4f}" if np.isfinite(value) else "    -inf" for value in row)
        print(f"  {fit_left(label, width)} [{cells}]")
