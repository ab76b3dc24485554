"""Byte-pair encodings (gpt2, cl100k_base, o200k_base) built from the ranks files we ship.

tiktoken would download these files on first use; llm-tui must work on machines with no
route to the internet, so it reads `engine/vocab/*.tiktoken.gz`, checks each file's sha256
against the hash tiktoken itself expects, and builds `tiktoken.Encoding` directly.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import numpy as np
import tiktoken

from engine.errors import SpecialTokenError, VocabError
from engine.note import note
from engine.tokenize.tokens import TokenizedText, replace_lone_surrogates, spans_from_byte_lengths

VOCAB_DIR = Path(__file__).parents[1] / "vocab"

# Split patterns and special-token ids as defined in tiktoken_ext/openai_public.py;
# tests/engine/test_bpe.py checks them against that module.
_R50K_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""
_CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
_O200K_PATTERN = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)


@dataclass(frozen=True)
class EncodingSpec:
    """What it takes to rebuild one of tiktoken's encodings offline."""

    name: str
    filename: str
    sha256: str
    pattern: str
    special_tokens: dict[str, int]


SPECS: dict[str, EncodingSpec] = {
    spec.name: spec
    for spec in (
        EncodingSpec(
            "gpt2",
            "gpt2.tiktoken.gz",
            "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930",
            _R50K_PATTERN,
            {"<|endoftext|>": 50256},
        ),
        EncodingSpec(
            "cl100k_base",
            "cl100k_base.tiktoken.gz",
            "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
            _CL100K_PATTERN,
            {
                "<|endoftext|>": 100257,
                "<|fim_prefix|>": 100258,
                "<|fim_middle|>": 100259,
                "<|fim_suffix|>": 100260,
                "<|endofprompt|>": 100276,
            },
        ),
        EncodingSpec(
            "o200k_base",
            "o200k_base.tiktoken.gz",
            "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
            _O200K_PATTERN,
            {"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
        ),
    )
}


def read_ranks(spec: EncodingSpec, vocab_dir: Path = VOCAB_DIR) -> dict[bytes, int]:
    """Parse a gzipped ranks file (`base64(token) rank` per line) after checking its hash."""
    path = vocab_dir / spec.filename
    try:
        data = gzip.decompress(path.read_bytes())
    except (OSError, EOFError) as error:
        raise VocabError(
            note("cannot read the {name} vocabulary {path}: {error}", name=spec.name, path=path, error=error)
        ) from error
    if hashlib.sha256(data).hexdigest() != spec.sha256:
        raise VocabError(
            note(
                "the {name} vocabulary {path} is damaged (sha256 mismatch); reinstall llm-tui",
                name=spec.name,
                path=path,
            )
        )
    ranks = {}
    for line in data.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


@dataclass(frozen=True)
class Vocabulary:
    """A loaded encoding and the number of bytes each id stands for (indexed by id)."""

    encoding: tiktoken.Encoding
    byte_lengths: np.ndarray


@cache
def load_vocabulary(name: str) -> Vocabulary:
    """Build encoding `name` from the shipped files, once per process (it takes ~0.1-0.5 s)."""
    spec = SPECS[name]
    ranks = read_ranks(spec)
    encoding = tiktoken.Encoding(
        name=spec.name,
        pat_str=spec.pattern,
        mergeable_ranks=ranks,
        special_tokens=spec.special_tokens,
    )
    byte_lengths = np.zeros(encoding.n_vocab, dtype=np.int64)
    for token, rank in ranks.items():
        byte_lengths[rank] = len(token)
    for token, rank in spec.special_tokens.items():
        byte_lengths[rank] = len(token.encode("utf-8"))
    return Vocabulary(encoding, byte_lengths)


def load_encoding(name: str) -> tiktoken.Encoding:
    """The tiktoken Encoding `name`, built from the shipped files."""
    return load_vocabulary(name).encoding


class BpeTokenizer:
    """A tiktoken encoding behind the engine's tokenizer interface.

    Args:
        name: one of SPECS.
        allow_special: encode special tokens typed in the text (e.g. `<|endoftext|>`) as their
            ids; by default they are refused, as tiktoken refuses them.
    """

    def __init__(self, name: str, allow_special: bool = False) -> None:
        self.name = name
        self.allow_special = allow_special
        vocabulary = load_vocabulary(name)
        self.encoding = vocabulary.encoding
        self._byte_lengths = vocabulary.byte_lengths

    @property
    def vocab_size(self) -> int:
        return self.encoding.n_vocab

    @property
    def special_names(self) -> frozenset[str]:
        return frozenset(self.encoding.special_tokens_set)

    @cached_property
    def _special_pattern(self) -> re.Pattern[str]:
        return re.compile("|".join(re.escape(s) for s in self.encoding.special_tokens_set))

    def tokenize(self, text: str) -> TokenizedText:
        cleaned, notes = replace_lone_surrogates(text)
        # Straight to numpy (a list of 250,000 ints cost ~15% of tokenizing 1 MB), and tiktoken's
        # own check refuses special tokens, as tiktoken does; we only locate the one it found.
        try:
            ids = self.encoding.encode_to_numpy(
                cleaned, allowed_special="all" if self.allow_special else set()
            ).astype(np.int64)
        except ValueError:
            found = self._special_pattern.search(cleaned)
            if found is None:
                raise
            raise SpecialTokenError(found.group(), found.start()) from None
        lengths = self._byte_lengths
        return TokenizedText(
            encoding=self.name,
            text=cleaned,
            ids=ids,
            vocab_size=self.vocab_size,
            spans=lambda: spans_from_byte_lengths(cleaned, lengths[ids]),
            notes=notes,
            token_bytes=self.encoding.decode_single_token_bytes,
        )

    def encode(self, text: str) -> list[int]:
        return self.tokenize(text).ids.tolist()

    def decode(self, ids: list[int]) -> str:
        return self.encoding.decode(ids)

    def token_bytes(self, token_id: int) -> bytes:
        return self.encoding.decode_single_token_bytes(token_id)
