"""The token spans and token table panes, driven through a real (headless) Textual app."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import numpy as np
import pytest
from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.strip import Strip

from engine.pipeline.results import PipelineResult
from engine.pipeline.run import run
from engine.settings import Settings
from tui.formatting.pieces import visible_piece
from tui.i18n.strings import UiStrings
from tui.messages import TokenSelected
from tui.panes.token_spans import TokenSpans
from tui.panes.token_table import HEADER, TokenTable, table_rows
from tui.views.text_wrap import char_widths, wrap_rows

SENTENCE = "The quick brown fox jumps over the lazy dog. "


class TokensApp(App[None]):
    """The two panes stacked, recording every TokenSelected they post."""

    def __init__(self) -> None:
        super().__init__()
        self.selected: list[int] = []
        self.strings = UiStrings("en")  # the panes' words, as LlmTuiApp has them

    def compose(self) -> ComposeResult:
        yield TokenSpans("no text yet")
        yield TokenTable("no text yet")

    def on_token_selected(self, message: TokenSelected) -> None:
        self.selected.append(message.index)


Test = Callable[[TokensApp, Pilot, TokenSpans, TokenTable], Awaitable[None]]


def drive(test: Test, size: tuple[int, int] = (80, 24)) -> None:
    """Run `test` inside a headless app of `size`."""

    async def main() -> None:
        app = TokensApp()
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await test(app, pilot, app.query_one(TokenSpans), app.query_one(TokenTable))

    asyncio.run(main())


def result_for(text: str, **settings: object) -> PipelineResult:
    return run(text, Settings(**settings))  # type: ignore[arg-type]


def show(result: PipelineResult, *panes: TokenSpans | TokenTable) -> None:
    for pane in panes:
        pane.show_result(result)


def runs_by_background(strip: Strip) -> list[tuple[str, object]]:
    """The strip's text cut where the background colour changes, with that colour."""
    runs: list[tuple[str, object]] = []
    for segment in strip:
        colour = segment.style.bgcolor if segment.style else None
        if runs and runs[-1][1] == colour:
            runs[-1] = (runs[-1][0] + segment.text, colour)
        else:
            runs.append((segment.text, colour))
    return runs


def segment_at(strip: Strip, x: int) -> Segment:
    """The segment covering cell `x` of a strip."""
    return next(iter(strip.crop(x, x + 1)))


def table_row(table: TokenTable, index: int) -> Strip:
    """The rendered line of token `index`, which must be on screen."""
    return table.render_line(HEADER + index - table.scroll_offset.y)


@pytest.mark.parametrize(
    ("piece", "shown"),
    [
        ("Hello", "Hello"),
        (" world", "·world"),
        ("\n\n", "↵↵"),
        ("\tx", "→x"),
        ("a\r\n", "a␍↵"),
        ("\x1b[0m", "\\x1b[0m"),
        ("\x00\x7f", "\\x00\\x7f"),
        ("\xa0", "\\xa0"),
        ("a\u200db", "a\\u200db"),
        ("\u2028", "\\u2028"),
        ("<0xE3><0x81>", "<0xE3><0x81>"),
        ("ちは🙂", "ちは🙂"),
        ("", ""),
    ],
)
def test_visible_piece(piece: str, shown: str) -> None:
    assert visible_piece(piece) == shown


def test_table_rows_match_the_result() -> None:
    result = result_for("Hello, world!\nちは")
    rows = table_rows(result)
    tokens = result.tokens
    assert [row["id"] for row in rows] == tokens.ids.tolist()
    assert [row["position"] for row in rows] == list(range(len(tokens)))
    assert [row["piece"] for row in rows] == list(tokens.pieces)
    assert [[row["start"], row["end"]] for row in rows] == tokens.char_spans.tolist()
    assert [row["partial"] for row in rows] == tokens.partial.tolist()
    split = [row for row in rows if row["partial"]]
    assert [(row["piece"], row["start"], row["end"]) for row in split] == [
        ("<0xE3><0x81>", 14, 15),
        ("<0xA1>", 14, 15),
    ]
    assert all(type(row["id"]) is int and type(row["partial"]) is bool for row in rows)


