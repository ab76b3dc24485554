"""An embedding lookup written as a matrix product: one-hot vector × token table."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class OneHotLookup:
    """One token's one-hot product next to the table row it should equal.

    Attributes:
        token_id: The row looked up.
        one_hot: (rows,) zeros except a 1 at `token_id`, in the table's dtype.
        product: (dim,) one_hot @ table.
        row: (dim,) table[token_id] (a view of the table).
        identical: Whether the product equals the row exactly (`np.array_equal`).
    """

    token_id: int
    one_hot: np.ndarray
    product: np.ndarray
    row: np.ndarray
    identical: bool


def one_hot_lookup(token_id: int, table: np.ndarray) -> OneHotLookup:
    """Multiply `token_id`'s one-hot vector by `table` and compare the product with the row.

    The same product as `engine.nn.embeddings.one_hot_times_table`, without importing torch.

    Args:
        token_id: A row of `table`.
        table: (rows, dim) token embedding table.
    """
    one_hot = np.zeros(table.shape[0], dtype=table.dtype)
    one_hot[token_id] = 1
    product = one_hot @ table
    row = table[token_id]
    return OneHotLookup(token_id, one_hot, product, row, bool(np.array_equal(product, row)))


@dataclass(frozen=True)
class OneHotProduct:
    """A whole text's lookup as one product: the (T, V) one-hot matrix × the (V, d) table.

    Attributes:
        ids: (T,) the rows looked up; one_hot: (T, V) a 1 in each row at its id;
        product: (T, d) one_hot @ table; identical: whether it equals table[ids] exactly.
    """

    ids: np.ndarray
    one_hot: np.ndarray
    product: np.ndarray
    identical: bool


def one_hot_product(ids: np.ndarray, table: np.ndarray) -> OneHotProduct:
    """The one-hot matrix of `ids` times `table`, compared with the rows `ids` picks."""
    ids = np.asarray(ids, dtype=np.int64)
    one_hot = np.zeros((len(ids), table.shape[0]), dtype=table.dtype)
    one_hot[np.arange(len(ids)), ids] = 1
    product = one_hot @ table
    return OneHotProduct(ids, one_hot, product, bool(np.array_equal(product, table[ids])))
