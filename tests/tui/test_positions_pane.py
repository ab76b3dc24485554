"""The positions pane: which dimensions it plots, and the pane in a headless app.

The maths it draws (sinusoids, the √d comparison) is tested in tests/engine/test_analysis_*.py.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Awaitable, Callable
from functools import cache

import numpy as np
import pytest
from rich.style import Style
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from engine.analysis.scaling import scaling_comparison
from engine.analysis.sinusoids import sinusoidal_table
from engine.pipeline.results import PipelineResult
from engine.pipeline.run import run
from engine.settings import Settings
from tui.i18n.strings import UiStrings
from tui.messages import TokenSelected
from tui.panes.positions import (
    MONO_MARKERS,
    WINDOW,
    PositionsPane,
    TitledPlot,
    plotted_dims,
)

TEXT = "The quick brown fox jumps over the lazy dog."
"""Ten GPT-2 tokens: fewer than WINDOW, so the sinusoidal plot runs on past the text."""
LONG_TEXT = "one two three " * 70
"""More tokens than WINDOW, so the position plot shows a window around the selection."""


@cache
def result(text: str = TEXT, **settings: object) -> PipelineResult:
    """The pipeline's output on the CPU (dim 16, 2 heads: head size 8 by default)."""
    return run(text, Settings(device="cpu", **settings))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("dim", "dims"),
    [(1, [0]), (2, [0, 1]), (4, [0, 1, 2, 3]), (16, [0, 1, 2, 3, 8]), (768, [0, 1, 2, 3, 384])],
)
def test_plotted_dims(dim: int, dims: list[int]) -> None:
    assert plotted_dims(dim) == dims


class PaneApp(App[None]):
    """Just the pane, recording every TokenSelected it posts."""

    def __init__(self) -> None:
        super().__init__()
        self.selected: list[int] = []
        self.strings = UiStrings("en")  # what the panes say things with, as the app has it

    def compose(self) -> ComposeResult:
        yield PositionsPane("waiting for text…")

    def on_token_selected(self, message: TokenSelected) -> None:
        self.selected.append(message.index)


def drive(
    test: Callable[[PaneApp, Pilot, PositionsPane], Awaitable[None]],
    size: tuple[int, int] = (100, 30),
) -> None:
    """Run `test` inside a headless app of `size` with the pane focused."""

    async def main() -> None:
        app = PaneApp()
        async with app.run_test(size=size) as pilot:
            pane = app.query_one(PositionsPane)
            pane.focus()
            await pilot.pause()
            await test(app, pilot, pane)

    asyncio.run(main())


def encodings(pane: PositionsPane) -> TitledPlot:
    return pane.query_one(".positions-pane--encodings", TitledPlot)


def scaling(pane: PositionsPane) -> TitledPlot:
    return pane.query_one(".positions-pane--scaling", TitledPlot)


def labels(titled: TitledPlot) -> list[str]:
    """The legend entries of a plot (plotext keeps a label per drawn series, None for most bars)."""
    return [label for label in titled.plot.plt.monitor.label if label]


def screen_text(app: App[None]) -> str:
    """Everything on screen, as plain text (from the SVG screenshot)."""
    return html.unescape(app.export_screenshot()).replace("\xa0", " ")


