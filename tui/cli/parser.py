"""The `llm-tui` command line: every option and subcommand, and argparse errors as one line.

Building the parser imports nothing heavy, so `llm-tui` with no subcommand reaches the app fast.
"""

from __future__ import annotations

import argparse
from typing import Any, NoReturn

from engine.tokenize.registry import ENCODINGS


def _positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, not {text!r}")
    return value


class UsageError(Exception):
    """A bad command line, raised by `_Parser.error` and reported by `tui.cli.entry.main`."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line on stderr (and JSON when --json was asked for)."""

    def error(self, message: str) -> NoReturn:
        # `main` reports it: only it knows the argv (and so whether --json was given).
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def _add_shared_options(parser: argparse.ArgumentParser, defaults: bool) -> dict[str, argparse.Action]:
    """Add the options the app and the pipeline subcommands share; returns them by destination.

    Subcommands get them without defaults (argparse.SUPPRESS) so that an option given before
    the subcommand name is not reset by the subcommand's own default.
    """

    def default(value: Any) -> Any:
        return value if defaults else argparse.SUPPRESS

    group = parser.add_argument_group("text and model")
    actions: dict[str, argparse.Action] = {}

    def add(*flags: str, **options: Any) -> None:
        action = group.add_argument(*flags, **options)
        actions[action.dest] = action

    add("--text", default=default(None), help="text to show (default: built-in sample)")
    add("--text-file", metavar="PATH", default=default(None), help="read the text from a UTF-8 file")
    add(
        "--latin1",
        action="store_true",
        default=default(False),
        help="read text, corpus and standard input that are not UTF-8 as Latin-1 instead of refusing them",
    )
    add(
        "--encoding",
        default=default("gpt2"),
        metavar="NAME",
        help=f"tokenizer: {', '.join(ENCODINGS)}, or a model name such as gpt-4o (default gpt2)",
    )
    add(
        "--corpus",
        metavar="PATH",
        default=default(None),
        help="text whose words form the regex tokenizers' vocabulary",
    )
    add(
        "--allow-special",
        action="store_true",
        default=default(False),
        help="encode special tokens such as <|endoftext|> typed in the text",
    )
    add(
        "--device",
        choices=("auto", "cpu", "cuda", "mps"),
        default=default("auto"),
        help="compute device (default auto: cuda, then mps, then cpu)",
    )
    add("--dim", type=int, default=default(16), help="embedding size (default 16)")
    add("--heads", type=int, default=default(2), help="attention heads (default 2)")
    add("--context", type=int, default=default(1024), help="most tokens embedded and attended (default 1024)")
    add("--seed", type=int, default=default(123), help="seed for the random weights (default 123)")
    add(
        "--weights",
        metavar="PATH",
        default=default(None),
        help="run a model: a Hugging Face repo id in the local cache (meta-llama/Llama-3.2-1B-Instruct, "
        "Qwen/Qwen2.5-0.5B, gpt2; see `llm-tui models`), a model folder or .safetensors file, or "
        "'tiny' (the model `llm-tui train` wrote); default: random weights",
    )
    add(
        "--chat",
        action="store_true",
        default=default(False),
        help="wrap the text in the model's own chat template, as an instruct model receives it",
    )
    add(
        "--positions",
        choices=("learned", "sinusoidal"),
        default=default("learned"),
        help="position vectors added to token vectors (default learned)",
    )
    return actions


def _add_example_options(parser: argparse.ArgumentParser, defaults: bool = True) -> None:
    """The worked example and the book's attention switches (the app and `inspect`); without
    `defaults` (inspect) an option given before the subcommand name is kept, as for the shared ones."""

    def default(value: Any) -> Any:
        return value if defaults else argparse.SUPPRESS

    group = parser.add_argument_group("worked examples (the book's chapter 3)")
    group.add_argument(
        "--example",
        metavar="NAME|FILE",
        default=default(None),
        help="a worked example instead of a text: journey, hello-world, neko, watashi, or a .toml file",
    )
    group.add_argument(
        "--projection",
        choices=("none", "rand", "linear"),
        default=default("none"),
        help="with --example: q = k = v = the inputs, torch.rand or nn.Linear projections (default none)",
    )
    group.add_argument(
        "--multihead",
        choices=("stack", "merged"),
        default=default(None),
        help="with --example --projection linear: --heads heads, stacked or merged (default: one head)",
    )
    group.add_argument(
        "--d-out", type=_positive_int, default=default(None), help="with --example: projection width"
    )
    group.add_argument(
        "--dropout", type=float, default=default(0.0), help="with --example: dropout on the attention weights"
    )


def shared_options() -> dict[str, argparse.Action]:
    """The options the app and the pipeline subcommands share, by destination ("allow_special")."""
    return _add_shared_options(argparse.ArgumentParser(add_help=False), defaults=True)


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
    parser.add_argument(
        "--no-causal", dest="causal", action="store_false", help="start with the causal mask off (m)"
    )
    parser.add_argument(
        "--no-scale", dest="scaled", action="store_false", help="start without dividing by √d (s)"
    )
    _add_example_options(parser)
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
        "--no-causal",
        dest="causal",
        action="store_false",
        default=argparse.SUPPRESS,  # the app's --no-causal before `inspect` is kept
        help="let queries see later keys",
    )
    inspect.add_argument(
        "--lens",
        action="store_true",
        help="each layer's next-token reading at --position (logit lens; a model)",
    )
    inspect.add_argument(
        "--position", type=int, default=None, help="the position --lens reads (default: the last)"
    )
    inspect.add_argument(
        "--cell",
        metavar="Q,K",
        default=None,
        help="the arithmetic of attention cell query Q, key K (--head, --layer)",
    )
    _add_example_options(inspect, defaults=False)
    inspect.add_argument(
        "--no-scale",
        dest="scaled",
        action="store_false",
        default=argparse.SUPPRESS,
        help="do not divide scores by sqrt(head size)",
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

    models = commands.add_parser(
        "models",
        help="List the models llm-tui can open.",
        description="List the models in the local Hugging Face cache, and the tiny trained model.",
    )
    models.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    download = commands.add_parser(
        "download",
        help="Download a model from the Hugging Face Hub.",
        description="Download a model's config, tokenizer and safetensors weights into the Hugging Face "
        "cache (the only command that uses the network). Gated models such as Llama need their licence "
        "accepted on huggingface.co and your token (`hf auth login` or $HF_TOKEN).",
    )
    download.add_argument("repo_id", metavar="REPO_ID", help="e.g. meta-llama/Llama-3.2-1B-Instruct")
    download.add_argument("--json", action="store_true", help="machine-readable output on stdout")

    lessons = commands.add_parser("lessons", help="List the lessons.", description="List the lessons.")
    lessons.add_argument("--lang", choices=("en", "ja"), default=None, help="one language (default: all)")
    lessons.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    return parser
