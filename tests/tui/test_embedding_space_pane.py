"""The embedding space pane: its labels and footnotes, and the pane in a headless app (the default
words a model's vocabulary gives, scatter labels that never overlap, a table that fits its width).

The maths (word vectors, cosine matrix, PCA) is tested in tests/engine/test_analysis_word_vectors.py.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Awaitable, Callable
from dataclasses import replace
from functools import cache

import numpy as np
import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

import tui.panes.embedding_space as embedding_space
from engine.analysis.word_vectors import Projection, cosine_matrix, pca_2d, word_vectors
from engine.pipeline.results import ModelInfo, PipelineResult
from engine.pipeline.run import run
from engine.settings import Settings
from engine.tokenize.registry import sample_text
from tui.i18n.strings import UiStrings
from tui.messages import TokenSelected
from tui.panes.embedding_space import (
    DEFAULT_WORDS,
    MARKER,
    MAX_WORDS,
    NOT_IN_VOCABULARY,
    RANDOM_CAPTION,
    EmbeddingSpacePane,
    WordScatter,
    footnotes,
    parse_words,
    word_label,
)

SPLIT_WORD = "unbelievability"
"""Two GPT-2 tokens: " unbeliev" + "ability"."""


@cache
def result(text: str = "hello", **settings: object) -> PipelineResult:
    """The pipeline's output on the CPU with random weights."""
    return run(text, Settings(device="cpu", **settings))  # type: ignore[arg-type]


def test_parse_words_drops_repeats_and_caps_the_count() -> None:
    assert parse_words("  king queen  king man ") == ("king", "queen", "man")
    assert len(parse_words(" ".join(f"w{i}" for i in range(30)))) == MAX_WORDS
    assert parse_words("") == ()


def test_split_words_are_starred_and_footnoted_with_visible_pieces() -> None:
    space = word_vectors(["king", SPLIT_WORD], result())
    assert word_label(space, SPLIT_WORD) == f"{SPLIT_WORD}*" and word_label(space, "king") == "king"
    assert footnotes(space) == [
        f"* {SPLIT_WORD}: split into 2 tokens (·unbeliev | ability): mean of their vectors"
    ]


def test_missing_words_are_footnoted() -> None:
    unk = word_vectors(["the", "zebra"], result("the", encoding="regex-unk"))
    assert footnotes(unk) == [NOT_IN_VOCABULARY.format(words="zebra")]


class PaneApp(App[None]):
    """Just the pane, recording every TokenSelected it posts."""

    def __init__(self) -> None:
        super().__init__()
        self.selected: list[int] = []
        self.strings = UiStrings("en")

    def compose(self) -> ComposeResult:
        yield EmbeddingSpacePane("waiting for text…")

    def on_token_selected(self, message: TokenSelected) -> None:
        self.selected.append(message.index)


def drive(
    test: Callable[[PaneApp, Pilot, EmbeddingSpacePane], Awaitable[None]], size: tuple[int, int] = (120, 36)
) -> None:
    """Run `test` inside a headless app of `size`."""

    async def main() -> None:
        app = PaneApp()
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await test(app, pilot, app.query_one(EmbeddingSpacePane))

    asyncio.run(main())


def screen_text(app: App[None]) -> str:
    """Everything on screen, as plain text (from the SVG screenshot)."""
    return html.unescape(app.export_screenshot()).replace("\xa0", " ")


def table_of(pane: EmbeddingSpacePane) -> DataTable:
    return pane.query_one(DataTable)


def column_labels(pane: EmbeddingSpacePane) -> list[str]:
    return [column.label.plain.strip() for column in table_of(pane).ordered_columns]


def row_labels(pane: EmbeddingSpacePane) -> list[str]:
    return [row.label.plain.strip() for row in table_of(pane).ordered_rows if row.label is not None]


def cells(pane: EmbeddingSpacePane) -> list[list[Text]]:
    table = table_of(pane)
    return [table.get_row_at(i) for i in range(table.row_count)]


