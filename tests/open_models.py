"""A tiny random open model in a temporary Hugging Face cache, for tests of everything that opens one.

A Llama (llama3 RoPE scaling, grouped-query attention: 4 query heads sharing 2 key/value heads) with a
Llama-3-style tokenizer and chat template made from the shipped cl100k_base ranks
(`tests.engine.hf_folders`), cached as `test-org/tiny-llama` the way `huggingface_hub` lays a download
out (`models--ORG--NAME/snapshots/<commit>/…`, `refs/main`). Nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from tests.engine.hf_folders import LLAMA3_TEMPLATE, LLAMA_SPECIALS, make_folder

REPO = "test-org/tiny-llama"
COMMIT = "0123456789abcdef"


FAMILIES = ("llama", "qwen2", "qwen3", "mistral")
SMALL = dict(
    hidden_size=32,
    intermediate_size=64,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    max_position_embeddings=256,
    attn_implementation="eager",
)
LLAMA3_ROPE = {
    "rope_type": "llama3",
    "factor": 32.0,
    "low_freq_factor": 1.0,
    "high_freq_factor": 4.0,
    "original_max_position_embeddings": 64,
}


def _config(transformers, family: str, vocab_size: int):
    """A tiny config of `family` that exercises what is special about it."""
    if family == "llama":  # llama3 RoPE scaling, GQA, tied head
        return transformers.LlamaConfig(
            vocab_size=vocab_size,
            rope_scaling=LLAMA3_ROPE,
            rope_theta=500000.0,
            tie_word_embeddings=True,
            **SMALL,
        )
    if family == "qwen2":  # QKV biases (made non-zero below), a separate output head
        return transformers.Qwen2Config(vocab_size=vocab_size, tie_word_embeddings=False, **SMALL)
    if family == "qwen3":  # per-head q/k RMSNorm, an explicit head_dim
        return transformers.Qwen3Config(vocab_size=vocab_size, head_dim=8, tie_word_embeddings=True, **SMALL)
    # Mistral: a sliding window shorter than the texts, so keys too far back are hidden
    return transformers.MistralConfig(
        vocab_size=vocab_size, sliding_window=4, tie_word_embeddings=False, **SMALL
    )


def build_cache(cache: Path, family: str):
    """Write a tiny random `family` model as `test-org/tiny-<family>` into hub cache `cache`;
    returns (repo id, the transformers model, its tokenizer)."""
    transformers = pytest.importorskip("transformers")
    repo_id = f"test-org/tiny-{family}"
    repo = cache / f"models--test-org--tiny-{family}"
    snapshot = repo / "snapshots" / COMMIT
    tokenizer_config = {
        "bos_token": "<|begin_of_text|>",
        "eos_token": "<|eot_id|>",
        "chat_template": LLAMA3_TEMPLATE,
    }
    make_folder(snapshot, "cl100k_base", LLAMA_SPECIALS, "<|begin_of_text|>", tokenizer_config)
    tokenizer = transformers.PreTrainedTokenizerFast(tokenizer_file=str(snapshot / "tokenizer.json"))
    torch.manual_seed(0)
    model = transformers.AutoModelForCausalLM.from_config(
        _config(transformers, family, len(tokenizer))
    ).eval()
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name.endswith("_proj.bias"):
                parameter.normal_(0, 0.5)  # zero biases would hide a missing bias
    model.save_pretrained(snapshot, safe_serialization=True)
    (repo / "refs").mkdir(exist_ok=True)
    (repo / "refs" / "main").write_text(COMMIT)
    return repo_id, model, tokenizer


def build_tiny_llama_cache(cache: Path):
    """`build_cache(cache, "llama")` without the repo id (it is REPO)."""
    _repo_id, model, tokenizer = build_cache(cache, "llama")
    return model, tokenizer
