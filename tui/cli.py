"""`llm-tui` on the command line: open the app, or run one step of the pipeline and print it.

Every subcommand takes `--json`. User errors print one line on stderr and exit 2 (and, with
`--json`, an `{"error": ...}` object on stdout), never a traceback.
"""

from __future__ import annotations

import argparse
import codecs
import dataclasses
import json
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from engine.errors import UserError
from engine.tokenize.registry import ENCODINGS
from tui.formatting.pieces import visible_piece

EXIT_USAGE = 2


def _positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, not {text!r}")
    return value


class _UsageError(Exception):
    """A bad command line, raised by `_Parser.error` and reported by `main`."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line on stderr (and JSON when --json was asked for)."""

    def error(self, message: str) -> NoReturn:
        # `main` reports it: only it knows the argv (and so whether --json was given).
        raise _UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def _fail(message: str, as_json: bool, code: int = EXIT_USAGE) -> NoReturn:
    if as_json:
        print(json.dumps({"error": message}))
    print(message if message.startswith("llm-tui") else f"llm-tui: error: {message}", file=sys.stderr)
    raise SystemExit(code)


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
        "--latin1",
        action="store_true",
        default=default(False),
        help="read text, corpus and standard input that are not UTF-8 as Latin-1 instead of refusing them",
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
        "--weights",
        metavar="PATH",
        default=default(None),
        help="run a model: a GPT-2 .safetensors file or Hugging Face folder, 'gpt2' (from the Hugging "
        "Face cache) or 'tiny' (the model `llm-tui train` wrote); default: random weights",
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

    tokenize = command("tokenize", "Split text into tokens and ids.")
    tokenize.add_argument(
        "--compare",
        action="store_true",
        help="tokenize with regex-unk, gpt2, cl100k_base and o200k_base side by side: counts, "
        "characters per token, pieces and where the token boundaries differ (--encoding is ignored)",
    )
    tokenize.add_argument(
        "--count",
        action="store_true",
        help="print only the counts (tokens, characters); files and standard input are streamed, so "
        "any size works",
    )

    inspect = command("inspect", "Run the whole pipeline and print ids, vectors and attention.")
    inspect.add_argument("--layer", type=int, default=0, help="attention layer (default 0)")
    inspect.add_argument("--topk", type=int, default=5, help="next tokens listed, with a model (default 5)")
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

    generate = command("generate", "Continue the text with a model, one token at a time.")
    generate.add_argument("--max-new-tokens", type=int, default=40, help="tokens to add (default 40)")
    generate.add_argument("--temperature", type=float, default=1.0, help="0 = greedy (default 1.0)")
    generate.add_argument("--top-k", type=int, default=None, help="sample among the k most likely")
    generate.add_argument(
        "--top-p", type=float, default=None, help="sample among the smallest set with mass p"
    )
    generate.add_argument(
        "--histogram",
        type=_positive_int,
        metavar="N",
        default=None,
        help="instead of generating, draw the next token N times and print the counts next to the "
        "probabilities, with each id's logit before and after temperature and top-k/top-p",
    )

    train = command("train", "Train a tiny GPT on a corpus and save it.")
    train.add_argument("--steps", type=int, default=200, help="optimizer steps (default 200)")
    train.add_argument("--batch-size", type=int, default=8, help="windows per step (default 8)")
    train.add_argument(
        "--out", metavar="PATH", default=None, help="checkpoint path (default: the user cache)"
    )

    bench = commands.add_parser(
        "bench",
        help="Measure speed.",
        description="Measure speed: start-up, keystroke latency, heatmap, tokenization, model forward.",
    )
    bench.add_argument(
        "--quick", action="store_true", help="fewer repeats and smaller sizes (seconds, not minutes)"
    )
    bench.add_argument(
        "--device", choices=("auto", "cpu", "cuda", "mps"), default="auto", help="device for the model rows"
    )
    bench.add_argument("--json", action="store_true", help="machine-readable output on stdout")

    lessons = commands.add_parser("lessons", help="List the lessons.", description="List the lessons.")
    lessons.add_argument("--lang", choices=("en", "ja"), default=None, help="one language (default: all)")
    lessons.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    return parser


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
    )
    settings.validate()
    return settings


def _cmd_tokenize(args: argparse.Namespace) -> None:
    if args.compare:
        from engine.tokenize.compare import compare
        from tui.formatting.comparison import print_comparison

        print_comparison(compare(read_text(args), settings_from_args(args)), args.json)
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


