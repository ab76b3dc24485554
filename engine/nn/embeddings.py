"""Token embeddings: a seeded lookup table, and the one-hot product it is equivalent to.

Weights come from a local `torch.Generator`, never the global RNG, so the same seed gives
the same table in every process and on every device (tables are drawn on the CPU, then moved).
"""

from __future__ import annotations

import numpy as np
import torch


def seeded_generator(seed: int) -> torch.Generator:
    return torch.Generator(device="cpu").manual_seed(seed)


def normal_table(rows: int, dim: int, seed: int) -> torch.Tensor:
    """A (rows, dim) table drawn from N(0, 1), as `torch.nn.Embedding` initialises its weight.

    With seed 123, `normal_table(6, 3, 123)` equals `torch.manual_seed(123); nn.Embedding(6, 3).weight`.
    """
    return torch.empty(rows, dim).normal_(generator=seeded_generator(seed))


def embed_tokens(ids: torch.Tensor, table: torch.Tensor) -> torch.Tensor:
    """Look up rows of `table`: ids (batch, seq) -> vectors (batch, seq, dim)."""
    return torch.nn.functional.embedding(ids, table)


def one_hot_times_table(token_id: int, table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The one-hot vector of `token_id` and its product with `table`.

    The product is exactly row `token_id` of the table: a lookup is a matrix multiplication
    that skips the zeros, which is why an embedding layer is a linear layer in disguise.
    """
    one_hot = np.zeros(table.shape[0], dtype=table.dtype)
    one_hot[token_id] = 1
    return one_hot, one_hot @ table
