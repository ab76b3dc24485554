"""The logit lens, the residual stream and one attention cell's arithmetic, against transformers'
own hidden states, sublayer outputs and attention outputs on the same random weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.analysis.cell import cell_arithmetic
from engine.analysis.lens import lens_at, lens_map
from engine.nn.device import DeviceInfo
from engine.pipeline.prefix import PrefixCache
from engine.pipeline.run import run
from engine.settings import Settings
from engine.tokenize.registry import get_tokenizer
from tests.open_models import REPO, build_cache, build_tiny_llama_cache

transformers = pytest.importorskip("transformers")

TEXT = "The robot lit the lamp so that the boats could find the harbour at night."
CPU = DeviceInfo("cpu", "cpu · test device")


@pytest.fixture(scope="module")
def gpt2(tmp_path_factory):
    """(folder, model): a 3-layer random GPT-2, every parameter nudged (its final norm is no identity)."""
    config = transformers.GPT2Config(
        n_layer=3, n_head=4, n_embd=32, n_positions=64, vocab_size=50257, attn_implementation="eager"
    )
    torch.manual_seed(3)
    model = transformers.GPT2LMHeadModel(config).eval()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(0.2 * torch.randn_like(parameter))
    folder = tmp_path_factory.mktemp("gpt2-lens")
    model.save_pretrained(folder, safe_serialization=True)
    return folder, model


@pytest.fixture(scope="module")
def llama(tmp_path_factory):
    cache = tmp_path_factory.mktemp("hub-lens")
    model, tokenizer = build_tiny_llama_cache(cache)
    return cache, model, tokenizer


def _offline(monkeypatch, cache) -> None:
    """Models come from this hub cache, and nothing is fetched."""
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def _sublayer_outputs(model, attention_modules, mlp_modules, ids):
    """transformers' hidden states, and each block's attention and MLP outputs (by hooks)."""
    outputs: dict[str, list[torch.Tensor]] = {"attention": [], "mlp": []}
    hooks = []
    for name, modules in (("attention", attention_modules), ("mlp", mlp_modules)):
        for module in modules:

            def keep(_module, _inputs, output, name=name):
                outputs[name].append((output[0] if isinstance(output, tuple) else output).detach())

            hooks.append(module.register_forward_hook(keep))
    try:
        with torch.no_grad():
            expected = model(torch.tensor([ids]), output_hidden_states=True)
    finally:
        for hook in hooks:
            hook.remove()
    return expected, outputs


def _reference_probs(hidden_states, final_norm, head, suppressed=()):
    """Every layer's softmax(head(final_norm(h))), the last entry already normalised by transformers."""
    rows = []
    with torch.no_grad():
        for index, hidden in enumerate(hidden_states):
            normed = hidden if index == len(hidden_states) - 1 else final_norm(hidden)
            rows.append(torch.softmax(head(normed)[0].double(), dim=-1))
    return torch.stack(rows)  # (L + 1, T, V)


def _check_lens(result, expected_probs):
    layers = expected_probs.shape[0]
    for position in range(result.n_used):
        lens = lens_at(result.stream, result.next_token, position, k=5)
        assert [layer.layer for layer in lens.layers] == list(range(layers))
        final_top1 = int(torch.argmax(expected_probs[-1, position]))
        for layer in lens.layers:
            reference = expected_probs[layer.layer, position]
            top = torch.topk(reference, 5)
            assert [token.row for token in layer.top] == top.indices.tolist()
            np.testing.assert_allclose([t.prob for t in layer.top], top.values.numpy(), atol=1e-4, rtol=0)
            assert layer.final_top1_prob == pytest.approx(float(reference[final_top1]), abs=1e-4)
            assert layer.final_top1_rank == 1 + int((reference > reference[final_top1]).sum())
            entropy = -float((reference * torch.log2(reference.clamp_min(1e-300))).sum())
            assert layer.entropy == pytest.approx(entropy, abs=1e-3)
        assert lens.final.top[0].row == final_top1 == int(np.argmax(result.next_token.logits_at(position)))
    # The map's cells are each layer's top-1 at each position.
    cells = lens_map(result.stream, result.next_token, 0, result.n_used, range(layers))
    np.testing.assert_array_equal(cells.rows, expected_probs.argmax(-1).numpy())
    np.testing.assert_allclose(cells.probs, expected_probs.max(-1).values.numpy(), atol=1e-4, rtol=0)


