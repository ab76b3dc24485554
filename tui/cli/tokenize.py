"""`llm-tui tokenize`: the tokens and ids of a text, a streamed count, or encodings side by side."""

from __future__ import annotations

import argparse

from tui.cli.args import read_text, settings_from_args
from tui.cli.hints import cli_hint
from tui.cli.output import print_json


def run(args: argparse.Namespace) -> None:
    if args.compare:
        from engine.tokenize.compare import compare
        from tui.formatting.comparison import print_comparison

        print_comparison(compare(read_text(args), settings_from_args(args)), args.json, cli_hint)
        return
    if args.count or not args.json:
        # A table or a count needs no more than one chunk in memory: a 200 MB file is streamed.
        from tui.formatting.token_listing import list_tokens

        settings = settings_from_args(args)
        list_tokens(read_text(args, stream=True), settings, as_json=args.json, count_only=args.count)
        return
    from engine.pipeline.run import tokenize

    text = read_text(args)
    tokens = tokenize(text, settings_from_args(args))
    print_json(
        {
            "encoding": tokens.encoding,
            "ids": tokens.ids.tolist(),
            "pieces": list(tokens.pieces),
            "n_tokens": len(tokens),
            "n_chars": len(tokens.text),
            "notes": list(tokens.notes),
        }
    )
