"""Open model checkpoints on disk: `--weights` specs resolved through `huggingface_hub` (no torch).

A spec is a local folder or `.safetensors` file (used as it is) or a Hub repo id
(`meta-llama/Llama-3.2-1B-Instruct`, `Qwen/Qwen2.5-0.5B`, `gpt2`), looked up in the local Hugging Face
cache only: resolving never touches the network. `download` is the one way in, and only when asked.

The cache is the one huggingface_hub itself uses: `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else
`~/.cache/huggingface/hub`. huggingface_hub reads those variables once, when it is imported, so
they are read again here on every call and the folder is passed to it.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from huggingface_hub import snapshot_download
from huggingface_hub.errors import (
    CorruptedCacheException,
    GatedRepoError,
    HFValidationError,
    IncompleteSnapshotError,
    LocalEntryNotFoundError,
    RepositoryNotFoundError,
)
from huggingface_hub.utils import validate_repo_id
from huggingface_hub.utils._cache_manager import _scan_cached_repo  # scan_cache_dir's, one repo

from engine.errors import Hint, WeightsError
from engine.note import note

# What llm-tui reads from a model repo: configs, tokenizer files, chat templates and safetensors
# weights. Repos also hold the same weights for other frameworks (gpt2: pytorch_model.bin,
# tf_model.h5, flax, onnx, rust) or a second copy (Llama's original/, Mistral's consolidated.*).
ALLOW_PATTERNS = ("*.json", "*.safetensors", "*.jinja")
IGNORE_PATTERNS = ("original/*", "consolidated*", "onnx/*")

# Old canonical names the Hub moved under an organisation; a cache may hold either.
_MOVED = {"gpt2": "openai-community/gpt2"}

_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt")

# safetensors dtype names as torch prints them.
_DTYPES = {
    "BF16": "bfloat16",
    "F16": "float16",
    "F32": "float32",
    "F64": "float64",
    "F8_E4M3": "float8_e4m3fn",
}


@dataclass(frozen=True)
class ResolvedWeights:
    """Where a `--weights` spec points.

    Attributes:
        spec: what the user gave.
        path: a folder (config.json and weights) or a single `.safetensors` file.
        repo_id: the Hub repo it came from, or None for a local path.
    """

    spec: str
    path: Path
    repo_id: str | None = None

    @property
    def folder(self) -> Path:
        """The folder holding config.json and the tokenizer files."""
        return self.path if self.path.is_dir() else self.path.parent

    @property
    def name(self) -> str:
        """The model's name as the app shows it: the repo id, else the file or folder name."""
        return self.repo_id or self.path.name


@dataclass(frozen=True)
class CachedModel:
    """One model repo in the Hugging Face cache, as `llm-tui models` lists it.

    Attributes:
        repo_id: `ORG/NAME` (or a legacy bare name such as `gpt2`).
        path: the snapshot folder `refs/main` names (else the newest snapshot).
        revision: its commit hash.
        architecture: `config.json`'s first `architectures` entry (`LlamaForCausalLM`), if any.
        family: `config.json`'s `model_type` (`llama`, `qwen2`, `gpt2`), if any.
        parameters: the number of weights, added up from the safetensors headers; None if incomplete.
        dtype: the dtype most of those weights are stored in (`bfloat16`), if known.
        size_on_disk: bytes the repo takes in the cache.
        complete: config.json and every weight file are there.
        problem: why it is not complete (one line), else None.
    """

    repo_id: str
    path: Path
    revision: str
    architecture: str | None
    family: str | None
    parameters: int | None
    dtype: str | None
    size_on_disk: int
    complete: bool
    problem: str | None = None


def hub_cache_dir() -> Path:
    """The Hugging Face hub cache, from the environment as it is now (as huggingface_hub reads it)."""
    for variable in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(variable):
            return Path(os.path.expandvars(os.environ[variable])).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.path.expandvars(os.environ["HF_HOME"])).expanduser() / "hub"
    cache_home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache_home) / "huggingface" / "hub"


def _offline() -> bool:
    value = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE") or ""
    return value.upper() in {"1", "ON", "YES", "TRUE"}


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _download_hint(repo_id: str) -> Hint:
    return Hint(command=f"download {repo_id}", purpose=note("to fetch it from the Hugging Face Hub (once)"))


