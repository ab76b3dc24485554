"""The sampling lab in the Next token tab: N seeded draws next to the model's probabilities."""

from __future__ import annotations

import asyncio
import re

import torch
from textual.widgets import TabbedContent

from engine.sampling.distribution import next_token_distribution
from engine.sampling.lab import draw_many
from engine.tokenize.registry import get_tokenizer
from tests.tui.helpers import make_app, record_notifications, settle
from tui.panes.next_token import NextTokenPane

TEXT = "The robot lit the lamp"


def _body(app) -> str:
    return str(app.query_one("#next-body").render())


def _table(body: str) -> tuple[list[list[str]], int]:
    """The lab's rows (split into fields) and the count of draws of every other id."""
    rows = [line.split() for line in body.splitlines() if re.match(r"^\s*\d+ \S", line)]
    rest = int(re.search(r"drawn ([\d,]+) times", body).group(1).replace(",", ""))
    return rows, rest


def _counts(rows: list[list[str]]) -> list[int]:
    return [int(fields[-1].replace(",", "")) for fields in rows]


def test_the_lab_shows_n_draws_next_to_the_probabilities(hf_gpt2):
    folder, reference = hf_gpt2
    ids = get_tokenizer("gpt2").encode(TEXT)
    with torch.no_grad():
        logits = reference(torch.tensor([ids])).logits[0, -1].double().numpy()

    async def scenario():
        app = make_app(text=TEXT, weights=str(folder))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.select_token(len(ids) - 1)  # the prediction after the last token
            app.query_one(TabbedContent).active = "next"
            await pilot.pause()
            pane = app.query_one(NextTokenPane)
            pane.focus()
            await pilot.press("h")
            body = _body(app)
            assert pane.lab and "1,000 draws" in body and f"seed {pane.seed}" in body
            assert f"(token #{len(ids) - 1})" in body
            rows, rest = _table(body)
            assert len(rows) == 12 and sum(_counts(rows)) + rest == 1_000
            # Near uniform over 50,257 ids: no id is expected 5 times, so there is no fit to test.
            assert "too few draws to test the fit" in body
            best = torch.softmax(torch.from_numpy(logits), -1).max().item()  # about 0.003%, not 0.00%
            assert f"{best * 100:.4f}%" in rows[0]

            await pilot.press("k", "k", "k", "k", "right_square_bracket")  # top-k 10, 10,000 draws
            assert (pane.top_k, pane.lab_size) == (10, 10_000)
            body = _body(app)
            rows, rest = _table(body)
            assert "10,000 draws" in body and sum(_counts(rows)) == 10_000 and rest == 0
            assert "the draws follow the probabilities" in body
            # The ten kept rows are the reference's ten best, with its renormalised probabilities;
            # the two cut rows are never drawn.
            top = torch.topk(torch.from_numpy(logits), 10)
            probs = torch.softmax(top.values, -1).tolist()
            assert all(fields[4] == "cut" and fields[-1] == "0" for fields in rows[10:])
            for fields, probability in zip(rows[:10], probs, strict=True):
                assert f"{probability:.2%}" in fields, " ".join(fields)
            # The counts are the engine's draws from that distribution with the lab's seed.
            expected = draw_many(next_token_distribution(logits, top_k=10), 10_000, pane.seed + pane.draw)
            assert _counts(rows[:10]) == expected.counts[top.indices.numpy()].tolist()

            seed = f"seed {pane.seed + pane.draw}"
            await pilot.press("r")
            assert seed not in _body(app) and f"seed {pane.seed + pane.draw}" in _body(app)
            await pilot.press("h")
            assert not pane.lab and "draws" not in _body(app)

    asyncio.run(scenario())


def test_greedy_in_the_lab_draws_only_the_argmax(hf_gpt2):
    folder, reference = hf_gpt2
    ids = get_tokenizer("gpt2").encode(TEXT)

    async def scenario():
        app = make_app(text=TEXT, weights=str(folder))
        async with app.run_test(size=(80, 40)) as pilot:
            await settle(pilot)
            app.select_token(len(ids) - 1)  # the prediction after the last token
            app.query_one(TabbedContent).active = "next"
            await pilot.pause()
            pane = app.query_one(NextTokenPane)
            pane.focus()
            await pilot.press(*["t"] * 8, "left_square_bracket")  # temperature 0, 100 draws
            rows, rest = _table(_body(app))
            assert pane.lab and pane.temperature == 0 and "(greedy)" in _body(app)
            assert _counts(rows) == [100] + [0] * 11 and rest == 0
            assert "every draw is that token" in _body(app)

    asyncio.run(scenario())


def test_without_a_model_the_lab_says_what_to_do():
    async def scenario():
        app = make_app(text=TEXT)
        messages = record_notifications(app)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.query_one(TabbedContent).active = "next"
            await settle(pilot)
            pane = app.query_one(NextTokenPane)
            pane.focus()
            await pilot.press("h")
            assert pane.lab and "F6" in _body(app) and "draws" not in _body(app)
            assert any("sampling lab needs a model" in message for message in messages)

    asyncio.run(scenario())


def test_the_command_palette_entry_opens_the_lab(hf_gpt2):
    folder, _ = hf_gpt2

    async def scenario():
        app = make_app(text=TEXT, weights=str(folder))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+p")
            await pilot.pause()
            await pilot.press(*"Sampling lab: toggle")
            await pilot.pause()
            await pilot.press("enter")
            await settle(pilot)
            assert app.query_one(TabbedContent).active == "next"
            assert app.query_one(NextTokenPane).lab and "1,000 draws" in _body(app)

    asyncio.run(scenario())


def test_plus_keeps_more_tokens_and_minus_fewer_from_off():
    from tui.panes.next_token import TOP_KS, TOP_PS, _step

    assert _step(TOP_KS, None, +1) is None and _step(TOP_KS, None, -1) == 100  # K at off stays off
    assert _step(TOP_KS, 1, -1) == 1 and _step(TOP_KS, 1, +1) == 3
    assert _step(TOP_PS, None, -1) == 0.95 and _step(TOP_PS, 0.95, +1) is None
