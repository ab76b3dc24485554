"""Lesson progress survives a full disk, a second open app, damaged files, and a lost main file."""

from __future__ import annotations

import asyncio
import errno
import json
import os

import pytest

from engine import atomic_files
from engine.nn.device import DeviceInfo
from engine.settings import Settings
from tests.tui.helpers import record_notifications, settle
from tui.app import LlmTuiApp
from tui.lessons import progress as progress_module
from tui.lessons.progress import Progress

DEVICE = DeviceInfo("cpu", "cpu · test device")
LESSON = "text-to-tokens"

DAMAGED = {
    "a language that is a list": '{"en": []}',
    "an entry that is a number": '{"en": {"text-to-tokens": 5}}',
    "a list at the top": "[1]",
    "not JSON": "{ this is not json",
    "not UTF-8": b"\xff\xfe\x00garbage",
    "bad fields": '{"en": {"text-to-tokens": {"step": "two", "seen": -1, "quiz": {"0": "maybe", "x": 1}}}}',
    "deep nesting": "[" * 100_000 + "]" * 100_000,
    "a huge file": '{"en": {}, "pad": "' + "x" * (progress_module.MAX_BYTES + 10) + '"}',
}


def _write(path, content) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


def _app(tmp_path, lesson: str | None = None) -> LlmTuiApp:
    return LlmTuiApp(
        "",
        Settings(),
        theme_name="llm-dark",
        device=DEVICE,
        colors="truecolor",
        language="en",
        lesson=lesson,
        state_dir=tmp_path,
    )


def _temporaries(folder) -> list[str]:
    return [p.name for p in folder.iterdir() if atomic_files.TEMP_MARK in p.name]


@pytest.mark.parametrize("target", ["os.write", "os.fsync", "os.replace"])
def test_a_full_disk_during_save_keeps_the_old_file(tmp_path, monkeypatch, target):
    saved = Progress(tmp_path)
    saved.record("en", LESSON, 2)
    before = saved.path.read_bytes()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic_files.os, target.split(".")[1], full)
    progress = Progress(tmp_path)
    progress.record("en", LESSON, 3)  # must not raise
    progress.record_outcome("en", LESSON, 0, "right")
    monkeypatch.undo()
    assert any("No space left" in note for note in progress.problems)
    assert saved.path.read_bytes() == before
    assert Progress(tmp_path).last_step("en", LESSON) == 2
    assert _temporaries(tmp_path) == []


@pytest.mark.parametrize("order", ["first-then-second", "interleaved"])
def test_two_open_apps_keep_each_others_lessons(tmp_path, order):
    one, two = Progress(tmp_path), Progress(tmp_path)
    if order == "interleaved":
        one.record("en", "causal-mask", 1)
        two.record("en", "positions", 2)
        one.record_outcome("en", "causal-mask", 1, "wrong")
        two.record("ja", "positions", 0)
    else:
        one.record("en", "causal-mask", 1)
        one.record_outcome("en", "causal-mask", 1, "wrong")
        two.record("en", "positions", 2)
        two.record("ja", "positions", 0)
    again = Progress(tmp_path)
    assert again.last_step("en", "causal-mask") == 1 and again.outcome("en", "causal-mask", 1) == "wrong"
    assert again.last_step("en", "positions") == 2 and again.furthest("ja", "positions") == 1
    # Both apps saw one lesson each at the same step: the furthest seen is kept, and the first outcome.
    one.record("en", "positions", 0)
    two.record_outcome("en", "causal-mask", 1, "right")
    again = Progress(tmp_path)
    assert again.furthest("en", "positions") == 3 and again.outcome("en", "causal-mask", 1) == "wrong"


@pytest.mark.parametrize("content", list(DAMAGED.values()), ids=list(DAMAGED))
def test_damaged_progress_loads_without_a_crash(tmp_path, content):
    _write(tmp_path / "progress.json", content)
    progress = Progress(tmp_path)
    assert progress.problems  # the app has a note to show
    assert progress.last_step("en", LESSON) == 0 and progress.score("en", LESSON) == (0, 0)
    progress.record("en", LESSON, 1)
    progress.record_outcome("en", LESSON, 1, "right")
    again = Progress(tmp_path)
    assert again.last_step("en", LESSON) == 1 and again.score("en", LESSON) == (1, 1)


IN_THE_APP = ("a language that is a list", "an entry that is a number", "not JSON")


@pytest.mark.parametrize("content", [DAMAGED[name] for name in IN_THE_APP], ids=IN_THE_APP)
def test_the_app_opens_a_lesson_on_damaged_progress(tmp_path, content):
    _write(tmp_path / "progress.json", content)

    async def scenario():
        app = _app(tmp_path, lesson=LESSON)
        told = record_notifications(app)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert app.lesson_driver.lesson is not None and app.lesson_driver.lesson.id == LESSON
            await pilot.press("n")
            await settle(pilot)
            assert app.lesson_driver.step_index == 1
        # The learner is told what was dropped, once, not left to find progress missing.
        about_progress = [message for message in told if message.startswith("lesson progress:")]
        assert about_progress and len(about_progress) == len(set(about_progress))

    asyncio.run(scenario())
    assert Progress(tmp_path).last_step("en", LESSON) == 1


@pytest.mark.parametrize("garbage", ["", "{ not json", "[1]", b"\x00\x01\x02"])
def test_the_backup_is_used_when_the_main_file_is_garbage(tmp_path, garbage):
    progress = Progress(tmp_path)
    progress.record("en", "causal-mask", 2)
    progress.record("en", "positions", 1)  # the backup now holds causal-mask at step 2
    assert progress.backup.exists()
    _write(progress.path, garbage)
    restored = Progress(tmp_path)
    assert restored.last_step("en", "causal-mask") == 2
    assert any("restored from progress.json.bak" in note for note in restored.problems)
    # Saving over the garbage keeps the good backup, and the next start reads the new main file.
    restored.record("en", "causal-mask", 3)
    assert json.loads(restored.backup.read_text("utf-8"))["en"]["causal-mask"]["step"] == 2
    assert Progress(tmp_path).last_step("en", "causal-mask") == 3


def test_a_stale_temporary_of_a_crashed_app_is_removed(tmp_path):
    progress = Progress(tmp_path)
    stale = atomic_files.temp_path(progress.path)
    _write(stale, "{}")
    old = os.path.getmtime(stale) - atomic_files.STALE_SECONDS - 10
    os.utime(stale, (old, old))
    progress.record("en", LESSON, 0)
    assert not stale.exists() and _temporaries(tmp_path) == []
