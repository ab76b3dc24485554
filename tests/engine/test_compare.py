"""Comparing encodings: every row agrees with tiktoken (BPE) or the book's split (regex-unk), and
the shared and differing boundaries follow from the token edges."""

from __future__ import annotations

import re

import pytest

from engine.settings import Settings
from engine.tokenize.compare import COMPARED, compare
from engine.tokenize.registry import BPE_ENCODINGS, get_tokenizer

TEXTS = [
    "The robot lit the lamp.",
    "Tokenization isn't magic: ちは 😀 and  two  spaces\n\tnew line",
    "ち",
    "",
]
# The book's chapter 2 split (whitespace dropped), written out here, not imported from the engine.
BOOK_SPLIT = re.compile(r'([,.:;?_!"()\']|--|\s)')


def bpe_char_boundaries(token_bytes: list[bytes], text: str) -> tuple[set[int], set[int]]:
    """Token edges of a byte-level encoding as character offsets, worked out from the bytes alone:
    an edge is at a character offset when the bytes before it decode on their own."""
    raw = text.encode("utf-8")
    boundaries, split = set(), set()
    edge = 0
    for piece in token_bytes[:-1]:
        edge += len(piece)
        try:
            boundaries.add(len(raw[:edge].decode("utf-8")))
        except UnicodeDecodeError:
            split.add(len(raw[:edge].decode("utf-8", errors="ignore")))
    return boundaries, split


def book_tokens(text: str) -> list[tuple[str, int]]:
    """(word, offset) pairs as the book's regex tokenizer splits `text`."""
    out, offset = [], 0
    for part in BOOK_SPLIT.split(text):
        if part and not part.isspace():
            out.append((part, offset))
        offset += len(part)
    return out


@pytest.mark.parametrize("text", TEXTS)
def test_bpe_rows_agree_with_tiktoken(text, reference_encodings):  # noqa: F811
    comparison = compare(text, Settings())
    assert [row.encoding for row in comparison.rows] == list(COMPARED)
    for name in BPE_ENCODINGS:
        reference = reference_encodings[name]
        row = comparison.row(name)
        ids = reference.encode(text)
        assert row.ids.tolist() == ids
        assert row.n_tokens == len(ids)
        assert row.chars_per_token == (len(text) / len(ids) if ids else 0.0)
        pieces = [reference.decode_single_token_bytes(i) for i in ids]
        boundaries, split = bpe_char_boundaries(pieces, text)
        assert set(row.boundaries.tolist()) == boundaries - {0, len(text)}
        assert set(row.split_chars.tolist()) == split


@pytest.mark.parametrize("text", TEXTS)
def test_regex_unk_row_follows_the_books_split(text, verdict_text):
    comparison = compare(text, Settings(corpus=verdict_text))
    row = comparison.row("regex-unk")
    words = book_tokens(text)
    assert row.ids.tolist() == get_tokenizer("regex-unk", verdict_text).encode(text)
    assert row.n_tokens == len(words)
    edges = {offset for word, start in words for offset in (start, start + len(word))}
    assert set(row.boundaries.tolist()) == edges - {0, len(text)}
    assert len(row.split_chars) == 0


def test_the_corpus_decides_regex_unk_ids(verdict_text):
    text = "Hello, do you like tea?"
    sample = compare(text, Settings()).row("regex-unk")
    verdict = compare(text, Settings(corpus=verdict_text)).row("regex-unk")
    assert verdict.ids.tolist() == get_tokenizer("regex-unk", verdict_text).encode(text)
    assert sample.ids.tolist() == get_tokenizer("regex-unk").encode(text)
    assert sample.ids.tolist() != verdict.ids.tolist()


def test_shared_and_differing_boundaries_are_intersection_and_rest():
    text = "Tokenization isn't magic: ちは 😀 and  two  spaces"
    comparison = compare(text, Settings())
    sets = [set(row.boundaries.tolist()) for row in comparison.rows]
    shared = set.intersection(*sets)
    assert comparison.shared_boundaries.tolist() == sorted(shared)
    assert comparison.differing_boundaries.tolist() == sorted(set.union(*sets) - shared)
    # The book's split drops the space before "isn't": it starts a token one character later.
    assert text.index("isn") in comparison.differing_boundaries.tolist()


def test_a_refused_special_token_fails_its_rows_only():
    text = "one <|endoftext|> two"
    comparison = compare(text, Settings())
    for name in BPE_ENCODINGS:
        row = comparison.row(name)
        assert not row.ok and "special token" in row.error and row.n_tokens == 0
    unk = comparison.row("regex-unk")
    assert unk.ok and unk.ids.tolist() == get_tokenizer("regex-unk").encode(text)
    # With one encoding left, every boundary it has is shared and none differs.
    assert comparison.shared_boundaries.tolist() == unk.boundaries.tolist()
    assert len(comparison.differing_boundaries) == 0

    allowed = compare(text, Settings(allow_special=True))
    assert all(row.ok for row in allowed.rows)
    assert 50256 in allowed.row("gpt2").ids.tolist()
