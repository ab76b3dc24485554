"""`llm-tui models`, `llm-tui download` and `--chat`, on a tiny model in a temporary Hugging Face cache."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest

from tests.open_models import REPO, build_tiny_llama_cache


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hub")
    model, tokenizer = build_tiny_llama_cache(folder)
    # A second repo whose download stopped half-way: listed, but not offered.
    broken = folder / "models--test-org--half-done" / "snapshots" / "feed"
    broken.mkdir(parents=True)
    (broken / "config.json").write_text(json.dumps({"architectures": ["LlamaForCausalLM"]}))
    (broken / "model.safetensors.index.json").write_text(
        json.dumps({"weight_map": {"model.norm.weight": "model-00001-of-00002.safetensors"}})
    )
    (folder / "models--test-org--half-done" / "refs").mkdir()
    (folder / "models--test-org--half-done" / "refs" / "main").write_text("feed")
    return folder, tokenizer


def _llm_tui(cache, *argv: str, home) -> subprocess.CompletedProcess:
    env = {"HF_HUB_CACHE": str(cache), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin", "HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *argv], capture_output=True, text=True, timeout=300, env=env
    )


def test_models_lists_the_cache_with_family_size_and_state(cache, tmp_path):
    folder, _tokenizer = cache
    done = _llm_tui(folder, "models", "--json", home=tmp_path)
    assert done.returncode == 0, done.stderr
    models = {record["weights"]: record for record in json.loads(done.stdout)["models"]}
    tiny = models[REPO]
    assert tiny["family"] == "llama" and tiny["complete"] and tiny["supported"]
    assert tiny["dtype"] == "float32" and tiny["parameters"] > 3_000_000 and tiny["size_on_disk"] > 0
    half = models["test-org/half-done"]
    assert not half["complete"] and "model-00001-of-00002.safetensors" in (half["problem"] or "")
    table = _llm_tui(folder, "models", home=tmp_path).stdout
    assert REPO in table and "llama" in table and "test-org/half-done" in table


def test_download_is_refused_offline_in_one_line(cache, tmp_path):
    folder, _tokenizer = cache
    done = _llm_tui(folder, "download", "Qwen/Qwen2.5-0.5B", home=tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "HF_HUB_OFFLINE" in done.stderr


def test_chat_wraps_the_text_in_the_models_template(cache, tmp_path):
    folder, tokenizer = cache
    done = _llm_tui(folder, "tokenize", "--weights", REPO, "--chat", "--json", "Who are you?", home=tmp_path)
    assert done.returncode == 0, done.stderr
    ids = json.loads(done.stdout)["ids"]
    rendered = tokenizer.apply_chat_template(
        [{"role": "user", "content": "Who are you?"}],
        tokenize=False,
        add_generation_prompt=True,
        chat_template=json.loads(
            next(folder.glob("models--test-org--tiny-llama/snapshots/*/tokenizer_config.json")).read_text()
        )["chat_template"],
        bos_token="<|begin_of_text|>",
    )
    expected = tokenizer(rendered, add_special_tokens=False)["input_ids"]  # the template writes the BOS
    assert ids == expected and ids[0] == tokenizer.convert_tokens_to_ids("<|begin_of_text|>")


def test_the_model_picker_lists_the_cached_models(cache, tmp_path, monkeypatch):
    from textual.widgets import OptionList

    from tests.tui.helpers import make_app, settle

    folder, _tokenizer = cache
    monkeypatch.setenv("HF_HUB_CACHE", str(folder))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    async def scenario():
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("f6")
            await pilot.pause()
            options = app.screen.query_one(OptionList)
            by_id = {
                options.get_option_at_index(i).id: options.get_option_at_index(i)
                for i in range(options.option_count)
            }
            assert REPO in by_id and not by_id[REPO].disabled
            assert by_id["test-org/half-done"].disabled
            options.highlighted = list(by_id).index(REPO)
            await pilot.press("enter")
            await settle(pilot)
            assert app.result.model is not None and app.result.model.kind == "llama"
            assert REPO in str(app.query_one("#status").render())

    asyncio.run(scenario())


def test_greedy_generation_with_an_open_model_is_transformers_greedy(cache, tmp_path):
    import torch

    folder, tokenizer = cache
    model, _tokenizer = build_tiny_llama_cache(tmp_path / "reference")  # the same seed: the same weights
    done = _llm_tui(
        folder,
        "generate",
        "--weights",
        REPO,
        "--temperature",
        "0",
        "--max-new-tokens",
        "6",
        "--json",
        "Who are you?",
        home=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    prompt = tokenizer("Who are you?")["input_ids"]
    assert data["prompt_ids"] == prompt
    with torch.no_grad():
        expected = model.generate(torch.tensor([prompt]), max_new_tokens=6, do_sample=False)[0, len(prompt) :]
    assert data["ids"] == expected.tolist()
