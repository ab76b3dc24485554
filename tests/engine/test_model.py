"""The GPT-2 architecture: both attention paths, initialisation, parameter counts."""

import math

import pytest
import torch

from engine.nn.model import GPT, GPTConfig

SMALL = GPTConfig(vocab_size=61, context=16, dim=24, layers=3, heads=4)


def _ids(batch=2, length=11, vocab=61, seed=0):
    return torch.randint(0, vocab, (batch, length), generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("length", [1, 7, 16])
def test_capture_path_gives_the_fast_paths_logits(length):
    model = GPT(SMALL, seed=3).eval()
    with torch.no_grad():
        fast = model(_ids(length=length))
        explicit = model(_ids(length=length), capture_attention=True)
    assert fast.attentions is None
    assert fast.logits.shape == (2, length, 61)
    torch.testing.assert_close(explicit.logits, fast.logits, atol=1e-5, rtol=0)


def test_captured_weights_are_causal_and_rows_sum_to_one():
    with torch.no_grad():
        attentions = GPT(SMALL, seed=4).eval()(_ids(length=9), capture_attention=True).attentions
    assert len(attentions) == SMALL.layers
    future = torch.triu(torch.ones(9, 9, dtype=torch.bool), diagonal=1)
    for weights in attentions:
        assert weights.shape == (2, SMALL.heads, 9, 9)
        assert (weights[..., future] == 0).all()
        assert (weights[..., ~future] > 0).all()
        torch.testing.assert_close(weights.sum(-1), torch.ones(2, SMALL.heads, 9), atol=1e-6, rtol=0)


def test_a_token_is_not_affected_by_later_tokens():
    model = GPT(SMALL, seed=5).eval()
    ids = _ids(length=10)
    changed = ids.clone()
    changed[:, 6:] = (changed[:, 6:] + 1) % SMALL.vocab_size
    with torch.no_grad():
        before, after = model(ids).logits, model(changed).logits
    torch.testing.assert_close(before[:, :6], after[:, :6])
    assert not torch.allclose(before[:, 6:], after[:, 6:])


@pytest.mark.parametrize(
    ("qkv_bias", "tied", "untied"),
    [
        (False, 124_412_160, 163_009_536),  # the book's GPTModel (chapter 4): no qkv bias
        (True, 124_439_808, 163_037_184),  # GPT-2 as published and in transformers: 12 × 2,304 more
    ],
)
def test_gpt2_small_parameter_counts_without_allocating(qkv_bias, tied, untied):
    model = GPT(GPTConfig(qkv_bias=qkv_bias), device="meta")
    assert model.token_embedding.weight.is_meta
    assert model.num_parameters() == tied
    assert model.num_parameters(tied=False) == untied


def test_describe():
    assert GPT(GPTConfig(), device="meta").describe() == "gpt2 124M"
    assert GPT(GPTConfig(layers=24, dim=1024, heads=16), device="meta").describe() == "gpt2-medium 355M"
    tiny = GPT(GPTConfig(vocab_size=88, context=64, dim=128, layers=4, heads=4), device="meta")
    assert tiny.describe("tiny") == "tiny 4L·128d · 0.8M"


def test_seeded_init_is_reproducible_and_leaves_the_global_rng_alone():
    state = torch.random.get_rng_state()
    first, again, other = GPT(SMALL, seed=7), GPT(SMALL, seed=7), GPT(SMALL, seed=8)
    assert torch.equal(torch.random.get_rng_state(), state)
    for name, tensor in first.state_dict().items():
        assert torch.equal(tensor, again.state_dict()[name]), name
        if name.endswith("weight") and "norm" not in name:
            assert not torch.equal(tensor, other.state_dict()[name]), name


def test_gpt2_initialisation():
    config = GPTConfig(vocab_size=500, context=32, dim=128, layers=6, heads=4)
    model = GPT(config, seed=0)
    for name, tensor in model.state_dict().items():
        if "norm" in name:
            expected = torch.ones_like(tensor) if name.endswith("weight") else torch.zeros_like(tensor)
            assert torch.equal(tensor, expected), name
        elif name.endswith("bias"):
            assert (tensor == 0).all(), name
        else:
            residual = name.endswith(("attention.proj.weight", "mlp.proj.weight"))
            std = 0.02 / math.sqrt(2 * config.layers) if residual else 0.02
            assert abs(tensor.mean().item()) < 0.1 * std, name
            assert tensor.std().item() == pytest.approx(std, rel=0.05), name


def test_the_output_head_is_the_token_table():
    model = GPT(SMALL, seed=1).eval()
    ids = _ids(length=5)
    with torch.no_grad():
        logits = model(ids).logits
        x = model.token_embedding(ids) + model.position_embedding(torch.arange(5))
        for block in model.blocks:
            x, _ = block(x)
        expected = model.final_norm(x) @ model.token_embedding.weight.T
    torch.testing.assert_close(logits, expected)


def test_too_long_input_is_refused():
    with pytest.raises(ValueError, match="17 tokens do not fit in the model's context of 16"):
        GPT(SMALL)(_ids(length=17))


def test_bad_config_is_refused():
    with pytest.raises(ValueError, match="multiple of heads"):
        GPT(GPTConfig(dim=10, heads=4), device="meta")


def test_dropout_only_while_training():
    model = GPT(GPTConfig(vocab_size=61, context=16, dim=24, layers=2, heads=4, dropout=0.5), seed=2)
    ids = _ids()
    with torch.no_grad():
        model.eval()
        assert torch.equal(model(ids).logits, model(ids).logits)
        model.train()
        assert not torch.equal(model(ids).logits, model(ids).logits)
        assert not torch.equal(model(ids, capture_attention=True).logits, model(ids).logits)
