"""A model's own tokenizer, read from the `tokenizer.json` in its folder with Hugging Face `tokenizers`.

Ids are exactly those `transformers` feeds the model: the post-processor's special tokens
included (Llama 3 starts every text with `<|begin_of_text|>`). Such a token stands for no text, so
it gets an empty span where it sits (position 0 with span (0, 0) for a start-of-text token).

Spans come from the token bytes wherever the tokens spell the text byte for byte (byte-level BPE:
GPT-2, Llama 3, Qwen), exactly as for the shipped encodings; a token that cuts a character is
`partial` and shows its stray bytes. The tokenizer's own offsets are not used there: with
`trim_offsets` (GPT-2's tokenizer.json) they leave out a token's leading space. Where the tokens do
not spell the text (a SentencePiece `▁` prefix, a normalizer that rewrote the text) the character
spans are the tokenizer's offsets, and tokens that share a character are `partial`.
"""

from __future__ import annotations

import json
import re
from functools import cache, cached_property
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer as RustTokenizer

from engine.errors import SpecialTokenError, WeightsError
from engine.note import note
from engine.tokenize.tokens import (
    TokenizedText,
    char_byte_offsets,
    replace_lone_surrogates,
    spans_from_byte_lengths,
)

_BYTE_FALLBACK = re.compile(r"<0x([0-9A-Fa-f]{2})>")
_METASPACE = "\u2581"  # ▁, SentencePiece's space


@cache
def byte_decoder() -> dict[str, int]:
    """GPT-2's map from the printable character that stands for a byte back to the byte (`Ġ` → 0x20).

    Bytes that print as themselves keep their own character; the other 68 are moved to 256 and up,
    in byte order (as `bytes_to_unicode` in GPT-2's encoder.py builds it).
    """
    printable = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    chars = {byte: byte for byte in printable}
    moved = 0
    for byte in range(256):
        if byte not in chars:
            chars[byte] = 256 + moved
            moved += 1
    return {chr(code): byte for byte, code in chars.items()}


def _has_type(state: object, name: str) -> bool:
    """Whether a component's JSON state (or one nested in a Sequence) has `"type": name`."""
    if isinstance(state, dict):
        return state.get("type") == name or any(_has_type(value, name) for value in state.values())
    if isinstance(state, list):
        return any(_has_type(value, name) for value in state)
    return False


