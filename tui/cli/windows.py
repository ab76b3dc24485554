"""`llm-tui windows`: cut the ids into input/target pairs with a sliding window, in batches."""

from __future__ import annotations

import argparse

from engine.errors import UserError
from tui.cli.args import read_text, settings_from_args
from tui.cli.output import print_json


def run(args: argparse.Namespace) -> None:
    from engine.pipeline.run import tokenize
    from engine.training.windows import make_loader

    if args.limit < 0:
        raise UserError(f"--limit must be 0 or more, not {args.limit}")
    tokens = tokenize(read_text(args), settings_from_args(args))
    loader = make_loader(
        tokens.ids,
        max_length=args.max_length,
        stride=args.stride,
        batch_size=args.batch_size,
        shuffle=args.shuffle,
        drop_last=False,
        seed=args.seed,
    )
    batches = [{"inputs": x.tolist(), "targets": y.tolist()} for x, y in loader]
    if args.json:
        print_json(
            {
                "encoding": tokens.encoding,
                "max_length": args.max_length,
                "stride": args.stride,
                "batch_size": args.batch_size,
                "n_tokens": len(tokens),
                "n_pairs": len(loader.dataset),
                "batches": batches,
            }
        )
        return
    print(
        f"{len(loader.dataset):,} input/target pairs from {len(tokens):,} tokens "
        f"(max_length {args.max_length}, stride {args.stride})"
    )
    for number, batch in enumerate(batches[: args.limit]):
        print(f"batch {number}:")
        for x, y in zip(batch["inputs"], batch["targets"], strict=True):
            print(f"  input  {x}\n  target {y}")
