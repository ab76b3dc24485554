"""`llm-tui bench --quick --json` runs and returns every row (no thresholds: timings belong to the
benchmark, not to tests on a shared machine)."""

from __future__ import annotations

import json
import math

from tui.cli import main


def test_quick_bench_returns_every_row(capsys):
    assert main(["bench", "--quick", "--json", "--device", "cpu"]) == 0
    payload = json.loads(capsys.readouterr().out)
    names = [row["name"] for row in payload["rows"]]
    for fragment in (
        "start-up to first frame",
        "keystroke → all panes updated, 32 tokens",
        "keystroke → all panes updated, 256 tokens",
        "heatmap frame cost",
        "tokenize 0.1 MB (gpt2)",
        "tokenize 0.1 MB (cl100k_base)",
        "tokenize 0.1 MB (o200k_base)",
        "vocabulary load, cold (o200k_base)",
        "memory after loading all three vocabularies",
        "attention capture on / off",
        "engine / transformers",
    ):
        assert any(fragment in name for name in names), fragment
    for row in payload["rows"]:
        assert math.isfinite(row["value"]) and row["value"] > 0, row
        assert row["passed"] in (True, False, None)
        if row["target"] is None:
            assert row["passed"] is None
    assert "cores" in payload["machine"]