class HfTokenizer:
    """A `tokenizer.json` behind the engine's tokenizer interface.

    Args:
        folder: the model folder holding `tokenizer.json` (a file in it, e.g. the weights, also works).
        name: shown as the result's encoding; default: the folder's name.
        allow_special: encode special tokens typed in the text (`<|eot_id|>`) as their ids; by default
            they are refused, as for the shipped encodings.
    """

    def __init__(self, folder: str | Path, name: str | None = None, allow_special: bool = False) -> None:
        folder = Path(folder).expanduser()
        if folder.is_file():
            folder = folder.parent
        path = folder / "tokenizer.json"
        if not path.is_file():
            raise WeightsError(note("the model folder {folder} has no tokenizer.json", folder=folder))
        try:
            self._tokenizer = RustTokenizer.from_file(str(path))
        except Exception as error:  # tokenizers raises plain Exceptions for a damaged file
            raise WeightsError(note("cannot read {path}: {error}", path=path, error=error)) from error
        self.folder = folder
        self.name = name or folder.name
        self.allow_special = allow_special
        added = self._tokenizer.get_added_tokens_decoder()
        self._added = {token_id: token.content for token_id, token in added.items()}
        self.special_tokens = frozenset(token.content for token in added.values() if token.special)
        parts = (self._tokenizer.decoder, self._tokenizer.pre_tokenizer)
        self._byte_level = any(
            part is not None and _has_type(json.loads(part.__getstate__()), "ByteLevel") for part in parts
        )

    @property
    def special_names(self) -> frozenset[str]:
        return self.special_tokens

    @cached_property
    def vocab_size(self) -> int:
        """One more than the highest id (ids may have gaps, so this is not the number of tokens)."""
        return max(self._tokenizer.get_vocab(with_added_tokens=True).values()) + 1

    @cached_property
    def _vocab_bytes(self) -> list[bytes]:
        """The bytes of every id, indexed by id (b"" for an id the vocabulary skips)."""
        table = [b""] * self.vocab_size
        for token, token_id in self._tokenizer.get_vocab(with_added_tokens=True).items():
            table[token_id] = self._bytes_of(token_id, token)
        return table

    @cached_property
    def _byte_lengths(self) -> np.ndarray:
        return np.array([len(b) for b in self._vocab_bytes], dtype=np.int64)

    def _bytes_of(self, token_id: int, token: str) -> bytes:
        if token_id in self._added:  # added tokens are stored as their text, not as byte characters
            return self._added[token_id].encode("utf-8")
        if self._byte_level:
            decoder = byte_decoder()
            if all(char in decoder for char in token):
                return bytes(decoder[char] for char in token)
            return token.encode("utf-8")
        fallback = _BYTE_FALLBACK.fullmatch(token)
        if fallback:
            return bytes([int(fallback.group(1), 16)])
        return token.replace(_METASPACE, " ").encode("utf-8")

    def token_bytes(self, token_id: int) -> bytes:
        if not 0 <= token_id < self.vocab_size:
            raise KeyError(f"token id {token_id} is outside the vocabulary of {self.name}")
        return self._vocab_bytes[token_id]

    @cached_property
    def _special_pattern(self) -> re.Pattern[str] | None:
        if not self.special_tokens:
            return None
        longest_first = sorted(self.special_tokens, key=len, reverse=True)
        return re.compile("|".join(re.escape(token) for token in longest_first))

    def find_special(self, text: str) -> re.Match[str] | None:
        """The first special token typed in `text`, if any."""
        return self._special_pattern.search(text) if self._special_pattern else None

    def tokenize(
        self, text: str, *, allow_special: bool | None = None, add_special_tokens: bool = True
    ) -> TokenizedText:
        """Tokenize `text` as `transformers` does.

        Args:
            text: the text.
            allow_special: overrides the tokenizer's own switch (the chat template's tokens are allowed).
            add_special_tokens: let the post-processor add its tokens (`<|begin_of_text|>`), as
                `tokenizer(text)` does; a rendered chat template already holds them.
        """
        cleaned, notes = replace_lone_surrogates(text)
        allowed = self.allow_special if allow_special is None else allow_special
        if not allowed and (found := self.find_special(cleaned)) is not None:
            raise SpecialTokenError(found.group(), found.start())
        encoding = self._tokenizer.encode(cleaned, add_special_tokens=add_special_tokens)
        ids = np.array(encoding.ids, dtype=np.int64)
        return TokenizedText(
            encoding=self.name,
            text=cleaned,
            ids=ids,
            vocab_size=self.vocab_size,
            spans=lambda: self._spans(cleaned, ids, encoding.offsets, encoding.sequence_ids),
            notes=notes,
            token_bytes=self.token_bytes,
        )

    def _spans(
        self, text: str, ids: np.ndarray, offsets: list[tuple[int, int]], sequences: list[int | None]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = len(ids)
        in_text = np.array([sequence is not None for sequence in sequences], dtype=bool).reshape(n)
        text_ids = ids[in_text]
        raw = text.encode("utf-8")
        lengths = self._byte_lengths[text_ids]
        if int(lengths.sum()) == len(raw) and b"".join(self._vocab_bytes[i] for i in text_ids) == raw:
            byte_spans, char_spans, partial = spans_from_byte_lengths(text, lengths)
        else:
            byte_spans, char_spans, partial = _spans_from_offsets(
                text, np.array(offsets).reshape(n, 2)[in_text]
            )
        return _insert_empty_spans(in_text, byte_spans, char_spans, partial)

    def encode(self, text: str) -> list[int]:
        return self.tokenize(text).ids.tolist()

    def decode(self, ids: list[int]) -> str:
        return self._tokenizer.decode(ids, skip_special_tokens=False)


def _spans_from_offsets(text: str, char_spans: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spans from the tokenizer's character offsets; tokens that share a character are partial."""
    char_spans = char_spans.astype(np.int64)
    byte_spans = char_byte_offsets(text)[char_spans]
    overlaps = char_spans[1:, 0] < char_spans[:-1, 1]
    partial = np.zeros(len(char_spans), dtype=bool)
    partial[1:] |= overlaps
    partial[:-1] |= overlaps
    return byte_spans, char_spans, partial


def _insert_empty_spans(
    in_text: np.ndarray, byte_spans: np.ndarray, char_spans: np.ndarray, partial: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spans for every token, where the post-processor's tokens (not in `in_text`) get an empty span
    at the end of the token before them (0 at the start), so the spans stay in order."""
    full = []
    for spans in (byte_spans, char_spans):
        ends = np.zeros(len(in_text), dtype=np.int64)
        ends[in_text] = spans[:, 1]
        before = np.maximum.accumulate(ends) if len(ends) else ends
        out = np.stack([before, before], axis=1)
        out[in_text] = spans
        full.append(out)
    flags = np.zeros(len(in_text), dtype=bool)
    flags[in_text] = partial
    return full[0], full[1], flags
