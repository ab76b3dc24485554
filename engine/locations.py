"""Where models live on disk: the tiny model `llm-tui train` saves, GPT-2 in the Hugging Face cache.

Kept apart from `engine.nn.checkpoints` (torch, safetensors) because the app asks at start-up whether a
trained model exists, before its first frame, when nothing heavy may be imported yet.
"""

from __future__ import annotations

import os
from pathlib import Path


def _hf_hub_cache() -> Path:
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    cache_home = os.environ.get("XDG_CACHE_HOME") or "~/.cache"
    return Path(cache_home).expanduser() / "huggingface" / "hub"


def find_hf_cache_gpt2() -> Path | None:
    """A folder of GPT-2 small (config.json + model.safetensors) already in the Hugging Face cache.

    Looks under `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`, for
    `models--gpt2` or `models--openai-community--gpt2`, preferring the snapshot `refs/main` names.
    Never downloads anything; returns None when there is no usable snapshot.
    """
    hub = _hf_hub_cache()
    for repo in ("models--gpt2", "models--openai-community--gpt2"):
        snapshots = hub / repo / "snapshots"
        if not snapshots.is_dir():
            continue
        candidates = sorted(snapshots.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
        main = hub / repo / "refs" / "main"
        if main.is_file():
            candidates.insert(0, snapshots / main.read_text(encoding="utf-8").strip())
        for snapshot in candidates:
            if (snapshot / "config.json").is_file() and (snapshot / "model.safetensors").is_file():
                return snapshot
    return None


def default_tiny_checkpoint() -> Path:
    """Where `llm-tui train` writes its model by default, and where `--weights tiny` looks."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("llm-tui", appauthor=False)) / "tiny-gpt.safetensors"
