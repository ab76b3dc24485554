"""One pipeline run through an open decoder model (Llama, Qwen2, Qwen3, Mistral).

The same steps as GPT-2's (`engine.pipeline.run`), with what differs said plainly: the text is
tokenized with the model's own `tokenizer.json` (special tokens its post-processor adds, such as
Llama 3's `<|begin_of_text|>`, included); no position vector is added to the token vectors, since
rotary positions act inside attention by rotating queries and keys; a sliding window (Mistral)
hides keys too far back as well as the future; and the output head may differ from the input table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import torch

from engine.errors import SettingsError
from engine.nn.decoder_config import DecoderConfig
from engine.nn.device import DeviceInfo
from engine.nn.gqa import blocked_mask
from engine.nn.rope import inverse_frequencies
from engine.note import note
from engine.pipeline.caches import OpenModel, sinusoidal_rows
from engine.pipeline.prefix import Forward, Joined, PrefixCache, model_forward
from engine.pipeline.results import Attention, Embedded, ModelInfo, NextToken, PipelineResult, RopeInfo
from engine.pipeline.stream import head_vectors, residual_stream
from engine.settings import Settings
from engine.tokenize.registry import tokenizer_from_folder
from engine.tokenize.streaming import TextNotes
from engine.tokenize.tokens import TokenizedText


def _numpy(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().to("cpu", torch.float32).numpy()


def rope_info(config: DecoderConfig) -> RopeInfo:
    """The model's rotary settings and inverse frequencies, with and without the llama3 scaling."""
    rope = config.rope
    return RopeInfo(
        kind=rope.kind,
        theta=rope.theta,
        factor=rope.factor,
        low_freq_factor=rope.low_freq_factor,
        high_freq_factor=rope.high_freq_factor,
        original_context=rope.original_context,
        head_dim=config.head_dim,
        inv_freq=inverse_frequencies(config.head_dim, rope).numpy(),
        unscaled_inv_freq=inverse_frequencies(config.head_dim, replace(rope, kind="default")).numpy(),
    )


def joined_attention(joined: Joined, layer: int, layers: int, mask: torch.Tensor) -> Attention:
    """Layer `layer`'s attention, as a trained model computed it (causal, scaled by √d), as numpy."""
    return Attention(
        scores=joined.scores,
        mask=mask.numpy(),
        weights=joined.weights,
        context=None,
        output=None,
        causal=True,
        scaled=True,
        layer=layer,
        layers=layers,
        vectors=head_vectors(joined),
    )


def run_model_pass(
    cache: PrefixCache,
    key: object,
    ids: np.ndarray,
    forward: Forward,
    early: Callable[[PipelineResult], None] | None,
    *,
    layer: int,
    layers: int,
    mask: torch.Tensor,
    norm: torch.nn.Module,
    predict: Callable[[np.ndarray], NextToken],
    **fields: Any,
) -> PipelineResult:
    """Any model family's pass over `ids` through `cache`, as a result: `fields` (the settings,
    tokens, embeddings, notes, model, …, made once) as they are, layer `layer`'s attention under
    `mask`, the predictions `predict(hidden)` and the residual stream read through `norm`. `early`
    gets the result whose deeper layers are still running (`deeper_pending`), when there is one."""

    def result_of(joined: Joined) -> PipelineResult:
        return PipelineResult(
            **fields,
            attention=joined_attention(joined, layer, layers, mask),
            next_token=None if joined.hidden is None else predict(joined.hidden),
            stream=residual_stream(joined, norm),
            deeper_pending=joined.hidden is None,
        )

    shown = None if early is None else lambda joined: early(result_of(joined))
    return result_of(cache.run(key, ids, layer, layers, forward, shown))


def open_tokenizer(settings: Settings, model: OpenModel):
    """The model's own tokenizer (its folder's tokenizer.json), with the special-token switch."""
    return tokenizer_from_folder(model.folder, settings.allow_special, chat=settings.chat, name=model.name)


