"""Llama (Meta's Llama 2, 3, 3.1, 3.2): the plain pre-norm decoder the other families vary.

Special to it: `attention_bias` puts a bias on all four attention projections and `mlp_bias` on the
three MLP projections (both false in Meta's releases); RoPE may be `llama3`-scaled (3.1 and later).
No sliding window, no per-head norms. Llama 3.2 1B and 3B tie the output head to the token table.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from engine.nn.decoder_config import DecoderConfig, common_fields, read_flag
from engine.nn.families.family import Family


def read_config(data: Mapping[str, object], where: Path) -> DecoderConfig:
    bias = read_flag(data, "attention_bias", where)
    return DecoderConfig(
        family=LLAMA.name,
        **common_fields(data, where),
        qkv_bias=bias,
        out_bias=bias,
        mlp_bias=read_flag(data, "mlp_bias", where),
    )


LLAMA = Family(name="llama", architectures=("LlamaForCausalLM",), model_type="llama", read_config=read_config)
