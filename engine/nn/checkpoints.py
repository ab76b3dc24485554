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
config before anything is loaded, and the first problem is reported by name.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from engine.atomic_files import write_with
from engine.errors import Hint, WeightsError
from engine.nn.device import format_bytes, free_memory
from engine.nn.hf_folder import (
    PICKLE_SUFFIXES,
    brief,
    finite,
    id_map_from,
    not_a_file,
    positive_float,
    read_json,
    refuse_pickle,
    whole_number,
)
from engine.nn.loaded_model import IdMap, LoadedModel
from engine.nn.model import GPT, GPTConfig
from engine.note import note

TINY_FORMAT = "llm-tui-tiny"  # the "format" metadata entry of a tiny checkpoint
_FLOAT_DTYPES = ("F64", "F32", "F16", "BF16")
_HF_PREFIX = "transformer."
_MASK_BUFFER = re.compile(r"h\.\d+\.attn\.(bias|masked_bias)")
_BLOCK = re.compile(r"h\.(\d+)\.")

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


@dataclass(frozen=True)
class _Header:
    """A safetensors file's table of contents: stored name -> shape and dtype, and its metadata."""

    shapes: dict[str, tuple[int, ...]]
    dtypes: dict[str, str]
    metadata: dict[str, str]


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


def _shape(shape: Sequence[int]) -> str:
    return "(" + ", ".join(str(size) for size in shape) + ("," if len(shape) == 1 else "") + ")"


def _summary(config: GPTConfig) -> str:
    return (
        f"{config.layers} layers, dim {config.dim}, {config.heads} heads, "
        f"vocab {config.vocab_size}, context {config.context}"
    )


# --- reading ------------------------------------------------------------------------------------


def _locate(path: Path) -> Path:
    """The safetensors file to read for `path` (a file or a model folder)."""
    if not path.exists():
        raise WeightsError(f"no such weights file or folder: {path}")
    if path.is_dir():
        weights = path / "model.safetensors"
        if weights.is_file():
            return weights
        if weights.exists():
            raise not_a_file(weights)
        if (path / "model.safetensors.index.json").is_file():
            raise WeightsError(f"{path} holds a sharded checkpoint, which llm-tui cannot read yet")
        pickled = sorted(p.name for p in path.iterdir() if p.suffix in PICKLE_SUFFIXES)
        if pickled:
            raise refuse_pickle(path / pickled[0])
        raise WeightsError(f"the folder {path} has no model.safetensors")
    if not path.is_file():  # a FIFO or a device would make the reader wait forever
        raise not_a_file(path)
    if path.suffix.lower() in PICKLE_SUFFIXES:
        raise refuse_pickle(path)
    return path


def _read_header(path: Path) -> _Header:
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
            f"{path} is not a readable safetensors file (truncated or corrupt?): {error}"
        ) from None
    return _Header(shapes, dtypes, metadata)


def _tensor_names(header: _Header, path: Path) -> tuple[dict[str, str], str | None]:
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
            raise WeightsError(f"{path} holds both {names[name]} and {stored}")
        names[name] = stored
    return names, head


def _config_from_hf(data: dict, where: Path) -> dict[str, object]:
    """The GPTConfig fields a Hugging Face GPT-2 config.json sets, after checking it is one we can run."""
    if data.get("model_type", "gpt2") != "gpt2":
        raise WeightsError(f"{where} describes a {data['model_type']!r} model, not GPT-2")
    if data.get("activation_function", "gelu_new") not in ("gelu_new", "gelu_pytorch_tanh"):
        raise WeightsError(f"{where}: activation {data['activation_function']!r} is not GPT-2's gelu_new")
    if data.get("n_inner") not in (None, 4 * data.get("n_embd", 0)):
        raise WeightsError(f"{where}: n_inner={data['n_inner']} (llm-tui's GPT-2 uses 4 × n_embd)")
    if not data.get("scale_attn_weights", True) or data.get("scale_attn_by_inverse_layer_idx", False):
        raise WeightsError(f"{where}: attention scaling other than 1/√(head size) is not supported")
    keys = {"layers": "n_layer", "heads": "n_head", "dim": "n_embd", "vocab_size": "vocab_size"}
    values: dict[str, object] = {}
    for ours, theirs in keys.items():
        values[ours] = whole_number(data.get(theirs), theirs, where)
    context_key = "n_positions" if "n_positions" in data else "n_ctx"
    values["context"] = whole_number(data.get(context_key), context_key, where)
    values["layer_norm_eps"] = positive_float(
        data.get("layer_norm_epsilon", 1e-5), "layer_norm_epsilon", where
    )
    return values


