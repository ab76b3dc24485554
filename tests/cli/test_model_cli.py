"""`llm-tui train` and `llm-tui generate` end to end."""

from __future__ import annotations

import json

import pytest
import torch

from engine.nn.checkpoints import load_weights
from engine.sampling.distribution import generate
from engine.tokenize.registry import get_tokenizer
from tui.cli import main


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "tiny.safetensors"
    assert main(["train", "--steps", "20", "--out", str(path), "--json"]) == 0
    return path


def test_train_writes_a_loadable_checkpoint_and_lowers_the_loss(trained, capsys):
    loaded = load_weights(trained)
    assert loaded.steps == 20 and loaded.kind == "tiny"


def test_train_json_summary(tmp_path, capsys):
    path = tmp_path / "m.safetensors"
    assert main(["train", "--steps", "15", "--out", str(path), "--json"]) == 0
    out, err = capsys.readouterr()
    summary = json.loads(out)
    assert summary["path"] == str(path) and summary["steps"] == 15
    assert summary["final_train_loss"] < summary["initial_train_loss"]
    assert 1 <= summary["threads"] <= max(1, torch.get_num_threads())
    assert f"using {summary['threads']} CPU thread" in err and f"saving to {path}…" in err


def test_generate_greedy_matches_the_engine(trained, capsys):
    capsys.readouterr()
    prompt = "A small robot"
    assert (
        main(
            [
                "generate",
                "--weights",
                str(trained),
                "--temperature",
                "0",
                "--max-new-tokens",
                "8",
                "--json",
                prompt,
            ]
        )
        == 0
    )
    payload = json.loads(capsys.readouterr().out)
    loaded = load_weights(trained)
    ids = get_tokenizer("gpt2").encode(prompt)
    expected = list(
        generate(
            loaded.model,
            torch.from_numpy(loaded.to_model_ids(ids)),
            8,
            temperature=0.0,
            suppressed=loaded.suppressed_ids,
        )
    )
    assert payload["prompt_ids"] == ids
    assert payload["ids"] == loaded.to_tokenizer_ids(expected).tolist()
    assert payload["text"] == get_tokenizer("gpt2").decode([i for i in payload["ids"] if i >= 0])


def test_generate_streams_text_and_is_reproducible(trained, capsys):
    argv = ["generate", "--weights", str(trained), "--max-new-tokens", "10", "--seed", "3", "A small robot"]
    assert main(argv) == 0
    first = capsys.readouterr().out
    assert main(argv) == 0
    assert capsys.readouterr().out == first and first.startswith("A small robot")


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["generate", "--weights", "/no/such/model.safetensors", "hi"], "model.safetensors"),
        (["generate", "--weights", "{model}", "--temperature", "-1", "hi"], "temperature"),
        (["generate", "--weights", "{model}", "--max-new-tokens", "0", "hi"], "at least 1"),
        (["train", "--steps", "0"], "at least 1"),
    ],
)
def test_bad_model_arguments_exit_2(trained, capsys, argv, fragment):
    argv = [arg.replace("{model}", str(trained)) for arg in argv]
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and fragment in err and len(err.strip().splitlines()) == 1
