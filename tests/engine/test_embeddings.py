"""Token and position embeddings: seeded tables, one-hot equivalence, sinusoidal formula, shapes."""

import math

import numpy as np
import pytest
import torch

from engine.nn.embeddings import embed_tokens, normal_table, one_hot_times_table
from engine.nn.positions import learned_positions, sinusoidal_positions

BOOK_TABLE = [
    [0.3374, -0.1778, -0.1690],
    [0.9178, 1.5810, 1.3010],
    [1.2753, -0.2010, -0.1606],
    [-0.4015, 0.9666, -1.1481],
    [-1.1589, 0.3255, -0.6315],
    [-2.8400, -0.7849, -1.4096],
]


def test_seeded_table_matches_the_book():
    assert torch.allclose(normal_table(6, 3, seed=123), torch.tensor(BOOK_TABLE), atol=1e-4)


def test_seeded_table_matches_nn_embedding_without_touching_global_rng():
    state = torch.random.get_rng_state()
    ours = normal_table(50, 8, seed=7)
    assert torch.equal(torch.random.get_rng_state(), state)
    torch.manual_seed(7)
    assert torch.equal(ours, torch.nn.Embedding(50, 8).weight.detach())


def test_one_hot_times_table_is_the_looked_up_row():
    table = normal_table(1000, 5, seed=1).numpy()
    one_hot, product = one_hot_times_table(42, table)
    assert one_hot.sum() == 1 and one_hot[42] == 1
    np.testing.assert_array_equal(product, table[42])


def test_token_plus_position_shapes_are_batch_seq_dim():
    batch, seq, dim = 8, 4, 256
    ids = torch.randint(0, 50257, (batch, seq), generator=torch.Generator().manual_seed(0))
    tokens = embed_tokens(ids, normal_table(50257, dim, seed=123))
    positions = learned_positions(context=seq, dim=dim, seed=124)
    inputs = tokens + positions
    assert tokens.shape == (batch, seq, dim)
    assert positions.shape == (seq, dim)
    assert inputs.shape == (batch, seq, dim)
    assert torch.equal(inputs[3, 2], tokens[3, 2] + positions[2])


@pytest.mark.parametrize("dim", [4, 7, 16])
def test_sinusoidal_matches_closed_formula(dim):
    encoding = sinusoidal_positions(context=50, dim=dim)
    assert encoding.shape == (50, dim)
    for position in (0, 1, 13, 49):
        for i in range(dim):
            angle = position / 10000 ** ((i - i % 2) / dim)
            expected = math.sin(angle) if i % 2 == 0 else math.cos(angle)
            assert encoding[position, i].item() == pytest.approx(expected, abs=1e-6)
