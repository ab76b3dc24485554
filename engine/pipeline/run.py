"""text -> tokens -> embeddings + positions -> causal self-attention (-> next token), as one pure
function.

`run(text, settings)` is what the app, the CLI, the benchmarks and the tests call. It computes
on the chosen device and converts to numpy once at the end, so callers never touch torch.
Without a model the weights are random (seeded) and there is one attention layer; with
`settings.weights` a GPT-2 or an open model (`engine.pipeline.run_open`) runs, and the result
also says what comes next.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import torch

from engine.errors import Hint, SettingsError
from engine.nn.attention import causal_mask, mask_array
from engine.nn.cpu_share import cpu_threads
from engine.nn.device import DeviceInfo, format_bytes, free_memory, pick_device
from engine.nn.embeddings import embed_tokens
from engine.note import note
from engine.pipeline.caches import OpenModel, open_model, random_weights, sinusoidal_rows
from engine.pipeline.prefix import PrefixCache, Rows, model_forward
from engine.pipeline.results import Attention, Embedded, ModelInfo, NextToken, PipelineResult
from engine.pipeline.run_open import run_model_pass, run_open_model
from engine.pipeline.stream import head_vectors
from engine.settings import Settings
from engine.tokenize.registry import tokenizer_for
from engine.tokenize.streaming import TextNotes
from engine.tokenize.tokens import TokenizedText

# early(result): the shown layer's result of a run whose deeper layers are still running.
Early = Callable[[PipelineResult], None]


def _numpy(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().to("cpu", torch.float32).numpy()


def tokenize(text: str, settings: Settings) -> TokenizedText:
    """Just the tokenizer step, for callers that need no vectors (the `tokenize` command).

    Its notes add what the user should know about the text itself: that it is empty, only
    whitespace a tokenizer dropped, or holds control characters.
    """
    tokens = tokenizer_for(settings).tokenize(text)
    gathered = TextNotes()
    gathered.add(text, tokens)
    notes = gathered.notes()
    return tokens if notes == tokens.notes else replace(tokens, notes=notes)


# Settings whose random weights and attention maps need less than this are never checked, so a
# keystroke does not pay for asking the system how much memory is free.
_MEMORY_CHECK_ABOVE = 256 * 1024 * 1024


def _check_random_weights_fit(vocab_size: int, settings: Settings, n_used: int, device: str) -> None:
    """Refuse sizes whose tables and attention maps (float32) cannot fit in the memory free now.

    Counted: the token table, the two position tables (the sinusoidal one is built in float64,
    with temporaries: about ten floats per cell at its peak), the four attention projections, and
    a few (H, T, T) maps (scores, weights and their numpy copies).
    """
    dim, heads = settings.dim, settings.heads
    floats = vocab_size * dim + 10 * settings.context * dim + 4 * dim * dim + 6 * heads * n_used**2
    needed = 4 * floats
    if needed < _MEMORY_CHECK_ABOVE:
        return
    for place in dict.fromkeys((device, "cpu")):
        free = free_memory(place)
        if free is not None and needed > free:
            raise SettingsError(
                note(
                    "an embedding size of {dim} and a context of {context} need about {size} (a {vocab} × "
                    "{dim} token table, {context} positions, {heads} attention map(s) of {tokens} × "
                    "{tokens} tokens) but {place} has {free} free",
                    dim=f"{dim:,}",
                    context=f"{settings.context:,}",
                    size=format_bytes(needed),
                    vocab=f"{vocab_size:,}",
                    heads=heads,
                    tokens=f"{n_used:,}",
                    place=place,
                    free=format_bytes(free),
                ),
                (Hint(setting="dim", lower=True), Hint(setting="context", lower=True)),
            )


def _truncation_note(n_used: int, n_tokens: int, context: int, model: bool = False) -> list[str]:
    if n_used < n_tokens:
        # What comes next is read as generation reads it (`engine.pipeline.tail`).
        counts = {"shown": f"{n_used:,}", "total": f"{n_tokens:,}", "context": f"{context:,}"}
        return [
            note(
                "showing the first {shown} of {total} tokens (the context is {context}); a and A continue "
                "from the last {context}"
                if model
                else "showing the first {shown} of {total} tokens (the context is {context})",
                **counts,
            )
        ]
    return []


@torch.no_grad()
def run(
    text: str,
    settings: Settings,
    device: DeviceInfo | None = None,
    cache: PrefixCache | None = None,
    early: Early | None = None,
) -> PipelineResult:
    """Tokenize `text`, embed its first `context` tokens, and attend over them.

    Args:
        text: the user's text.
        settings: see `Settings`.
        device: an already-resolved device; resolved from settings.device when None.
        cache: what the previous run through this cache computed: only the positions from the
            first changed token on are computed again (`engine.pipeline.prefix`); the numbers are
            those of a run without it. None: compute everything.
        early: with a model, called from inside the run with a result whose shown layer is done
            while the layers after it still run (`deeper_pending`: no predictions, no residual
            stream), so that what shows that layer can be drawn before the rest of the network ends.
            Not called when the shown layer is the last, or when nothing needs computing.
    """
    settings.validate()
    device = device or pick_device(settings.device)
    cache = cache if cache is not None else PrefixCache()
    if settings.example:
        from engine.pipeline.run_example import run_example

        return run_example(text, settings)
    if settings.weights:
        # The early result says what the complete one says, notes included.
        shown = None if early is None else lambda result: early(_with_chat_note(result, settings))
        result = _run_model(text, settings, device, cache, shown)
    else:
        # Random weights mean matrices of a few thousand numbers, too small to share out: with two
        # threads on a machine busy with anything else, each op waited for a descheduled thread,
        # and a 1 ms run took 20-100 ms (2 cores; one thread: 1.2 ms either way). Models keep
        # every thread: their forward pass is large enough to gain from them.
        with cpu_threads(1):
            result = _run_random(text, settings, device, cache)
    return _with_chat_note(result, settings)


def _with_chat_note(result: PipelineResult, settings: Settings) -> PipelineResult:
    """`result`, saying so when the chat template was asked for but the model has none."""
    if settings.chat and (result.model is None or result.model.kind in ("gpt2", "tiny")):
        said = note("chat templates come with open models (--weights ORG/NAME); the text is used as it is")
        return replace(result, notes=(*result.notes, said))
    return result


def _run_random(text: str, settings: Settings, device: DeviceInfo, cache: PrefixCache) -> PipelineResult:
    """The steps with seeded random weights of the chosen size (one attention layer)."""
    tokens = tokenize(text, settings)
    n_used = min(len(tokens), settings.context)
    _check_random_weights_fit(tokens.vocab_size, settings, n_used, device.name)
    weights = random_weights(
        tokens.vocab_size, settings.dim, settings.heads, settings.context, settings.seed, device.name
    )
    ids = torch.from_numpy(tokens.ids[:n_used]).to(device.name)[None, :]  # (1, T)
    token_vectors = embed_tokens(ids, weights.token_table)  # (1, T, dim)
    learned = weights.learned_positions[:n_used][None]  # (1, T, dim)
    sinusoidal = weights.sinusoidal_positions[:n_used][None]
    positions = learned if settings.positions == "learned" else sinusoidal
    inputs = token_vectors + positions
    divisor = math.sqrt(settings.dim // settings.heads) if settings.scaled else 1.0

    def forward(part: np.ndarray, keys_values, _last_layer, _shown=None) -> Rows:
        # One layer: there are no deeper layers to run after it, so `_shown` is never called.
        start = keys_values.length
        attention = weights.attention(
            inputs[:, start : start + len(part)], settings.causal, settings.scaled, keys_values
        )
        return Rows(
            start=start,
            scores=attention.scores[0],
            weights=attention.weights[0],
            queries=attention.queries[0],
            keys=attention.keys[0],
            values=attention.values[0],
            divisor=divisor,
            context=attention.context[0],
            output=attention.output[0],
        )

    if not settings.causal:
        cache = PrefixCache()  # without the mask every query sees the new keys: nothing can be kept
    key = ("random", weights, settings.positions, settings.scaled, device.name)
    joined = cache.run(key, tokens.ids[:n_used], 0, 1, forward)
    mask = mask_array(n_used, settings.causal)
    return PipelineResult(
        settings=settings,
        tokens=tokens,
        n_used=n_used,
        embedded=Embedded(
            token_vectors=_numpy(token_vectors[0]),
            learned_positions=_numpy(learned[0]),
            sinusoidal_positions=_numpy(sinusoidal[0]),
            input_vectors=_numpy(inputs[0]),
            positions=settings.positions,
            token_table=weights.token_table_numpy,
        ),
        attention=Attention(
            scores=joined.scores,
            mask=mask,
            weights=joined.weights,
            context=joined.context,
            output=joined.output,
            causal=settings.causal,
            scaled=settings.scaled,
            vectors=head_vectors(joined),
        ),
        device=device.description,
        notes=tuple(tokens.notes) + tuple(_truncation_note(n_used, len(tokens), settings.context)),
        tokenizer=tokenizer_for(settings),
    )


def _run_model(
    text: str, settings: Settings, device: DeviceInfo, cache: PrefixCache, early: Early | None
) -> PipelineResult:
    """The same steps through a loaded GPT: its tokenizer, tables and attention, plus predictions;
    an open family (Llama, Qwen, Mistral) runs through `engine.pipeline.run_open`."""
    model = open_model(settings.weights, device.name)
    if isinstance(model, OpenModel):
        return run_open_model(text, settings, device, model, cache, early)
    loaded = model.loaded
    config = loaded.config
    notes: list[str] = []
    if settings.encoding != loaded.encoding:
        notes.append(
            note(
                "the model reads {encoding} tokens, so the text is tokenized with it",
                encoding=loaded.encoding,
            )
        )
    if not (settings.causal and settings.scaled):
        notes.append(
            note(
                "a trained GPT always masks the future and scales by √d; the switches apply to random weights"
            )
        )
    if not 0 <= settings.layer < config.layers:
        raise SettingsError(
            note(
                "layer {layer}: the model has layers 0 to {last}",
                layer=settings.layer,
                last=config.layers - 1,
            )
        )
    # A trained model fixes everything the random path lets the user choose.
    settings = replace(
        settings,
        encoding=loaded.encoding,
        dim=config.dim,
        heads=config.heads,
        context=config.context,
        causal=True,
        scaled=True,
        positions="learned",
    )
    tokens = tokenize(text, settings)
    n_used = min(len(tokens), config.context)
    model_ids = loaded.to_model_ids(tokens.ids[:n_used])
    layer = settings.layer
    forward = model_forward(loaded.model, device.name, layer, config.dim // config.heads)
    token_vectors = model.token_table[model_ids]
    positions = model.position_table[:n_used]
    embedded = Embedded(
        token_vectors=token_vectors,
        learned_positions=positions,
        sinusoidal_positions=sinusoidal_rows(n_used, config.dim),
        input_vectors=token_vectors + positions,
        positions="learned",
        token_table=model.token_table,
        table_ids=model.table_ids,
    )
    info = ModelInfo(
        name=loaded.name,
        source=loaded.source,
        kind=loaded.kind,
        steps=loaded.steps,
        layers=config.layers,
        heads=config.heads,
        dim=config.dim,
        context=config.context,
    )

    return run_model_pass(
        cache,
        ("gpt2", loaded.model, device.name),
        model_ids,
        forward,
        early,
        layer=layer,
        layers=config.layers,
        mask=causal_mask(n_used),
        norm=loaded.model.final_norm,
        predict=lambda hidden: NextToken(
            hidden=hidden, head=model.token_table, table_ids=model.table_ids, suppressed=loaded.suppressed_ids
        ),
        settings=settings,
        tokens=tokens,
        n_used=n_used,
        embedded=embedded,
        device=device.description,
        notes=tuple(tokens.notes)
        + tuple(notes)
        + tuple(_truncation_note(n_used, len(tokens), config.context, model=True)),
        model=info,
        tokenizer=tokenizer_for(settings),
    )
