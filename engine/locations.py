"""Where models live on disk: the tiny model `llm-tui train` saves, GPT-2 in the Hugging Face cache.

Kept apart from `engine.nn.checkpoints` (torch, safetensors) because the app asks at start-up whether a
trained model exists, before its first frame, when nothing heavy may be imported yet.
"""

from __future__ import annotations

from pathlib import Path


def find_hf_cache_gpt2() -> Path | None:
    """A complete GPT-2 small snapshot (config.json + model.safetensors) already in the Hugging Face cache.

    Asks huggingface_hub (`engine.hub.find_cached`) for `gpt2` or `openai-community/gpt2` at the
    revision `refs/main` names, in `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else
    `~/.cache/huggingface/hub`. Never downloads; returns None when there is no complete snapshot.
    """
    from engine.hub import find_cached  # huggingface_hub takes ~0.2 s to import: not before the first frame

    return find_cached("gpt2")


def default_tiny_checkpoint() -> Path:
    """Where `llm-tui train` writes its model by default, and where `--weights tiny` looks."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("llm-tui", appauthor=False)) / "tiny-gpt.safetensors"


def is_repo_id(spec: str) -> bool:
    """Whether `--weights spec` names a Hugging Face repo (ORG/NAME) rather than a path."""
    return (
        spec.count("/") == 1
        and not spec.startswith((".", "/", "~"))
        and not spec.endswith((".safetensors", ".json"))
        and not Path(spec).expanduser().exists()
    )
