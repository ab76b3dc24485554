"""A model ready to run (`LoadedModel`) and the compact vocabulary of a tiny one (`IdMap`).

What `engine.nn.checkpoints.load_weights` returns, kept apart from the loading itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.nn.model import GPT, GPTConfig

UNK = "<|unk|>"  # how the compact vocabulary's catch-all slot is shown
UNKNOWN_TOKENIZER_ID = -1  # what `IdMap.to_tokenizer` returns for the <|unk|> slot


@dataclass(frozen=True)
class IdMap:
    """A compact vocabulary: the tokenizer ids a tiny model knows, renumbered 0..k-1, and <|unk|> as k.

    A tiny model trained on a short text sees a few hundred of GPT-2's 50,257 ids. A row for every
    GPT-2 id would make the token table (and the output head tied to it) nearly all of the model,
    most of it never trained. So such a model works in its own "model ids": model id i stands for
    tokenizer id `tokenizer_ids[i]`, and the last model id, `unk_id`, for every tokenizer id the
    corpus did not contain. The tokenizer itself is unchanged: tokenize as usual, map in with
    `to_model`, and map sampled ids back with `to_tokenizer` before decoding.

    Attributes:
        tokenizer_ids: (k,) int64, sorted and distinct.
    """

    tokenizer_ids: np.ndarray

    @classmethod
    def from_ids(cls, ids: Sequence[int] | np.ndarray) -> IdMap:
        """The map for the distinct ids of a corpus."""
        return cls(np.unique(np.asarray(ids, dtype=np.int64)))

    @property
    def size(self) -> int:
        """The model's vocabulary size: the known ids plus the <|unk|> slot."""
        return len(self.tokenizer_ids) + 1

    @property
    def unk_id(self) -> int:
        """The model id of <|unk|>."""
        return len(self.tokenizer_ids)

    def to_model(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Tokenizer ids -> model ids (int64); ids outside the corpus become `unk_id`."""
        ids = np.asarray(ids, dtype=np.int64)
        index = np.searchsorted(self.tokenizer_ids, ids).clip(max=max(len(self.tokenizer_ids) - 1, 0))
        known = self.tokenizer_ids[index] == ids if len(self.tokenizer_ids) else np.zeros(ids.shape, bool)
        return np.where(known, index, self.unk_id)

    def to_tokenizer(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Model ids -> tokenizer ids (int64); `unk_id` becomes `UNKNOWN_TOKENIZER_ID` (-1)."""
        ids = np.asarray(ids, dtype=np.int64)
        if ids.size and (ids.min() < 0 or ids.max() > self.unk_id):
            raise ValueError(f"model ids must be in 0..{self.unk_id}")
        padded = np.append(self.tokenizer_ids, UNKNOWN_TOKENIZER_ID)
        return padded[ids]


@dataclass(frozen=True)
class LoadedModel:
    """A model ready to run, with what is known about where it came from.

    Attributes:
        model: the network, in eval mode, on the requested device.
        config: its sizes.
        name: short, for status lines: "gpt2 124M", "tiny 4L·128d · 0.8M".
        source: `name` and the path: "gpt2 124M from /models/gpt2".
        kind: "gpt2" (a GPT-2 checkpoint of any size) or "tiny" (written by `save_checkpoint`).
        path: the safetensors file that was read.
        encoding: the tokenizer whose ids the model was trained on (see engine.tokenize.registry).
        steps: training steps, for tiny checkpoints.
        id_map: the compact vocabulary of a tiny model, or None when model ids are tokenizer ids.
        metadata: every other metadata entry of the file.
    """

    model: GPT
    config: GPTConfig
    name: str
    source: str
    kind: str
    path: Path
    encoding: str = "gpt2"
    steps: int | None = None
    id_map: IdMap | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)

    def to_model_ids(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Tokenizer ids -> the ids the model takes (unchanged without a compact vocabulary)."""
        return self.id_map.to_model(ids) if self.id_map is not None else np.asarray(ids, dtype=np.int64)

    def to_tokenizer_ids(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Model ids (e.g. sampled) -> tokenizer ids; <|unk|> becomes `UNKNOWN_TOKENIZER_ID`."""
        return self.id_map.to_tokenizer(ids) if self.id_map is not None else np.asarray(ids, dtype=np.int64)

    @property
    def suppressed_ids(self) -> tuple[int, ...]:
        """Model ids generation should never produce (the <|unk|> slot, which decodes to no text)."""
        return (self.id_map.unk_id,) if self.id_map is not None else ()
