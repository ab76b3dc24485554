"""The tokenizer of a worked example: the text split at whitespace, each word one of its words.

A worked example (`engine.examples`) has a fixed list of words with hand-made vectors; the app
lets the learner retype its sentence, reorder it or leave words out. A word the example has no
vector for is left out of the tokens (as whitespace is) and named in a note, so typing never
stops the panes.
"""

from __future__ import annotations

import re

import numpy as np

from engine.examples import Example
from engine.note import note
from engine.tokenize.tokens import TokenizedText, word_tokens

_WORD = re.compile(r"\S+")


class ExampleTokenizer:
    """Ids index `example.words` (its vocabulary, or its tokens in first order)."""

    def __init__(self, example: Example) -> None:
        self.example = example
        self.name = f"example {example.name}"
        self.words = example.words
        self._ids = {word: index for index, word in enumerate(self.words)}

    @property
    def vocab_size(self) -> int:
        return len(self.words)

    @property
    def special_names(self) -> frozenset[str]:
        return frozenset()

    def tokenize(self, text: str) -> TokenizedText:
        found = [(match.group(), match.start()) for match in _WORD.finditer(text)]
        known = [(word, start) for word, start in found if word in self._ids]
        unknown = list(dict.fromkeys(word for word, _ in found if word not in self._ids))
        ids = np.array([self._ids[word] for word, _ in known], dtype=np.int64)
        notes: tuple[str, ...] = ()
        if unknown:
            shown = ", ".join(repr(word) for word in unknown[:3]) + (" …" if len(unknown) > 3 else "")
            notes = (
                note(
                    "{shown} left out: the example {name} has vectors for {words} only "
                    "(words are separated by spaces)",
                    shown=shown,
                    name=self.example.name,
                    words=" ".join(self.words),
                ),
            )
        return word_tokens(self.name, text, known, ids, self.vocab_size, notes, self.token_bytes)

    def encode(self, text: str) -> list[int]:
        return self.tokenize(text).ids.tolist()

    def decode(self, ids: list[int]) -> str:
        return " ".join(self.words[i] for i in ids)

    def token_bytes(self, token_id: int) -> bytes:
        return self.words[token_id].encode("utf-8")
