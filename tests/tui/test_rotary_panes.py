"""The panes on a rotary model (the tiny random Llama: llama3 RoPE scaling, 4 query heads sharing 2 K/V
heads): the positions pane's RoPE view against transformers' rotary embedding and a hand computation,
the attention line naming the shared K/V head, the embeddings pane saying no position vector is added."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
import torch
from textual.widgets import Static

from engine.analysis.rope_view import distance_scores, fixed_query_key
from tests.open_models import REPO, build_tiny_llama_cache
from tests.tui.helpers import lines_of, make_app, settle
from tui.panes.positions import MONO_MARKERS, WINDOW, PositionsPane, TitledPlot
from tui.panes.rope_plots import DISTANCES, SHIFT

transformers = pytest.importorskip("transformers")

TEXT = "Who are you? A pirate!"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    cache = tmp_path_factory.mktemp("hub")
    model, _tokenizer = build_tiny_llama_cache(cache)
    return cache, model


@pytest.fixture()
def llama(hub, monkeypatch):
    """The transformers model, with the hub cache holding it set for the app."""
    cache, model = hub
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return model


def plot(pane: PositionsPane, name: str) -> TitledPlot:
    return pane.query_one(f".positions-pane--{name}", TitledPlot)


def test_the_positions_pane_shows_rope_waves_and_the_score_by_distance(llama):
    from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding

    cos, _sin = LlamaRotaryEmbedding(llama.config)(torch.zeros(1), torch.arange(WINDOW)[None])

    async def scenario():
        app = make_app(text=TEXT, weights=REPO)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.show_pane("positions", focus=True)
            await settle(pilot)
            pane = app.pane("positions")
            result = app.result
            assert pane.has_class("-rotary") and plot(pane, "distance").display
            # (a) the waves: cos(position × inv_freq) of every pair (the head has 4), as transformers'.
            waves = plot(pane, "encodings")
            title = str(waves.heading.content)
            assert title.startswith("RoPE cos(pos·inv_freq)") and "pairs 1–3 slowed 32×" in title
            monitor = waves.plot.plt.monitor
            assert [label.split(" λ")[0] for label in monitor.label] == [f"pair {i}" for i in range(4)]
            assert monitor.x[0] == list(range(WINDOW))  # a short text: the angles run on past it
            for pair in range(4):
                np.testing.assert_allclose(monitor.y[pair], cos[0, :, pair].numpy(), atol=2e-5)
            assert monitor.vcoord[0] == [pane.query_token]
            # (b) the score by distance, computed for (m, n) and (m + SHIFT, n + SHIFT).
            distance = plot(pane, "distance").plot.plt.monitor
            query, key = fixed_query_key(8, result.settings.seed)
            q, k = torch.tensor(query), torch.tensor(key)
            half = result.model.rope.inv_freq.astype(np.float64)

            def turned(x: torch.Tensor, position: int) -> torch.Tensor:  # x·cos + rotate_half(x)·sin
                angle = torch.tensor(np.concatenate([half, half]) * position)
                return x * angle.cos() + torch.cat((-x[4:], x[:4])) * angle.sin()

            by_hand = [float(turned(q, d) @ turned(k, 0)) for d in range(DISTANCES)]
            np.testing.assert_allclose(distance.y[0], by_hand, atol=1e-9)
            np.testing.assert_allclose(distance.y[1], distance.y[0], atol=1e-9)
            expected = distance_scores(query, key, half, DISTANCES, shift=SHIFT).max_difference
            assert f"at (m+{SHIFT}, n+{SHIFT}) it differs by ≤ {expected:.1e}" in str(
                plot(pane, "distance").heading.content
            )
            assert "√d" in str(plot(pane, "scaling").heading.content)  # the third plot stays
            # `w`: the inverse frequencies, unscaled and as llama3 scaled them; `w` again: the waves.
            await pilot.press("w")
            assert pane.rope_view == "frequencies" and pane.kind == "sinusoidal"
            frequencies = waves.plot.plt.monitor
            np.testing.assert_allclose(frequencies.y[0], np.log10(result.model.rope.unscaled_inv_freq))
            np.testing.assert_allclose(frequencies.y[1], np.log10(llama.model.rotary_emb.inv_freq.numpy()))
            assert str(waves.heading.content).startswith("RoPE inverse frequencies")
            await pilot.press("w")
            assert pane.rope_view == "waves"
            assert "RoPE cos" in str(waves.heading.content)
            # Mono: the series differ by marker, in all three plots.
            pane.set_palette("grays", mono=True)
            await pilot.pause()
            assert [m[0] for m in waves.plot.plt.monitor.marker] == list(MONO_MARKERS[:4])
            assert [m[0] for m in plot(pane, "distance").plot.plt.monitor.marker] == list(MONO_MARKERS[:2])

    asyncio.run(scenario())


def test_the_attention_line_names_the_shared_kv_head(llama):
    async def scenario():
        app = make_app(text=TEXT, weights=REPO)
        async with app.run_test(size=(160, 40)) as pilot:
            await settle(pilot)
            app.show_pane("attention", focus=True)
            await settle(pilot)

            def line() -> str:
                return str(app.query_one("#attention-info", Static).render())

            assert "head 0 of 4 · shares K/V head 0 of 2 with heads 0–1 ·" in line()
            await pilot.press("right_square_bracket", "right_square_bracket")
            assert "head 2 of 4 · shares K/V head 1 of 2 with heads 2–3 ·" in line()
            await pilot.press("a")
            assert "mean of 4 heads ·" in line() and "shares" not in line()

    asyncio.run(scenario())


def test_the_embeddings_pane_says_no_position_vector_is_added(llama):
    async def scenario():
        app = make_app(text=TEXT, weights=REPO)
        async with app.run_test(size=(160, 40)) as pilot:
            await settle(pilot)
            app.show_pane("embeddings", focus=True)
            await settle(pilot)
            pane = app.pane("embeddings")
            title, header, *_rows = lines_of(pane.table)
            assert "a rotary model adds no position vector" in title
            assert "+ none (rotary)" in header and "+ rotary" not in header
            await pilot.press("o")
            await pilot.pause()
            panel = pane.panel.render().plain
            assert "✓ identical" in panel and "a rotary model adds no position vector" in panel

    asyncio.run(scenario())


def test_a_random_weights_app_keeps_its_position_plots():
    async def scenario():
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.show_pane("positions")
            await settle(pilot)
            pane = app.pane("positions")
            assert not pane.has_class("-rotary") and not plot(pane, "distance").display
            assert str(plot(pane, "encodings").heading.content) == "Sinusoidal position encodings"

    asyncio.run(scenario())
