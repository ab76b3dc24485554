"""Load GPT-2 weights and llm-tui's own tiny checkpoints into `engine.nn.model.GPT`.

Accepted, all read with safetensors (raw tensors behind a JSON header; nothing is ever unpickled):
- a Hugging Face GPT-2 folder: `config.json` + `model.safetensors`;
- a bare GPT-2 `.safetensors` file: the sizes are read off the tensor shapes; the number of heads
  (which no shape reveals) from a `config.json` beside it or an `n_head` metadata entry;
- a tiny checkpoint written by `save_checkpoint`: GPT-2's own tensor layout, plus metadata holding
  the config as JSON, the training steps, the tokenizer's encoding and the compact vocabulary.

GPT-2 checkpoints name tensors `wte.weight`, `h.0.attn.c_attn.weight`, ... with or without a
`transformer.` prefix; `lm_head.weight` may be absent (it is the token table, tied); old files carry
`attn.bias`/`attn.masked_bias` mask buffers, which are ignored. Four layers are Conv1D, stored as
(in, out), the transpose of `nn.Linear`. Every tensor is checked by name and shape against the
config before anything is loaded, and the first problem is reported by name; the config itself is
read and checked by `engine.nn.checkpoint_config`.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from engine.atomic_files import write_with
from engine.errors import Hint, WeightsError
from engine.nn.checkpoint_config import Header, check_declared_sizes, gpt2_config, shape_text, tiny_details
from engine.nn.device import format_bytes, free_memory
from engine.nn.hf_folder import PICKLE_SUFFIXES, finite, not_a_file, refuse_pickle
from engine.nn.loaded_model import IdMap, LoadedModel
from engine.nn.model import GPT, GPTConfig
from engine.note import Note, note

TINY_FORMAT = "llm-tui-tiny"  # the "format" metadata entry of a tiny checkpoint
_FLOAT_DTYPES = ("F64", "F32", "F16", "BF16")
_HF_PREFIX = "transformer."
_MASK_BUFFER = re.compile(r"h\.\d+\.attn\.(bias|masked_bias)")

# Engine module names -> GPT-2 checkpoint names.
_TOP_LEVEL_NAMES = {"token_embedding": "wte", "position_embedding": "wpe", "final_norm": "ln_f"}
_BLOCK_NAMES = {
    "norm1": "ln_1",
    "attention.qkv": "attn.c_attn",
    "attention.proj": "attn.c_proj",
    "norm2": "ln_2",
    "mlp.fc": "mlp.c_fc",
    "mlp.proj": "mlp.c_proj",
}
_CONV1D = ("attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj")


# --- names and layouts --------------------------------------------------------------------------


def gpt2_name(engine_name: str) -> str:
    """`blocks.3.attention.qkv.weight` -> `h.3.attn.c_attn.weight` (the name in GPT-2 checkpoints)."""
    module, _, leaf = engine_name.rpartition(".")
    if module.startswith("blocks."):
        _, index, inner = module.split(".", 2)
        return f"h.{index}.{_BLOCK_NAMES[inner]}.{leaf}"
    return f"{_TOP_LEVEL_NAMES[module]}.{leaf}"


def _is_conv1d(name: str) -> bool:
    return name.endswith(tuple(f"{layer}.weight" for layer in _CONV1D))


def _layout(config: GPTConfig) -> dict[str, tuple[str, tuple[int, ...]]]:
    """GPT-2 name -> (engine name, shape as stored in a GPT-2 checkpoint), for every parameter."""
    layout = {}
    for name, tensor in GPT(config, device="meta").state_dict().items():
        stored = gpt2_name(name)
        shape = tuple(tensor.shape)
        layout[stored] = (name, shape[::-1] if _is_conv1d(stored) else shape)
    return layout


def _summary(config: GPTConfig) -> dict[str, int]:
    """The sizes a tensor problem names the GPT-2 it expected by."""
    return {
        "layers": config.layers,
        "dim": config.dim,
        "heads": config.heads,
        "vocab": config.vocab_size,
        "context": config.context,
    }


def _tensor_problem(kind: str, more: int, **fields: object) -> Note:
    """The message for the first tensor problem (`kind`), `more` others, and the GPT-2 expected."""
    if kind == "missing":
        return note(
            "{path}: {name} is missing (and {more} more); expected a GPT-2 with {layers} layers, dim {dim}, "
            "{heads} heads, vocab {vocab}, context {context}"
            if more
            else "{path}: {name} is missing; expected a GPT-2 with {layers} layers, dim {dim}, {heads} "
            "heads, vocab {vocab}, context {context}",
            more=more,
            **fields,
        )
    if kind == "shape":
        return note(
            "{path}: {name} has shape {shape} but the config needs {needed} (and {more} more); expected a "
            "GPT-2 with {layers} layers, dim {dim}, {heads} heads, vocab {vocab}, context {context}"
            if more
            else "{path}: {name} has shape {shape} but the config needs {needed}; expected a GPT-2 with "
            "{layers} layers, dim {dim}, {heads} heads, vocab {vocab}, context {context}",
            more=more,
            **fields,
        )
    if kind == "dtype":
        return note(
            "{path}: {name} holds {dtype} values, not floating-point numbers (and {more} more); expected a "
            "GPT-2 with {layers} layers, dim {dim}, {heads} heads, vocab {vocab}, context {context}"
            if more
            else "{path}: {name} holds {dtype} values, not floating-point numbers; expected a GPT-2 with "
            "{layers} layers, dim {dim}, {heads} heads, vocab {vocab}, context {context}",
            more=more,
            **fields,
        )
    return note(
        "{path}: {name} is not part of this model (and {more} more); expected a GPT-2 with {layers} layers, "
        "dim {dim}, {heads} heads, vocab {vocab}, context {context}"
        if more
        else "{path}: {name} is not part of this model; expected a GPT-2 with {layers} layers, dim {dim}, "
        "{heads} heads, vocab {vocab}, context {context}",
        more=more,
        **fields,
    )


# --- reading ------------------------------------------------------------------------------------


def _locate(path: Path) -> Path:
    """The safetensors file to read for `path` (a file or a model folder)."""
    if not path.exists():
        raise WeightsError(note("no such weights file or folder: {path}", path=path))
    if path.is_dir():
        weights = path / "model.safetensors"
        if weights.is_file():
            return weights
        if weights.exists():
            raise not_a_file(weights)
        if (path / "model.safetensors.index.json").is_file():
            raise WeightsError(
                note("{path} holds a sharded checkpoint, which llm-tui cannot read yet", path=path)
            )
        pickled = sorted(p.name for p in path.iterdir() if p.suffix in PICKLE_SUFFIXES)
        if pickled:
            raise refuse_pickle(path / pickled[0])
        raise WeightsError(note("the folder {path} has no model.safetensors", path=path))
    if not path.is_file():  # a FIFO or a device would make the reader wait forever
        raise not_a_file(path)
    if path.suffix.lower() in PICKLE_SUFFIXES:
        raise refuse_pickle(path)
    return path


def _read_header(path: Path) -> Header:
    try:
        with safe_open(path, framework="pt") as handle:
            shapes = {name: tuple(handle.get_slice(name).get_shape()) for name in handle.keys()}
            dtypes = {name: handle.get_slice(name).get_dtype() for name in handle.keys()}
            metadata = dict(handle.metadata() or {})
    except (SafetensorError, OSError, ValueError) as error:
        try:
            with open(path, "rb") as file:
                start = file.read(2)
        except OSError:
            start = b""
        if start[:1] == b"\x80" or start == b"PK":
            raise refuse_pickle(path) from None
        raise WeightsError(
            note(
                "{path} is not a readable safetensors file (truncated or corrupt?): {error}",
                path=path,
                error=error,
            )
        ) from None
    return Header(shapes, dtypes, metadata)


def _tensor_names(header: Header, path: Path) -> tuple[dict[str, str], str | None]:
    """GPT-2 name (no prefix) -> stored name for the parameters, and the stored name of lm_head."""
    names: dict[str, str] = {}
    head = None
    for stored in header.shapes:
        name = stored.removeprefix(_HF_PREFIX)
        if _MASK_BUFFER.fullmatch(name):
            continue
        if name == "lm_head.weight":
            head = stored
            continue
        if name in names:
            raise WeightsError(
                note("{path} holds both {first} and {second}", path=path, first=names[name], second=stored)
            )
        names[name] = stored
    return names, head


def _check_tensors(
    header: Header, names: dict[str, str], head: str | None, config: GPTConfig, path: Path
) -> dict[str, tuple[str, tuple[int, ...]]]:
    """Compare every tensor with what `config` needs; raise one error naming the first problem."""
    layout = _layout(config)
    expected = {name: shape for name, (_, shape) in layout.items()}
    if head is not None:
        expected["lm_head.weight"] = (config.vocab_size, config.dim)
        names = {**names, "lm_head.weight": head}
    problems: list[tuple[str, dict[str, object]]] = []  # (kind, what `_tensor_problem` says of it)
    for name, shape in expected.items():
        stored = names.get(name)
        if stored is None:
            problems.append(("missing", {"name": name}))
        elif header.shapes[stored] != shape:
            found = shape_text(header.shapes[stored])
            problems.append(("shape", {"name": stored, "shape": found, "needed": shape_text(shape)}))
        elif header.dtypes[stored] not in _FLOAT_DTYPES:
            problems.append(("dtype", {"name": stored, "dtype": header.dtypes[stored]}))
    unexpected = [stored for name, stored in names.items() if name not in expected]
    problems += [("unexpected", {"name": stored}) for stored in unexpected]
    if problems:
        kind, said = problems[0]
        raise WeightsError(_tensor_problem(kind, len(problems) - 1, path=path, **said, **_summary(config)))
    return layout


def _check_fits(layout: dict[str, tuple[str, tuple[int, ...]]], path: Path, device: str) -> None:
    """Refuse, before reading a byte of it, a model whose float32 weights do not fit in free memory.

    Weights are read into RAM first and then moved, so a GPU load needs room in both.
    """
    parameters = sum(math.prod(shape) for _, shape in layout.values())
    needed = 4 * parameters  # loaded as float32, whatever the file stores
    size = {"path": path, "millions": f"{parameters / 1e6:,.0f}", "size": format_bytes(needed)}
    if device != "cpu":
        free = free_memory(device)
        if free is not None and needed > free:
            raise WeightsError(
                note(
                    "{path}: the model has {millions}M parameters ({size} as float32) but {device} has "
                    "{free} free",
                    device=device,
                    free=format_bytes(free),
                    **size,
                ),
                (
                    Hint(setting="device", value="cpu"),
                    Hint(setting="weights", purpose=note("with a smaller model")),
                ),
            )
    free = free_memory("cpu")
    if free is not None and needed > free:
        raise WeightsError(
            note(
                "{path}: the model has {millions}M parameters ({size} as float32) but only {free} of memory "
                "is available; close other programs or choose a smaller model",
                free=format_bytes(free),
                **size,
            )
        )


def load_weights(path: str | Path, device: torch.device | str = "cpu") -> LoadedModel:
    """Load a GPT-2 folder, a GPT-2 .safetensors file or a tiny checkpoint (see the module docstring).

    Raises:
        WeightsError: with one line saying what is wrong and naming the file or tensor.
    """
    path = Path(path).expanduser()
    file = _locate(path)
    header = _read_header(file)
    names, head = _tensor_names(header, file)
    if header.metadata.get("format") == TINY_FORMAT:
        kind = "tiny"
        config, steps, encoding, id_map = tiny_details(header, file)
        check_declared_sizes(config, header, names, file)
    else:
        kind, steps, encoding, id_map = "gpt2", None, "gpt2", None
        config = gpt2_config(header, names, file)
    layout = _check_tensors(header, names, head, config, file)
    _check_fits(layout, file, str(device))

    state = {}
    try:
        with safe_open(file, framework="pt") as handle:
            for name, (engine_name, _) in layout.items():
                tensor = finite(handle.get_tensor(names[name]).float(), names[name], file)
                state[engine_name] = tensor.t().contiguous() if _is_conv1d(name) else tensor
            head_weight = finite(handle.get_tensor(head).float(), head, file) if head else None
    except (SafetensorError, OSError, ValueError) as error:
        raise WeightsError(note("{path} is damaged: {error}", path=file, error=error)) from None
    if head_weight is not None and not torch.equal(head_weight, state["token_embedding.weight"]):
        raise WeightsError(
            note(
                "{path}: {head} differs from wte.weight; llm-tui's GPT-2 ties its output head to the token "
                "table",
                path=file,
                head=head,
            )
        )
    model = GPT(config, device="meta")
    model.load_state_dict(state, strict=True, assign=True)
    model.to(device).eval()
    name = model.describe(kind)
    reserved = {"format", "config", "steps", "encoding", "id_map"} if kind == "tiny" else {"format"}
    return LoadedModel(
        model=model,
        config=config,
        name=name,
        source=note("{name} from {path}", name=name, path=path),
        kind=kind,
        path=file,
        encoding=encoding,
        steps=steps,
        id_map=id_map,
        metadata={key: value for key, value in header.metadata.items() if key not in reserved},
    )


# --- writing ------------------------------------------------------------------------------------


def check_checkpoint_path(path: str | Path) -> Path:
    """Make sure a checkpoint can be written to `path` before minutes of training; returns it."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise WeightsError(
            note("cannot write the checkpoint to {path}: it is a folder; name a file in it", path=path)
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise WeightsError(
            note("cannot write the checkpoint {path}: {error}", path=path, error=error.strerror or error)
        ) from None
    if not os.access(path.parent, os.W_OK):
        raise WeightsError(
            note(
                "cannot write the checkpoint {path}: {folder} is not writable", path=path, folder=path.parent
            )
        )
    return path