@pytest.mark.parametrize(
    ("text", "width", "rows"),
    [
        # Cut at token boundaries ("Hello" "," " world" "!"), between characters only
        # when a token is wider than the row.
        ("Hello, world!", 5, ["Hello", ",", " worl", "d!"]),
        ("Hello, world!", 13, ["Hello, world!"]),
        # "ち" and "は" are two cells wide.
        ("ちは", 3, ["ち", "は"]),
        ("ab\ncd\n", 10, ["ab\n", "cd\n"]),
        ("a\n\nb", 80, ["a\n", "\n", "b"]),
    ],
)
def test_wrap_rows(text: str, width: int, rows: list[str]) -> None:
    tokens = result_for(text).tokens
    newlines = np.array([i for i, char in enumerate(text) if char == "\n"], dtype=np.int64)
    starts = wrap_rows(char_widths(text), newlines, tokens.char_spans.ravel(), width).tolist()
    assert [text[a:b] for a, b in zip(starts, starts[1:], strict=False)] == rows


def test_messages_show_until_a_result_arrives() -> None:
    async def test(app: TokensApp, pilot: Pilot, spans: TokenSpans, table: TokenTable) -> None:
        for pane in (spans, table):
            lines = [pane.render_line(y).text for y in range(pane.size.height)]
            assert any("no text yet" in line for line in lines)
        show(result_for("Hello"), spans, table)
        await pilot.pause()
        assert spans.render_line(0).text.startswith("Hello ")
        spans.show_message("unknown word 'Hello' at character 0")
        await pilot.pause()
        lines = [spans.render_line(y).text for y in range(spans.size.height)]
        assert not any("Hello " in line[:6] for line in lines)
        assert any("unknown word 'Hello'" in line for line in lines)
        spans.focus()
        await pilot.press("l", "j")
        assert app.selected == []

    drive(test)


def test_spans_paint_each_token_on_its_own_background() -> None:
    async def test(app: TokensApp, pilot: Pilot, spans: TokenSpans, table: TokenTable) -> None:
        show(result_for("Hello, world!\nbye"), spans)
        await pilot.pause()
        first, second = spans.render_line(0), spans.render_line(1)
        assert first.text.rstrip() == "Hello,·world!↵"
        assert second.text.rstrip() == "bye"
        runs = runs_by_background(first)
        assert [text for text, _ in runs[:5]] == ["Hello", ",", "·world", "!", "↵"]
        background = spans.rich_style.bgcolor
        colours = [colour for _, colour in runs[:5]]
        assert background not in colours
        assert all(a != b for a, b in zip(colours, colours[1:], strict=False))
        # Token 0 is selected: drawn bold; the others are not.
        assert segment_at(first, 0).style.bold and not segment_at(first, 5).style.bold
        # The "·" standing for a space is dimmed, the letters after it are not.
        assert segment_at(first, 6).style.dim and not segment_at(first, 7).style.dim

    drive(test)


def test_a_character_split_over_tokens_is_underlined() -> None:
    async def test(app: TokensApp, pilot: Pilot, spans: TokenSpans, table: TokenTable) -> None:
        result = result_for("ちは")
        assert result.tokens.partial.tolist() == [True, True, False]
        show(result, spans)
        spans.select_token(2)
        await pilot.pause()
        line = spans.render_line(0)
        assert line.text.rstrip() == "ちは"
        assert segment_at(line, 0).style.underline
        assert not segment_at(line, 2).style.underline
        # Both halves of "ち" select the same character.
        spans.select_token(1)
        assert segment_at(spans.render_line(0), 0).style.bold

    drive(test)


