"""A comparison of encodings as plain text and JSON (no Textual import: the CLI uses it too).

`llm-tui tokenize --compare` prints it; the Compare pane draws its summary from `summary_lines`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len

from tui.formatting.pieces import visible_piece
from tui.i18n.strings import UiStrings

if TYPE_CHECKING:
    from engine.errors import Hint
    from engine.tokenize.compare import Comparison, EncodedRow

HintWords = Callable[[tuple["Hint", ...]], str]
"""Words an error's hints for where it is shown: `tui.cli.hints.cli_hint` or `tui.hints.app_hint`."""

OFFSETS_LISTED = 8
"""Differing boundaries named in the summary line (the JSON lists them all)."""
BOUNDARY_MARK = "^"
PIECE_SEPARATOR = "│"


def label_cells(comparison: Comparison) -> int:
    """Cells of the encoding-name column: the longest name and a space."""
    return max((len(row.encoding) for row in comparison.rows), default=0) + 1


def row_error(row: EncodedRow, hint_words: HintWords | None, strings: UiStrings | None = None) -> str:
    """An encoding's error, and what would let the text through, in the caller's words (and in the
    language of `strings`: English by default)."""
    strings = strings or UiStrings("en")
    message = strings.say_note(row.error or "")
    if hint_words is None or not row.hints:
        return message
    return strings.say("{message}; {hint}", message=message, hint=hint_words(row.hints))


def _right(text: str, cells: int) -> str:
    """`text` right-aligned in `cells` cells (a Japanese character is two)."""
    return " " * (cells - cell_len(text)) + text


def summary_lines(
    comparison: Comparison, hint_words: HintWords | None = None, strings: UiStrings | None = None
) -> list[str]:
    """A header, one line per encoding (tokens, characters per token, split characters, or its
    error with its hint worded by `hint_words`), then the boundaries line; `strings`: the
    learner's language (English by default). Errors are as the engine says them."""
    say = (strings or UiStrings("en")).say
    header = say("encoding")
    label = max(label_cells(comparison), cell_len(header) + 1)
    names = [say("tokens"), say("chars/token"), say("split chars")]
    count, ratio, split = (max(least, cell_len(name)) for least, name in zip((9, 11, 11), names, strict=True))
    columns = [_right(name, cells) for name, cells in zip(names, (count, ratio, split), strict=True)]
    lines = [" ".join([header + " " * (label - cell_len(header)), *columns])]
    for row in comparison.rows:
        if row.ok:
            lines.append(
                f"{row.encoding:<{label}} {row.n_tokens:>{count},} {row.chars_per_token:>{ratio}.2f} "
                f"{len(row.split_chars):>{split},}"
            )
        else:
            lines.append(f"{row.encoding:<{label}} ✗ {row_error(row, hint_words, strings)}")
    lines.append(boundaries_line(comparison, strings))
    return lines


def boundaries_line(comparison: Comparison, strings: UiStrings | None = None) -> str:
    """'boundaries shared by all 4: N · differing: M, at 4, 10, … (marked ^)' over the encodings
    that tokenized the text, in `strings`' language (English by default)."""
    say = (strings or UiStrings("en")).say
    ok = sum(row.ok for row in comparison.rows)
    if not ok:
        return say("no encoding could tokenize this text")
    differing = comparison.differing_boundaries
    if len(differing):
        listed = ", ".join(str(offset) for offset in differing[:OFFSETS_LISTED].tolist())
        more = ", …" if len(differing) > OFFSETS_LISTED else ""
        where = say(
            "{count}, at {listed}{more} (marked {mark})",
            count=f"{len(differing):,}",
            listed=listed,
            more=more,
            mark=BOUNDARY_MARK,
        )
    else:
        where = say("none")
    shared = f"{len(comparison.shared_boundaries):,}"
    if ok == len(comparison.rows):
        return say(
            "boundaries shared by all {ok}: {shared} · differing: {where}", ok=ok, shared=shared, where=where
        )
    return say(
        "boundaries shared by the {ok} that tokenized the text: {shared} · differing: {where}",
        ok=ok,
        shared=shared,
        where=where,
    )


def comparison_json(comparison: Comparison, hint_words: HintWords | None = None) -> dict[str, Any]:
    """The comparison as `{"text_chars", "encodings", "n_shared_boundaries", "differing_boundaries"}`.

    Each encoding is `{"encoding", "ids", "pieces", "n_tokens", "chars_per_token", "boundaries",
    "split_chars"}`, or `{"encoding", "error"}` when it refused the text. Boundaries are character
    offsets strictly inside the text.
    """
    encodings: list[dict[str, Any]] = []
    for row in comparison.rows:
        if not row.ok:
            encodings.append({"encoding": row.encoding, "error": row_error(row, hint_words)})
            continue
        encodings.append(
            {
                "encoding": row.encoding,
                "ids": row.ids.tolist(),
                "pieces": list(row.pieces),
                "n_tokens": row.n_tokens,
                "chars_per_token": row.chars_per_token,
                "boundaries": row.boundaries.tolist(),
                "split_chars": row.split_chars.tolist(),
            }
        )
    return {
        "text_chars": len(comparison.text),
        "encodings": encodings,
        "n_shared_boundaries": len(comparison.shared_boundaries),
        "differing_boundaries": comparison.differing_boundaries.tolist(),
    }


def print_comparison(comparison: Comparison, as_json: bool, hint_words: HintWords | None = None) -> None:
    """Print the summary, then each encoding's pieces separated by │ (whitespace made visible)."""
    if as_json:
        json.dump(comparison_json(comparison, hint_words), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        return
    print(f"{len(comparison.text):,} characters")
    for line in summary_lines(comparison, hint_words):
        print(line)
    label = label_cells(comparison)
    print()
    for row in comparison.rows:
        if row.ok:
            pieces = PIECE_SEPARATOR.join(visible_piece(piece) for piece in row.pieces)
            print(f"{row.encoding:<{label}} {PIECE_SEPARATOR}{pieces}{PIECE_SEPARATOR}")
