"""Reading a Hugging Face model folder's table of contents without loading a tensor.

A folder holds `config.json` and the weights as `model.safetensors`, or as shards listed in
`model.safetensors.index.json` (`weight_map`: tensor name -> file). Only safetensors are read
(raw tensors behind a JSON header); PyTorch pickles (`pytorch_model.bin`, `.pt`) are refused,
since unpickling a file can run any code inside it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from safetensors import SafetensorError, safe_open

from engine.errors import WeightsError
from engine.note import note

if TYPE_CHECKING:
    from torch import Tensor

    from engine.nn.loaded_model import IdMap

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")
"""Files that hold pickled weights, which llm-tui refuses: unpickling can run any code."""

SINGLE_FILE = "model.safetensors"
INDEX_FILE = "model.safetensors.index.json"


@dataclass(frozen=True)
class StoredTensor:
    """Where one tensor is and what it holds, from a safetensors header."""

    file: Path
    shape: tuple[int, ...]
    dtype: str  # safetensors' spelling: "BF16", "F16", "F32", ...


@dataclass(frozen=True)
class ModelFolder:
    """A model folder's config and the table of contents of its safetensors files."""

    path: Path
    config_path: Path
    config: dict
    tensors: dict[str, StoredTensor]  # stored name -> where it is
    files: tuple[Path, ...]  # the safetensors files, in the order they were read


def refuse_pickle(path: Path) -> WeightsError:
    return WeightsError(
        note(
            "{path} is a PyTorch pickle file; llm-tui never unpickles weights (loading one can run any code "
            "inside it). Convert it to .safetensors first, e.g. with transformers: "
            "model.save_pretrained(folder, safe_serialization=True)",
            path=path,
        )
    )


def not_a_file(path: Path) -> WeightsError:
    """The error for a path that is there but not a regular file: reading a FIFO or a device never ends."""
    return WeightsError(
        note("{path} is not a regular file (a pipe, a device or a socket?); name a file", path=path)
    )


