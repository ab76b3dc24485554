"""`TokenizedText`: the ids of a text, with honest spans back into it.

Byte-level BPE can split one character over several tokens (`ち` is two gpt2
tokens). Spans are therefore kept in bytes as well as characters, and a token
that starts or ends inside a character is flagged `partial` and shown with its
stray bytes as `<0xNN>`, never as a replacement character.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from engine.note import note


@dataclass(frozen=True)
class TokenizedText:
    """The result of tokenizing one text.

    Attributes:
        encoding: name of the tokenizer that produced the ids.
        text: the text that was tokenized (after any clean-up named in `notes`).
        ids: token ids, int64, shape (n,).
        vocab_size: number of ids the tokenizer knows.
        spans: computes (byte_spans, char_spans, partial) when first asked for; see the properties.
        notes: things the user should know about this result (e.g. words mapped to <|unk|>).
        token_bytes: the bytes a token id stands for.
    """

    encoding: str
    text: str
    ids: np.ndarray
    vocab_size: int
    # Spans cost as much as a fifth of tokenizing 1 MB, and counting tokens needs none of them.
    spans: Callable[[], tuple[np.ndarray, np.ndarray, np.ndarray]] = field(repr=False, compare=False)
    notes: tuple[str, ...] = ()
    token_bytes: Callable[[int], bytes] = field(default=bytes, repr=False, compare=False)

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @cached_property
    def _spans(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.spans()

    @property
    def byte_spans(self) -> np.ndarray:
        """(n, 2) [start, end) offsets into `text.encode("utf-8")`."""
        return self._spans[0]

    @property
    def char_spans(self) -> np.ndarray:
        """(n, 2) [start, end) indices into `text` of the characters each token touches."""
        return self._spans[1]

    @property
    def partial(self) -> np.ndarray:
        """(n,) True where a token starts or ends inside a multi-byte character."""
        return self._spans[2]

    def piece(self, index: int) -> str:
        """Display text of token `index`; bytes that do not form a whole character show as <0xNN>."""
        return bytes_to_display(self.token_bytes(int(self.ids[index])))

    @cached_property
    def pieces(self) -> tuple[str, ...]:
        """Display text of every token (computed on first use: long texts may never need it)."""
        return tuple(self.piece(i) for i in range(len(self)))

    def token_at_char(self, char_index: int) -> int | None:
        """Index of the token covering character `char_index`, or None if it is whitespace a
        word tokenizer dropped or lies outside the text."""
        if len(self) == 0:
            return None
        i = int(np.searchsorted(self.char_spans[:, 1], char_index, side="right"))
        if i < len(self) and self.char_spans[i, 0] <= char_index < self.char_spans[i, 1]:
            return i
        return None


def _sequence_length(lead: int) -> int:
    """Length of the UTF-8 sequence a lead byte announces (0 for a continuation or invalid byte)."""
    if lead < 0x80:
        return 1
    if 0xC2 <= lead <= 0xDF:
        return 2
    if 0xE0 <= lead <= 0xEF:
        return 3
    if 0xF0 <= lead <= 0xF4:
        return 4
    return 0


def bytes_to_display(raw: bytes) -> str:
    """Decode whole UTF-8 characters and show every other byte as <0xNN>."""
    out: list[str] = []
    i = 0
    while i < len(raw):
        n = _sequence_length(raw[i])
        if n:
            try:
                out.append(raw[i : i + n].decode("utf-8"))
                i += n
                continue
            except UnicodeDecodeError:
                pass
        out.append(f"<0x{raw[i]:02X}>")
        i += 1
    return "".join(out)


# UTF-8 cannot carry lone surrogates; each is replaced (one character for one) so spans align.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def replace_lone_surrogates(text: str) -> tuple[str, tuple[str, ...]]:
    """`text` with each lone surrogate code point replaced by U+FFFD, and the note that says so (if any)."""
    if not _LONE_SURROGATE.search(text):
        return text, ()
    return _LONE_SURROGATE.sub("\ufffd", text), (note("lone surrogate code points were replaced by U+FFFD"),)


def id_piece(token_bytes: Callable[[int], bytes], token_id: int) -> str:
    """Display text of tokenizer id `token_id`, as `bytes_to_display` shows it; -1 (an output row of
    a model whose vocabulary the tokenizer lacks) is <|unk|>."""
    return "<|unk|>" if token_id < 0 else bytes_to_display(token_bytes(token_id))


def char_byte_offsets(text: str) -> np.ndarray:
    """Byte offset of every character of `text` in its UTF-8 form, plus the total: shape (len+1,)."""
    code_points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    lengths = 1 + (code_points >= 0x80) + (code_points >= 0x800) + (code_points >= 0x10000)
    offsets = np.zeros(len(code_points) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return offsets


def spans_from_byte_lengths(text: str, byte_lengths: np.ndarray) -> tuple[np.ndarray, ...]:
    """Byte spans, character spans and partial flags for tokens that tile `text` in order.

    `byte_lengths[i]` is the number of UTF-8 bytes token i stands for; they must add up to the
    length of `text` in UTF-8 (true for byte-level BPE, which drops nothing).
    """
    n = len(byte_lengths)
    ends = np.cumsum(byte_lengths, dtype=np.int64)
    starts = ends - byte_lengths
    byte_spans = np.stack([starts, ends], axis=1) if n else np.zeros((0, 2), dtype=np.int64)
    raw = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    if n == 0:
        return byte_spans, np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=bool)
    if int(ends[-1]) != raw.size:
        raise ValueError("token bytes do not tile the text")
    is_char_start = np.append((raw & 0xC0) != 0x80, True)  # the end of text is a boundary
    char_of_byte = np.cumsum(is_char_start[:-1]) - 1
    char_spans = np.stack([char_of_byte[starts], char_of_byte[ends - 1] + 1], axis=1)
    partial = ~is_char_start[starts] | ~is_char_start[ends]
    return byte_spans, char_spans, partial


def word_tokens(
    encoding: str,
    text: str,
    words: list[tuple[str, int]],
    ids: np.ndarray,
    vocab_size: int,
    notes: tuple[str, ...],
    token_bytes: Callable[[int], bytes],
) -> TokenizedText:
    """The result of a word-level tokenizer: token i is whole word `words[i]` (its text and its
    character offset in `text`), never part of a character; what lies between words is dropped."""
    char_spans = np.array([(offset, offset + len(word)) for word, offset in words], dtype=np.int64)
    char_spans = char_spans.reshape(-1, 2)
    spans = (char_byte_offsets(text)[char_spans], char_spans, np.zeros(len(words), dtype=bool))
    return TokenizedText(
        encoding=encoding,
        text=text,
        ids=ids,
        vocab_size=vocab_size,
        spans=lambda: spans,
        notes=notes,
        token_bytes=token_bytes,
    )
