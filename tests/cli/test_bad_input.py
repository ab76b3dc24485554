"""Bad input on the command line: every case is one line on stderr and exit status 2 (with --json,
also `{"error": ...}` on stdout), never a traceback; odd text that is not an error is tokenized.

Cases already in test_cli.py (unknown word, a missing or directory file, bad int, ...) are not
repeated here.
"""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

import engine.inputs
import engine.nn.checkpoints
import engine.nn.device
import engine.pipeline.run
import tui.cli.tokenize
import tui.formatting.token_listing
from engine.errors import WeightsError
from engine.nn.checkpoints import load_weights, save_checkpoint
from engine.nn.model import GPT, GPTConfig
from engine.tokenize.bpe import SPECS, load_encoding
from engine.tokenize.registry import BPE_ENCODINGS, get_tokenizer, sample_text
from engine.tokenize.streaming import safe_chunks
from tests.cli.helpers import run_cli
from tui.cli import main
from tui.cli.hints import cli_message


def _assert_error(code: int, out: str, err: str, fragment: str, as_json: bool = False) -> None:
    assert code == 2, err
    assert len(err.splitlines()) == 1 and err.endswith("\n"), err
    assert "Traceback" not in err and fragment in err, err
    if as_json:
        assert fragment in json.loads(out)["error"]
    else:
        assert out == ""


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """Files a learner might hand over by mistake."""
    folder = tmp_path_factory.mktemp("inputs")
    made = {
        "latin1": "café ok".encode("latin-1"),
        "empty": b"",
        "blank": b"  \n\t \n",
        # 70,000 bytes of good UTF-8 (3 bytes a character), then one bad byte.
        "bad_late": "語".encode() * 23_333 + b"x\xff tail",
    }
    paths = {}
    for name, data in made.items():
        paths[name] = folder / f"{name}.txt"
        paths[name].write_bytes(data)
    paths["folder"] = folder / "a-folder"
    paths["folder"].mkdir()
    paths["missing"] = folder / "missing.txt"
    return paths


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    """A small GPT-2-shaped tiny checkpoint (random weights), as `llm-tui train` writes them."""
    config = GPTConfig(vocab_size=50257, context=32, dim=16, layers=1, heads=2)
    return save_checkpoint(GPT(config, seed=0), config, tmp_path_factory.mktemp("model") / "tiny.safetensors")


# --- text and corpus files ----------------------------------------------------------------------

FILE_ERRORS = [
    (["tokenize", "--text-file", "{latin1}"], "invalid byte 0xE9 at byte offset 3"),
    (["tokenize", "--text-file", "{latin1}"], "--latin1"),
    (["tokenize", "--text-file", "{bad_late}"], "invalid byte 0xFF at byte offset 70000"),
    (["inspect", "--text-file", "{bad_late}"], "invalid byte 0xFF at byte offset 70000"),
    (["tokenize", "--count", "--text-file", "{folder}"], "is a directory"),
    (["tokenize", "--count", "--text-file", "{missing}"], "does not exist"),
    (["tokenize", "--encoding", "regex", "--corpus", "{latin1}", "x"], "corpus"),
    (["tokenize", "--encoding", "regex", "--corpus", "{latin1}", "x"], "byte offset 3"),
    (["tokenize", "--encoding", "regex", "--corpus", "{empty}", "x"], "is empty"),
    (["tokenize", "--encoding", "regex", "--corpus", "{blank}", "x"], "only whitespace"),
    (["train", "--corpus", "{empty}", "--steps", "1"], "is empty"),
    (["train", "--corpus", "{missing}", "--steps", "1"], "does not exist"),
    (["windows", "--text-file", "{folder}"], "is a directory"),
]


@pytest.mark.parametrize("as_json", [False, True])
@pytest.mark.parametrize(("argv", "fragment"), FILE_ERRORS)
def test_unusable_files_are_one_line(capsys, files, argv, fragment, as_json):
    argv = [arg.format(**files) for arg in argv] + (["--json"] if as_json else [])
    _assert_error(*run_cli(capsys, *argv), fragment, as_json)


