"""`--weights` specs through huggingface_hub, offline, on a hub cache laid out as huggingface_hub lays it out.

Each repo is `models--ORG--NAME/` with `blobs/` (the files, by hash), `snapshots/<commit>/` (symlinks
to the blobs) and `refs/main` (the commit): what `snapshot_download` writes and `scan_cache_dir`
reads. HF_HUB_OFFLINE is set throughout, so nothing here could reach the Hub.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from pathlib import Path

import pytest

from engine import hub
from engine.errors import WeightsError
from engine.locations import find_hf_cache_gpt2

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def safetensors_bytes(tensors: dict[str, tuple[str, list[int]]]) -> bytes:
    """A safetensors file of zeros: name → (dtype, shape)."""
    sizes = {"BF16": 2, "F16": 2, "F32": 4}
    header, offset = {}, 0
    for name, (dtype, shape) in tensors.items():
        count = 1
        for size in shape:
            count *= size
        header[name] = {
            "dtype": dtype,
            "shape": shape,
            "data_offsets": [offset, offset + count * sizes[dtype]],
        }
        offset += count * sizes[dtype]
    encoded = json.dumps(header).encode()
    return struct.pack("<Q", len(encoded)) + encoded + bytes(offset)


def cache_repo(hub_dir: Path, repo_id: str, files: dict[str, bytes], commit: str = COMMIT) -> Path:
    """Lay `files` out in the hub cache as huggingface_hub does; returns the snapshot folder."""
    repo = hub_dir / f"models--{repo_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / commit
    for name, data in files.items():
        blob = repo / "blobs" / hashlib.sha256(data).hexdigest()
        blob.parent.mkdir(parents=True, exist_ok=True)
        blob.write_bytes(data)
        link = snapshot / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(os.path.relpath(blob, link.parent))
    (repo / "refs").mkdir(parents=True, exist_ok=True)
    (repo / "refs" / "main").write_text(commit)
    return snapshot


def config(architecture: str, model_type: str) -> bytes:
    return json.dumps({"architectures": [architecture], "model_type": model_type}).encode()


QWEN_WEIGHTS = {"model.embed_tokens.weight": ("BF16", [16, 8]), "model.norm.weight": ("BF16", [8])}


@pytest.fixture
def hub_dir(tmp_path, monkeypatch):
    cache = tmp_path / "hub"
    cache.mkdir()
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return cache


def sharded(repo_id: str, hub_dir: Path, drop: str | None = None) -> Path:
    shards = {
        "model-00001-of-00002.safetensors": {"model.embed_tokens.weight": ("BF16", [32, 8])},
        "model-00002-of-00002.safetensors": {"lm_head.weight": ("BF16", [32, 8]), "x": ("F32", [2])},
    }
    weight_map = {name: shard for shard, tensors in shards.items() for name in tensors}
    files = {
        "config.json": config("LlamaForCausalLM", "llama"),
        "model.safetensors.index.json": json.dumps({"metadata": {}, "weight_map": weight_map}).encode(),
    }
    files.update({shard: safetensors_bytes(t) for shard, t in shards.items() if shard != drop})
    return cache_repo(hub_dir, repo_id, files)


def test_a_repo_id_resolves_to_its_snapshot_offline(hub_dir):
    snapshot = cache_repo(
        hub_dir,
        "Qwen/Qwen2.5-0.5B",
        {
            "config.json": config("Qwen2ForCausalLM", "qwen2"),
            "model.safetensors": safetensors_bytes(QWEN_WEIGHTS),
        },
    )
    resolved = hub.resolve_weights("Qwen/Qwen2.5-0.5B")
    assert resolved.path == snapshot.resolve() and resolved.repo_id == "Qwen/Qwen2.5-0.5B"
    assert resolved.folder == resolved.path and resolved.name == "Qwen/Qwen2.5-0.5B"


def test_a_sharded_snapshot_resolves_and_hf_home_is_honoured(tmp_path, monkeypatch):
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    snapshot = sharded("meta-llama/Llama-3.2-1B-Instruct", tmp_path / "hub")
    assert hub.hub_cache_dir() == tmp_path / "hub"
    assert hub.resolve_weights("meta-llama/Llama-3.2-1B-Instruct").path == snapshot.resolve()


def test_a_repo_not_in_the_cache_says_how_to_download_it(hub_dir):
    with pytest.raises(WeightsError, match="not in the Hugging Face cache") as missing:
        hub.resolve_weights("meta-llama/Llama-3.2-1B-Instruct")
    assert missing.value.hint.command == "download meta-llama/Llama-3.2-1B-Instruct"


def test_an_incomplete_snapshot_is_one_clear_line(hub_dir):
    sharded("meta-llama/Llama-3.2-1B-Instruct", hub_dir, drop="model-00002-of-00002.safetensors")
    with pytest.raises(WeightsError) as incomplete:
        hub.resolve_weights("meta-llama/Llama-3.2-1B-Instruct")
    message = str(incomplete.value)
    assert "\n" not in message
    assert (
        "incomplete" in message
        and "1 of 2 weight files missing (model-00002-of-00002.safetensors)" in message
    )
    assert incomplete.value.hint.command == "download meta-llama/Llama-3.2-1B-Instruct"


def test_local_folders_and_files_are_used_as_they_are(hub_dir, tmp_path):
    folder = tmp_path / "my-model"
    folder.mkdir()
    (folder / "config.json").write_bytes(config("GPT2LMHeadModel", "gpt2"))
    (folder / "model.safetensors").write_bytes(safetensors_bytes(QWEN_WEIGHTS))
    assert hub.resolve_weights(str(folder)) == hub.ResolvedWeights(str(folder), folder)
    weights = folder / "model.safetensors"
    assert hub.resolve_weights(str(weights)).path == weights
    assert hub.resolve_weights(str(weights)).folder == folder
    (folder / "model.safetensors").unlink()
    with pytest.raises(WeightsError, match="incomplete"):
        hub.resolve_weights(str(folder))
    with pytest.raises(WeightsError, match="no such file or folder"):
        hub.resolve_weights(str(tmp_path / "missing.safetensors"))
    with pytest.raises(WeightsError, match="neither a file"):
        hub.resolve_weights("not--a--repo")


def test_gpt2_is_found_under_its_new_name_too(hub_dir):
    files = {
        "config.json": config("GPT2LMHeadModel", "gpt2"),
        "model.safetensors": safetensors_bytes(QWEN_WEIGHTS),
    }
    snapshot = cache_repo(hub_dir, "openai-community/gpt2", files)
    resolved = hub.resolve_weights("gpt2")
    assert resolved.path == snapshot.resolve() and resolved.repo_id == "openai-community/gpt2"
    assert find_hf_cache_gpt2() == snapshot.resolve()


def test_list_cached_models_reports_each_repo(hub_dir):
    cache_repo(
        hub_dir,
        "Qwen/Qwen2.5-0.5B",
        {
            "config.json": config("Qwen2ForCausalLM", "qwen2"),
            "model.safetensors": safetensors_bytes(QWEN_WEIGHTS),
        },
    )
    sharded("meta-llama/Llama-3.2-1B-Instruct", hub_dir)
    sharded("mistralai/Mistral-7B-v0.1", hub_dir, drop="model-00001-of-00002.safetensors")
    models = {model.repo_id: model for model in hub.list_cached_models()}
    assert list(models) == [
        "meta-llama/Llama-3.2-1B-Instruct",
        "mistralai/Mistral-7B-v0.1",
        "Qwen/Qwen2.5-0.5B",
    ]
    qwen = models["Qwen/Qwen2.5-0.5B"]
    assert (qwen.architecture, qwen.family, qwen.parameters, qwen.dtype) == (
        "Qwen2ForCausalLM",
        "qwen2",
        136,
        "bfloat16",
    )
    assert qwen.complete and qwen.problem is None and qwen.revision == COMMIT
    assert qwen.size_on_disk == sum(
        p.stat().st_size for p in (qwen.path / "..").resolve().parent.glob("blobs/*")
    )
    llama = models["meta-llama/Llama-3.2-1B-Instruct"]
    assert (llama.parameters, llama.dtype, llama.complete) == (2 * 32 * 8 + 2, "bfloat16", True)
    mistral = models["mistralai/Mistral-7B-v0.1"]
    assert not mistral.complete and mistral.parameters is None
    assert "model-00001-of-00002.safetensors" in mistral.problem


def test_an_empty_or_absent_cache_lists_nothing(hub_dir, tmp_path, monkeypatch):
    assert hub.list_cached_models() == []
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "nowhere"))
    assert hub.list_cached_models() == []


def test_parameters_come_from_the_headers_only(tmp_path):
    path = tmp_path / "model.safetensors"
    path.write_bytes(safetensors_bytes({"a": ("F16", [3, 4]), "b": ("F32", [5])}))
    (tmp_path / "config.json").write_text("{}")
    assert hub.count_parameters(tmp_path) == (17, "float16")
    path.write_bytes(b"\xff" * 16)
    with pytest.raises(WeightsError, match="not a safetensors file"):
        hub.count_parameters(tmp_path)


def test_download_is_refused_offline_and_words_hub_errors(hub_dir, monkeypatch):
    with pytest.raises(WeightsError, match="HF_HUB_OFFLINE"):
        hub.download("Qwen/Qwen2.5-0.5B")
    monkeypatch.delenv("HF_HUB_OFFLINE")
    from types import SimpleNamespace

    from huggingface_hub.errors import GatedRepoError, LocalEntryNotFoundError

    def gated(*args, **kwargs):
        raise GatedRepoError("403", response=SimpleNamespace(headers={}, request=None))

    monkeypatch.setattr(hub, "snapshot_download", gated)
    with pytest.raises(WeightsError, match="gated.*hf auth login"):
        hub.download("meta-llama/Llama-3.2-1B-Instruct")

    def unreachable(*args, **kwargs):
        raise LocalEntryNotFoundError("An error happened while trying to locate the files on the Hub.\nmore")

    monkeypatch.setattr(hub, "snapshot_download", unreachable)
    with pytest.raises(WeightsError, match="cannot download .*locate the files on the Hub") as error:
        hub.download("Qwen/Qwen2.5-0.5B")
    assert "\n" not in str(error.value)

    calls = []

    def fetched(repo_id, **kwargs):
        calls.append((repo_id, kwargs))
        return str(sharded(repo_id, hub_dir))

    monkeypatch.setattr(hub, "snapshot_download", fetched)
    assert hub.download("meta-llama/Llama-3.2-1B-Instruct").name == COMMIT
    ((repo_id, kwargs),) = calls
    assert kwargs["cache_dir"] == hub_dir and "local_files_only" not in kwargs
    assert "*.safetensors" in kwargs["allow_patterns"] and "original/*" in kwargs["ignore_patterns"]


def test_a_download_huggingface_hub_knows_is_interrupted_is_one_line(hub_dir, monkeypatch):
    from huggingface_hub.errors import IncompleteSnapshotError

    snapshot = sharded("Qwen/Qwen2.5-0.5B", hub_dir)

    def interrupted(*args, **kwargs):
        raise IncompleteSnapshotError(
            "The cached snapshot is incomplete:\n2 file(s) are missing", str(snapshot)
        )

    monkeypatch.setattr(hub, "snapshot_download", interrupted)
    with pytest.raises(WeightsError, match="was interrupted") as error:
        hub.resolve_weights("Qwen/Qwen2.5-0.5B")
    assert "\n" not in str(error.value) and error.value.hint.command == "download Qwen/Qwen2.5-0.5B"
    (snapshot / "model-00001-of-00002.safetensors").unlink()
    with pytest.raises(WeightsError, match="1 of 2 weight files missing"):
        hub.resolve_weights("Qwen/Qwen2.5-0.5B")
    assert hub.find_cached("Qwen/Qwen2.5-0.5B") is None
