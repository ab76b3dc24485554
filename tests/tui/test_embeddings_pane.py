"""The embeddings pane, driven through a real (headless) Textual app with pipeline results."""

from __future__ import annotations

import asyncio
import dataclasses
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
from themes.palettes import SHADES
from tui.messages import TokenSelected
from tui.panes.embeddings import EmbeddingsPane
from tui.views.embeddings_table import HEADER, EmbeddingsTable, format_value

TEXT = "The lamp turned left."


@pytest.fixture(scope="module")
def result() -> PipelineResult:
    return run(TEXT, Settings())


class PaneApp(App[None]):
    """Just the pane, recording every TokenSelected that reaches the app."""

    def __init__(self) -> None:
        super().__init__()
        self.selected: list[int] = []
        self.senders: set[object] = set()

    def compose(self) -> ComposeResult:
        yield EmbeddingsPane("no text yet")

    def on_token_selected(self, message: TokenSelected) -> None:
        self.selected.append(message.index)
        self.senders.add(message.control)  # the app skips the sender when it syncs the panes


Test = Callable[[PaneApp, Pilot, EmbeddingsPane], Awaitable[None]]


def drive(test: Test, size: tuple[int, int] = (120, 30)) -> None:
    """Run `test` inside a headless app of `size` with the pane focused."""

    async def main() -> None:
        app = PaneApp()
        async with app.run_test(size=size) as pilot:
            pane = app.query_one(EmbeddingsPane)
            pane.focus()
            await pilot.pause()
            await test(app, pilot, pane)

    asyncio.run(main())


def token_line(table: EmbeddingsTable, token: int, part: int = 0) -> Strip:
    """Line `part` of `token` as rendered (the token must be on screen)."""
    per_token = 3 if table.stacked else 1
    return table.render_line(HEADER + token * per_token + part - table.scroll_offset.y)


def expected_numbers(vectors: np.ndarray, token: int, first: int, count: int) -> str:
    """What a block should show: signed numbers with two decimals, one space apart."""
    values = vectors[token, first : first + count]
    assert np.all(np.abs(values) < 9.995), "the test text should give one-digit values"
    return " ".join(f"{value:+.2f}" for value in values)


def number_segments(strip: Strip) -> list[Segment]:
    """The segments of a line that hold one formatted number each."""
    return [s for s in strip if s.text.strip() and s.text.strip()[0] in "+-" and len(s.text) == 5]


