"""The private Textual API that tui/textual_shim.py relies on is still there and still behaves.

If one of these fails after a Textual upgrade, fix the shim (or drop it for a new public API);
nothing else in llm-tui touches Textual's private parts. pyproject.toml bounds Textual to the
major versions these tests have passed on.
"""

from __future__ import annotations

import asyncio

from textual.app import App, ComposeResult
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.widget import Widget
from textual.widgets import Static

from tui.textual_shim import screen_lines, set_virtual_size


def test_the_private_names_exist():
    assert callable(getattr(Widget, "_scroll_update", None)), "Widget._scroll_update is gone"
    from textual.screen import Screen

    assert "_compositor" in Screen.__init__.__code__.co_names, "Screen._compositor is gone"


def test_set_virtual_size_scrolls_without_a_screen_layout():
    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield ScrollView()

    async def scenario() -> None:
        app = Host()
        async with app.run_test(size=(40, 10)) as pilot:
            view = app.query_one(ScrollView)
            set_virtual_size(view, Size(40, 500))
            await pilot.pause()
            assert view.virtual_size == Size(40, 500)
            assert view.max_scroll_y > 0  # the scrollbars know the new extent
            view.scroll_to(y=200, animate=False)
            await pilot.pause()
            assert view.scroll_offset.y == 200

    asyncio.run(scenario())


def test_screen_lines_are_what_the_terminal_shows():
    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("hello from the first line")

    async def scenario() -> None:
        app = Host()
        async with app.run_test(size=(40, 5)) as pilot:
            await pilot.pause()
            lines = screen_lines(app.screen)
            assert len(lines) == 5 and lines[0].startswith("hello from the first line")

    asyncio.run(scenario())