def test_whitespace_a_word_tokenizer_dropped_stays_unhighlighted() -> None:
    async def test(app: TokensApp, pilot: Pilot, spans: TokenSpans, table: TokenTable) -> None:
        result = result_for("the cat, the dog", encoding="regex-unk")
        assert result.tokens.token_at_char(3) is None
        show(result, spans)
        await pilot.pause()
        line = spans.render_line(0)
        assert line.text.rstrip() == "the·cat,·the·dog"
        background = spans.rich_style.bgcolor
        assert segment_at(line, 3).style.bgcolor == background
        assert segment_at(line, 4).style.bgcolor != background
        # Clicking the dropped space selects nothing; clicking "cat" selects token 1.
        await pilot.click(TokenSpans, offset=(3, 0))
        await pilot.click(TokenSpans, offset=(5, 0))
        await pilot.pause()
        assert app.selected == [1]

    drive(test)


def test_keys_move_the_span_selection_and_post_it() -> None:
    async def test(app: TokensApp, pilot: Pilot, spans: TokenSpans, table: TokenTable) -> None:
        show(result_for("Hello, world!\nbye now"), spans, table)
        spans.focus()
        await pilot.pause()
        expected = []
        for key, index in [("right", 1), ("l", 2), ("l", 3), ("h", 2), ("left", 1), ("j", 6)]:
            await pilot.press(key)
            assert spans.selected == index, key
            expected.append(index)
        # Below "," (x = 5) on row 1 is the "o" of " now" (6); above " now" (x = 3) is "Hello".
        await pilot.press("k", "G", "g")
        expected += [0, 6, 0]
        await pilot.pause()
        assert app.selected == expected
        assert spans.selected == 0
        await pilot.press("h")
        await pilot.pause()
        assert app.selected == expected
        await pilot.click(TokenSpans, offset=(9, 0))
        await pilot.pause()
        assert spans.selected == 2 and app.selected[-1] == 2

    drive(test)


def test_select_token_moves_the_table_cursor_without_posting() -> None:
    async def test(app: TokensApp, pilot: Pilot, spans: TokenSpans, table: TokenTable) -> None:
        result = result_for("Hello, world!")
        show(result, spans, table)
        await pilot.pause()
        table.select_token(3)
        spans.select_token(3)
        await pilot.pause()
        assert app.selected == []
        assert table.selected == spans.selected == 3
        cursor = table.get_component_rich_style("line-view--cursor")
        blurred = segment_at(table_row(table, 3), 0).style
        assert blurred == cursor
        assert segment_at(table_row(table, 2), 0).style != cursor
        # Focus brings the stronger cursor colours.
        table.focus()
        await pilot.pause()
        assert segment_at(table_row(table, 3), 0).style.bgcolor != blurred.bgcolor
        assert app.selected == []
        # The selected span is "!", the last character.
        assert segment_at(spans.render_line(0), 12).style.bold
        assert not segment_at(spans.render_line(0), 0).style.bold

    drive(test)


def test_table_shows_pieces_ids_and_bytes() -> None:
    async def test(app: TokensApp, pilot: Pilot, spans: TokenSpans, table: TokenTable) -> None:
        result = result_for("ちは world\t こ")
        show(result, table)
        await pilot.pause()
        header = table.render_line(0).text.split()
        assert header == ["#", "piece", "id", "bytes"]
        rows = [table_row(table, i).text for i in range(len(result.tokens))]
        ids = result.tokens.ids.tolist()
        first, second = rows[0], rows[1]
        assert "<0xE3><0x81>" in first and "◐ part of 'ち'" in first
        assert "<0xA1>" in second and "◐ part of 'ち'" in second
        assert first.rstrip().endswith(f"{ids[0]} e3 81")
        assert second.rstrip().endswith(f"{ids[1]} a1")
        assert rows[2].split() == ["2", "は", str(ids[2]), "e3", "81", "af"]
        assert rows[3].split()[:2] == ["3", "·world"]
        assert rows[4].split()[:2] == ["4", "→"]
        assert "◐" not in rows[2]
        # " こ" is split as " " + two bytes of "こ", then its last byte: only "こ" is shared.
        assert rows[5].split()[1:5] == ["·<0xE3><0x81>", "◐", "part", "of"]
        assert "'こ'" in rows[5] and rows[5].rstrip().endswith("20 e3 81")
        assert "<0x93> ◐ part of 'こ'" in rows[6]

    drive(test)


