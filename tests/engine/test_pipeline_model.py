"""The pipeline with a loaded model matches Hugging Face transformers on the same random weights."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from engine.pipeline.run import run
from engine.settings import Settings
from engine.tokenize.registry import get_tokenizer
from tui.cli import main

TEXT = "The robot lit the lamp so that the boats could find the harbour."


@pytest.fixture(scope="module")
def hf_folder(hf_gpt2):
    return hf_gpt2


def test_pipeline_matches_transformers(hf_folder):
    folder, reference = hf_folder
    ids = get_tokenizer("gpt2").encode(TEXT)
    with torch.no_grad():
        expected = reference(torch.tensor([ids]), output_attentions=True)
    for layer in (0, 1):
        result = run(TEXT, Settings(weights=str(folder), layer=layer))
        assert result.model is not None and result.model.layers == 2
        np.testing.assert_allclose(
            result.attention.weights, expected.attentions[layer][0].numpy(), atol=1e-5, rtol=0
        )
        assert result.attention.layer == layer and result.attention.layers == 2
    for position in (0, 5, len(ids) - 1):
        np.testing.assert_allclose(
            result.next_token.logits_at(position), expected.logits[0, position].numpy(), atol=1e-4, rtol=0
        )
    np.testing.assert_array_equal(result.embedded.token_vectors, result.embedded.token_table[ids])


def test_model_fixes_sizes_and_reports_itself(hf_folder):
    folder, _ = hf_folder
    result = run(TEXT, Settings(weights=str(folder), dim=8, heads=2, encoding="o200k_base", causal=False))
    assert (result.settings.dim, result.settings.heads, result.settings.encoding) == (32, 4, "gpt2")
    assert result.attention.causal and (result.attention.weights[:, 0, 1:] == 0).all()
    assert str(folder) in result.model.source
    assert any("gpt2 tokens" in note for note in result.notes)


def test_inspect_topk_json_matches_transformers(hf_folder, capsys):
    folder, reference = hf_folder
    assert main(["inspect", "--weights", str(folder), "--topk", "5", "--json", TEXT]) == 0
    payload = json.loads(capsys.readouterr().out)
    ids = get_tokenizer("gpt2").encode(TEXT)
    with torch.no_grad():
        probs = torch.softmax(reference(torch.tensor([ids])).logits[0, -1], dim=-1)
    top = torch.topk(probs, 5)
    assert [record["id"] for record in payload["next"]] == top.indices.tolist()
    np.testing.assert_allclose([record["prob"] for record in payload["next"]], top.values.numpy(), atol=1e-5)
    assert payload["model"]["layers"] == 2 and len(payload["attention"]["heads"]) == 4


def test_bad_layer_is_a_clear_error(hf_folder, capsys):
    folder, _ = hf_folder
    with pytest.raises(SystemExit) as exit_:
        main(["inspect", "--weights", str(folder), "--layer", "7", "x"])
    assert exit_.value.code == 2 and "layers 0 to 1" in capsys.readouterr().err


def test_missing_weights_is_one_line_exit_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["inspect", "--weights", str(tmp_path / "nope.safetensors"), "x"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and len(err.strip().splitlines()) == 1 and "nope.safetensors" in err