def _cmd_inspect(args: argparse.Namespace) -> None:
    from engine.pipeline.run import run

    text = read_text(args)
    settings = settings_from_args(args)
    if args.topk < 1:
        raise UserError(f"--topk must be at least 1, not {args.topk}")
    if args.layer != 0 and not settings.weights:
        raise UserError(f"--layer {args.layer}: without a model (--weights) there is one layer, layer 0")
    result = run(text, settings)
    heads_available = result.attention.heads
    if args.head is not None and not 0 <= args.head < heads_available:
        raise UserError(f"--head {args.head}: choose a head from 0 to {heads_available - 1}")
    heads = [args.head] if args.head is not None else list(range(heads_available))
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


def _cmd_windows(args: argparse.Namespace) -> None:
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
    from engine.tokenize.registry import tokenizer_for
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
    tokenizer = tokenizer_for(result.settings)
    records = []
    for row in order:
        token_id = prediction.token_id(int(row))
        piece = id_piece(tokenizer.token_bytes, token_id)
        records.append({"id": token_id, "piece": piece, "prob": float(distribution.probs[row])})
    return records


def _default_weights(args: argparse.Namespace) -> str:
    """--weights, else the model `llm-tui train` saved, else GPT-2 from the Hugging Face cache."""
    from engine.locations import default_tiny_checkpoint, find_hf_cache_gpt2

    if args.weights:
        return args.weights
    if default_tiny_checkpoint().exists():
        return "tiny"
    if find_hf_cache_gpt2() is not None:
        return "gpt2"
    raise UserError("no model: train one with `llm-tui train`, or pass --weights PATH")


def _cmd_generate(args: argparse.Namespace) -> None:
    import codecs

    import torch

    from engine.nn.device import pick_device
    from engine.pipeline.caches import load_model
    from engine.sampling.distribution import generate
    from engine.tokenize.registry import tokenizer_for

    args.weights = _default_weights(args)
    settings = settings_from_args(args)
    loaded = load_model(settings.weights, pick_device(settings.device).name)
    tokenizer = tokenizer_for(dataclasses.replace(settings, encoding=loaded.encoding))
    prompt = read_text(args)
    ids = tokenizer.encode(prompt)
    if not ids:
        raise UserError("the prompt is empty: give some text to continue")
    if args.histogram is not None:
        from tui.formatting.histogram import histogram_payload, print_histogram

        if not args.json:
            print(f"[{loaded.source}]", file=sys.stderr)
        print_histogram(histogram_payload(loaded, tokenizer, ids, args), args.json)
        return
    if args.max_new_tokens < 1:
        raise UserError("--max-new-tokens must be at least 1")
    model_ids = torch.from_numpy(loaded.to_model_ids(ids)).to(next(loaded.model.parameters()).device)
    stream = generate(
        loaded.model,
        model_ids,
        args.max_new_tokens,
        args.temperature,
        args.top_k,
        args.top_p,
        seed=args.seed,
        suppressed=loaded.suppressed_ids,
    )
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    new_ids: list[int] = []
    if not args.json:
        print(f"[{loaded.source}]", file=sys.stderr)
        sys.stdout.write(prompt)
    for model_id in stream:
        token_id = int(loaded.to_tokenizer_ids([model_id])[0])
        new_ids.append(token_id)
        if not args.json:
            # Bytes of a character split over tokens wait for the rest instead of printing as U+FFFD.
            sys.stdout.write(decoder.decode(tokenizer.token_bytes(token_id)) if token_id >= 0 else "<|unk|>")
            sys.stdout.flush()
    if args.json:
        _print_json(
            {
                "model": loaded.source,
                "prompt_ids": ids,
                "ids": new_ids,
                "text": tokenizer.decode([i for i in new_ids if i >= 0]),
            }
        )
    else:
        sys.stdout.write(decoder.decode(b"", final=True) + "\n")


