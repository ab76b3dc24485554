"""The embedding space pane: its numpy helpers, the word lookup, and the pane in a headless app."""

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
from engine.pipeline.results import ModelInfo, PipelineResult
from engine.pipeline.run import run
from engine.settings import Settings
from tui.messages import TokenSelected
from tui.panes.embedding_space import (
    DEFAULT_WORDS,
    MAX_WORDS,
    NOT_IN_VOCABULARY,
    RANDOM_CAPTION,
    EmbeddingSpacePane,
    cosine_matrix,
    parse_words,
    pca_2d,
    word_vectors,
)

SPLIT_WORD = "unbelievability"
"""Two GPT-2 tokens: " unbeliev" + "ability"."""


@cache
def result(text: str = "hello", **settings: object) -> PipelineResult:
    """The pipeline's output on the CPU with random weights."""
    return run(text, Settings(device="cpu", **settings))  # type: ignore[arg-type]


def test_cosine_matrix_matches_a_hand_computation() -> None:
    vectors = np.array([[1.0, 0.0], [1.0, 1.0], [-2.0, 0.0], [0.0, 3.0], [0.0, 0.0]])
    r = 1 / np.sqrt(2)
    expected = np.array(
        [
            [1, r, -1, 0, 0],
            [r, 1, -r, r, 0],
            [-1, -r, 1, 0, 0],
            [0, r, 0, 1, 0],
            [0, 0, 0, 0, 0],  # the zero vector: 0 everywhere, not NaN
        ]
    )
    np.testing.assert_allclose(cosine_matrix(vectors), expected, atol=1e-12)


def test_cosine_matrix_is_symmetric_with_ones_on_the_diagonal() -> None:
    vectors = np.random.default_rng(0).normal(size=(9, 32)).astype(np.float32)
    cosine = cosine_matrix(vectors)
    assert cosine.shape == (9, 9)
    np.testing.assert_allclose(cosine, cosine.T)
    np.testing.assert_allclose(np.diag(cosine), 1.0)
    assert np.all(np.abs(cosine) <= 1.0)
    a, b = vectors[2].astype(np.float64), vectors[7].astype(np.float64)
    assert cosine[2, 7] == pytest.approx(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_pca_2d_recovers_points_on_a_plane() -> None:
    rng = np.random.default_rng(1)
    plane = np.linalg.qr(rng.normal(size=(10, 2)))[0].T  # (2, 10) orthonormal rows
    flat = rng.normal(size=(15, 2)) * [5.0, 2.0]
    points = flat @ plane + rng.normal(size=10)  # (15, 10): a tilted, shifted plane
    coords, explained = pca_2d(points)
    assert coords.shape == (15, 2) and explained.shape == (2,)
    assert explained.sum() == pytest.approx(1.0)
    assert explained[0] >= explained[1] > 0

    # Projecting onto the plane keeps every distance.
    def distances(x: np.ndarray) -> np.ndarray:
        return np.linalg.norm(x[:, None] - x[None], axis=-1)

    np.testing.assert_allclose(distances(coords), distances(points), atol=1e-9)


def test_pca_2d_with_few_or_identical_points() -> None:
    for n in (0, 1, 2):
        coords, explained = pca_2d(np.arange(n * 4, dtype=np.float32).reshape(n, 4) ** 2)
        assert coords.shape == (n, 2) and not np.isnan(coords).any() and not np.isnan(explained).any()
    _, explained = pca_2d(np.ones((5, 3)))
    np.testing.assert_array_equal(explained, [0.0, 0.0])
    coords, explained = pca_2d(np.array([[0.0], [1.0], [3.0]]))  # one dimension: the second axis is empty
    np.testing.assert_allclose(explained, [1.0, 0.0])
    np.testing.assert_allclose(coords[:, 1], 0.0)


def test_parse_words_drops_repeats_and_caps_the_count() -> None:
    assert parse_words("  king queen  king man ") == ("king", "queen", "man")
    assert len(parse_words(" ".join(f"w{i}" for i in range(30)))) == MAX_WORDS
    assert parse_words("") == ()


def test_word_vectors_are_table_rows_or_the_mean_of_them() -> None:
    r = result()
    space = word_vectors(["king", SPLIT_WORD, "king"], r)
    table = r.embedded.token_table
    assert space.words == ("king", SPLIT_WORD, "king") and space.missing == ()
    np.testing.assert_allclose(space.vectors[0], table[5822])  # GPT-2's " king"
    np.testing.assert_allclose(space.vectors[1], table[[20554, 1799]].mean(axis=0), rtol=1e-6)
    assert space.splits == {SPLIT_WORD: ("·unbeliev", "ability")}
    assert space.label(SPLIT_WORD) == f"{SPLIT_WORD}*" and space.label("king") == "king"


def test_word_vectors_list_words_with_no_row() -> None:
    strict = word_vectors(["the", "zebra", "<|endoftext|>"], result("the", encoding="regex"))
    assert strict.words == ("the",) and strict.missing == ("zebra", "<|endoftext|>")
    unk = word_vectors(["the", "zebra"], result("the", encoding="regex-unk"))
    assert unk.words == ("the",) and unk.missing == ("zebra",)
    assert unk.footnotes() == [f"{NOT_IN_VOCABULARY}: zebra"]
    # A model with a compact vocabulary: rows only for " king" and " queen" (and <|unk|>).
    r = result()
    compact = replace(r, embedded=replace(r.embedded, table_ids=np.array([5822, 16599, -1])))
    space = word_vectors(["queen", "man", "king"], compact)
    assert space.words == ("queen", "king") and space.missing == ("man",)
    np.testing.assert_allclose(space.vectors, r.embedded.token_table[[1, 0]])


class PaneApp(App[None]):
    """Just the pane, recording every TokenSelected it posts."""

    def __init__(self) -> None:
        super().__init__()
        self.selected: list[int] = []

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
        _, explained = pca_2d(pane.space.vectors)
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
        assert f"{NOT_IN_VOCABULARY}: zebra" in screen_text(app)

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