def test_latin1_switch_reads_what_utf8_refuses(capsys, files, monkeypatch):
    code, out, _ = run_cli(capsys, "tokenize", "--json", "--latin1", "--text-file", str(files["latin1"]))
    assert code == 0 and json.loads(out)["ids"] == get_tokenizer("gpt2").encode("café ok")
    code, out, _ = run_cli(
        capsys,
        "tokenize",
        "--json",
        "--latin1",
        "--encoding",
        "regex",
        "--corpus",
        str(files["latin1"]),
        "café",
    )
    assert code == 0 and json.loads(out)["pieces"] == ["café"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("café".encode("latin-1"))))
    code, out, _ = run_cli(capsys, "tokenize", "--count", "--json", "--latin1", "-")
    assert code == 0 and json.loads(out)["n_chars"] == 4


def test_stdin_is_read_as_utf8_bytes_and_bad_bytes_are_named(capsys, monkeypatch):
    # As under LC_ALL=C: the text layer would decode as ASCII; the bytes are what counts.
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("ちは\n".encode()), encoding="ascii"))
    code, out, _ = run_cli(capsys, "tokenize", "--encoding", "o200k_base", "--json", "-")
    assert code == 0 and json.loads(out)["pieces"] == ["ちは", "\n"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"ok \xc3(")))
    _assert_error(
        *run_cli(capsys, "tokenize", "-"),
        "standard input is not UTF-8 text (invalid byte 0xC3 at byte offset 3)",
    )


def test_command_line_text_that_is_not_utf8_is_named(capsys):
    # Python hands bytes that are not UTF-8 over as lone surrogates (surrogateescape).
    text = b"caf\xe9".decode("utf-8", "surrogateescape")
    _assert_error(
        *run_cli(capsys, "tokenize", text), "the TEXT argument is not UTF-8 text (invalid byte 0xE9"
    )
    code, out, _ = run_cli(capsys, "tokenize", "--json", "--latin1", "--text", text)
    assert code == 0 and json.loads(out)["ids"] == get_tokenizer("gpt2").encode("café")


# --- odd text that is not an error --------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "note"),
    [
        (["tokenize", ""], "the text is empty"),
        (["tokenize", "--encoding", "regex", " \n\t "], "the text is only whitespace"),
        (["inspect", ""], "the text is empty"),
        (["windows", ""], None),
    ],
)
def test_empty_and_blank_text_are_tokenized_with_a_note(capsys, argv, note):
    code, out, err = run_cli(capsys, *argv)
    assert code == 0 and err == ""
    if note:
        assert f"note: {note}" in out
    code, out, _ = run_cli(capsys, *argv, "--json")
    payload = json.loads(out)
    assert code == 0 and payload["n_tokens"] == 0
    if note:
        assert any(note in line for line in payload["notes"])


def test_control_characters_and_nul_are_tokens_shown_escaped(capsys):
    text = "a\x00b\x1b[31mred\x07\x7f"
    code, out, _ = run_cli(capsys, "tokenize", "--json", text)
    payload = json.loads(out)
    assert code == 0 and payload["ids"] == load_encoding("gpt2").encode_ordinary(text)
    assert any("4 control character(s), the first '\\x00' at character 1" in n for n in payload["notes"])
    code, out, _ = run_cli(capsys, "tokenize", text)
    assert code == 0 and "\\x00" in out and "\\x1b" in out
    assert not any(char in out for char in "\x00\x1b\x07\x7f")  # nothing reaches the terminal raw


def test_text_longer_than_the_context_is_tokenized_whole_and_attended_in_part(capsys):
    text = sample_text() * 3
    n_tokens = len(load_encoding("gpt2").encode_ordinary(text))
    code, out, _ = run_cli(capsys, "inspect", "--json", "--context", "16", text)
    payload = json.loads(out)
    assert code == 0 and payload["n_tokens"] == n_tokens and payload["n_used"] == 16
    assert payload["shapes"]["attention_weights"] == [2, 16, 16]
    assert f"showing the first 16 of {n_tokens:,} tokens (the context is 16)" in payload["notes"]


