"""The open decoder model (Llama, Qwen2, Qwen3, Mistral): token table, pre-RMSNorm blocks of
grouped-query attention and a gated MLP, a final RMSNorm, an output head.

Compared with GPT-2 (`engine.nn.model`): no position table (queries and keys are rotated instead,
`engine.nn.rope`), RMSNorm instead of LayerNorm, fewer key/value heads than query heads, a gated MLP,
and an output head that is its own matrix unless `tie_word_embeddings` says it is the token table.
`forward` returns the same `ModelOutput` as `GPT.forward`, so the pipeline reads both alike.

Parameter names are the Hugging Face ones without their `model.` prefix (`embed_tokens`,
`layers.{i}.self_attn.q_proj`, `norm`, `lm_head`), so a checkpoint maps onto the model one to one.
Shapes use B batch, T tokens, C model width, V vocabulary, H query heads.
"""

from __future__ import annotations

from collections.abc import Collection

import torch
from torch import nn
from torch.nn import functional as F

from engine.nn.decoder_config import DecoderConfig
from engine.nn.embeddings import seeded_generator
from engine.nn.gqa import GroupedQueryAttention
from engine.nn.kv_cache import KeyValueCache, new_positions
from engine.nn.model import AfterBlock, ModelOutput, Trace, _human_count, collect
from engine.nn.rmsnorm import RMSNorm
from engine.nn.rope import RotaryEmbedding
from engine.nn.swiglu import GatedMLP


class DecoderBlock(nn.Module):
    """x + attention(norm(x)), then x + mlp(norm(x)): pre-norm, as GPT-2, with RMSNorm."""

    def __init__(self, config: DecoderConfig, layer: int) -> None:
        super().__init__()
        self.input_layernorm = RMSNorm(config.dim, config.norm_eps)
        self.self_attn = GroupedQueryAttention(config.attention_shape(layer))
        self.post_attention_layernorm = RMSNorm(config.dim, config.norm_eps)
        self.mlp = GatedMLP(config.dim, config.mlp_dim, bias=config.mlp_bias)

    def forward(
        self,
        x: torch.Tensor,
        cos: torch.Tensor,
        sin: torch.Tensor,
        capture: bool = False,
        cache: KeyValueCache | None = None,
        layer: int = 0,
        trace: Trace | None = None,
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, ...] | None]:
        """(B, T, C) -> ((B, T, C), what attention captured or None); `trace` records the block."""
        attended, captured = self.self_attn(self.input_layernorm(x), cos, sin, capture, cache, layer)
        x = x + attended
        update = self.mlp(self.post_attention_layernorm(x))
        x = x + update
        if trace is not None:
            trace.block(attended, update, x)
        return x, captured


class DecoderLM(nn.Module):
    """An open decoder language model of any supported family (see `DecoderConfig`).

    Args:
        config: sizes and switches.
        seed: when built on a real device, parameters are drawn N(0, 0.02) from a generator with
            this seed (norms start at 1, biases at 0): the same seed gives the same model anywhere.
        device: where the parameters live. "meta" builds the structure without memory (to count
            parameters, or to load a checkpoint into with `load_state_dict(..., assign=True)`).

    The rotary frequencies are a float32 buffer computed from the config, never loaded; move the
    model with `.to(device)` only (`.to(torch.bfloat16)` would round them too: the loader converts
    the weights before assigning them instead).
    """

    def __init__(self, config: DecoderConfig, seed: int = 0, device: torch.device | str = "cpu") -> None:
        super().__init__()
        config.validate()
        self.config = config
        with torch.device("meta"):
            self.embed_tokens = nn.Embedding(config.vocab_size, config.dim)
            self.layers = nn.ModuleList(DecoderBlock(config, layer) for layer in range(config.layers))
            self.norm = RMSNorm(config.dim, config.norm_eps)
            if not config.tied:
                self.lm_head = nn.Linear(config.dim, config.vocab_size, bias=False)
        real = torch.device(device).type != "meta"
        if real:
            self.to_empty(device="cpu")
            self._init_weights(seed)
        # Outside the meta block and after to_empty: computed on the CPU whatever the device.
        self.rotary = RotaryEmbedding(config.head_dim, config.rope)
        if real:
            self.to(device)

    @torch.no_grad()
    def _init_weights(self, seed: int) -> None:
        generator = seeded_generator(seed)
        for module in self.modules():
            if isinstance(module, nn.Linear | nn.Embedding):
                module.weight.normal_(0.0, 0.02, generator=generator)
            if isinstance(module, nn.Linear) and module.bias is not None:
                module.bias.zero_()
            if isinstance(module, RMSNorm):
                module.weight.fill_(1.0)

    @property
    def output_weight(self) -> torch.Tensor:
        """(V, C) the output head: `lm_head.weight`, or the token table when tied."""
        return self.embed_tokens.weight if self.config.tied else self.lm_head.weight

    def forward(
        self,
        ids: torch.Tensor,
        capture_attention: bool | Collection[int] = False,
        cache: KeyValueCache | None = None,
        last_layer: int | None = None,
        logits: str = "all",
        trace: bool = False,
        after_block: AfterBlock | None = None,
    ) -> ModelOutput:
        """ids: (B, T) token ids, T <= config.context -> `ModelOutput` with float32 (B, T, V) logits
        and (B, T, C) hidden states.

        The arguments are those of `GPT.forward`: layers to capture ((B, H, T, T) float32 weights,
        scores q·k/√D before the mask, rotated queries and keys), a key/value cache of the positions
        before `ids` (they are rotated as positions `cache.length` on), a layer to stop after, and
        which logits to compute ("all", "last", "none"), whether to record the residual stream,
        and what to call after each block.
        """
        length = ids.shape[1]
        positions = new_positions(
            cache, length, self.config.context, last_layer, ids.device
        )  # after the cached
        wanted = set(range(len(self.layers))) if capture_attention is True else set(capture_attention or ())
        x = self.embed_tokens(ids)  # (B, T) -> (B, T, C)
        cos, sin = self.rotary(positions, x.dtype)  # 2 × (T, D)
        recorded = Trace(trace and last_layer is None, x)
        captured = []
        for index, block in enumerate(self.layers[: None if last_layer is None else last_layer + 1]):
            x, layer_captured = block(x, cos, sin, index in wanted, cache, index, recorded)
            captured.append(layer_captured)
            if after_block is not None:
                after_block(index, layer_captured)
        if cache is not None:
            cache.advance(length)
        if last_layer is not None:
            return ModelOutput(logits=None, **collect(captured))
        x = self.norm(x)
        # (B, T, C) @ (C, V) -> (B, T, V), in the model's dtype
        head = x[:, -1:] if logits == "last" else x
        scores = F.linear(head, self.output_weight).float() if logits != "none" else None
        return ModelOutput(logits=scores, hidden=x.float(), **collect(captured), **recorded.fields())

    def num_parameters(self) -> int:
        """Number of parameters, a tied output head counted once (Llama 3.2 1B: 1.24B)."""
        return sum(parameter.numel() for parameter in self.parameters())

    def describe(self) -> str:
        """A short name for status lines: "llama 16L·2048d · 1.2B"."""
        config = self.config
        return f"{config.family} {config.layers}L·{config.dim}d · {_human_count(self.num_parameters())}"
