"""Tokenizing a text piece by piece, with exactly the ids of tokenizing it in one go.

A 200 MB file need not be held in memory, nor all of its pieces, to count or list its tokens: it
is cut into chunks and each chunk is tokenized alone. Byte-level BPE first splits text with a
regular expression and merges bytes only inside those splits, so a cut is safe where every
encoding's expression splits anyway, whatever comes after. A space that follows a
non-whitespace character is such a place for gpt2, cl100k_base and o200k_base:

- no split that holds a non-whitespace character reaches past it into a space (letter, number and
  punctuation runs stop at whitespace; the only whitespace they may take is cl100k's and o200k's
  trailing `[\\r\\n]`), so a split ends before the space in the whole text;
- the expressions that look ahead or at the end of the text (`\\s+(?!\\S)`, `\\s++$`) only match
  whitespace, so a chunk ending in a non-whitespace character reads the same as the whole text;
- matching from the space onwards depends only on what follows, which the next chunk holds.

Special tokens hold no spaces, so no cut splits one; the regex tokenizers drop whitespace, so
any cut at a space is safe for them. `tests/engine/test_properties.py` checks the equality on
arbitrary text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from engine.errors import SpecialTokenError, UnknownWordError
from engine.note import Note, note
from engine.tokenize.tokens import TokenizedText

CHUNK_CHARS = 1 << 20  # characters gathered before looking for a cut
# Python's \s is str.isspace(), a superset of the encodings' \s, so \S here is never their \s.
# A cut goes before a space that follows a non-whitespace character, or after a newline that
# follows one when a character other than whitespace or "/" comes next (o200k keeps "/" with
# a newline before it), so text without spaces (Japanese, Chinese) can be cut at its lines.
_CUT = re.compile(r"(?<=\S) |(?<=\S\n)(?=[^\s/])")
_LOOKBEHIND = 2  # characters a cut looks back at
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # Cc, less tab, newline, return


def last_cut(text: str, start: int = 0) -> int:
    """The last index >= `start` (and > 0) where `text` may be cut (see the module docstring), or -1."""
    window = 4096
    while True:
        low = max(start, len(text) - window, 0)
        found = -1
        # finditer's lookbehind sees the characters before `low` too.
        for match in _CUT.finditer(text, low):
            found = match.start()
        if found > 0 or low == max(start, 0):
            return found if found > 0 else -1
        window *= 16


def safe_chunks(blocks: Iterable[str], chunk_chars: int = CHUNK_CHARS) -> Iterator[str]:
    """Regroup `blocks` of text into chunks of about `chunk_chars` or more that end at safe cuts.

    Joining the chunks gives back the text; a text with no safe cut comes out as one chunk.
    Each character is searched for a cut once, so a long text without cuts costs one pass.
    """
    parts: list[str] = []  # the text not yet given out
    size = 0
    tail = ""  # the last characters already searched, for the lookbehind
    new: list[str] = []  # blocks not yet searched
    for block in blocks:
        if not block:
            continue
        parts.append(block)
        new.append(block)
        size += len(block)
        if size < chunk_chars:
            continue
        region = tail + "".join(new)
        cut = last_cut(region, max(len(tail), 1))
        new, tail = [], region[-_LOOKBEHIND:]
        if cut < 0:
            continue
        joined = "".join(parts)
        cut += size - len(region)  # from an index into `region` to one into `joined`
        yield joined[:cut]
        parts, size = [joined[cut:]], len(joined) - cut
    rest = "".join(parts)
    if rest:
        yield rest


@dataclass
class TextNotes:
    """What the user should know about a text, gathered chunk by chunk.

    Attributes:
        n_chars, n_tokens: totals so far.
        n_control: control characters other than tab, newline and carriage return.
        first_control: the first of them and its character index.
        whitespace_only: True while every character seen is whitespace.
        counted: tokenizer notes with a `count` ("3 unknown word(s) ..."), summed by their template
            and other fields.
        other: the tokenizer's other notes, each once.
    """

    n_chars: int = 0
    n_tokens: int = 0
    n_control: int = 0
    first_control: tuple[str, int] | None = None
    whitespace_only: bool = True
    counted: dict[tuple[str, tuple[tuple[str, str], ...]], int] = field(default_factory=dict)
    other: dict[str, None] = field(default_factory=dict)

    def add(self, text: str, tokens: TokenizedText | None = None) -> None:
        """Count `text` (the next chunk) and the notes of its `tokens`."""
        if self.first_control is None and (found := _CONTROL.search(text)):
            self.first_control = (found.group(), self.n_chars + found.start())
        if self.first_control is not None:
            self.n_control += len(_CONTROL.findall(text))
        self.whitespace_only = self.whitespace_only and (not text or text.isspace())
        self.n_chars += len(text)
        if tokens is None:
            return
        self.n_tokens += len(tokens)
        for each in tokens.notes:
            if isinstance(each, Note) and "count" in each.fields:
                key = (each.template, tuple(sorted((k, v) for k, v in each.fields.items() if k != "count")))
                self.counted[key] = self.counted.get(key, 0) + int(each.fields["count"].replace(",", ""))
            else:
                self.other[each] = None

    def notes(self) -> tuple[str, ...]:
        """The tokenizer's notes (counts summed), then notes about the text itself."""
        notes = [
            note(template, count=count, **dict(rest)) for (template, rest), count in self.counted.items()
        ]
        notes += self.other
        if self.n_chars == 0:
            notes.append(note("the text is empty: there is nothing to tokenize"))
        elif self.whitespace_only and self.n_tokens == 0:
            notes.append(note("the text is only whitespace, which this tokenizer drops"))
        if self.first_control is not None:
            char, index = self.first_control
            notes.append(
                note(
                    "the text holds {count} control character(s), the first {char} at character "
                    "{index}; each is tokenized like any other character",
                    count=f"{self.n_control:,}",
                    char=repr(char),
                    index=f"{index:,}",
                )
            )
        return tuple(notes)


def tokenize_chunks(tokenizer, chunks: Iterable[str]) -> Iterator[tuple[int, TokenizedText]]:
    """Tokenize each chunk; yields (character offset of the chunk, its tokens).

    An unknown word or a special token is reported at its place in the whole text.
    """
    offset = 0
    for chunk in chunks:
        try:
            tokens = tokenizer.tokenize(chunk)
        except UnknownWordError as error:
            raise UnknownWordError(error.word, error.position + offset) from None
        except SpecialTokenError as error:
            raise SpecialTokenError(error.token, error.position + offset) from None
        yield offset, tokens
        offset += len(chunk)
