"""Numeric edges on the command line: huge sizes, too little text, a vanishing top-p (issue 14).

Each either exits 0 with sane output (ids of the vocabulary, no `nan`, nothing on stderr) or exits 2
with one line; never a traceback, an `internal error`, a NaN or an id of -1. The commands run in a
child process with a time limit and a 2 GB address-space limit, so an 8 GB allocation fails the test
instead of the machine.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import warnings
from functools import partial
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.errors import SettingsError
from engine.nn.checkpoints import save_checkpoint
from engine.nn.loaded_model import IdMap
from engine.nn.model import GPT, GPTConfig
from engine.sampling.distribution import next_token_distribution
from engine.sampling.lab import draw_many
from engine.tokenize.registry import get_tokenizer
from engine.training.windows import sliding_windows
from tests.cli.helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]
CORPUS = "the cat sat on the mat and the dog ran"
MEMORY = 2 << 30  # bytes of address space a child may take (importing torch needs well under this)


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def _cli(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        preexec_fn=_limit_memory,
    )


def _cli_here(capsys, *argv: str) -> subprocess.CompletedProcess:
    """`_cli` in this process (a child costs 5 s of importing torch): warnings are errors here, so
    a numpy RuntimeWarning fails the run as it would show in a child's stderr."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        code, out, err = run_cli(capsys, *argv)
    return subprocess.CompletedProcess(argv, code, out, err)


def _sane(done: subprocess.CompletedProcess) -> None:
    """Exit 0 with a clean stderr, or exit 2 with one line; never a traceback or an internal error."""
    assert done.returncode in (0, 2), done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    if done.returncode == 0:
        banner = [
            line for line in done.stderr.splitlines() if not (line.startswith("[") and line.endswith("]"))
        ]
        assert banner == []  # only the "[model from path]" line; no numpy RuntimeWarning either
        assert "nan" not in done.stdout.lower()
    else:
        assert len(done.stderr.strip().splitlines()) == 1


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    """A tiny checkpoint that knows the words of CORPUS (and <|unk|>, never to be drawn)."""
    id_map = IdMap.from_ids(get_tokenizer("gpt2").encode(CORPUS))
    config = GPTConfig(vocab_size=id_map.size, context=16, dim=8, layers=1, heads=2)
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("numbers") / "tiny.safetensors"
    return save_checkpoint(GPT(config), config, path, id_map=id_map)


# --- windows ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("max_length", ["1000000000", "1099511627776"])
def test_windows_longer_than_the_text_give_no_pairs_without_allocating(max_length):
    done = _cli("windows", "--json", "--max-length", max_length, "the cat sat on the mat")
    _sane(done)
    assert done.returncode == 0
    payload = json.loads(done.stdout)
    assert (payload["n_pairs"], payload["batches"]) == (0, [])


@pytest.mark.parametrize("max_length", ["1099511627777", "99999999999999999999999"])
def test_a_max_length_beyond_any_text_is_one_line(max_length, capsys):
    done = _cli_here(capsys, "windows", "--max-length", max_length, "the cat sat on the mat")
    _sane(done)
    assert done.returncode == 2 and "--max-length" in done.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ("--shuffle", "a"),
        ("--shuffle", "--json", "a"),
        ("--shuffle", "--max-length", "8", "the cat sat"),
        ("--shuffle", "--seed", "3", "--stride", "1", "--max-length", "2", "the cat"),
    ],
)
def test_shuffling_fewer_ids_than_one_window_gives_no_pairs(argv, capsys):
    done = _cli_here(capsys, "windows", *argv)
    _sane(done)
    assert done.returncode == 0
    assert '"n_pairs": 0' in done.stdout or "0 input/target pairs" in done.stdout


def test_shuffling_a_text_that_has_pairs_still_shuffles(capsys):
    code, out, _ = run_cli(
        capsys, "windows", "--json", "--shuffle", "--max-length", "2", "--stride", "1", CORPUS
    )
    assert code == 0 and json.loads(out)["n_pairs"] == len(get_tokenizer("gpt2").encode(CORPUS)) - 2


