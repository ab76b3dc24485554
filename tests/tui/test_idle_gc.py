"""The app's garbage-collection policy: no full collections while typing, one when the user pauses."""

from __future__ import annotations

import gc

from tui import idle_gc
from tui.idle_gc import IdleCollector


def test_start_turns_automatic_full_collections_off_and_stop_restores_them():
    before = gc.get_threshold()
    collector = IdleCollector()
    collector.start()
    try:
        assert gc.get_threshold()[:2] == before[:2]
        assert gc.get_threshold()[2] == idle_gc.NEVER
    finally:
        collector.stop()
    assert gc.get_threshold() == before


def test_freeze_exempts_live_objects_until_stop():
    collector = IdleCollector()
    collector.start()
    try:
        collector.freeze()
        assert gc.get_freeze_count() > 0
    finally:
        collector.stop()
    assert gc.get_freeze_count() == 0


def test_collects_once_per_pause_and_only_after_an_edit(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(idle_gc.time, "monotonic", lambda: now[0])
    collections = []
    monkeypatch.setattr(idle_gc.gc, "collect", lambda: collections.append(now[0]))
    collector = IdleCollector(idle_seconds=1.0)
    assert not collector.collect_if_idle()  # nothing typed yet: nothing to collect
    collector.edited()
    now[0] += 0.5
    assert not collector.collect_if_idle()  # still typing
    now[0] += 0.6
    assert collector.collect_if_idle()
    now[0] += 5
    assert not collector.collect_if_idle()  # the same pause: once is enough
    collector.edited()
    now[0] += 1.5
    assert collector.collect_if_idle()
    assert len(collections) == 2
