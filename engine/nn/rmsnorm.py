"""RMSNorm: scale each vector to unit root-mean-square, then by a learned weight per channel.

LayerNorm (GPT-2) subtracts the mean and divides by the standard deviation, then adds a bias;
RMSNorm (Llama, Qwen, Mistral) only divides by the root mean square and has no bias:
`x * rsqrt(mean(x**2) + eps) * weight`. The statistic is computed in float32 whatever the
model's precision, as `transformers` does, so a bf16 model normalises the same way.
"""

from __future__ import annotations

import torch
from torch import nn


class RMSNorm(nn.Module):
    """RMS normalisation over the last dimension (size `dim`), with a learned per-channel weight."""

    def __init__(self, dim: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(..., dim) -> (..., dim), in x's dtype."""
        dtype = x.dtype
        x = x.float()
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        # Back to the model's precision before the weight, in the order transformers multiplies.
        return self.weight * x.to(dtype)

    def extra_repr(self) -> str:
        return f"{self.weight.shape[0]}, eps={self.eps}"
