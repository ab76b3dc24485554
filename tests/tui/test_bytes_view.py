"""The byte view beside the token table, and the app's whitespace toggle (`w`)."""

from __future__ import annotations

import asyncio

from textual.widgets import Static

from tests.tui.helpers import lines_of, make_app, settle
from tui.panes.token_spans import TokenSpans
from tui.panes.token_table import HEADER, TokenTable


def shown_bytes(app) -> str:
    """The text the byte view shows now."""
    return str(app.pane("bytes").query_one(Static).render())


def test_chi_under_gpt2_shows_two_partial_tokens(reference_encodings):  # noqa: F811
    reference = reference_encodings["gpt2"]
    first, second = reference.encode("ち")
    first_bytes = reference.decode_single_token_bytes(first).hex(" ")
    second_bytes = reference.decode_single_token_bytes(second).hex(" ")
    whole = "ち".encode().hex(" ")
    assert whole == f"{first_bytes} {second_bytes}"

    async def scenario():
        app = make_app(text="ち")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            view = shown_bytes(app)
            assert f"token 0 · id {first}" in view
            assert f"bytes  {first_bytes}  (2 bytes)" in view
            assert f"U+3061 'ち'  [{first_bytes}] {second_bytes}  2 of 3 bytes" in view
            assert "starts mid-character: no" in view and "ends mid-character: yes" in view
            table = app.query_one(TokenTable)
            table.focus()
            await pilot.press("down")
            await settle(pilot)
            view = shown_bytes(app)
            assert f"token 1 · id {second}" in view
            assert f"bytes  {second_bytes}  (1 byte)" in view
            assert f"U+3061 'ち'  {first_bytes} [{second_bytes}]  1 of 3 bytes" in view
            assert "starts mid-character: yes" in view and "ends mid-character: no" in view

    asyncio.run(scenario())


def test_unknown_word_says_its_bytes_are_not_the_texts():
    async def scenario():
        app = make_app(text="Zorblax.", encoding="regex-unk")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            view = shown_bytes(app)
            assert "piece  '<|unk|>'" in view
            assert "bytes  " + b"<|unk|>".hex(" ") in view
            assert "not those of the text" in view
            assert "U+005A 'Z'  5a" in view

    asyncio.run(scenario())


def test_whitespace_toggle_changes_the_table_spans_and_byte_view():
    async def scenario():
        app = make_app(text="a b\tc")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            table = app.query_one(TokenTable)
            spans = app.query_one(TokenSpans)
            table.focus()
            await pilot.press("down")
            await settle(pilot)
            row = lines_of(table)[HEADER + 1]
            assert "·b" in row
            assert "'·b'" in shown_bytes(app) and "U+0020 '·'" in shown_bytes(app)
            assert lines_of(spans)[0].startswith("a·b→c")
            await pilot.press("w")
            await pilot.pause()
            assert app.whitespace_marks is False
            row = lines_of(table)[HEADER + 1]
            assert " b" in row and "·" not in row
            assert "' b'" in shown_bytes(app) and "U+0020 ' '" in shown_bytes(app)
            assert lines_of(spans)[0].startswith("a b c")
            await pilot.press("w")
            await pilot.pause()
            assert app.whitespace_marks is True
            assert "·b" in lines_of(table)[HEADER + 1]

    asyncio.run(scenario())
