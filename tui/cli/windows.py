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
    _check_memory(len(tokens), args.max_length, args.stride)
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


def _check_memory(n_ids: int, max_length: int, stride: int) -> None:
    """Refuse, before cutting a pair, windows whose printout would not fit in the memory free now.

    Python lists of ids, which the batches become to be printed, take about 5 times the bytes of
    the int64 arrays, so 6 times those are asked for.
    """
    from engine.errors import SettingsError
    from engine.nn.device import format_bytes, free_memory
    from engine.training.windows import window_bytes

    if max_length < 1 or stride < 1:
        return  # make_loader says what is wrong
    needed = 6 * window_bytes(n_ids, max_length, stride)
    free = free_memory("cpu")
    if free is not None and needed > free:
        raise SettingsError(
            f"the pairs of {max_length:,} ids from {n_ids:,} tokens need about {format_bytes(needed)} to "
            f"print but only {format_bytes(free)} of memory is available; use a smaller --max-length or a "
            "larger --stride"
        )
