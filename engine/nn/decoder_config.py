"""The sizes and switches of an open decoder model (Llama, Qwen2, Qwen3, Mistral), and reading the
parts of a Hugging Face `config.json` every family shares.

Each family (`engine.nn.families`) reads what is special about it on top of `common_fields`:
biases, per-head query/key norms, which layers use a sliding window. Both spellings of the rotary
settings are accepted: transformers 5 writes `rope_parameters` (with `rope_theta` inside),
transformers 4 wrote `rope_theta` and `rope_scaling` at the top level.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from engine.errors import WeightsError
from engine.nn.gqa import AttentionShape
from engine.nn.rope import ROPE_KINDS, RopeSettings
from engine.note import note

# Llama 3.2's RoPE (1B and 3B): theta 500,000, long wavelengths stretched 32× from an 8k pre-training context.
LLAMA_3_2_ROPE = RopeSettings(
    theta=500000.0,
    kind="llama3",
    factor=32.0,
    low_freq_factor=1.0,
    high_freq_factor=4.0,
    original_context=8192,
)


@dataclass(frozen=True)
class DecoderConfig:
    """One decoder model's shape; the defaults are Llama 3.2 1B. Hugging Face keys in each comment.

    `dim`, `layers`, `heads`, `context` and `vocab_size` mean what they mean in `GPTConfig`.
    """

    family: str = "llama"  # the family that read the config (engine.nn.families): "llama", "qwen2", ...
    vocab_size: int = 128256  # vocab_size: rows of the token table and of the output head
    context: int = 131072  # max_position_embeddings: the longest text the model is meant to read
    dim: int = 2048  # hidden_size: width of every token vector in the residual stream
    layers: int = 16  # num_hidden_layers: decoder blocks stacked one after another
    heads: int = 32  # num_attention_heads: query heads per block
    kv_heads: int = 8  # num_key_value_heads: key/value heads, each shared by heads / kv_heads query heads
    head_dim: int = 64  # head_dim when the config has it, else hidden_size / num_attention_heads
    mlp_dim: int = 8192  # intermediate_size: width inside the gated MLP
    norm_eps: float = 1e-5  # rms_norm_eps: added to the mean square in every RMSNorm
    rope: RopeSettings = LLAMA_3_2_ROPE  # rope_parameters, or rope_theta + rope_scaling
    tied: bool = True  # tie_word_embeddings: the output head is the token table (no lm_head.weight)
    qkv_bias: bool = False  # a bias on q/k/v_proj: Qwen2 always; Llama and Qwen3 with attention_bias
    out_bias: bool = False  # a bias on o_proj: Llama and Qwen3 with attention_bias (never Qwen2)
    mlp_bias: bool = False  # mlp_bias: a bias on gate/up/down_proj (Llama only)
    qk_norm: bool = False  # RMSNorm over head_dim of each query and key head before RoPE (Qwen3)
    sliding_window: int | None = None  # sliding_window: keys a windowed layer's query sees, itself included
    sliding_layers: tuple[int, ...] = ()  # the layers that use the window (Mistral: all; Qwen: layer_types)

    def validate(self) -> None:
        """Raise ValueError for sizes no model can be built with."""
        sizes = {
            "vocab_size": self.vocab_size,
            "context": self.context,
            "dim": self.dim,
            "heads": self.heads,
            "kv_heads": self.kv_heads,
            "head_dim": self.head_dim,
            "mlp_dim": self.mlp_dim,
        }
        for name, value in sizes.items():
            if value < 1:
                raise ValueError(f"{name} must be at least 1, not {value}")
        if self.layers < 0:
            raise ValueError(f"layers must not be negative, not {self.layers}")
        if self.heads % self.kv_heads:
            raise ValueError(f"heads ({self.heads}) must be a multiple of kv_heads ({self.kv_heads})")
        if self.head_dim % 2:
            raise ValueError(f"head_dim must be even for rotary positions, not {self.head_dim}")
        if self.sliding_window is not None and self.sliding_window < 1:
            raise ValueError(f"sliding_window must be at least 1, not {self.sliding_window}")
        if self.sliding_layers and self.sliding_window is None:
            raise ValueError("sliding_layers are named but there is no sliding_window")
        outside = [layer for layer in self.sliding_layers if not 0 <= layer < self.layers]
        if outside:
            raise ValueError(f"sliding layer {outside[0]} is not one of the {self.layers} layers")
        self.rope.validate()

    def window(self, layer: int) -> int | None:
        """The sliding window of `layer`, or None when it sees every earlier key."""
        return self.sliding_window if layer in self.sliding_layers else None

    def attention_shape(self, layer: int) -> AttentionShape:
        """What `GroupedQueryAttention` needs for `layer`."""
        return AttentionShape(
            dim=self.dim,
            heads=self.heads,
            kv_heads=self.kv_heads,
            head_dim=self.head_dim,
            qkv_bias=self.qkv_bias,
            out_bias=self.out_bias,
            qk_norm=self.qk_norm,
            norm_eps=self.norm_eps,
            window=self.window(layer),
        )


# --- reading config.json -------------------------------------------------------------------------


def read_int(data: Mapping[str, object], key: str, where: Path, default: int | None = None) -> int:
    """`data[key]` as an integer (a boolean is not one); `default` when absent or null."""
    value = data.get(key)
    if value is None and default is not None:
        return default
    if not isinstance(value, int) or isinstance(value, bool):
        if value is None:
            raise WeightsError(note("{where} has no integer {key}", where=where, key=key))
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "…"
        raise WeightsError(
            note("{where} has {key}={value}, not an integer", where=where, key=key, value=shown)
        )
    return value


def read_float(data: Mapping[str, object], key: str, where: Path, default: float) -> float:
    """`data[key]` as a float; `default` when absent or null."""
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "…"
        raise WeightsError(
            note("{where}: {key}={value} is not a finite number", where=where, key=key, value=shown)
        )
    return float(value)


def read_flag(data: Mapping[str, object], key: str, where: Path, default: bool = False) -> bool:
    """`data[key]` as a bool; `default` when absent or null."""
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise WeightsError(
            note("{where}: {key}={value} is not true or false", where=where, key=key, value=repr(value))
        )
    return value


def rope_from_hf(data: Mapping[str, object], where: Path) -> RopeSettings:
    """The rotary settings, from transformers 5's `rope_parameters` or transformers 4's `rope_theta` and
    `rope_scaling` (a null `rope_scaling` is the original RoPE)."""
    key = "rope_parameters" if data.get("rope_parameters") is not None else "rope_scaling"
    parameters = data.get(key) or {}
    if not isinstance(parameters, dict):
        raise WeightsError(note("{where}: {key} is not a JSON object", where=where, key=key))
    if any(isinstance(value, dict) for value in parameters.values()):
        raise WeightsError(
            note("{where}: RoPE settings that differ between layer types are not supported", where=where)
        )
    kind = parameters.get("rope_type", parameters.get("type", "default"))
    if kind not in ROPE_KINDS:
        raise WeightsError(
            note(
                "{where}: rope_type {kind} is not supported (supported: {kinds})",
                where=where,
                kind=repr(kind),
                kinds=", ".join(ROPE_KINDS),
            )
        )
    if read_float(parameters, "partial_rotary_factor", where, 1.0) != 1.0:
        raise WeightsError(
            note("{where}: a partial_rotary_factor other than 1 is not supported", where=where)
        )
    theta = read_float(parameters, "rope_theta", where, read_float(data, "rope_theta", where, 10000.0))
    if kind == "default":
        return RopeSettings(theta=theta)
    for needed in ("factor", "low_freq_factor", "high_freq_factor"):
        if parameters.get(needed) is None:
            raise WeightsError(note("{where}: llama3 RoPE needs {key}", where=where, key=needed))
    context = read_int(data, "max_position_embeddings", where)
    return RopeSettings(
        theta=theta,
        kind=kind,
        factor=read_float(parameters, "factor", where, 1.0),
        low_freq_factor=read_float(parameters, "low_freq_factor", where, 1.0),
        high_freq_factor=read_float(parameters, "high_freq_factor", where, 4.0),
        # transformers falls back to max_position_embeddings too
        original_context=read_int(parameters, "original_max_position_embeddings", where, context),
    )


def common_fields(data: Mapping[str, object], where: Path) -> dict[str, object]:
    """The `DecoderConfig` fields every family reads the same way (all but biases, norms, windows)."""
    activation = data.get("hidden_act", "silu")
    if activation != "silu":
        raise WeightsError(
            note(
                "{where}: hidden_act {activation} is not supported (the gated MLP uses silu)",
                where=where,
                activation=repr(activation),
            )
        )
    dim = read_int(data, "hidden_size", where)
    heads = read_int(data, "num_attention_heads", where)
    if heads < 1:
        raise WeightsError(
            note("{where}: num_attention_heads must be at least 1, not {heads}", where=where, heads=heads)
        )
    if data.get("head_dim") is None and dim % heads:
        raise WeightsError(
            note(
                "{where}: hidden_size {dim} is not a multiple of num_attention_heads {heads}",
                where=where,
                dim=dim,
                heads=heads,
            )
        )
    return {
        "vocab_size": read_int(data, "vocab_size", where),
        "context": read_int(data, "max_position_embeddings", where),
        "dim": dim,
        "layers": read_int(data, "num_hidden_layers", where),
        "heads": heads,
        "kv_heads": read_int(data, "num_key_value_heads", where, heads),
        "head_dim": read_int(data, "head_dim", where, dim // heads),
        "mlp_dim": read_int(data, "intermediate_size", where),
        "norm_eps": read_float(data, "rms_norm_eps", where, 1e-6),
        "rope": rope_from_hf(data, where),
        "tied": read_flag(data, "tie_word_embeddings", where, False),
    }