def _config_from_shapes(
    shapes: dict[str, tuple[int, ...]], names: dict[str, str], path: Path
) -> dict[str, object]:
    """Sizes read off the tensors: vocabulary and width from wte, context from wpe, layers from h.N."""
    for needed in ("wte.weight", "wpe.weight"):
        if needed not in names:
            raise WeightsError(f"{path}: {needed} is missing, so this is not a GPT-2 checkpoint")
        if len(shapes[names[needed]]) != 2:
            raise WeightsError(
                f"{path}: {names[needed]} has shape {_shape(shapes[names[needed]])}, not (rows, dim)"
            )
    vocab_size, dim = shapes[names["wte.weight"]]
    # Count the blocks the file holds; a name alone (h.100000.ln_1.weight) must not make 100,001 of them.
    blocks = sorted({int(match.group(1)) for name in names if (match := _BLOCK.match(name))})
    if blocks and blocks[-1] != len(blocks) - 1:
        gap = next(index for index, block in enumerate(blocks) if index != block)
        raise WeightsError(
            f"{path}: it holds tensors of block h.{blocks[gap]} but none of h.{gap}: "
            f"the {len(blocks)} blocks in the file are not numbered h.0 to h.{len(blocks) - 1}"
        )
    return {
        "vocab_size": vocab_size,
        "dim": dim,
        "context": shapes[names["wpe.weight"]][0],
        "layers": len(blocks),
        "qkv_bias": "h.0.attn.c_attn.bias" in names or not blocks,
    }


def _check_config_json(
    declared: Mapping[str, object],
    found: Mapping[str, object],
    shapes: Mapping[str, tuple[int, ...]],
    names: Mapping[str, str],
    where: Path,
) -> None:
    """Raise when config.json's sizes differ from the ones the tensors have."""
    wte, wpe, layers = names["wte.weight"], names["wpe.weight"], found["layers"]
    blocks = f" (h.0 to h.{layers - 1})" if layers else ""
    evidence = {
        "dim": ("n_embd", f"{wte} has shape {_shape(shapes[wte])}"),
        "vocab_size": ("vocab_size", f"{wte} has shape {_shape(shapes[wte])}"),
        "context": ("n_positions", f"{wpe} has shape {_shape(shapes[wpe])}"),
        "layers": ("n_layer", f"the file has {layers} blocks{blocks}"),
    }
    for field_name, (key, fact) in evidence.items():
        if declared[field_name] != found[field_name]:
            raise WeightsError(
                f"{where} does not match the weights: it says {key}={declared[field_name]} but {fact}"
            )


def _gpt2_config(header: _Header, names: dict[str, str], path: Path) -> GPTConfig:
    """The config of a GPT-2 checkpoint: sizes from the shapes, checked against config.json if any."""
    found = _config_from_shapes(header.shapes, names, path)
    config_json = path.parent / "config.json"
    if config_json.exists():  # read_json refuses a FIFO or a folder there
        declared = _config_from_hf(read_json(config_json), config_json)
        _check_config_json(declared, found, header.shapes, names, config_json)
        found = {**found, **declared}
    elif "n_head" in header.metadata:
        found["heads"] = _metadata_int(header.metadata, "n_head", path)
    else:
        raise WeightsError(
            f"cannot tell how many attention heads {path} has: no tensor shape reveals it. Put the model's "
            "config.json (with n_head) next to the file"
        )
    return _make_config(found, path)