def _cmd_train(args: argparse.Namespace) -> None:
    import time

    from engine.inputs import read_corpus_file
    from engine.locations import default_tiny_checkpoint
    from engine.nn.checkpoints import check_checkpoint_path
    from engine.nn.device import pick_device
    from engine.tokenize.registry import get_tokenizer, sample_text
    from engine.training.train import TINY_CONFIG, train

    if args.steps < 1:
        raise UserError("--steps must be at least 1")
    if args.batch_size < 1:
        raise UserError(f"--batch-size must be at least 1, not {args.batch_size}")
    corpus = read_corpus_file(args.corpus, args.latin1) if args.corpus else sample_text()
    ids = get_tokenizer("gpt2").encode(corpus)
    device = pick_device(args.device)
    # Checked now: a path that cannot be written must not cost a whole training run.
    out = check_checkpoint_path(args.out if args.out else default_tiny_checkpoint())
    started = time.perf_counter()
    interactive = sys.stderr.isatty()
    print(
        f"training a tiny GPT ({TINY_CONFIG.layers} layers, {TINY_CONFIG.dim} wide) on {len(ids):,} tokens "
        f"of {args.corpus or 'the built-in sample text'}, {args.steps} steps on {device.description}",
        file=sys.stderr,
    )

    def progress(step: int, train_loss: float, val_loss: float | None) -> bool:
        filled = round(24 * step / args.steps)
        line = (
            f"step {step:>5}/{args.steps} [{'█' * filled}{'·' * (24 - filled)}] train loss {train_loss:.3f}"
            + (f" · val {val_loss:.3f}" if val_loss is not None else "")
            + f" · {time.perf_counter() - started:.1f}s"
        )
        if interactive:
            print("\r" + line, end="", file=sys.stderr, flush=True)
        elif step == args.steps or step % max(1, args.steps // 10) == 0:
            print(line, file=sys.stderr)
        return True

    result = train(
        ids,
        steps=args.steps,
        batch_size=args.batch_size,
        seed=args.seed,
        device=device.name,
        on_step=progress,
    )
    if interactive:
        print(file=sys.stderr)
    out.parent.mkdir(parents=True, exist_ok=True)
    result.save(out, metadata={"corpus": str(args.corpus or "sample")})
    summary = {
        "path": str(out),
        "steps": result.steps,
        "initial_train_loss": result.initial_train_loss,
        "final_train_loss": result.final_train_loss,
        "final_val_loss": result.final_val_loss,
        "seconds": round(result.seconds, 2),
    }
    if args.json:
        _print_json(summary)
    else:
        print(
            f"saved {out} · train loss {result.initial_train_loss:.3f} → {result.final_train_loss:.3f} "
            f"in {result.seconds:.1f}s; use it with: llm-tui --weights tiny"
        )


def _cmd_bench(args: argparse.Namespace) -> None:
    from engine.nn.device import pick_device
    from tui.bench import format_table, machine_line, run_all

    device = pick_device(args.device)
    if not args.json:
        print(
            f"measuring on {machine_line(device.description)}{' (quick)' if args.quick else ''}…",
            file=sys.stderr,
        )
    rows = run_all(args.quick, device.name)
    if args.json:
        _print_json(
            {
                "machine": machine_line(device.description),
                "quick": args.quick,
                "rows": [
                    {
                        "name": r.name,
                        "value": r.value,
                        "unit": r.unit,
                        "target": r.target,
                        "passed": r.passed,
                        "detail": r.detail,
                    }
                    for r in rows
                ],
            }
        )
        return
    print(format_table(rows))
    missed = [row.name for row in rows if row.passed is False]
    print(
        f"{len(rows) - len(missed)} of {len(rows)} rows within target"
        if not missed
        else f"missed: {', '.join(missed)}"
    )


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
    "generate": _cmd_generate,
    "train": _cmd_train,
    "bench": _cmd_bench,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `llm-tui` console script."""
    _unicode_streams()
    # Every keystroke paints twice: the typed character at once, the recomputed panes a few ms
    # later. Textual waits one to two frame periods between two frames, so at its default 60 fps
    # the panes showed 17-33 ms after they were ready. Read when Textual is first imported (after
    # this); a TEXTUAL_FPS the user set wins.
    os.environ.setdefault("TEXTUAL_FPS", "120")
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser().parse_args(argv)
    except _UsageError as error:
        _fail(str(error), "--json" in argv)
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
    except MemoryError:
        _fail("out of memory: try a shorter text, a smaller --context or --dim, or --device cpu", as_json)
    except Exception as error:
        # A bug, not the user's doing: still one line, not a traceback (LLM_TUI_DEBUG=1 shows it).
        if os.environ.get("LLM_TUI_DEBUG"):
            raise
        _fail(
            f"internal error: {type(error).__name__}: {error} (a bug in llm-tui; run again with "
            "LLM_TUI_DEBUG=1 to see where)",
            as_json,
            code=1,
        )
    return 0


def _unicode_streams() -> None:
    """Make stdout and stderr able to print any piece (ち, emoji), whatever the locale.

    Under LC_ALL=C Python may pick ASCII for them; UTF-8 is what terminals speak (Python's own
    UTF-8 mode makes the same choice). Anything still unprintable (a lone surrogate) is escaped
    rather than raised.
    """
    for stream in (sys.stdout, sys.stderr):
        if not hasattr(stream, "reconfigure"):
            continue
        try:
            ascii_only = codecs.lookup(stream.encoding or "ascii").name == "ascii"
        except LookupError:
            ascii_only = True
        if ascii_only:
            stream.reconfigure(encoding="utf-8", errors="backslashreplace")
        else:
            stream.reconfigure(errors="backslashreplace")


if __name__ == "__main__":
    raise SystemExit(main())
