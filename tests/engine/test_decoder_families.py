"""The open decoder families (Llama, Qwen2, Qwen3, Mistral): parity with transformers on tiny random
models saved with save_pretrained, reading both config spellings, precision, and clear errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from engine.errors import WeightsError
from engine.nn import decoder_loader
from engine.nn.decoder import DecoderLM
from engine.nn.decoder_config import DecoderConfig
from engine.nn.decoder_loader import expected_tensors, load_decoder
from engine.nn.families.registry import decoder_config
from engine.nn.gqa import blocked_mask
from engine.nn.rope import RopeSettings, inverse_frequencies

transformers = pytest.importorskip("transformers")

VOCAB = 101
LENGTH = 14  # longer than every sliding window below
SIZES = dict(
    vocab_size=VOCAB, hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4
)
# head_dim 16, theta 10,000, original context 32: pair 0 is kept, pair 1 blended, pairs 2-7 scaled.
LLAMA3_ROPE = {
    "rope_type": "llama3",
    "rope_theta": 10000.0,
    "factor": 8.0,
    "low_freq_factor": 1.0,
    "high_freq_factor": 4.0,
    "original_max_position_embeddings": 32,
}


def _configs() -> dict[str, object]:
    return {
        # GQA with pairs of query heads, an explicit head_dim (not 32 / 4), llama3 RoPE, tied head.
        "llama": transformers.LlamaConfig(
            **SIZES,
            num_key_value_heads=2,
            head_dim=16,
            max_position_embeddings=64,
            rope_parameters=LLAMA3_ROPE,
            tie_word_embeddings=True,
            rms_norm_eps=1e-5,
        ),
        # QKV biases (randomised below), a window of 5 on layer 1 only, a separate output head.
        "qwen2": transformers.Qwen2Config(
            **SIZES,
            num_key_value_heads=2,
            use_sliding_window=True,
            sliding_window=5,
            max_window_layers=1,
            rope_parameters={"rope_type": "default", "rope_theta": 1000000.0},
        ),
        # Per-head q/k norms, all four query heads on one K/V head, head_dim 16, tied head.
        "qwen3": transformers.Qwen3Config(
            **SIZES, num_key_value_heads=1, head_dim=16, tie_word_embeddings=True
        ),
        # A sliding window of 6 on every layer.
        "mistral": transformers.MistralConfig(**SIZES, num_key_value_heads=2, sliding_window=6),
    }


FAMILIES = tuple(_configs())


@torch.no_grad()
def _randomise(model: torch.nn.Module, seed: int) -> None:
    """Every parameter drawn anew, so norms and biases are not trivial and attention is not uniform."""
    generator = torch.Generator().manual_seed(seed)
    for name, parameter in model.named_parameters():
        noise = torch.randn(parameter.shape, generator=generator)
        if name.endswith("norm.weight"):
            parameter.copy_(1 + 0.2 * noise)
        elif name.endswith("bias"):
            parameter.copy_(0.5 * noise)
        else:
            parameter.copy_(0.15 * noise)


@pytest.fixture(scope="session")
def saved(tmp_path_factory) -> dict[str, tuple[Path, torch.nn.Module]]:
    """family -> (folder written by save_pretrained, the transformers model), built once."""
    models = {}
    for index, (family, config) in enumerate(_configs().items()):
        config._attn_implementation = "eager"  # the only implementation that returns attention weights
        torch.manual_seed(index)
        model = transformers.AutoModelForCausalLM.from_config(config, attn_implementation="eager").eval()
        _randomise(model, seed=index)
        if config.tie_word_embeddings:
            assert model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()
        folder = tmp_path_factory.mktemp(family)
        # Llama goes into shards listed in model.safetensors.index.json.
        model.save_pretrained(folder, max_shard_size="20KB" if family == "llama" else "50MB")
        models[family] = (folder, model)
    assert (models["llama"][0] / "model.safetensors.index.json").is_file()
    return models


@pytest.fixture(scope="session")
def loaded(saved):
    return {family: load_decoder(folder) for family, (folder, _) in saved.items()}


def _ids(seed: int = 0) -> torch.Tensor:
    return torch.randint(0, VOCAB, (1, LENGTH), generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("family", FAMILIES)
@torch.no_grad()
def test_logits_attention_and_top_k_match_transformers(family, saved, loaded):
    _, reference = saved[family]
    ours = loaded[family]
    ids = _ids()
    expected = reference(ids, output_attentions=True, output_hidden_states=True)
    captured = ours.model(ids, capture_attention=True)
    fused = ours.model(ids)

    assert ours.family == family and ours.dtype == torch.float32
    for output in (captured, fused):
        assert output.logits.dtype == torch.float32
        torch.testing.assert_close(output.logits, expected.logits, atol=1e-4, rtol=0)
        assert torch.equal(output.logits.topk(5).indices, expected.logits.topk(5).indices)
    torch.testing.assert_close(captured.hidden, expected.hidden_states[-1], atol=1e-5, rtol=0)
    assert len(captured.attentions) == len(expected.attentions) == 2
    for layer, (weights, reference_weights) in enumerate(
        zip(captured.attentions, expected.attentions, strict=True)
    ):
        assert weights.shape == (1, 4, LENGTH, LENGTH) and weights.dtype == torch.float32
        torch.testing.assert_close(weights, reference_weights, atol=1e-5, rtol=0, msg=f"layer {layer}")
        blocked = blocked_mask(LENGTH, ours.config.window(layer))
        assert torch.all(weights[..., blocked] == 0)
        assert torch.all(torch.isfinite(captured.scores[layer]))  # scores before the mask
    assert fused.attentions is None


def test_each_family_reads_what_is_special_about_it(loaded):
    llama, qwen2, qwen3, mistral = (loaded[family].config for family in FAMILIES)
    assert (llama.kv_heads, llama.head_dim, llama.rope.kind, llama.tied) == (2, 16, "llama3", True)
    assert (qwen2.qkv_bias, qwen2.out_bias, qwen2.sliding_layers, qwen2.window(1)) == (True, False, (1,), 5)
    assert qwen2.window(0) is None and qwen2.rope.theta == 1e6 and not qwen2.tied
    assert (qwen3.qk_norm, qwen3.qkv_bias, qwen3.kv_heads, qwen3.head_dim) == (True, False, 1, 16)
    assert (mistral.sliding_window, mistral.sliding_layers) == (6, (0, 1))


def test_what_the_pipeline_needs(saved, loaded):
    llama, qwen2 = loaded["llama"], loaded["qwen2"]
    reference = saved["qwen2"][1]
    assert len(llama.files) > 1 and llama.architecture == "LlamaForCausalLM"
    assert llama.output_table is llama.token_table and not llama.token_table.flags.writeable
    assert qwen2.token_table.shape == qwen2.output_table.shape == (VOCAB, 32)
    assert qwen2.token_table.dtype == "float32" and not qwen2.output_table.flags.writeable
    assert (qwen2.token_table == reference.model.embed_tokens.weight.detach().numpy()).all()
    assert (qwen2.output_table == reference.lm_head.weight.detach().numpy()).all()
    assert qwen2.parameters == sum(p.numel() for p in reference.parameters())
    assert qwen2.name.startswith("qwen2 2L·32d") and str(qwen2.path) in qwen2.source


def test_llama3_frequencies_match_transformers(saved):
    from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS

    config = saved["llama"][1].config
    reference, _ = ROPE_INIT_FUNCTIONS["llama3"](config, "cpu")
    rope = RopeSettings(
        theta=10000.0,
        kind="llama3",
        factor=8.0,
        low_freq_factor=1.0,
        high_freq_factor=4.0,
        original_context=32,
    )
    ours = inverse_frequencies(16, rope)
    assert torch.equal(ours, reference)
    plain = inverse_frequencies(16, RopeSettings(theta=10000.0))
    assert ours[0] == plain[0] and torch.allclose(ours[2:], plain[2:] / 8)  # kept, then scaled
    assert plain[1] / 8 < ours[1] < plain[1]  # blended


def _config_json(saved, family: str) -> dict:
    return json.loads((saved[family][0] / "config.json").read_text())


def test_transformers_4_keys_read_as_transformers_5_keys(saved):
    where = Path("config.json")
    data = _config_json(saved, "llama")
    old = {key: value for key, value in data.items() if key != "rope_parameters"}
    scaling = {key: value for key, value in LLAMA3_ROPE.items() if key not in ("rope_type", "rope_theta")}
    old.update(rope_theta=10000.0, rope_scaling={"type": "llama3", **scaling})
    assert decoder_config(old, where) == decoder_config(data, where)
    # transformers 4 wrote a window into Qwen2 configs that never use it
    qwen = {key: value for key, value in _config_json(saved, "qwen2").items() if key != "layer_types"}
    qwen.update(use_sliding_window=False, sliding_window=32768, rope_scaling=None)
    assert decoder_config(qwen, where).sliding_layers == ()
    qwen.update(use_sliding_window=True, max_window_layers=1)  # no layer_types: layers from 1 on slide
    assert decoder_config(qwen, where).sliding_layers == (1,)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"rope_parameters": {"rope_type": "yarn", "factor": 4.0}}, "rope_type 'yarn' is not supported"),
        ({"hidden_act": "gelu"}, "hidden_act 'gelu' is not supported"),
        ({"num_key_value_heads": 3}, r"heads \(4\) must be a multiple of kv_heads \(3\)"),
        ({"num_hidden_layers": "2"}, "num_hidden_layers='2', not an integer"),
    ],
)
def test_configs_llm_tui_cannot_run_are_refused_by_key(saved, change, problem):
    data = {**_config_json(saved, "mistral"), **change}
    with pytest.raises(WeightsError, match=problem):
        decoder_config(data, Path("config.json"))


def test_random_decoder_is_seeded_and_counts_llama_3_2_1b():
    assert DecoderLM(DecoderConfig(), device="meta").num_parameters() == 1_235_814_400
    config = DecoderConfig(
        vocab_size=50, context=32, dim=16, layers=1, heads=2, kv_heads=1, head_dim=8, mlp_dim=24
    )
    first, second = DecoderLM(config, seed=3), DecoderLM(config, seed=3)
    for (name, a), b in zip(first.state_dict().items(), second.state_dict().values(), strict=True):
        assert torch.equal(a, b), name
    assert first.num_parameters() == sum(map(_count, expected_tensors(config).values()))


def _count(shape: tuple[int, ...]) -> int:
    return int(torch.Size(shape).numel())


@torch.no_grad()
def test_cpu_falls_back_to_bf16_when_float32_does_not_fit(saved, loaded, monkeypatch):
    folder, _ = saved["mistral"]
    parameters = loaded["mistral"].parameters
    tables = 2 * VOCAB * 32 * 4
    monkeypatch.setattr(decoder_loader, "free_memory", lambda device: parameters * 2 + tables)
    half = load_decoder(folder)
    assert half.dtype == torch.bfloat16 and "bfloat16" in half.precision_note
    output = half.model(_ids(), capture_attention={1})
    assert output.logits.dtype == output.attentions[1].dtype == output.scores[1].dtype == torch.float32
    assert half.token_table.dtype == "float32"
    torch.testing.assert_close(output.logits, loaded["mistral"].model(_ids()).logits, atol=0.1, rtol=0.05)
    monkeypatch.setattr(decoder_loader, "free_memory", lambda device: parameters * 2 + tables - 1)
    with pytest.raises(WeightsError, match="only .* of memory is available"):
        load_decoder(folder)


def test_a_bf16_checkpoint_is_float32_on_the_cpu_and_kept_half_on_an_accelerator(
    saved, tmp_path, monkeypatch
):
    folder = tmp_path / "qwen3-bf16"
    shutil.copytree(saved["qwen3"][0], folder)
    _rewrite(folder, lambda tensors: tensors.update({k: v.bfloat16() for k, v in tensors.items()}))
    on_cpu = load_decoder(folder)
    assert on_cpu.dtype == torch.float32 and on_cpu.precision_note is None
    rounded = saved["qwen3"][1].model.embed_tokens.weight.detach().bfloat16().float().numpy()
    assert (on_cpu.token_table == rounded).all()
    monkeypatch.setattr(decoder_loader, "free_memory", lambda device: 10**12)
    chosen = decoder_loader._choose_dtype(None, torch.bfloat16, "cuda", 1000, 0, folder)
    assert chosen == (torch.bfloat16, None)


# --- errors ---------------------------------------------------------------------------------------


@pytest.fixture
def qwen_copy(saved, tmp_path) -> Path:
    folder = tmp_path / "qwen2"
    shutil.copytree(saved["qwen2"][0], folder)
    return folder


def _rewrite(folder: Path, change) -> None:
    tensors = load_file(folder / "model.safetensors")
    change(tensors)
    save_file(tensors, folder / "model.safetensors", metadata={"format": "pt"})


def test_unsupported_architecture_names_the_supported_ones(qwen_copy):
    data = json.loads((qwen_copy / "config.json").read_text())
    data["architectures"] = ["GPTNeoXForCausalLM"]
    (qwen_copy / "config.json").write_text(json.dumps(data))
    with pytest.raises(WeightsError) as error:
        load_decoder(qwen_copy)
    message = str(error.value)
    assert "GPTNeoXForCausalLM" in message
    for supported in ("LlamaForCausalLM", "Qwen2ForCausalLM", "Qwen3ForCausalLM", "MistralForCausalLM"):
        assert supported in message


def test_missing_tensor_is_named(qwen_copy):
    _rewrite(qwen_copy, lambda tensors: tensors.pop("model.layers.1.mlp.up_proj.weight"))
    with pytest.raises(
        WeightsError, match=r"model\.layers\.1\.mlp\.up_proj\.weight is missing; config\.json"
    ):
        load_decoder(qwen_copy)


def test_wrong_shape_is_named_with_both_shapes(qwen_copy):
    def narrower(tensors):
        tensors["model.layers.0.self_attn.k_proj.weight"] = torch.zeros(16, 31)

    _rewrite(qwen_copy, narrower)
    with pytest.raises(WeightsError) as error:
        load_decoder(qwen_copy)
    message = str(error.value)
    assert "model.layers.0.self_attn.k_proj.weight (in model.safetensors) has shape (16, 31)" in message
    assert "the config needs (16, 32)" in message and "more" not in message


def test_missing_lm_head_of_an_untied_model_is_named(qwen_copy):
    _rewrite(qwen_copy, lambda tensors: tensors.pop("lm_head.weight"))
    with pytest.raises(WeightsError, match=r"lm_head\.weight is missing"):
        load_decoder(qwen_copy)


def test_a_tied_model_may_store_its_head_and_an_empty_text_runs(saved, tmp_path):
    folder = tmp_path / "qwen3"
    shutil.copytree(saved["qwen3"][0], folder)

    def with_head(tensors):
        tensors["lm_head.weight"] = tensors["model.embed_tokens.weight"].clone()

    _rewrite(folder, with_head)
    model = load_decoder(folder).model
    with torch.no_grad():
        output = model(torch.zeros(1, 0, dtype=torch.long), capture_attention=True)
    assert output.logits.shape == (1, 0, VOCAB) and output.attentions[0].shape == (1, 4, 0, 0)


def test_pickles_are_refused(qwen_copy, tmp_path):
    pickled = tmp_path / "pickled"
    pickled.mkdir()
    shutil.copy(qwen_copy / "config.json", pickled)
    torch.save({"x": torch.zeros(1)}, pickled / "pytorch_model.bin")
    for path in (pickled, pickled / "pytorch_model.bin"):
        with pytest.raises(WeightsError, match=r"pytorch_model\.bin is a PyTorch pickle file; llm-tui never"):
            load_decoder(path)
    shutil.copy(pickled / "pytorch_model.bin", qwen_copy / "model.safetensors")  # a pickle in disguise
    with pytest.raises(WeightsError, match="model.safetensors is a PyTorch pickle file"):
        load_decoder(qwen_copy)


def test_a_shard_the_index_lists_must_be_there(saved, tmp_path):
    folder = tmp_path / "llama"
    shutil.copytree(saved["llama"][0], folder)
    shard = sorted(folder.glob("model-*.safetensors"))[-1]
    shard.unlink()
    with pytest.raises(WeightsError, match=f"lists the shard {shard.name}, which is not in"):
        load_decoder(folder)
