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

from engine.errors import UserError
from tui.cli.output import print_json


def run(args: argparse.Namespace) -> None:
    from engine.examples import example
    from engine.nn.book_attention import book_attention

    chosen = example(args.example)
    heads = args.heads if args.multihead else 1
    try:
        result = book_attention(
            chosen.vectors,
            args.projection,
            d_out=args.d_out,
            seed=args.seed,
            heads=heads,
            multihead=args.multihead or "stack",
            causal=args.causal,
            scaled=args.scaled,
            dropout=args.dropout,
        )
    except ValueError as error:
        raise UserError(f"--example {args.example}: {error}") from None
    record = _record(chosen, result, args, heads)
    if args.json:
        print_json(record)
        return
    print(f"example {chosen.name} ({chosen.source}): {' '.join(chosen.tokens)}")
    settings = (
        f"projection {args.projection}, {heads} head{'s' if heads > 1 else ''}"
        f"{', ' + args.multihead if args.multihead else ''}, causal {'on' if args.causal else 'off'}, "
        f"scores {'÷ √d' if args.scaled else 'not scaled'}, dropout {args.dropout}, seed {args.seed}"
    )
    print(settings)
    _table("input vectors", chosen.tokens, chosen.vectors)
    if chosen.table is not None and chosen.vocabulary is not None and chosen.ids is not None:
        print(f"ids {list(chosen.ids)}: one-hot rows × the table give rows {list(chosen.ids)} of it")
        _table("table", chosen.vocabulary, chosen.table)
    for head in range(result.weights.shape[0]):
        if result.weights.shape[0] > 1:
            print(f"head {head}")
        _table("scores", chosen.tokens, result.scores[head])
        _table("attention weights (rows sum to 1)", chosen.tokens, result.weights[head])
        _table("context vectors", chosen.tokens, result.context[head])
    if heads > 1:
        _table("output", chosen.tokens, result.output)


def _record(chosen, result, args: argparse.Namespace, heads: int) -> dict[str, Any]:
    return {
        "example": chosen.name,
        "tokens": list(chosen.tokens),
        "ids": None if chosen.ids is None else list(chosen.ids),
        "vocabulary": None if chosen.vocabulary is None else list(chosen.vocabulary),
        "table": None if chosen.table is None else chosen.table.tolist(),
        "input_vectors": chosen.vectors.tolist(),
        "settings": {
            "projection": args.projection,
            "heads": heads,
            "multihead": args.multihead,
            "d_out": args.d_out,
            "seed": args.seed,
            "causal": args.causal,
            "scaled": args.scaled,
            "dropout": args.dropout,
        },
        "attention": {
            "scores": result.scores.tolist(),
            "heads": [
                {"head": h, "weights": result.weights[h].tolist(), "context": result.context[h].tolist()}
                for h in range(result.weights.shape[0])
            ],
            "output": result.output.tolist(),
        },
    }


def _table(title: str, labels, matrix: np.ndarray) -> None:
    print(f"{title}:")
    width = max(len(label) for label in labels)
    for label, row in zip(labels, matrix, strict=True):
        cells = " ".join(f"{value:8.4f}" if np.isfinite(value) else "    -inf" for value in row)
        print(f"  {label:<{width}} [{cells}]")
