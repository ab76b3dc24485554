"""engine.analysis.sinusoids: the numpy sinusoidal encodings against the engine's torch ones."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.analysis.sinusoids import extend_sinusoidal, sinusoidal_table
from engine.nn.positions import sinusoidal_positions


@pytest.mark.parametrize(("n_positions", "dim"), [(64, 16), (100, 7), (10, 1), (300, 64)])
def test_sinusoidal_table_equals_the_engines(n_positions: int, dim: int) -> None:
    ours = sinusoidal_table(n_positions, dim)
    assert ours.shape == (n_positions, dim) and ours.dtype == np.float32
    engine = sinusoidal_positions(n_positions, dim).numpy()
    np.testing.assert_allclose(ours, engine, rtol=0, atol=1e-6)


def test_sinusoidal_table_by_hand() -> None:
    # dim 4: pairs (sin, cos) with wavelengths 2π and 2π·100 (base^(2/4) = 100).
    table = sinusoidal_table(3, 4)
    expected = [[math.sin(p), math.cos(p), math.sin(p / 100), math.cos(p / 100)] for p in range(3)]
    np.testing.assert_allclose(table, expected, rtol=0, atol=1e-7)
    np.testing.assert_allclose(
        sinusoidal_table(2, 2, base=1.0), [[0, 1], [math.sin(1), math.cos(1)]], atol=1e-7
    )


def test_extend_sinusoidal_keeps_the_given_rows_and_continues_the_formula() -> None:
    given = np.full((5, 6), 7.0, dtype=np.float32)  # not the formula: must be kept as given
    extended = extend_sinusoidal(given, 12)
    assert extended.shape == (12, 6) and extended.dtype == np.float32
    np.testing.assert_array_equal(extended[:5], given)
    np.testing.assert_array_equal(extended[5:], sinusoidal_table(12, 6)[5:])
    assert extend_sinusoidal(given, 5) is given
    assert extend_sinusoidal(given, 3) is given
