"""At 60×20 and 40×12 the Attention tab gives the heatmap the width (the bars go under it, or
away when there is no room) however the tab is reached, and the Next-token bars never wrap."""

from __future__ import annotations

import asyncio
import re

import pytest

from tests.tui.helpers import make_app, settle
from tui.textual_shim import screen_lines


@pytest.mark.parametrize("size", [(60, 20), (40, 12)])  # 120×40: the snapshot tests
def test_the_heatmap_keeps_the_width_when_the_tab_is_reached_with_f4(size):
    async def scenario():
        app = make_app()
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await pilot.press("f4", "f4", "f4", "f4")  # tokens → compare → windows → embeddings → attention
            await settle(pilot)
            pane = app.pane("attention")
            assert app.query_one("TabbedContent").active == "attention"
            assert pane.heatmap.size.width >= pane.size.width // 2, (pane.heatmap.size, pane.size)
            # The key header and at least three query rows: at 40×12 the text box keeps one line
            # and the tabs lose their underline for them.
            assert pane.heatmap.size.height - pane.heatmap.header_lines >= 3, pane.heatmap.size
            bars = pane.query_one("#attention-bars")
            if size[0] < 90:
                assert not bars.display or bars.region.y >= pane.heatmap.region.bottom  # under it

    asyncio.run(scenario())


@pytest.mark.parametrize("size", [(60, 20), (44, 30)])  # at 40×12 no ranked line fits at all
def test_next_token_bars_never_wrap(hf_gpt2, size):
    async def scenario():
        app = make_app(text="The robot lit the lamp", weights=str(hf_gpt2[0]))
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            app.show_pane("next")
            await settle(pilot)
            ranked = [line for line in screen_lines(app.screen) if re.match(r"\s+\d+ \S", line)]
            assert ranked, screen_lines(app.screen)
            assert all("%" in line for line in ranked), ranked  # the percentage is on the rank's line

    asyncio.run(scenario())