def _looks_like_path(spec: str) -> bool:
    return (
        os.path.isabs(spec)
        or spec.startswith((".", "~"))
        or "\\" in spec
        or spec.count("/") > 1
        or spec.lower().endswith(_WEIGHT_SUFFIXES)
    )


def _weight_files(folder: Path) -> list[str]:
    """The safetensors files a model folder needs: the index's shards, else model.safetensors."""
    index = folder / "model.safetensors.index.json"
    if index.is_file():
        try:
            weight_map = json.loads(index.read_text(encoding="utf-8"))["weight_map"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise WeightsError(note("cannot read {path}: {error}", path=index, error=error)) from error
        return sorted(set(weight_map.values()))
    return ["model.safetensors"]


def check_folder(folder: Path, name: str, repo_id: str | None = None, local: bool = False) -> None:
    """Raise a one-line WeightsError if `folder` (download `name`, or `local` folder) lacks a needed file."""
    hint = _download_hint(repo_id) if repo_id else None
    if not (folder / "config.json").is_file():
        raise WeightsError(
            note(
                "the model folder {name} is incomplete: it has no config.json ({folder})"
                if local
                else "the download of {name} is incomplete: it has no config.json ({folder})",
                name=name,
                folder=folder,
            ),
            hint,
        )
    needed = _weight_files(folder)
    missing = [file for file in needed if not (folder / file).is_file()]
    if missing:
        raise WeightsError(
            note(
                (
                    "the model folder {name} is incomplete: {missing} of {needed} weight files missing "
                    "({shown}) in {folder}"
                    if local
                    else "the download of {name} is incomplete: {missing} of {needed} weight files missing "
                    "({shown}) in {folder}"
                )
                if len(missing) <= 3
                else (
                    "the model folder {name} is incomplete: {missing} of {needed} weight files missing "
                    "({shown} and {more} more) in {folder}"
                    if local
                    else "the download of {name} is incomplete: {missing} of {needed} weight files missing "
                    "({shown} and {more} more) in {folder}"
                ),
                name=name,
                missing=len(missing),
                needed=len(needed),
                shown=", ".join(missing[:3]),
                more=len(missing) - 3,
                folder=folder,
            ),
            hint,
        )


def cached_snapshot(repo_id: str) -> Path | None:
    """The snapshot of `repo_id` that `refs/main` names in the cache, or None; never downloads.

    An interrupted download that huggingface_hub can tell is incomplete is a WeightsError.
    """
    try:
        folder = snapshot_download(
            repo_id,
            cache_dir=hub_cache_dir(),
            local_files_only=True,
            allow_patterns=list(ALLOW_PATTERNS),
            ignore_patterns=list(IGNORE_PATTERNS),
        )
    except IncompleteSnapshotError as error:
        folder = Path(error.snapshot_path)
        # A missing weight file is the likelier cause, and worth naming.
        check_folder(folder, repo_id, repo_id)
        raise WeightsError(
            note(
                "the download of {repo} was interrupted: some of its files are missing from {folder}",
                repo=repo_id,
                folder=folder,
            ),
            _download_hint(repo_id),
        ) from None
    except LocalEntryNotFoundError:
        return None
    except UnicodeDecodeError:
        raise WeightsError(
            note(
                "the cache entry of {repo} is damaged: its refs/main is not a commit hash (in {cache})",
                repo=repo_id,
                cache=hub_cache_dir(),
            ),
            _download_hint(repo_id),
        ) from None
    except OSError as error:  # another damaged cache entry
        raise WeightsError(
            note(
                "the cache entry of {repo} is damaged ({error}) in {cache}",
                repo=repo_id,
                error=_first_line(error),
                cache=hub_cache_dir(),
            ),
            _download_hint(repo_id),
        ) from None
    folder = Path(folder)
    if not folder.is_dir():  # a snapshot that is a dangling link, or gone since refs/main named it
        raise WeightsError(
            note(
                "the download of {repo} is damaged: its snapshot {folder} is missing",
                repo=repo_id,
                folder=folder,
            ),
            _download_hint(repo_id),
        )
    return folder


def _candidates(repo_id: str) -> tuple[str, ...]:
    return (repo_id, _MOVED[repo_id]) if repo_id in _MOVED else (repo_id,)


def find_cached(repo_id: str) -> Path | None:
    """A complete snapshot of `repo_id` (or of the name it moved to) in the cache, else None."""
    for candidate in _candidates(repo_id):
        try:
            folder = cached_snapshot(candidate)
            if folder is not None:
                check_folder(folder, candidate)
                return folder
        except WeightsError:
            continue
    return None


def resolve_weights(spec: str) -> ResolvedWeights:
    """Where `spec` (a folder, a weights file, or a Hub repo id) is on this machine; never downloads.

    An existing path wins over a repo id of the same spelling. A repo id missing from the cache,
    or cached but incomplete, is a WeightsError with a hint to download it.
    """
    path = Path(spec).expanduser()
    if path.exists():
        if path.is_dir() and (path / "config.json").is_file():
            check_folder(path, spec, local=True)
        return ResolvedWeights(spec, path)
    if _looks_like_path(spec):
        raise WeightsError(note("no such file or folder: {spec}", spec=spec))
    try:
        validate_repo_id(spec)
    except HFValidationError:
        raise WeightsError(
            note("{spec} is neither a file, a folder nor a Hugging Face model id (ORG/NAME)", spec=repr(spec))
        ) from None
    for candidate in _candidates(spec):
        folder = cached_snapshot(candidate)
        if folder is not None:
            check_folder(folder, candidate, spec)
            return ResolvedWeights(spec, folder, candidate)
    raise WeightsError(
        note("the model {spec} is not in the Hugging Face cache ({cache})", spec=spec, cache=hub_cache_dir()),
        _download_hint(spec),
    )


def read_safetensors_header(path: Path) -> dict:
    """The JSON header of a safetensors file (tensor name → dtype, shape, offsets), not its data."""
    try:
        with path.open("rb") as file:
            length = int.from_bytes(file.read(8), "little")
            if not 2 <= length <= 100_000_000:
                raise ValueError(f"header length {length} is not plausible")
            header = json.loads(file.read(length))
    except (OSError, ValueError) as error:
        raise WeightsError(
            note("{path} is not a safetensors file: {error}", path=path, error=error)
        ) from error
    header.pop("__metadata__", None)
    return header


def count_parameters(folder: Path) -> tuple[int, str | None]:
    """(number of weights, the dtype most are stored in) of a model folder, from its headers only."""
    per_dtype: Counter[str] = Counter()
    for name in _weight_files(folder):
        for tensor in read_safetensors_header(folder / name).values():
            count = 1
            for size in tensor["shape"]:
                count *= size
            per_dtype[tensor["dtype"]] += count
    if not per_dtype:
        return 0, None
    dtype = per_dtype.most_common(1)[0][0]
    return sum(per_dtype.values()), _DTYPES.get(dtype, dtype.lower())


def _read_config(folder: Path) -> dict:
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return config if isinstance(config, dict) else {}


def _describe(repo_id: str, folder: Path, revision: str, size_on_disk: int) -> CachedModel:
    config = _read_config(folder)
    architectures = config.get("architectures") or [None]
    problem = None
    parameters = dtype = None
    try:
        check_folder(folder, repo_id)
        parameters, dtype = count_parameters(folder)
    except WeightsError as error:
        problem = str(error)
    return CachedModel(
        repo_id=repo_id,
        path=folder,
        revision=revision,
        architecture=architectures[0],
        family=config.get("model_type"),
        parameters=parameters,
        dtype=dtype,
        size_on_disk=size_on_disk,
        complete=problem is None,
        problem=problem,
    )


def _damaged(repo_path: Path, error: Exception) -> CachedModel:
    repo_id = repo_path.name.removeprefix("models--").replace("--", "/")
    return CachedModel(
        repo_id=repo_id,
        path=repo_path,
        revision="",
        architecture=None,
        family=None,
        parameters=None,
        dtype=None,
        size_on_disk=0,
        complete=False,
        problem=f"the cache entry of {repo_id} is damaged: {_first_line(error)}",
    )


def list_cached_models() -> list[CachedModel]:
    """Every model repo in the Hugging Face cache, by repo id; reads files' headers, never downloads.

    Scanned repo by repo, as `scan_cache_dir` does, so that one damaged entry (a dangling snapshot
    link, a `refs/main` that is not text) is listed as damaged instead of ending the listing.
    """
    cache = hub_cache_dir()
    try:
        repo_paths = sorted(path for path in cache.iterdir() if path.name.startswith("models--"))
    except OSError:
        return []
    models = []
    for repo_path in repo_paths:
        try:
            repo = _scan_cached_repo(repo_path)
        except CorruptedCacheException as error:
            if "missing commit" in str(error) or not (repo_path / "snapshots").is_dir():
                continue  # nothing usable downloaded: as scan_cache_dir, leave it out
            models.append(_damaged(repo_path, error))
            continue
        except (OSError, ValueError) as error:  # UnicodeDecodeError is a ValueError
            models.append(_damaged(repo_path, error))
            continue
        if repo.repo_type != "model" or not repo.revisions:
            continue
        revision = repo.refs.get("main") or max(repo.revisions, key=lambda r: r.last_modified)
        models.append(
            _describe(repo.repo_id, revision.snapshot_path, revision.commit_hash, repo.size_on_disk)
        )
    return sorted(models, key=lambda model: model.repo_id.lower())


def download(repo_id: str) -> Path:
    """Fetch `repo_id`'s config, tokenizer and safetensors weights into the cache, with a progress bar.

    Only ever called on the user's explicit request (`llm-tui download`). A gated repo (Llama) needs
    the licence accepted on huggingface.co and the user's own token, found as `hf auth login` saved
    it or in `$HF_TOKEN`, as huggingface-cli finds it.
    """
    if _offline():
        raise WeightsError(
            note("cannot download {repo}: HF_HUB_OFFLINE is set, so the Hub is not asked", repo=repo_id)
        )
    try:
        validate_repo_id(repo_id)
    except HFValidationError as error:
        raise WeightsError(
            note("{repo} is not a Hugging Face model id (ORG/NAME): {error}", repo=repr(repo_id), error=error)
        ) from None
    try:
        folder = Path(
            snapshot_download(
                repo_id,
                cache_dir=hub_cache_dir(),
                allow_patterns=list(ALLOW_PATTERNS),
                ignore_patterns=list(IGNORE_PATTERNS),
            )
        )
    except GatedRepoError:
        raise WeightsError(
            note(
                "{repo} is gated: accept its licence at https://huggingface.co/{repo}, then log in "
                "with `hf auth login` (or set HF_TOKEN)",
                repo=repo_id,
            )
        ) from None
    except RepositoryNotFoundError:
        raise WeightsError(
            note(
                "no model {repo} on the Hugging Face Hub (if it is private, log in with `hf auth login`)",
                repo=repo_id,
            )
        ) from None
    except OSError as error:  # the Hub not reached (LocalEntryNotFoundError), other HTTP errors, a full disk
        raise WeightsError(
            note("cannot download {repo}: {error}", repo=repo_id, error=_first_line(error))
        ) from None
    check_folder(folder, repo_id, repo_id)
    return folder


OPEN_ARCHITECTURES_EXCLUDED = ("GPT2LMHeadModel", "GPT2Model")
"""Architectures that run as GPT-2 checkpoints, with llm-tui's own BPE, not their tokenizer.json."""


@lru_cache(maxsize=16)
def _open_model_folder(spec: str, cache: str) -> tuple[Path, str] | None:
    path = Path(spec).expanduser()
    if path.exists():
        folder, name = (path if path.is_dir() else path.parent), path.name
    elif "/" in spec and not spec.startswith((".", "/", "~")):
        try:
            resolved = resolve_weights(spec)
        except WeightsError:
            return None  # the pipeline reports it when it loads the model
        folder, name = resolved.folder, resolved.name
    else:
        return None
    try:
        architectures = _read_config(folder).get("architectures") or []
    except WeightsError:
        return None
    if not architectures or architectures[0] in OPEN_ARCHITECTURES_EXCLUDED:
        return None
    if not (folder / "tokenizer.json").is_file():
        return None
    return folder, name


def open_model_folder(spec: str) -> tuple[Path, str] | None:
    """(folder, name) of the open model (Llama, Qwen, Mistral, ...) `--weights spec` names, whose
    tokenizer.json reads the text; None for GPT-2, tiny models and what cannot be resolved. Looked
    up once per spec and cache folder: tokenizing a keystroke must not search the cache again."""
    return _open_model_folder(spec, str(hub_cache_dir()))
