"""`a` and `A` in the app: tokens drawn after the text, appended one at a time through the cached
pipeline, equal to drawing each after a fresh run; esc stops; a long text is continued from its
last `context` tokens."""

from __future__ import annotations

import asyncio

import torch
from textual.widgets import TabbedContent, TextArea

from engine.analysis.draws import keyed_generator
from engine.pipeline.run import run
from engine.sampling.distribution import next_token_distribution, sample
from engine.settings import Settings
from engine.tokenize.registry import get_tokenizer
from tests.tui.helpers import TEST_DEVICE, make_app, record_notifications, settle
from tui.panes.next_token import NextTokenPane

TEXT = "The robot lit the lamp so that the boats"


def uncached_generation(folder: str, text: str, count: int, seed: int) -> str:
    """The reference: a fresh run of the whole text before each draw, the pane's keyed draws."""
    settings = Settings(weights=folder, seed=seed)
    for draw in range(count):
        result = run(text, settings, TEST_DEVICE)
        assert not result.truncated
        last = result.n_used - 1
        distribution = next_token_distribution(result.next_token.logits_at(last), temperature=1.0)
        token = result.next_token.token_id(sample(distribution, keyed_generator(seed, draw, last)))
        text += result.tokenizer.token_bytes(token).decode("utf-8")  # this seed draws whole characters
    return text


def test_A_generates_ten_tokens_equal_to_ten_uncached_steps_and_the_heatmap_grows(hf_gpt2):
    folder = str(hf_gpt2[0])
    expected = uncached_generation(folder, TEXT, 10, seed=123)

    async def scenario():
        app = make_app(text=TEXT, weights=folder, seed=123)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            before = app.result.n_used
            app.query_one(TabbedContent).active = "next"
            pane = app.query_one(NextTokenPane)
            pane.focus()
            await pilot.press("minus")  # 20 -> 10
            assert pane.count == 10
            await pilot.press("A")
            app.query_one(TabbedContent).active = "attention"  # watched from another tab
            await settle(pilot)
            assert app.query_one(TextArea).text == expected
            assert not app.generation.active and app.generation.done == 10
            assert app.result.n_used >= before + 5  # a row per new token (BPE may merge some)
            assert app.result.attention.weights.shape[1] == app.result.n_used

    asyncio.run(scenario())


def test_esc_stops_a_generation_and_the_text_keeps_what_was_appended(hf_gpt2):
    async def scenario():
        app = make_app(text=TEXT, weights=str(hf_gpt2[0]))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            notes = record_notifications(app)
            app.query_one(TabbedContent).active = "next"
            pane = app.query_one(NextTokenPane)
            pane.focus()
            for _ in range(3):
                await pilot.press("plus")  # 20 -> 200
            await pilot.press("A")
            for _ in range(200):
                await pilot.pause()
                if app.generation.done >= 2:
                    break
            assert app.generation.active
            await pilot.press("escape")
            assert not app.generation.active
            await settle(pilot)
            assert 2 <= app.generation.done < 200 and app.query_one(TextArea).text.startswith(TEXT)
            assert "generation stopped" in notes
            assert any("esc stops" in note for note in notes)

    asyncio.run(scenario())


def test_a_on_a_text_longer_than_the_context_continues_its_last_context_tokens(hf_gpt2):
    folder, reference = hf_gpt2
    long_text = " ".join(["the boats found the harbour in the night, and the robot slept."] * 8)
    ids = get_tokenizer("gpt2").encode(long_text)
    context = reference.config.n_positions
    with torch.no_grad():
        greedy = int(reference(torch.tensor([ids[-context:]])).logits[0, -1].argmax())

    async def scenario():
        app = make_app(text=long_text, weights=str(folder))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert app.result.truncated and app.result.n_used == context
            app.query_one(TabbedContent).active = "next"
            pane = app.query_one(NextTokenPane)
            pane.focus()
            await pilot.pause()
            assert "read its last 64 tokens" in str(app.query_one("#next-body").render())
            await pilot.press(*["t"] * 8)  # temperature 0: greedy
            await pilot.press("a")
            await settle(pilot)
            assert app.query_one(TextArea).text == long_text + get_tokenizer("gpt2").decode([greedy])

    asyncio.run(scenario())


def test_without_a_model_a_says_what_to_do():
    async def scenario():
        app = make_app(text=TEXT)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            notes = record_notifications(app)
            app.query_one(TabbedContent).active = "next"
            app.query_one(NextTokenPane).focus()
            await pilot.press("A")
            await settle(pilot)
            assert app.query_one(TextArea).text == TEXT and not app.generation.active
            assert any("F6" in note for note in notes)

    asyncio.run(scenario())


def test_an_end_of_text_token_stops_the_generation_instead_of_being_typed(hf_gpt2, monkeypatch):
    async def scenario():
        app = make_app(text=TEXT, weights=str(hf_gpt2[0]))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            notes = record_notifications(app)
            app.query_one(TabbedContent).active = "next"
            pane = app.query_one(NextTokenPane)
            pane.focus()
            monkeypatch.setattr(pane, "draw_token", lambda *_args: 50256)  # gpt2's <|endoftext|>
            await pilot.press("A")
            await settle(pilot)
            assert app.query_one(TextArea).text == TEXT and not app.generation.active
            assert any("<|endoftext|>" in note for note in notes)

    asyncio.run(scenario())


def test_with_the_chat_template_on_A_says_to_turn_it_off(tmp_path):
    from tests.open_models import COMMIT, build_cache

    build_cache(tmp_path, "llama")
    folder = tmp_path / "models--test-org--tiny-llama" / "snapshots" / COMMIT

    async def scenario():
        app = make_app(text=TEXT, weights=str(folder), chat=True)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            notes = record_notifications(app)
            app.query_one(TabbedContent).active = "next"
            app.query_one(NextTokenPane).focus()
            await pilot.press("A")
            await settle(pilot)
            assert app.query_one(TextArea).text == TEXT and not app.generation.active
            assert any("chat template" in note for note in notes)

    asyncio.run(scenario())
