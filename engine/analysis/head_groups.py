"""Grouped-query attention's sharing: which key/value head a query head reads, and who else does.

Each K/V head serves `heads // kv_heads` consecutive query heads (as `engine.nn.gqa` repeats them):
query head h reads K/V head h // group.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KvGroup:
    """The K/V head query head `head` reads and the query heads sharing it (all 0-based).

    Attributes:
        kv_head: the key/value head.
        first, last: the first and last query head that read it, `head` among them.
    """

    kv_head: int
    first: int
    last: int


def kv_group(head: int, heads: int, kv_heads: int) -> KvGroup:
    """The K/V head of query head `head` of `heads`, with `kv_heads` K/V heads (a divisor of heads)."""
    if kv_heads < 1 or heads % kv_heads or not 0 <= head < heads:
        raise ValueError(f"head {head} of {heads} query heads cannot share among {kv_heads} K/V heads")
    group = heads // kv_heads
    kv_head = head // group
    return KvGroup(kv_head=kv_head, first=kv_head * group, last=kv_head * group + group - 1)
