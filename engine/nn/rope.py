"""Rotary position embeddings (RoPE), as Llama, Qwen and Mistral apply them.

GPT-2 adds a learned position vector to each token; rotary models add nothing. Instead each
query and key is rotated by an angle that grows with its position, so the dot product of a query
at position m with a key at position n depends on m - n only. Head channel i (i < D/2) is paired
with channel i + D/2 (the two halves of the head, not neighbouring channels) and the pair is turned
by `position * inv_freq[i]`, where `inv_freq[i] = 1 / theta**(2i / D)`: the first pairs spin fast
(short wavelengths, local order), the last ones slowly (long wavelengths, far context).

Llama 3.1 and later stretch the long wavelengths (`rope_type: llama3`) so a model pre-trained on
8k tokens reads 128k: wavelengths longer than `original_context / low_freq_factor` are divided in
frequency by `factor`, those shorter than `original_context / high_freq_factor` are kept, and the
band between is interpolated smoothly. `transformers.modeling_rope_utils` is the reference.

Shapes: T tokens, D head size, B batch, H heads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

ROPE_KINDS = ("default", "llama3")  # the `rope_type` values llm-tui implements


@dataclass(frozen=True)
class RopeSettings:
    """How rotary angles are computed; the defaults are the original RoPE with theta 10,000."""

    theta: float = 10000.0  # rope_theta: the base of the wavelengths (Llama 3: 500000, Qwen2.5: 1000000)
    kind: str = "default"  # rope_type: "default" (as in the RoPE paper) or "llama3" (scaled long wavelengths)
    factor: float = 1.0  # llama3: how many times slower the long-wavelength pairs turn (8 in Llama 3.1)
    low_freq_factor: float = 1.0  # llama3: wavelengths above original_context / this are fully scaled
    high_freq_factor: float = 4.0  # llama3: wavelengths below original_context / this are kept as they are
    original_context: int = 8192  # llama3: original_max_position_embeddings, the pre-training context

    def validate(self) -> None:
        """Raise ValueError for settings no angle can be computed from."""
        if self.kind not in ROPE_KINDS:
            raise ValueError(f"rope_type {self.kind!r} is not supported (supported: {', '.join(ROPE_KINDS)})")
        if not self.theta > 0:
            raise ValueError(f"rope_theta must be positive, not {self.theta}")
        if self.kind == "llama3":
            if not self.factor > 0 or self.original_context < 1:
                raise ValueError("llama3 RoPE needs a positive factor and original_max_position_embeddings")
            if not self.high_freq_factor > self.low_freq_factor > 0:
                raise ValueError(
                    f"llama3 RoPE needs high_freq_factor ({self.high_freq_factor}) > "
                    f"low_freq_factor ({self.low_freq_factor}) > 0"
                )


def inverse_frequencies(head_dim: int, rope: RopeSettings) -> torch.Tensor:
    """(D/2,) float32: how many radians pair i turns per position."""
    # The same float32 arithmetic as transformers, so the angles agree to the last bit.
    exponents = torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim  # (D/2,) 2i/D
    inv_freq = 1.0 / (rope.theta**exponents)
    return _llama3_scaled(inv_freq, rope) if rope.kind == "llama3" else inv_freq


def _llama3_scaled(inv_freq: torch.Tensor, rope: RopeSettings) -> torch.Tensor:
    """Llama 3.1's frequency scaling: slow the long wavelengths by `factor`, keep the short ones."""
    wavelength = 2 * math.pi / inv_freq  # (D/2,) positions per full turn
    long_above = rope.original_context / rope.low_freq_factor
    short_below = rope.original_context / rope.high_freq_factor
    scaled = torch.where(wavelength > long_above, inv_freq / rope.factor, inv_freq)
    # Between the two: a linear blend from "scaled" (smooth = 0) to "kept" (smooth = 1).
    smooth = (rope.original_context / wavelength - rope.low_freq_factor) / (
        rope.high_freq_factor - rope.low_freq_factor
    )
    blended = (1 - smooth) * scaled / rope.factor + smooth * scaled
    between = ~(wavelength < short_below) & ~(wavelength > long_above)
    return torch.where(between, blended, scaled)


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    """(..., D) [a, b] -> [-b, a], a and b the two halves of the last dimension."""
    first, second = x.chunk(2, dim=-1)  # (..., D) -> 2 × (..., D/2)
    return torch.cat((-second, first), dim=-1)


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate (B, H, T, D) queries or keys by (T, D) angles: x·cos + rotate_half(x)·sin."""
    return x * cos + rotate_half(x) * sin


class RotaryEmbedding(nn.Module):
    """The cosines and sines of every position's angles, shared by all layers of a model."""

    def __init__(self, head_dim: int, rope: RopeSettings) -> None:
        super().__init__()
        if head_dim % 2:
            raise ValueError(f"rotary embeddings need an even head size, not {head_dim}")
        rope.validate()
        # Computed from the settings, never loaded: checkpoints do not carry it (old ones do; it is ignored).
        self.register_buffer("inv_freq", inverse_frequencies(head_dim, rope), persistent=False)

    def forward(self, positions: torch.Tensor, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
        """(T,) integer positions -> (cos, sin), each (T, D) in `dtype` (angles computed in float32)."""
        angles = positions.float()[:, None] * self.inv_freq.float()[None, :]  # (T, 1) * (1, D/2) -> (T, D/2)
        angles = torch.cat((angles, angles), dim=-1)  # (T, D/2) -> (T, D): both halves of a pair share it
        return angles.cos().to(dtype), angles.sin().to(dtype)