def _make_config(values: Mapping[str, object], where: Path) -> GPTConfig:
    known = {f.name: f.default for f in fields(GPTConfig)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise WeightsError(f"{where}: unknown config fields {', '.join(unknown)}")
    for key, value in values.items():  # 128.0 for a size, "abc" for an epsilon: named, not a crash later
        default = known[key]
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise WeightsError(f"{where}: config field {key}={brief(value)} is not true or false")
        elif isinstance(default, int):
            whole_number(value, f"config field {key}", where)
        elif key == "layer_norm_eps":
            positive_float(value, f"config field {key}", where)
        elif isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise WeightsError(f"{where}: config field {key}={brief(value)} is not a finite number")
    try:
        config = GPTConfig(**values)
        config.validate()
    except (TypeError, ValueError) as error:
        raise WeightsError(f"{where}: unusable model config: {error}") from None
    return config


def _metadata_int(metadata: Mapping[str, str], key: str, where: Path) -> int:
    try:
        return int(metadata[key])
    except (ValueError, TypeError):
        raise WeightsError(f"{where}: metadata {key}={metadata[key]!r} is not an integer") from None


def _tiny_details(header: _Header, path: Path) -> tuple[GPTConfig, int, str, IdMap | None]:
    """Config, steps, encoding and compact vocabulary from a tiny checkpoint's metadata."""
    metadata = header.metadata
    config_values = _metadata_json(metadata, "config", path)
    id_map_values = _metadata_json(metadata, "id_map", path) if "id_map" in metadata else None
    if not isinstance(config_values, dict):
        raise WeightsError(f"{path}: the checkpoint's config metadata is not a JSON object")
    config = _make_config(config_values, path)
    id_map = id_map_from(id_map_values, path) if id_map_values is not None else None
    if id_map is not None and id_map.size != config.vocab_size:
        raise WeightsError(
            f"{path}: the compact vocabulary has {id_map.size} ids but the model has {config.vocab_size} rows"
        )
    steps = _metadata_int(metadata, "steps", path) if "steps" in metadata else 0
    return config, steps, metadata.get("encoding", "gpt2"), id_map


def _metadata_json(metadata: Mapping[str, str], key: str, path: Path) -> object:
    try:
        return json.loads(metadata.get(key, ""))
    except json.JSONDecodeError as error:
        raise WeightsError(f"{path}: damaged checkpoint metadata {key}: {error}") from None
    except RecursionError:
        raise WeightsError(f"{path}: checkpoint metadata {key} is nested too deeply to be real") from None


def _check_declared_sizes(config: GPTConfig, header: _Header, names: dict[str, str], path: Path) -> None:
    """Refuse a tiny checkpoint whose config metadata declares other layers than its tensors hold,
    before a model of that size is built (10^8 layers would fill memory; other sizes cost nothing on
    the meta device and are compared tensor by tensor)."""
    layers = _config_from_shapes(header.shapes, names, path)["layers"]  # other sizes: _check_tensors
    if config.layers != layers:
        raise WeightsError(
            f"{path}: the config metadata says layers={config.layers} but the file holds {layers} blocks"
        )


def _check_tensors(
    header: _Header, names: dict[str, str], head: str | None, config: GPTConfig, path: Path
) -> dict[str, tuple[str, tuple[int, ...]]]:
    """Compare every tensor with what `config` needs; raise one error naming the first problem."""
    layout = _layout(config)
    expected = {name: shape for name, (_, shape) in layout.items()}
    if head is not None:
        expected["lm_head.weight"] = (config.vocab_size, config.dim)
        names = {**names, "lm_head.weight": head}
    problems = []
    for name, shape in expected.items():
        stored = names.get(name)
        if stored is None:
            problems.append(f"{name} is missing")
        elif header.shapes[stored] != shape:
            found = _shape(header.shapes[stored])
            problems.append(f"{stored} has shape {found} but the config needs {_shape(shape)}")
        elif header.dtypes[stored] not in _FLOAT_DTYPES:
            problems.append(f"{stored} holds {header.dtypes[stored]} values, not floating-point numbers")
    unexpected = [stored for name, stored in names.items() if name not in expected]
    problems += [f"{stored} is not part of this model" for stored in unexpected]
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise WeightsError(f"{path}: {problems[0]}{more}; expected a GPT-2 with {_summary(config)}")
    return layout


def _check_fits(layout: dict[str, tuple[str, tuple[int, ...]]], path: Path, device: str) -> None:
    """Refuse, before reading a byte of it, a model whose float32 weights do not fit in free memory.

    Weights are read into RAM first and then moved, so a GPU load needs room in both.
    """
    parameters = sum(math.prod(shape) for _, shape in layout.values())
    needed = 4 * parameters  # loaded as float32, whatever the file stores
    size = f"{path}: the model has {parameters / 1e6:,.0f}M parameters ({format_bytes(needed)} as float32)"
    if device != "cpu":
        free = free_memory(device)
        if free is not None and needed > free:
            raise WeightsError(
                f"{size} but {device} has {format_bytes(free)} free",
                (
                    Hint(setting="device", value="cpu"),
                    Hint(setting="weights", purpose="with a smaller model"),
                ),
            )
    free = free_memory("cpu")
    if free is not None and needed > free:
        raise WeightsError(
            f"{size} but only {format_bytes(free)} of memory is available; close other programs or "
            "choose a smaller model"
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
        config, steps, encoding, id_map = _tiny_details(header, file)
        _check_declared_sizes(config, header, names, file)
    else:
        kind, steps, encoding, id_map = "gpt2", None, "gpt2", None
        config = _gpt2_config(header, names, file)
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
        raise WeightsError(f"{file} is damaged: {error}") from None
    if head_weight is not None and not torch.equal(head_weight, state["token_embedding.weight"]):
        raise WeightsError(
            f"{file}: {head} differs from wte.weight; llm-tui's GPT-2 ties its output head to the token table"
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
        raise WeightsError(f"cannot write the checkpoint to {path}: it is a folder; name a file in it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise WeightsError(f"cannot write the checkpoint {path}: {error.strerror or error}") from None
    if not os.access(path.parent, os.W_OK):
        raise WeightsError(f"cannot write the checkpoint {path}: {path.parent} is not writable")
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
        raise WeightsError(f"cannot write the checkpoint {path}: {error}") from None
    return path
