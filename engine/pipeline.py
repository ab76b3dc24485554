"""text -> tokens -> embeddings + positions -> causal self-attention (-> next token), as one pure
function.

`run(text, settings)` is what the app, the CLI, the benchmarks and the tests call. It computes
on the chosen device and converts to numpy once at the end, so callers never touch torch.
Without a model the weights are random (seeded) and there is one attention layer; with
`settings.weights` a GPT-2-architecture model runs and the result also says what comes next.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from engine.attention import MultiHeadAttention, causal_mask
from engine.device import DeviceInfo, format_bytes, free_memory, pick_device
from engine.embeddings import embed_tokens, normal_table
from engine.errors import SettingsError
from engine.positions import learned_positions, sinusoidal_positions
from engine.settings import Settings
from engine.streaming import TextNotes
from engine.tokenizers import tokenizer_for
from engine.tokens import TokenizedText


@dataclass(frozen=True)
class Embedded:
    """Vectors for the first `n_used` tokens (numpy, float32).

    Attributes:
        token_vectors: (T, dim) rows of the token table.
        learned_positions: (T, dim) rows of the learned position table.
        sinusoidal_positions: (T, dim) fixed encodings.
        input_vectors: (T, dim) token vectors + the position vectors named by `positions`.
        positions: "learned" or "sinusoidal".
        token_table: (rows, dim) the whole table, read-only (the one-hot lesson multiplies by it).
        table_ids: for a model with a compact vocabulary, the tokenizer id of each table row
            (the last row, -1, is <|unk|>); None when row i is token id i.
    """

    token_vectors: np.ndarray
    learned_positions: np.ndarray
    sinusoidal_positions: np.ndarray
    input_vectors: np.ndarray
    positions: str
    token_table: np.ndarray = field(repr=False)
    table_ids: np.ndarray | None = field(default=None, repr=False)

    def row_of(self, token_id: int) -> int | None:
        """The table row of tokenizer id `token_id`, or None if the table has no row for it."""
        if self.table_ids is None:
            return token_id if 0 <= token_id < self.token_table.shape[0] else None
        known = self.table_ids[:-1]
        index = int(np.searchsorted(known, token_id))
        return index if index < len(known) and known[index] == token_id else None


@dataclass(frozen=True)
class Attention:
    """One attention layer's numbers for the used tokens (numpy, float32; H heads, T tokens).

    Attributes:
        scores: (H, T, T) scaled (if `scaled`) dot products before masking.
        mask: (T, T) bool, True where a key is hidden from a query.
        weights: (H, T, T) softmax of the masked scores; rows sum to 1, masked cells are 0.
        context: (H, T, D) per-head weighted sums of value vectors (random weights only).
        output: (T, H*D) heads merged and projected (random weights only).
        causal, scaled: the switches the numbers were computed with.
        layer: which layer this is; layers: how many the model has.
    """

    scores: np.ndarray
    mask: np.ndarray
    weights: np.ndarray
    context: np.ndarray | None
    output: np.ndarray | None
    causal: bool
    scaled: bool
    layer: int = 0
    layers: int = 1

    @property
    def heads(self) -> int:
        return int(self.weights.shape[0])


@dataclass(frozen=True)
class ModelInfo:
    """The model a result came from.

    Attributes:
        name: e.g. "gpt2 124M" or "tiny 4L·128d · 0.8M".
        source: where it was loaded from, e.g. "gpt2 124M from /models/gpt2".
        kind: "gpt2" or "tiny"; steps: training steps of a tiny model.
        layers, heads, dim, context: its sizes.
    """

    name: str
    source: str
    kind: str
    steps: int | None
    layers: int
    heads: int
    dim: int
    context: int

    def status(self) -> str:
        """One line for the status bar."""
        if self.kind == "tiny" and self.steps is not None:
            return f"{self.name} trained {self.steps} steps"
        return self.source


@dataclass(frozen=True)
class NextToken:
    """What the model predicts after each used position, kept compact.

    Logits for one position are `hidden[p] @ head.T`: keeping the (T, C) hidden states and a view of
    the (V, C) output head costs far less than T×V logits, and any position can be asked for.

    Attributes:
        hidden: (T, C) the final LayerNorm's output.
        head: (V, C) the output head (the token table, tied), read-only.
        table_ids: tokenizer id of each output row for a compact vocabulary (-1 = <|unk|>), or None.
        suppressed: output rows never to sample (the <|unk|> row).
    """

    hidden: np.ndarray = field(repr=False)
    head: np.ndarray = field(repr=False)
    table_ids: np.ndarray | None = field(default=None, repr=False)
    suppressed: tuple[int, ...] = ()

    def logits_at(self, position: int) -> np.ndarray:
        """(V,) float32 logits for the token after `position`."""
        return self.head @ self.hidden[position]

    def token_id(self, row: int) -> int:
        """The tokenizer id of output row `row` (-1 for <|unk|>)."""
        return int(self.table_ids[row]) if self.table_ids is not None else row


@dataclass(frozen=True)
class PipelineResult:
    """Everything the panes show for one text.

    Attributes:
        settings: what it was computed with.
        tokens: the whole text's tokens.
        n_used: tokens embedded and attended (at most the context).
        embedded, attention: numbers for those tokens.
        device: the device it ran on, described in one line.
        notes: things the user should know (truncation, unknown words, ...).
        model: the loaded model, or None for random weights.
        next_token: predictions after each used position (models only).
    """

    settings: Settings
    tokens: TokenizedText
    n_used: int
    embedded: Embedded
    attention: Attention
    device: str
    notes: tuple[str, ...] = ()
    model: ModelInfo | None = None
    next_token: NextToken | None = None

    @property
    def truncated(self) -> bool:
        return self.n_used < len(self.tokens)


@dataclass(frozen=True)
class _Weights:
    token_table: torch.Tensor
    token_table_numpy: np.ndarray
    learned_positions: torch.Tensor
    sinusoidal_positions: torch.Tensor
    attention: MultiHeadAttention


# Drawing a 200k-row table takes longer than a keystroke allows, so the seeded weights are
# kept for the last few settings; they are a pure function of the key, so results do not change.
@lru_cache(maxsize=4)
def _weights(vocab_size: int, dim: int, heads: int, context: int, seed: int, device: str) -> _Weights:
    token_table = normal_table(vocab_size, dim, seed)
    table_numpy = token_table.numpy()
    table_numpy.flags.writeable = False
    attention = MultiHeadAttention(dim, dim, heads, seed=seed + 2).to(device).eval()
    return _Weights(
        token_table=token_table.to(device),
        token_table_numpy=table_numpy,
        learned_positions=learned_positions(context, dim, seed + 1).to(device),
        sinusoidal_positions=sinusoidal_positions(context, dim).to(device),
        attention=attention,
    )


def resolve_weights(spec: str) -> Path:
    """Where the weights named by `--weights` are: a path, "gpt2" (Hugging Face cache) or "tiny"."""
    from engine.errors import WeightsError
    from engine.locations import default_tiny_checkpoint, find_hf_cache_gpt2

    if spec == "gpt2":
        found = find_hf_cache_gpt2()
        if found is None:
            raise WeightsError(
                "--weights gpt2: no GPT-2 in the Hugging Face cache (looked for models--gpt2 and "
                "models--openai-community--gpt2 with model.safetensors); pass a folder or file instead"
            )
        return found
    if spec == "tiny":
        path = default_tiny_checkpoint()
        if not path.exists():
            raise WeightsError(f"--weights tiny: no trained model at {path}; run `llm-tui train` first")
        return path
    return Path(spec).expanduser()


@dataclass(frozen=True)
class _Model:
    loaded: object  # engine.weights.LoadedModel
    token_table: np.ndarray
    position_table: np.ndarray
    table_ids: np.ndarray | None


def _model(spec: str, device: str) -> _Model:
    path = resolve_weights(spec)
    try:
        modified = path.stat().st_mtime_ns
    except OSError:
        modified = 0  # let the loader report the missing file
    return _load_model(str(path), modified, device)


# Loading GPT-2 takes seconds; keep the last two models so a keystroke only runs the forward pass.
# The file's modification time is part of the key, so a retrained checkpoint is read again.
@lru_cache(maxsize=2)
def _load_model(path: str, modified: int, device: str) -> _Model:
    from engine.weights import load_weights

    loaded = load_weights(path, device)
    model = loaded.model
    tables = [model.token_embedding.weight, model.position_embedding.weight]
    token_table, position_table = (t.detach().to("cpu", torch.float32).numpy() for t in tables)
    for table in (token_table, position_table):
        table.flags.writeable = False
    table_ids = None
    if loaded.id_map is not None:
        table_ids = np.append(loaded.id_map.tokenizer_ids, -1)
    return _Model(loaded, token_table, position_table, table_ids)


def load_model(spec: str, device: str = "cpu"):
    """The `engine.weights.LoadedModel` named by `spec` (a path, "gpt2" or "tiny"), cached."""
    return _model(spec, device).loaded


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
                f"--dim {dim:,} and --context {settings.context:,} need about {format_bytes(needed)} "
                f"(a {vocab_size:,} × {dim:,} token table, {settings.context:,} positions, {heads} attention "
                f"map(s) of {n_used:,} × {n_used:,} tokens) but {place} has {format_bytes(free)} free; "
                "lower --dim or --context"
            )


def _truncation_note(n_used: int, n_tokens: int, context: int) -> list[str]:
    if n_used < n_tokens:
        return [f"showing the first {n_used:,} of {n_tokens:,} tokens (the context is {context:,})"]
    return []


@torch.no_grad()
def run(text: str, settings: Settings, device: DeviceInfo | None = None) -> PipelineResult:
    """Tokenize `text`, embed its first `context` tokens, and attend over them.

    Args:
        text: the user's text.
        settings: see `Settings`.
        device: an already-resolved device; resolved from settings.device when None.
    """
    settings.validate()
    device = device or pick_device(settings.device)
    if settings.weights:
        return _run_model(text, settings, device)
    with _one_cpu_thread():
        return _run_random(text, settings, device)


@contextmanager
def _one_cpu_thread() -> Iterator[None]:
    """Run torch's CPU ops on one thread for the duration.

    Random weights mean matrices of a few thousand numbers, too small to share out: with two
    threads on a machine that is busy with anything else, each op waited for a descheduled
    thread, and a 1 ms run took 20-100 ms (measured on 2 cores; one thread: 1.2 ms either way).
    Models keep every thread: their forward pass is large enough to gain from them.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _run_random(text: str, settings: Settings, device: DeviceInfo) -> PipelineResult:
    """The steps with seeded random weights of the chosen size."""
    tokens = tokenize(text, settings)
    n_used = min(len(tokens), settings.context)
    _check_random_weights_fit(tokens.vocab_size, settings, n_used, device.name)
    weights = _weights(
        tokens.vocab_size, settings.dim, settings.heads, settings.context, settings.seed, device.name
    )
    ids = torch.from_numpy(tokens.ids[:n_used]).to(device.name)[None, :]  # (1, T)
    token_vectors = embed_tokens(ids, weights.token_table)  # (1, T, dim)
    learned = weights.learned_positions[:n_used][None]  # (1, T, dim)
    sinusoidal = weights.sinusoidal_positions[:n_used][None]
    positions = learned if settings.positions == "learned" else sinusoidal
    inputs = token_vectors + positions
    attention = weights.attention(inputs, causal=settings.causal, scaled=settings.scaled)
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
            scores=_numpy(attention.scores[0]),
            mask=attention.mask.cpu().numpy(),
            weights=_numpy(attention.weights[0]),
            context=_numpy(attention.context[0]),
            output=_numpy(attention.output[0]),
            causal=settings.causal,
            scaled=settings.scaled,
        ),
        device=device.description,
        notes=tuple(tokens.notes) + tuple(_truncation_note(n_used, len(tokens), settings.context)),
    )


