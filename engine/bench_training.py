"""Benchmark rows of training on a busy machine: steps per second idle, then with one competing
process (a Python busy loop started here and stopped after), in one run.

Servers reached over SSH are often busy. With torch's one-thread-per-core default, one competing
process on 2 cores made training 3× slower (its threads waited for each other); training now
uses one thread per free core (`engine.nn.cpu_share`). The target is the proportional slowdown
with 25% to spare: with one of c cores taken, c / (c − 1) (2× on 2 cores; 2× on 1 core, which
it halves).
"""

from __future__ import annotations

import subprocess
import sys
import time

from engine.bench import Row

COMPETITOR = "import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end:\n    pass\n"
"""The competing process: a busy loop that ends by itself, should the bench be killed first."""
SETTLE_SECONDS = 0.5
"""How long the competitor runs before training starts (the machine's load must show it)."""


def _steps_per_second(ids, steps: int) -> tuple[float, int, float | None]:
    """(optimizer steps per second, threads used, cores other processes kept busy)."""
    from engine.training.train import train

    result = train(ids, steps=steps, eval_every=max(steps, 1), seed=0)
    return result.steps / result.seconds, result.threads, result.busy_cores


def proportional_slowdown(cores: int) -> float:
    """How much slower work gets when one competing process takes its share of `cores`."""
    return cores / (cores - 1) if cores > 1 else 2.0


def training_rows(steps: int, deadline_seconds: float = 300.0) -> list[Row]:
    """Steps per second of the tiny GPT idle and with a competing process, and their ratio."""
    from engine.nn.cpu_share import usable_cores
    from engine.tokenize.registry import get_tokenizer, sample_text

    ids = get_tokenizer("gpt2").encode(sample_text())
    _steps_per_second(ids, 2)  # warm-up: the first steps pay for allocation
    idle, idle_threads, _ = _steps_per_second(ids, steps)
    competitor = subprocess.Popen(
        [sys.executable, "-c", COMPETITOR.format(seconds=deadline_seconds)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(SETTLE_SECONDS)
        busy, busy_threads, others = _steps_per_second(ids, steps)
    finally:
        competitor.kill()
        competitor.wait(timeout=10)
    cores = usable_cores()
    slowdown = idle / busy
    seen = "unknown" if others is None else f"{others:.1f}"
    return [
        Row(
            f"training the tiny GPT on the CPU, {steps} steps: idle",
            idle,
            "steps/s",
            detail=f"{idle_threads} thread{'s' if idle_threads != 1 else ''} on {cores} cores",
        ),
        Row(
            f"training the tiny GPT on the CPU, {steps} steps: one competing process",
            busy,
            "steps/s",
            detail=f"{busy_threads} thread{'s' if busy_threads != 1 else ''}; {seen} cores seen busy",
        ),
        Row(
            "training slowdown with one competing process",
            slowdown,
            "×",
            round(1.25 * proportional_slowdown(cores), 2),
            f"{idle:.1f} vs {busy:.1f} steps/s; proportional on {cores} cores: "
            f"{proportional_slowdown(cores):.1f}×",
        ),
    ]
