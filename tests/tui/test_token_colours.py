"""Neighbouring tokens never share a background after the terminal's quantisation: in a
256-colour terminal the five token backgrounds of every theme are five different palette
entries as Rich sends them (tmux and most SSH sessions), in 24-bit colour they are the theme's
own soft tints, and 16 colours (and mono) alternate text styles instead."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.color import ColorSystem

from tests.tui.helpers import make_app, settle
from themes import THEMES
from themes.xterm256 import distinct_entries, palette, rich_entry
from tui.panes.token_spans import TokenSpans
from tui.views.token_text import SPAN_COLOURS, TokenStyles

# Ours, and two of Textual's own that the palette offers.
THEME_NAMES = [*THEMES, "textual-dark", "nord"]


def token_backgrounds(colors: str) -> dict[str, list]:
    """Each theme's token backgrounds as the spans pane styles them, in terminal mode `colors`."""

    async def scenario():
        app = make_app(text="The robot lit the lamp.", colors=colors)
        found = {}
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            for name in THEME_NAMES:
                app.theme = name
                await pilot.pause()
                styles = TokenStyles(app.query_one(TokenSpans))
                plain = [styles.style(k, False, False, False, False) for k in range(SPAN_COLOURS)]
                found[name] = [style.bgcolor for style in plain]
        return found

    return asyncio.run(scenario())


def test_in_256_colours_every_theme_gives_five_different_entries():
    for name, backgrounds in token_backgrounds("256").items():
        entries = [colour.downgrade(ColorSystem.EIGHT_BIT).number for colour in backgrounds]
        assert len(set(entries)) == SPAN_COLOURS, (name, entries)
        assert all(entry >= 16 for entry in entries), (name, entries)  # never the terminal's own 16


def test_in_24_bit_colour_the_backgrounds_are_the_themes_own_tints():
    for name, backgrounds in token_backgrounds("truecolor").items():
        assert all(colour.triplet is not None for colour in backgrounds), name  # not replaced
        assert len({colour.triplet for colour in backgrounds}) == SPAN_COLOURS, name


def test_the_entry_rich_would_pick_is_kept_when_no_other_colour_wants_it():
    assert distinct_entries([(40, 67, 88)]) == [rich_entry((40, 67, 88))]
    # The two llm-dark tints Rich sends as one entry (23) become two, and stay coloured.
    first, second = distinct_entries([(40, 67, 88), (45, 79, 54)])
    rgb = dict(palette())
    assert first != second and len(set(rgb[second])) > 1


@given(st.lists(st.tuples(*(st.integers(0, 255),) * 3), min_size=1, max_size=12))
def test_distinct_entries_never_repeat(colours):
    entries = distinct_entries(colours)
    assert len(set(entries)) == len(entries)
    assert all(16 <= entry <= 255 for entry in entries)


@pytest.mark.parametrize("colour", [(0, 0, 0), (255, 255, 255), (40, 67, 88), (200, 30, 30), (128, 128, 120)])
def test_rich_entry_is_what_rich_sends(colour):
    from rich.color import Color

    assert rich_entry(colour) == Color.from_rgb(*colour).downgrade(ColorSystem.EIGHT_BIT).number
