"""`llm-tui generate --histogram N`: the sampling lab on the command line.

Instead of generating, draw the next token after the prompt N times and print, for the most likely
ids, every step from raw logit to observed frequency (or the same records as JSON).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from engine.tokenize.tokens import bytes_to_display, id_piece
from tui.formatting.pieces import visible_piece

TABLE_ROWS = 10


def percent(value: float) -> str:
    """A probability or frequency as a percentage, at most 7 characters, never 0.00% when above 0."""
    # A near-uniform distribution over 50,257 ids gives each about 0.002%.
    return f"{value * 100:.4f}%" if 0 < value < 0.001 else f"{value:.2%}"


def histogram_payload(loaded, tokenizer, ids: list[int], args: argparse.Namespace) -> dict[str, Any]:
    """Draw `args.histogram` next tokens after `ids` and describe them as JSON-ready records.

    Args:
        loaded: the `engine.nn.loaded_model.LoadedModel`.
        tokenizer: the tokenizer of the model's encoding.
        ids: the prompt's tokenizer ids (at least one).
        args: the generate command's options (histogram, temperature, top_k, top_p, seed).
    """
    from engine.sampling.distribution import next_token_distribution
    from engine.sampling.lab import chi_square, draw_many, next_logits, trace

    logits = next_logits(loaded.model, loaded.to_model_ids(ids))
    distribution = next_token_distribution(
        logits, args.temperature, args.top_k, args.top_p, suppressed=loaded.suppressed_ids
    )
    draws = draw_many(distribution, args.histogram, args.seed)
    lab = trace(draws, TABLE_ROWS)
    token_ids = loaded.to_tokenizer_ids([row.row for row in lab.rows]).tolist()
    records = [
        {
            "rank": row.rank,
            "id": token_id,
            "piece": id_piece(tokenizer.token_bytes, token_id),
            "logit": row.logit,
            "scaled": row.scaled,
            "masked": None if row.cut else row.masked,  # JSON has no -inf: null means cut
            "prob": row.prob,
            "count": row.count,
            "freq": row.frequency,
        }
        for row, token_id in zip(lab.rows, token_ids, strict=True)
    ]
    fit = chi_square(draws.counts, distribution.probs)
    return {
        "model": loaded.source,
        "prompt_ids": ids,
        "after": bytes_to_display(tokenizer.token_bytes(ids[-1])),
        "n": draws.n,
        "seed": draws.seed,
        "settings": {
            "temperature": distribution.temperature,
            "top_k": distribution.top_k,
            "top_p": distribution.top_p,
            "greedy": distribution.greedy,
        },
        "kept": int((distribution.probs > 0).sum()),
        "vocab_size": len(distribution.probs),
        "records": records,
        "rest": {"prob": lab.rest_prob, "count": lab.rest_count, "ids_drawn": lab.rest_drawn},
        "chi_square": {"statistic": fit.statistic, "dof": fit.dof, "p_value": fit.p_value},
    }


def print_histogram(payload: dict[str, Any], as_json: bool) -> None:
    """Print `histogram_payload` as a table, or as one JSON object."""
    if as_json:
        json.dump(payload, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        return
    from engine.sampling.lab import MIN_EXPECTED

    settings = payload["settings"]
    top_p = "off" if settings["top_p"] is None else f"{settings['top_p']:g}"
    print(
        f"next token after {visible_piece(payload['after'])!r}: "
        f"{payload['n']:,} draws, seed {payload['seed']}, "
        f"temperature {settings['temperature']:g}{' (greedy)' if settings['greedy'] else ''}, "
        f"top-k {settings['top_k'] or 'off'}, top-p {top_p}; "
        f"{payload['kept']:,} of {payload['vocab_size']:,} ids can be drawn"
    )
    print(
        f"{'rank':>4}  {'id':>6}  {'piece':<14} {'logit':>8} {'logit/T':>8} {'masked':>8} "
        f"{'prob':>8} {'drawn':>9} {'freq':>8}"
    )
    for record in payload["records"]:
        masked = "cut" if record["masked"] is None else f"{record['masked']:.3f}"
        print(
            f"{record['rank']:>4}  {record['id']:>6}  {visible_piece(record['piece'])[:14]:<14} "
            f"{record['logit']:>8.3f} {record['scaled']:>8.3f} {masked:>8} "
            f"{percent(record['prob']):>8} {record['count']:>9,} {percent(record['freq']):>8}"
        )
    rest = payload["rest"]
    others = payload["vocab_size"] - len(payload["records"])
    print(
        f"{'':>4}  {'':>6}  {f'{others:,} others':<14} {'':>8} {'':>8} {'':>8} "
        f"{percent(rest['prob']):>8} {rest['count']:>9,} {percent(rest['count'] / payload['n']):>8}"
        f"  ({rest['ids_drawn']:,} different ids drawn)"
    )
    fit = payload["chi_square"]
    if payload["kept"] == 1:
        print("only one id can be drawn, so every draw is that id")
    elif fit["p_value"] is None:
        print(
            f"too few draws for a chi-square test: ids expected under {MIN_EXPECTED:g} times are pooled, "
            "leaving one bin"
        )
    else:
        print(
            f"chi-square goodness of fit: {fit['statistic']:.1f} on {fit['dof']} degrees of freedom, "
            f"p = {fit['p_value']:.3f}"
        )
