"""Key paths that used to end the app: dialogs and the palette stacking, and F5 with a stale head."""

from __future__ import annotations

import asyncio

import pytest
from textual.widgets import OptionList, TabbedContent, TextArea

from tests.tui.helpers import make_app, settle
from tui.panes.attention import AttentionPane
from tui.views.heatmap import AttentionHeatmap

TEXT = "The robot lit the lamp"
TIME_BOUND = 60.0


async def _back_to_main(pilot) -> None:
    """Escape until only the main screen is left (a bounded number of times)."""
    for _ in range(6):
        if len(pilot.app.screen_stack) == 1:
            return
        await pilot.press("escape")
        await pilot.pause()


@pytest.mark.parametrize(
    "keys",
    [
        ("ctrl+p", "f9", "ctrl+p"),
        ("ctrl+p", "f6", "ctrl+p"),
        ("ctrl+p", "f3", "ctrl+p"),
        ("f6", "f3", "f9", "ctrl+p"),
        ("f1", "f6", "f7"),
        ("f9", "f1", "ctrl+p", "f3"),
    ],
    ids=lambda keys: "-".join(keys),
)
def test_no_dialog_or_palette_opens_on_top_of_another(keys):
    async def scenario():
        app = make_app(text=TEXT)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press(keys[0])
            await pilot.pause()
            opened = type(app.screen)
            assert len(app.screen_stack) == 2
            for key in keys[1:]:
                await pilot.press(key)
                await pilot.pause()
                assert len(app.screen_stack) == 2 and type(app.screen) is opened, key
            await _back_to_main(pilot)
            assert len(app.screen_stack) == 1 and app.is_running and app.return_code is None
            # And the keys work again once the dialog is closed.
            await pilot.press(keys[-1])
            await pilot.pause()
            assert len(app.screen_stack) == 2
            await _back_to_main(pilot)
            assert len(app.screen_stack) == 1 and app.return_code is None

    asyncio.run(asyncio.wait_for(scenario(), TIME_BOUND))


@pytest.mark.parametrize("hidden_tab", ["tokens", "next", "embeddings"])
def test_export_after_fewer_heads_while_attention_is_hidden(hf_gpt2, tmp_path, monkeypatch, hidden_tab):
    folder, _ = hf_gpt2
    monkeypatch.chdir(tmp_path)

    async def scenario():
        app = make_app(text=TEXT, weights=str(folder))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            tabs = app.query_one(TabbedContent)
            tabs.active = "attention"
            await pilot.pause()
            pane = app.query_one(AttentionPane)
            app.query_one(AttentionHeatmap).focus()
            for _ in range(3):
                await pilot.press("right_square_bracket")
            await pilot.pause()
            assert pane.head == 3
            tabs.active = hidden_tab
            await pilot.pause()
            app.update_settings(weights=None, layer=0)
            await settle(pilot)
            heads = app.result.attention.heads
            assert heads < 4
            await pilot.press("f5")
            await pilot.pause()
            assert app.is_running and app.return_code is None
            saved = sorted(path.name for path in tmp_path.iterdir())
            assert any(f"head{heads - 1}" in name for name in saved), saved
            tabs.active = "attention"
            await pilot.pause()
            assert pane.head == heads - 1

    asyncio.run(asyncio.wait_for(scenario(), TIME_BOUND))


async def search_palette(pilot, query: str) -> OptionList:
    """Open the command palette and type `query`; its list of hits, once it has some."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*query)
    results = pilot.app.screen.query_one(OptionList)
    for _ in range(100):  # the palette searches in a worker: up to 10 s for its hits
        if results.option_count:
            break
        await pilot.pause(0.1)
    return results


async def run_palette_command(pilot, query: str) -> None:
    """Open the command palette, type `query` and run the first command it finds."""
    await search_palette(pilot, query)
    await pilot.press("enter")


@pytest.mark.parametrize(
    ("query", "screen"),
    [
        ("Model: choose", "ModelScreen"),
        ("Help: keys", "HelpScreen"),
        ("Lessons", "LessonListScreen"),
        ("Corpus for", "CorpusScreen"),
        ("Text: open", "OpenTextScreen"),
    ],
)
def test_a_palette_command_replaces_the_palette_and_escape_closes_it(query, screen):
    async def scenario():
        app = make_app(text=TEXT)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await run_palette_command(pilot, query)
            await pilot.pause()
            assert [type(s).__name__ for s in app.screen_stack] == ["Screen", screen]
            await _back_to_main(pilot)
            assert len(app.screen_stack) == 1 and app.is_running and app.return_code is None

    asyncio.run(asyncio.wait_for(scenario(), TIME_BOUND))


def test_the_palette_clears_the_text_and_ctrl_z_brings_it_back():
    async def scenario():
        app = make_app(text=TEXT)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await run_palette_command(pilot, "Text: clear")
            await settle(pilot)
            text_box = app.query_one(TextArea)
            assert text_box.text == "" and app.result.n_used == 0
            text_box.focus()
            await pilot.press("ctrl+a", "ctrl+z")
            await settle(pilot)
            assert text_box.text == TEXT

    asyncio.run(asyncio.wait_for(scenario(), TIME_BOUND))


@pytest.mark.parametrize("query", ["テキスト: 消す", "Text: clear"])
def test_the_palette_speaks_japanese_and_still_finds_the_english_names(query):
    async def scenario():
        app = make_app(text=TEXT, language="ja")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            results = await search_palette(pilot, query)
            first = str(results.get_option_at_index(0).prompt)
            assert "テキスト: 消す" in first, first  # shown in Japanese whichever was typed
            await pilot.press("enter")
            await settle(pilot)
            assert app.query_one(TextArea).text == ""

    asyncio.run(asyncio.wait_for(scenario(), TIME_BOUND))
