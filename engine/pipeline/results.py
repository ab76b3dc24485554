"""What one pipeline run returns: plain dataclasses of numpy arrays, passed from `engine` to `tui`.

No torch here: the app reads results (and type-checks against them) without loading it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.note import note
from engine.pipeline.row_chunks import RowChunks
from engine.settings import Settings
from engine.tokenize.tokens import TokenizedText


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

    @property
    def added_positions(self) -> np.ndarray:
        """(T, dim) the position vectors added to the token vectors: learned, sinusoidal, or zeros
        for a rotary model, whose positions act inside attention instead."""
        if self.positions == "learned":
            return self.learned_positions
        if self.positions == "sinusoidal":
            return self.sinusoidal_positions
        return np.zeros_like(self.token_vectors)

    def row_of(self, token_id: int) -> int | None:
        """The table row of tokenizer id `token_id`, or None if the table has no row for it."""
        if self.table_ids is None:
            return token_id if 0 <= token_id < self.token_table.shape[0] else None
        known = self.table_ids[:-1]
        index = int(np.searchsorted(known, token_id))
        return index if index < len(known) and known[index] == token_id else None


@dataclass(frozen=True)
class HeadVectors:
    """The shown layer's queries, keys and values, per head (numpy, float32; H heads, T tokens, D
    head size). A rotary model's queries and keys are rotated; a grouped-query model's key/value
    heads are repeated for the query heads that share them.

    Attributes:
        queries: (H, T, D).
        keys, values: (H, T, D) as `RowChunks` (position axis 1): kept from earlier runs, not copied.
    """

    queries: np.ndarray = field(repr=False)
    keys: RowChunks = field(repr=False)
    values: RowChunks = field(repr=False)

    def query(self, head: int, position: int) -> np.ndarray:
        return self.queries[head, position]

    def key(self, head: int, position: int) -> np.ndarray:
        return self.keys.at(position)[head]

    def head_values(self, head: int) -> np.ndarray:
        """(T, D) every position's value vector in `head`."""
        return self.values.whole()[head]


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
        vectors: the queries, keys and values the scores and the context were made of.
        dropout_scale: (H, T, T) what dropout multiplied each softmax weight by (a worked
            example with --dropout; 0 dropped, 1 / (1 - p) kept); None without dropout.
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
    vectors: HeadVectors | None = field(default=None, repr=False)
    dropout_scale: np.ndarray | None = field(default=None, repr=False)

    @property
    def heads(self) -> int:
        return int(self.weights.shape[0])


@dataclass(frozen=True)
class RopeInfo:
    """A rotary model's position settings and the frequencies they give (numpy, float32).

    Attributes:
        kind: the rope_type, "default" or "llama3".
        theta: rope_theta, the base of the wavelengths.
        factor, low_freq_factor, high_freq_factor, original_context: the llama3 scaling settings.
        head_dim: D, the size of the rotated query and key heads.
        inv_freq: (D/2,) radians pair i turns per position, as the model uses them.
        unscaled_inv_freq: (D/2,) the same without the llama3 scaling (`theta**(-2i/D)`).
    """

    kind: str
    theta: float
    factor: float
    low_freq_factor: float
    high_freq_factor: float
    original_context: int
    head_dim: int
    inv_freq: np.ndarray = field(repr=False)
    unscaled_inv_freq: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class ModelInfo:
    """The model a result came from.

    Attributes:
        name: e.g. "gpt2 124M" or "tiny 4L·128d · 0.8M".
        source: where it was loaded from, e.g. "gpt2 124M from /models/gpt2".
        kind: "gpt2", "tiny", or an open family ("llama", "qwen2", "qwen3", "mistral");
            steps: training steps of a tiny model.
        layers, heads, dim, context: its sizes; kv_heads: key/value heads (grouped-query
            attention shares each among heads // kv_heads query heads), None when every head has its own.
        dtype: the precision its weights are held in ("float32", "bfloat16", ...).
        rope: a rotary model's position settings and frequencies; None for GPT-2 and tiny models.
    """

    name: str
    source: str
    kind: str
    steps: int | None
    layers: int
    heads: int
    dim: int
    context: int
    kv_heads: int | None = None
    dtype: str = "float32"
    rope: RopeInfo | None = field(default=None, repr=False, compare=False)

    def status(self) -> str:
        """One line for the status bar."""
        if self.kind == "tiny" and self.steps is not None:
            return note("{name} trained {count} steps", name=self.name, count=self.steps)
        if self.kind in ("gpt2", "tiny"):
            return self.source
        return f"{self.source} · {self.dtype}"


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
class FinalNorm:
    """A model's last normalisation before the output head, in numpy: LayerNorm (GPT-2, the tiny
    model) or RMSNorm (the open families), so any layer's residual stream can be read out."""

    kind: str  # "layer" or "rms"
    weight: np.ndarray = field(repr=False)
    bias: np.ndarray | None = field(default=None, repr=False)
    eps: float = 1e-5

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """(..., C) -> (..., C) float32."""
        x = np.asarray(x, dtype=np.float32)
        if self.kind == "layer":
            centred = x - x.mean(axis=-1, keepdims=True)
            normed = centred / np.sqrt((centred**2).mean(axis=-1, keepdims=True) + self.eps)
        else:
            normed = x / np.sqrt((x**2).mean(axis=-1, keepdims=True) + self.eps)
        normed = normed * self.weight
        return normed + self.bias if self.bias is not None else normed


@dataclass(frozen=True)
class ResidualStream:
    """The residual stream at every used position after the embeddings and after each block,
    and what each block's attention and MLP add to it (models only; numpy, float32).

    Attributes:
        residuals: (L + 1, T, C) as `RowChunks` (position axis 1): row 0 after the embeddings,
            row l after block l - 1, before the final norm.
        added: (L, T, 2) as `RowChunks`: the norms of the attention and MLP outputs of each block.
        norm: the final norm, which the output head reads the last row through.
    """

    residuals: RowChunks = field(repr=False)
    added: RowChunks = field(repr=False)
    norm: FinalNorm = field(repr=False)

    @property
    def blocks(self) -> int:
        return int(self.residuals.chunks[0].shape[0]) - 1 if self.residuals.chunks else 0

    def at(self, position: int) -> np.ndarray:
        """(L + 1, C) the stream at one position, layer by layer."""
        return self.residuals.at(position)

    def added_at(self, position: int) -> np.ndarray:
        """(L, 2) the norms of what attention (column 0) and the MLP (column 1) add at `position`."""
        return self.added.at(position)

    def window(self, start: int, stop: int) -> np.ndarray:
        """(L + 1, stop - start, C) the stream at positions start..stop-1."""
        return self.residuals.window(start, stop)


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
        stream: the residual stream of every layer (models only).
        tokenizer: the tokenizer the text was read with (an `engine.tokenize.registry.Tokenizer`:
            a model's own, or the one `settings` name), to encode words and decode predictions.
        example: the worked example (`engine.examples.Example`) whose hand-made vectors these are;
            None for a text read through an encoding.
        deeper_pending: the shown layer is done but the model's later layers are still running
            (`run`'s `early`): `next_token` and `stream` are None until the complete result.
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
    tokenizer: Any = field(default=None, repr=False, compare=False)
    stream: ResidualStream | None = field(default=None, repr=False)
    example: Any = field(default=None, repr=False, compare=False)
    deeper_pending: bool = False

    @property
    def truncated(self) -> bool:
        return self.n_used < len(self.tokens)
