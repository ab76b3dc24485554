"""The footer follows the focused widget's keys, and is not rebuilt when they stay the same."""

from __future__ import annotations

import asyncio

from tests.tui.helpers import make_app, settle
from tui.views.footer import KeyFooter


def _descriptions(app) -> list[str]:
    return [key.description for key in app.screen.query("FooterKey")]  # Textual's key widgets, by type


def test_the_footer_shows_the_focused_panes_keys_and_skips_rebuilds_that_change_nothing():
    async def scenario():
        app = make_app()
        async with app.run_test(size=(200, 40)) as pilot:
            await settle(pilot)
            footer = app.query_one(KeyFooter)
            assert "Help" in _descriptions(app) and "Cell arithmetic" not in _descriptions(app)
            app.show_pane("attention", focus=True)
            await settle(pilot)
            assert "Cell arithmetic" in _descriptions(app)
            rebuilds = []
            recompose = footer.recompose

            async def counted():
                rebuilds.append(1)
                await recompose()

            footer.recompose = counted
            for _ in range(3):  # nothing the footer shows changes
                app.refresh_bindings()
                await settle(pilot)
            assert rebuilds == []
            app.query_one("#text").focus()
            await settle(pilot)
            assert rebuilds == [1] and "Cell arithmetic" not in _descriptions(app)

    asyncio.run(scenario())
