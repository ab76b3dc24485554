"""The pipeline on a worked example: the result every pane reads, made of the example's vectors
and the book's attention, with the example's words as tokens."""

from __future__ import annotations

import numpy as np
import pytest

from engine.analysis.cell import cell_arithmetic
from engine.errors import SettingsError, UserError
from engine.examples import example
from engine.nn.book_attention import book_attention
from engine.pipeline.run import run
from engine.settings import Settings


def test_an_example_run_is_the_books_attention_over_its_vectors():
    settings = Settings(example="journey", causal=False, scaled=False)
    result = run(example("journey").text, settings)
    assert result.tokens.pieces == ("Your", "journey", "starts", "with", "one", "step")
    assert result.example.name == "journey" and result.model is None and result.next_token is None
    np.testing.assert_array_equal(result.embedded.input_vectors, example("journey").vectors)
    assert result.embedded.positions == "none" and not result.embedded.added_positions.any()
    np.testing.assert_allclose(
        result.attention.weights[0, 1], [0.1385, 0.2379, 0.2333, 0.1240, 0.1082, 0.1581], atol=5e-5
    )
    assert not result.attention.mask.any()
    assert (result.settings.dim, result.settings.heads) == (3, 1)


def test_retyped_words_are_looked_up_and_unknown_ones_left_out_with_a_note():
    result = run("step one Your foo journey bar", Settings(example="journey"))
    assert result.tokens.pieces == ("step", "one", "Your", "journey")
    assert result.tokens.ids.tolist() == [5, 4, 0, 1]
    assert any("'foo', 'bar' left out" in note for note in result.notes)
    expected = book_attention(example("journey").vectors[[5, 4, 0, 1]], causal=True, scaled=True)
    np.testing.assert_allclose(result.attention.weights, expected.weights, atol=1e-7)
    assert run("", Settings(example="journey")).n_used == 0


def test_the_one_hot_example_has_its_vocabulary_as_the_table():
    result = run("this is world", Settings(example="hello-world"))
    assert result.tokens.ids.tolist() == [2, 3, 1]
    assert result.tokens.vocab_size == 5 and result.embedded.token_table.shape == (5, 3)
    np.testing.assert_array_equal(result.embedded.token_vectors, example("hello-world").table[[2, 3, 1]])


def test_switches_reach_the_books_classes_and_bad_combinations_are_one_line():
    settings = Settings(example="journey", projection="linear", d_out=2, multihead="merged", heads=2)
    result = run(example("journey").text, settings)
    expected = book_attention(
        example("journey").vectors, "linear", d_out=2, heads=2, multihead="merged", causal=True, scaled=True
    )
    np.testing.assert_allclose(result.attention.output, expected.output, atol=1e-7)
    assert (result.settings.dim, result.settings.heads) == (2, 2)
    # A width kept from a projection does not break the version without one.
    run(example("journey").text, Settings(example="journey", projection="none", d_out=2))
    with pytest.raises(SettingsError, match="nn.Linear"):
        run("Your journey", Settings(example="journey", projection="rand", multihead="stack"))
    with pytest.raises(SettingsError, match="--projection"):
        run("Your journey", Settings(example="journey", projection="conv"))
    with pytest.raises(UserError, match="no such example"):
        run("x", Settings(example="nothing-like-it"))


def test_the_cell_arithmetic_follows_dropout():
    settings = Settings(example="journey", projection="linear", d_out=2, dropout=0.5)
    result = run(example("journey").text, settings)
    scale = result.attention.dropout_scale
    assert scale is not None and set(np.unique(scale)) <= {0.0, 2.0}
    for query, key in ((5, 2), (5, 5), (3, 0)):
        cell = cell_arithmetic(result.attention, 0, query, key)
        assert cell.weight == pytest.approx(float(result.attention.weights[0, query, key]), abs=1e-6)
        np.testing.assert_allclose(cell.context, result.attention.context[0, query], atol=1e-6)
        assert cell.softmax_weight is not None and cell.as_dict()["dropout_scale"] is not None
