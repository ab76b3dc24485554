"""What the parsed options mean: the text they name and the engine `Settings` they describe.

Shared by the subcommands and by `tui.cli.launch`; the engine is imported lazily (it pulls in
numpy and torch, which must not delay the app's first frame).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from engine.errors import UserError


def read_text(args: argparse.Namespace, stream: bool = False) -> Any:
    """The text the options name: TEXT ('-' is standard input), --text, --text-file, else the sample.

    With `stream`, an iterable of blocks instead of one string: a file or standard input is then
    read piece by piece, never all at once.
    """
    from engine.inputs import decode_stream, decode_text, read_text_file, stream_text_file, text_from_argument
    from engine.tokenize.registry import sample_text

    text_arg = getattr(args, "text_arg", None)
    given = [
        name
        for name, value in (("TEXT", text_arg), ("--text", args.text), ("--text-file", args.text_file))
        if value is not None
    ]
    if len(given) > 1:
        raise UserError(f"give the text once: {' and '.join(given)} were both given")
    latin1 = getattr(args, "latin1", False)
    buffer = getattr(sys.stdin, "buffer", None)  # None for a text stream, as tests pass
    if text_arg == "-" and buffer is not None and stream and not latin1:
        return decode_stream(buffer, "standard input")
    if text_arg == "-":
        # Bytes, not the locale's decoding: under LC_ALL=C that would turn UTF-8 into surrogates.
        text = decode_text(buffer.read(), "standard input", latin1) if buffer else sys.stdin.read()
    elif text_arg is not None:
        text = text_from_argument(text_arg, "the TEXT argument", latin1)
    elif args.text is not None:
        text = text_from_argument(args.text, "--text", latin1)
    elif args.text_file is not None:
        if stream:
            return stream_text_file(args.text_file, latin1=latin1)
        text = read_text_file(args.text_file, latin1=latin1)
    else:
        text = sample_text()
    return [text] if stream else text


def settings_from_args(args: argparse.Namespace):
    """The engine `Settings` the options describe (imports the engine lazily: it pulls in torch)."""
    from engine.inputs import read_corpus_file
    from engine.settings import Settings
    from engine.tokenize.registry import resolve_encoding

    settings = Settings(
        encoding=resolve_encoding(args.encoding),
        corpus=read_corpus_file(args.corpus, getattr(args, "latin1", False)) if args.corpus else None,
        allow_special=args.allow_special,
        dim=args.dim,
        heads=args.heads,
        context=args.context,
        seed=args.seed,
        device=args.device,
        positions=args.positions,
        causal=getattr(args, "causal", True),
        scaled=getattr(args, "scaled", True),
        weights=args.weights,
        layer=getattr(args, "layer", 0),
        chat=getattr(args, "chat", False),
        example=getattr(args, "example", None),
        projection=getattr(args, "projection", "none"),
        multihead=getattr(args, "multihead", None),
        d_out=getattr(args, "d_out", None),
        dropout=getattr(args, "dropout", 0.0),
    )
    settings.validate()
    return settings
