"""Loading weights: parity with Hugging Face transformers, every accepted layout, and clear errors."""

import json
import shutil

import numpy as np
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from engine.errors import UserError, WeightsError
from engine.locations import find_hf_cache_gpt2
from engine.nn.checkpoints import (
    gpt2_name,
    load_weights,
    save_checkpoint,
)
from engine.nn.loaded_model import UNKNOWN_TOKENIZER_ID, IdMap
from engine.nn.model import GPT, GPTConfig
from engine.sampling.distribution import next_token_distribution

transformers = pytest.importorskip("transformers")

VOCAB = 101


@pytest.fixture(scope="module")
def hf_model():
    """A small random GPT-2 from transformers, every parameter nudged so biases and norms are not trivial."""
    torch.manual_seed(1234)
    config = transformers.GPT2Config(
        n_layer=2,
        n_head=4,
        n_embd=32,
        n_positions=64,
        vocab_size=VOCAB,
        bos_token_id=0,
        eos_token_id=0,
        attn_implementation="eager",
    )
    model = transformers.GPT2LMHeadModel(config).eval()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(0.1 * torch.randn_like(parameter))
    return model


@pytest.fixture(scope="module")
def hf_folder(hf_model, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hf") / "gpt2-tiny"
    hf_model.save_pretrained(folder, safe_serialization=True)
    return folder


def _tensors(path):
    with safe_open(path, framework="pt") as handle:
        return {name: handle.get_tensor(name) for name in handle.keys()}, handle.metadata()


def _rewrite(folder, destination, rename=lambda name: name, extra=None, drop=(), metadata=None, config=True):
    """Copy `folder`'s weights into `destination` (a .safetensors path), renamed / edited."""
    tensors, _ = _tensors(folder / "model.safetensors")
    tensors = {rename(name): tensor for name, tensor in tensors.items() if name not in drop}
    tensors.update(extra or {})
    destination.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, destination, metadata=metadata)
    if config:
        shutil.copy(folder / "config.json", destination.parent / "config.json")
    return destination


def _unprefixed(name):
    return name.removeprefix("transformer.")


def _check_parity(hf_model, loaded):
    generator = torch.Generator().manual_seed(0)
    for length in (1, 9, 64):
        ids = torch.randint(0, VOCAB, (2, length), generator=generator)
        with torch.no_grad():
            expected = hf_model(ids, output_attentions=True)
            ours = loaded.model(ids, capture_attention=True)
            fast = loaded.model(ids)
        torch.testing.assert_close(ours.logits, expected.logits, atol=1e-4, rtol=0)
        torch.testing.assert_close(fast.logits, expected.logits, atol=1e-4, rtol=0)
        assert len(ours.attentions) == len(expected.attentions) == 2
        for layer, (mine, theirs) in enumerate(zip(ours.attentions, expected.attentions, strict=True)):
            torch.testing.assert_close(mine, theirs, atol=1e-5, rtol=0, msg=f"layer {layer}")


def test_hugging_face_folder_matches_transformers(hf_model, hf_folder):
    with safe_open(hf_folder / "model.safetensors", framework="pt") as handle:
        names = set(handle.keys())
    assert "transformer.wte.weight" in names and "lm_head.weight" not in names  # as saved, tied
    loaded = load_weights(hf_folder)
    assert loaded.kind == "gpt2"
    assert loaded.config == GPTConfig(vocab_size=VOCAB, context=64, dim=32, layers=2, heads=4)
    assert loaded.source == f"gpt2 2L·32d · 31K from {hf_folder}"
    assert loaded.id_map is None and loaded.steps is None
    assert loaded.model.num_parameters() == sum(p.numel() for p in hf_model.parameters())
    _check_parity(hf_model, loaded)


def test_original_gpt2_names_with_lm_head_and_mask_buffers(hf_model, hf_folder, tmp_path):
    """The layout of OpenAI's own `gpt2` upload: no prefix, an explicit lm_head, old mask buffers."""
    tensors, _ = _tensors(hf_folder / "model.safetensors")
    mask = torch.tril(torch.ones(64, 64)).view(1, 1, 64, 64)
    extra = {"lm_head.weight": tensors["transformer.wte.weight"].clone()}
    for layer in range(2):
        extra[f"h.{layer}.attn.bias"] = mask.clone()
        extra[f"h.{layer}.attn.masked_bias"] = torch.tensor(-1e4)
    path = _rewrite(hf_folder, tmp_path / "openai" / "model.safetensors", _unprefixed, extra)
    _check_parity(hf_model, load_weights(path.parent))


def test_bare_file_takes_its_heads_from_metadata(hf_model, hf_folder, tmp_path):
    path = tmp_path / "gpt2.safetensors"
    _rewrite(hf_folder, path, _unprefixed, metadata={"n_head": "4"}, config=False)
    loaded = load_weights(path)
    assert loaded.config.heads == 4
    _check_parity(hf_model, loaded)


