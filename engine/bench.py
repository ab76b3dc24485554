"""Benchmarks of the engine: tokenization against tiktoken, vocabulary loading, the model's forward
pass against transformers. Each row is a latency or a ratio measured in one run (medians of several
repeats, the two sides interleaved), so shared, noisy machines still give comparable numbers."""

from __future__ import annotations

import json
import math
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from engine.tokenize.registry import BPE_ENCODINGS, sample_text


@dataclass(frozen=True)
class Row:
    """One benchmark result.

    Attributes:
        name: what was measured.
        value: the number (ms, MB or a ratio).
        unit: "ms", "MB" or "×".
        target: the most `value` may be, or None when the row is only reported.
        detail: the raw numbers behind a ratio, repeats, sizes.
    """

    name: str
    value: float
    unit: str
    target: float | None = None
    detail: str = ""

    @property
    def passed(self) -> bool | None:
        if self.target is None or math.isnan(self.value):
            return None
        return self.value <= self.target


def interleaved_medians(
    first: Callable[[], object], second: Callable[[], object], repeats: int
) -> tuple[float, float]:
    """Median seconds of each function, run alternately so load on the machine hits both alike."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for function, bucket in ((first, times[0]), (second, times[1])):
            started = time.perf_counter()
            function()
            bucket.append(time.perf_counter() - started)
    return statistics.median(times[0]), statistics.median(times[1])


def text_of_size(size: int) -> str:
    """About `size` characters of English prose, built from the sample text."""
    sample = sample_text()
    return (sample * (size // len(sample) + 1))[:size]


def tokenization_rows(size: int, repeats: int) -> list[Row]:
    """Engine tokenization (ids plus spans) against tiktoken's encode on the same Encoding."""
    from engine.tokenize.bpe import BpeTokenizer

    text = text_of_size(size)
    rows = []
    for name in BPE_ENCODINGS:
        tokenizer = BpeTokenizer(name)
        engine, direct = interleaved_medians(
            lambda tokenizer=tokenizer: tokenizer.tokenize(text),
            lambda tokenizer=tokenizer: tokenizer.encoding.encode(text),
            repeats,
        )
        rows.append(
            Row(
                f"tokenize {size / 1e6:g} MB ({name}): engine / tiktoken",
                engine / direct,
                "×",
                1.10,
                f"{engine * 1e3:.0f} ms vs {direct * 1e3:.0f} ms, median of {repeats}",
            )
        )
    return rows


_LOAD_PROBE = """
import json, time
def rss_mb():
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith("VmRSS")) / 1024
import engine.tokenize.bpe
before = rss_mb()
seconds = {}
for name in NAMES:
    started = time.perf_counter()
    engine.tokenize.bpe.load_vocabulary(name)
    seconds[name] = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "mb": rss_mb() - before}))
"""


def vocabulary_rows() -> list[Row]:
    """Cold load time of each vocabulary (a fresh process each) and memory with all three loaded."""
    rows = []
    for name in BPE_ENCODINGS:
        probe = _LOAD_PROBE.replace("NAMES", repr([name]))
        loaded = json.loads(
            subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
        )
        rows.append(Row(f"vocabulary load, cold ({name})", loaded["seconds"][name] * 1e3, "ms"))
    probe = _LOAD_PROBE.replace("NAMES", repr(list(BPE_ENCODINGS)))
    loaded = json.loads(
        subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    )
    rows.append(
        Row("memory after loading all three vocabularies", loaded["mb"], "MB", detail="resident set growth")
    )
    return rows


def forward_rows(
    shapes: dict[str, tuple[int, int, int]], tokens: int, repeats: int, device: str
) -> list[Row]:
    """GPT-2 forward on random weights: engine vs transformers (same shape, same token count)."""
    import torch

    from engine.nn.model import GPT, GPTConfig

    try:
        import transformers
    except ImportError:
        transformers = None
    rows = []
    generator = torch.Generator().manual_seed(0)
    for label, (layers, dim, heads) in shapes.items():
        config = GPTConfig(context=max(1024, tokens), dim=dim, layers=layers, heads=heads)
        model = GPT(config, seed=0, device=device).eval()
        ids = torch.randint(0, config.vocab_size, (1, tokens), generator=generator).to(device)

        def engine_forward(capture: bool = False, model=model, ids=ids) -> None:
            with torch.no_grad():
                model(ids, capture_attention=capture)
            if device.startswith("cuda"):
                torch.cuda.synchronize()

        engine_forward()  # warm-up: first calls pay for allocation and kernel selection
        fast, captured = interleaved_medians(engine_forward, lambda: engine_forward(True), repeats)
        rows.append(
            Row(
                f"forward {label}, {tokens} tokens: attention capture on / off",
                captured / fast,
                "×",
                detail=f"{captured * 1e3:.0f} ms vs {fast * 1e3:.0f} ms on {device}",
            )
        )
        if transformers is None:
            continue
        reference_config = transformers.GPT2Config(
            n_layer=layers, n_head=heads, n_embd=dim, n_positions=config.context, vocab_size=config.vocab_size
        )
        reference = transformers.GPT2LMHeadModel(reference_config).to(device).eval()

        def reference_forward(reference=reference, ids=ids) -> None:
            with torch.no_grad():
                reference(ids)
            if device.startswith("cuda"):
                torch.cuda.synchronize()

        reference_forward()
        ours, theirs = interleaved_medians(engine_forward, reference_forward, repeats)
        rows.append(
            Row(
                f"forward {label}, {tokens} tokens: engine / transformers",
                ours / theirs,
                "×",
                1.0,
                f"{ours * 1e3:.0f} ms vs {theirs * 1e3:.0f} ms on {device}, median of {repeats}",
            )
        )
    return rows
