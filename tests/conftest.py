"""Shared test fixtures. Reference data comes from outside the project (../shared)."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
VERDICT = SHARED / "corpora" / "the-verdict.txt"


@pytest.fixture(scope="session")
def verdict_text() -> str:
    """The book's training text; its figures are listed in ../shared/corpora/README.md."""
    assert VERDICT.exists(), f"reference corpus missing: {VERDICT} (tests read it from ../shared)"
    return VERDICT.read_text(encoding="utf-8")
