"""What a decoder family is to the loader: the architectures it reads and how its config.json maps
onto `DecoderConfig`. A new family (Gemma, Phi-3) is one module that defines a `Family`, its entry
in `engine.nn.families.registry.FAMILIES`, and parity tests against transformers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from engine.nn.decoder_config import DecoderConfig


@dataclass(frozen=True)
class Family:
    """One family of open decoder models."""

    name: str  # short, for status lines and `DecoderConfig.family`: "llama", "qwen2", ...
    architectures: tuple[str, ...]  # config.json `architectures` entries it reads: ("LlamaForCausalLM",)
    model_type: str  # config.json `model_type`, for a config without `architectures`
    read_config: Callable[
        [Mapping[str, object], Path], DecoderConfig
    ]  # config.json's data, its path -> config
