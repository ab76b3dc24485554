"""h j k l g G work beside the arrows wherever there is a cursor."""

from __future__ import annotations

import asyncio

from textual.widgets import OptionList, TabbedContent

from tests.tui.helpers import make_app, settle
from tui.panes.attention import AttentionPane
from tui.panes.positions import PositionsPane
from tui.panes.token_table import TokenTable
from tui.views.heatmap import AttentionHeatmap

TEXT = "one two three four five six seven"


def test_token_table_moves_with_j_k_g_and_G_like_the_arrows():
    async def scenario():
        app = make_app(text=TEXT, encoding="gpt2")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            table = app.query_one(TokenTable)
            table.focus()
            await pilot.press("G")
            last = app.selected
            assert last == app.result.n_used - 1
            await pilot.press("k", "k")
            assert app.selected == last - 2
            await pilot.press("j")
            assert app.selected == last - 1
            await pilot.press("g")
            assert app.selected == 0
            await pilot.press("down", "down")
            assert app.selected == 2

    asyncio.run(scenario())


def test_heatmap_cursor_moves_with_h_j_k_l():
    async def scenario():
        app = make_app(text=TEXT, encoding="gpt2")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.query_one(TabbedContent).active = "attention"
            await pilot.pause()
            heatmap = app.query_one(AttentionPane).query_one(AttentionHeatmap)
            heatmap.focus()
            await pilot.press("g", "j", "j", "l")
            assert heatmap.cursor[0] == 2 and app.selected == 2
            col = heatmap.cursor[1]
            await pilot.press("h")
            assert heatmap.cursor[1] == max(col - 1, 0)
            await pilot.press("k")
            assert heatmap.cursor[0] == 1

    asyncio.run(scenario())


def test_positions_pane_selects_with_h_l_g_and_G():
    async def scenario():
        app = make_app(text=TEXT, encoding="gpt2")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.query_one(TabbedContent).active = "positions"
            await pilot.pause()
            app.query_one(PositionsPane).focus()
            await pilot.press("G")
            assert app.selected == app.result.n_used - 1
            await pilot.press("h")
            assert app.selected == app.result.n_used - 2
            await pilot.press("g", "l")
            assert app.selected == 1

    asyncio.run(scenario())


def test_lesson_list_moves_with_j_and_k():
    async def scenario():
        app = make_app(text=TEXT)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("f9")
            await pilot.pause()
            options = app.screen.query_one(OptionList)
            start = options.highlighted or 0
            await pilot.press("j", "j")
            assert options.highlighted == start + 2
            await pilot.press("k")
            assert options.highlighted == start + 1
            await pilot.press("G")
            assert options.highlighted == options.option_count - 1
            await pilot.press("g")
            assert options.highlighted == 0

    asyncio.run(scenario())