def _check_stream(result, expected, sublayers):
    residuals = result.stream.window(0, result.n_used)
    blocks = len(sublayers["attention"])
    assert result.stream.blocks == blocks and residuals.shape[0] == blocks + 1
    for layer in range(blocks):  # the last hidden state transformers returns is normalised
        np.testing.assert_allclose(residuals[layer], expected.hidden_states[layer][0].numpy(), atol=1e-4)
    for position in (0, result.n_used - 1):
        added = result.stream.added_at(position)
        for column, name in enumerate(("attention", "mlp")):
            norms = [float(output[0, position].norm()) for output in sublayers[name]]
            np.testing.assert_allclose(added[:, column], norms, rtol=1e-4)


def test_gpt2_lens_and_stream_match_transformers_hidden_states(gpt2):
    folder, model = gpt2
    ids = get_tokenizer("gpt2").encode(TEXT)
    blocks = model.transformer.h
    expected, sublayers = _sublayer_outputs(model, [b.attn for b in blocks], [b.mlp for b in blocks], ids)
    probs = _reference_probs(expected.hidden_states, model.transformer.ln_f, model.lm_head)
    result = run(TEXT, Settings(weights=str(folder)), CPU)
    _check_lens(result, probs)
    _check_stream(result, expected, sublayers)


def test_llama_lens_and_stream_match_transformers_hidden_states(llama, monkeypatch):
    cache, model, tokenizer = llama
    _offline(monkeypatch, cache)
    ids = tokenizer(TEXT)["input_ids"]
    layers = model.model.layers
    expected, sublayers = _sublayer_outputs(
        model, [b.self_attn for b in layers], [b.mlp for b in layers], ids
    )
    probs = _reference_probs(expected.hidden_states, model.model.norm, model.lm_head)
    result = run(TEXT, Settings(weights=REPO), CPU)
    assert result.tokens.ids.tolist() == ids
    _check_lens(result, probs)
    _check_stream(result, expected, sublayers)


def test_stream_after_edits_equals_a_fresh_run(gpt2):
    folder, _ = gpt2
    settings = Settings(weights=str(folder))
    cache = PrefixCache()
    kept = run(TEXT, settings, CPU, cache)
    for text in (TEXT + " Then", TEXT[:20] + "x" + TEXT[20:], TEXT[:30]):
        incremental = run(text, settings, CPU, cache)
        fresh = run(text, settings, CPU)
        assert cache.reused > 0
        np.testing.assert_allclose(
            incremental.stream.window(0, incremental.n_used), fresh.stream.window(0, fresh.n_used), atol=1e-5
        )
        np.testing.assert_allclose(
            incremental.stream.added.whole(), fresh.stream.added.whole(), rtol=1e-5, atol=1e-6
        )
    # The first result is untouched by the runs after it: its stream, and the shown layer's keys
    # and values, which were copied out of the key/value cache that later runs wrote into.
    again = run(TEXT, settings, CPU)
    for name in ("keys", "values"):
        np.testing.assert_allclose(
            getattr(kept.attention.vectors, name).whole(),
            getattr(again.attention.vectors, name).whole(),
            atol=1e-5,
        )
    np.testing.assert_allclose(
        kept.stream.window(0, kept.n_used), run(TEXT, settings, CPU).stream.window(0, kept.n_used), atol=1e-5
    )