def read_json(path: Path) -> dict:
    if path.exists() and not path.is_file():
        raise not_a_file(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise WeightsError(note("cannot read {path}: {error}", path=path, error=error)) from None
    except RecursionError:
        raise WeightsError(
            note("cannot read {path}: its JSON is nested too deeply to be a model's", path=path)
        ) from None
    if not isinstance(data, dict):
        raise WeightsError(note("{path} does not hold a JSON object", path=path))
    return data


def _weight_files(folder: Path) -> tuple[tuple[Path, ...], dict[str, str] | None]:
    """The safetensors files to read, and the index's weight_map when the model is sharded."""
    single = folder / SINGLE_FILE
    if single.is_file():
        return (single,), None
    index = folder / INDEX_FILE
    for path in (single, index):
        if path.exists() and not path.is_file():
            raise not_a_file(path)
    if index.is_file():
        weight_map = read_json(index).get("weight_map")
        if not isinstance(weight_map, dict) or not all(isinstance(f, str) for f in weight_map.values()):
            raise WeightsError(note("{index} has no weight_map of tensor names to file names", index=index))
        files = []
        for name in sorted(set(weight_map.values())):
            shard = folder / name
            if Path(name).name != name:
                raise WeightsError(
                    note(
                        "{index} names the shard {name}, which is not a file in {folder}",
                        index=index,
                        name=repr(name),
                        folder=folder,
                    )
                )
            if shard.exists() and not shard.is_file():
                raise not_a_file(shard)
            if not shard.is_file():
                raise WeightsError(
                    note(
                        "{index} lists the shard {name}, which is not in {folder}",
                        index=index,
                        name=name,
                        folder=folder,
                    )
                )
            files.append(shard)
        return tuple(files), weight_map
    pickled = sorted(p.name for p in folder.iterdir() if p.name.lower().endswith(PICKLE_SUFFIXES))
    if pickled:
        raise refuse_pickle(folder / pickled[0])
    raise WeightsError(
        note(
            "the folder {folder} has neither {single} nor {index}",
            folder=folder,
            single=SINGLE_FILE,
            index=INDEX_FILE,
        )
    )


def _read_header(path: Path) -> dict[str, StoredTensor]:
    try:
        with safe_open(path, framework="pt") as handle:
            slices = {name: handle.get_slice(name) for name in handle.keys()}
            return {
                name: StoredTensor(path, tuple(piece.get_shape()), piece.get_dtype())
                for name, piece in slices.items()
            }
    except (SafetensorError, OSError, ValueError) as error:
        try:
            with open(path, "rb") as file:
                start = file.read(2)
        except OSError:
            start = b""
        if start[:1] == b"\x80" or start == b"PK":  # a pickle, or torch.save's zip of pickles
            raise refuse_pickle(path) from None
        raise WeightsError(
            note(
                "{path} is not a readable safetensors file (truncated or corrupt?): {error}",
                path=path,
                error=error,
            )
        ) from None


def read_model_folder(path: str | Path) -> ModelFolder:
    """The config and tensor table of contents of a Hugging Face model folder.

    Raises:
        WeightsError: naming the missing, pickled or damaged file.
    """
    folder = Path(path).expanduser()
    if not folder.exists():
        raise WeightsError(note("no such model folder: {folder}", folder=folder))
    if not folder.is_dir():
        if folder.name.lower().endswith(PICKLE_SUFFIXES):
            raise refuse_pickle(folder)
        raise WeightsError(
            note(
                "{folder} is a file; name the model folder (config.json and {single})",
                folder=folder,
                single=SINGLE_FILE,
            )
        )
    config_path = folder / "config.json"
    if config_path.exists() and not config_path.is_file():
        raise not_a_file(config_path)
    if not config_path.is_file():
        raise WeightsError(note("the folder {folder} has no config.json", folder=folder))
    config = read_json(config_path)
    files, weight_map = _weight_files(folder)
    tensors: dict[str, StoredTensor] = {}
    for file in files:
        for name, stored in _read_header(file).items():
            if name in tensors:
                raise WeightsError(
                    note(
                        "{folder}: {name} is in both {first} and {second}",
                        folder=folder,
                        name=name,
                        first=tensors[name].file.name,
                        second=file.name,
                    )
                )
            tensors[name] = stored
    for name, file_name in (weight_map or {}).items():
        if name not in tensors or tensors[name].file.name != file_name:
            raise WeightsError(
                note(
                    "{index} puts {name} in {file}, which does not hold it",
                    index=folder / INDEX_FILE,
                    name=name,
                    file=file_name,
                )
            )
    return ModelFolder(folder, config_path, config, tensors, files)


# --- checking values read from a weights file (shared with engine.nn.checkpoints) ----------------


def whole_number(value: object, key: str, where: Path, *, config_field: bool = False) -> int:
    """`value` as an integer (not a bool, not 128.0), or a WeightsError naming `key` (as a "config
    field" of a tiny checkpoint's config metadata when `config_field`)."""
    if not isinstance(value, int) or isinstance(value, bool):
        if value is None:
            raise WeightsError(
                note(
                    "{where} has no integer config field {key}"
                    if config_field
                    else "{where} has no integer {key}",
                    where=where,
                    key=key,
                )
            )
        raise WeightsError(
            note(
                "{where} has config field {key}={value}, not an integer"
                if config_field
                else "{where} has {key}={value}, not an integer",
                where=where,
                key=key,
                value=brief(value),
            )
        )
    return value


def positive_float(value: object, key: str, where: Path, *, config_field: bool = False) -> float:
    """A normalisation epsilon: a finite number above 0."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
        raise WeightsError(
            note(
                "{where}: config field {key}={value} is not a positive finite number"
                if config_field
                else "{where}: {key}={value} is not a positive finite number",
                where=where,
                key=key,
                value=brief(value),
            )
        )
    return float(value)


def brief(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "…"


def finite(tensor: Tensor, name: str, file: Path) -> Tensor:
    """`tensor`, after making sure it holds no NaN or infinity (they would make every probability NaN)."""
    if not bool(tensor.isfinite().all()):
        raise WeightsError(
            note("{file}: {name} holds NaN or infinite values; the weights are damaged", file=file, name=name)
        )
    return tensor


def id_map_from(values: object, path: Path) -> IdMap:
    """The compact vocabulary: distinct tokenizer ids 0 or more, in ascending order (`IdMap.to_model`
    searches them; an unsorted list would silently give the wrong tokens)."""
    if not isinstance(values, list) or not all(
        isinstance(value, int) and not isinstance(value, bool) for value in values
    ):
        raise WeightsError(
            note("{path}: checkpoint metadata id_map is not a list of whole token ids", path=path)
        )
    if not all(0 <= value < 2**31 for value in values):
        bad = next(value for value in values if not 0 <= value < 2**31)
        raise WeightsError(
            note(
                "{path}: checkpoint metadata id_map holds the token id {id}, out of range", path=path, id=bad
            )
        )
    import numpy as np

    from engine.nn.loaded_model import IdMap

    ids = np.asarray(values, dtype=np.int64)
    if len(ids) > 1 and not np.all(np.diff(ids) > 0):
        raise WeightsError(
            note("{path}: checkpoint metadata id_map is not in ascending order without repeats", path=path)
        )
    return IdMap(ids)
