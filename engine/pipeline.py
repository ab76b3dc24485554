"""text -> tokens -> embeddings + positions -> causal self-attention, as one pure function.

`run(text, settings)` is what the app, the CLI, the benchmarks and the tests call. It computes
on the chosen device and converts to numpy once at the end, so callers never touch torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import torch

from engine.attention import MultiHeadAttention
from engine.device import DeviceInfo, pick_device
from engine.embeddings import embed_tokens, normal_table
from engine.positions import learned_positions, sinusoidal_positions
from engine.settings import Settings
from engine.tokenizers import get_tokenizer
from engine.tokens import TokenizedText


@dataclass(frozen=True)
class Embedded:
    """Vectors for the first `n_used` tokens (numpy, float32).

    Attributes:
        token_vectors: (T, dim) rows of the token table.
        learned_positions: (T, dim) rows of the learned position table.
        sinusoidal_positions: (T, dim) fixed encodings.
        input_vectors: (T, dim) token vectors + the position vectors named by `positions`.
        positions: "learned" or "sinusoidal".
        token_table: (vocab, dim) the whole table, read-only (the one-hot lesson multiplies by it).
    """

    token_vectors: np.ndarray
    learned_positions: np.ndarray
    sinusoidal_positions: np.ndarray
    input_vectors: np.ndarray
    positions: str
    token_table: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class Attention:
    """One attention layer's numbers for the used tokens (numpy, float32; H heads, T tokens).

    Attributes:
        scores: (H, T, T) scaled (if `scaled`) dot products before masking.
        mask: (T, T) bool, True where a key is hidden from a query.
        weights: (H, T, T) softmax of the masked scores; rows sum to 1, masked cells are 0.
        context: (H, T, D) per-head weighted sums of value vectors.
        output: (T, H*D) heads merged and projected.
        causal, scaled: the switches the numbers were computed with.
    """

    scores: np.ndarray
    mask: np.ndarray
    weights: np.ndarray
    context: np.ndarray
    output: np.ndarray
    causal: bool
    scaled: bool

    @property
    def heads(self) -> int:
        return int(self.weights.shape[0])


@dataclass(frozen=True)
class PipelineResult:
    """Everything the panes show for one text.

    Attributes:
        settings: what it was computed with.
        tokens: the whole text's tokens.
        n_used: tokens embedded and attended (at most settings.context).
        embedded, attention: numbers for those tokens.
        device: the device it ran on, described in one line.
        notes: things the user should know (truncation, unknown words, ...).
    """

    settings: Settings
    tokens: TokenizedText
    n_used: int
    embedded: Embedded
    attention: Attention
    device: str
    notes: tuple[str, ...] = ()

    @property
    def truncated(self) -> bool:
        return self.n_used < len(self.tokens)


@dataclass(frozen=True)
class _Weights:
    token_table: torch.Tensor
    token_table_numpy: np.ndarray
    learned_positions: torch.Tensor
    sinusoidal_positions: torch.Tensor
    attention: MultiHeadAttention


# Drawing a 200k-row table takes longer than a keystroke allows, so the seeded weights are
# kept for the last few settings; they are a pure function of the key, so results do not change.
@lru_cache(maxsize=4)
def _weights(vocab_size: int, dim: int, heads: int, context: int, seed: int, device: str) -> _Weights:
    token_table = normal_table(vocab_size, dim, seed)
    table_numpy = token_table.numpy()
    table_numpy.flags.writeable = False
    attention = MultiHeadAttention(dim, dim, heads, seed=seed + 2).to(device).eval()
    return _Weights(
        token_table=token_table.to(device),
        token_table_numpy=table_numpy,
        learned_positions=learned_positions(context, dim, seed + 1).to(device),
        sinusoidal_positions=sinusoidal_positions(context, dim).to(device),
        attention=attention,
    )


def _numpy(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().to("cpu", torch.float32).numpy()


def tokenize(text: str, settings: Settings) -> TokenizedText:
    """Just the tokenizer step, for callers that need no vectors (the `tokenize` command)."""
    tokenizer = get_tokenizer(settings.encoding, settings.corpus, settings.allow_special)
    return tokenizer.tokenize(text)


@torch.no_grad()
def run(text: str, settings: Settings, device: DeviceInfo | None = None) -> PipelineResult:
    """Tokenize `text`, embed its first `settings.context` tokens, and attend over them.

    Args:
        text: the user's text.
        settings: see `Settings`.
        device: an already-resolved device; resolved from settings.device when None.
    """
    settings.validate()
    device = device or pick_device(settings.device)
    tokens = tokenize(text, settings)
    n_used = min(len(tokens), settings.context)
    weights = _weights(
        tokens.vocab_size, settings.dim, settings.heads, settings.context, settings.seed, device.name
    )
    ids = torch.from_numpy(tokens.ids[:n_used]).to(device.name)[None, :]  # (1, T)
    token_vectors = embed_tokens(ids, weights.token_table)  # (1, T, dim)
    learned = weights.learned_positions[:n_used][None]  # (1, T, dim)
    sinusoidal = weights.sinusoidal_positions[:n_used][None]
    positions = learned if settings.positions == "learned" else sinusoidal
    inputs = token_vectors + positions
    attention = weights.attention(inputs, causal=settings.causal, scaled=settings.scaled)

    notes = list(tokens.notes)
    if n_used < len(tokens):
        notes.append(
            f"showing the first {n_used:,} of {len(tokens):,} tokens (the context is {settings.context:,})"
        )
    return PipelineResult(
        settings=settings,
        tokens=tokens,
        n_used=n_used,
        embedded=Embedded(
            token_vectors=_numpy(token_vectors[0]),
            learned_positions=_numpy(learned[0]),
            sinusoidal_positions=_numpy(sinusoidal[0]),
            input_vectors=_numpy(inputs[0]),
            positions=settings.positions,
            token_table=weights.token_table_numpy,
        ),
        attention=Attention(
            scores=_numpy(attention.scores[0]),
            mask=attention.mask.cpu().numpy(),
            weights=_numpy(attention.weights[0]),
            context=_numpy(attention.context[0]),
            output=_numpy(attention.output[0]),
            causal=settings.causal,
            scaled=settings.scaled,
        ),
        device=device.description,
        notes=tuple(notes),
    )