async def submit(pilot: Pilot, pane: EmbeddingSpacePane, words: str) -> None:
    """Type `words` into the pane's input (replacing what is there) and press enter."""
    field = pane.query_one("#embedding-words", Input)
    field.focus()
    field.value = ""
    await pilot.press(*("space" if c == " " else c for c in words), "enter")
    await pilot.pause()


def test_the_pane_compares_the_default_words_on_random_weights() -> None:
    r = result()

    async def test(app: PaneApp, pilot: Pilot, pane: EmbeddingSpacePane) -> None:
        assert "waiting for text…" in screen_text(app)
        pane.show_result(r)
        await pilot.pause()
        words = DEFAULT_WORDS.split()
        assert column_labels(pane) == words and row_labels(pane) == words
        expected = cosine_matrix(r.embedded.token_table[[2068, 3049, 3105, 5822, 16599, 582, 2415]])
        rows = cells(pane)
        for i, row in enumerate(rows):
            assert [cell.plain.strip() for cell in row] == [f"{v:+.2f}" for v in expected[i]]
        assert rows[3][3].plain.strip() == "+1.00"
        # Coloured on the diverging palette: +1 dark blue, the text on it white.
        assert str(rows[0][0].style) == "#ffffff on #053061"
        text = screen_text(app)
        assert RANDOM_CAPTION in text
        assert "waiting for text…" not in text
        assert "queen" in text and "+1.00" in text
        heading = str(pane.query_one(".embedding-space--scatter .titled-plot--title").render())
        explained = pca_2d(pane.space.vectors).explained
        assert heading == f"PCA: {explained[0]:.0%} + {explained[1]:.0%} of variance"
        assert "•woman" in pane.query_one(".embedding-space--scatter PlotextPlot").render().plain

    drive(test)


def test_enter_in_the_input_compares_the_new_words() -> None:
    async def test(app: PaneApp, pilot: Pilot, pane: EmbeddingSpacePane) -> None:
        pane.show_result(result())
        await pilot.pause()
        await submit(pilot, pane, "cat dog cat bird")
        assert pane.words == ("cat", "dog", "bird")
        assert column_labels(pane) == ["cat", "dog", "bird"] == row_labels(pane)
        assert "woman" not in screen_text(app)
        await submit(pilot, pane, "sun moon")
        assert row_labels(pane) == ["sun", "moon"]
        assert "need at least 3 words for a scatter" in screen_text(app)
        await submit(pilot, pane, "")
        assert row_labels(pane) == [] and column_labels(pane) == []
        assert "no words to compare" in screen_text(app)
        assert app.selected == []

    drive(test)


def test_a_word_split_into_several_tokens_is_starred() -> None:
    async def test(app: PaneApp, pilot: Pilot, pane: EmbeddingSpacePane) -> None:
        pane.show_result(result())
        await submit(pilot, pane, f"king {SPLIT_WORD} queen")
        assert column_labels(pane) == ["king", f"{SPLIT_WORD}*", "queen"]
        text = screen_text(app)
        assert f"{SPLIT_WORD}*" in text
        assert "split into 2 tokens" in text and "mean of their vectors" in text

    drive(test)


def test_words_without_a_row_are_listed_and_skipped() -> None:
    async def test(app: PaneApp, pilot: Pilot, pane: EmbeddingSpacePane) -> None:
        pane.show_result(result("the", encoding="regex"))
        await submit(pilot, pane, "the zebra of")
        assert row_labels(pane) == ["the", "of"]
        assert NOT_IN_VOCABULARY.format(words="zebra") in screen_text(app)

    drive(test)


