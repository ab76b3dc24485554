"""Where words lie in a token embedding table: their vectors, cosine similarities, a 2-D PCA.

Also which words to compare by default (`default_words`), and the plain arithmetic of fitting the
picture into character cells (`place_labels`, `cell_width`), kept here so it is tested without a UI.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.errors import UserError
from engine.tokenize.words import UNKNOWN

if TYPE_CHECKING:
    from engine.pipeline.results import PipelineResult

_UNKNOWN_BYTES = UNKNOWN.encode("utf-8")
DEFAULT_COUNT = 7
"""Words picked from a vocabulary when the classic ones are not in it: as many as the classic list."""
CLASSIC_SHARE = 2 / 3
"""The share of the classic words that must be single known tokens for them to be kept."""
MIN_LETTERS = 3
"""The shortest word picked from a vocabulary ("a" and "I" say little about a vocabulary)."""


@dataclass(frozen=True)
class WordSpace:
    """Vectors for the words the table has rows for.

    Attributes:
        words: the words found, in the order given.
        vectors: (len(words), dim) float64: each word's row, or the mean of its tokens' rows.
        splits: for each word that split into several tokens, its tokens' text (UTF-8 decoded,
            whitespace kept: GPT-2's " unbeliev" starts with a space); other words are absent.
        missing: words with no row (unknown to the tokenizer, or to a model's compact vocabulary).
    """

    words: tuple[str, ...]
    vectors: np.ndarray
    splits: dict[str, tuple[str, ...]]
    missing: tuple[str, ...]


def word_vectors(words: Sequence[str], result: PipelineResult) -> WordSpace:
    """Look `words` up in the result's token table.

    BPE encodings are asked for `" " + word`, since inside a sentence most words carry the space
    before them (GPT-2's " king" is one token, "king" without it is another). A word that still
    splits into several tokens gets the mean of its own tokens' rows (not of a BOS the tokenizer
    adds in front). A word the tokenizer refuses,
    maps to `<|unk|>`, or whose tokens the table has no row for (a tiny model's compact
    vocabulary) is listed as missing.

    Args:
        words: the words, without spaces.
        result: a pipeline result; its encoding, corpus and table are used.
    """
    tokenizer = result.tokenizer
    prefix = _prefix(result)
    table = result.embedded.token_table
    found: list[str] = []
    vectors: list[np.ndarray] = []
    splits: dict[str, tuple[str, ...]] = {}
    missing: list[str] = []
    for word in words:
        ids = _word_ids(tokenizer, prefix + word)
        rows = [result.embedded.row_of(token_id) for token_id in ids]
        pieces = [tokenizer.token_bytes(token_id) for token_id in ids]
        if not ids or None in rows or _UNKNOWN_BYTES in pieces:
            missing.append(word)
            continue
        found.append(word)
        vectors.append(table[rows].astype(np.float64).mean(axis=0))
        if len(ids) > 1:
            splits[word] = tuple(p.decode("utf-8", errors="replace") for p in pieces)
    dim = table.shape[1]
    stacked = np.stack(vectors) if vectors else np.zeros((0, dim))
    return WordSpace(tuple(found), stacked, splits, tuple(missing))


def _prefix(result: PipelineResult) -> str:
    """What goes before a word to look it up as it appears inside a sentence.

    Byte-level BPE (the BPE encodings, and models' own tokenizers) read a word after a space as
    one piece (" king"); the word tokenizers of the first lesson drop whitespace."""
    return "" if result.tokens.encoding.startswith("regex") else " "


def _word_ids(tokenizer: Any, text: str) -> list[int]:
    """The ids of the tokens that cover `text`'s bytes ([] when the tokenizer refuses it).

    A model's tokenizer may add tokens of its own (Llama 3's <|begin_of_text|>): they cover no byte
    of the word, so they are no part of it."""
    try:
        tokens = tokenizer.tokenize(text)
    except UserError:
        return []
    spans = tokens.byte_spans
    return [int(i) for i, (start, end) in zip(tokens.ids, spans, strict=True) if end > start]


@dataclass(frozen=True)
class DefaultWords:
    """The words compared until the user types some.

    Attributes:
        words: the words, without spaces.
        from_vocabulary: True when they were picked from the table's own vocabulary because too
            few of the classic words are single tokens with a row (a tiny model's compact
            vocabulary knows only the words of its training text).
    """

    words: tuple[str, ...]
    from_vocabulary: bool


def default_words(classic: Sequence[str], result: PipelineResult, count: int = DEFAULT_COUNT) -> DefaultWords:
    """`classic` if the table knows most of them as single tokens, else words of its own vocabulary.

    A classic list ("king queen man woman") shows what training does to related words, but only
    where each word is one row: with a compact vocabulary every one of them may be missing, and the
    pane would compare nothing. Then `vocabulary_words` are compared instead (or `classic` anyway
    when the vocabulary has no whole words either, so the footnotes say why nothing is shown).

    Args:
        classic: the words to keep where they are known.
        result: a pipeline result; its tokenizer and table are used.
        count: how many words to pick from the vocabulary.
    """
    space = word_vectors(classic, result)
    whole = [word for word in space.words if word not in space.splits]
    if len(whole) >= CLASSIC_SHARE * len(classic):
        return DefaultWords(tuple(classic), False)
    picked = vocabulary_words(result, count)
    if not picked:
        return DefaultWords(tuple(classic), False)
    return DefaultWords(picked, True)


def vocabulary_words(result: PipelineResult, count: int = DEFAULT_COUNT) -> tuple[str, ...]:
    """Up to `count` whole words of the table's vocabulary, most frequent first, one per spelling.

    A token is taken when it is a word after the space `word_vectors` puts in front (" the"), all
    letters, at least `MIN_LETTERS` long, and reads back as that one token. Ids are walked in
    order: a byte-pair vocabulary numbers its tokens in the order it merged them, so the lowest
    ids are its training data's most frequent pieces (GPT-2's " the" is 262); a word vocabulary
    is numbered alphabetically, which at least picks the same words every time. "The" and "the"
    count as one word.

    Args:
        result: a pipeline result; its tokenizer and table (and a compact vocabulary's ids) are used.
        count: the most words returned.
    """
    tokenizer, prefix = result.tokenizer, _prefix(result)
    table_ids = result.embedded.table_ids
    ids = range(result.embedded.token_table.shape[0]) if table_ids is None else table_ids[table_ids >= 0]
    picked: dict[str, str] = {}
    for token_id in ids:
        try:  # a row past the tokenizer's ids, or bytes that are part of a character, are no word
            text = tokenizer.token_bytes(int(token_id)).decode("utf-8")
        except (KeyError, IndexError, ValueError, UserError):
            continue
        word = text.removeprefix(prefix)
        if not (text.startswith(prefix) and word.isalpha() and len(word) >= MIN_LETTERS):
            continue
        if word.lower() not in picked and _word_ids(tokenizer, prefix + word) == [int(token_id)]:
            picked[word.lower()] = word
            if len(picked) == count:
                break
    return tuple(picked.values())


def cosine_matrix(vectors: np.ndarray) -> np.ndarray:
    """Cosine similarity of every pair of rows.

    Args:
        vectors: (n, dim).

    Returns:
        (n, n) float64, symmetric, in [-1, 1]; 1 on the diagonal, except that a zero vector has
        similarity 0 with everything (itself included) rather than NaN.
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=1)
    unit = vectors / np.where(norms > 0, norms, 1.0)[:, None]  # zero rows stay zero
    return np.clip(unit @ unit.T, -1.0, 1.0)


