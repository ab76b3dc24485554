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


def build_tiny_llama_cache(cache: Path):
    """Write the model into hub cache `cache`; returns (the transformers model, its tokenizer)."""
    transformers = pytest.importorskip("transformers")
    repo = cache / "models--test-org--tiny-llama"
    snapshot = repo / "snapshots" / COMMIT
    tokenizer_config = {
        "bos_token": "<|begin_of_text|>",
        "eos_token": "<|eot_id|>",
        "chat_template": LLAMA3_TEMPLATE,
    }
    make_folder(snapshot, "cl100k_base", LLAMA_SPECIALS, "<|begin_of_text|>", tokenizer_config)
    tokenizer = transformers.PreTrainedTokenizerFast(tokenizer_file=str(snapshot / "tokenizer.json"))
    config = transformers.LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        rope_scaling={
            "rope_type": "llama3",
            "factor": 32.0,
            "low_freq_factor": 1.0,
            "high_freq_factor": 4.0,
            "original_max_position_embeddings": 64,
        },
        rope_theta=500000.0,
        tie_word_embeddings=True,
        attn_implementation="eager",
    )
    torch.manual_seed(0)
    model = transformers.LlamaForCausalLM(config).eval()
    model.save_pretrained(snapshot, safe_serialization=True)
    (repo / "refs").mkdir(exist_ok=True)
    (repo / "refs" / "main").write_text(COMMIT)
    return model, tokenizer
