"""The config of a checkpoint `engine.nn.checkpoints` loads, read and checked before a model is built.

A GPT-2 checkpoint's sizes are read off its tensor shapes (vocabulary and width from wte, context
from wpe, layers from h.N) and checked against the `config.json` beside it, which also gives the
number of heads (no shape reveals it; an `n_head` metadata entry may instead). A tiny checkpoint
(`engine.nn.checkpoints.save_checkpoint`) holds its config as JSON in its metadata, with the training
steps, the tokenizer's encoding and the compact vocabulary.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

from engine.errors import WeightsError
from engine.nn.hf_folder import brief, id_map_from, positive_float, read_json, whole_number
from engine.nn.loaded_model import IdMap
from engine.nn.model import GPTConfig
from engine.note import note

_BLOCK = re.compile(r"h\.(\d+)\.")


@dataclass(frozen=True)
class Header:
    """A safetensors file's table of contents: stored name -> shape and dtype, and its metadata."""

    shapes: dict[str, tuple[int, ...]]
    dtypes: dict[str, str]
    metadata: dict[str, str]


def shape_text(shape: Sequence[int]) -> str:
    return "(" + ", ".join(str(size) for size in shape) + ("," if len(shape) == 1 else "") + ")"


def _config_from_hf(data: dict, where: Path) -> dict[str, object]:
    """The GPTConfig fields a Hugging Face GPT-2 config.json sets, after checking it is one we can run."""
    if data.get("model_type", "gpt2") != "gpt2":
        raise WeightsError(
            note("{where} describes a {type} model, not GPT-2", where=where, type=repr(data["model_type"]))
        )
    if data.get("activation_function", "gelu_new") not in ("gelu_new", "gelu_pytorch_tanh"):
        activation = repr(data["activation_function"])
        raise WeightsError(
            note(
                "{where}: activation {activation} is not GPT-2's gelu_new", where=where, activation=activation
            )
        )
    if data.get("n_inner") not in (None, 4 * data.get("n_embd", 0)):
        raise WeightsError(
            note(
                "{where}: n_inner={n_inner} (llm-tui's GPT-2 uses 4 × n_embd)",
                where=where,
                n_inner=data["n_inner"],
            )
        )
    if not data.get("scale_attn_weights", True) or data.get("scale_attn_by_inverse_layer_idx", False):
        raise WeightsError(
            note("{where}: attention scaling other than 1/√(head size) is not supported", where=where)
        )
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
            raise WeightsError(
                note("{path}: {name} is missing, so this is not a GPT-2 checkpoint", path=path, name=needed)
            )
        if len(shapes[names[needed]]) != 2:
            shape = shape_text(shapes[names[needed]])
            raise WeightsError(
                note(
                    "{path}: {name} has shape {shape}, not (rows, dim)",
                    path=path,
                    name=names[needed],
                    shape=shape,
                )
            )
    vocab_size, dim = shapes[names["wte.weight"]]
    # Count the blocks the file holds; a name alone (h.100000.ln_1.weight) must not make 100,001 of them.
    blocks = sorted({int(match.group(1)) for name in names if (match := _BLOCK.match(name))})
    if blocks and blocks[-1] != len(blocks) - 1:
        gap = next(index for index, block in enumerate(blocks) if index != block)
        raise WeightsError(
            note(
                "{path}: it holds tensors of block h.{block} but none of h.{gap}: "
                "the {count} blocks in the file are not numbered h.0 to h.{last}",
                path=path,
                block=blocks[gap],
                gap=gap,
                count=len(blocks),
                last=len(blocks) - 1,
            )
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
    evidence = {"dim": ("n_embd", wte), "vocab_size": ("vocab_size", wte), "context": ("n_positions", wpe)}
    for field_name, (key, tensor) in evidence.items():
        if declared[field_name] != found[field_name]:
            raise WeightsError(
                note(
                    "{where} does not match the weights: it says {key}={declared} but {tensor} has shape "
                    "{shape}",
                    where=where,
                    key=key,
                    declared=declared[field_name],
                    tensor=tensor,
                    shape=shape_text(shapes[tensor]),
                )
            )
    if declared["layers"] != layers:
        raise WeightsError(
            note(
                "{where} does not match the weights: it says n_layer={declared} but the file has {layers} "
                "blocks (h.0 to h.{last})"
                if layers
                else "{where} does not match the weights: it says n_layer={declared} but the file has "
                "{layers} blocks",
                where=where,
                declared=declared["layers"],
                layers=layers,
                last=layers - 1,
            )
        )


def gpt2_config(header: Header, names: dict[str, str], path: Path) -> GPTConfig:
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
            note(
                "cannot tell how many attention heads {path} has: no tensor shape reveals it. Put the "
                "model's config.json (with n_head) next to the file",
                path=path,
            )
        )
    return _make_config(found, path)


