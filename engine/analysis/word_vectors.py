"""Where words lie in a token embedding table: their vectors, cosine similarities, a 2-D PCA."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from engine.errors import UserError
from engine.tokenize.words import UNKNOWN

if TYPE_CHECKING:
    from engine.pipeline.results import PipelineResult

_UNKNOWN_BYTES = UNKNOWN.encode("utf-8")


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
    # Byte-level BPE (the BPE encodings, and models' own tokenizers) read a word after a space as
    # one piece (" king"); the word tokenizers of the first lesson drop whitespace.
    prefix = "" if result.tokens.encoding.startswith("regex") else " "
    table = result.embedded.token_table
    found: list[str] = []
    vectors: list[np.ndarray] = []
    splits: dict[str, tuple[str, ...]] = {}
    missing: list[str] = []
    for word in words:
        try:
            tokens = tokenizer.tokenize(prefix + word)
        except UserError:
            ids = []
        else:
            # A model's tokenizer may add tokens of its own (Llama 3's <|begin_of_text|>): they cover
            # no byte of the word, so they are no part of its vector.
            spans = tokens.byte_spans
            ids = [int(i) for i, (start, end) in zip(tokens.ids, spans, strict=True) if end > start]
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
