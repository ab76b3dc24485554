"""`llm-tui inspect --lens` and `--cell`: inside the model, for one position or one attention cell.

`--lens`: every layer's reading of the residual stream at a position (the logit lens);
`--cell Q,K`: the arithmetic from a query and a key to the head's context vector.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from engine.errors import UserError
from tui.formatting.layers import layer_name
from tui.formatting.pieces import visible_piece


def chosen_position(args: argparse.Namespace, result) -> int:
    """--position, else the last used position (what the next token is predicted after)."""
    if result.n_used == 0:
        raise UserError("the text has no tokens to look inside")
    position = result.n_used - 1 if args.position is None else args.position
    if not 0 <= position < result.n_used:
        raise UserError(f"--position {position}: choose one from 0 to {result.n_used - 1}")
    return position


def lens_records(result, position: int, k: int) -> list[dict[str, Any]]:
    """The lens at `position` as {"layer", "top", "entropy", "final_top1_prob", "final_top1_rank"}."""
    from engine.analysis.lens import lens_at
    from engine.tokenize.tokens import id_piece

    if result.stream is None or result.next_token is None:
        raise UserError(
            "--lens reads a model's layers: open one with --weights (random weights have no output head)"
        )
    lens = lens_at(result.stream, result.next_token, position, k)
    token_bytes = result.tokenizer.token_bytes
    return [
        {
            "layer": layer.layer,
            "top": [
                {"id": token.token_id, "piece": id_piece(token_bytes, token.token_id), "prob": token.prob}
                for token in layer.top
            ],
            "entropy": layer.entropy,
            "final_top1_prob": layer.final_top1_prob,
            "final_top1_rank": layer.final_top1_rank,
        }
        for layer in lens.layers
    ]


def parse_cell(spec: str) -> tuple[int, int]:
    try:
        query, key = (int(part) for part in spec.split(","))
    except ValueError:
        raise UserError(f"--cell {spec}: give the query and key positions as Q,K (for example 5,2)") from None
    return query, key


def cell_record(result, spec: str, head: int | None) -> dict[str, Any]:
    """The arithmetic of cell Q,K of `head` (default 0) in the shown layer, every number in full."""
    from engine.analysis.cell import cell_arithmetic

    query, key = parse_cell(spec)
    try:
        cell = cell_arithmetic(result.attention, head or 0, query, key)
    except ValueError as error:
        raise UserError(f"--cell {spec}: {error}") from None
    return {"layer": result.attention.layer, **cell.as_dict()}


def _prob(p: float) -> str:
    return f"{p:7.2%}" if p >= 0.0001 else f"{p:7.1e}"


def print_lens(result, position: int, records: list[dict[str, Any]]) -> None:
    piece = visible_piece(result.tokens.piece(position))
    print(
        f"logit lens at position {position} ({piece!r}): each layer's stream through the final norm and head"
    )
    final = records[-1]["top"][0]
    print(f"  the model's top-1: {visible_piece(final['piece'])!r}; its probability and rank at each layer")
    print("  (emb: after the embeddings; L1, L2, …: after block 1, 2, … = JSON layer 1, 2, …)")
    for record in records:
        name = layer_name(record["layer"])
        top = "  ".join(
            f"{visible_piece(t['piece'])!r} {_prob(t['prob']).strip()}" for t in record["top"][:3]
        )
        print(
            f"  {name:>5}  {_prob(record['final_top1_prob'])}  rank {record['final_top1_rank']:>6,}  "
            f"entropy {record['entropy']:5.2f} bits  top: {top}"
        )


def _vector(values: list[float], shown: int = 6) -> str:
    text = " ".join(f"{v:+.3f}" for v in values[:shown])
    return f"[{text}{' …' if len(values) > shown else ''}] ({len(values)} numbers)"


def print_cell(record: dict[str, Any]) -> None:
    q, k = record["query_position"], record["key_position"]
    layer, head = record["layer"], record["head"]
    print(f"attention cell: layer {layer}, head {head}")
    print(f"  query {q}, key {k}")
    print(f"  query vector  q = {_vector(record['query'])}")
    print(f"  key vector    k = {_vector(record['key'])}")
    divisor = (
        f"÷ √{len(record['query'])} = {record['divisor']:.3f}"
        if record["divisor"] != 1
        else "÷ 1 (not scaled)"
    )
    print(f"  q · k = {record['dot']:+.4f}; {divisor} → score {record['score']:+.4f}")
    if record["masked"]:
        print(f"  the mask hides key {k} from query {q}: its weight is 0")
    row = record["row"]
    seen = len(row["keys"])
    weight = "0 (masked)" if record["masked"] else f"{record['weight']:.4f}"
    print(f"  softmax over the {seen} keys query {q} sees: weight of key {k} = {weight}")
    order = np.argsort(-np.array(row["weights"]))[:5]
    for index in order:
        weight, value = row["weights"][index], _vector(row["values"][index], 4)
        print(f"    key {row['keys'][index]:>4}: weight {weight:.4f} × v = {value}")
    print(f"  context vector = Σ weight × v = {_vector(record['context'])}")
    print("  (--json prints every number)")
