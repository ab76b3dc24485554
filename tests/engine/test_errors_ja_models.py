"""The errors of the model loaders (a pickled weights file, a checkpoint missing a tensor or with a
config field of the wrong type, an open model of an architecture llm-tui cannot run, a model too
large for the memory free, a checkpoint path that is a folder) stay English on the command line
(`str(error)`) and are said in the learner's language in the app (`tui.hints.app_message`), from
the catalogue, with no English prose left."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from engine.errors import WeightsError
from engine.nn import decoder_loader
from engine.nn.checkpoints import check_checkpoint_path, load_weights, save_checkpoint
from engine.nn.decoder import DecoderLM
from engine.nn.decoder_config import DecoderConfig
from engine.nn.decoder_loader import checkpoint_name, load_decoder
from engine.nn.device import format_bytes
from engine.nn.model import GPT, GPTConfig
from engine.nn.rope import RopeSettings
from tests.engine.japanese_errors import JA, assert_no_english_prose, said
from tui.hints import app_message

TINY = GPTConfig(vocab_size=7, context=4, dim=8, layers=1, heads=2)


def _tensors(path):
    with safe_open(path, framework="pt") as handle:
        return {name: handle.get_tensor(name) for name in handle.keys()}, dict(handle.metadata() or {})


@pytest.fixture
def tiny(tmp_path):
    torch.manual_seed(0)
    return save_checkpoint(GPT(TINY), TINY, tmp_path / "tiny.safetensors")


def test_a_pickled_weights_file_is_refused_and_the_way_to_convert_it_kept_as_code(tmp_path):
    path = tmp_path / "pytorch_model.bin"
    path.write_bytes(b"\x80\x02}q\x00.")
    with pytest.raises(WeightsError) as raised:
        load_weights(path)
    error = raised.value
    code = "model.save_pretrained(folder, safe_serialization=True)"
    assert str(error) == (
        f"{path} is a PyTorch pickle file; llm-tui never unpickles weights (loading one can run any code "
        f"inside it). Convert it to .safetensors first, e.g. with transformers: {code}"
    )
    shown = app_message(error, JA)
    assert shown == said(error.message) == JA.say(error.message.template, path=path)
    assert shown.startswith(f"{path} は PyTorch の pickle ファイルです") and shown.endswith(code), shown
    assert_no_english_prose(shown, error, code)


def test_a_checkpoint_missing_a_tensor_names_it_and_the_model_it_expected(tiny):
    tensors, metadata = _tensors(tiny)
    del tensors["ln_f.bias"]
    save_file(tensors, tiny, metadata=metadata)
    with pytest.raises(WeightsError) as raised:
        load_weights(tiny)
    error = raised.value
    assert str(error) == (
        f"{tiny}: ln_f.bias is missing; expected a GPT-2 with 1 layers, dim 8, 2 heads, vocab 7, context 4"
    )
    shown = app_message(error, JA)
    template = (
        "{path}: {name} is missing; expected a GPT-2 with {layers} layers, dim {dim}, {heads} heads, "
        "vocab {vocab}, context {context}"
    )
    assert shown == JA.say(
        template, path=tiny, name="ln_f.bias", layers=1, dim=8, heads=2, vocab=7, context=4
    )
    assert "1 層、次元 8、2 ヘッド、語彙 7、コンテキスト 4 の GPT-2" in shown, shown
    assert_no_english_prose(shown, error)


def test_a_checkpoint_config_field_of_the_wrong_type_is_named(tiny):
    tensors, metadata = _tensors(tiny)
    config = {**json.loads(metadata["config"]), "dim": 8.0}
    save_file(tensors, tiny, metadata={**metadata, "config": json.dumps(config)})
    with pytest.raises(WeightsError) as raised:
        load_weights(tiny)
    error = raised.value
    assert str(error) == f"{tiny} has config field dim=8.0, not an integer"
    shown = app_message(error, JA)
    assert shown == said(error.message) == f"{tiny} の設定項目 dim=8.0 は整数ではありません"
    assert_no_english_prose(shown, error)


def test_an_open_model_of_an_unsupported_architecture_names_the_supported_ones(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"architectures": ["BertForMaskedLM"]}))
    save_file({"embeddings.weight": torch.zeros(2, 2)}, tmp_path / "model.safetensors")
    with pytest.raises(WeightsError) as raised:
        load_decoder(tmp_path)
    error = raised.value
    supported = "LlamaForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM, MistralForCausalLM"
    assert str(error) == (
        f"{tmp_path / 'config.json'} describes a BertForMaskedLM, which llm-tui cannot run; supported: "
        f"{supported} (and GPT2LMHeadModel through the GPT-2 loader)"
    )
    shown = app_message(error, JA)
    assert shown == said(error.message)
    assert "BertForMaskedLM で、llm-tui では動かせません" in shown and supported in shown, shown
    assert_no_english_prose(shown, error)


def _decoder_folder(folder):
    config = DecoderConfig(
        vocab_size=16, context=32, dim=8, layers=2, heads=2, kv_heads=1, head_dim=4, mlp_dim=16,
        rope=RopeSettings(theta=10000.0), tied=True,
    )  # fmt: skip
    torch.manual_seed(0)
    state = {checkpoint_name(k): v.contiguous() for k, v in DecoderLM(config).state_dict().items()}
    save_file(state, folder / "model.safetensors")
    hf = dict(
        architectures=["LlamaForCausalLM"], vocab_size=16, max_position_embeddings=32, hidden_size=8,
        num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1, head_dim=4, intermediate_size=16,
        tie_word_embeddings=True,
    )  # fmt: skip
    (folder / "config.json").write_text(json.dumps(hf))
    return sum(v.numel() for v in state.values()), 16 * 8 * 4


def test_a_model_too_large_for_the_free_memory_says_so_and_offers_a_smaller_one(tmp_path, monkeypatch):
    parameters, tables = _decoder_folder(tmp_path)
    monkeypatch.setattr(decoder_loader, "free_memory", lambda device: 1000)
    with pytest.raises(WeightsError) as raised:
        load_decoder(tmp_path)  # float32 does not fit, bf16 neither
    error = raised.value
    weights, tables, free = format_bytes(parameters * 2), format_bytes(tables), format_bytes(1000)
    assert str(error) == (
        f"{tmp_path}: the model's weights need {weights}, and {tables} for the float32 token tables, but "
        f"only {free} of memory is available; close other programs or choose a smaller model"
    )
    shown = app_message(error, JA)
    hint = JA.say("{what}, {purpose}", what=f"F6: {JA.say('model')}", purpose=JA.say("with a smaller model"))
    assert shown == JA.say("{message}; {hint}", message=said(error.message), hint=hint)
    assert "ほかのプログラムを閉じるか、もっと小さいモデルを選んでください" in shown, shown
    assert shown.endswith("F6: モデル（もっと小さいモデルを選びます）"), shown
    assert_no_english_prose(shown, error)


def test_a_checkpoint_path_that_is_a_folder_is_refused_before_training(tmp_path):
    with pytest.raises(WeightsError) as raised:
        check_checkpoint_path(tmp_path)
    error = raised.value
    assert str(error) == f"cannot write the checkpoint to {tmp_path}: it is a folder; name a file in it"
    shown = app_message(error, JA)
    assert shown == said(error.message)
    assert shown.startswith(f"チェックポイントを {tmp_path} に書けません"), shown
    assert_no_english_prose(shown, error)
