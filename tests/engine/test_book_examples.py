"""The worked examples and the book's attention progression: the book's printed figures, and the
other versions rebuilt here from their definitions with plain PyTorch (so a wrong construction
order, seed or scaling fails)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.errors import UserError
from engine.examples import BUILT_IN, example, load_example
from engine.nn.book_attention import book_attention

JOURNEY = example("journey").vectors


def test_the_books_simplified_self_attention_figures():
    result = book_attention(JOURNEY, "none", causal=False, scaled=False)
    np.testing.assert_allclose(
        result.weights[0, 1], [0.1385, 0.2379, 0.2333, 0.1240, 0.1082, 0.1581], atol=5e-5
    )
    np.testing.assert_allclose(result.context[0, 1], [0.4419, 0.6515, 0.5683], atol=5e-5)
    np.testing.assert_allclose(result.weights.sum(-1), 1.0, atol=1e-6)


def test_rand_projections_are_drawn_query_key_value_after_the_seed():
    x = torch.tensor(JOURNEY)
    torch.manual_seed(123)
    w_query, w_key, w_value = torch.rand(3, 2), torch.rand(3, 2), torch.rand(3, 2)
    q, k, v = x @ w_query, x @ w_key, x @ w_value
    weights = torch.softmax(q @ k.T / k.shape[-1] ** 0.5, dim=-1)
    result = book_attention(JOURNEY, "rand", d_out=2, seed=123, scaled=True)
    np.testing.assert_allclose(result.queries[0], q.numpy(), atol=1e-6)
    np.testing.assert_allclose(result.weights[0], weights.numpy(), atol=1e-6)
    np.testing.assert_allclose(result.context[0], (weights @ v).numpy(), atol=1e-6)


def test_linear_causal_attention_and_the_two_multihead_classes():
    x = torch.tensor(JOURNEY)
    future = torch.triu(torch.ones(6, 6, dtype=torch.bool), diagonal=1)

    def attend(q, k, v):
        scores = (q @ k.transpose(-2, -1)).masked_fill(future, float("-inf")) / k.shape[-1] ** 0.5
        weights = torch.softmax(scores, dim=-1)
        return weights, weights @ v

    with torch.no_grad():
        torch.manual_seed(123)
        heads = [[torch.nn.Linear(3, 2, bias=False) for _ in range(3)] for _ in range(2)]
        stacked = torch.cat([attend(*(layer(x) for layer in head))[1] for head in heads], dim=-1)
        torch.manual_seed(123)
        query, key, value = (torch.nn.Linear(3, 4, bias=False) for _ in range(3))
        out_proj = torch.nn.Linear(4, 4)
        q, k, v = (layer(x).view(6, 2, 2).transpose(0, 1) for layer in (query, key, value))
        merged = out_proj(attend(q, k, v)[1].transpose(0, 1).reshape(6, 4))
    result = book_attention(JOURNEY, "linear", d_out=2, heads=2, multihead="stack", causal=True, scaled=True)
    np.testing.assert_allclose(result.output, stacked.numpy(), atol=1e-6)
    assert np.all(result.weights[:, np.triu_indices(6, 1)[0], np.triu_indices(6, 1)[1]] == 0)
    result = book_attention(JOURNEY, "linear", d_out=4, heads=2, multihead="merged", causal=True, scaled=True)
    np.testing.assert_allclose(result.output, merged.numpy(), atol=1e-6)


def test_dropout_scales_kept_weights_as_nn_dropout():
    torch.manual_seed(123)
    layers = [torch.nn.Linear(3, 2, bias=False) for _ in range(3)]
    with torch.no_grad():
        q, k, _v = (layer(torch.tensor(JOURNEY)) for layer in layers)
        weights = torch.softmax(q @ k.T, dim=-1)
        dropped = torch.nn.Dropout(0.5).train()(weights)
    result = book_attention(JOURNEY, "linear", d_out=2, dropout=0.5)
    np.testing.assert_allclose(result.weights[0], dropped.numpy(), atol=1e-6)
    kept = result.weights[0] != 0
    assert kept.any() and (~kept).any()


def test_hello_world_one_hot_rows_and_the_notes_examples():
    hello = example("hello-world")
    assert hello.ids == (2, 3, 1)
    one_hot = np.eye(len(hello.vocabulary), dtype=np.float32)[list(hello.ids)]
    np.testing.assert_array_equal(one_hot @ hello.table, hello.table[[2, 3, 1]])
    np.testing.assert_array_equal(hello.vectors, hello.table[[2, 3, 1]])
    neko = example("neko")
    assert neko.tokens == ("ねこ", "は", "ひるね", "が", "すき") and neko.vocabulary == tuple(
        sorted(neko.tokens)
    )
    x = torch.tensor(neko.vectors)
    expected = torch.softmax(x[-1] @ x.T / 2**0.5, dim=-1)
    result = book_attention(neko.vectors, "none", scaled=True)
    np.testing.assert_allclose(result.weights[0, -1], expected.numpy(), atol=1e-6)
    watashi = example("watashi")
    result = book_attention(watashi.vectors, "none", causal=True, scaled=True)
    x = torch.tensor(watashi.vectors)
    row = torch.softmax(x[2] @ x[:3].T / 3**0.5, dim=-1)
    np.testing.assert_allclose(result.weights[0, 2, :3], row.numpy(), atol=1e-6)
    assert set(BUILT_IN) == {"journey", "hello-world", "neko", "watashi"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('tokens = ["a", "b"]\nvectors = [[1, 2], [3]]\n', "row 2 has 1 numbers, row 1 has 2"),
        ('tokens = ["a", "b"]\nvectors = [[1, 2], [3, "x"]]\n', "not a number"),
        ('tokens = ["a"]\nvectors = [[1, 2], [3, 4]]\n', "2 rows for 1 tokens"),
        ('tokens = ["a", "c"]\nvocabulary = ["a", "b"]\ntable = [[1], [2]]\n', "'c' is not in 'vocabulary'"),
        ("tokens = [", "not a valid TOML example"),
        ('tokens = ["a"]\n', "give 'vectors'"),
        ('tokens = ["New York"]\nvectors = [[1]]\n', "tokens item 1 ('New York') must be one word"),
        ('tokens = [""]\nvectors = [[1]]\n', "must be one word"),
        ('tokens = ["a", "a"]\nvocabulary = ["a", "a"]\ntable = [[1], [2]]\n', "lists 'a' twice"),
        (
            'tokens = ["bank", "river", "bank"]\nvectors = [[1, 0], [0, 1], [0.5, 0.5]]\n',
            "'bank' has two different vectors (rows 1 and 3)",
        ),
        (
            'tokens = ["a", "b"]\nvectors = [[9], [8]]\nvocabulary = ["a", "b"]\ntable = [[1], [2]]\n',
            "'vectors' row 1 is not the 'table' row of 'a'",
        ),
    ],
)
def test_bad_example_files_are_one_clear_line(tmp_path, text, message):
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as caught:
        load_example(path)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_an_example_file_with_a_vocabulary(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        'tokens = ["b", "a"]\nvocabulary = ["a", "b"]\ntable = [[1, 0], [0, 1]]\n', encoding="utf-8"
    )
    mine = load_example(path)
    assert mine.ids == (1, 0) and mine.vectors.tolist() == [[0, 1], [1, 0]]
    with pytest.raises(UserError, match="no such example"):
        example("nothing-like-this")


# The book's printed tensors (chapter 3), to its 4 decimals: each version, seed and order as it
# builds them.
BOOK_QUERY_2_RAND = [0.4306, 1.4551]  # 3.4.1: torch.manual_seed(123), torch.rand W_query
BOOK_WEIGHTS_2_RAND = [0.1500, 0.2264, 0.2199, 0.1311, 0.0906, 0.1820]
BOOK_CONTEXT_2_RAND = [0.3061, 0.8210]
BOOK_SELF_ATTENTION_V2 = [  # 3.4.2: SelfAttention_v2 after torch.manual_seed(789), no mask
    [-0.0739, 0.0713],
    [-0.0748, 0.0703],
    [-0.0749, 0.0702],
    [-0.0760, 0.0685],
    [-0.0763, 0.0679],
    [-0.0754, 0.0693],
]
BOOK_CAUSAL = [  # 3.5.3: CausalAttention after torch.manual_seed(123), the first text of the batch
    [-0.4519, 0.2216],
    [-0.5874, 0.0058],
    [-0.6300, -0.0632],
    [-0.5675, -0.0843],
    [-0.5526, -0.0981],
    [-0.5299, -0.1081],
]
BOOK_WRAPPER_SECOND_HEAD = [  # 3.6.1: MultiHeadAttentionWrapper, 2 heads; its last two columns
    [0.4772, 0.1063],
    [0.5891, 0.3257],
    [0.6202, 0.3860],
    [0.5478, 0.3589],
    [0.5321, 0.3428],
    [0.5077, 0.3493],
]
BOOK_MERGED_FIRST_ROWS = [[0.3190, 0.4858], [0.2943, 0.3897], [0.2856, 0.3593]]  # 3.6.2
BOOK_DROPOUT_MASK = [  # 3.5.2: torch.manual_seed(123); nn.Dropout(0.5)(torch.ones(6, 6))
    [2, 2, 0, 2, 2, 0],
    [0, 0, 0, 2, 0, 2],
    [2, 2, 2, 2, 0, 2],
    [0, 2, 2, 0, 0, 2],
    [0, 2, 0, 2, 0, 2],
    [0, 2, 2, 2, 2, 0],
]


def test_the_books_printed_figures_for_every_version():
    rand = book_attention(JOURNEY, "rand", d_out=2, seed=123, scaled=True)
    np.testing.assert_allclose(rand.queries[0, 1], BOOK_QUERY_2_RAND, atol=5e-5)
    np.testing.assert_allclose(rand.weights[0, 1], BOOK_WEIGHTS_2_RAND, atol=5e-5)
    np.testing.assert_allclose(rand.context[0, 1], BOOK_CONTEXT_2_RAND, atol=5e-5)
    v2 = book_attention(JOURNEY, "linear", d_out=2, seed=789, scaled=True)
    np.testing.assert_allclose(v2.context[0], BOOK_SELF_ATTENTION_V2, atol=5e-5)
    causal = book_attention(JOURNEY, "linear", d_out=2, seed=123, scaled=True, causal=True)
    np.testing.assert_allclose(causal.context[0], BOOK_CAUSAL, atol=5e-5)
    wrapper = book_attention(
        JOURNEY, "linear", d_out=2, seed=123, heads=2, multihead="stack", scaled=True, causal=True
    )
    np.testing.assert_allclose(wrapper.output, np.hstack([BOOK_CAUSAL, BOOK_WRAPPER_SECOND_HEAD]), atol=5e-5)
    merged = book_attention(
        JOURNEY, "linear", d_out=2, seed=123, heads=2, multihead="merged", scaled=True, causal=True
    )
    np.testing.assert_allclose(merged.output[:3], BOOK_MERGED_FIRST_ROWS, atol=5e-5)


def test_dropout_without_a_projection_keeps_the_books_six_by_six_cells():
    result = book_attention(JOURNEY, "none", dropout=0.5, seed=123)
    np.testing.assert_array_equal(result.dropout_scale[0], BOOK_DROPOUT_MASK)
    x = torch.tensor(JOURNEY)
    torch.manual_seed(123)  # nothing else draws: nn.Dropout on the weights themselves
    with torch.no_grad():
        dropped = torch.nn.Dropout(0.5).train()(torch.softmax(x @ x.T, dim=-1))
    np.testing.assert_allclose(result.weights[0], dropped.numpy(), atol=1e-7)


def test_a_repeated_token_with_one_vector_is_one_word(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('tokens = ["a", "b", "a"]\nvectors = [[1, 0], [0, 1], [1, 0]]\n', encoding="utf-8")
    loaded = load_example(path)
    assert loaded.words == ("a", "b") and loaded.word_table.tolist() == [[1, 0], [0, 1]]
