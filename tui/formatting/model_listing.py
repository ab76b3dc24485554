"""What `--weights` can open on this machine, as records: `llm-tui models` prints them and the
model picker (F6) lists them. Read from config files and safetensors headers only (no torch)."""

from __future__ import annotations

from typing import Any

SUPPORTED = "llama", "qwen2", "qwen3", "mistral", "gpt2"


def human(count: float, unit: str = "") -> str:
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if count >= scale:
            return f"{count / scale:.1f}{suffix}{unit}"
    return f"{count:.0f}{unit}"


def listing() -> list[dict[str, Any]]:
    """One record per model: repo id (or "tiny"), family, parameters, dtype, bytes, complete, problem."""
    from engine.hub import list_cached_models
    from engine.locations import default_tiny_checkpoint

    records = [
        {
            "weights": model.repo_id,
            "path": str(model.path),
            "architecture": model.architecture,
            "family": model.family,
            "supported": model.family in SUPPORTED,
            "parameters": model.parameters,
            "dtype": model.dtype,
            "size_on_disk": model.size_on_disk,
            "complete": model.complete,
            "problem": model.problem,
        }
        for model in list_cached_models()
    ]
    tiny = default_tiny_checkpoint()
    if tiny.exists():
        records.append(
            {
                "weights": "tiny",
                "path": str(tiny),
                "architecture": "GPT2LMHeadModel",
                "family": "tiny",
                "supported": True,
                "parameters": None,
                "dtype": "float32",
                "size_on_disk": tiny.stat().st_size,
                "complete": True,
                "problem": None,
            }
        )
    return records
