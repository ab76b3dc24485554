"""Special files given where a text or corpus file belongs: refused at once, one line, exit 2.

A named pipe would block `open` until a writer came (a hang), and `/dev/zero` never ends (memory
runs out); a directory, or a link to a device, is no better. Each runs `python -m tui.cli` in a
subprocess with a timeout, so that a hang fails the test instead of stopping the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.errors import CorpusError
from engine.inputs import read_corpus_file, read_text_file, stream_text_file

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60.0  # the whole command, start-up included: a refusal is well under it, a hang is not
POSIX = pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/dev/zero").exists(), reason="POSIX only")


def _special(kind: str, tmp_path: Path) -> Path:
    if kind == "fifo":
        path = tmp_path / "pipe"
        os.mkfifo(path)
        return path
    if kind == "dev-zero":
        return Path("/dev/zero")
    if kind == "dev-urandom":
        return Path("/dev/urandom")
    if kind == "directory":
        path = tmp_path / "folder"
        path.mkdir()
        return path
    path = tmp_path / "zero-link"  # "link-to-zero"
    path.symlink_to("/dev/zero")
    return path


KINDS = ["fifo", "dev-zero", "dev-urandom", "directory", "link-to-zero"]
EXPECTED = {
    "fifo": "named pipe",
    "dev-zero": "not a regular file",
    "dev-urandom": "not a regular file",
    "directory": "directory",
    "link-to-zero": "not a regular file",
}
COMMANDS = {
    "tokenize --text-file": ["tokenize", "--count", "--text-file"],
    "inspect --text-file": ["inspect", "--json", "--text-file"],
    "tokenize --corpus": ["tokenize", "--count", "--encoding", "regex", "--text", "a b", "--corpus"],
    "train --corpus": ["train", "--steps", "1", "--corpus"],
}


def _cli(*argv: str) -> tuple[subprocess.CompletedProcess, float]:
    env = {**os.environ, "LLM_TUI_DEBUG": ""}
    env.pop("LLM_TUI_DEBUG")
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "tui.cli", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    return done, time.monotonic() - start


# Every kind through one command, and every command with the kinds that used to hang for ever: the
# readers themselves are tested with every kind in-process below (a subprocess costs a second or two).
THROUGH_THE_CLI = [(kind, "tokenize --text-file") for kind in KINDS] + [
    (kind, command) for command in list(COMMANDS)[1:] for kind in ("fifo", "link-to-zero")
]


@POSIX
@pytest.mark.parametrize(("kind", "command"), THROUGH_THE_CLI)
def test_a_special_file_is_refused_in_one_line_fast(tmp_path, kind, command):
    path = _special(kind, tmp_path)
    done, _ = _cli(*COMMANDS[command], str(path))
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and lines[0].startswith("llm-tui: error: "), done.stderr
    assert EXPECTED[kind] in lines[0] and str(path) in lines[0]
    assert "Traceback" not in done.stderr


@POSIX
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "read",
    [
        lambda path: read_text_file(path),
        lambda path: read_corpus_file(path),
        lambda path: "".join(stream_text_file(path)),
        lambda path: "".join(stream_text_file(path, latin1=True)),
    ],
    ids=["text", "corpus", "stream", "stream-latin1"],
)
def test_the_readers_refuse_special_files_before_reading(tmp_path, kind, read):
    # In-process: a FIFO with no writer would block this very thread if it were opened blocking.
    path = _special(kind, tmp_path)
    start = time.monotonic()
    with pytest.raises(CorpusError, match=EXPECTED[kind]):
        read(path)
    assert time.monotonic() - start < 5.0


@pytest.mark.parametrize("reader", [read_text_file, read_corpus_file])
def test_a_file_over_the_size_limit_is_refused_naming_the_limit(tmp_path, monkeypatch, reader):
    import engine.inputs

    monkeypatch.setattr(engine.inputs, "MAX_READ_BYTES", 1 << 20)
    path = tmp_path / "big.txt"
    path.write_bytes(b"word " * ((1 << 20) // 5 + 10))
    with pytest.raises(CorpusError, match="larger than the 1 MiB limit"):
        reader(path)
    path.write_bytes(b"word " * ((1 << 20) // 5 - 10))  # just under: read
    assert reader(path).startswith("word word")


def test_standard_input_stays_allowed():
    done = subprocess.run(
        [sys.executable, "-m", "tui.cli", "tokenize", "--count", "--json", "-"],
        cwd=ROOT,
        input="hello world",
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 0, done.stderr
    assert '"n_tokens": 2' in done.stdout
