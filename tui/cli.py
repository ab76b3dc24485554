"""`llm-tui` on the command line: open the app, or run one step of the pipeline and print it.

Every subcommand takes `--json`. User errors print one line on stderr and exit 2 (and, with
`--json`, an `{"error": ...}` object on stdout), never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from engine.errors import UserError
from engine.tokenizers import ENCODINGS
from tui.pieces import visible_piece

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line on stderr (and JSON when --json was asked for)."""

    def error(self, message: str) -> NoReturn:
        _fail(f"{self.prog}: {message} (see {self.prog} --help)", "--json" in sys.argv)


def _fail(message: str, as_json: bool) -> NoReturn:
    if as_json:
        print(json.dumps({"error": message}))
    print(message if message.startswith("llm-tui") else f"llm-tui: error: {message}", file=sys.stderr)
    raise SystemExit(EXIT_USAGE)


def _add_shared_options(parser: argparse.ArgumentParser, defaults: bool) -> None:
    """Options the app and the pipeline subcommands share.

    Subcommands get them without defaults (argparse.SUPPRESS) so that an option given before
    the subcommand name is not reset by the subcommand's own default.
    """

    def default(value: Any) -> Any:
        return value if defaults else argparse.SUPPRESS

    group = parser.add_argument_group("text and model")
    group.add_argument("--text", default=default(None), help="text to show (default: built-in sample)")
    group.add_argument(
        "--text-file", metavar="PATH", default=default(None), help="read the text from a UTF-8 file"
    )
    group.add_argument(
        "--encoding",
        default=default("gpt2"),
        metavar="NAME",
        help=f"tokenizer: {', '.join(ENCODINGS)}, or a model name such as gpt-4o (default gpt2)",
    )
    group.add_argument(
        "--corpus",
        metavar="PATH",
        default=default(None),
        help="text whose words form the regex tokenizers' vocabulary",
    )
    group.add_argument(
        "--allow-special",
        action="store_true",
        default=default(False),
        help="encode special tokens such as <|endoftext|> typed in the text",
    )
    group.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda", "mps"),
        default=default("auto"),
        help="compute device (default auto: cuda, then mps, then cpu)",
    )
    group.add_argument("--dim", type=int, default=default(16), help="embedding size (default 16)")
    group.add_argument("--heads", type=int, default=default(2), help="attention heads (default 2)")
    group.add_argument(
        "--context", type=int, default=default(1024), help="most tokens embedded and attended (default 1024)"
    )
    group.add_argument(
        "--seed", type=int, default=default(123), help="seed for the random weights (default 123)"
    )
    group.add_argument(
        "--positions",
        choices=("learned", "sinusoidal"),
        default=default("learned"),
        help="position vectors added to token vectors (default learned)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="llm-tui",
        description="Watch a GPT work: text -> tokens -> ids -> embeddings -> positions -> attention.",
    )
    _add_shared_options(parser, defaults=True)
    parser.add_argument(
        "--theme", default=None, help="app theme: llm-dark, llm-light, llm-contrast, llm-mono"
    )
    parser.add_argument(
        "--lang", choices=("en", "ja"), default=None, help="lesson language (default: from the locale)"
    )
    parser.add_argument(
        "--lesson", metavar="ID", default=None, help="open this lesson at start (see `llm-tui lessons`)"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        _add_shared_options(sub, defaults=False)
        sub.add_argument("text_arg", nargs="?", metavar="TEXT", help="the text; '-' reads standard input")
        sub.add_argument("--json", action="store_true", help="machine-readable output on stdout")
        return sub

    command("tokenize", "Split text into tokens and ids.")

    inspect = command("inspect", "Run the whole pipeline and print ids, vectors and attention.")
    inspect.add_argument("--layer", type=int, default=0, help="attention layer (default 0)")
    inspect.add_argument("--head", type=int, default=None, help="attention head (default: all)")
    inspect.add_argument(
        "--no-causal", dest="causal", action="store_false", help="let queries see later keys"
    )
    inspect.add_argument(
        "--no-scale", dest="scaled", action="store_false", help="do not divide scores by sqrt(head size)"
    )

    windows = command("windows", "Cut the ids into input/target pairs with a sliding window.")
    windows.add_argument("--max-length", type=int, default=4, help="ids per window (default 4)")
    windows.add_argument("--stride", type=int, default=4, help="step between windows (default 4)")
    windows.add_argument("--batch-size", type=int, default=8, help="pairs per batch (default 8)")
    windows.add_argument("--shuffle", action="store_true", help="shuffle pairs (reproducible with --seed)")
    windows.add_argument("--limit", type=int, default=2, help="batches printed without --json (default 2)")

    lessons = commands.add_parser("lessons", help="List the lessons.", description="List the lessons.")
    lessons.add_argument("--lang", choices=("en", "ja"), default=None, help="one language (default: all)")
    lessons.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    return parser


def read_text(args: argparse.Namespace) -> str:
    from engine.inputs import read_text_file
    from engine.tokenizers import sample_text

    text_arg = getattr(args, "text_arg", None)
    given = [
        name
        for name, value in (("TEXT", text_arg), ("--text", args.text), ("--text-file", args.text_file))
        if value is not None
    ]
    if len(given) > 1:
        raise UserError(f"give the text once: {' and '.join(given)} were both given")
    if text_arg == "-":
        return sys.stdin.read()
    if text_arg is not None:
        return text_arg
    if args.text is not None:
        return args.text
    if args.text_file is not None:
        return read_text_file(args.text_file)
    return sample_text()


def settings_from_args(args: argparse.Namespace):
    """The engine `Settings` the options describe (imports the engine lazily: it pulls in torch)."""
    from engine.inputs import read_text_file
    from engine.settings import Settings
    from engine.tokenizers import resolve_encoding

    settings = Settings(
        encoding=resolve_encoding(args.encoding),
        corpus=read_text_file(args.corpus, "corpus") if args.corpus else None,
        allow_special=args.allow_special,
        dim=args.dim,
        heads=args.heads,
        context=args.context,
        seed=args.seed,
        device=args.device,
        positions=args.positions,
        causal=getattr(args, "causal", True),
        scaled=getattr(args, "scaled", True),
    )
    settings.validate()
    return settings


def _cmd_tokenize(args: argparse.Namespace) -> None:
    from engine.pipeline import tokenize

    text = read_text(args)
    tokens = tokenize(text, settings_from_args(args))
    if args.json:
        _print_json(
            {
                "encoding": tokens.encoding,
                "ids": tokens.ids.tolist(),
                "pieces": list(tokens.pieces),
                "n_tokens": len(tokens),
                "n_chars": len(tokens.text),
                "notes": list(tokens.notes),
            }
        )
        return
    print(f"{'#':>5}  {'id':>7}  piece")
    for i in range(len(tokens)):
        mark = "  (part of a character)" if tokens.partial[i] else ""
        print(f"{i:>5}  {tokens.ids[i]:>7}  {visible_piece(tokens.piece(i))}{mark}")
    ratio = len(tokens.text) / len(tokens) if len(tokens) else 0.0
    print(
        f"{tokens.encoding}: {len(tokens):,} tokens, {len(tokens.text):,} characters, "
        f"{ratio:.2f} characters per token, vocabulary {tokens.vocab_size:,}"
    )
    for note in tokens.notes:
        print(f"note: {note}")


def _cmd_inspect(args: argparse.Namespace) -> None:
    from engine.pipeline import run

    text = read_text(args)
    settings = settings_from_args(args)
    if args.layer != 0:
        raise UserError(f"--layer {args.layer}: without a model there is one attention layer, layer 0")
    if args.head is not None and not 0 <= args.head < settings.heads:
        raise UserError(f"--head {args.head}: choose a head from 0 to {settings.heads - 1}")
    result = run(text, settings)
    heads = [args.head] if args.head is not None else list(range(settings.heads))
    n = result.n_used
    if args.json:
        _print_json(
            {
                "encoding": result.tokens.encoding,
                "device": result.device,
                "n_tokens": len(result.tokens),
                "n_used": n,
                "ids": result.tokens.ids.tolist(),
                "pieces": list(result.tokens.pieces),
                "shapes": {
                    "token_vectors": list(result.embedded.token_vectors.shape),
                    "position_vectors": list(result.embedded.learned_positions.shape),
                    "input_vectors": list(result.embedded.input_vectors.shape),
                    "attention_weights": list(result.attention.weights.shape),
                },
                "positions": result.embedded.positions,
                "token_vectors": result.embedded.token_vectors.tolist(),
                "position_vectors": (
                    result.embedded.learned_positions
                    if result.embedded.positions == "learned"
                    else result.embedded.sinusoidal_positions
                ).tolist(),
                "input_vectors": result.embedded.input_vectors.tolist(),
                "attention": {
                    "layer": 0,
                    "causal": result.attention.causal,
                    "scaled": result.attention.scaled,
                    "heads": [{"head": h, "weights": result.attention.weights[h].tolist()} for h in heads],
                },
                "notes": list(result.notes),
            }
        )
        return
    print(f"{result.tokens.encoding} · {len(result.tokens):,} tokens · device {result.device}")
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
        print(f"attention weights, layer 0, head {h} (rows: queries, columns: keys)")
        for i in range(shown):
            print(f"{i:>4} " + " ".join(f"{w:.2f}" for w in result.attention.weights[h, i, :shown]))
    if shown < n:
        print(f"(first {shown} of {n} tokens shown; --json prints everything)")
    for note in result.notes:
        print(f"note: {note}")


def _cmd_windows(args: argparse.Namespace) -> None:
    from engine.pipeline import tokenize
    from engine.windows import make_loader

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
        _print_json(
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


def _print_json(payload: dict[str, Any]) -> None:
    json.dump(payload, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


def _cmd_lessons(args: argparse.Namespace) -> None:
    from tui.lessons.catalog import LANGUAGES, load_lessons

    languages = [args.lang] if args.lang else list(LANGUAGES)
    listing = {
        language: [
            {"id": lesson.id, "title": lesson.title, "steps": len(lesson.steps)}
            for lesson in load_lessons(language)
        ]
        for language in languages
    }
    if args.json:
        _print_json(listing)
        return
    for language, lessons in listing.items():
        print(f"[{language}]")
        for number, lesson in enumerate(lessons, start=1):
            print(f"{number:>3}. {lesson['id']:<22} {lesson['steps']:>2} steps  {lesson['title']}")
    print("open one with: llm-tui --lesson ID [--lang en|ja]")


COMMANDS = {
    "tokenize": _cmd_tokenize,
    "inspect": _cmd_inspect,
    "windows": _cmd_windows,
    "lessons": _cmd_lessons,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `llm-tui` console script."""
    # A C locale must not turn a Japanese piece into a UnicodeEncodeError traceback.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    args = build_parser().parse_args(argv)
    as_json = getattr(args, "json", False)
    try:
        if args.command is None:
            from tui.app import launch

            return launch(args)
        COMMANDS[args.command](args)
    except UserError as error:
        _fail(str(error), as_json)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `llm-tui tokenize ... | head` closes the pipe early; that is not an error.
        sys.stderr.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
