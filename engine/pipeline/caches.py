"""What the pipeline keeps between runs: seeded random weights by size, loaded models by file.

Both are pure functions of their keys, so a cached value never changes a result; they only spare
a keystroke the seconds of drawing a 200k-row table or reading a checkpoint again.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from engine.locations import is_repo_id
from engine.nn.attention import MultiHeadAttention
from engine.nn.embeddings import normal_table
from engine.nn.positions import learned_positions, sinusoidal_positions


@dataclass(frozen=True)
class RandomWeights:
    token_table: torch.Tensor
    token_table_numpy: np.ndarray
    learned_positions: torch.Tensor
    sinusoidal_positions: torch.Tensor
    attention: MultiHeadAttention


# Drawing a 200k-row table takes longer than a keystroke allows, so the seeded weights are
# kept for the last few settings; they are a pure function of the key, so results do not change.
@lru_cache(maxsize=4)
def random_weights(
    vocab_size: int, dim: int, heads: int, context: int, seed: int, device: str
) -> RandomWeights:
    token_table = normal_table(vocab_size, dim, seed)
    table_numpy = token_table.numpy()
    table_numpy.flags.writeable = False
    attention = MultiHeadAttention(dim, dim, heads, seed=seed + 2).to(device).eval()
    return RandomWeights(
        token_table=token_table.to(device),
        token_table_numpy=table_numpy,
        learned_positions=learned_positions(context, dim, seed + 1).to(device),
        sinusoidal_positions=sinusoidal_positions(context, dim).to(device),
        attention=attention,
    )


@lru_cache(maxsize=4)
def _sinusoidal_table(length: int, dim: int) -> np.ndarray:
    table = sinusoidal_positions(length, dim).numpy()
    table.flags.writeable = False
    return table


def sinusoidal_rows(length: int, dim: int) -> np.ndarray:
    """(length, dim) sinusoidal encodings (read-only), from a table kept by size: a model's run shows
    them next to its own positions, and computing them took a few ms of every keystroke. The table
    grows in powers of two, so a model with a long context does not hold a table of all of it."""
    size = 64
    while size < length:
        size *= 2
    return _sinusoidal_table(size, dim)[:length]


def resolve_weights(spec: str) -> Path:
    """Where the weights named by `--weights` are: a path, "gpt2" (Hugging Face cache) or "tiny"."""
    from engine.errors import Hint, WeightsError
    from engine.locations import default_tiny_checkpoint, find_hf_cache_gpt2
    from engine.note import note

    if spec == "gpt2":
        found = find_hf_cache_gpt2()
        if found is None:
            raise WeightsError(
                note(
                    "the 'gpt2' weights: no GPT-2 in the Hugging Face cache (looked for models--gpt2 and "
                    "models--openai-community--gpt2 with model.safetensors)"
                ),
                Hint(setting="weights", purpose=note("with a GPT-2 folder or .safetensors file instead")),
            )
        return found
    if spec == "tiny":
        path = default_tiny_checkpoint()
        if not path.exists():
            raise WeightsError(
                note("the 'tiny' weights: no trained model at {path}", path=path), Hint(command="train")
            )
        return path
    return Path(spec).expanduser()


@dataclass(frozen=True)
class OpenModel:
    """An open decoder model (Llama, Qwen, Mistral) and where it came from.

    Attributes:
        loaded: the model, its config and tables (`engine.nn.decoder_loader.LoadedDecoder`).
        folder: its folder, which holds the tokenizer too.
        name: how results name it: the repo id, else the folder's name.
    """

    loaded: object
    folder: Path
    name: str

    # What generation asks of a model, as `engine.nn.loaded_model.LoadedModel` answers it: an open
    # model reads its tokenizer's ids as they are, and has no slot it must never produce.
    suppressed_ids: tuple[int, ...] = ()

    @property
    def model(self):
        return self.loaded.model

    @property
    def source(self) -> str:
        return f"{self.name} · {self.loaded.name}"

    def to_model_ids(self, ids) -> np.ndarray:
        return np.asarray(ids, dtype=np.int64)

    def to_tokenizer_ids(self, ids) -> np.ndarray:
        return np.asarray(ids, dtype=np.int64)


def _open_family(folder: Path) -> bool:
    """Whether the folder's config.json names an open decoder family (else it is GPT-2)."""
    import json

    from engine.nn.families.registry import BY_ARCHITECTURE

    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    architectures = config.get("architectures") or []
    return any(name in BY_ARCHITECTURE for name in architectures) or (
        bool(architectures) and architectures[0] not in ("GPT2LMHeadModel", "GPT2Model")
    )


def open_model(spec: str, device: str) -> CachedModel | OpenModel:
    """The model `--weights spec` names, loaded once: "tiny", "gpt2", a path, or a repo id in the
    local Hugging Face cache. GPT-2 checkpoints become a `CachedModel`, open families an `OpenModel`;
    an architecture llm-tui does not know is a WeightsError naming the ones it does."""
    name = spec
    if is_repo_id(spec):
        from engine.hub import resolve_weights as resolve_repo

        resolved = resolve_repo(spec)
        path, name = resolved.folder, resolved.name
    else:
        path = resolve_weights(spec)
    if path.is_dir() and _open_family(path):
        return _load_open(str(path), _modified(path / "config.json"), device, name)
    return cached_model(spec if not is_repo_id(spec) else str(path), device)


def _modified(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0  # let the loader report the missing file


@lru_cache(maxsize=2)
def _load_open(folder: str, modified: int, device: str, name: str) -> OpenModel:
    from engine.nn.decoder_loader import load_decoder

    return OpenModel(load_decoder(folder, device), Path(folder), name)


@dataclass(frozen=True)
class CachedModel:
    loaded: object  # engine.nn.loaded_model.LoadedModel
    token_table: np.ndarray
    position_table: np.ndarray
    table_ids: np.ndarray | None


def cached_model(spec: str, device: str) -> CachedModel:
    path = resolve_weights(spec)
    try:
        modified = path.stat().st_mtime_ns
    except OSError:
        modified = 0  # let the loader report the missing file
    return _load_model(str(path), modified, device)


# Loading GPT-2 takes seconds; keep the last two models so a keystroke only runs the forward pass.
# The file's modification time is part of the key, so a retrained checkpoint is read again.
@lru_cache(maxsize=2)
def _load_model(path: str, modified: int, device: str) -> CachedModel:
    from engine.nn.checkpoints import load_weights

    loaded = load_weights(path, device)
    model = loaded.model
    tables = [model.token_embedding.weight, model.position_embedding.weight]
    token_table, position_table = (t.detach().to("cpu", torch.float32).numpy() for t in tables)
    for table in (token_table, position_table):
        table.flags.writeable = False
    table_ids = None
    if loaded.id_map is not None:
        table_ids = np.append(loaded.id_map.tokenizer_ids, -1)
    return CachedModel(loaded, token_table, position_table, table_ids)


def load_model(spec: str, device: str = "cpu"):
    """The `engine.nn.loaded_model.LoadedModel` named by `spec` (a path, "gpt2" or "tiny"), cached."""
    return cached_model(spec, device).loaded