def test_bare_file_uses_the_config_json_beside_it(hf_model, hf_folder, tmp_path):
    path = _rewrite(hf_folder, tmp_path / "beside" / "weights.safetensors")
    _check_parity(hf_model, load_weights(path))


def test_top_k_matches_torch_topk_of_transformers_softmax(hf_model, hf_folder):
    ids = torch.randint(0, VOCAB, (1, 12), generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        expected = torch.softmax(hf_model(ids).logits[0, -1].double(), dim=-1).topk(5)
        row = load_weights(hf_folder).model(ids).logits[0, -1]
    full = next_token_distribution(row, temperature=1.0)
    top_ids, top_probs = full.top(5)
    assert top_ids.tolist() == expected.indices.tolist()
    np.testing.assert_allclose(top_probs, expected.values.numpy(), atol=1e-5)
    cut = next_token_distribution(row, temperature=1.0, top_k=5)
    assert sorted(np.flatnonzero(cut.probs).tolist()) == sorted(expected.indices.tolist())
    np.testing.assert_allclose(
        cut.probs[expected.indices.numpy()], expected.values / expected.values.sum(), atol=1e-5
    )


# --- errors ---------------------------------------------------------------------------------------


def _error(path) -> str:
    with pytest.raises(WeightsError) as caught:
        load_weights(path)
    assert isinstance(caught.value, UserError)
    assert "\n" not in str(caught.value)
    return str(caught.value)


def test_wrong_shape_names_the_tensor_and_both_shapes(hf_folder, tmp_path):
    bad = {"h.1.attn.c_attn.weight": torch.zeros(32, 64)}
    path = _rewrite(hf_folder, tmp_path / "w" / "model.safetensors", _unprefixed, bad)
    assert "h.1.attn.c_attn.weight has shape (32, 64) but the config needs (32, 96)" in _error(path.parent)


def test_missing_tensor_is_named(hf_folder, tmp_path):
    path = _rewrite(hf_folder, tmp_path / "m" / "model.safetensors", drop={"transformer.h.1.mlp.c_fc.bias"})
    assert "h.1.mlp.c_fc.bias is missing" in _error(path.parent)


def test_unexpected_tensor_is_named(hf_folder, tmp_path):
    extra = {"h.0.attn.rotary.weight": torch.ones(4)}
    path = _rewrite(hf_folder, tmp_path / "u" / "model.safetensors", extra=extra)
    assert "h.0.attn.rotary.weight is not part of this model" in _error(path.parent)


def test_several_problems_are_counted_in_one_line(hf_folder, tmp_path):
    drop = {"transformer.ln_f.bias", "transformer.ln_f.weight", "transformer.h.0.ln_1.bias"}
    path = _rewrite(hf_folder, tmp_path / "s" / "model.safetensors", drop=drop)
    assert "h.0.ln_1.bias is missing (and 2 more)" in _error(path.parent)


def test_untied_output_head_is_refused(hf_folder, tmp_path):
    extra = {"lm_head.weight": torch.zeros(VOCAB, 32)}
    path = _rewrite(hf_folder, tmp_path / "h" / "model.safetensors", extra=extra)
    assert "lm_head.weight differs from wte.weight" in _error(path.parent)


def test_config_json_that_does_not_match_the_tensors(hf_folder, tmp_path):
    folder = tmp_path / "c"
    shutil.copytree(hf_folder, folder)
    config = json.loads((folder / "config.json").read_text())
    config["n_embd"] = 64
    (folder / "config.json").write_text(json.dumps(config))
    message = _error(folder)
    assert "config.json does not match the weights: it says n_embd=64" in message
    assert "transformer.wte.weight has shape (101, 32)" in message


def test_heads_that_cannot_be_inferred(hf_folder, tmp_path):
    path = _rewrite(hf_folder, tmp_path / "lone.safetensors", config=False)
    assert "cannot tell how many attention heads" in _error(path)


def test_truncated_file(hf_folder, tmp_path):
    data = (hf_folder / "model.safetensors").read_bytes()
    path = tmp_path / "cut.safetensors"
    path.write_bytes(data[: len(data) // 2])
    message = _error(path)
    assert str(path) in message and "truncated or corrupt" in message


@pytest.mark.parametrize("name", ["pytorch_model.bin", "model.pt"])
def test_pickle_files_are_refused_without_being_opened(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"\x80\x04 not even a real pickle")
    message = _error(path)
    assert name in message and "never unpickles" in message and ".safetensors" in message


def test_folder_with_only_a_pickle_is_refused(tmp_path):
    (tmp_path / "pytorch_model.bin").write_bytes(b"\x80\x04")
    assert "pytorch_model.bin is a PyTorch pickle file" in _error(tmp_path)


def test_pickle_renamed_to_safetensors_is_refused(tmp_path):
    path = tmp_path / "sneaky.safetensors"
    torch.save({"x": torch.ones(2)}, path)  # a zip archive holding a pickle
    assert "is a PyTorch pickle file" in _error(path)


def test_folder_without_weights(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    assert f"the folder {tmp_path} has no model.safetensors" in _error(tmp_path)


def test_missing_path(tmp_path):
    assert f"no such weights file or folder: {tmp_path / 'nope'}" in _error(tmp_path / "nope")


# --- tiny checkpoints and the compact vocabulary --------------------------------------------------


def test_id_map_round_trip_and_unknown_ids():
    id_map = IdMap.from_ids([464, 11, 464, 50256, 318, 11])
    assert id_map.tokenizer_ids.tolist() == [11, 318, 464, 50256]
    assert id_map.size == 5 and id_map.unk_id == 4
    assert id_map.to_model([318, 11, 999, 50256, 0]).tolist() == [1, 0, 4, 3, 4]
    assert id_map.to_tokenizer([1, 0, 4, 3]).tolist() == [318, 11, UNKNOWN_TOKENIZER_ID, 50256]
    with pytest.raises(ValueError):
        id_map.to_tokenizer([5])


def test_tiny_checkpoint_round_trip(tmp_path):
    id_map = IdMap.from_ids([5, 17, 200, 3000, 42])
    config = GPTConfig(vocab_size=id_map.size, context=12, dim=16, layers=2, heads=2, qkv_bias=False)
    model = GPT(config, seed=9).eval()
    path = save_checkpoint(
        model,
        config,
        tmp_path / "tiny.safetensors",
        {"corpus": "sample"},
        steps=40,
        encoding="gpt2",
        id_map=id_map,
    )
    loaded = load_weights(path)
    assert (loaded.kind, loaded.steps, loaded.encoding, loaded.config) == ("tiny", 40, "gpt2", config)
    assert loaded.metadata == {"corpus": "sample"}
    assert loaded.name == "tiny 2L·16d · 6.8K"
    assert loaded.id_map.tokenizer_ids.tolist() == [5, 17, 42, 200, 3000]
    assert loaded.suppressed_ids == (5,)
    ids = torch.from_numpy(loaded.to_model_ids([42, 5, 9999, 3000]))[None]
    assert ids.tolist() == [[2, 0, 5, 4]]
    with torch.no_grad():
        assert torch.equal(loaded.model(ids).logits, model(ids).logits)
    assert loaded.to_tokenizer_ids([2, 5]).tolist() == [42, UNKNOWN_TOKENIZER_ID]
    # Stored in GPT-2's own layout: readable by GPT-2 tools.
    with safe_open(path, framework="pt") as handle:
        assert handle.get_slice("h.1.mlp.c_fc.weight").get_shape() == [16, 64]
        assert "h.0.attn.c_attn.bias" not in handle.keys()


def test_tiny_checkpoint_with_damaged_metadata(tmp_path):
    config = GPTConfig(vocab_size=7, context=4, dim=8, layers=1, heads=2)
    path = save_checkpoint(GPT(config), config, tmp_path / "t.safetensors")
    tensors, metadata = _tensors(path)
    wider = json.dumps({**json.loads(metadata["config"]), "dim": 16})
    save_file(tensors, path, metadata={**metadata, "config": wider})
    assert "wte.weight has shape (7, 8) but the config needs (7, 16)" in _error(path)
    save_file(tensors, path, metadata={**metadata, "config": "{not json"})
    assert "damaged checkpoint metadata" in _error(path)


def test_engine_names_map_to_gpt2_names():
    assert gpt2_name("blocks.3.attention.qkv.weight") == "h.3.attn.c_attn.weight"
    assert gpt2_name("blocks.0.mlp.proj.bias") == "h.0.mlp.c_proj.bias"
    assert gpt2_name("token_embedding.weight") == "wte.weight"
    assert gpt2_name("final_norm.bias") == "ln_f.bias"


# --- the Hugging Face cache -----------------------------------------------------------------------


def _fake_snapshot(hub, repo="models--gpt2", revision="abc123"):
    snapshot = hub / repo / "snapshots" / revision
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text("{}")
    (snapshot / "model.safetensors").write_bytes(b"")
    (hub / repo / "refs").mkdir()
    (hub / repo / "refs" / "main").write_text(revision)
    return snapshot


def test_find_gpt2_in_hf_hub_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    assert find_hf_cache_gpt2() is None
    (tmp_path / "models--gpt2" / "snapshots" / "old").mkdir(parents=True)  # incomplete download
    assert find_hf_cache_gpt2() is None
    snapshot = _fake_snapshot(tmp_path, "models--openai-community--gpt2")
    assert find_hf_cache_gpt2() == snapshot


def test_find_gpt2_under_hf_home(tmp_path, monkeypatch):
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    snapshot = _fake_snapshot(tmp_path / "hub")
    assert find_hf_cache_gpt2() == snapshot


def test_find_gpt2_in_the_default_cache(tmp_path, monkeypatch):
    for name in ("HF_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert find_hf_cache_gpt2() is None
    snapshot = _fake_snapshot(tmp_path / ".cache" / "huggingface" / "hub")
    assert find_hf_cache_gpt2() == snapshot
