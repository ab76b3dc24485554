"""Checkpoints and state files are written atomically: concurrent writers, crashed writers, full disks."""

from __future__ import annotations

import errno
import multiprocessing
import os
import threading
import time
from pathlib import Path

import pytest
import torch

from engine import atomic_files
from engine.errors import WeightsError
from engine.nn.checkpoints import load_weights, save_checkpoint
from engine.nn.model import GPT, GPTConfig

CONFIG = GPTConfig(vocab_size=11, context=8, dim=16, layers=1, heads=2)
JOIN_SECONDS = 60.0


def _model(seed: int) -> GPT:
    torch.manual_seed(seed)
    return GPT(CONFIG)


def _leftovers(folder: Path) -> list[str]:
    names = (p.name for p in folder.iterdir())
    return sorted(name for name in names if atomic_files.TEMP_MARK in name or name.endswith(".partial"))


def _same(model: GPT, other: GPT) -> bool:
    mine, theirs = model.state_dict(), other.state_dict()
    return all(torch.equal(mine[name].cpu(), theirs[name].cpu()) for name in mine)


def _save_in_process(seed: int, path: str, steps: int) -> None:
    save_checkpoint(_model(seed), CONFIG, path, {"seed": str(seed)}, steps=steps)


@pytest.mark.parametrize("writers", [2, 6])
def test_concurrent_thread_saves_leave_one_whole_checkpoint(tmp_path, writers):
    path = tmp_path / "model.safetensors"
    models = [_model(seed) for seed in range(writers)]
    barrier = threading.Barrier(writers, timeout=JOIN_SECONDS)
    errors: list[BaseException] = []

    def save(index: int) -> None:
        try:
            barrier.wait()
            for _ in range(3):
                save_checkpoint(models[index], CONFIG, path, steps=index)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=save, args=(index,)) for index in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_SECONDS)
        assert not thread.is_alive()
    assert not errors
    loaded = load_weights(path)
    assert _same(loaded.model, models[loaded.steps])  # the file is exactly the writer it names
    assert _leftovers(tmp_path) == []


def test_concurrent_process_saves_leave_one_whole_checkpoint(tmp_path):
    path = tmp_path / "out.safetensors"
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_save_in_process, args=(seed, str(path), seed)) for seed in (3, 4, 5)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(JOIN_SECONDS)
        assert process.exitcode == 0
    loaded = load_weights(path)
    assert loaded.steps in (3, 4, 5)
    assert _same(loaded.model, _model(loaded.steps))
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("age", [atomic_files.STALE_SECONDS + 60, 24 * 3600])
def test_a_crashed_writers_stale_temporary_is_removed_on_save(tmp_path, age):
    path = tmp_path / "model.safetensors"
    stale = atomic_files.temp_path(path)
    stale.write_bytes(b"half a checkpoint")
    old = time.time() - age
    os.utime(stale, (old, old))
    fresh = atomic_files.temp_path(path)  # a live writer's: must survive
    fresh.write_bytes(b"being written")
    unrelated = tmp_path / ".other.safetensors.tmp-1-abc"
    unrelated.write_bytes(b"not ours")
    os.utime(unrelated, (old, old))
    save_checkpoint(_model(0), CONFIG, path)
    assert not stale.exists()
    assert fresh.exists() and unrelated.exists()
    assert load_weights(path).config == CONFIG


@pytest.mark.parametrize("where", ["write", "fsync"])
def test_a_failed_checkpoint_write_keeps_the_old_file_and_no_temporary(tmp_path, monkeypatch, where):
    path = tmp_path / "model.safetensors"
    save_checkpoint(_model(1), CONFIG, path, steps=1)
    before = path.read_bytes()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    if where == "write":
        monkeypatch.setattr("engine.nn.checkpoints.save_file", full)
    else:
        monkeypatch.setattr(atomic_files.os, "fsync", full)
    with pytest.raises(WeightsError, match="cannot write the checkpoint"):
        save_checkpoint(_model(2), CONFIG, path, steps=2)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert load_weights(path).steps == 1
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("data", [b"", b"x" * 10, bytes(range(256)) * 50])
def test_write_bytes_replaces_whole_and_keeps_a_backup(tmp_path, data):
    path = tmp_path / "state.json"
    backup = tmp_path / "state.json.bak"
    atomic_files.write_bytes(path, b"first")
    atomic_files.write_bytes(path, data, backup=backup)
    assert path.read_bytes() == data and backup.read_bytes() == b"first"
    assert _leftovers(tmp_path) == []
