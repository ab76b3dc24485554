"""Shared test fixtures. Reference data comes from outside the project (../shared)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import tiktoken

# Textual's animations (a tab's underline slides over ~20 frames) make every tab switch in a test
# wait for frames no assertion looks at: off, as a user can turn them off (TEXTUAL_ANIMATIONS).
# Set before any app is built; subprocesses inherit it.
os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

# pytest-xdist runs one worker per core, and torch would start one thread per core in each: on
# 2 cores, 4 threads spin-waiting on each other made the engine tests 25% slower. Each worker
# (and the command-line subprocesses it starts) gets its share of the cores. Set before torch is
# imported, which reads it once.
_workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
if _workers > 1:
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // _workers)))

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


@pytest.fixture(scope="session")
def reference_encodings() -> dict[str, tiktoken.Encoding]:
    """tiktoken's encodings as tiktoken_ext.openai_public defines them, reading our local files.

    Only the file download is redirected; the split pattern and special tokens are tiktoken's.
    The loader also checks that tiktoken expects the same sha256 as we do.
    """
    import tiktoken_ext.openai_public as openai_public

    from engine.tokenize import bpe

    constructors = {
        "gpt2": openai_public.r50k_base,  # same ranks file and pattern as gpt2
        "cl100k_base": openai_public.cl100k_base,
        "o200k_base": openai_public.o200k_base,
    }
    encodings = {}
    with pytest.MonkeyPatch.context() as patch:
        for name, constructor in constructors.items():
            spec = bpe.SPECS[name]

            file_name = "r50k_base" if name == "gpt2" else name

            def local_ranks(blobpath, expected_hash=None, spec=spec, file_name=file_name):
                assert blobpath.endswith(f"/{file_name}.tiktoken")
                assert expected_hash == spec.sha256
                return bpe.read_ranks(spec)

            patch.setattr(openai_public, "load_tiktoken_bpe", local_ranks)
            definition = constructor()
            definition.pop("name")
            encodings[name] = tiktoken.Encoding(name=name, **definition)
    return encodings


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files with slow tests first: the workers (pytest-xdist, a file each) take files in
    this order, so the longest ones start at once and the short ones fill in around them,
    instead of one worker finishing alone on a long file at the end."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow") is not None}
    items.sort(key=lambda item: item.path not in slow_files)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """One worker more than there are cores (`-n auto`): the app tests spend much of their time
    waiting for frames and timers, and the extra worker runs in those waits (on 2 cores, 3
    workers finish the suite sooner than 2)."""
    return (os.cpu_count() or 1) + 1
