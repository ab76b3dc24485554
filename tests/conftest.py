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


@pytest.fixture(scope="session")
def hf_gpt2(tmp_path_factory):
    """A small random GPT-2 (transformers, no download) saved with save_pretrained: (folder, model)."""
    transformers = pytest.importorskip("transformers")
    import torch

    config = transformers.GPT2Config(
        n_layer=2, n_head=4, n_embd=32, n_positions=64, vocab_size=50257, attn_implementation="eager"
    )
    torch.manual_seed(0)
    model = transformers.GPT2LMHeadModel(config).eval()
    folder = tmp_path_factory.mktemp("gpt2-small-random")
    model.save_pretrained(folder, safe_serialization=True)
    return folder, model
