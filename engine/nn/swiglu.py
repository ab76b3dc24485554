"""The gated feed-forward network (SwiGLU) of Llama, Qwen and Mistral: `down(silu(gate(x)) * up(x))`.

GPT-2's MLP widens, applies GELU and narrows. Here two widening projections run side by side: one
goes through SiLU (x·sigmoid(x)) and acts as a gate that scales the other channel by channel, then
`down` narrows back. Three matrices instead of two, so the hidden width is usually about 8/3 of the
model width rather than 4× (Llama 3.2 1B: 2048 -> 8192).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class GatedMLP(nn.Module):
    """`down_proj(silu(gate_proj(x)) * up_proj(x))`, names as in Hugging Face checkpoints."""

    def __init__(self, dim: int, hidden: int, bias: bool = False) -> None:
        super().__init__()
        self.gate_proj = nn.Linear(dim, hidden, bias=bias)  # C -> F, through SiLU: the gate
        self.up_proj = nn.Linear(dim, hidden, bias=bias)  # C -> F: what the gate lets through
        self.down_proj = nn.Linear(hidden, dim, bias=bias)  # F -> C, back into the residual stream

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, C) -> (B, T, C)."""
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))
