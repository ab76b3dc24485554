"""Odd hub caches for `--weights gpt2`: each is one clear line (or "not cached"), never an internal error.

Members: a snapshot that is a dangling symlink, a `refs/main` that is not UTF-8, a `refs/main` naming a
snapshot that is not there, and an empty snapshot folder.
"""

from __future__ import annotations

import pytest

from engine import hub
from engine.errors import WeightsError
from tests.cli.helpers import run_cli
from tests.engine.test_hub import COMMIT, cache_repo, hub_dir  # noqa: F401  (hub_dir is a fixture)

OTHER = "fedcba9876543210fedcba9876543210fedcba98"


def _gpt2_repo(cache):
    return cache / "models--gpt2"


def dangling_snapshot(cache):
    snapshots = _gpt2_repo(cache) / "snapshots"
    snapshots.mkdir(parents=True)
    (snapshots / COMMIT).symlink_to(cache / "gone")
    (_gpt2_repo(cache) / "refs").mkdir()
    (_gpt2_repo(cache) / "refs" / "main").write_text(COMMIT)


def non_utf8_ref(cache):
    cache_repo(cache, "gpt2", {"config.json": b"{}"})
    (_gpt2_repo(cache) / "refs" / "main").write_bytes(b"\xff\xfe\x80 not a commit")


def ref_to_missing_snapshot(cache):
    cache_repo(cache, "gpt2", {"config.json": b"{}"})
    (_gpt2_repo(cache) / "refs" / "main").write_text(OTHER)


def empty_snapshot(cache):
    (_gpt2_repo(cache) / "snapshots" / COMMIT).mkdir(parents=True)
    (_gpt2_repo(cache) / "refs").mkdir()
    (_gpt2_repo(cache) / "refs" / "main").write_text(COMMIT)


ODDITIES = [dangling_snapshot, non_utf8_ref, ref_to_missing_snapshot, empty_snapshot]


def _one_line(message: str) -> None:
    assert message.strip() and "\n" not in message.strip()
    assert "Traceback" not in message and "Error:" not in message.split(":", 1)[0]


@pytest.mark.parametrize("make", ODDITIES, ids=lambda f: f.__name__)
def test_resolve_weights_is_one_clear_line(hub_dir, make):  # noqa: F811
    make(hub_dir)
    with pytest.raises(WeightsError) as caught:
        hub.resolve_weights("gpt2")
    _one_line(str(caught.value))
    assert "gpt2" in str(caught.value) and "codec" not in str(caught.value)


@pytest.mark.parametrize("make", ODDITIES, ids=lambda f: f.__name__)
def test_find_cached_is_none(hub_dir, make):  # noqa: F811
    make(hub_dir)
    assert hub.find_cached("gpt2") is None


@pytest.mark.parametrize("make", ODDITIES, ids=lambda f: f.__name__)
def test_list_cached_models_never_raises(hub_dir, make):  # noqa: F811
    make(hub_dir)
    models = hub.list_cached_models()
    for model in models:  # listed as incomplete, with a reason, or left out
        assert not model.complete and model.problem
        _one_line(model.problem)


@pytest.mark.parametrize("make", ODDITIES, ids=lambda f: f.__name__)
def test_inspect_with_gpt2_weights_is_one_line_exit_2(hub_dir, make, capsys, monkeypatch):  # noqa: F811
    make(hub_dir)
    code, out, err = run_cli(capsys, "--weights", "gpt2", "inspect")
    assert code == 2, (out, err)
    assert "Traceback" not in err and "internal error" not in err.lower()
    assert "gpt2" in err.splitlines()[0]