def save_checkpoint(
    model: GPT,
    config: GPTConfig,
    path: str | Path,
    metadata: Mapping[str, object] | None = None,
    *,
    steps: int = 0,
    encoding: str = "gpt2",
    id_map: IdMap | None = None,
) -> Path:
    """Write a tiny checkpoint that `load_weights` reads back exactly; returns the path written.

    Tensors are stored in GPT-2's layout (names, Conv1D orientation), so GPT-2 tools can read them
    too; the config (JSON), `steps`, `encoding` and the compact vocabulary go in the metadata, with
    any extra pairs from `metadata` (values stored as strings; e.g. the corpus name or the final loss).
    """
    if config != model.config:
        raise ValueError("config does not match the model's config")
    if id_map is not None and id_map.size != config.vocab_size:
        raise ValueError(f"id_map has {id_map.size} ids but the model has {config.vocab_size} rows")
    entries = {str(key): str(value) for key, value in (metadata or {}).items()}
    entries.update(format=TINY_FORMAT, config=json.dumps(asdict(config)), steps=str(steps), encoding=encoding)
    if id_map is not None:
        entries["id_map"] = json.dumps(id_map.tokenizer_ids.tolist())
    tensors = {}
    for name, tensor in model.state_dict().items():
        stored = gpt2_name(name)
        tensor = tensor.detach().to("cpu", torch.float32)
        tensors[stored] = (tensor.t() if _is_conv1d(stored) else tensor).contiguous()
    path = Path(path).expanduser()
    try:  # a unique temporary, fsync, rename under `path.lock`; a crashed writer's leftovers go
        path.parent.mkdir(parents=True, exist_ok=True)
        write_with(path, lambda temporary: save_file(tensors, temporary, metadata=entries))
    except (OSError, SafetensorError) as error:
        raise WeightsError(
            note("cannot write the checkpoint {path}: {error}", path=path, error=error)
        ) from None
    return path
