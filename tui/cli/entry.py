"""`main`, the `llm-tui` console script: parse the command line, then open the app or run a subcommand.

Every subcommand takes `--json`. User errors print one line on stderr and exit 2 (and, with
`--json`, an `{"error": ...}` object on stdout), never a traceback.
"""

from __future__ import annotations

import codecs
import json
import os
import sys
from collections.abc import Sequence
from importlib import import_module
from typing import NoReturn

from engine.errors import UserError
from tui.cli.hints import cli_message
from tui.cli.parser import UsageError, build_parser

EXIT_USAGE = 2

# Each subcommand's module, imported only when it runs: each has `run(args)`.
COMMANDS = {
    name: f"tui.cli.{name}"
    for name in (
        "tokenize",
        "inspect",
        "windows",
        "lessons",
        "generate",
        "train",
        "bench",
        "models",
        "download",
    )
}


def _fail(message: str, as_json: bool, code: int = EXIT_USAGE) -> NoReturn:
    if as_json:
        print(json.dumps({"error": message}))
    print(message if message.startswith("llm-tui") else f"llm-tui: error: {message}", file=sys.stderr)
    raise SystemExit(code)


def prepare_process() -> None:
    """What the command sets up before anything else runs (the start-up benchmark does it too)."""
    _unicode_streams()
    # Every keystroke paints twice: the typed character at once, the recomputed panes a few ms
    # later. Textual waits one to two frame periods between two frames, so at its default 60 fps
    # the panes showed 17-33 ms after they were ready. Read when Textual is first imported (after
    # this); a TEXTUAL_FPS the user set wins.
    os.environ.setdefault("TEXTUAL_FPS", "120")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `llm-tui` console script."""
    prepare_process()
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser().parse_args(argv)
    except UsageError as error:
        _fail(str(error), "--json" in argv)
    as_json = getattr(args, "json", False)
    try:
        if args.command is None:
            from tui.cli.launch import launch

            return launch(args)
        if args.command != "inspect" and getattr(args, "example", None):
            raise UserError(f"--example opens in the app or in `inspect`, not in `{args.command}`")
        import_module(COMMANDS[args.command]).run(args)
    except UserError as error:
        _fail(cli_message(error), as_json)
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