def _make_config(values: Mapping[str, object], where: Path) -> GPTConfig:
    known = {f.name: f.default for f in fields(GPTConfig)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise WeightsError(
            note("{where}: unknown config fields {fields}", where=where, fields=", ".join(unknown))
        )
    for key, value in values.items():  # 128.0 for a size, "abc" for an epsilon: named, not a crash later
        default = known[key]
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise WeightsError(
                    note(
                        "{where}: config field {key}={value} is not true or false",
                        where=where,
                        key=key,
                        value=brief(value),
                    )
                )
        elif isinstance(default, int):
            whole_number(value, key, where, config_field=True)
        elif key == "layer_norm_eps":
            positive_float(value, key, where, config_field=True)
        elif isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise WeightsError(
                note(
                    "{where}: config field {key}={value} is not a finite number",
                    where=where,
                    key=key,
                    value=brief(value),
                )
            )
    try:
        config = GPTConfig(**values)
        config.validate()
    except (TypeError, ValueError) as error:
        raise WeightsError(
            note("{where}: unusable model config: {error}", where=where, error=error)
        ) from None
    return config


def _metadata_int(metadata: Mapping[str, str], key: str, where: Path) -> int:
    try:
        return int(metadata[key])
    except (ValueError, TypeError):
        raise WeightsError(
            note(
                "{where}: metadata {key}={value} is not an integer",
                where=where,
                key=key,
                value=repr(metadata[key]),
            )
        ) from None


def tiny_details(header: Header, path: Path) -> tuple[GPTConfig, int, str, IdMap | None]:
    """Config, steps, encoding and compact vocabulary from a tiny checkpoint's metadata."""
    metadata = header.metadata
    config_values = _metadata_json(metadata, "config", path)
    id_map_values = _metadata_json(metadata, "id_map", path) if "id_map" in metadata else None
    if not isinstance(config_values, dict):
        raise WeightsError(note("{path}: the checkpoint's config metadata is not a JSON object", path=path))
    config = _make_config(config_values, path)
    id_map = id_map_from(id_map_values, path) if id_map_values is not None else None
    if id_map is not None and id_map.size != config.vocab_size:
        raise WeightsError(
            note(
                "{path}: the compact vocabulary has {ids} ids but the model has {rows} rows",
                path=path,
                ids=id_map.size,
                rows=config.vocab_size,
            )
        )
    steps = _metadata_int(metadata, "steps", path) if "steps" in metadata else 0
    return config, steps, metadata.get("encoding", "gpt2"), id_map


def _metadata_json(metadata: Mapping[str, str], key: str, path: Path) -> object:
    try:
        return json.loads(metadata.get(key, ""))
    except json.JSONDecodeError as error:
        raise WeightsError(
            note("{path}: damaged checkpoint metadata {key}: {error}", path=path, key=key, error=error)
        ) from None
    except RecursionError:
        raise WeightsError(
            note("{path}: checkpoint metadata {key} is nested too deeply to be real", path=path, key=key)
        ) from None


def check_declared_sizes(config: GPTConfig, header: Header, names: dict[str, str], path: Path) -> None:
    """Refuse a tiny checkpoint whose config metadata declares other layers than its tensors hold,
    before a model of that size is built (10^8 layers would fill memory; other sizes cost nothing on
    the meta device and are compared tensor by tensor)."""
    layers = _config_from_shapes(header.shapes, names, path)["layers"]  # others: checkpoints._check_tensors
    if config.layers != layers:
        raise WeightsError(
            note(
                "{path}: the config metadata says layers={declared} but the file holds {layers} blocks",
                path=path,
                declared=config.layers,
                layers=layers,
            )
        )