@pytest.mark.parametrize("size", [(100, 30), (40, 12)])
def test_the_pane_plots_a_result_at_any_size(size: tuple[int, int]) -> None:
    r = result()
    comparison = scaling_comparison(r, r.n_used - 1)
    unscaled, scaled = comparison.unscaled, comparison.scaled
    scaling_title = f"Why ÷√d? max {unscaled.max():.2f} unscaled vs {scaled.max():.2f} scaled"

    async def test(app: PaneApp, pilot: Pilot, pane: PositionsPane) -> None:
        assert "waiting for text…" in screen_text(app)
        assert not encodings(pane).display
        pane.show_result(r)
        await pilot.pause()
        assert encodings(pane).display and scaling(pane).display
        assert pane.has_class("-narrow") == (size[0] < 80)
        for titled in (encodings(pane), scaling(pane)):
            assert titled.plot.size.width > 0 and titled.plot.size.height > 0
            assert titled.plot.render().plain.strip()
        assert labels(encodings(pane)) == [
            "dim 0 (sin)",
            "dim 1 (cos)",
            "dim 2 (sin)",
            "dim 3 (cos)",
            "dim 8 (sin)",
        ]
        assert labels(scaling(pane)) == ["unscaled", "scaled"]
        # Ten tokens: the waves run on to WINDOW positions, the same numbers as the engine's.
        monitor = encodings(pane).plot.plt.monitor
        assert monitor.x[0] == list(range(WINDOW))
        np.testing.assert_allclose(monitor.y[0][: r.n_used], r.embedded.sinusoidal_positions[:, 0])
        np.testing.assert_allclose(monitor.y[4], sinusoidal_table(WINDOW, 16)[:, 8], atol=1e-6)
        assert monitor.vcoord[0] == [r.n_used - 1]
        text = screen_text(app)
        assert "Sinusoidal position encodings" in text
        assert "waiting for text…" not in text
        assert str(scaling(pane).heading.content) == scaling_title
        if size == (100, 30):
            assert scaling_title in text
            assert "dim 8 (sin)" in encodings(pane).plot.render().plain
        else:
            assert "Why ÷√d? max" in text  # the rest is cut with "…"

    drive(test, size)


def test_w_switches_to_learned_positions_and_back() -> None:
    r = result()

    async def test(app: PaneApp, pilot: Pilot, pane: PositionsPane) -> None:
        pane.show_result(r)
        await pilot.press("w")
        assert pane.kind == "learned"
        assert "learned" in str(encodings(pane).heading.content).lower()
        assert "Learned positions" in screen_text(app)
        assert labels(encodings(pane)) == ["dim 0", "dim 1", "dim 2", "dim 3", "dim 8"]
        # Learned rows exist only for the text's tokens.
        monitor = encodings(pane).plot.plt.monitor
        assert monitor.x[0] == list(range(r.n_used))
        np.testing.assert_allclose(monitor.y[1], r.embedded.learned_positions[:, 1])
        await pilot.press("w")
        assert pane.kind == "sinusoidal"
        assert "Sinusoidal position encodings" in screen_text(app)
        assert app.selected == []

    drive(test)


def test_select_token_moves_the_marker_and_the_query_without_posting() -> None:
    r = result()

    async def test(app: PaneApp, pilot: Pilot, pane: PositionsPane) -> None:
        pane.show_result(r)
        pane.select_token(3)
        await pilot.pause()
        assert encodings(pane).plot.plt.monitor.vcoord[0] == [3]
        comparison = scaling_comparison(r, 3)
        unscaled, scaled = comparison.unscaled, comparison.scaled
        assert str(scaling(pane).heading.content).endswith(
            f"max {unscaled.max():.2f} unscaled vs {scaled.max():.2f} scaled"
        )
        assert "key (query 3, head 0, d=8)" in screen_text(app)
        pane.select_token(None)
        assert pane.query_token == r.n_used - 1
        await pilot.pause()
        assert app.selected == []

    drive(test)


def test_arrow_keys_select_neighbouring_tokens() -> None:
    r = result()
    last = r.n_used - 1

    async def test(app: PaneApp, pilot: Pilot, pane: PositionsPane) -> None:
        pane.show_result(r)
        # With no selection the last token is the query; left steps back from it.
        await pilot.press("left", "h", "right")
        assert pane.query_token == last - 1
        await pilot.press("l", "right")  # the second press is at the end: nothing to post
        pane.select_token(1)
        await pilot.press("h", "left", "h")
        await pilot.pause()
        assert app.selected == [last - 1, last - 2, last - 1, last, 0]
        assert encodings(pane).plot.plt.monitor.vcoord[0] == [0]
        assert "query 0," in str(scaling(pane).plot.plt.monitor.xlabel[0])
        assert "query 0 sees only itself" in str(scaling(pane).heading.content)

    drive(test)


