"""`llm-tui inspect --lens` and `--cell`: the numbers transformers computes, and clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from engine.tokenize.registry import get_tokenizer
from tui.cli import main

TEXT = "The robot lit the lamp so that the boats could find the harbour."


def test_lens_json_is_every_hidden_state_through_the_final_norm_and_head(hf_gpt2, capsys):
    folder, reference = hf_gpt2
    assert (
        main(
            ["inspect", "--lens", "--position", "4", "--topk", "3", "--weights", str(folder), "--json", TEXT]
        )
        == 0
    )
    payload = json.loads(capsys.readouterr().out)
    ids = get_tokenizer("gpt2").encode(TEXT)
    with torch.no_grad():
        hidden = reference(torch.tensor([ids]), output_hidden_states=True).hidden_states
        layers = [
            hidden[i] if i == len(hidden) - 1 else reference.transformer.ln_f(hidden[i])
            for i in range(len(hidden))
        ]
        probs = [torch.softmax(reference.lm_head(h)[0, 4], -1) for h in layers]
    assert payload["position"] == 4 and [row["layer"] for row in payload["lens"]] == [0, 1, 2]
    final = int(torch.argmax(probs[-1]))
    for row, expected in zip(payload["lens"], probs, strict=True):
        top = torch.topk(expected, 3)
        assert [token["id"] for token in row["top"]] == top.indices.tolist()
        np.testing.assert_allclose([token["prob"] for token in row["top"]], top.values.numpy(), atol=1e-5)
        assert row["top"][0]["piece"] == get_tokenizer("gpt2").decode([row["top"][0]["id"]])
        assert row["final_top1_prob"] == pytest.approx(float(expected[final]), abs=1e-5)
        assert row["final_top1_rank"] == 1 + int((expected > expected[final]).sum())
        assert 0 < row["entropy"] < np.log2(50257)


def test_lens_text_names_each_layer(hf_gpt2, capsys):
    folder, _ = hf_gpt2
    assert main(["inspect", "--lens", "--weights", str(folder), TEXT]) == 0
    out = capsys.readouterr().out
    assert "logit lens at position 13" in out and "after the embeddings" in out and "  L2  " in out


def test_cell_json_adds_up_to_the_context_vector(capsys):
    assert (
        main(["inspect", "--cell", "5,2", "--head", "1", "--heads", "2", "--dim", "16", "--json", TEXT]) == 0
    )
    cell = json.loads(capsys.readouterr().out)["cell"]
    query, key = np.array(cell["query"]), np.array(cell["key"])
    assert cell["dot"] == pytest.approx(float(query @ key)) and cell["divisor"] == pytest.approx(np.sqrt(8))
    assert cell["score"] == pytest.approx(cell["dot"] / cell["divisor"])
    row = cell["row"]
    assert row["keys"] == list(range(6))  # causal: query 5 sees keys 0..5
    scores = np.array(row["scores"])
    np.testing.assert_allclose(row["weights"], np.exp(scores) / np.exp(scores).sum(), atol=1e-9)
    assert cell["weight"] == pytest.approx(row["weights"][2])
    context = np.array(row["weights"]) @ np.array(row["values"])
    np.testing.assert_allclose(cell["context"], context, atol=1e-9)


def test_cell_text_and_a_masked_cell(capsys):
    assert main(["inspect", "--cell", "1,3", TEXT]) == 0
    out = capsys.readouterr().out
    assert "the mask hides key 3 from query 1" in out and "context vector" in out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--lens"], "open one with --weights"),
        (["--cell", "5"], "as Q,K"),
        (["--cell", "99,0"], "query position 99"),
        (["--cell", "0,0", "--head", "9"], "--head 9"),
    ],
)
def test_clear_errors(arguments, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["inspect", *arguments, TEXT])
    assert exit_.value.code == 2 and message in capsys.readouterr().err


def test_lens_position_outside_the_text(hf_gpt2, capsys):
    folder, _ = hf_gpt2
    with pytest.raises(SystemExit) as exit_:
        main(["inspect", "--lens", "--position", "99", "--weights", str(folder), TEXT])
    assert exit_.value.code == 2 and "--position 99" in capsys.readouterr().err