def test_table_keys_move_the_cursor_and_post_only_tokens_in_context() -> None:
    async def test(app: TokensApp, pilot: Pilot, spans: TokenSpans, table: TokenTable) -> None:
        result = result_for(SENTENCE * 3, context=4)
        count = len(result.tokens)
        assert result.n_used == 4 and count > 20
        show(result, table)
        table.focus()
        await pilot.pause()
        page = table.scrollable_content_region.height - HEADER
        for keys, where in [
            (("down",), 1),
            (("j", "j"), 3),
            (("k",), 2),
            (("up",), 1),
            (("G",), count - 1),
            (("pageup",), count - 1 - page),
            (("g",), 0),
            (("end", "home"), 0),
            (("pagedown",), page),
        ]:
            await pilot.press(*keys)
            assert table.selected == where, keys
        await pilot.pause()
        # Tokens 4 and after are past the context: the cursor visits them, no pane is told.
        assert app.selected == [1, 2, 3, 2, 1, 0, 0]
        beyond = table.get_component_rich_style("token-table--beyond")
        assert segment_at(table_row(table, 5), 0).style == beyond
        assert segment_at(table_row(table, 3), 0).style != beyond

    drive(test)


def test_show_result_keeps_or_clamps_the_selection() -> None:
    async def test(app: TokensApp, pilot: Pilot, spans: TokenSpans, table: TokenTable) -> None:
        show(result_for("one two three four five"), spans, table)
        table.select_token(4)
        spans.select_token(4)
        show(result_for("one two three four five six"), spans, table)
        assert table.selected == spans.selected == 4
        show(result_for("one two"), spans, table)
        assert table.selected == spans.selected == 1
        table.select_token(None)
        assert table.selected is None
        table.focus()
        await pilot.press("j")
        await pilot.pause()
        assert table.selected == 0 and app.selected == [0]

    drive(test)


def test_text_without_tokens_draws_only_gaps() -> None:
    async def test(app: TokensApp, pilot: Pilot, spans: TokenSpans, table: TokenTable) -> None:
        result = result_for("  \n ", encoding="regex-unk")
        assert len(result.tokens) == 0
        show(result, spans, table)
        await pilot.pause()
        assert spans.selected is None and table.selected is None
        assert [spans.render_line(y).text.rstrip() for y in range(3)] == ["··↵", "·", ""]
        assert table.render_line(0).text.split() == ["#", "piece", "id", "bytes"]
        assert table.render_line(1).text.strip() == ""
        for pane in (spans, table):
            pane.focus()
            await pilot.press("j", "l", "G", "g", "k")
        await pilot.click(TokenSpans, offset=(0, 0))
        await pilot.pause()
        assert app.selected == []

    drive(test)


def test_mono_mode_uses_no_background_colours() -> None:
    async def test(app: TokensApp, pilot: Pilot, spans: TokenSpans, table: TokenTable) -> None:
        spans.set_palette("grays", mono=True)
        show(result_for("Hello, world!ちは"), spans)
        await pilot.pause()
        line = spans.render_line(0)
        background = spans.rich_style.bgcolor
        assert {segment.style.bgcolor for segment in line} == {background}
        # Tokens alternate plain and underlined; the selection (token 0) is reversed.
        assert segment_at(line, 0).style.reverse
        assert segment_at(line, 5).style.underline
        assert not segment_at(line, 6).style.underline
        assert segment_at(line, 13).style.italic  # "ち" is split over two tokens
        table.set_palette("grays", mono=True)
        show(result_for("Hello, world!ちは"), table)
        table.focus()
        await pilot.press("j")
        await pilot.pause()
        for index in range(3):
            styles = {segment.style for segment in table_row(table, index)}
            assert {style.bgcolor for style in styles} == {background}
            assert any(style.reverse for style in styles) == (index == 1)

    drive(test)