SPECIAL_CASES = [(name, token) for name in BPE_ENCODINGS for token in SPECS[name].special_tokens]


@pytest.mark.parametrize(("encoding", "token"), SPECIAL_CASES)
def test_every_special_token_typed_is_refused_unless_allowed(capsys, encoding, token):
    text = f"before {token} after"
    code, out, err = run_cli(capsys, "tokenize", "--encoding", encoding, text)
    _assert_error(code, out, err, f"special token {token!r} at character 7")
    assert "--allow-special" in err
    code, out, _ = run_cli(capsys, "tokenize", "--encoding", encoding, "--allow-special", "--json", text)
    assert code == 0 and SPECS[encoding].special_tokens[token] in json.loads(out)["ids"]


def test_a_huge_file_is_streamed_with_the_counts_of_whole_text_encoding(capsys, tmp_path, monkeypatch):
    # Blocks of 20 KB and chunks of 50,000 characters instead of a megabyte each, so that a 600 KB
    # file is cut about ten times, in mixed scripts, CRLF lines, digits and paths.
    small_blocks = partial(engine.inputs.stream_text_file, block_size=20_000)
    monkeypatch.setattr(engine.inputs, "stream_text_file", small_blocks)
    monkeypatch.setattr(tui.formatting.token_listing, "safe_chunks", partial(safe_chunks, chunk_chars=50_000))
    parts = [
        "The robot lit the lamp. ",
        "日本語のテキスト。\n改行。\n",
        "e\u0301 \U0001f469\u200d\U0001f467 ",
    ]
    parts += ["a\r\nb\r\n", "x  \n//y 12345\n"]
    text = "".join(random.Random(5).choice(parts) for _ in range(40_000))
    path = tmp_path / "big.txt"
    path.write_text(text, encoding="utf-8")
    blocks = engine.inputs.stream_text_file(path)
    assert len(list(tui.formatting.token_listing.safe_chunks(blocks))) >= 8
    for encoding in BPE_ENCODINGS:
        argv = ["tokenize", "--count", "--json", "--encoding", encoding, "--text-file", str(path)]
        code, out, _ = run_cli(capsys, *argv)
        expected = len(load_encoding(encoding).encode_ordinary(text))  # tiktoken, all at once
        assert code == 0 and json.loads(out) == {
            "encoding": encoding,
            "n_tokens": expected,
            "n_chars": len(text),
            "notes": [],
        }
    code, out, _ = run_cli(capsys, "tokenize", "--text-file", str(path))
    lines = out.splitlines()
    ids = load_encoding("gpt2").encode_ordinary(text)
    assert code == 0 and len(lines) == len(ids) + 2  # header, one row per token, summary
    assert [int(line.split()[1]) for line in lines[1:-1]] == ids
    assert lines[-1].startswith(f"gpt2: {len(ids):,} tokens, {len(text):,} characters")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="os.mkfifo is POSIX only: Windows has no named pipes")
def test_a_pipe_as_text_file_is_refused_and_standard_input_is_the_way(capsys, tmp_path, monkeypatch):
    # `--text-file <(command)` used to be read once; a named pipe can also block for ever (no writer)
    # or never end, so it is refused before it is opened, with the way that works: `cmd | llm-tui ... -`.
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    code, _, err = run_cli(capsys, "tokenize", "--count", "--json", "--text-file", str(pipe))
    assert code == 2 and "pipe" in err and "'-'" in err and err.count("\n") <= 1
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO("hello wörld".encode()), encoding="utf-8"))
    code, out, _ = run_cli(capsys, "tokenize", "--count", "--json", "-")
    expected = len(load_encoding("gpt2").encode_ordinary("hello wörld"))
    assert code == 0 and json.loads(out)["n_tokens"] == expected


# --- weights ------------------------------------------------------------------------------------


