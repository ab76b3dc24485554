"""Qwen2 and Qwen2.5 (Alibaba): Llama's block with a bias on the query, key and value projections.

Special to it: q/k/v_proj always have a bias, o_proj never does (there is no `attention_bias` key).
A sliding window exists in the config but is off in every released model: it applies only when
`use_sliding_window` is true, and then to the layers `layer_types` marks "sliding_attention"
(transformers 5) or, without that list, to the layers from `max_window_layers` on (transformers 4).
The small ones (0.5B to 3B) tie the output head to the token table.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from engine.errors import WeightsError
from engine.nn.decoder_config import DecoderConfig, common_fields, read_flag, read_int
from engine.nn.families.family import Family
from engine.note import note

_LAYER_TYPES = ("full_attention", "sliding_attention")


def sliding_fields(data: Mapping[str, object], layers: int, where: Path) -> dict[str, object]:
    """`sliding_window` and `sliding_layers` as the Qwen families decide them (see the module docstring)."""
    if not read_flag(data, "use_sliding_window", where):
        return {"sliding_window": None, "sliding_layers": ()}
    window = read_int(data, "sliding_window", where)
    layer_types = data.get("layer_types")
    if layer_types is None:
        first = read_int(data, "max_window_layers", where, 28)  # transformers' default
        sliding = tuple(range(first, layers))
    else:
        if not isinstance(layer_types, list) or len(layer_types) != layers:
            raise WeightsError(
                note(
                    "{where}: layer_types must list one of {types} for each of {layers} layers",
                    where=where,
                    types=_LAYER_TYPES,
                    layers=layers,
                )
            )
        unknown = [kind for kind in layer_types if kind not in _LAYER_TYPES]
        if unknown:
            raise WeightsError(
                note(
                    "{where}: layer type {kind} is not one of {types}",
                    where=where,
                    kind=repr(unknown[0]),
                    types=", ".join(_LAYER_TYPES),
                )
            )
        sliding = tuple(index for index, kind in enumerate(layer_types) if kind == "sliding_attention")
    return {"sliding_window": window if sliding else None, "sliding_layers": sliding}


def read_config(data: Mapping[str, object], where: Path) -> DecoderConfig:
    common = common_fields(data, where)
    return DecoderConfig(
        family=QWEN2.name,
        **common,
        qkv_bias=True,
        out_bias=False,
        **sliding_fields(data, common["layers"], where),
    )


QWEN2 = Family(name="qwen2", architectures=("Qwen2ForCausalLM",), model_type="qwen2", read_config=read_config)
