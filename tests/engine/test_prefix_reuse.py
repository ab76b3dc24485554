"""Prefix reuse: a run that keeps what the last one computed gives the numbers of a run from scratch.

For random texts and random edits (insert, delete, replace; at the start, in the middle, at the
end), the run through a `PrefixCache` that saw the text before the edit equals a fresh run: the
shown layer's attention weights and scores and every position's logits to 1e-5, the tokens
exactly. For GPT-2, a Llama (llama3 RoPE, grouped-query attention), a Mistral (sliding window) and
the random-weights pipeline. The reuse is checked to happen, so a cache that silently recomputed
everything would fail too.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.nn.device import DeviceInfo
from engine.pipeline.prefix import PrefixCache, common_prefix
from engine.pipeline.run import run
from engine.settings import Settings
from tests.open_models import COMMIT, build_cache

CPU = DeviceInfo("cpu", "cpu · test device")
WORDS = st.text(alphabet="abcdeht .,\n日", min_size=0, max_size=12)
TEXTS = st.text(alphabet="abcdeht .,\n日", min_size=1, max_size=60)


@pytest.fixture(scope="module")
def models(tmp_path_factory, hf_gpt2):
    """Settings for each kind of model, by name."""
    cache = tmp_path_factory.mktemp("prefix-hub")
    folders = {}
    for family in ("llama", "mistral"):
        repo_id, _model, _tokenizer = build_cache(cache, family)
        folders[family] = cache / f"models--{repo_id.replace('/', '--')}" / "snapshots" / COMMIT
    return {
        "gpt2": Settings(weights=str(hf_gpt2[0]), layer=1),
        "llama": Settings(weights=str(folders["llama"]), layer=1),
        "mistral": Settings(weights=str(folders["mistral"]), layer=0),
        "random": Settings(dim=16, heads=2, context=48),
    }


def edited(text: str, kind: str, where: float, inserted: str) -> str:
    """`text` with `inserted` put in, a stretch deleted, or one replaced, at `where` (0: start, 1: end)."""
    at = round(where * len(text))
    if kind == "insert":
        return text[:at] + inserted + text[at:]
    if kind == "delete":
        return text[:at] + text[at + max(1, len(inserted)) :]
    return text[:at] + inserted + text[at + len(inserted) :]


def assert_same(incremental, fresh) -> None:
    assert incremental.tokens.ids.tolist() == fresh.tokens.ids.tolist()
    np.testing.assert_array_equal(incremental.tokens.char_spans, fresh.tokens.char_spans)
    assert incremental.n_used == fresh.n_used
    a, b = incremental.attention, fresh.attention
    np.testing.assert_allclose(a.weights, b.weights, atol=1e-5, rtol=0)
    np.testing.assert_allclose(a.scores, b.scores, atol=1e-5, rtol=0)
    np.testing.assert_array_equal(a.mask, b.mask)
    if fresh.next_token is not None and fresh.n_used:
        logits = np.stack([incremental.next_token.logits_at(p) for p in range(incremental.n_used)])
        expected = np.stack([fresh.next_token.logits_at(p) for p in range(fresh.n_used)])
        np.testing.assert_allclose(logits, expected, atol=1e-5, rtol=0)
    if b.context is not None:
        np.testing.assert_allclose(a.context, b.context, atol=1e-5, rtol=0)
        np.testing.assert_allclose(a.output, b.output, atol=1e-5, rtol=0)


EDITS = st.tuples(
    st.sampled_from(["insert", "delete", "replace"]),
    st.one_of(st.just(0.0), st.just(1.0), st.floats(0, 1)),
    WORDS,
)


@pytest.mark.parametrize("name", ["gpt2", "llama", "mistral", "random"])
@settings(max_examples=12, deadline=None)
@given(text=TEXTS, edits=st.lists(EDITS, min_size=1, max_size=4), hold=st.lists(st.booleans(), max_size=4))
def test_edits_through_the_cache_equal_fresh_runs(models, name, text, edits, hold):
    chosen = models[name]
    cache = PrefixCache()
    before = run(text, chosen, CPU, cache)
    held = []  # results kept alive, as a hidden pane keeps one: their numbers must not change
    for index, (kind, where, inserted) in enumerate(edits):
        text = edited(text, kind, where, inserted)
        incremental = run(text, chosen, CPU, cache)
        fresh = run(text, chosen, CPU)
        assert_same(incremental, fresh)
        shared = common_prefix(before.tokens.ids[: before.n_used], fresh.tokens.ids[: fresh.n_used])
        # Everything before the first changed token was kept, nothing after it.
        assert cache.reused == shared and cache.computed == fresh.n_used - shared
        if index < len(hold) and hold[index]:
            held.append((incremental, fresh))
        before = incremental
    for incremental, fresh in held:
        assert_same(incremental, fresh)


@pytest.mark.parametrize("name", ["gpt2", "llama"])
def test_typing_at_the_end_computes_only_the_new_tokens(models, name):
    cache = PrefixCache()
    text = "The robot lit the lamp so that the boats could find"
    first = run(text, models[name], CPU, cache)
    second = run(text + " the harbour", models[name], CPU, cache)
    assert cache.reused >= first.n_used - 1 and cache.computed <= 3
    assert_same(second, run(text + " the harbour", models[name], CPU))
    assert cache.nbytes > 0


@pytest.mark.parametrize("name", ["gpt2", "llama"])
def test_the_shown_layer_comes_before_the_deeper_ones_with_the_same_numbers(models, name):
    from engine.pipeline.caches import open_model

    chosen = replace(models[name], layer=0)  # of 2: one layer runs after the shown one
    model = open_model(chosen.weights, "cpu").loaded.model
    last_block = (model.blocks if hasattr(model, "blocks") else model.layers)[-1]
    last_block_ran = []
    hook = last_block.register_forward_hook(lambda *_: last_block_ran.append(True))
    cache = PrefixCache()
    early = []

    def shown_early(result):
        # Handed over before the last block runs; copied, so a later write would show.
        assert not last_block_ran
        early.append((result, result.attention.weights.copy(), result.attention.scores.copy()))

    texts = ("Once upon a time", "Once upon a time there was", "Once upon a dime", "Once upon a dime, far")
    for text in texts:
        early.clear()
        last_block_ran.clear()
        complete = run(text, chosen, CPU, cache, shown_early)
        [(shown, weights, scores)] = early
        assert last_block_ran
        assert shown.deeper_pending and shown.next_token is None and shown.stream is None
        assert not complete.deeper_pending and complete.next_token is not None
        assert shown.tokens.ids.tolist() == complete.tokens.ids.tolist()
        fresh = run(text, chosen, CPU)
        np.testing.assert_allclose(weights, fresh.attention.weights, atol=1e-5, rtol=0)
        np.testing.assert_allclose(scores, fresh.attention.scores, atol=1e-5, rtol=0)
        np.testing.assert_array_equal(weights, complete.attention.weights)
        assert_same(complete, fresh)
        np.testing.assert_allclose(
            complete.stream.window(0, fresh.n_used), fresh.stream.window(0, fresh.n_used), atol=1e-5, rtol=0
        )
    hook.remove()
    # Nothing to run after the shown layer, or nothing to compute at all: no early result.
    early.clear()
    run("Once upon", chosen, CPU, cache, shown_early)  # a prefix of the last text: nothing to run
    run("Once upon", replace(models[name], layer=1), CPU, cache, shown_early)  # the last layer
    run("Once upon", models["random"], CPU, cache, shown_early)  # one layer
    assert early == []


@pytest.mark.parametrize("name", ["gpt2", "llama"])
def test_switches_after_an_edit_give_the_numbers_of_a_fresh_start(models, name):
    chosen = models[name]
    cache = PrefixCache()
    run("Once upon a time", chosen, CPU, cache)
    run("Once upon a time there was", chosen, CPU, cache)
    # Another layer, same ids: only the blocks up to that layer run, every position of it.
    other_layer = replace(chosen, layer=0)
    switched = run("Once upon a time there was", other_layer, CPU, cache)
    assert cache.reused == 0 and cache.computed == switched.n_used
    assert_same(switched, run("Once upon a time there was", other_layer, CPU))
    # An edit after the switch reuses the new layer's rows.
    edited_run = run("Once upon a time there was a", other_layer, CPU, cache)
    assert cache.reused > 0
    assert_same(edited_run, run("Once upon a time there was a", other_layer, CPU))


def test_random_weights_switches_and_another_model_start_afresh(models):
    cache = PrefixCache()
    base = models["random"]
    run("attention is all", base, CPU, cache)
    for changed in (
        replace(base, causal=False),
        replace(base, scaled=False),
        replace(base, seed=7),
        replace(base, encoding="cl100k_base"),
        replace(base, positions="sinusoidal"),
        models["gpt2"],
        base,
    ):
        result = run("attention is all you need", changed, CPU, cache)
        assert_same(result, run("attention is all you need", changed, CPU))
        run("attention is all", changed, CPU, cache)  # the next switch starts from this text


def test_a_failed_pass_leaves_no_half_written_cache(models):
    cache = PrefixCache()
    run("Once upon a time", models["gpt2"], CPU, cache)

    def broken(*_args):
        raise RuntimeError("out of memory")

    with pytest.raises(RuntimeError):
        cache.run(("other",), np.arange(5), 0, 2, broken)
    assert cache.nbytes == 0
    with torch.no_grad():
        assert_same(
            run("Once upon a time", models["gpt2"], CPU, cache), run("Once upon a time", models["gpt2"], CPU)
        )