def _gpt2_folder(checkpoint: Path, folder: Path, config: dict, change=None) -> Path:
    """A Hugging Face-style folder: the checkpoint's tensors without llm-tui's metadata."""
    folder.mkdir()
    with safe_open(checkpoint, framework="pt") as handle:
        tensors = {name: handle.get_tensor(name) for name in handle.keys()}
    if change:
        change(tensors)
    save_file(tensors, folder / "model.safetensors")
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


GPT2_CONFIG = {
    "model_type": "gpt2",
    "n_layer": 1,
    "n_head": 2,
    "n_embd": 16,
    "vocab_size": 50257,
    "n_positions": 32,
}


def test_weights_that_cannot_be_used_are_one_line(capsys, checkpoint, tmp_path):
    data = checkpoint.read_bytes()
    (tmp_path / "truncated.safetensors").write_bytes(data[: len(data) // 2])
    (tmp_path / "notes.safetensors").write_text("not weights", encoding="utf-8")
    (tmp_path / "model.bin").write_bytes(b"\x80\x04\x95pickle")
    save_file({"foo": torch.zeros(3)}, tmp_path / "other.safetensors")
    (tmp_path / "empty-folder").mkdir()
    mismatch = _gpt2_folder(checkpoint, tmp_path / "mismatch", {**GPT2_CONFIG, "n_layer": 3})
    shapes = _gpt2_folder(
        checkpoint,
        tmp_path / "shapes",
        GPT2_CONFIG,
        lambda t: t.__setitem__("h.0.attn.c_attn.weight", torch.zeros(16, 47)),
    )
    cases = [
        (tmp_path / "absent.safetensors", "no such weights file or folder"),
        (tmp_path / "empty-folder", "has no model.safetensors"),
        (tmp_path / "notes.safetensors", "is not a readable safetensors file"),
        (tmp_path / "truncated.safetensors", "truncated or corrupt"),
        (tmp_path / "model.bin", "never unpickles"),
        (tmp_path / "other.safetensors", "wte.weight is missing"),
        (mismatch, "it says n_layer=3 but the file has 1 blocks"),
        (shapes, "h.0.attn.c_attn.weight has shape (16, 47) but the config needs (16, 48)"),
    ]
    for path, fragment in cases:
        _assert_error(*run_cli(capsys, "inspect", "--weights", str(path), "x"), fragment)
        _assert_error(
            *run_cli(capsys, "generate", "--json", "--weights", str(path), "x"), fragment, as_json=True
        )


def test_a_model_too_large_for_free_memory_is_refused_before_loading(capsys, checkpoint, monkeypatch):
    monkeypatch.setattr(engine.nn.checkpoints, "free_memory", lambda device: 1_000_000)  # 1 MB free
    code, out, err = run_cli(capsys, "inspect", "--weights", str(checkpoint), "x")
    _assert_error(code, out, err, "the model has 1M parameters (3.2 MB as float32) but only 1.0 MB of memory")
    # On a GPU the way out is the CPU; the check runs before anything is moved to the device.
    with pytest.raises(WeightsError, match=r"but cuda:0 has 1\.0 MB free$") as refused:
        load_weights(checkpoint, "cuda:0")
    assert cli_message(refused.value).endswith("; use --device cpu or --weights PATH with a smaller model")


def test_random_weights_too_large_for_free_memory_are_refused(capsys, monkeypatch):
    monkeypatch.setattr(engine.pipeline.run, "free_memory", lambda device: 10**9)
    code, out, err = run_cli(capsys, "inspect", "--dim", "8192", "--heads", "1", "x")
    _assert_error(code, out, err, "need about 3.1 GB (a 50,257 × 8,192 token table")
    assert "; use a smaller --dim or a smaller --context" in err


# --- devices ------------------------------------------------------------------------------------


def test_missing_devices_are_errors_and_auto_falls_back(capsys, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(engine.nn.device, "_mps_available", lambda: False)
    _assert_error(
        *run_cli(capsys, "inspect", "--device", "cuda", "x"),
        "CUDA is not available (torch",
    )
    _assert_error(
        *run_cli(capsys, "inspect", "--json", "--device", "mps", "x"),
        "Metal backend is not available here; use --device auto or --device cpu",
        as_json=True,
    )
    code, out, _ = run_cli(capsys, "inspect", "--json", "--device", "auto", "x")
    assert code == 0 and json.loads(out)["device"].startswith("cpu")


# --- bad arguments, every subcommand ------------------------------------------------------------

BAD_ARGUMENTS = [
    (["tokenize", "--count", "--heads", "many", "x"], "invalid int value: 'many'"),
    (["tokenize", "--seed", "-1", "x"], "--seed must be between 0 and"),
    (["inspect", "--topk", "0", "x"], "--topk must be at least 1"),
    (["inspect", "--seed", "99999999999999999999", "x"], "--seed must be between 0 and"),
    (["inspect", "--positions", "spiral", "x"], "invalid choice: 'spiral'"),
    (["windows", "--limit", "-1", "x"], "--limit must be 0 or more"),
    (["windows", "--stride", "0", "x"], "at least 1"),
    (
        ["generate", "--weights", "{checkpoint}", "--temperature", "nan", "x"],
        "--temperature must be a finite",
    ),
    (["generate", "--weights", "{checkpoint}", "--top-p", "2", "x"], "--top-p must be in (0, 1]"),
    (["generate", "--weights", "{checkpoint}", "--max-new-tokens", "0", "x"], "--max-new-tokens must be"),
    (["generate", "--weights", "{checkpoint}", ""], "the prompt is empty"),
    (["train", "--steps", "0"], "--steps must be at least 1"),
    (["train", "--batch-size", "0", "--steps", "1"], "--batch-size must be at least 1"),
    (["train", "--steps", "1", "--out", "{folder}"], "it is a folder"),
    (["bench", "--device", "tpu"], "invalid choice: 'tpu'"),
    (["bench", "--quick", "--repeat", "3"], "unrecognized arguments: --repeat"),
    (["lessons", "--lang", "fr"], "invalid choice: 'fr'"),
]


@pytest.mark.parametrize("as_json", [False, True])
@pytest.mark.parametrize(("argv", "fragment"), BAD_ARGUMENTS)
def test_bad_arguments_of_every_subcommand(capsys, checkpoint, tmp_path, argv, fragment, as_json):
    argv = [arg.format(checkpoint=checkpoint, folder=tmp_path) for arg in argv]
    _assert_error(*run_cli(capsys, *argv, *(["--json"] if as_json else [])), fragment, as_json)


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--theme", "neon", "--text", "x"], "unknown theme 'neon'"),
        (["--lesson", "no-such-lesson", "--text", "x"], "no lesson 'no-such-lesson'"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["--text-file", "/no/such/file.txt"], "does not exist"),
    ],
)
def test_bad_arguments_of_the_app(capsys, argv, fragment):
    _assert_error(*run_cli(capsys, *argv), fragment)


def test_a_bug_is_one_line_too_unless_debugging(capsys, monkeypatch):
    def broken(args):
        raise RuntimeError("boom")

    monkeypatch.setattr(tui.cli.tokenize, "run", broken)
    code, out, err = run_cli(capsys, "tokenize", "--json", "x")
    assert code == 1 and len(err.splitlines()) == 1 and "internal error: RuntimeError: boom" in err
    assert "internal error" in json.loads(out)["error"] and "Traceback" not in err
    monkeypatch.setenv("LLM_TUI_DEBUG", "1")
    with pytest.raises(RuntimeError, match="boom"):
        main(["tokenize", "x"])


# --- the environment: locale and terminal -------------------------------------------------------


def _cli(argv: list[str], env: dict[str, str], stdin: bytes = b"") -> subprocess.CompletedProcess:
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("LC_", "PYTHONIOENCODING", "PYTHONUTF8"))
    }
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *argv],
        input=stdin,
        capture_output=True,
        env={**base, **env},
        timeout=120,
    )