def test_work_is_redone_only_when_the_table_or_the_words_change(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, ...]] = []

    def counting(words, r):
        calls.append(tuple(words))
        return word_vectors(words, r)

    monkeypatch.setattr(embedding_space, "word_vectors", counting)

    async def test(app: PaneApp, pilot: Pilot, pane: EmbeddingSpacePane) -> None:
        first, edited = result("hello"), result("hello world")
        assert first.embedded.token_table is edited.embedded.token_table
        pane.show_result(first)
        pane.show_result(edited)
        pane.show_message("busy")
        pane.show_result(first)
        assert len(calls) == 1
        await submit(pilot, pane, "king queen man")
        await submit(pilot, pane, "king queen man")  # the same words again
        assert calls[1:] == [("king", "queen", "man")]
        pane.show_result(result("hello", dim=32))  # another table
        assert len(calls) == 3
        await pilot.pause()
        assert len(pane.space.vectors[0]) == 32

    drive(test)


def test_a_model_result_names_the_model_instead_of_the_random_caption() -> None:
    info = ModelInfo("tiny 2L·16d", "tiny from /tmp/x", "tiny", 100, 2, 2, 16, 64)
    r = replace(result(), model=info)

    async def test(app: PaneApp, pilot: Pilot, pane: EmbeddingSpacePane) -> None:
        pane.show_result(r)
        await pilot.pause()
        text = screen_text(app)
        assert "tiny 2L·16d: its trained token embedding" in text
        assert RANDOM_CAPTION not in text

    drive(test)


def test_messages_hide_the_data_and_select_token_only_stores() -> None:
    async def test(app: PaneApp, pilot: Pilot, pane: EmbeddingSpacePane) -> None:
        pane.show_result(result())
        pane.select_token(0)
        assert pane.selected_token == 0
        pane.show_message("tokenizer error: unknown word")
        await pilot.pause()
        text = screen_text(app)
        assert "tokenizer error: unknown word" in text
        assert RANDOM_CAPTION not in text
        assert "+1.00" not in text
        pane.show_result(result())
        await pilot.pause()
        assert "tokenizer error" not in screen_text(app)
        assert row_labels(pane) == DEFAULT_WORDS.split()
        assert app.selected == []

    drive(test)


def test_mono_mode_draws_plain_cells() -> None:
    async def test(app: PaneApp, pilot: Pilot, pane: EmbeddingSpacePane) -> None:
        pane.show_result(result())
        assert all(str(cell.style) for row in cells(pane) for cell in row)
        pane.set_palette("grays", mono=True)
        await pilot.pause()
        assert not any(str(cell.style) for row in cells(pane) for cell in row)
        assert cells(pane)[0][0].plain.strip() == "+1.00"
        pane.set_palette("viridis", mono=False)
        assert str(cells(pane)[0][0].style) == "#ffffff on #053061"

    drive(test)


def test_a_tiny_terminal_still_shows_the_table() -> None:
    async def test(app: PaneApp, pilot: Pilot, pane: EmbeddingSpacePane) -> None:
        pane.show_result(result())
        await pilot.pause()
        assert pane.has_class("-narrow")
        await submit(pilot, pane, f"king {SPLIT_WORD} queen man")
        text = screen_text(app)
        assert "random weights" in text and "+1.00" in text
        assert row_labels(pane) == ["king", f"{SPLIT_WORD}*", "queen", "man"]

    drive(test, size=(40, 12))


TINY = ModelInfo("tiny 4L·128d · 0.8M", "tiny from /tmp/x", "tiny", 200, 4, 4, 128, 64)
VOCABULARY_WORDS = ("the", "and", "that", "was", "not", "more", "said")
"""The sample text's most frequent whole words, as GPT-2 numbers them (see the engine's tests)."""


def tiny_model_result() -> PipelineResult:
    """The random-weights result with the compact table of a tiny model trained on the sample text."""
    r = result()
    ids = np.unique(r.tokenizer.encode(sample_text()))
    table = r.embedded.token_table[: len(ids) + 1]
    embedded = replace(r.embedded, token_table=table, table_ids=np.append(ids, -1))
    return replace(r, embedded=embedded, model=TINY)


