"""Running the CLI in-process for tests."""

from __future__ import annotations

from tui.cli import main


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    """`llm-tui ARGV...` in this process: (exit code, stdout, stderr)."""
    try:
        code = main(list(argv))
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err
