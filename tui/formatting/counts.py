"""A count and its noun, in the singular for one ("1 head", "2 heads", "1,024 tokens")."""

from __future__ import annotations


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """`number` with thousands separators and `noun`, made plural (`plural`, else noun + "s")
    unless the number is 1."""
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"