def test_unicode_output_under_the_c_locale():
    # No locale coercion, no UTF-8 mode: Python's stdout would be ASCII.
    env = {"LC_ALL": "C", "LANG": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"}
    text = "ちは café 日本\n"
    done = _cli(["tokenize", "--encoding", "o200k_base", "-"], env, text.encode())
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode("utf-8")
    assert "ちは" in out and "·café" in out and "↵" in out and "\\u" not in out
    done = _cli(["tokenize", "--json", "--encoding", "o200k_base", "-"], env, text.encode())
    expected = get_tokenizer("o200k_base").tokenize(text).pieces
    assert json.loads(done.stdout.decode("utf-8"))["pieces"] == list(expected)


def test_plain_output_without_a_terminal_and_with_term_dumb():
    env = {"TERM": "dumb", "NO_COLOR": "1"}
    for argv in (["tokenize", "ち\x1b[31m"], ["lessons"], ["tokenize", "--encoding", "regex", "Zebra"]):
        done = _cli(argv, env)
        assert b"\x1b" not in done.stdout + done.stderr, argv
        assert b"Traceback" not in done.stderr


# --- fuzz: random bytes as files ----------------------------------------------------------------


def _random_files(tmp_path: Path, seed: int, count: int = 20) -> list[Path]:
    """Random bytes; half are mostly ASCII, so that some are valid UTF-8 and get tokenized."""
    rng = random.Random(seed)
    paths = []
    for i in range(count):
        size = rng.choice([0, 1, 2, 17, 300, 4000])
        if i % 2:
            data = bytes(rng.choice(b"abc \n.\xc3\xa9\xe3\x81\x82\xff") for _ in range(size))
        else:
            data = rng.randbytes(size)
        paths.append(tmp_path / f"random-{i}.bin")
        paths[-1].write_bytes(data)
    return paths


def _assert_clean(code, out, err) -> None:
    assert code in (0, 2), err
    assert "Traceback" not in err
    if code == 2:
        assert len(err.splitlines()) == 1 and err.startswith("llm-tui: error: ")
        assert out == "" or json.loads(out)["error"] in err  # with --json, the same error as JSON


def test_fuzz_text_files(capsys, tmp_path):
    for path in _random_files(tmp_path, seed=1):
        data = path.read_bytes()
        code, out, err = run_cli(capsys, "tokenize", "--count", "--json", "--text-file", str(path))
        _assert_clean(code, out, err)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            assert code == 2 and f"at byte offset {error.start})" in err
        else:
            assert code == 0 and json.loads(out)["n_tokens"] == len(
                load_encoding("gpt2").encode_ordinary(text)
            )
        code, out, err = run_cli(
            capsys, "tokenize", "--count", "--json", "--latin1", "--text-file", str(path)
        )
        assert code == 0, err  # with the fallback every file is text
        assert json.loads(out)["n_chars"] in (len(data), len(data.decode("utf-8", "replace")))


def test_fuzz_corpus_files(capsys, tmp_path):
    for path in _random_files(tmp_path, seed=2):
        argv = ["tokenize", "--json", "--encoding", "regex-unk", "--corpus", str(path), "a b c"]
        _assert_clean(*run_cli(capsys, *argv))
        _assert_clean(*run_cli(capsys, *argv, "--latin1"))


def test_fuzz_weights_files(capsys, tmp_path, checkpoint):
    data = checkpoint.read_bytes()
    rng = random.Random(3)
    paths = _random_files(tmp_path, seed=3)
    for i in range(20):  # a checkpoint cut short at random places
        paths.append(tmp_path / f"cut-{i}.safetensors")
        paths[-1].write_bytes(data[: rng.randrange(len(data))])
    for i in range(10):  # and one with random bytes written over part of its header
        spoiled = bytearray(data)
        start = rng.randrange(8, 400)
        spoiled[start : start + 4] = rng.randbytes(4)
        paths.append(tmp_path / f"spoiled-{i}.safetensors")
        paths[-1].write_bytes(bytes(spoiled))
    for path in paths:
        code, out, err = run_cli(capsys, "inspect", "--weights", str(path), "x")
        _assert_clean(code, out, err)
        if path.name.startswith(("random", "cut")):
            assert code == 2  # none of these is a usable model
