"""The same text under several encodings at once, and where their token boundaries differ.

A boundary is a character offset where one token ends and the next begins (or, for the word
tokenizers, which drop whitespace, where a token starts or ends). Only offsets strictly inside
the text count: every encoding starts at 0 and ends at the end. Byte-level BPE may also cut
inside a character (`ち` is two gpt2 tokens); such cuts are no character offset, so they are
listed apart as split characters.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import reduce

import numpy as np

from engine.errors import Hint, UserError
from engine.settings import Settings
from engine.tokenize.registry import BPE_ENCODINGS, tokenizer_for
from engine.tokenize.tokens import TokenizedText, char_byte_offsets

COMPARED = ("regex-unk", *BPE_ENCODINGS)
"""The encodings `llm-tui tokenize --compare` shows, in order (the Compare tab shows the BPE ones
and adds regex-unk on request: it drops spaces, so nearly every boundary would differ)."""

_EMPTY = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class EncodedRow:
    """One encoding's tokens of the compared text, or the error it raised.

    Attributes:
        encoding: the encoding's name.
        tokens: the tokenized text; None when the encoding refused the text.
        error: why it refused (e.g. a special token it does not allow); None if it did not.
        hints: what would let it through (worded by the caller: a flag in the CLI, a key in the app).
        boundaries: sorted character offsets, strictly inside the text, where a token starts or ends.
        split_chars: sorted indices of characters a token boundary cuts through (byte-level BPE).
    """

    encoding: str
    tokens: TokenizedText | None
    error: str | None = None
    boundaries: np.ndarray = dataclasses.field(default_factory=lambda: _EMPTY)
    split_chars: np.ndarray = dataclasses.field(default_factory=lambda: _EMPTY)
    hints: tuple[Hint, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the encoding tokenized the text."""
        return self.tokens is not None

    @property
    def ids(self) -> np.ndarray:
        """Token ids (empty after an error)."""
        return self.tokens.ids if self.tokens is not None else _EMPTY

    @property
    def pieces(self) -> tuple[str, ...]:
        """Display text of every token (stray bytes as <0xNN>; empty after an error)."""
        return self.tokens.pieces if self.tokens is not None else ()

    @property
    def char_spans(self) -> np.ndarray:
        """(n, 2) character spans of the tokens (see `TokenizedText.char_spans`)."""
        return self.tokens.char_spans if self.tokens is not None else _EMPTY.reshape(0, 2)

    @property
    def n_tokens(self) -> int:
        """Number of tokens (0 after an error)."""
        return len(self.tokens) if self.tokens is not None else 0

    @property
    def chars_per_token(self) -> float:
        """Characters of the text per token, as the status line counts them (0.0 without tokens)."""
        if self.tokens is None or not len(self.tokens):
            return 0.0
        return len(self.tokens.text) / len(self.tokens)


@dataclass(frozen=True)
class Comparison:
    """A text tokenized by several encodings.

    Attributes:
        text: the compared text.
        rows: one row per encoding, in the order asked for.
        shared_boundaries: boundaries every encoding that succeeded has.
        differing_boundaries: boundaries some encodings that succeeded have and others do not.
    """

    text: str
    rows: tuple[EncodedRow, ...]
    shared_boundaries: np.ndarray
    differing_boundaries: np.ndarray

    def splitting_at(self, offset: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(the encodings that put a token boundary at character `offset`, those that do not),
        among the encodings that tokenized the text."""
        cut, whole = [], []
        for row in self.rows:
            if row.ok:
                index = int(np.searchsorted(row.boundaries, offset))
                has = index < len(row.boundaries) and int(row.boundaries[index]) == offset
                (cut if has else whole).append(row.encoding)
        return tuple(cut), tuple(whole)

    def row(self, encoding: str) -> EncodedRow:
        """The row of `encoding` (KeyError if it was not compared)."""
        for row in self.rows:
            if row.encoding == encoding:
                return row
        raise KeyError(encoding)


def boundaries_of(tokens: TokenizedText) -> tuple[np.ndarray, np.ndarray]:
    """Token boundaries of `tokens` as character offsets, and the characters cut inside.

    Args:
        tokens: any tokenized text.

    Returns:
        (boundaries, split_chars): sorted int64 arrays. `boundaries` holds the character offsets
        strictly inside the text where a token starts or ends; `split_chars` the indices of the
        characters a token edge falls inside (between two bytes of one character).
    """
    text_length = len(tokens.text)
    if not len(tokens):
        return _EMPTY, _EMPTY
    offsets = char_byte_offsets(tokens.text)  # byte offset of every character, then the total
    edges = np.unique(tokens.byte_spans.ravel())
    chars = np.searchsorted(offsets, edges)
    aligned = offsets[np.minimum(chars, text_length)] == edges
    boundaries = chars[aligned]
    boundaries = boundaries[(boundaries > 0) & (boundaries < text_length)]
    # An edge inside a character lies after that character's first byte: searchsorted gives the next one.
    split_chars = np.unique(chars[~aligned] - 1)
    return boundaries.astype(np.int64), split_chars.astype(np.int64)


def encode_row(text: str, settings: Settings, encoding: str) -> EncodedRow:
    """Tokenize `text` with `encoding` (corpus and special-token switch from `settings`).

    A user error (a special token the encoding refuses, an unknown word under `regex`) becomes
    the row's `error` instead of propagating, so one encoding cannot hide the others.
    """
    try:
        tokens = tokenizer_for(dataclasses.replace(settings, encoding=encoding)).tokenize(text)
    except UserError as error:
        return EncodedRow(encoding, None, error.message, hints=error.hints)  # a note: the app says it
    boundaries, split_chars = boundaries_of(tokens)
    return EncodedRow(encoding, tokens, None, boundaries, split_chars)


def compare(text: str, settings: Settings, encodings: tuple[str, ...] = COMPARED) -> Comparison:
    """Tokenize `text` with every encoding in `encodings` and find where their boundaries differ.

    Args:
        text: the text to compare.
        settings: supplies the regex tokenizers' corpus and `allow_special`; its encoding is ignored.
        encodings: encoding names, in the order the rows should have.

    Returns:
        A `Comparison`. Encodings that refused the text have an `error` and take no part in the
        shared and differing boundaries.
    """
    rows = tuple(encode_row(text, settings, encoding) for encoding in encodings)
    found = [row.boundaries for row in rows if row.ok]
    if not found:
        return Comparison(text, rows, _EMPTY, _EMPTY)
    shared = reduce(np.intersect1d, found)
    every = reduce(np.union1d, found)
    differing = np.setdiff1d(every, shared, assume_unique=True)
    return Comparison(text, rows, shared.astype(np.int64), differing.astype(np.int64))