def _head_contexts_of(model, projections, ids, layer: int, heads: int) -> torch.Tensor:
    """(H, T, D) the heads' outputs as transformers merges them: the input of the output projection."""
    seen = []
    hook = projections[layer].register_forward_pre_hook(lambda _module, args: seen.append(args[0].detach()))
    try:
        with torch.no_grad():
            model(torch.tensor([ids]))
    finally:
        hook.remove()
    merged = seen[0][0]  # (T, H * D)
    return merged.view(merged.shape[0], heads, -1).transpose(0, 1)


def _check_cells(result, contexts):
    heads, length = result.attention.weights.shape[:2]
    for head in range(heads):
        for query in (0, length // 2, length - 1):
            for key in (0, query, min(query + 1, length - 1)):
                cell = cell_arithmetic(result.attention, head, query, key)
                assert cell.score == pytest.approx(float(result.attention.scores[head, query, key]), abs=1e-5)
                assert cell.weight == pytest.approx(
                    float(result.attention.weights[head, query, key]), abs=1e-6
                )
                np.testing.assert_allclose(cell.row_weights.sum(), 1.0, atol=1e-9)
                np.testing.assert_allclose(cell.context, contexts[head, query].numpy(), atol=1e-5)
                assert cell.masked == bool(result.attention.mask[query, key])
                assert cell.visible.tolist() == np.flatnonzero(~result.attention.mask[query]).tolist()


def test_cell_context_is_the_heads_attention_output_gpt2(gpt2):
    folder, model = gpt2
    ids = get_tokenizer("gpt2").encode(TEXT)
    for layer in (0, 2):
        result = run(TEXT, Settings(weights=str(folder), layer=layer), CPU)
        contexts = _head_contexts_of(model, [b.attn.c_proj for b in model.transformer.h], ids, layer, 4)
        _check_cells(result, contexts)


def test_cell_context_is_the_heads_attention_output_llama(llama, monkeypatch):
    cache, model, tokenizer = llama
    _offline(monkeypatch, cache)
    ids = tokenizer(TEXT)["input_ids"]
    result = run(TEXT, Settings(weights=REPO, layer=1), CPU)
    contexts = _head_contexts_of(model, [b.self_attn.o_proj for b in model.model.layers], ids, 1, 4)
    _check_cells(result, contexts)


def test_cell_context_with_a_sliding_window_mistral(tmp_path, monkeypatch):
    """Mistral's window (4 here) hides keys too far back: the row's visible keys are not a prefix."""
    repo, model, tokenizer = build_cache(tmp_path, "mistral")
    _offline(monkeypatch, tmp_path)
    ids = tokenizer(TEXT)["input_ids"]
    result = run(TEXT, Settings(weights=repo, layer=1), CPU)
    contexts = _head_contexts_of(model, [b.self_attn.o_proj for b in model.model.layers], ids, 1, 4)
    _check_cells(result, contexts)
    last = result.n_used - 1
    cell = cell_arithmetic(result.attention, 0, last, 0)
    assert cell.masked and cell.visible.tolist() == list(range(last - 3, last + 1))


@pytest.mark.parametrize("causal", [True, False])
@pytest.mark.parametrize("scaled", [True, False])
def test_cell_context_with_random_weights_is_sdpa_of_its_vectors(causal, scaled):
    result = run(TEXT, Settings(causal=causal, scaled=scaled, heads=4, dim=32), CPU)
    vectors = result.attention.vectors
    queries = torch.from_numpy(np.array(vectors.queries))
    keys = torch.from_numpy(np.array(vectors.keys.whole()))
    values = torch.from_numpy(np.array(vectors.values.whole()))
    scale = None if scaled else 1.0
    reference = torch.nn.functional.scaled_dot_product_attention(
        queries, keys, values, is_causal=causal, scale=scale
    )
    np.testing.assert_allclose(result.attention.context, reference.numpy(), atol=1e-5)
    _check_cells(result, reference)


def test_cell_rejects_positions_and_heads_outside_the_result():
    result = run("a b c", Settings(heads=2, dim=8), CPU)
    for head, query, key in ((2, 0, 0), (0, 3, 0), (0, 0, -1)):
        with pytest.raises(ValueError):
            cell_arithmetic(result.attention, head, query, key)
