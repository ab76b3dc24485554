"""Laying text out in terminal cells: widths, wrapped rows, which token owns each character.

Used by the panes that paint text token by token (the spans pane, the Compare tab) and by the
tables that cut labels to a column. Everything per character is vectorised numpy; the only
Python loop runs once per wrapped screen row of over-long lines.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from rich.cells import cell_len, set_cell_size

from tui.formatting.pieces import visible_piece

visible_char = lru_cache(maxsize=4096)(visible_piece)
"""`visible_piece` of one character, remembered: the token-painted panes ask once per character drawn."""


def char_widths(text: str) -> np.ndarray:
    """Cells each character of `text` takes once made visible (`visible_piece`), as uint8.

    Printable ASCII is one cell; the width of every other distinct character is measured once.
    """
    code_points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    widths = np.ones(code_points.shape, dtype=np.uint8)
    special = (code_points < 0x20) | (code_points > 0x7E)
    if special.any():
        distinct, where = np.unique(code_points[special], return_inverse=True)
        measured = [cell_len(visible_char(chr(code))) for code in distinct.tolist()]
        widths[special] = np.asarray(measured, dtype=np.uint8)[where]
    return widths


def wrap_rows(widths: np.ndarray, newlines: np.ndarray, boundaries: np.ndarray, width: int) -> np.ndarray:
    """Where each screen row of the wrapped text starts.

    A newline ends its row (after its "↵"). A line wider than `width` is cut at the last
    token boundary that fits, or between characters when one token is wider than the row.
    Lines that fit cost no Python work; a long line costs one array lookup per row, the cut
    after every boundary being computed for all of them at once.

    Args:
        widths: Cells of every character (`char_widths`).
        newlines: Sorted indices of the newline characters.
        boundaries: Character indices where a token starts or ends.
        width: Cells per row (at least 1).

    Returns:
        int64 indices: the first character of each row, then `len(widths)`.
    """
    count = len(widths)
    cells = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(widths, out=cells[1:])
    line_starts = np.concatenate(([0], newlines + 1)).astype(np.int64)
    line_ends = np.concatenate((newlines + 1, [count])).astype(np.int64)
    if count:
        # A final newline ends the last line; it does not open an empty one.
        keep = line_starts < count
        line_starts, line_ends = line_starts[keep], line_ends[keep]
    long = cells[line_ends] - cells[line_starts] > width
    rows = [line_starts, np.array([count], dtype=np.int64)]
    if long.any():
        rows.append(_cuts(cells, line_starts, line_ends, long, boundaries, width))
    joined = np.concatenate(rows)
    joined.sort()
    return joined


def _cuts(
    cells: np.ndarray,
    line_starts: np.ndarray,
    line_ends: np.ndarray,
    long: np.ndarray,
    boundaries: np.ndarray,
    width: int,
) -> np.ndarray:
    """The row starts inside the lines marked `long` (see `wrap_rows`)."""
    is_start = np.zeros(len(cells), dtype=bool)
    is_start[boundaries] = True
    is_start[line_starts] = True
    starts = np.flatnonzero(is_start)
    line_of = np.searchsorted(line_starts, starts, side="right") - 1
    in_long = long[line_of]
    starts, ends = starts[in_long], line_ends[line_of[in_long]]
    # For a row starting at each boundary: the furthest character that fits, then the last
    # boundary before it; -1 where there is none (one token wider than the row).
    fits = np.searchsorted(cells, cells[starts] + width, side="right") - 1
    best = starts[np.searchsorted(starts, fits, side="right") - 1]
    following = np.where(fits >= ends, ends, np.where(best > starts, best, -1))
    next_at = np.full(len(cells), -1, dtype=np.int64)
    next_at[starts] = following

    def cut_between_characters(start: int) -> int:
        fit = max(int(np.searchsorted(cells, cells[start] + width, side="right")) - 1, start + 1)
        boundary = int(starts[np.searchsorted(starts, fit, side="right") - 1])
        return boundary if boundary > start else fit

    cuts: list[int] = []
    for start, end in zip(line_starts[long].tolist(), line_ends[long].tolist(), strict=True):
        while True:
            following_start = next_at.item(start)
            if following_start < 0:
                following_start = cut_between_characters(start)
            if following_start >= end:
                break
            cuts.append(following_start)
            start = following_start
    return np.asarray(cuts, dtype=np.int64)


def fit_left(text: str, width: int) -> str:
    """Left-align `text` in exactly `width` cells, cutting it with "…" when it is too wide."""
    if width <= 0:
        return ""
    length = cell_len(text)
    if length > width:
        return set_cell_size(text, width - 1) + "…"
    return text + " " * (width - length)


def fit_right(text: str, width: int) -> str:
    """Right-align `text` in exactly `width` cells, cutting it with "…" when it is too wide.

    Args:
        text: A display string; wide (CJK, emoji) characters count two cells.
        width: Cells to fill.

    Returns:
        A string whose `cell_len` is `width`.
    """
    if width <= 0:
        return ""
    length = cell_len(text)
    if length > width:
        return set_cell_size(text, width - 1) + "…"
    return " " * (width - length) + text


def char_owners(char_spans: np.ndarray, start: int, end: int) -> tuple[list[int], list[bool]]:
    """For each character of `start:end`: the first token covering it (as
    `TokenizedText.token_at_char`, -1 for none), and whether a second token covers it too
    (a character byte-level BPE split)."""
    count = len(char_spans)
    if not count:
        return [-1] * (end - start), [False] * (end - start)
    chars = np.arange(start, end)
    starts, ends = char_spans[:, 0], char_spans[:, 1]
    owners = np.searchsorted(ends, chars, side="right")
    covered = (owners < count) & (starts[np.minimum(owners, count - 1)] <= chars)
    following = np.minimum(owners + 1, count - 1)
    shared = covered & (owners + 1 < count) & (starts[following] <= chars)
    return np.where(covered, owners, -1).tolist(), shared.tolist()
