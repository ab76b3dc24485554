"""The `llm-tui` command line (`llm-tui = "tui.cli:main"`).

Modules: `entry` (main: parse, dispatch, one-line errors), `parser` (every option), `args` (the
text and the `Settings` the options name), `hints` (an error's way out, in flags), `launch` (the
one place that builds the app from the options), `output` (JSON), and one module per subcommand
(`tokenize`, `inspect`, `windows`, `generate`, `train`, `lessons`, `bench`), each with `run(args)`.

The package itself imports none of them, so the app can use `tui.cli.hints` without importing
the command (and, through `launch`, itself).
"""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `llm-tui` console script (see `tui.cli.entry.main`)."""
    from tui.cli.entry import main as entry_main

    return entry_main(argv)
