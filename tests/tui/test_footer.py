"""The footer: the focused widget's keys, then the app's, in the app's language; whole keys only,
the palette's key at the right; repainted only when its keys change; a click presses a key."""

from __future__ import annotations

import asyncio

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding

from tests.tui.helpers import make_app, settle
from tui.i18n.strings import UiStrings
from tui.textual_shim import screen_lines
from tui.views.footer import KeyFooter


def _descriptions(app) -> list[str]:
    return [item.description for item in app.query_one(KeyFooter).items]


def test_the_footer_shows_the_focused_panes_keys_and_repaints_only_when_they_change():
    async def scenario():
        app = make_app()
        async with app.run_test(size=(200, 40)) as pilot:
            await settle(pilot)
            footer = app.query_one(KeyFooter)
            assert "Help" in _descriptions(app) and "Cell arithmetic" not in _descriptions(app)
            app.show_pane("attention", focus=True)
            await settle(pilot)
            assert "Cell arithmetic" in _descriptions(app)
            assert "Cell arithmetic" in screen_lines(app.screen)[-1]
            repaints = []
            refresh = footer.refresh
            footer.refresh = lambda *args, **kwargs: repaints.append(1) or refresh(*args, **kwargs)
            for _ in range(3):  # nothing the footer shows changes
                app.refresh_bindings()
                await settle(pilot)
            assert repaints == []
            app.query_one("#text").focus()
            await settle(pilot)
            assert repaints and "Cell arithmetic" not in _descriptions(app)
            assert "Cell arithmetic" not in screen_lines(app.screen)[-1]

    asyncio.run(scenario())


@pytest.mark.parametrize("width", [40, 60])
def test_keys_that_do_not_fit_are_left_out_whole_and_the_palette_key_stays_at_the_right(width):
    async def scenario():
        app = make_app()
        async with app.run_test(size=(width, 20)) as pilot:
            await settle(pilot)
            app.show_pane("attention", focus=True)
            await settle(pilot)
            footer = app.query_one(KeyFooter)
            bottom = screen_lines(app.screen)[-1]
            drawn = footer.shown_items()
            assert len(drawn) < len(footer.items) + 1, f"{width} columns cannot hold every key"
            assert drawn[-1] is footer.palette and bottom.rstrip().endswith("^p palette")
            for item in drawn:
                assert f"{item.shown_keys} {item.description}" in bottom, item
            assert len(bottom) == width

    asyncio.run(scenario())


class _Host(App[None]):
    MOVE = Binding.Group("Move")
    BINDINGS = [
        Binding("left", "step('left')", "Left", group=MOVE),
        Binding("right", "step('right')", "Right", group=MOVE),
        Binding("f2", "step('off')", "Off"),
        Binding("ctrl+q", "quit", "Quit"),
    ]

    def __init__(self, strings: UiStrings | None = None) -> None:
        super().__init__()
        if strings is not None:
            self.strings = strings
        self.steps: list[str] = []

    def compose(self) -> ComposeResult:
        yield KeyFooter()

    def action_step(self, where: str) -> None:
        self.steps.append(where)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if parameters == ("off",) else True  # f2 is shown, dimmed: it does nothing now


def test_the_footer_says_its_keys_and_groups_in_the_apps_language():
    words = {"Left": "左", "Right": "右", "Move": "移動", "Quit": "終了", "Off": "切"}

    async def scenario() -> None:
        app = _Host(UiStrings("ja", table=words))  # a stand-in catalogue: the test is about the footer
        async with app.run_test(size=(80, 3)) as pilot:
            await pilot.pause()
            bottom = screen_lines(app.screen)[-1]
            assert "← → 移動" in bottom and "終了" in bottom and "Quit" not in bottom and "Move" not in bottom

    asyncio.run(scenario())


def test_a_click_on_a_key_presses_it_and_a_dimmed_key_does_nothing():
    async def scenario() -> None:
        app = _Host()
        async with app.run_test(size=(80, 3)) as pilot:
            await pilot.pause()
            footer = app.query_one(KeyFooter)
            bottom = screen_lines(app.screen)[-1]
            off = next(item for item in footer.items if item.description == "Off")
            assert not off.enabled
            await pilot.click(KeyFooter, offset=(bottom.index("→"), 0))
            await pilot.click(KeyFooter, offset=(bottom.index("Off"), 0))
            await pilot.pause()
            assert app.steps == ["left"]  # a group's click presses its first key

    asyncio.run(scenario())
