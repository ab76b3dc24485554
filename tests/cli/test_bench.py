"""`llm-tui bench`: the quick run finishes within a deadline and returns every row with a real
number (no thresholds: timings belong to the benchmark, not to tests on a shared machine); a wait
that can never end is reported as a failed row instead of hanging."""

from __future__ import annotations

import asyncio
import json
import math
import subprocess
import sys
import time

import pytest

from tui.cli.bench import (
    Deadlines,
    FailedRow,
    format_table,
    keystroke_rows,
    row_json,
    run_within,
    startup_rows,
)

EXPECTED_ROWS = (
    "start-up to first frame: llm-tui / bare Textual app",
    "keystroke → all panes updated, 32 tokens (p95)",
    "keystroke → all panes updated, 256 tokens (p95)",
    "heatmap frame, 200×60 cells, 128 tokens",
    "heatmap frame, 200×60 cells, 512 tokens",
    "heatmap frame cost, 512 / 128 tokens",
    "tokenize 0.1 MB (gpt2)",
    "tokenize 0.1 MB (cl100k_base)",
    "tokenize 0.1 MB (o200k_base)",
    "vocabulary load, cold (o200k_base)",
    "memory after loading all three vocabularies",
    "attention capture on / off",
    "engine / transformers",
    "typing at the end (p95)",
    "edit in the middle",
    "cached generation step, GPT-2 124M",
    "cached generation step, Llama-3.2-1B shape",
    "key/value cache at 1,024 tokens",
    "training the tiny GPT on the CPU, 10 steps: idle",
    "training the tiny GPT on the CPU, 10 steps: one competing process",
    "training slowdown with one competing process",
)


@pytest.mark.slow
def test_quick_bench_returns_every_row_within_a_deadline():
    done = subprocess.run(
        [sys.executable, "-m", "tui.cli", "bench", "--quick", "--json", "--device", "cpu"],
        capture_output=True,
        text=True,
        timeout=900,  # the whole run: a hang fails the test instead of stalling the suite
    )
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    names = [row["name"] for row in payload["rows"]]
    for expected in EXPECTED_ROWS:
        assert any(expected in name for name in names), (expected, names)
    for row in payload["rows"]:
        if row["detail"].startswith("skipped:"):  # the GPU rows on a machine without one
            assert row["value"] is None and row["passed"] is None and "cuda" in row["name"], row
            continue
        assert row["value"] is not None and math.isfinite(row["value"]) and row["value"] > 0, row
        assert row["passed"] is (None if row["target"] is None else row["value"] <= row["target"]), row
    assert "cores" in payload["machine"]


def test_a_wait_that_never_ends_times_out():
    started = time.perf_counter()
    with pytest.raises(TimeoutError, match="not done after 0.05 s"):
        run_within(asyncio.Event().wait(), 0.05)
    assert time.perf_counter() - started < 5


def test_a_missed_deadline_is_a_failed_row_not_a_hang():
    started = time.perf_counter()
    # The app cannot paint its first frame within a millisecond.
    [keystroke] = keystroke_rows((32,), repeats=2, deadlines=Deadlines(wait=0.001))
    [startup] = startup_rows(1, Deadlines(probe=0.01))
    assert time.perf_counter() - started < 60
    for row in (keystroke, startup):
        assert isinstance(row, FailedRow) and row.passed is False and math.isnan(row.value), row
        assert row.detail.startswith("failed: "), row
    assert "0.01 s" in startup.detail
    assert row_json(keystroke)["value"] is None and row_json(keystroke)["passed"] is False
    assert "✗" in format_table([keystroke]) and "n/a" in format_table([keystroke])
