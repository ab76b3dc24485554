"""engine.analysis.word_vectors: word lookup in the token table, cosine matrix, 2-D PCA, the default
words, and fitting the picture to the screen (scatter labels, similarity columns)."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import numpy as np
import pytest
import torch

from engine.analysis.word_vectors import (
    DefaultWords,
    LabelPlacement,
    cell_width,
    cosine_matrix,
    default_words,
    fitted,
    pca_2d,
    place_labels,
    vocabulary_words,
    word_vectors,
)
from engine.pipeline.results import PipelineResult
from engine.pipeline.run import run
from engine.settings import Settings
from engine.tokenize.registry import sample_text

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


def test_cosine_matrix_equals_torch_cosine_similarity() -> None:
    vectors = np.random.default_rng(0).normal(size=(9, 32)).astype(np.float32)
    cosine = cosine_matrix(vectors)
    assert cosine.shape == (9, 9) and cosine.dtype == np.float64
    t = torch.from_numpy(vectors).double()
    reference = torch.nn.functional.cosine_similarity(t[:, None, :], t[None, :, :], dim=-1).numpy()
    np.testing.assert_allclose(cosine, reference, atol=1e-12)
    np.testing.assert_allclose(cosine, cosine.T)
    np.testing.assert_allclose(np.diag(cosine), 1.0)
    assert np.all(np.abs(cosine) <= 1.0)


def test_cosine_matrix_of_parallel_vectors_is_clipped_to_one() -> None:
    # 3·v and v: rounding can give 1.0000000000000002 before the clip.
    v = np.array([0.1, 0.7, 0.3])
    cosine = cosine_matrix(np.stack([v, 3 * v, -7 * v]))
    assert cosine.max() <= 1.0 and cosine.min() >= -1.0
    np.testing.assert_allclose(cosine, [[1, 1, -1], [1, 1, -1], [-1, -1, 1]], atol=1e-15)


def test_pca_2d_matches_the_covariance_eigenvectors() -> None:
    # The reference: eigenvectors of the covariance matrix (numpy's eigh, no SVD), signed like
    # pca_2d (each axis's largest |coordinate| positive), and eigenvalues over their sum.
    rng = np.random.default_rng(3)
    points = rng.normal(size=(20, 6)) * [4.0, 3.0, 1.0, 0.5, 0.2, 0.1] + rng.normal(size=6)
    projection = pca_2d(points)
    centred = points - points.mean(axis=0)
    eigenvalues, eigenvectors = np.linalg.eigh(np.cov(centred, rowvar=False))
    order = np.argsort(eigenvalues)[::-1]
    reference = centred @ eigenvectors[:, order[:2]]
    for axis in range(2):
        column = reference[:, axis]
        if column[np.argmax(np.abs(column))] < 0:
            reference[:, axis] = -column
    np.testing.assert_allclose(projection.coords, reference, atol=1e-9)
    np.testing.assert_allclose(projection.explained, eigenvalues[order[:2]] / eigenvalues.sum(), rtol=1e-9)
    for axis in range(2):
        column = projection.coords[:, axis]
        assert column[np.argmax(np.abs(column))] > 0


def test_pca_2d_of_points_on_a_line_puts_them_on_the_first_axis() -> None:
    direction = np.array([3.0, -4.0]) / 5
    steps = np.array([-2.0, -1.0, 0.5, 4.0])
    projection = pca_2d(steps[:, None] * direction + [10.0, 10.0])
    mean = steps.mean()
    np.testing.assert_allclose(projection.coords[:, 0], steps - mean, atol=1e-12)  # 4 - mean is largest
    np.testing.assert_allclose(projection.coords[:, 1], 0.0, atol=1e-12)
    np.testing.assert_allclose(projection.explained, [1.0, 0.0], atol=1e-12)


def test_pca_2d_recovers_points_on_a_plane() -> None:
    rng = np.random.default_rng(1)
    plane = np.linalg.qr(rng.normal(size=(10, 2)))[0].T  # (2, 10) orthonormal rows
    flat = rng.normal(size=(15, 2)) * [5.0, 2.0]
    points = flat @ plane + rng.normal(size=10)  # (15, 10): a tilted, shifted plane
    projection = pca_2d(points)
    coords, explained = projection.coords, projection.explained
    assert coords.shape == (15, 2) and explained.shape == (2,)
    assert explained.sum() == pytest.approx(1.0)
    assert explained[0] >= explained[1] > 0

    # Projecting onto the plane keeps every distance.
    def distances(x: np.ndarray) -> np.ndarray:
        return np.linalg.norm(x[:, None] - x[None], axis=-1)

    np.testing.assert_allclose(distances(coords), distances(points), atol=1e-9)


def test_pca_2d_with_few_or_identical_points() -> None:
    for n in (0, 1, 2):
        projection = pca_2d(np.arange(n * 4, dtype=np.float32).reshape(n, 4) ** 2)
        assert projection.coords.shape == (n, 2)
        assert not np.isnan(projection.coords).any() and not np.isnan(projection.explained).any()
    np.testing.assert_array_equal(pca_2d(np.ones((5, 3))).explained, [0.0, 0.0])
    projection = pca_2d(np.array([[0.0], [1.0], [3.0]]))  # one dimension: the second axis is empty
    np.testing.assert_allclose(projection.explained, [1.0, 0.0])
    np.testing.assert_allclose(projection.coords[:, 1], 0.0)


def test_word_vectors_are_table_rows_or_the_mean_of_them() -> None:
    r = result()
    space = word_vectors(["king", SPLIT_WORD, "king"], r)
    table = r.embedded.token_table
    assert space.words == ("king", SPLIT_WORD, "king") and space.missing == ()
    np.testing.assert_allclose(space.vectors[0], table[5822])  # GPT-2's " king"
    np.testing.assert_allclose(space.vectors[1], table[[20554, 1799]].mean(axis=0), rtol=1e-6)
    assert space.splits == {SPLIT_WORD: (" unbeliev", "ability")}  # the tokens' own text


def test_word_vectors_list_words_with_no_row() -> None:
    strict = word_vectors(["the", "zebra", "<|endoftext|>"], result("the", encoding="regex"))
    assert strict.words == ("the",) and strict.missing == ("zebra", "<|endoftext|>")
    unk = word_vectors(["the", "zebra"], result("the", encoding="regex-unk"))
    assert unk.words == ("the",) and unk.missing == ("zebra",)
    # A model with a compact vocabulary: rows only for " king" and " queen" (and <|unk|>).
    r = result()
    compact = replace(r, embedded=replace(r.embedded, table_ids=np.array([5822, 16599, -1])))
    space = word_vectors(["queen", "man", "king"], compact)
    assert space.words == ("queen", "king") and space.missing == ("man",)
    np.testing.assert_allclose(space.vectors, r.embedded.token_table[[1, 0]])


def test_word_vectors_of_no_words_keep_the_table_width() -> None:
    space = word_vectors([], result(dim=32))
    assert space.words == () and space.vectors.shape == (0, 32) and space.splits == {}


CLASSIC = ("quick", "fast", "slow", "king", "queen", "man", "woman")


def tiny_model_result() -> PipelineResult:
    """A result whose table has rows only for the sample text's GPT-2 ids (and <|unk|>), as the
    tiny model F7 trains has (engine.nn.loaded_model.IdMap)."""
    r = result()
    ids = np.unique(r.tokenizer.encode(sample_text()))
    table = r.embedded.token_table[: len(ids) + 1]
    return replace(r, embedded=replace(r.embedded, token_table=table, table_ids=np.append(ids, -1)))


def test_default_words_keep_the_classic_list_where_the_vocabulary_has_it() -> None:
    assert default_words(CLASSIC, result()) == DefaultWords(CLASSIC, from_vocabulary=False)


def test_default_words_of_a_compact_vocabulary_are_its_own_most_frequent_words() -> None:
    r = tiny_model_result()
    assert word_vectors(CLASSIC, r).words == ()  # every classic word is out of its vocabulary
    chosen = default_words(CLASSIC, r)
    # Lowest GPT-2 ids first (BPE merge order: the most frequent), three letters or more.
    assert chosen == DefaultWords(("the", "and", "that", "was", "not", "more", "said"), from_vocabulary=True)
    space = word_vectors(chosen.words, r)
    assert space.words == chosen.words and space.splits == {} and space.missing == ()
    text = sample_text()
    assert all(f" {word}" in text for word in chosen.words)
    assert default_words(CLASSIC, tiny_model_result()) == chosen  # the same every time


def test_default_words_of_a_word_vocabulary_are_distinct_whole_words() -> None:
    r = result("the", encoding="regex")
    chosen = default_words(CLASSIC, r)
    assert chosen.from_vocabulary and len(chosen.words) == 7
    assert len({word.lower() for word in chosen.words}) == 7
    assert all(word.isalpha() and len(word) >= 3 for word in chosen.words)
    assert word_vectors(chosen.words, r).words == chosen.words


def test_a_vocabulary_without_whole_words_keeps_the_classic_list() -> None:
    r = result()
    punctuation = replace(r, embedded=replace(r.embedded, table_ids=np.array([11, 13, -1])))  # "," "."
    assert vocabulary_words(punctuation) == ()
    assert default_words(CLASSIC, punctuation) == DefaultWords(CLASSIC, from_vocabulary=False)


def label_cells(placement: LabelPlacement) -> list[set[tuple[int, int]]]:
    return [
        set() if place is None else {(c, place[1]) for c in range(place[0], place[0] + len(place[2]))}
        for place in placement.labels
    ]


def assert_apart(placement: LabelPlacement, labels: list[str], width: int, height: int) -> None:
    """No two labels share a cell or touch on a row, no label covers a point, all on the grid, and
    each label is the word, a cut of it, or its number."""
    cells = label_cells(placement)
    points = set(placement.points)
    for i, (own, place) in enumerate(zip(cells, placement.labels, strict=True)):
        assert all(0 <= c < width and 0 <= r < height for c, r in own)
        assert not own & points, f"label {i} covers a point"
        for j, other in enumerate(cells[:i]):
            widened = {(c + d, r) for c, r in other for d in (-1, 0, 1)}
            assert not own & widened, f"labels {j} and {i} overlap or touch"
        if place is None:
            assert i in placement.unlabelled
        elif i in placement.numbered:
            assert place[2] == str(i + 1)
        else:
            text = place[2]
            assert text == labels[i] or (text.endswith("…") and labels[i].startswith(text[:-1]))


def test_labels_of_close_points_never_overlap() -> None:
    labels = ["fog", "gats", "queen", "woman", "man", "king", "q", "unbelievability*"]
    rng = np.random.default_rng(5)
    cluster = rng.normal(size=(len(labels) - 1, 2)) * 0.01  # seven points within a cell or two
    coords = np.vstack([cluster, [[1.0, 1.0]]])
    for width, height in ((40, 12), (20, 6), (6, 3), (2, 2)):
        placement = place_labels(coords, labels, width, height)
        assert len(placement.points) == len(labels)
        assert_apart(placement, labels, width, height)
    roomy = place_labels(coords, labels, 40, 12)
    assert roomy.unlabelled == () and roomy.numbered  # all labelled, some of them by number
    assert roomy.labels[-1] == (20, 1, "unbelievability*")  # the lone point's label is whole (left of it)


def test_labels_of_spread_points_are_whole_and_right_of_them() -> None:
    coords = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0], [0.5, 0.5]])
    labels = ["a", "bb", "ccc", "dddd", "eeeee"]
    placement = place_labels(coords, labels, 30, 9)
    # A tenth of the range kept free each side; y up, rows down.
    assert placement.points == ((2, 7), (27, 1), (2, 1), (27, 7), (14, 4))
    assert placement.labels[0] == (3, 7, "a") and placement.labels[2] == (3, 1, "ccc")
    assert placement.labels[1] == (28, 1, "bb") and placement.labels[3] == (23, 7, "dddd")  # left at the edge
    assert placement.numbered == placement.unlabelled == ()
    assert_apart(placement, labels, 30, 9)
    same = place_labels(np.zeros((3, 2)), ["x", "y", "z"], 9, 3)  # one point for all three
    assert set(same.points) == {(4, 1)}
    assert_apart(same, ["x", "y", "z"], 9, 3)


def test_similarity_columns_narrow_to_fit_and_cut_their_headers() -> None:
    ten = ["quick", "fast", "slow", "king", "queen", "man", "woman", "apple", "banana", "orange"]
    assert cell_width(ten, 0) == cell_width(ten, 500) == 8  # " banana "
    assert cell_width(ten, 72) == 6  # 72 = 6 (row labels) + 2 (scrollbar) + 10 × 6
    assert cell_width(ten, 20) == 6  # never narrower than " +0.83"
    assert cell_width(["a", "b"], 100) == 7
    assert fitted("+0.83", 7) == " +0.83 " and fitted("+0.83", 6) == " +0.83"
    assert fitted("banana", 6) == " bana…" and fitted("banana", 8) == " banana "
