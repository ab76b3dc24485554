"""Word-level tokenizers that split on punctuation and whitespace, as the first lesson builds them.

The vocabulary is every distinct piece of a corpus, sorted, numbered from 0. The strict
tokenizer refuses words it has not seen; the `<|unk|>` variant maps them to a reserved id
and also knows `<|endoftext|>`, the separator put between unrelated documents.
"""

from __future__ import annotations

import re
from functools import cached_property

import numpy as np

from engine.errors import UnknownWordError
from engine.note import note
from engine.tokenize.tokens import TokenizedText, word_tokens

SPLIT_PATTERN = re.compile(r'([,.:;?_!"()\']|--|\s)')
# Decoding joins pieces with spaces; punctuation then loses the space before it.
_SPACE_BEFORE_PUNCTUATION = re.compile(r'\s+([,.:;?_!"()\'])')

END_OF_TEXT = "<|endoftext|>"
UNKNOWN = "<|unk|>"


def split_words(text: str) -> list[tuple[str, int]]:
    """Pieces of `text` with their character offsets, whitespace dropped."""
    pieces = []
    offset = 0
    for part in SPLIT_PATTERN.split(text):
        if part and not part.isspace():
            pieces.append((part, offset))
        offset += len(part)
    return pieces


class RegexTokenizer:
    """Splits words and punctuation; ids index a vocabulary built from a corpus.

    Args:
        corpus: text whose distinct pieces form the vocabulary.
        with_specials: add `<|endoftext|>` and `<|unk|>` after the sorted vocabulary and map
            unknown words to `<|unk|>` instead of refusing them.
    """

    def __init__(self, corpus: str, with_specials: bool = False) -> None:
        words = sorted({piece for piece, _ in split_words(corpus)})
        if with_specials:
            words += [END_OF_TEXT, UNKNOWN]
        self.with_specials = with_specials
        self.name = "regex-unk" if with_specials else "regex"
        self.id_to_word = words
        self.word_to_id = {word: i for i, word in enumerate(words)}

    @property
    def special_names(self) -> frozenset[str]:
        return frozenset(("<|endoftext|>", "<|unk|>")) if self.with_specials else frozenset()

    @property
    def vocab_size(self) -> int:
        return len(self.id_to_word)

    @cached_property
    def _unknown_id(self) -> int:
        return self.word_to_id[UNKNOWN]

    def tokenize(self, text: str) -> TokenizedText:
        words = split_words(text)
        ids = np.empty(len(words), dtype=np.int64)
        unknown = 0
        for i, (word, offset) in enumerate(words):
            token_id = self.word_to_id.get(word)
            if token_id is None:
                if not self.with_specials:
                    raise UnknownWordError(word, offset)
                token_id = self._unknown_id
                unknown += 1
            ids[i] = token_id
        notes = (
            (note("{count} unknown word(s) mapped to {unk}", count=unknown, unk=UNKNOWN),) if unknown else ()
        )
        return word_tokens(self.name, text, words, ids, self.vocab_size, notes, self.token_bytes)

    def encode(self, text: str) -> list[int]:
        return self.tokenize(text).ids.tolist()

    def decode(self, ids: list[int]) -> str:
        return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", " ".join(self.id_to_word[i] for i in ids))

    def token_bytes(self, token_id: int) -> bytes:
        # A corpus given through the API may hold lone surrogates; their bytes show as <0xNN>.
        return self.id_to_word[token_id].encode("utf-8", "surrogatepass")