def test_a_tiny_model_compares_words_of_its_own_vocabulary_until_the_user_types_some() -> None:
    tiny = tiny_model_result()

    async def test(app: PaneApp, pilot: Pilot, pane: EmbeddingSpacePane) -> None:
        field = pane.query_one("#embedding-words", Input)
        pane.show_result(tiny)
        await pilot.pause()
        assert pane.words == VOCABULARY_WORDS == pane.space.words and pane.space.missing == ()
        assert column_labels(pane) == list(VOCABULARY_WORDS) and field.value == " ".join(VOCABULARY_WORDS)
        note = f"words from {TINY.name}'s own vocabulary"
        assert note in screen_text(app)
        pane.show_result(result())  # back to GPT-2's whole vocabulary: the classic words again
        await pilot.pause()
        assert pane.words == parse_words(DEFAULT_WORDS) and field.value == DEFAULT_WORDS
        assert note not in screen_text(app)
        await submit(pilot, pane, "king queen man")
        pane.show_result(tiny)  # typed words stay, even where the model lacks them
        await pilot.pause()
        assert pane.words == ("king", "queen", "man") and field.value == "king queen man"
        text = screen_text(app)
        assert note not in text and NOT_IN_VOCABULARY.format(words="king, queen, man") in text

    drive(test)


def test_scatter_labels_of_close_points_never_overlap_on_screen(monkeypatch: pytest.MonkeyPatch) -> None:
    words = "fog gats queen woman man king cat dog"
    rng = np.random.default_rng(2)
    coords = np.vstack([rng.normal(size=(7, 2)) * 0.01, [[1.0, 1.0]]])  # seven points almost together
    monkeypatch.setattr(
        embedding_space, "pca_2d", lambda v: Projection(coords[: len(v)], np.array([0.5, 0.2]))
    )

    async def test(app: PaneApp, pilot: Pilot, pane: EmbeddingSpacePane) -> None:
        pane.show_result(result())
        await submit(pilot, pane, words)
        await pilot.pause()
        plot = pane.query_one(WordScatter)
        lines = plot.render().plain.split("\n")
        placement = plot.placement
        assert placement is not None and len(placement.points) == 8
        grid = {(c, r): lines[r + 1][c + 1] for r in range(len(lines) - 2) for c in range(len(lines[0]) - 2)}
        labels: dict[tuple[int, int], int] = {}
        for i, place in enumerate(placement.labels):
            assert place is not None, f"{words.split()[i]} has no label"
            col, row, text = place
            for k, char in enumerate(text):
                assert labels.setdefault((col + k, row), i) == i, "two labels share a cell"
                assert grid[col + k, row] == char  # drawn as placed: nothing wrote over it
        for point in placement.points:
            assert point not in labels and grid[point] == MARKER  # every point shows, none covered
        for i in placement.numbered:  # listed under the plot
            assert placement.labels[i][2] == str(i + 1)
            assert f"{i + 1} {words.split()[i]}" in screen_text(app)
        assert placement.numbered and placement.labels[7][2] == "dog"

    drive(test)


def test_ten_words_show_every_column_at_120_columns() -> None:
    words = "quick fast slow king queen man woman apple banana orange"

    async def test(app: PaneApp, pilot: Pilot, pane: EmbeddingSpacePane) -> None:
        pane.show_result(result())
        await submit(pilot, pane, words)
        await pilot.pause()
        table = table_of(pane)
        assert len(table.ordered_columns) == 10 and table.row_count == 10
        assert table.max_scroll_x == 0 and table.virtual_size.width <= table.scrollable_content_region.width
        text = screen_text(app)
        for word, header in zip(words.split(), column_labels(pane), strict=True):
            assert header == word or (header.endswith("…") and word.startswith(header[:-1]))
            assert header in text
        assert all(cell.plain.strip() in text for cell in cells(pane)[9])  # the last row, every column

    drive(test, size=(120, 40))
