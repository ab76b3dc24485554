"""Counts read as English: one head, two heads, a thousand tokens."""

from __future__ import annotations

from engine.pipeline.run import run
from engine.settings import Settings
from tui.formatting.counts import counted
from tui.formatting.status import status_line


def test_counted_nouns():
    assert counted(1, "head") == "1 head" and counted(2, "head") == "2 heads"
    assert counted(0, "pair") == "0 pairs" and counted(1_024, "token") == "1,024 tokens"
    assert counted(3, "entry", "entries") == "3 entries"


def test_the_status_line_says_one_token_and_one_head():
    line = status_line(run("Hi", Settings(dim=8, heads=1)), None)
    assert "· 1 token ·" in line and "1 head ·" in line and "1 heads" not in line
