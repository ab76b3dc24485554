"""Mistral (Mistral AI's 7B and its successors): Llama's block with a sliding attention window.

Special to it: when `sliding_window` is set (4096 in Mistral 7B v0.1, null from v0.2 on), every
layer's queries see only the last `sliding_window` keys, themselves included. No biases, no
per-head norms; the output head is a separate matrix.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from engine.nn.decoder_config import DecoderConfig, common_fields, read_int
from engine.nn.families.family import Family


def read_config(data: Mapping[str, object], where: Path) -> DecoderConfig:
    common = common_fields(data, where)
    window = read_int(data, "sliding_window", where) if data.get("sliding_window") is not None else None
    return DecoderConfig(
        family=MISTRAL.name,
        **common,
        sliding_window=window,
        sliding_layers=tuple(range(common["layers"])) if window is not None else (),
    )


MISTRAL = Family(
    name="mistral", architectures=("MistralForCausalLM",), model_type="mistral", read_config=read_config
)