@pytest.mark.parametrize(("max_length", "stride"), [("2", "1"), ("4", "4"), ("10", "1")])
def test_windows_that_would_not_fit_in_memory_are_refused_in_one_line(
    capsys, monkeypatch, max_length, stride
):
    monkeypatch.setattr("engine.nn.device.free_memory", lambda device: 100)
    code, out, err = run_cli(capsys, "windows", "--max-length", max_length, "--stride", stride, CORPUS * 3)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "--max-length" in err and "memory" in err


@pytest.mark.parametrize(("length", "stride", "limit"), [(2, 1, 100), (5, 1, 1000), (3, 2, 50)])
def test_sliding_windows_refuse_before_allocating_beyond_the_limit(length, stride, limit):
    with pytest.raises(SettingsError, match="memory"):
        sliding_windows(np.arange(40), length, stride, limit=limit)
    assert sliding_windows(np.arange(40), length, stride, limit=10**9).inputs.shape[1] == length


# --- generate --top-p --------------------------------------------------------------------------------


# Through the CLI a few members (each run loads a model); the sampler itself gets many below.
@pytest.mark.parametrize(("top_p", "temperature"), [("1e-15", "1"), ("5e-324", "0.5"), ("0.5", "1")])
def test_a_vanishing_top_p_keeps_the_most_likely_id(tiny, top_p, temperature, capsys):
    # One run in a child, under the memory limit and with its real stderr; the others in-process.
    run = _cli if top_p == "1e-15" else partial(_cli_here, capsys)
    done = run(
        "generate", "--json", "--weights", str(tiny), "--top-p", top_p, "--temperature", temperature,
        "--max-new-tokens", "4", "the cat",
    )  # fmt: skip
    _sane(done)
    assert done.returncode == 0
    ids = json.loads(done.stdout)["ids"]
    known = set(get_tokenizer("gpt2").encode(CORPUS))
    assert len(ids) == 4 and set(ids) <= known  # never -1 (<|unk|>), never an id the model lacks


@pytest.mark.parametrize("top_p", ["1e-15", "5e-324"])
@pytest.mark.parametrize("json_flag", [(), ("--json",)])
def test_the_histogram_of_a_vanishing_top_p_has_one_id_and_no_nan(tiny, top_p, json_flag, capsys):
    done = _cli_here(
        capsys,
        "generate",
        *json_flag,
        "--weights",
        str(tiny),
        "--top-p",
        top_p,
        "--histogram",
        "200",
        "the cat",
    )
    _sane(done)
    assert done.returncode == 0
    if json_flag:
        payload = json.loads(done.stdout)
        assert payload["kept"] == 1
        assert payload["records"][0]["count"] == 200 and payload["records"][0]["id"] != -1
    else:
        assert "1 of" in done.stdout and "100.00%" in done.stdout


@pytest.mark.parametrize("top_p", ["0", "nan", "1.5"])
def test_a_top_p_outside_0_to_1_is_one_line(tiny, top_p, capsys):
    done = _cli_here(capsys, "generate", "--weights", str(tiny), f"--top-p={top_p}", "the cat")
    _sane(done)
    assert done.returncode == 2 and "--top-p" in done.stderr


@pytest.mark.parametrize("top_p", [1e-15, 1e-300, 5e-324, 1e-13])
@pytest.mark.parametrize(
    "logits",
    [[0.0, 0.0, 0.0], [3.0, 1.0, 2.0], [-1000.0, 1000.0, 999.0], [1e-9, 0.0, -1e-9]],
    ids=["tied", "plain", "huge", "close"],
)
def test_the_best_id_is_never_cut(top_p, logits):
    distribution = next_token_distribution(np.array(logits), top_p=top_p, suppressed=(2,))
    best = int(np.argmax(np.where(np.arange(3) == 2, -np.inf, logits)))
    assert distribution.probs[best] == 1.0 and np.isfinite(distribution.probs).all()
    assert draw_many(distribution, 50, seed=1).counts[best] == 50