def test_messages_hide_the_plots_and_results_bring_them_back() -> None:
    async def test(app: PaneApp, pilot: Pilot, pane: PositionsPane) -> None:
        pane.show_result(result())
        await pilot.pause()
        pane.show_message("tokenizer error: unknown word")
        await pilot.pause()
        assert not encodings(pane).display and not scaling(pane).display
        assert "tokenizer error: unknown word" in screen_text(app)
        pane.select_token(2)
        await pilot.press("left", "w")
        assert app.selected == []
        pane.show_result(result(""))
        await pilot.pause()
        assert "No tokens" in screen_text(app)
        pane.show_result(result())
        await pilot.pause()
        assert encodings(pane).display
        assert "tokenizer error" not in screen_text(app)
        assert "Learned positions" in screen_text(app)  # `w` above still took effect

    drive(test)


def test_results_keep_the_selection_while_the_text_has_that_token() -> None:
    async def test(app: PaneApp, pilot: Pilot, pane: PositionsPane) -> None:
        pane.select_token(5)
        pane.show_result(result())
        assert pane.query_token == 5
        pane.show_result(result("a b c"))
        assert pane.query_token == 2
        pane.show_result(result())
        assert pane.query_token == result().n_used - 1  # the selection was dropped
        # Past the context the last attended token is the query.
        pane.select_token(9)
        pane.show_result(result(context=4))
        assert pane.query_token == 3
        await pilot.pause()
        assert encodings(pane).plot.plt.monitor.vcoord[0] == [3]

    drive(test)


def test_a_long_text_shows_a_window_of_positions_and_points_for_attention() -> None:
    r = result(LONG_TEXT)
    assert r.n_used > 3 * WINDOW

    async def test(app: PaneApp, pilot: Pilot, pane: PositionsPane) -> None:
        pane.show_result(r)
        pane.select_token(150)
        await pilot.pause()
        monitor = encodings(pane).plot.plt.monitor
        assert monitor.x[0] == list(range(150 - WINDOW // 2, 150 + WINDOW // 2))
        np.testing.assert_allclose(monitor.y[2], r.embedded.sinusoidal_positions[118:182, 2])
        assert monitor.vcoord[0] == [150]
        # 151 keys: two series of points, not hundreds of bars.
        points = scaling(pane).plot.plt.monitor
        assert points.label == ["unscaled", "scaled"]
        assert points.x == [list(range(151))] * 2
        pane.select_token(r.n_used - 1)
        assert encodings(pane).plot.plt.monitor.x[0][-1] == r.n_used - 1
        await pilot.pause()
        assert encodings(pane).plot.render().plain.strip()

    drive(test)


def test_mono_mode_has_no_colours_and_tells_series_apart_by_marker() -> None:
    def colours(titled: TitledPlot) -> set[Style]:
        styles = (span.style for span in titled.plot.render().spans)
        return {s for s in styles if isinstance(s, Style) and (s.color or s.bgcolor)}

    async def test(app: PaneApp, pilot: Pilot, pane: PositionsPane) -> None:
        pane.show_result(result())
        await pilot.pause()
        assert colours(encodings(pane)) and colours(scaling(pane))
        pane.set_palette("grays", mono=True)
        await pilot.pause()
        assert not colours(encodings(pane)) and not colours(scaling(pane))
        markers = [series[0] for series in encodings(pane).plot.plt.monitor.marker]
        assert markers == list(MONO_MARKERS)
        assert set(encodings(pane).plot.render().plain) >= set(MONO_MARKERS)
        bars = {marker[0] for marker in scaling(pane).plot.plt.monitor.marker}
        assert {"█", "░"} <= bars
        pane.set_palette("viridis", mono=False)
        await pilot.pause()
        assert colours(encodings(pane))

    drive(test)
