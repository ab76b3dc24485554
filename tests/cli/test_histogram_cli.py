"""`llm-tui generate --histogram N`: the sampling lab on the command line, checked against the engine
and the transformers GPT-2 (hf_gpt2 fixture)."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
import torch

from engine.sampling.distribution import next_token_distribution
from engine.sampling.lab import draw_many
from engine.tokenize.registry import get_tokenizer
from tui.cli import main

TEXT = "The robot lit the lamp"


@pytest.fixture(scope="module")
def reference(hf_gpt2):
    """(folder, prompt ids, the transformers logits for the next token)."""
    folder, model = hf_gpt2
    ids = get_tokenizer("gpt2").encode(TEXT)
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0, -1].double().numpy()
    return folder, ids, logits


def _run_json(capsys, *argv: str) -> dict:
    capsys.readouterr()
    assert main(["generate", "--json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_histogram_json_agrees_with_the_engine_and_transformers(reference, capsys):
    folder, ids, logits = reference
    payload = _run_json(
        capsys, "--weights", str(folder), "--histogram", "2000", "--top-k", "20", "--seed", "9", TEXT
    )
    assert (payload["n"], payload["seed"], payload["prompt_ids"]) == (2000, 9, ids)
    assert payload["settings"] == {"temperature": 1.0, "top_k": 20, "top_p": None, "greedy": False}
    assert payload["kept"] == 20 and payload["vocab_size"] == 50257
    records = payload["records"]
    assert [r["rank"] for r in records] == list(range(1, 11))

    # Ids, logits and probabilities: the reference model's, best logit first.
    top = torch.topk(torch.from_numpy(logits), 20)
    probs = torch.softmax(top.values, -1).numpy()
    assert [r["id"] for r in records] == top.indices[:10].tolist()
    np.testing.assert_allclose([r["logit"] for r in records], top.values[:10].numpy(), atol=1e-4)
    np.testing.assert_allclose([r["scaled"] for r in records], [r["logit"] for r in records])
    np.testing.assert_allclose([r["prob"] for r in records], probs[:10], atol=1e-5)
    tokenizer = get_tokenizer("gpt2")
    assert [r["piece"] for r in records] == [tokenizer.decode([r["id"]]) for r in records]

    # Counts: the engine's seeded draws from that distribution; every draw is accounted for.
    expected = draw_many(next_token_distribution(logits, top_k=20), 2000, seed=9).counts
    assert [r["count"] for r in records] == expected[top.indices[:10].numpy()].tolist()
    assert [r["freq"] for r in records] == [r["count"] / 2000 for r in records]
    assert sum(r["count"] for r in records) + payload["rest"]["count"] == 2000
    assert payload["rest"]["prob"] == pytest.approx(probs[10:].sum(), abs=1e-5)
    assert payload["chi_square"]["dof"] == 19 and payload["chi_square"]["p_value"] > 0.001


def test_histogram_greedy_and_cut_ids(reference, capsys):
    folder, _, logits = reference
    payload = _run_json(capsys, "--weights", str(folder), "--histogram", "500", "--temperature", "0", TEXT)
    records = payload["records"]
    assert payload["settings"]["greedy"] and records[0]["id"] == int(np.argmax(logits))
    assert records[0]["count"] == 500 and records[0]["prob"] == 1.0
    assert all(r["masked"] is None and r["count"] == 0 for r in records[1:])  # null: cut by greedy
    assert payload["rest"]["count"] == 0 and payload["chi_square"]["p_value"] is None

    payload = _run_json(
        capsys, "--weights", str(folder), "--histogram", "500", "--top-k", "3", "--temperature", "2", TEXT
    )
    records = payload["records"]
    np.testing.assert_allclose([r["scaled"] for r in records], [r["logit"] / 2 for r in records])
    assert [r["masked"] is None for r in records] == [False] * 3 + [True] * 7
    assert sum(r["count"] for r in records[:3]) == 500


def test_histogram_table(reference, capsys):
    folder, _, logits = reference
    assert main(["generate", "--weights", str(folder), "--histogram", "1000", "--top-k", "5", TEXT]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("next token after '·lamp': 1,000 draws, seed 123")
    assert out[1].split() == ["rank", "id", "piece", "logit", "logit/T", "masked", "prob", "drawn", "freq"]
    rows = [line.split() for line in out[2:12]]
    assert [int(fields[1]) for fields in rows[:5]] == torch.topk(torch.from_numpy(logits), 5).indices.tolist()
    assert all(fields[5] == "cut" and fields[7] == "0" for fields in rows[5:])
    assert sum(int(fields[7].replace(",", "")) for fields in rows) == 1000


def test_histogram_says_when_there_are_too_few_draws_to_test(reference, capsys):
    folder, _, logits = reference
    assert main(["generate", "--weights", str(folder), "--histogram", "1000", TEXT]) == 0
    out = capsys.readouterr().out
    assert "too few draws for a chi-square test" in out
    # The near-uniform random GPT-2 gives each id about 0.002%: shown with enough digits to see it.
    best = torch.softmax(torch.from_numpy(logits), -1).max().item()
    assert f"{best * 100:.4f}%" in out.splitlines()[2]


@pytest.mark.parametrize("value", ["0", "-4", "many", "2.5"])
def test_bad_histogram_sizes_exit_2(reference, capsys, monkeypatch, value):
    folder, _, _ = reference
    for as_json in (False, True):
        argv = ["generate", "--weights", str(folder), f"--histogram={value}", TEXT] + ["--json"] * as_json
        monkeypatch.setattr(sys, "argv", ["llm-tui", *argv])  # argparse errors look for --json there
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        captured = capsys.readouterr()
        assert exit_.value.code == 2 and len(captured.err.strip().splitlines()) == 1
        assert "--histogram" in captured.err and "positive whole number" in captured.err
        if as_json:
            assert "--histogram" in json.loads(captured.out)["error"]


def test_too_many_draws_exit_2(reference, capsys):
    folder, _, _ = reference
    with pytest.raises(SystemExit) as exit_:
        main(["generate", "--weights", str(folder), "--histogram", "100000000", TEXT])
    assert exit_.value.code == 2 and "at most 10,000,000 draws" in capsys.readouterr().err
