"""The command line: JSON that agrees with the engine, and one-line errors with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from engine.pipeline.run import run
from engine.settings import Settings
from engine.tokenize.registry import get_tokenizer
from tests.cli.helpers import run_cli


def test_tokenize_json_agrees_with_engine(capsys):
    code, out, _ = run_cli(capsys, "tokenize", "--encoding", "o200k_base", "--json", "Hello, world!")
    payload = json.loads(out)
    assert code == 0
    assert payload["ids"] == get_tokenizer("o200k_base").encode("Hello, world!")
    assert payload == {
        "encoding": "o200k_base",
        "ids": payload["ids"],
        "pieces": ["Hello", ",", " world", "!"],
        "n_tokens": 4,
        "n_chars": 13,
        "notes": [],
    }


def test_tokenize_model_name_and_partial_bytes(capsys):
    code, out, _ = run_cli(capsys, "tokenize", "--encoding", "gpt-2", "--json", "ち")
    assert code == 0 and json.loads(out)["ids"] == [2515, 94]
    code, out, _ = run_cli(capsys, "tokenize", "--encoding", "gpt2", "ち")
    assert "<0xE3><0x81>" in out and "part of a character" in out


def test_tokenize_reads_stdin(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO("Every effort moves you"))
    code, out, _ = run_cli(capsys, "tokenize", "-", "--json")
    assert code == 0 and json.loads(out)["ids"] == [6109, 3626, 6100, 345]


def test_tokenize_regex_with_corpus_file(capsys, verdict_text, tmp_path):
    corpus = tmp_path / "verdict.txt"
    corpus.write_text(verdict_text, encoding="utf-8")
    code, out, _ = run_cli(
        capsys, "tokenize", "--encoding", "regex-unk", "--corpus", str(corpus), "--json", "Hello, do you"
    )
    assert code == 0 and json.loads(out)["ids"] == [1131, 5, 355, 1126]


def test_inspect_json_agrees_with_engine(capsys):
    text = "The robot lit the lamp."
    code, out, _ = run_cli(capsys, "inspect", "--json", "--dim", "8", "--heads", "2", text)
    assert code == 0
    payload = json.loads(out)
    expected = run(text, Settings(dim=8, heads=2))
    assert payload["ids"] == expected.tokens.ids.tolist()
    assert payload["shapes"]["input_vectors"] == [len(expected.tokens), 8]
    assert payload["shapes"]["attention_weights"] == [2, len(expected.tokens), len(expected.tokens)]
    np.testing.assert_allclose(payload["input_vectors"], expected.embedded.input_vectors, atol=1e-6)
    for head in (0, 1):
        np.testing.assert_allclose(
            payload["attention"]["heads"][head]["weights"], expected.attention.weights[head], atol=1e-6
        )


def test_inspect_one_head_and_switches(capsys):
    code, out, _ = run_cli(capsys, "inspect", "--json", "--head", "1", "--no-causal", "--no-scale", "a b c")
    payload = json.loads(out)
    assert code == 0
    assert [h["head"] for h in payload["attention"]["heads"]] == [1]
    assert payload["attention"]["causal"] is False and payload["attention"]["scaled"] is False
    weights = np.array(payload["attention"]["heads"][0]["weights"])
    assert (weights > 0).all()


def test_windows_json_matches_book(capsys, verdict_text, tmp_path):
    path = tmp_path / "v.txt"
    path.write_text(verdict_text, encoding="utf-8")
    code, out, _ = run_cli(
        capsys, "windows", "--text-file", str(path), "--max-length", "4", "--stride", "4", "--json"
    )
    payload = json.loads(out)
    assert code == 0
    assert payload["batches"][0]["inputs"][:2] == [[40, 367, 2885, 1464], [1807, 3619, 402, 271]]
    assert payload["n_pairs"] == len(range(0, 5145 - 4, 4))


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["tokenize", "--encoding", "regex", "Zebra stripes"], "unknown word 'Zebra'"),
        (["tokenize", "<|endoftext|>"], "special token"),
        (["tokenize", "--encoding", "nope", "x"], "unknown encoding or model 'nope'"),
        (["tokenize", "--text-file", "/no/such/file.txt"], "does not exist"),
        (["tokenize", "--corpus", "/", "--encoding", "regex", "x"], "is a directory"),
        (["inspect", "--dim", "5", "--heads", "2", "x"], "multiple of --heads"),
        (["inspect", "--layer", "3", "x"], "layer 0"),
        (["inspect", "--head", "9", "x"], "choose a head"),
        (["inspect", "--device", "tpu", "x"], "invalid choice"),
        (["windows", "--max-length", "0", "x"], "at least 1"),
        (["tokenize", "--text", "a", "b"], "give the text once"),
        (["tokenize", "--no-such-flag"], "unrecognized arguments"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, fragment):
    code, out, err = run_cli(capsys, *argv)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and fragment in err
    assert "Traceback" not in err and out == ""


def test_errors_with_json_are_json_on_stdout(capsys):
    code, out, err = run_cli(capsys, "tokenize", "--json", "--encoding", "regex", "Zebra")
    assert code == 2 and "unknown word" in json.loads(out)["error"] and err.count("\n") == 1


def test_bad_utf8_file_names_the_byte(capsys, tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("café".encode("latin-1"))
    code, _, err = run_cli(capsys, "tokenize", "--text-file", str(path))
    assert code == 2 and "byte offset 3" in err and "0xE9" in err


def test_console_script_runs_without_network_in_a_subprocess():
    # The installed entry point, as a user runs it (no network is reachable here anyway).
    out = subprocess.run(
        [sys.executable, "-m", "tui.cli", "tokenize", "--encoding", "o200k_base", "--json", "Hello, world!"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(out.stdout)["n_tokens"] == 4


def test_app_without_a_terminal_paints_once_and_exits():
    done = subprocess.run(
        [sys.executable, "-m", "tui.cli", "--text", "hello there"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "no terminal attached" in done.stderr and "Traceback" not in done.stderr


def test_the_command_raises_textuals_frame_rate_unless_the_user_chose_one(capsys, monkeypatch):
    import os

    monkeypatch.delenv("TEXTUAL_FPS", raising=False)
    run_cli(capsys, "lessons", "--json")
    assert os.environ["TEXTUAL_FPS"] == "120"
    monkeypatch.setenv("TEXTUAL_FPS", "30")
    run_cli(capsys, "lessons", "--json")
    assert os.environ["TEXTUAL_FPS"] == "30"