def _run_model(text: str, settings: Settings, device: DeviceInfo) -> PipelineResult:
    """The same steps through a loaded GPT: its tokenizer, tables and attention, plus predictions."""
    model = _model(settings.weights, device.name)
    loaded = model.loaded
    config = loaded.config
    notes: list[str] = []
    if settings.encoding != loaded.encoding:
        notes.append(f"the model reads {loaded.encoding} tokens, so the text is tokenized with it")
    if not (settings.causal and settings.scaled):
        notes.append(
            "a trained GPT always masks the future and scales by √d; the switches apply to random weights"
        )
    if not 0 <= settings.layer < config.layers:
        raise SettingsError(f"layer {settings.layer}: the model has layers 0 to {config.layers - 1}")
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
    output = loaded.model(
        torch.from_numpy(model_ids).to(device.name)[None], capture_attention={settings.layer}
    )
    token_vectors = model.token_table[model_ids]
    positions = model.position_table[:n_used]
    return PipelineResult(
        settings=settings,
        tokens=tokens,
        n_used=n_used,
        embedded=Embedded(
            token_vectors=token_vectors,
            learned_positions=positions,
            sinusoidal_positions=_numpy(sinusoidal_positions(n_used, config.dim)),
            input_vectors=token_vectors + positions,
            positions="learned",
            token_table=model.token_table,
            table_ids=model.table_ids,
        ),
        attention=Attention(
            scores=_numpy(output.scores[settings.layer][0]),
            mask=causal_mask(n_used).numpy(),
            weights=_numpy(output.attentions[settings.layer][0]),
            context=None,
            output=None,
            causal=True,
            scaled=True,
            layer=settings.layer,
            layers=config.layers,
        ),
        device=device.description,
        notes=tuple(tokens.notes)
        + tuple(notes)
        + tuple(_truncation_note(n_used, len(tokens), config.context)),
        model=ModelInfo(
            name=loaded.name,
            source=loaded.source,
            kind=loaded.kind,
            steps=loaded.steps,
            layers=config.layers,
            heads=config.heads,
            dim=config.dim,
            context=config.context,
        ),
        next_token=NextToken(
            hidden=_numpy(output.hidden[0]),
            head=model.token_table,
            table_ids=model.table_ids,
            suppressed=loaded.suppressed_ids,
        ),
    )
