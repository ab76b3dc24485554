"""`llm-tui inspect`: the whole pipeline for one text, as a readable summary or as JSON."""

from __future__ import annotations

import argparse
from typing import Any

from engine.errors import UserError
from tui.cli.args import read_text, settings_from_args
from tui.cli.inspect_inside import cell_record, chosen_position, lens_records, print_cell, print_lens
from tui.cli.output import print_json
from tui.formatting.pieces import visible_piece


def run(args: argparse.Namespace) -> None:
    from engine.pipeline.run import run as run_pipeline

    if getattr(args, "example", None):
        from tui.cli import inspect_example

        result = inspect_example.example_result(args)
        if args.lens:
            raise UserError("--lens reads a model's layers: a worked example has none (use --weights)")
        if args.cell:
            _inside(args, result)
        else:
            inspect_example.show(args, result)
        return
    text = read_text(args)
    settings = settings_from_args(args)
    if args.topk < 1:
        raise UserError(f"--topk must be at least 1, not {args.topk}")
    if args.layer != 0 and not settings.weights:
        raise UserError(f"--layer {args.layer}: without a model (--weights) there is one layer, layer 0")
    result = run_pipeline(text, settings)
    heads_available = result.attention.heads
    if args.head is not None and not 0 <= args.head < heads_available:
        raise UserError(f"--head {args.head}: choose a head from 0 to {heads_available - 1}")
    heads = [args.head] if args.head is not None else list(range(heads_available))
    n = result.n_used
    if args.lens or args.cell:
        _inside(args, result)
        return
    if args.json:
        print_json(
            {
                "encoding": result.tokens.encoding,
                "device": result.device,
                "n_tokens": len(result.tokens),
                "n_used": n,
                "ids": result.tokens.ids.tolist(),
                "pieces": list(result.tokens.pieces),
                "shapes": {
                    "token_vectors": list(result.embedded.token_vectors.shape),
                    "position_vectors": list(result.embedded.added_positions.shape),
                    "input_vectors": list(result.embedded.input_vectors.shape),
                    "attention_weights": list(result.attention.weights.shape),
                },
                "positions": result.embedded.positions,
                "token_vectors": result.embedded.token_vectors.tolist(),
                "position_vectors": result.embedded.added_positions.tolist(),
                "input_vectors": result.embedded.input_vectors.tolist(),
                "model": _model_json(result),
                "next": _top_next(result, args.topk),
                "attention": {
                    "layer": result.attention.layer,
                    "causal": result.attention.causal,
                    "scaled": result.attention.scaled,
                    "heads": [{"head": h, "weights": result.attention.weights[h].tolist()} for h in heads],
                },
                "notes": list(result.notes),
            }
        )
        return
    model = result.model.status() if result.model else "random weights"
    print(f"{result.tokens.encoding} · {len(result.tokens):,} tokens · {model} · device {result.device}")
    if result.embedded.positions == "rotary":
        print(
            f"input vectors = token vectors (a rotary model adds no position vector: positions rotate "
            f"queries and keys inside attention): shape {result.embedded.input_vectors.shape}"
        )
    else:
        print(
            f"input vectors = token vectors + {result.embedded.positions} positions: "
            f"shape {result.embedded.input_vectors.shape}"
        )
    shown = min(n, 12)
    for i in range(shown):
        vector = " ".join(f"{v:+.2f}" for v in result.embedded.input_vectors[i, :8])
        more = " …" if settings.dim > 8 else ""
        print(f"{i:>4} {visible_piece(result.tokens.piece(i))[:12]:<12} [{vector}{more}]")
    for h in heads:
        print(f"attention weights, layer {result.attention.layer}, head {h} (rows: queries, columns: keys)")
        for i in range(shown):
            print(f"{i:>4} " + " ".join(f"{w:.2f}" for w in result.attention.weights[h, i, :shown]))
    if shown < n:
        print(f"(first {shown} of {n} tokens shown; --json prints everything)")
    if result.next_token is not None and n:
        print(f"most likely next tokens after {visible_piece(result.tokens.piece(n - 1))!r}:")
        for record in _top_next(result, args.topk):
            print(f"  {record['prob']:7.2%}  {record['id']:>6}  {visible_piece(record['piece'])}")
    for note in result.notes:
        print(f"note: {note}")


def _inside(args: argparse.Namespace, result) -> None:
    """--lens and --cell: their records (with the tokens they refer to), as JSON or as text."""
    position = chosen_position(args, result) if args.lens else None
    lens = lens_records(result, position, args.topk) if args.lens else None
    cell = cell_record(result, args.cell, args.head) if args.cell else None
    if args.json:
        record: dict[str, Any] = {
            "ids": result.tokens.ids[: result.n_used].tolist(),
            "model": _model_json(result),
        }
        if lens is not None:
            record |= {"position": position, "lens": lens}
        if cell is not None:
            record["cell"] = cell
        print_json(record)
        return
    if lens is not None:
        print_lens(result, position, lens)
    if cell is not None:
        print_cell(cell)


def _model_json(result) -> dict[str, Any] | None:
    if result.model is None:
        return None
    info = result.model
    return {
        "name": info.name,
        "source": info.source,
        "layers": info.layers,
        "heads": info.heads,
        "dim": info.dim,
    }


def _top_next(result, k: int) -> list[dict[str, Any]]:
    """The k most likely tokens after the last used position, as {"id", "piece", "prob"} records."""
    import numpy as np

    from engine.sampling.distribution import next_token_distribution
    from engine.tokenize.tokens import id_piece

    if result.next_token is None or result.n_used == 0:
        return []
    if k < 1:
        raise UserError("--topk must be at least 1")
    prediction = result.next_token
    distribution = next_token_distribution(
        prediction.logits_at(result.n_used - 1), suppressed=prediction.suppressed
    )
    order = np.argsort(-distribution.probs, kind="stable")[:k]
    tokenizer = result.tokenizer
    records = []
    for row in order:
        token_id = prediction.token_id(int(row))
        piece = id_piece(tokenizer.token_bytes, token_id)
        records.append({"id": token_id, "piece": piece, "prob": float(distribution.probs[row])})
    return records