def test_title_states_the_three_shapes_dim_and_seed(result: PipelineResult) -> None:
    async def test(app: PaneApp, pilot: Pilot, pane: EmbeddingsPane) -> None:
        assert "no text yet" in pane.table.render_line(pane.table.size.height // 2).text
        pane.show_result(result)
        await pilot.pause()
        title = pane.table.render_line(0).text
        assert "token vectors (5, 16)" in title
        assert "learned positions (5, 16)" in title
        assert "input vectors (5, 16)" in title
        assert "dim 16 · seed 123" in title
        assert [token_line(pane.table, i).text.split()[:2] for i in range(5)] == [
            ["0", "The"],
            ["1", "·lamp"],
            ["2", "·turned"],
            ["3", "·left"],
            ["4", "."],
        ]

    drive(test)


def test_rows_show_token_plus_position_equals_input(result: PipelineResult) -> None:
    embedded = result.embedded
    blocks = [embedded.token_vectors, embedded.learned_positions, embedded.input_vectors]

    async def test(app: PaneApp, pilot: Pilot, pane: EmbeddingsPane) -> None:
        table = pane.table
        pane.show_result(result)
        await pilot.press("j", "j", "l")
        assert (table.cursor, table.first_dim) == (2, 1)
        count = table.numbers_shown
        assert not table.stacked and 4 <= count < 16
        text = token_line(table, 2).text
        starts = [text.index(expected_numbers(block, 2, 1, count)) for block in blocks]
        assert starts == sorted(starts), "blocks are drawn token, positions, input"
        # Dimension 0 is left out on the left, the last ones on the right.
        assert text.count("…") == 6
        assert "[1:" in table.render_line(1).text
        # Each number sits on the diverging colour of its sign: blue above zero, red below.
        inputs = number_segments(token_line(table, 3))[-count:]
        for segment, value in zip(inputs, embedded.input_vectors[3, 1 : 1 + count], strict=True):
            assert segment.text == format_value(float(value))
            red, _, blue = segment.style.bgcolor.triplet
            assert (blue > red) == (value > 0), (segment.text, red, blue)
            assert segment.style.color.triplet.hex in ("#000000", "#ffffff")

    drive(test)


def test_sinusoidal_positions_are_the_ones_added() -> None:
    result = run(TEXT, Settings(positions="sinusoidal", dim=8, seed=7))
    embedded = result.embedded

    async def test(app: PaneApp, pilot: Pilot, pane: EmbeddingsPane) -> None:
        pane.show_result(result)
        await pilot.pause()
        title = pane.table.render_line(0).text
        assert "sinusoidal positions (5, 8)" in title and "seed 7" in title
        count = pane.table.numbers_shown
        text = token_line(pane.table, 4).text
        assert expected_numbers(embedded.sinusoidal_positions, 4, 0, count) in text
        assert expected_numbers(embedded.learned_positions, 4, 0, count) not in text

    drive(test)


def test_keys_move_the_cursor_and_post_token_selected(result: PipelineResult) -> None:
    async def test(app: PaneApp, pilot: Pilot, pane: EmbeddingsPane) -> None:
        table = pane.table
        pane.show_result(result)
        await pilot.pause()
        assert app.selected == []
        # Each step: keys, where the cursor ends, every index posted so far. Presses that
        # cannot move the cursor post nothing.
        for keys, where, posted in [
            (("j",), 1, [1]),
            (("down",), 2, [1, 2]),
            (("k",), 1, [1, 2, 1]),
            (("up", "up"), 0, [1, 2, 1, 0]),
            (("G",), 4, [1, 2, 1, 0, 4]),
            (("j", "end", "pagedown"), 4, [1, 2, 1, 0, 4]),
            (("g",), 0, [1, 2, 1, 0, 4, 0]),
            (("home", "k", "pageup"), 0, [1, 2, 1, 0, 4, 0]),
            (("pagedown",), 4, [1, 2, 1, 0, 4, 0, 4]),
            (("home",), 0, [1, 2, 1, 0, 4, 0, 4, 0]),
        ]:
            await pilot.press(*keys)
            await pilot.pause()
            assert table.cursor == where, keys
            assert app.selected == posted, keys
        assert app.senders == {pane}
        # The label of the cursor row is drawn in the cursor style.
        cursor_style = table.get_component_rich_style("line-view--cursor")
        assert list(token_line(table, 0))[0].style == cursor_style
        assert list(token_line(table, 1))[0].style != cursor_style

    drive(test)


def test_select_token_moves_without_posting_and_results_keep_the_cursor(
    result: PipelineResult,
) -> None:
    async def test(app: PaneApp, pilot: Pilot, pane: EmbeddingsPane) -> None:
        table = pane.table
        pane.show_result(result)
        pane.select_token(3)
        pane.select_token(None)
        pane.select_token(99)
        await pilot.pause()
        assert table.cursor == 3 and app.selected == []
        pane.show_result(run("The lamp turned left again.", Settings()))
        assert table.cursor == 3
        pane.show_result(run("Two words", Settings()))
        assert table.cursor == 1
        pane.show_message("tokenizer error: something went wrong")
        await pilot.pause()
        assert "tokenizer error" in table.render_line(table.size.height // 2).text
        assert table.tokens == 0
        await pilot.press("j", "o")
        await pilot.pause()
        assert app.selected == [] and not pane.panel.display
        pane.show_result(run("", Settings()))
        await pilot.pause()
        assert "no tokens" in table.render_line(table.size.height // 2).text
        assert not pane.panel.display

    drive(test)


def test_click_selects_a_token(result: PipelineResult) -> None:
    async def test(app: PaneApp, pilot: Pilot, pane: EmbeddingsPane) -> None:
        pane.show_result(result)
        await pilot.pause()
        await pilot.click(EmbeddingsTable, offset=(5, HEADER + 3))
        assert pane.table.cursor == 3 and app.selected == [3]

    drive(test)


def test_one_hot_panel_shows_the_lookup_as_a_product(result: PipelineResult) -> None:
    async def test(app: PaneApp, pilot: Pilot, pane: EmbeddingsPane) -> None:
        pane.show_result(result)
        await pilot.pause()
        assert not pane.panel.display
        await pilot.press("j", "o")
        await pilot.pause()
        assert pane.panel.display and pane.panel.size.height == 6
        token_id = int(result.tokens.ids[1])
        text = pane.panel.render().plain
        assert f"token 1 ·lamp → id {token_id}" in text
        assert "one-hot (1 × 50257) [0 0 … 1 … 0 0]" in text
        assert "× token table (50257 × 16)" in text
        row = " ".join(f"{v:+.2f}" for v in result.embedded.token_table[token_id])
        assert f"= [{row}]" in text and f"table row {token_id}: [{row}]" in text
        assert "✓ identical" in text and pane.panel.identical
        # The panel follows the cursor.
        await pilot.press("j")
        await pilot.pause()
        assert f"→ id {int(result.tokens.ids[2])}" in pane.panel.render().plain
        await pilot.press("o")
        await pilot.pause()
        assert not pane.panel.display

    drive(test)


def test_one_hot_equality_is_computed_not_assumed(result: PipelineResult) -> None:
    """An infinity elsewhere in the table makes 0 × inf = NaN in the product: not identical."""
    table = result.embedded.token_table.copy()
    table[0, 3] = np.inf
    broken = dataclasses.replace(result, embedded=dataclasses.replace(result.embedded, token_table=table))

    async def test(app: PaneApp, pilot: Pilot, pane: EmbeddingsPane) -> None:
        pane.show_result(broken)
        await pilot.press("o")
        await pilot.pause()
        text = pane.panel.render().plain
        assert "✗ different" in text and "identical" not in text
        assert not pane.panel.identical

    with np.errstate(invalid="ignore"):
        drive(test)


def test_mono_mode_has_no_background_colours(result: PipelineResult) -> None:
    async def test(app: PaneApp, pilot: Pilot, pane: EmbeddingsPane) -> None:
        table = pane.table
        pane.show_result(result)
        await pilot.pause()
        background = table.rich_style.bgcolor
        coloured = {s.style.bgcolor for s in number_segments(token_line(table, 2))}
        assert coloured - {background}, "colour mode paints the numbers"
        pane.set_palette("rdbu", mono=True)
        await pilot.press("j")
        shades_seen = set()
        for token in range(5):
            strip = token_line(table, token)
            numbers = number_segments(strip)
            assert len(numbers) == 3 * table.numbers_shown
            assert all(s.style.bgcolor == background for s in numbers)
            body = strip.crop(table.size.width - 3 * (6 * table.numbers_shown + 4))
            assert all(s.style.bgcolor == background for s in body)
            shades_seen |= set(body.text) & set(SHADES[1:])
        assert shades_seen, "magnitudes are shown with shade characters"

    drive(test)


def test_1024_tokens_draw_only_the_visible_lines() -> None:
    # How fast is for `llm-tui bench`; what keeps it fast at any length is checked here.
    result = run("The lamp turned left, then right. " * 200, Settings(dim=256, heads=4))
    assert result.n_used == 1024

    async def test(app: PaneApp, pilot: Pilot, pane: EmbeddingsPane) -> None:
        table = pane.table
        pane.show_result(result)
        await pilot.pause()
        drawn: list[int] = []
        render_line = table.render_line

        def counting(y: int) -> Strip:
            drawn.append(y)
            return render_line(y)

        table.render_line = counting  # type: ignore[method-assign]
        height = table.size.height
        rows = height - HEADER
        for keys in [("G",), ("pageup", "k", "l"), ("o",)]:
            drawn.clear()
            misses = table.render_misses
            await pilot.press(*keys)
            await pilot.pause()
            assert drawn and max(drawn) < height
            assert table.render_misses - misses <= len(keys) * height
        assert table.cursor == 1023 - rows - 1
        # The panel took lines from the table, which still shows the cursor row.
        assert table.size.height < height
        assert HEADER <= HEADER + table.cursor - table.scroll_offset.y < table.size.height
        strip = token_line(table, table.cursor)
        assert strip.text.split()[0] == str(table.cursor)
        assert "token vectors (1024, 256)" in render_line(0).text

    drive(test)


def test_40_by_12_stacks_the_blocks_and_keeps_every_line_the_width(
    result: PipelineResult,
) -> None:
    async def test(app: PaneApp, pilot: Pilot, pane: EmbeddingsPane) -> None:
        table = pane.table
        pane.show_result(result)
        await pilot.press("j", "o", "l", "l", "G", "k")
        await pilot.pause()
        assert table.stacked and table.cursor == 3
        assert "(5, 16)" in table.render_line(0).text
        for y in range(table.size.height):
            assert table.render_line(y).cell_length == table.size.width, y
        count = table.numbers_shown
        parts = [token_line(table, 3, part).text for part in range(3)]
        assert expected_numbers(result.embedded.input_vectors, 3, 2, count) in parts[2]
        # A short pane gets the three-line panel.
        token_id = int(result.tokens.ids[3])
        assert pane.panel.compact and pane.panel.size.height == 3
        lines = pane.panel.render().plain.splitlines()
        assert lines[0].startswith(f"id {token_id} one-hot (1 × 50257)")
        assert lines[1].startswith("= [" + expected_numbers(result.embedded.token_vectors, 3, 0, 3))
        assert lines[2].startswith(f"✓ identical to table row {token_id}")
        await pilot.press("o", "g")
        await pilot.pause()
        assert table.cursor == 0 and app.selected[-1] == 0

    drive(test, size=(40, 12))


def test_labels_make_whitespace_visible_and_keep_their_width() -> None:
    result = run("日本語のトークン\n\tx  y 🙂", Settings())

    async def test(app: PaneApp, pilot: Pilot, pane: EmbeddingsPane) -> None:
        pane.show_result(result)
        await pilot.pause()
        table = pane.table
        for token in range(result.n_used):
            strip = token_line(table, token)
            assert strip.cell_length == table.size.width
            assert strip.crop(0, 14).cell_length == 14
            assert "\n" not in strip.text and "\t" not in strip.text

    drive(test)


def test_format_value_is_always_five_cells() -> None:
    values = (0.344, -1.2, -0.001, 12.34, -123.4, 4567.0, 1e7, -1e12, float("nan"), -float("inf"))
    assert [format_value(v) for v in values] == [
        "+0.34",
        "-1.20",
        "-0.00",
        "+12.3",
        " -123",
        "+4567",
        " +1e7",
        "-1e12",
        "  nan",
        " -inf",
    ]


def test_unknown_palette_is_refused() -> None:
    table = EmbeddingsTable()
    with pytest.raises(ValueError, match="unknown palette"):
        table.set_palette("rainbow")
