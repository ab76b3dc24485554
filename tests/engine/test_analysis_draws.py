"""engine.analysis.draws (keyed seeds, drawable count) and .one_hot (the lookup as a product)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.analysis.draws import drawable_count, keyed_generator
from engine.analysis.one_hot import one_hot_lookup
from engine.nn.embeddings import normal_table, one_hot_times_table


def test_keyed_generator_repeats_for_the_same_keys_only() -> None:
    first = keyed_generator(7, 0, 3).random(5)
    np.testing.assert_array_equal(first, keyed_generator(7, 0, 3).random(5))
    np.testing.assert_array_equal(first, np.random.default_rng([7, 0, 3]).random(5))
    for other in ((7, 1, 3), (7, 0, 4), (8, 0, 3), (3, 0, 7)):
        assert not np.array_equal(first, keyed_generator(*other).random(5))


def test_drawable_count_counts_the_ids_not_cut() -> None:
    assert drawable_count(np.array([0.0, 0.5, 0.0, 0.25, 0.25])) == 3
    assert drawable_count(np.array([1.0, 0.0])) == 1
    assert drawable_count(np.zeros(3)) == 0


def test_one_hot_lookup_equals_the_engines_product_and_the_row() -> None:
    table = normal_table(1000, 5, seed=1).numpy()
    lookup = one_hot_lookup(42, table)
    one_hot, product = one_hot_times_table(42, table)
    np.testing.assert_array_equal(lookup.one_hot, one_hot)
    np.testing.assert_array_equal(lookup.product, product)
    assert lookup.one_hot.dtype == table.dtype and lookup.one_hot.sum() == 1 and lookup.one_hot[42] == 1
    np.testing.assert_array_equal(lookup.row, table[42])
    assert lookup.token_id == 42 and lookup.identical


@pytest.mark.filterwarnings("ignore:invalid value encountered in matmul:RuntimeWarning")
def test_one_hot_lookup_is_not_identical_when_another_row_is_not_finite() -> None:
    # 0 × inf is NaN, so an infinite weight anywhere in a column spoils the product there.
    table = np.arange(12, dtype=np.float64).reshape(4, 3)
    table[3, 1] = np.inf
    lookup = one_hot_lookup(0, table)
    np.testing.assert_array_equal(lookup.row, [0.0, 1.0, 2.0])
    assert np.isnan(lookup.product[1]) and not lookup.identical
