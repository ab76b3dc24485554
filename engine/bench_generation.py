"""Benchmark rows of the key/value cache: one cached generation step, and what the cache holds.

Random weights of the real shapes, made here (nothing is downloaded): GPT-2 124M, and Llama 3.2 1B
(16 layers, width 2,048, 32 query and 8 key/value heads, a 128,256-token vocabulary). A step is
one forward pass of one new token after a cached prompt, with the logits of that token: what `A`
in the app and `llm-tui generate` pay per token. On cuda the 1B shape runs in bfloat16.
"""

from __future__ import annotations

import math
import statistics
import time

from engine.bench import Row

SHAPES = ("GPT-2 124M", "Llama-3.2-1B shape")
CACHE_TOKENS = 1024  # the cache memory rows: a text this long


def _model(shape: str, device: str, small: bool):
    """The model of `shape` (`small`: a 2-layer cut of it, for `bench --quick`), on `device`."""
    import torch

    from engine.nn.decoder import DecoderLM
    from engine.nn.decoder_config import DecoderConfig
    from engine.nn.model import GPT, GPTConfig

    if shape == SHAPES[0]:
        config = GPTConfig(layers=2) if small else GPTConfig()
        return GPT(config, seed=0).to(device).eval()
    # The quick cut keeps the grouped heads and the vocabulary but not the width: a smoke test.
    config = (
        DecoderConfig(layers=2, dim=256, heads=8, kv_heads=2, head_dim=32, mlp_dim=512)
        if small
        else DecoderConfig()
    )
    model = DecoderLM(config, seed=0).eval()
    if device.startswith("cuda"):
        for parameter in model.parameters():  # the weights only: the rotary frequencies stay float32
            parameter.data = parameter.data.to(torch.bfloat16)
    return model.to(device)


def _step_ms(model, prompt: int, steps: int, device: str) -> tuple[float, int]:
    """Median ms of one cached step after a `prompt`-token prompt; bytes the cache holds per position."""
    import torch

    from engine.nn.kv_cache import KeyValueCache

    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(0, model.config.vocab_size, (1, prompt), generator=generator).to(device)
    cache = KeyValueCache(model.config.layers)
    times = []
    with torch.no_grad():
        logits = model(ids, cache=cache, logits="last").logits
        for _ in range(steps):
            token = logits[0, -1].argmax().view(1, 1)
            started = time.perf_counter()
            logits = model(token, cache=cache, logits="last").logits
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            times.append(time.perf_counter() - started)
    return statistics.median(times[1:]) * 1e3, cache.nbytes // cache.length


def generation_rows(device: str, quick: bool) -> list[Row]:
    """Per shape: ms per cached step on the CPU, on cuda when there is one, and the cache memory."""
    import torch

    rows: list[Row] = []
    places = ["cpu"] + (["cuda"] if torch.cuda.is_available() and device.startswith("cuda") else [])
    for shape in SHAPES:
        prompt = 64 if quick else (CACHE_TOKENS - 24 if shape == SHAPES[0] else 128)
        steps = 4 if quick else 12
        cpu_bytes = None
        for place in places:
            label = f"cached generation step, {shape}{' (quick: 2 layers)' if quick else ''}, {place}"
            if place == "cuda":
                label += " bf16" if shape == SHAPES[1] else " float32"
            target = {("cpu", SHAPES[1]): 1000.0, ("cuda", SHAPES[1]): 30.0}.get((place, shape))
            model = _model(shape, place, quick)
            milliseconds, per_position = _step_ms(model, prompt, steps, place)
            if place == "cpu":
                cpu_bytes = per_position
            detail = f"one token after {prompt} cached, median of {steps - 1}"
            rows.append(Row(label, milliseconds, "ms", None if quick else target, detail))
            del model
        if "cuda" not in places:
            rows.append(
                Row(
                    f"cached generation step, {shape}, cuda",
                    math.nan,
                    "ms",
                    None,
                    "skipped: no GPU here (run `llm-tui bench --device cuda` on one)",
                )
            )
        assert cpu_bytes is not None
        megabytes = cpu_bytes * CACHE_TOKENS / 1e6
        rows.append(
            Row(
                f"key/value cache at {CACHE_TOKENS:,} tokens, {shape}{' (quick: 2 layers)' if quick else ''}",
                megabytes,
                "MB",
                detail=f"{cpu_bytes:,} bytes per position, as the cache held them (float32 on the CPU)",
            )
        )
    return rows
