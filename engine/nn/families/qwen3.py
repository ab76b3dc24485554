"""Qwen3 (Alibaba): Qwen2 without the query/key/value bias, with an RMSNorm on every head.

Special to it: `q_norm` and `k_norm`, RMSNorms over head_dim applied to each query and key head
before the rotation, keep attention scores in range without a bias; `attention_bias` (false in the
releases) would put a bias on all four projections, as in Llama. `head_dim` is given explicitly and
is not hidden_size / heads (0.6B: 1024 wide, 16 heads of 128). Sliding windows as in Qwen2 (off).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from engine.nn.decoder_config import DecoderConfig, common_fields, read_flag
from engine.nn.families.family import Family
from engine.nn.families.qwen2 import sliding_fields


def read_config(data: Mapping[str, object], where: Path) -> DecoderConfig:
    common = common_fields(data, where)
    bias = read_flag(data, "attention_bias", where)
    return DecoderConfig(
        family=QWEN3.name,
        **common,
        qkv_bias=bias,
        out_bias=bias,
        qk_norm=True,
        **sliding_fields(data, common["layers"], where),
    )


QWEN3 = Family(name="qwen3", architectures=("Qwen3ForCausalLM",), model_type="qwen3", read_config=read_config)
