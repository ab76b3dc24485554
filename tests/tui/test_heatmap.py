"""The attention heatmap widget, driven through a real (headless) Textual app."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import numpy as np
import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.strip import Strip

from themes.palettes import SHADES
from tui.views.heatmap import CELL, GUTTER, HEADER, KEY_LABEL_LINES, AttentionHeatmap


def causal_attention(tokens: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Softmax of random scores under a causal mask: (weights, mask), both (T, T)."""
    scores = np.random.default_rng(seed).normal(size=(tokens, tokens))
    mask = np.triu(np.ones((tokens, tokens), dtype=bool), k=1)
    scores[mask] = -np.inf
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))
    return weights / weights.sum(axis=1, keepdims=True), mask


class HeatmapApp(App[None]):
    """Just the heatmap, recording every CellSelected it posts."""

    def __init__(self) -> None:
        super().__init__()
        self.selected: list[AttentionHeatmap.CellSelected] = []

    def compose(self) -> ComposeResult:
        yield AttentionHeatmap("computing attention…")

    def on_attention_heatmap_cell_selected(self, message: AttentionHeatmap.CellSelected) -> None:
        self.selected.append(message)


def drive(test: Callable[[HeatmapApp, Pilot, AttentionHeatmap], Awaitable[None]]) -> None:
    """Run `test` inside an 80×24 headless app with the heatmap focused."""

    async def main() -> None:
        app = HeatmapApp()
        async with app.run_test(size=(80, 24)) as pilot:
            heatmap = app.query_one(AttentionHeatmap)
            heatmap.focus()
            await pilot.pause()
            await test(app, pilot, heatmap)

    asyncio.run(main())


def cell(strip: Strip, col: int, scroll_x: int = 0) -> Strip:
    """The two cells of key column `col` in a rendered row."""
    start = GUTTER + col * CELL - scroll_x
    return strip.crop(start, start + CELL)


def test_keys_move_the_cursor_and_post_the_selected_cell() -> None:
    weights, mask = causal_attention(6)

    async def test(app: HeatmapApp, pilot: Pilot, heatmap: AttentionHeatmap) -> None:
        heatmap.set_matrix(weights, mask, [f"t{i}" for i in range(6)])
        await pilot.pause()
        expected = [(0, 0)]
        for key, where in [
            ("right", (0, 1)),
            ("down", (1, 1)),
            ("l", (1, 2)),
            ("j", (2, 2)),
            ("h", (2, 1)),
            ("k", (1, 1)),
            ("left", (1, 0)),
            ("up", (0, 0)),
        ]:
            await pilot.press(key)
            assert heatmap.cursor == where, key
            expected.append(where)
        await pilot.pause()
        assert [(m.row, m.col) for m in app.selected] == expected
        for message in app.selected:
            assert message.control is heatmap
            assert message.weight == pytest.approx(weights[message.row, message.col])
            assert message.masked == bool(mask[message.row, message.col])
        assert [m.masked for m in app.selected[:3]] == [False, True, False]

    drive(test)


def test_cursor_clamps_at_the_edges() -> None:
    weights, mask = causal_attention(6)

    async def test(app: HeatmapApp, pilot: Pilot, heatmap: AttentionHeatmap) -> None:
        heatmap.set_matrix(weights, mask, [f"t{i}" for i in range(6)])
        # Each step: keys, where the cursor ends, how many CellSelected were posted so far.
        # Presses that cannot move the cursor post nothing.
        for keys, where, posted in [
            ((), (0, 0), 1),
            (("up", "left", "k", "h"), (0, 0), 1),
            (("l",) * 10, (0, 5), 6),
            (("G",), (5, 5), 7),
            (("down", "right", "end", "pagedown"), (5, 5), 7),
            (("g",), (0, 5), 8),
            (("end", "pageup", "home"), (0, 5), 10),
        ]:
            await pilot.press(*keys)
            await pilot.pause()
            assert heatmap.cursor == where, keys
            assert len(app.selected) == posted, keys

    drive(test)


