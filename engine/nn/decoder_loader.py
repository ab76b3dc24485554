"""Load an open decoder model (Llama, Qwen2, Qwen3, Mistral) from a Hugging Face model folder.

`load_decoder(folder, device)` reads `config.json`, picks the family by its `architectures` entry,
checks every tensor's name, shape and dtype against the config before reading a byte of weights
(the first problem is named, as `engine.nn.checkpoints` does for GPT-2), and builds a `DecoderLM`.

Precision: on an accelerator the checkpoint's own precision is kept (Llama 3.2 ships bf16); on the
CPU the weights become float32, unless float32 would not fit in the memory free now, then bf16
(`LoadedDecoder.precision_note` says so). What is handed out (logits, attention, hidden states,
the token and output tables) is float32 either way.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError, safe_open

from engine.errors import Hint, WeightsError
from engine.nn.decoder import DecoderLM
from engine.nn.decoder_config import DecoderConfig
from engine.nn.device import format_bytes, free_memory
from engine.nn.families.registry import BY_ARCHITECTURE, decoder_config
from engine.nn.hf_folder import ModelFolder, finite, read_model_folder
from engine.note import Note, note

HEAD = "lm_head.weight"  # the output head's name; absent from tied checkpoints
_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}  # safetensors -> torch
_NAMED_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
# Old Llama checkpoints carry the rotary frequencies as a buffer; they are computed, not loaded.
_IGNORED = re.compile(r"model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq")
_LAYER = re.compile(r"model\.layers\.(\d+)\.")


@dataclass(frozen=True)
class LoadedDecoder:
    """An open decoder model ready to run, and what the pipeline needs around it.

    Attributes:
        model: the network, in eval mode, on `device`; `model(ids, capture_attention=...)` returns a
            `ModelOutput` like GPT's (float32 logits, hidden states, attention weights and scores).
        config: its sizes and switches.
        family: "llama", "qwen2", "qwen3" or "mistral".
        architecture: the config.json `architectures` entry that picked the family: "LlamaForCausalLM".
        name: short, for status lines: "llama 16L·2048d · 1.2B".
        source: `name` and the folder: "llama 16L·2048d · 1.2B from /models/Llama-3.2-1B".
        path: the model folder.
        files: the safetensors files read (one, or the shards).
        parameters: number of parameters, a tied output head counted once.
        dtype: the precision the weights are held in (torch.bfloat16, torch.float32, ...).
        device: the torch device string the model is on.
        token_table: (V, C) float32, read-only: the input embedding of every token id.
        output_table: (V, C) float32, read-only: the output head (logits = hidden @ output_tableᵀ);
            the very same array as `token_table` when the model ties them.
        precision_note: why the precision is not the usual one for the device (bf16 on the CPU), else None.
    """

    model: DecoderLM
    config: DecoderConfig
    family: str
    architecture: str
    name: str
    source: str
    path: Path
    files: tuple[Path, ...]
    parameters: int
    dtype: torch.dtype
    device: str
    token_table: np.ndarray
    output_table: np.ndarray
    precision_note: str | None = None


def checkpoint_name(engine_name: str) -> str:
    """`layers.0.self_attn.q_proj.weight` -> `model.layers.0.self_attn.q_proj.weight`; lm_head as it is."""
    return engine_name if engine_name.startswith("lm_head.") else f"model.{engine_name}"


def expected_tensors(config: DecoderConfig) -> dict[str, tuple[int, ...]]:
    """Checkpoint name -> shape of every parameter a model with `config` has."""
    state = DecoderLM(config, device="meta").state_dict()
    return {checkpoint_name(name): tuple(tensor.shape) for name, tensor in state.items()}


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def _summary(config: DecoderConfig) -> dict[str, object]:
    """What a tensor problem says of the model config.json describes."""
    return {
        "family": config.family,
        "layers": config.layers,
        "dim": config.dim,
        "heads": config.heads,
        "kv_heads": config.kv_heads,
        "head_dim": config.head_dim,
        "mlp_dim": config.mlp_dim,
        "vocab": config.vocab_size,
    }


def _tensor_problem(kind: str, more: int, **fields: object) -> Note:
    """The message for the first tensor problem (`kind`), `more` others, and the model expected."""
    if kind == "missing":
        return note(
            "{path}: {name} is missing (and {more} more); {config} describes a {family} model with {layers} "
            "layers, dim {dim}, {heads} heads ({kv_heads} key/value) of {head_dim}, MLP {mlp_dim}, vocab "
            "{vocab}"
            if more
            else "{path}: {name} is missing; {config} describes a {family} model with {layers} layers, dim "
            "{dim}, {heads} heads ({kv_heads} key/value) of {head_dim}, MLP {mlp_dim}, vocab {vocab}",
            more=more,
            **fields,
        )
    if kind == "unexpected":
        return note(
            "{path}: {name} (in {file}) is not part of this model (and {more} more); {config} describes a "
            "{family} model with {layers} layers, dim {dim}, {heads} heads ({kv_heads} key/value) of "
            "{head_dim}, MLP {mlp_dim}, vocab {vocab}"
            if more
            else "{path}: {name} (in {file}) is not part of this model; {config} describes a {family} model "
            "with {layers} layers, dim {dim}, {heads} heads ({kv_heads} key/value) of {head_dim}, MLP "
            "{mlp_dim}, vocab {vocab}",
            more=more,
            **fields,
        )
    if kind == "shape":
        return note(
            "{path}: {name} (in {file}) has shape {shape} but the config needs {needed} (and {more} more); "
            "{config} describes a {family} model with {layers} layers, dim {dim}, {heads} heads ({kv_heads} "
            "key/value) of {head_dim}, MLP {mlp_dim}, vocab {vocab}"
            if more
            else "{path}: {name} (in {file}) has shape {shape} but the config needs {needed}; {config} "
            "describes a {family} model with {layers} layers, dim {dim}, {heads} heads ({kv_heads} "
            "key/value) of {head_dim}, MLP {mlp_dim}, vocab {vocab}",
            more=more,
            **fields,
        )
    return note(
        "{path}: {name} (in {file}) holds {dtype} values, not float32, float16 or bfloat16 (and {more} "
        "more); {config} describes a {family} model with {layers} layers, dim {dim}, {heads} heads "
        "({kv_heads} key/value) of {head_dim}, MLP {mlp_dim}, vocab {vocab}"
        if more
        else "{path}: {name} (in {file}) holds {dtype} values, not float32, float16 or bfloat16; {config} "
        "describes a {family} model with {layers} layers, dim {dim}, {heads} heads ({kv_heads} key/value) "
        "of {head_dim}, MLP {mlp_dim}, vocab {vocab}",
        more=more,
        **fields,
    )


def check_declared_sizes(folder: ModelFolder, config: DecoderConfig) -> None:
    """Refuse a config.json that declares other layers than the tensors hold, before a model of that
    size is built (num_hidden_layers: 10^8 would fill memory; the other sizes cost nothing on the
    meta device and are compared tensor by tensor)."""
    layers = len({int(match.group(1)) for name in folder.tensors if (match := _LAYER.match(name))})
    if config.layers != layers:
        raise WeightsError(
            note(
                "{where} does not match the weights: it says num_hidden_layers={declared} but the files hold "
                "{layers}",
                where=folder.config_path,
                declared=config.layers,
                layers=layers,
            )
        )


def check_tensors(folder: ModelFolder, config: DecoderConfig) -> dict[str, tuple[int, ...]]:
    """Compare every stored tensor with what `config` needs; one WeightsError naming the first problem.

    Returns the expected names and shapes. A tied model may still store lm_head.weight (it is then
    not used, as transformers does not use it either).
    """
    check_declared_sizes(folder, config)
    expected = expected_tensors(config)
    optional = {HEAD: (config.vocab_size, config.dim)} if config.tied else {}
    # (kind, what `_tensor_problem` says of it), the missing ones first
    problems: list[tuple[str, dict[str, object]]] = [
        ("missing", {"name": name}) for name in expected if name not in folder.tensors
    ]
    for name, stored in folder.tensors.items():
        shape = expected.get(name, optional.get(name))
        where = {"name": name, "file": stored.file.name}
        if shape is None:
            if not _IGNORED.fullmatch(name):
                problems.append(("unexpected", where))
        elif stored.shape != shape:
            problems.append(("shape", {**where, "shape": _shape(stored.shape), "needed": _shape(shape)}))
        elif stored.dtype not in _DTYPES:
            problems.append(("dtype", {**where, "dtype": stored.dtype}))
    if problems:
        kind, said = problems[0]
        raise WeightsError(
            _tensor_problem(
                kind,
                len(problems) - 1,
                path=folder.path,
                config=folder.config_path.name,
                **said,
                **_summary(config),
            )
        )
    return expected


def _stored_dtype(folder: ModelFolder, expected: dict[str, tuple[int, ...]]) -> torch.dtype:
    """The precision most of the parameters are stored in."""
    elements: dict[str, int] = {}
    for name, shape in expected.items():
        kind = folder.tensors[name].dtype
        elements[kind] = elements.get(kind, 0) + math.prod(shape)
    return _DTYPES[max(elements, key=elements.__getitem__)]


def _dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def _choose_dtype(
    requested: torch.dtype | str | None,
    stored: torch.dtype,
    device: str,
    parameters: int,
    tables: int,
    where: Path,
) -> tuple[torch.dtype, str | None]:
    """The precision to hold the weights in, and a note when it is not the device's usual one.

    `tables` is the bytes of the float32 token and output tables handed out beside the model (views
    of the weights, costing nothing more, when the model is float32 on the CPU).
    """
    if isinstance(requested, str):
        if requested not in _NAMED_DTYPES:
            raise WeightsError(
                note(
                    "unknown precision {name} (choose from {names})",
                    name=repr(requested),
                    names=", ".join(_NAMED_DTYPES),
                )
            )
        requested = _NAMED_DTYPES[requested]
    if requested is not None or device != "cpu":
        chosen = requested or stored
        _check_fits(parameters * chosen.itemsize, _copied(tables, chosen, device), device, where)
        return chosen, None
    free = free_memory("cpu")
    full = parameters * 4
    if free is None or full <= free:
        return torch.float32, None
    _check_fits(parameters * 2, tables, device, where)
    why = note(
        "bfloat16 on the CPU: float32 weights would need {size}, {free} is free",
        size=format_bytes(full),
        free=format_bytes(free),
    )
    return torch.bfloat16, why


def _copied(tables: int, dtype: torch.dtype, device: str) -> int:
    """Bytes the float32 tables add: none when they are views of float32 weights on the CPU."""
    return 0 if device == "cpu" and dtype == torch.float32 else tables


def _check_fits(weights: int, tables: int, device: str, where: Path) -> None:
    """Refuse, before reading a byte of it, a model whose weights do not fit in free memory."""
    size = {"path": where, "size": format_bytes(weights)}
    if device != "cpu":
        free = free_memory(device)
        if free is not None and weights > free:
            raise WeightsError(
                note(
                    "{path}: the model's weights need {size} but {device} has {free} free",
                    device=device,
                    free=format_bytes(free),
                    **size,
                ),
                (
                    Hint(setting="device", value="cpu"),
                    Hint(setting="weights", purpose=note("with a smaller model")),
                ),
            )
        weights = 0  # only the float32 tables stay in RAM
    free = free_memory("cpu")
    if free is not None and weights + tables > free:
        raise WeightsError(
            note(
                "{path}: the model's weights need {size}, and {tables} for the float32 token tables, but "
                "only {free} of memory is available; close other programs or choose a smaller model"
                if tables
                else "{path}: the model's weights need {size} but only {free} of memory is available; close "
                "other programs or choose a smaller model",
                tables=format_bytes(tables),
                free=format_bytes(free),
                **size,
            ),
            Hint(setting="weights", purpose=note("with a smaller model")),
        )


def _read_state(
    folder: ModelFolder, expected: dict[str, tuple[int, ...]], dtype: torch.dtype, device: str
) -> dict[str, torch.Tensor]:
    """Engine name -> tensor in `dtype` on `device`, one file open at a time."""
    by_file: dict[Path, list[str]] = {}
    for name in expected:
        by_file.setdefault(folder.tensors[name].file, []).append(name)
    state = {}
    for file, names in by_file.items():
        try:
            with safe_open(file, framework="pt") as handle:
                for name in names:
                    engine_name = name if name == HEAD else name.removeprefix("model.")
                    tensor = finite(handle.get_tensor(name), name, file)
                    state[engine_name] = tensor.to(device=device, dtype=dtype)
        except (SafetensorError, OSError, ValueError) as error:
            raise WeightsError(note("{path} is damaged: {error}", path=file, error=error)) from None
    return state


def _float32_table(weight: torch.Tensor) -> np.ndarray:
    """A read-only float32 numpy view (on the CPU in float32) or copy of a (V, C) weight."""
    table = weight.detach().to("cpu", torch.float32).numpy()
    table.flags.writeable = False
    return table


def load_decoder(
    folder: str | Path, device: torch.device | str = "cpu", dtype: torch.dtype | str | None = None
) -> LoadedDecoder:
    """Load the Llama, Qwen2, Qwen3 or Mistral model in a Hugging Face folder (see the module docstring).

    Args:
        folder: holds config.json and model.safetensors, or model.safetensors.index.json and its shards.
        device: where the model runs.
        dtype: the precision to hold the weights in (torch.float32, "bfloat16", ...); None picks it:
            the checkpoint's own on an accelerator, float32 on the CPU (bf16 if float32 does not fit).

    Raises:
        WeightsError: one line naming the file, key or tensor that is wrong.
    """
    device = str(torch.device(device))
    contents = read_model_folder(folder)
    config = decoder_config(contents.config, contents.config_path)
    expected = check_tensors(contents, config)
    parameters = sum(math.prod(shape) for shape in expected.values())
    tables = (1 if config.tied else 2) * config.vocab_size * config.dim * 4
    stored = _stored_dtype(contents, expected)
    chosen, why_precision = _choose_dtype(dtype, stored, device, parameters, tables, contents.path)

    model = DecoderLM(config, device="meta")
    model.load_state_dict(_read_state(contents, expected, chosen, device), strict=True, assign=True)
    model.to(device).eval()  # moves the rotary frequencies, which are not in the checkpoint
    token_table = _float32_table(model.embed_tokens.weight)
    output_table = token_table if config.tied else _float32_table(model.lm_head.weight)
    name = model.describe()
    named = [entry for entry in contents.config.get("architectures") or () if entry in BY_ARCHITECTURE]
    return LoadedDecoder(
        model=model,
        config=config,
        family=config.family,
        architecture=named[0] if named else f"{config.family} (by model_type)",
        name=name,
        source=note("{name} from {path}", name=name, path=contents.path),
        path=contents.path,
        files=contents.files,
        parameters=parameters,
        dtype=chosen,
        device=device,
        token_table=token_table,
        output_table=output_table,
        precision_note=why_precision,
    )