def tokenize_open(text: str, settings: Settings, model: OpenModel) -> TokenizedText:
    """The text in the model's own tokens, with the notes about the text itself."""
    tokens = open_tokenizer(settings, model).tokenize(text)
    gathered = TextNotes()
    gathered.add(text, tokens)
    notes = gathered.notes()
    return tokens if notes == tokens.notes else replace(tokens, notes=notes)


def run_open_model(
    text: str,
    settings: Settings,
    device: DeviceInfo,
    model: OpenModel,
    cache: PrefixCache,
    early: Callable[[PipelineResult], None] | None = None,
) -> PipelineResult:
    """Tokenize with the model's tokenizer, run the model over the first `settings.context` tokens
    (it could read far more, but every attention map shown is T × T), and keep layer
    `settings.layer`'s attention and every position's next-token prediction; `cache` holds what
    the previous run computed (`engine.pipeline.prefix`); `early` as in `engine.pipeline.run.run`."""
    loaded = model.loaded
    config = loaded.config
    if not 0 <= settings.layer < config.layers:
        raise SettingsError(
            note(
                "layer {layer}: the model has layers 0 to {last}",
                layer=settings.layer,
                last=config.layers - 1,
            )
        )
    notes: list[str] = []
    if not (settings.causal and settings.scaled):
        notes.append(
            note(
                "a trained model always masks the future and scales by √d; "
                "the switches apply to random weights"
            )
        )
    tokens = tokenize_open(text, settings, model)
    context = min(config.context, settings.context)
    n_used = min(len(tokens), context)
    if n_used < len(tokens):
        counts = {"shown": f"{n_used:,}", "total": f"{len(tokens):,}", "context": f"{context:,}"}
        if len(tokens) <= config.context:
            said = note(
                "showing the first {shown} of {total} tokens (the context shown is {context}); "
                "a and A continue from all of them",
                **counts,
            )
        else:
            said = note(
                "showing the first {shown} of {total} tokens (the context shown is {context}); "
                "a and A continue from the last {reads}",
                reads=f"{config.context:,}",
                **counts,
            )
        notes.append(said)
    settings = replace(
        settings,
        encoding=tokens.encoding,
        dim=config.dim,
        heads=config.heads,
        causal=True,
        scaled=True,
        positions="rotary",
    )
    ids = tokens.ids[:n_used]
    layer = settings.layer
    forward = model_forward(loaded.model, device.name, layer, config.head_dim)
    token_vectors = loaded.token_table[ids]
    embedded = Embedded(
        token_vectors=token_vectors,
        learned_positions=np.zeros_like(token_vectors),  # a rotary model learns no position table
        sinusoidal_positions=sinusoidal_rows(n_used, config.dim),
        input_vectors=token_vectors,  # nothing is added: positions act inside attention
        positions="rotary",
        token_table=loaded.token_table,
    )
    info = ModelInfo(
        name=model.name,
        source=f"{model.name} · {loaded.name}",
        kind=loaded.family,
        steps=None,
        layers=config.layers,
        heads=config.heads,
        dim=config.dim,
        context=config.context,
        kv_heads=config.kv_heads,
        dtype=str(loaded.dtype).removeprefix("torch."),
        rope=rope_info(config),
    )
    return run_model_pass(
        cache,
        ("open", loaded.model, device.name),
        ids,
        forward,
        early,
        layer=layer,
        layers=config.layers,
        mask=blocked_mask(n_used, config.window(layer)),
        norm=loaded.model.norm,
        predict=lambda hidden: NextToken(hidden=hidden, head=loaded.output_table),
        settings=settings,
        tokens=tokens,
        n_used=n_used,
        embedded=embedded,
        device=device.description,
        notes=tuple(tokens.notes)
        + tuple(notes)
        + ((loaded.precision_note,) if loaded.precision_note else ()),
        model=info,
        tokenizer=open_tokenizer(settings, model),
    )
