"""`llm-tui tokenize --compare`: the same ids as `tokenize --encoding X` and tiktoken, per encoding."""

from __future__ import annotations

import io
import json
import sys

from engine.tokenize.compare import COMPARED
from engine.tokenize.registry import BPE_ENCODINGS
from tests.cli.helpers import run_cli

TEXT = "The robot lit the lamp. ちは 😀"


def test_compare_json_agrees_with_single_encodings(capsys, reference_encodings):  # noqa: F811
    code, out, _ = run_cli(capsys, "tokenize", "--compare", "--json", TEXT)
    assert code == 0
    payload = json.loads(out)
    assert payload["text_chars"] == len(TEXT)
    assert [row["encoding"] for row in payload["encodings"]] == list(COMPARED)
    for row in payload["encodings"]:
        code, single, _ = run_cli(capsys, "tokenize", "--encoding", row["encoding"], "--json", TEXT)
        single = json.loads(single)
        assert code == 0
        assert row["ids"] == single["ids"] and row["pieces"] == single["pieces"]
        assert row["n_tokens"] == single["n_tokens"]
        assert row["chars_per_token"] == len(TEXT) / single["n_tokens"]
    for name in BPE_ENCODINGS:
        row = next(r for r in payload["encodings"] if r["encoding"] == name)
        assert row["ids"] == reference_encodings[name].encode(TEXT)
    # "ちは" is one cl100k/o200k token but gpt2 cuts inside ち: a character split in one row only.
    split = {row["encoding"]: row["split_chars"] for row in payload["encodings"]}
    assert split["gpt2"] == [TEXT.index("ち"), TEXT.index("😀")]
    assert split["cl100k_base"] == split["o200k_base"] == split["regex-unk"] == []
    boundaries = [set(row["boundaries"]) for row in payload["encodings"]]
    shared = set.intersection(*boundaries)
    assert payload["n_shared_boundaries"] == len(shared)
    assert payload["differing_boundaries"] == sorted(set.union(*boundaries) - shared)


def test_compare_reads_stdin_and_prints_a_table(capsys, monkeypatch, tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("Hello, world! Goodbye.", encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", io.StringIO("Hello, world!"))
    code, out, _ = run_cli(capsys, "tokenize", "--compare", "--corpus", str(corpus), "-")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "13 characters"
    rows = {line.split()[0]: line.split()[1:] for line in lines[2:6]}
    # Hello , world ! under every encoding: 4 tokens, 13 / 4 characters per token, no split characters.
    assert rows == {name: ["4", "3.25", "0"] for name in COMPARED}
    assert "gpt2         │Hello│,│·world│!│" in lines
    assert "regex-unk    │Hello│,│world│!│" in lines
    # The book's split drops the space, so "world" starts one character later (7) than " world" (6).
    assert "boundaries shared by all 4: 3 · differing: 1, at 7 (marked ^)" in lines


def test_compare_keeps_going_when_an_encoding_refuses_the_text(capsys):
    code, out, _ = run_cli(capsys, "tokenize", "--compare", "--json", "a <|endoftext|> b")
    assert code == 0
    rows = {row["encoding"]: row for row in json.loads(out)["encodings"]}
    for name in BPE_ENCODINGS:
        assert "special token" in rows[name]["error"] and "ids" not in rows[name]
    assert rows["regex-unk"]["n_tokens"] == 3
    code, out, _ = run_cli(capsys, "tokenize", "--compare", "--allow-special", "--json", "a <|endoftext|> b")
    rows = {row["encoding"]: row for row in json.loads(out)["encodings"]}
    assert code == 0 and 50256 in rows["gpt2"]["ids"]
