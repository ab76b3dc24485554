"""An open model end to end: a tiny random Llama (llama3 RoPE scaling, grouped-query attention) with a
Llama-3-style tokenizer, saved into a temporary Hugging Face cache and opened by its repo id, through
the pipeline and `llm-tui inspect --json`, against `transformers` on the same weights."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from engine.nn.device import DeviceInfo
from engine.pipeline.run import run
from engine.settings import Settings
from tests.engine.hf_folders import LLAMA_BOS
from tests.open_models import FAMILIES, REPO, build_cache, build_tiny_llama_cache

transformers = pytest.importorskip("transformers")

TEXT = "You are a pirate chatbot who always responds in pirate speak! User: Who are you? Assistant:"
CPU = DeviceInfo("cpu", "cpu · test device")


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """(cache folder, the transformers model, its tokenizer) with REPO cached as a snapshot."""
    cache = tmp_path_factory.mktemp("hub")
    model, tokenizer = build_tiny_llama_cache(cache)
    return cache, model, tokenizer


@pytest.fixture()
def offline_cache(hub, monkeypatch):
    cache, model, tokenizer = hub
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return cache, model, tokenizer


def test_the_repo_id_opens_and_every_number_matches_transformers(offline_cache):
    _cache, model, tokenizer = offline_cache
    result = run(TEXT, Settings(weights=REPO, layer=1), CPU)
    expected_ids = tokenizer(TEXT)["input_ids"]
    assert expected_ids[0] == LLAMA_BOS and result.tokens.ids.tolist() == expected_ids
    assert result.tokens.piece(0) == "<|begin_of_text|>" and result.tokens.char_spans[0].tolist() == [0, 0]
    with torch.no_grad():
        reference = model(torch.tensor([expected_ids]), output_attentions=True)
    logits = np.stack([result.next_token.logits_at(p) for p in range(result.n_used)])
    np.testing.assert_allclose(logits, reference.logits[0].numpy(), atol=1e-4)
    np.testing.assert_allclose(result.attention.weights, reference.attentions[1][0].numpy(), atol=1e-5)
    assert result.model.kind == "llama" and result.model.kv_heads == 2 and result.model.layers == 2
    assert REPO in result.model.status() and "float32" in result.model.status()
    # A rotary model adds no position vector: the input vectors are the token vectors.
    assert result.embedded.positions == "rotary" and not result.embedded.added_positions.any()
    np.testing.assert_array_equal(result.embedded.input_vectors, result.embedded.token_vectors)


def test_inspect_json_gives_transformers_ids_probabilities_and_layer_1_attention(offline_cache):
    cache, model, tokenizer = offline_cache
    env = {"HF_HUB_CACHE": str(cache), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-m", "tui.cli", "inspect", "--weights", REPO, "--topk", "10", "--layer", "1"]
    done = subprocess.run([*command, "--json", TEXT], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    ids = tokenizer(TEXT)["input_ids"]
    assert data["ids"] == ids
    with torch.no_grad():
        reference = model(torch.tensor([ids]), output_attentions=True)
    probs = torch.softmax(reference.logits[0, -1], -1)
    top = torch.topk(probs, 10)
    assert [row["id"] for row in data["next"]] == top.indices.tolist()
    np.testing.assert_allclose([row["prob"] for row in data["next"]], top.values.numpy(), atol=1e-5)
    weights = np.array([head["weights"] for head in data["attention"]["heads"]])
    np.testing.assert_allclose(weights, reference.attentions[1][0].numpy(), atol=1e-5)


def test_a_repo_that_is_not_cached_says_how_to_download_it(offline_cache, tmp_path, monkeypatch):
    from engine.errors import WeightsError

    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(WeightsError) as caught:
        run("hi", Settings(weights="nobody/nothing-here"), CPU)
    assert "nobody/nothing-here" in str(caught.value)
    assert any(hint.command and "download" in hint.command for hint in caught.value.hints)


@pytest.fixture(scope="module")
def family_cache(tmp_path_factory):
    cache = tmp_path_factory.mktemp("families")
    return cache, {family: build_cache(cache, family) for family in FAMILIES if family != "llama"}


@pytest.mark.parametrize("family", [family for family in FAMILIES if family != "llama"])
def test_every_family_runs_through_the_pipeline_as_transformers_does(family_cache, monkeypatch, family):
    cache, built = family_cache
    repo_id, model, tokenizer = built[family]
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    result = run(TEXT, Settings(weights=repo_id, layer=1), CPU)
    ids = tokenizer(TEXT)["input_ids"]
    assert result.tokens.ids.tolist() == ids and result.model.kind == family
    with torch.no_grad():
        reference = model(torch.tensor([ids]), output_attentions=True)
    logits = np.stack([result.next_token.logits_at(p) for p in range(result.n_used)])
    np.testing.assert_allclose(logits, reference.logits[0].numpy(), atol=1e-4)
    np.testing.assert_allclose(result.attention.weights, reference.attentions[1][0].numpy(), atol=1e-5)
    top = torch.topk(reference.logits[0, -1], 10).indices.tolist()
    assert np.argsort(-logits[-1], kind="stable")[:10].tolist() == top
    if family == "mistral":  # the band: keys 4 or more positions back are masked, and weigh nothing
        assert result.attention.mask[10, 6] and not result.attention.mask[10, 7]
        assert (result.attention.weights[:, 10, :7] == 0).all()
