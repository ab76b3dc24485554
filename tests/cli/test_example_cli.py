"""`llm-tui inspect --example`: the book's printed figures through the command line, and clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tui.cli import main


def test_journey_json_prints_the_books_figures(capsys):
    assert main(["inspect", "--example", "journey", "--no-scale", "--no-causal", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["tokens"] == ["Your", "journey", "starts", "with", "one", "step"]
    attention = payload["attention"]
    # attn_scores_2, attn_weights_2 and context_vec_2 as the book prints them
    np.testing.assert_allclose(
        attention["scores"][0][1], [0.9544, 1.4950, 1.4754, 0.8434, 0.7070, 1.0865], atol=5e-5
    )
    head = attention["heads"][0]
    np.testing.assert_allclose(
        head["weights"][1], [0.1385, 0.2379, 0.2333, 0.1240, 0.1082, 0.1581], atol=5e-5
    )
    np.testing.assert_allclose(head["context"][1], [0.4419, 0.6515, 0.5683], atol=5e-5)


def test_tables_with_four_decimals_and_the_one_hot_rows(capsys):
    assert main(["inspect", "--example", "journey", "--no-scale", "--no-causal"]) == 0
    out = capsys.readouterr().out
    assert "journey [  0.1385   0.2379   0.2333   0.1240   0.1082   0.1581]" in out
    assert main(["inspect", "--example", "hello-world"]) == 0
    out = capsys.readouterr().out
    assert "ids [2, 3, 1]: one-hot rows × the table give rows [2, 3, 1] of it" in out


def test_merged_heads_have_an_output_projection(capsys):
    arguments = ["inspect", "--example", "watashi", "--projection", "linear", "--multihead", "merged"]
    assert main([*arguments, "--heads", "2", "--d-out", "4", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert len(payload["attention"]["heads"]) == 2 and np.array(payload["attention"]["output"]).shape == (
        6,
        4,
    )
    assert payload["settings"]["causal"] and payload["settings"]["scaled"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--example", "nope"], "no such example"),
        (["--example", "journey", "--multihead", "stack"], "one head, as wide as the inputs"),
        (["--example", "journey", "--projection", "rand", "--multihead", "stack"], "use projection 'linear'"),
        (["--example", "journey", "--dropout", "1.5"], "dropout 1.5: choose a probability"),
    ],
)
def test_clear_errors(arguments, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["inspect", *arguments])
    assert exit_.value.code == 2 and message in capsys.readouterr().err
