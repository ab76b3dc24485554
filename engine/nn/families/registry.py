"""Which family reads a config.json: by its `architectures` entry (else its `model_type`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from engine.errors import WeightsError
from engine.nn.decoder_config import DecoderConfig
from engine.nn.families.family import Family
from engine.nn.families.llama import LLAMA
from engine.nn.families.mistral import MISTRAL
from engine.nn.families.qwen2 import QWEN2
from engine.nn.families.qwen3 import QWEN3
from engine.note import note

FAMILIES: tuple[Family, ...] = (LLAMA, QWEN2, QWEN3, MISTRAL)
BY_ARCHITECTURE: dict[str, Family] = {name: family for family in FAMILIES for name in family.architectures}
SUPPORTED_ARCHITECTURES: tuple[str, ...] = tuple(BY_ARCHITECTURE)


def family_for(data: Mapping[str, object], where: Path) -> Family:
    """The family of a config.json's data; a WeightsError naming the supported architectures if none."""
    architectures = data.get("architectures")
    said = {"where": where, "supported": ", ".join(SUPPORTED_ARCHITECTURES)}
    if architectures is None:
        by_type = {family.model_type: family for family in FAMILIES}
        if data.get("model_type") in by_type:
            return by_type[data["model_type"]]
        raise WeightsError(
            note(
                "{where} describes model_type {model_type} and no architectures, which llm-tui cannot run; "
                "supported: {supported} (and GPT2LMHeadModel through the GPT-2 loader)",
                model_type=repr(data.get("model_type")),
                **said,
            )
        )
    listed = isinstance(architectures, list) and bool(architectures)
    for name in architectures if listed else ():
        if name in BY_ARCHITECTURE:
            return BY_ARCHITECTURE[name]
    raise WeightsError(
        note(
            "{where} describes a {architectures}, which llm-tui cannot run; supported: {supported} (and "
            "GPT2LMHeadModel through the GPT-2 loader)"
            if listed
            else "{where} describes architectures {architectures}, which llm-tui cannot run; supported: "
            "{supported} (and GPT2LMHeadModel through the GPT-2 loader)",
            architectures=", ".join(map(str, architectures)) if listed else repr(architectures),
            **said,
        )
    )


def decoder_config(data: Mapping[str, object], where: Path) -> DecoderConfig:
    """The checked `DecoderConfig` of a config.json's data, read by its family."""
    config = family_for(data, where).read_config(data, where)
    try:
        config.validate()
    except ValueError as error:
        raise WeightsError(
            note("{where}: unusable model config: {error}", where=where, error=error)
        ) from None
    return config
