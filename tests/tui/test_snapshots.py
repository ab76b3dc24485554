"""Snapshots of the main screens (SVG, truecolor). Update with `pytest --snapshot-update`."""

from __future__ import annotations

from textual.widgets import TabbedContent, TextArea

from tests.tui.helpers import make_app, settle


async def _ready(pilot) -> None:
    pilot.app.query_one(TextArea).cursor_blink = False
    await settle(pilot)


def test_main_screen(snap_compare):
    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=_ready)


def test_attention_pane(snap_compare):
    async def show_attention(pilot) -> None:
        await _ready(pilot)
        pilot.app.query_one(TabbedContent).active = "attention"
        await pilot.pause()
        await pilot.press("tab", "tab", "tab", "down", "down", "right")
        await pilot.pause()

    assert snap_compare(
        make_app(text="one two three four five six"), terminal_size=(120, 40), run_before=show_attention
    )


def test_help_screen(snap_compare):
    assert snap_compare(make_app(), terminal_size=(120, 40), press=["f1"], run_before=_ready)
