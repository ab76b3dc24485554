"""The GPT-2 architecture: embeddings, a stack of pre-LayerNorm transformer blocks, a tied output head.

One small module per idea (`CausalSelfAttention`, `MLP`, `Block`, `GPT`). Attention runs through
PyTorch's fused `scaled_dot_product_attention` unless the caller asks to see the attention weights;
then it goes through `engine.nn.attention.attend`, the same explicit code the attention pane shows, so
the weights on screen are the ones the model used.

Shapes use B batch, T tokens, C model width (`dim`), H heads, D head size (C / H), V vocabulary.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from engine.nn.attention import attend, causal_mask
from engine.nn.embeddings import seeded_generator
from engine.nn.kv_cache import KeyValueCache, new_positions


@dataclass(frozen=True)
class GPTConfig:
    """Sizes and switches of a GPT; the defaults are GPT-2 small (124M)."""

    vocab_size: int = 50257  # GPT-2's BPE: 50,000 merges + 256 byte tokens + <|endoftext|>
    context: int = 1024  # most positions the model can see at once (rows of the position table)
    dim: int = 768  # width of every token vector in the residual stream
    layers: int = 12  # transformer blocks stacked one after another
    heads: int = 12  # attention heads per block; dim must be a multiple of it
    dropout: float = 0.0  # dropout while training (GPT-2 trained with 0.1; 0 means none)
    qkv_bias: bool = True  # GPT-2 has a bias on the query/key/value projection (the book's model does not)
    layer_norm_eps: float = 1e-5  # added to the variance in LayerNorm to avoid dividing by zero

    def validate(self) -> None:
        """Raise ValueError for sizes no model can be built with."""
        sizes = {"vocab_size": self.vocab_size, "context": self.context, "dim": self.dim, "heads": self.heads}
        for name, value in sizes.items():
            if value < 1:
                raise ValueError(f"{name} must be at least 1, not {value}")
        if self.layers < 0:
            raise ValueError(f"layers must not be negative, not {self.layers}")
        if self.dim % self.heads:
            raise ValueError(f"dim ({self.dim}) must be a multiple of heads ({self.heads})")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), not {self.dropout}")


# The four published GPT-2 sizes, by (layers, dim, heads), for `GPT.describe`.
_GPT2_SIZES = {
    (12, 768, 12): "gpt2",
    (24, 1024, 16): "gpt2-medium",
    (36, 1280, 20): "gpt2-large",
    (48, 1600, 25): "gpt2-xl",
}


@dataclass(frozen=True)
class ModelOutput:
    """What one forward pass returns.

    Attributes:
        logits: (B, T, V) unnormalised scores for the token after each position; None when the
            caller asked for none (the pipeline keeps `hidden` and computes one position's on demand).
        attentions: one (B, H, T, T) tensor of attention weights per layer when the forward pass was
            asked to capture them, else None (a layer that was not captured is None in the list).
            Row i of a head is how much query i attends to each key; cells above the diagonal (the
            future) are exactly 0.
        scores: the captured layers' (B, H, T, T) scores q·k/√D before the mask and softmax,
            like `attentions`.
        hidden: (B, T, C) the final LayerNorm's output; logits = hidden @ token_embeddingᵀ. None
            when the pass stopped after a given layer.
        queries, keys, values: the captured layers' (B, H, T, D) queries, keys and values as
            attention used them (rotated in a rotary model; each key/value head repeated for its
            query heads).
        residuals: with `trace`, (B, L + 1, T, C) float32 residual stream: after the embeddings,
            then after each block (before the final norm).
        added: with `trace`, (B, L, T, 2) float32 norms of what each block's attention and MLP
            add to the residual stream.

    With a key/value cache of P positions, T counts the new positions: the captured maps are
    (B, H, T, P + T) and the keys (B, H, P + T, D).
    """

    logits: torch.Tensor | None
    attentions: list[torch.Tensor | None] | None = None
    scores: list[torch.Tensor | None] | None = None
    hidden: torch.Tensor | None = None
    queries: list[torch.Tensor | None] | None = None
    keys: list[torch.Tensor | None] | None = None
    values: list[torch.Tensor | None] | None = None
    residuals: torch.Tensor | None = None
    added: torch.Tensor | None = None


# What a layer asked to show its attention hands back: scores, weights, queries, keys, values.
Captured = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]
_CAPTURED = ("scores", "attentions", "queries", "keys", "values")
# after_block(index, captured): block `index` of a forward pass is done (its capture, or None).
AfterBlock = Callable[[int, Captured | None], None]


def _host(tensor: torch.Tensor) -> torch.Tensor:
    """`tensor` in float32 on the CPU (itself when it already is: the pass never writes in place)."""
    return tensor.detach().to("cpu", torch.float32)


class Trace:
    """The residual stream a forward pass records with `trace=True`: the stream after the
    embeddings and after each block, and the norms of what each sublayer adds to it."""

    def __init__(self, enabled: bool, x: torch.Tensor) -> None:
        self.enabled = enabled
        # Kept on the CPU in float32 as the pass goes: (L + 1) × T × C would otherwise sit on the
        # GPU (twice, with the stack) on top of the model.
        self.stream: list[torch.Tensor] = [_host(x)] if enabled else []
        self.added: list[torch.Tensor] = []

    def block(self, attended: torch.Tensor, update: torch.Tensor, x: torch.Tensor) -> None:
        """One block added `attended` then `update`, giving `x`."""
        if self.enabled:
            norms = (attended.float().norm(dim=-1), update.float().norm(dim=-1))
            self.added.append(_host(torch.stack(norms, dim=-1)))  # (B, T, 2)
            self.stream.append(_host(x))

    def fields(self) -> dict[str, torch.Tensor | None]:
        """`ModelOutput`'s `residuals` and `added`."""
        if not self.enabled:
            return {"residuals": None, "added": None}
        return {"residuals": torch.stack(self.stream, dim=1), "added": torch.stack(self.added, dim=1)}


def collect(captured: list[Captured | None]) -> dict[str, list[torch.Tensor | None] | None]:
    """`ModelOutput` fields from each layer's capture (None lists when no layer captured)."""
    if not any(item is not None for item in captured):
        return dict.fromkeys(_CAPTURED)
    return {
        name: [item[index] if item is not None else None for item in captured]
        for index, name in enumerate(_CAPTURED)
    }


def cached_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, dropout: float = 0.0) -> torch.Tensor:
    """Causal softmax(q·kᵀ/√D) @ v through the fused kernel, for (B, H, T, D) queries of the last T
    of (B, H, P + T, D) keys: its `is_causal` aligns the mask to the first key, which is right only
    without cached positions, so after a cache the mask is spelled out (one new query sees them all)."""
    length, offset = q.shape[2], k.shape[2] - q.shape[2]
    if offset == 0:
        return F.scaled_dot_product_attention(q, k, v, dropout_p=dropout, is_causal=True)
    if length == 1:
        return F.scaled_dot_product_attention(q, k, v, dropout_p=dropout)
    allowed = ~causal_mask(length, q.device, offset)  # SDPA's boolean mask: True takes part
    return F.scaled_dot_product_attention(q, k, v, attn_mask=allowed, dropout_p=dropout)


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention where each position sees only itself and earlier positions."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.heads = config.heads
        self.dropout = config.dropout
        # Queries, keys and values of all heads in one matrix multiplication: C -> 3C.
        self.qkv = nn.Linear(config.dim, 3 * config.dim, bias=config.qkv_bias)
        self.proj = nn.Linear(config.dim, config.dim)  # mixes the heads back into the residual stream
        self.residual_dropout = nn.Dropout(config.dropout)

    def forward(
        self, x: torch.Tensor, capture: bool = False, cache: KeyValueCache | None = None, layer: int = 0
    ) -> tuple[torch.Tensor, Captured | None]:
        """x: (B, T, C) -> ((B, T, C) output, (scores, weights, queries, keys, values) when `capture`).

        With `cache`, x holds the positions after the cached ones; this is layer `layer` of it."""
        batch, length, width = x.shape
        head_dim = width // self.heads
        q, k, v = self.qkv(x).split(width, dim=2)  # (B, T, 3C) -> 3 × (B, T, C)
        # (B, T, C) -> (B, T, H, D) -> (B, H, T, D)
        q = q.view(batch, length, self.heads, head_dim).transpose(1, 2)
        k = k.view(batch, length, self.heads, head_dim).transpose(1, 2)
        v = v.view(batch, length, self.heads, head_dim).transpose(1, 2)
        if cache is not None:
            k, v = cache.extend(layer, k, v)  # (B, H, P+T, D)
        dropout = self.dropout if self.training else 0.0
        if capture:
            scores, _, weights, context = attend(q, k, v, causal=True, scaled=True, dropout=dropout)
            captured = (scores, weights, q, k, v)
        else:
            # Fused kernel: the same softmax(q·kᵀ/√D + causal mask) @ v, without materialising the weights.
            captured = None
            context = cached_attention(q, k, v, dropout)
        # (B, H, T, D) -> (B, T, H, D) -> (B, T, C)
        merged = context.transpose(1, 2).contiguous().view(batch, length, width)
        return self.residual_dropout(self.proj(merged)), captured