@dataclass(frozen=True)
class Projection:
    """Rows projected onto their two directions of largest variance.

    Attributes:
        coords: (n, 2) float64, one point per row, centred on the rows' mean.
        explained: (2,) the share of the total variance along each axis (zeros when every row
            is the same, or for an axis the data has no room for).
    """

    coords: np.ndarray
    explained: np.ndarray


def pca_2d(vectors: np.ndarray) -> Projection:
    """Project rows onto their two principal axes (an SVD of the centred rows).

    Each axis is signed so that its largest coordinate (in absolute value) is positive, so the
    picture does not flip between runs. Fewer than two directions (one row, or one dimension)
    are padded with zeros.

    Args:
        vectors: (n, dim).
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    n = vectors.shape[0]
    coords = np.zeros((n, 2))
    explained = np.zeros(2)
    if n == 0:
        return Projection(coords, explained)
    centred = vectors - vectors.mean(axis=0)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)  # u: (n, k), s: (k,)
    k = min(2, len(s))
    coords[:, :k] = u[:, :k] * s[:k]
    total = float((s**2).sum())
    if total > 0:
        explained[:k] = s[:k] ** 2 / total
    for axis in range(2):
        column = coords[:, axis]
        if column[np.argmax(np.abs(column))] < 0:
            coords[:, axis] = -column
    return Projection(coords, explained)


NUMBER_REACH = 2
"""How far from its point a number may go when there is no room beside it."""


@dataclass(frozen=True)
class LabelPlacement:
    """Where a scatter's points and their labels go on a grid of character cells.

    Attributes:
        points: each point's cell, (column, row), row 0 at the top.
        labels: for each point, (column, row, text) of its label's first cell, or None when no text
            fits: the text is the label, cut with "…", or the point's number (see `numbered`).
        numbered: the points labelled by their number (index + 1) instead, to list under the plot.
        unlabelled: the points with no room even for a number.
    """

    points: tuple[tuple[int, int], ...]
    labels: tuple[tuple[int, int, str] | None, ...]
    numbered: tuple[int, ...]
    unlabelled: tuple[int, ...]


def place_labels(coords: np.ndarray, labels: Sequence[str], width: int, height: int) -> LabelPlacement:
    """Scale `coords` onto a `width` × `height` grid and put each label next to its point.

    Each label tries, in turn, the cells right of its point, left of it, above it and below it; a
    place is free when it is on the grid, covers no point, and keeps one cell clear of other labels
    and points on its row (so "king" never runs into "•queen"). When no place is free, shorter
    cuts of the label ("wom…") are tried, then the point's number, anywhere up to `NUMBER_REACH`
    cells from it. Labels are placed in order, so the same words give the same picture.

    Args:
        coords: (n, 2) the points (x to the right, y up), in any units.
        labels: n texts, one cell per character.
        width, height: the grid's size in cells (at least 1 × 1).
    """
    points = _grid_cells(np.asarray(coords, dtype=np.float64), width, height)
    point_cells = set(points)
    taken: set[tuple[int, int]] = set()  # label cells and the cell either side of each label
    placed: list[tuple[int, int, str] | None] = []
    numbered: list[int] = []
    unlabelled: list[int] = []
    for index, (label, (col, row)) in enumerate(zip(labels, points, strict=True)):
        cuts = [label] + [label[:keep] + "…" for keep in range(len(label) - 2, 2, -1)]
        others = point_cells - {(col, row)}
        place = _first_free(cuts, col, row, (width, height), others, taken)
        if place is None:  # the number may go a little further off, as long as it is near
            place = _first_free(
                [str(index + 1)], col, row, (width, height), others, taken, reach=NUMBER_REACH
            )
        if place is not None:
            start, line, text = place
            taken.update((c, line) for c in range(start - 1, start + len(text) + 1))
            if text == str(index + 1) and text != label:
                numbered.append(index)
        else:
            unlabelled.append(index)
        placed.append(place)
    return LabelPlacement(tuple(points), tuple(placed), tuple(numbered), tuple(unlabelled))


def _grid_cells(coords: np.ndarray, width: int, height: int) -> list[tuple[int, int]]:
    """Each point's cell: the points' range, widened by a tenth each side so that the outermost
    points have room for labels around them too, stretched over the grid (centred when flat)."""
    cells: list[list[int]] = [[], []]
    for axis, size in enumerate((width, height)):
        values = coords[:, axis] if len(coords) else np.zeros(0)
        low, high = (float(values.min()), float(values.max())) if len(values) else (0.0, 0.0)
        margin = (high - low) * 0.1
        low, high = low - margin, high + margin
        share = (values - low) / (high - low) if high > low else np.full(len(values), 0.5)
        if axis == 1:
            share = 1.0 - share  # y up, rows down
        cells[axis] = np.rint(share * (size - 1)).astype(int).tolist()
    return list(zip(cells[0], cells[1], strict=True))


def _first_free(
    texts: Sequence[str],
    col: int,
    row: int,
    size: tuple[int, int],
    others: set[tuple[int, int]],
    taken: set[tuple[int, int]],
    reach: int = 0,
) -> tuple[int, int, str] | None:
    """The first text and place beside the point at `col`, `row` that is free (see `_places`)."""
    width, height = size
    for text in texts:
        n = len(text)
        for start, line in _places(col, row, n, width, reach):
            if start < 0 or start + n > width or not 0 <= line < height:
                continue
            cells = {(c, line) for c in range(start, start + n)}
            beside = {(start - 1, line), (start + n, line)}
            if not (cells & taken or cells & others or beside & others):
                return start, line, text
    return None


def _places(col: int, row: int, n: int, width: int, reach: int) -> list[tuple[int, int]]:
    """Where a text `n` cells long may start: right of the point, left of it, above it, below it;
    then (for a number, `reach` > 0) any place whose nearest cell is at most `reach` cells away,
    nearest first."""
    centred = min(max(col - n // 2, 0), width - n)
    places = [(col + 1, row), (col - n, row), (centred, row - 1), (centred, row + 1)]
    around = [
        (max(abs(line - row), start - col, col - (start + n - 1)), abs(line - row), start, line)
        for line in range(row - reach, row + reach + 1)
        for start in range(col - reach - n + 1, col + reach + 1)
    ]
    return places + [(start, line) for distance, _, start, line in sorted(around) if 0 < distance <= reach]


CELL = 7
"""A similarity cell's width when there is room: " +0.83 "."""
NARROW_CELL = 6
"""The narrowest similarity cell, " +0.83", for words that would not fit otherwise."""
SCROLLBAR = 2
"""Cells a table keeps free for its vertical scrollbar."""


def cell_width(labels: Sequence[str], available: int) -> int:
    """The width of every column of a similarity table, so that it fits in `available` cells.

    Each column is as wide as its header wants (" label ", at least `CELL`) when all fit beside the
    row labels and a scrollbar; otherwise narrower, down to `NARROW_CELL` (headers are then cut
    with "…"); only past that does the table scroll sideways. `available` 0: not laid out yet.
    """
    wanted = max([CELL, *(len(label) + 2 for label in labels)])
    if not labels or available <= 0:
        return wanted
    room = available - max(map(len, labels)) - SCROLLBAR
    return max(NARROW_CELL, min(wanted, room // len(labels)))


def fitted(text: str, width: int) -> str:
    """`text` right-aligned in a column `width` wide: a space on its left, one on its right when
    the column is `CELL` wide or more, and cut with "…" when it is too long for the rest."""
    inner = width - 1 if width >= CELL else width
    room = inner - 1
    cut = text if len(text) <= room else text[: max(room - 1, 0)] + "…"
    return cut.rjust(inner).ljust(width)
