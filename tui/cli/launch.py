"""`llm-tui` with no subcommand: the one place that builds `LlmTuiApp` from the command line.

Nothing here imports numpy or torch: the app loads the engine in a worker after its first frame.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import os
import sys

from engine.errors import UserError
from themes import THEMES
from tui.app import LlmTuiApp
from tui.cli.args import read_text, settings_from_args
from tui.lessons.catalog import default_language, find_lesson, load_lessons


def build_app(args: argparse.Namespace, interactive: bool) -> LlmTuiApp:
    """The app the options describe; not `interactive` (no terminal) it quits after its first frame."""
    settings = settings_from_args(args)
    if settings.weights is None:
        from engine.locations import default_tiny_checkpoint

        if default_tiny_checkpoint().exists():
            # The model `llm-tui train` saved last time is picked up; F6 switches back to random weights.
            settings = dataclasses.replace(settings, weights="tiny")
    if args.theme is not None and args.theme not in THEMES:
        raise UserError(f"unknown theme {args.theme!r} (choose from {', '.join(THEMES)})")
    text = read_text(args)
    before_example = None
    if settings.example is not None:
        from engine.examples import example  # numpy only, and only for --example

        chosen = example(settings.example)  # an unknown name or a bad file: one line, exit 2
        if args.text is None and args.text_file is None:
            before_example, text = text, chosen.text
    language = args.lang or default_language()
    if args.lesson is not None:
        find_lesson(load_lessons(language), args.lesson)  # a bad id or lesson file: one line, exit 2
    return LlmTuiApp(
        text,
        settings,
        args.theme,
        args.corpus,
        language=language,
        lesson=args.lesson,
        exit_after_first_frame=not interactive,
        text_before_example=before_example,
        text_path=args.text_file if args.text_file not in (None, "-") else None,
    )


EXIT_CRASH = 1
CRASH_MESSAGE = (
    "llm-tui: internal error: the app stopped on an unhandled exception (a bug in llm-tui; run again "
    "with LLM_TUI_DEBUG=1 to see where)"
)


def run_app(app: LlmTuiApp, headless: bool = False) -> int:
    """Run `app`; 0 when it ended normally, `EXIT_CRASH` (with one line on stderr) when it crashed.

    Textual ends the app on an unhandled exception in a handler or worker, prints its traceback
    on stderr and sets `app.return_code` to 1. The traceback is shown only with LLM_TUI_DEBUG=1,
    as for the CLI's own errors; anything else written on stderr while the app ran is passed on.
    """
    captured = io.StringIO()
    with contextlib.redirect_stderr(captured):
        app.run(headless=headless)
    code = app.return_code or 0
    text = captured.getvalue()
    if code == 0 or os.environ.get("LLM_TUI_DEBUG"):
        sys.stderr.write(text)
    if code == 0:
        return 0
    print(CRASH_MESSAGE, file=sys.stderr)
    return EXIT_CRASH


def launch(args: argparse.Namespace) -> int:
    """Open the app in this terminal; without one, paint the first frame headless and stop.

    The exit status is 0 only when the app ended normally: a crash is 1, never 0.
    """
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    app = build_app(args, interactive)
    if not interactive:
        # Escape codes piped into a file or CI log help nobody: start headless, paint once, stop.
        if (code := run_app(app, headless=True)) != 0:
            return code
        print(
            "llm-tui: no terminal attached; started headless, painted the first frame and quit. "
            "Run it in a terminal, or use `llm-tui inspect` / `llm-tui tokenize` for scripts.",
            file=sys.stderr,
        )
        return 0
    return run_app(app)
