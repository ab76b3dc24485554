"""Every step of every Japanese lesson through the app, as `test_lessons.py` walks the English ones
(with random weights, then with the kind of tiny model F7 trains).

A file of its own so that the test runner's workers (a file each) walk the two languages at the
same time: together in one file they were the suite's longest stretch on one worker.
"""

from __future__ import annotations

import pytest

from tests.tui.test_lessons import tiny_trained_model, walk_every_step


@pytest.mark.slow  # ~30 s: every step of every lesson, driven through the app
def test_every_step_of_every_japanese_lesson_applies_its_state(tmp_path):
    walk_every_step(tmp_path, "ja", size=(80, 24))  # the smallest terminal the lessons are made for


@pytest.mark.slow  # ~30 s
def test_every_step_of_every_japanese_lesson_holds_with_a_trained_tiny_model(tmp_path):
    walk_every_step(tmp_path, "ja", tiny_trained_model(tmp_path))