class MLP(nn.Module):
    """Position-wise feed-forward network: widen to 4C, GELU, narrow back to C."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.fc = nn.Linear(config.dim, 4 * config.dim)
        self.gelu = nn.GELU(approximate="tanh")  # GPT-2's "gelu_new"
        self.proj = nn.Linear(4 * config.dim, config.dim)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, C) -> (B, T, C)."""
        return self.dropout(self.proj(self.gelu(self.fc(x))))


class Block(nn.Module):
    """One transformer block: x + attention(norm(x)), then x + mlp(norm(x)) (pre-LayerNorm, as GPT-2)."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(config.dim, eps=config.layer_norm_eps)
        self.attention = CausalSelfAttention(config)
        self.norm2 = nn.LayerNorm(config.dim, eps=config.layer_norm_eps)
        self.mlp = MLP(config)

    def forward(
        self,
        x: torch.Tensor,
        capture: bool = False,
        cache: KeyValueCache | None = None,
        layer: int = 0,
        trace: Trace | None = None,
    ) -> tuple[torch.Tensor, Captured | None]:
        """(B, T, C) -> ((B, T, C), what attention captured or None); `trace` records the block."""
        attended, captured = self.attention(self.norm1(x), capture, cache, layer)
        x = x + attended
        update = self.mlp(self.norm2(x))
        x = x + update
        if trace is not None:
            trace.block(attended, update, x)
        return x, captured


class GPT(nn.Module):
    """A GPT-2 language model.

    The output head is the token embedding table itself (weight tying, as GPT-2 does): logits are
    the dot products of the final vectors with every row of `token_embedding.weight`.

    Args:
        config: sizes and switches, see `GPTConfig`.
        seed: parameters are drawn from a `torch.Generator` with this seed on the CPU, then moved,
            so the same seed gives the same model on every device and the global RNG is untouched.
        device: where the parameters live. "meta" builds the structure without allocating memory or
            drawing numbers (for counting parameters, or before loading weights into it).
    """

    def __init__(self, config: GPTConfig, seed: int = 0, device: torch.device | str = "cpu") -> None:
        super().__init__()
        config.validate()
        self.config = config
        # Build on the meta device first: nn.Linear and friends would otherwise draw their default
        # initialisation from the global RNG, only for `_init_weights` to overwrite it.
        with torch.device("meta"):
            self.token_embedding = nn.Embedding(config.vocab_size, config.dim)
            self.position_embedding = nn.Embedding(config.context, config.dim)
            self.dropout = nn.Dropout(config.dropout)
            self.blocks = nn.ModuleList(Block(config) for _ in range(config.layers))
            self.final_norm = nn.LayerNorm(config.dim, eps=config.layer_norm_eps)
        if torch.device(device).type != "meta":
            self.to_empty(device="cpu")
            self._init_weights(seed)
            self.to(device)

    @torch.no_grad()
    def _init_weights(self, seed: int) -> None:
        """GPT-2's initialisation: N(0, 0.02) weights, zero biases, LayerNorm as identity, and the two
        projections that write into the residual stream scaled down by 1/√(2·layers), so the stream's
        variance does not grow with depth (each block adds to it twice)."""
        generator = seeded_generator(seed)
        residual_std = 0.02 / math.sqrt(2 * max(self.config.layers, 1))
        for name, module in self.named_modules():
            if isinstance(module, nn.Linear | nn.Embedding):
                std = residual_std if name.endswith(("attention.proj", "mlp.proj")) else 0.02
                module.weight.normal_(0.0, std, generator=generator)
            if isinstance(module, nn.Linear) and module.bias is not None:
                module.bias.zero_()
            if isinstance(module, nn.LayerNorm):
                module.weight.fill_(1.0)
                module.bias.zero_()

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
        """ids: (B, T) token ids with T <= config.context -> `ModelOutput` with (B, T, V) logits.

        Args:
            capture_attention: True for every layer or a collection of layer indices: those layers'
                (B, H, T, T) weights, scores, queries and keys come back too (slower, and T×T per
                head in memory: the explicit path builds the matrices the fused kernel avoids, so
                capture only what is shown).
            cache: keys and values of the positions before `ids` (`KeyValueCache.length` of them);
                `ids` are read at the positions after them, and their keys and values join it.
            last_layer: stop after this block (no final norm, no logits): enough to capture it.
            logits: "all" positions' (B, T, V) logits, only the "last" position's (B, 1, V) (what
                generation needs), or "none" (`hidden` is kept; the pipeline asks for one on demand).
            trace: record the residual stream (`ModelOutput.residuals`, `added`); not with `last_layer`.
            after_block: called with each block's index and capture as soon as the block is done,
                while the pass goes on (the app draws the shown layer before the deeper ones end).
        """
        length = ids.shape[1]
        positions = new_positions(cache, length, self.config.context, last_layer, ids.device)  # (T,)
        wanted = set(range(len(self.blocks))) if capture_attention is True else set(capture_attention or ())
        x = self.dropout(self.token_embedding(ids) + self.position_embedding(positions))  # (B, T, C)
        recorded = Trace(trace and last_layer is None, x)
        captured: list[Captured | None] = []
        for index, block in enumerate(self.blocks[: None if last_layer is None else last_layer + 1]):
            x, layer_captured = block(x, index in wanted, cache, index, recorded)
            captured.append(layer_captured)
            if after_block is not None:
                after_block(index, layer_captured)
        if cache is not None:
            cache.advance(length)
        if last_layer is not None:
            return ModelOutput(logits=None, **collect(captured))
        x = self.final_norm(x)
        # (B, T, C) @ (C, V) -> (B, T, V)
        head = x[:, -1:] if logits == "last" else x
        scores = F.linear(head, self.token_embedding.weight) if logits != "none" else None
        return ModelOutput(logits=scores, hidden=x, **collect(captured), **recorded.fields())

    def num_parameters(self, tied: bool = True) -> int:
        """Number of parameters. `tied=False` counts the output head as a separate (V, C) matrix, as
        in a model without weight tying (GPT-2 small: 124M tied, 163M untied with the book's config)."""
        count = sum(parameter.numel() for parameter in self.parameters())
        return count if tied else count + self.token_embedding.weight.numel()

    def describe(self, kind: str | None = None) -> str:
        """A short name for status lines: "gpt2 124M" for a published GPT-2 size, else e.g.
        "tiny 4L·128d · 0.9M" (`kind` names the family; "gpt" when not given)."""
        config = self.config
        size = _human_count(self.num_parameters())
        known = _GPT2_SIZES.get((config.layers, config.dim, config.heads))
        if known and config.vocab_size == 50257 and config.context == 1024 and kind in (None, "gpt2"):
            return f"{known} {size}"
        return f"{kind or 'gpt'} {config.layers}L·{config.dim}d · {size}"


def _human_count(count: int) -> str:
    """124_439_808 -> "124M", 1_557_611_200 -> "1.6B", 812_000 -> "0.8M", 5_000 -> "5.0K"."""
    for scale, smallest, suffix in ((1e9, 1e9, "B"), (1e6, 1e5, "M"), (1e3, 1e2, "K")):
        if count >= smallest:
            value = count / scale
            return f"{value:.0f}{suffix}" if value >= 10 else f"{value:.1f}{suffix}"
    return str(count)