def test_a_megabyte_renders_only_the_visible_lines() -> None:
    text = SENTENCE * (1_000_000 // len(SENTENCE) + 1)
    result = result_for(text)
    count = len(result.tokens)
    assert count > 200_000

    async def test(app: TokensApp, pilot: Pilot, spans: TokenSpans, table: TokenTable) -> None:
        drawn: dict[str, list[int]] = {"spans": [], "table": []}
        for name, pane in (("spans", spans), ("table", table)):
            render_line = pane.render_line

            def counting(y: int, render_line=render_line, name=name) -> Strip:
                drawn[name].append(y)
                return render_line(y)

            pane.render_line = counting  # type: ignore[method-assign]
        show(result, spans, table)
        await pilot.pause()
        assert spans.row_count > 10_000
        for name, pane in (("spans", spans), ("table", table)):
            assert drawn[name] and max(drawn[name]) < pane.size.height
            assert len(drawn[name]) <= 2 * pane.size.height
        for pane in (table, spans):
            pane.focus()
            await pilot.pause()
            misses = pane.render_misses
            await pilot.press("G")
            await pilot.pause()
            assert pane.selected == count - 1
            assert pane.render_misses - misses <= pane.size.height
        assert table_row(table, count - 1).text.split()[0] == str(count - 1)
        last_row = spans.row_count - 1 - spans.scroll_offset.y
        assert 0 <= last_row < spans.size.height
        assert spans.render_line(last_row).text.rstrip().endswith("dog.·")
        assert app.selected == []

    drive(test)


def test_an_edit_or_a_selection_redraws_only_the_rows_it_changes() -> None:
    async def test(app: TokensApp, pilot: Pilot, spans: TokenSpans, table: TokenTable) -> None:
        panes = (spans, table)

        def draw_screens() -> dict[TokenSpans | TokenTable, int]:
            before = {pane: pane.render_misses for pane in panes}
            for pane in panes:
                for y in range(pane.size.height):
                    pane.render_line(y)
            return {pane: pane.render_misses - before[pane] for pane in panes}

        show(result_for(SENTENCE * 4), *panes)
        await pilot.pause()
        draw_screens()  # every line on screen is in the cache now
        # Typing at the end changes the last row of the text and adds a table row off screen.
        show(result_for(SENTENCE * 4 + "and"), *panes)
        assert draw_screens() == {spans: 1, table: 0}
        # Moving the selection redraws the rows it leaves and the rows it reaches.
        for pane in panes:
            pane.select_token(2)
        assert draw_screens() == {spans: 1, table: 2}

    drive(test)


def test_small_terminal_renders_every_line_at_the_pane_width() -> None:
    async def test(app: TokensApp, pilot: Pilot, spans: TokenSpans, table: TokenTable) -> None:
        spans.show_message("A long error message that has to wrap over several lines here.")
        await pilot.pause()
        lines = [spans.render_line(y).text for y in range(spans.size.height)]
        assert "several" in " ".join(lines)
        show(result_for("ちは 🙂 Hello, world!\n" * 20 + "\x1b[0m\u200d"), spans, table)
        table.focus()
        await pilot.press("G", "pageup", "k")
        spans.focus()
        await pilot.press("G", "k", "h")
        await pilot.pause()
        for pane in (spans, table):
            width = pane.scrollable_content_region.width
            for y in range(pane.size.height):
                assert pane.render_line(y).cell_length == width, (pane, y)
        table.select_token(0)
        await pilot.pause()
        assert "◐" in table_row(table, 0).text

    drive(test, size=(40, 12))
