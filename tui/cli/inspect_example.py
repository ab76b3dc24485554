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

from tui.cli.args import settings_from_args
from tui.cli.output import print_json
from tui.formatting.status import example_summary


def run(args: argparse.Namespace) -> None:
    from engine.examples import example
    from engine.pipeline.run_example import run_example

    settings = settings_from_args(args)
    chosen = example(args.example)
    result = run_example(chosen.text, settings)
    if args.json:
        print_json(_record(chosen, result))
        return
    attention, tokens = result.attention, chosen.tokens
    print(f"example {chosen.name} ({chosen.source}): {' '.join(tokens)}")
    print(example_summary(result).split(" · ", 1)[1])
    _table("input vectors", tokens, chosen.vectors)
    if chosen.table is not None and chosen.vocabulary is not None and chosen.ids is not None:
        print(f"ids {list(chosen.ids)}: one-hot rows × the table give rows {list(chosen.ids)} of it")
        _table("table", chosen.vocabulary, chosen.table)
    heads = attention.heads
    for head in range(heads):
        if heads > 1:
            print(f"head {head}")
        _table("scores", tokens, attention.scores[head])
        _table("attention weights (rows sum to 1)", tokens, attention.weights[head])
        _table("context vectors", tokens, attention.context[head])
    if heads > 1:
        _table("output", tokens, attention.output)


def _record(chosen, result) -> dict[str, Any]:
    settings, attention = result.settings, result.attention
    return {
        "example": chosen.name,
        "tokens": list(chosen.tokens),
        "ids": None if chosen.ids is None else list(chosen.ids),
        "vocabulary": None if chosen.vocabulary is None else list(chosen.vocabulary),
        "table": None if chosen.table is None else chosen.table.tolist(),
        "input_vectors": chosen.vectors.tolist(),
        "settings": {
            "projection": settings.projection,
            "heads": settings.heads,
            "multihead": settings.multihead,
            "d_out": settings.d_out,
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
    width = max(len(label) for label in labels)
    for label, row in zip(labels, matrix, strict=True):
        cells = " ".join(f"{value:8.4f}" if np.isfinite(value) else "    -inf" for value in row)
        print(f"  {label:<{width}} [{cells}]")
