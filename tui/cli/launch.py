"""`llm-tui` with no subcommand: the one place that builds `LlmTuiApp` from the command line.

Nothing here imports numpy or torch: the app loads the engine in a worker after its first frame.
"""

from __future__ import annotations

import argparse
import dataclasses
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
    )


def launch(args: argparse.Namespace) -> int:
    """Open the app in this terminal; without one, paint the first frame headless and stop."""
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    app = build_app(args, interactive)
    if not interactive:
        # Escape codes piped into a file or CI log help nobody: start headless, paint once, stop.
        app.run(headless=True)
        print(
            "llm-tui: no terminal attached; started headless, painted the first frame and quit. "
            "Run it in a terminal, or use `llm-tui inspect` / `llm-tui tokenize` for scripts.",
            file=sys.stderr,
        )
        return 0
    app.run()
    return 0