def test_set_matrix_keeps_or_clamps_the_cursor_and_clear_shows_a_message() -> None:
    async def test(app: HeatmapApp, pilot: Pilot, heatmap: AttentionHeatmap) -> None:
        assert "computing attention…" in heatmap.render_line(heatmap.size.height // 2).text
        heatmap.set_matrix(*causal_attention(6), [f"t{i}" for i in range(6)])
        heatmap.cursor = (4, 3)
        heatmap.set_matrix(*causal_attention(6, seed=1), [f"u{i}" for i in range(6)])
        assert heatmap.cursor == (4, 3)
        heatmap.set_matrix(*causal_attention(3), ["a", "b", "c"])
        assert heatmap.cursor == (2, 2)
        await pilot.pause()
        assert [(m.row, m.col) for m in app.selected] == [(0, 0), (4, 3), (4, 3), (2, 2)]
        heatmap.clear_matrix("no text yet")
        await pilot.pause()
        assert "no text yet" in heatmap.render_line(heatmap.size.height // 2).text
        await pilot.press("j")
        assert len(app.selected) == 4
        with pytest.raises(ValueError, match="labels"):
            heatmap.set_matrix(*causal_attention(3), ["a"])

    drive(test)


def test_clicking_a_cell_moves_the_cursor() -> None:
    async def test(app: HeatmapApp, pilot: Pilot, heatmap: AttentionHeatmap) -> None:
        heatmap.set_matrix(*causal_attention(6), [f"t{i}" for i in range(6)])
        await pilot.click(AttentionHeatmap, offset=(GUTTER + 3 * CELL + 1, heatmap.header_lines + 4))
        assert heatmap.cursor == (4, 3)

    drive(test)


def test_masked_cells_look_unlike_tiny_weights() -> None:
    weights = np.array([[1.0, 0.0, 0.0], [0.9999, 0.0001, 0.0], [0.5, 0.25, 0.25]])
    mask = np.triu(np.ones((3, 3), dtype=bool), k=1)

    async def test(app: HeatmapApp, pilot: Pilot, heatmap: AttentionHeatmap) -> None:
        heatmap.set_matrix(weights, mask, ["a", "b", "c"])
        await pilot.pause()
        row1 = heatmap.render_line(heatmap.header_lines + 1)
        tiny, masked = cell(row1, 1), cell(row1, 2)
        assert masked.text == "··"
        assert list(tiny) != list(masked)
        assert tiny.text != masked.text or {s.style for s in tiny} != {s.style for s in masked}
        # A masked cell has no palette colour: it sits on the widget's own background.
        background = heatmap.rich_style.bgcolor
        assert all(segment.style.bgcolor == background for segment in masked)

    drive(test)


def test_mono_mode_draws_only_shades_and_dots() -> None:
    weights, mask = causal_attention(6)

    async def test(app: HeatmapApp, pilot: Pilot, heatmap: AttentionHeatmap) -> None:
        heatmap.set_palette("grays", mono=True)
        heatmap.set_matrix(weights, mask, [f"t{i}" for i in range(6)])
        await pilot.press("j", "l")
        for row in range(6):
            text = heatmap.render_line(heatmap.header_lines + row).crop(GUTTER, GUTTER + 6 * CELL).text
            assert set(text) <= set(SHADES) | {"·"}, text
            assert text.count("·") == 2 * int(mask[row].sum())
        # The strongest weight of the matrix is a full block.
        top_row, top_col = np.unravel_index(np.argmax(weights), weights.shape)
        assert cell(heatmap.render_line(heatmap.header_lines + top_row), top_col).text == "██"

    drive(test)


def test_2048_tokens_render_only_the_visible_lines() -> None:
    tokens = 2048
    weights, mask = causal_attention(tokens)

    async def test(app: HeatmapApp, pilot: Pilot, heatmap: AttentionHeatmap) -> None:
        heatmap.set_matrix(weights, mask, [f"token {i}" for i in range(tokens)])
        await pilot.pause()
        drawn: list[int] = []
        render_line = heatmap.render_line

        def counting(y: int) -> Strip:
            drawn.append(y)
            return render_line(y)

        heatmap.render_line = counting  # type: ignore[method-assign]
        height = heatmap.size.height
        for keys in [("G",), ("pageup", "l", "l")]:
            drawn.clear()
            misses = heatmap.render_misses
            await pilot.press(*keys)
            await pilot.pause()
            # Only on-screen lines are asked for, and each key builds at most a screenful.
            assert drawn and max(drawn) < height
            assert heatmap.render_misses - misses <= len(keys) * height
        row, col = heatmap.cursor
        assert row == tokens - 1 - (heatmap.scrollable_content_region.height - heatmap.header_lines)
        # The cursor row is on screen, marked, and under its label.
        scroll_x, scroll_y = heatmap.scroll_offset
        strip = render_line(heatmap.header_lines + row - scroll_y)
        assert strip.text[:GUTTER].strip() == f"token {row}"[: GUTTER - 2] + "…"
        assert cell(strip, col, scroll_x).text == "▐▌"

    drive(test)


def test_wide_labels_keep_every_line_the_widget_width() -> None:
    labels = ["日本語のトークン", "🙂emoji🙂", "a", "中文字符测试很长", "x" * 30, "é"]
    weights, mask = causal_attention(len(labels))

    async def test(app: HeatmapApp, pilot: Pilot, heatmap: AttentionHeatmap) -> None:
        heatmap.set_matrix(weights, mask, labels)
        await pilot.pause()
        width = heatmap.size.width
        for y in range(heatmap.size.height):
            assert heatmap.render_line(y).cell_length == width, y
        for row in range(len(labels)):
            strip = heatmap.render_line(heatmap.header_lines + row)
            assert strip.crop(0, GUTTER).cell_length == GUTTER
            cells = strip.crop(GUTTER + (row + 1) * CELL, GUTTER + len(labels) * CELL).text
            assert cells == "··" * (len(labels) - row - 1), labels[row]

    drive(test)


def test_the_keys_pieces_run_down_under_their_indices_the_cursors_highlighted() -> None:
    labels = ["The", "·robot", "·lit", "·a", "·lamp", "."]

    async def test(app: HeatmapApp, pilot: Pilot, heatmap: AttentionHeatmap) -> None:
        heatmap.set_matrix(*causal_attention(6), labels)
        await pilot.press("l")  # the cursor on key 1
        await pilot.pause()
        assert heatmap.header_lines == HEADER + KEY_LABEL_LINES  # 24 lines leave room for four
        down = [
            "".join(
                heatmap.render_line(HEADER + line).crop(GUTTER + col * CELL, GUTTER + col * CELL + 1).text
                for line in range(KEY_LABEL_LINES)
            )
            for col in range(6)
        ]
        assert down == ["The ", "·ro…", "·lit", "·a  ", "·la…", ".   "]
        highlight = heatmap.get_component_rich_style("line-view--cursor")
        first = heatmap.render_line(HEADER).crop(GUTTER + CELL, GUTTER + 2 * CELL)
        assert all(segment.style == highlight for segment in first)
        # The rows start under the labels: a click on line header_lines is row 0.
        await pilot.click(AttentionHeatmap, offset=(GUTTER + 1, heatmap.header_lines))
        assert heatmap.cursor == (0, 0)

    drive(test)


def test_a_short_heatmap_drops_the_key_labels_first() -> None:
    async def main() -> None:
        app = HeatmapApp()
        async with app.run_test(size=(60, 10)) as pilot:
            heatmap = app.query_one(AttentionHeatmap)
            heatmap.set_matrix(*causal_attention(6), [f"t{i}" for i in range(6)])
            await pilot.pause()
            assert heatmap.header_lines == HEADER
            assert heatmap.render_line(HEADER).crop(0, GUTTER).text.strip() == "t0"

    asyncio.run(main())


def test_the_overview_shows_the_whole_matrix_as_block_maxima_with_the_view_outlined() -> None:
    tokens = 300
    weights, mask = causal_attention(tokens, seed=3)
    weights[250, 7] = 5.0  # one strong weight far out of view: the overview must still show it

    async def test(app: HeatmapApp, pilot: Pilot, heatmap: AttentionHeatmap) -> None:
        heatmap.set_matrix(weights, mask, [f"t{i}" for i in range(tokens)])
        await pilot.pause()
        window = heatmap.zoomed_window()
        assert (window.top, window.left) == (0, 0) and window.bottom < tokens and window.right < tokens
        await pilot.press("z")
        await pilot.pause()
        overview = heatmap.overview
        assert overview is not None and heatmap.header_lines == HEADER
        block = overview.block
        # Every row and column of the matrix fits: two block rows a line, one block column a cell.
        assert overview.lines <= heatmap.size.height - HEADER
        assert -(-tokens // block) <= heatmap.scrollable_content_region.width
        # Each block is the largest unmasked weight in it, at the heatmap's scale.
        row, col = 250 // block, 7 // block
        assert overview.levels[row, col] == 255
        assert overview.levels[0, 1] == -1  # the first block row's second block is all masked
        lines = [heatmap.render_line(y).text for y in range(heatmap.size.height)]
        assert "overview" in lines[0] and f"{block} × {block}" in lines[0]
        assert lines[HEADER][0] == "┌" and "┐" in lines[HEADER]
        # The cursor keys move the outlined part; z zooms in there.
        await pilot.press("G")
        await pilot.pause()
        moved = heatmap.zoomed_window()
        assert moved.bottom == tokens and moved.top > 0
        await pilot.press("z")
        await pilot.pause()
        assert heatmap.overview is None and heatmap.scroll_offset.y == moved.top
        assert heatmap.header_lines == HEADER + KEY_LABEL_LINES

    drive(test)


def test_a_japanese_message_breaks_at_phrases_never_before_a_full_stop() -> None:
    from tui.i18n.strings import UiStrings

    message = (
        UiStrings("ja").say("no tokens: type some text")
        + "。"
        + UiStrings("ja").say(
            "random weights: similarities are noise until a model is loaded (F6) or trained (F7)"
        )
    )

    async def main() -> None:
        app = HeatmapApp()
        app.strings = UiStrings("ja")
        async with app.run_test(size=(26, 12)) as pilot:  # 26 cells: Rich put "。" first on a line
            heatmap = app.query_one(AttentionHeatmap)
            heatmap.clear_matrix(message)
            assert heatmap.line_width == 26
            await pilot.pause()
            lines = [heatmap.render_line(y).text.strip() for y in range(heatmap.size.height)]
            shown = [line for line in lines if line]
            assert len(shown) >= 3 and "".join("".join(shown).split()) == "".join(message.split())
            assert not any(line[0] in "。、」）" for line in shown), shown

    asyncio.run(main())
