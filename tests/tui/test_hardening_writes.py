"""Writes that do not trust the folder, and dialogs that never block on a special file.

F5 export and ctrl+s create new files only (exclusively, never through a link planted at the
name, never over an earlier export); a folder that cannot be written is a notification, and the
app keeps running. The F3 corpus dialog and the F6 model dialog refuse a named pipe or a device
at once, without freezing the app.
"""

from __future__ import annotations

import asyncio
import errno
import os
import types
from pathlib import Path

import pytest
from textual.widgets import Input, Label

import tui.dialogs
import tui.export
from tests.tui.helpers import make_app, record_notifications, settle
from tui.export import write_new_files

POSIX = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX only")
STEM = "llm-tui-20260101-000000"
SUFFIXES = ["-tokens.csv", "-tokens.json", "-attention-head0.csv", "-attention-head0.json"]
WAIT = 30.0  # seconds: a dialog answer or a worker; a hang fails instead of stopping the suite


def _same_second(monkeypatch) -> None:
    """Every export stamped with the same second, as two quick F5 presses are."""
    monkeypatch.setattr(tui.dialogs, "time", types.SimpleNamespace(strftime=lambda fmt, *a: STEM))


async def _until(pilot, condition, timeout: float = WAIT) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await pilot.pause(0.02)


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_export_never_follows_a_link_planted_at_the_next_name(tmp_path, monkeypatch, suffix):
    target = tmp_path / "precious.txt"
    target.write_text("do not overwrite", encoding="utf-8")
    (tmp_path / f"{STEM}{suffix}").symlink_to(target)
    monkeypatch.chdir(tmp_path)
    _same_second(monkeypatch)

    async def scenario():
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            notes = record_notifications(app)
            await pilot.press("f5")
            await _until(pilot, lambda: notes)
            assert notes[-1].startswith(f"saved in {tmp_path}: "), notes  # where, not only what
            assert STEM + "-1-tokens.csv" in notes[-1]
            assert app.is_running

    asyncio.run(scenario())
    assert target.read_text(encoding="utf-8") == "do not overwrite"
    assert (tmp_path / f"{STEM}{suffix}").is_symlink()
    # The taken name kept its link, and none of the other three names of that stem was written.
    assert not any((tmp_path / f"{STEM}{other}").exists() for other in SUFFIXES if other != suffix)
    assert all((tmp_path / f"{STEM}-1{other}").is_file() for other in SUFFIXES)


@pytest.mark.parametrize("presses", [2, 3])
def test_exports_in_the_same_second_are_all_kept(tmp_path, monkeypatch, presses):
    monkeypatch.chdir(tmp_path)
    _same_second(monkeypatch)

    async def scenario():
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            notes = record_notifications(app)
            for count in range(1, presses + 1):
                await pilot.press("f5")
                await _until(pilot, lambda count=count: len(notes) >= count)
            assert all(note.startswith("saved ") for note in notes), notes

    asyncio.run(scenario())
    stems = [STEM] + [f"{STEM}-{n}" for n in range(1, presses)]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(s + x for s in stems for x in SUFFIXES)


def test_write_new_files_leaves_an_existing_file_alone_and_cleans_up(tmp_path):
    (tmp_path / "a.json").write_text("old", encoding="utf-8")
    paths = write_new_files(tmp_path, "a", {".csv": "1", ".json": "2"})
    assert [p.name for p in paths] == ["a-1.csv", "a-1.json"]
    assert (tmp_path / "a.json").read_text(encoding="utf-8") == "old"
    assert not (tmp_path / "a.csv").exists()  # written first, then removed when a.json was taken


def _refuse(path, data):
    raise PermissionError(errno.EACCES, "Permission denied", str(path))


@pytest.mark.parametrize("how", ["chmod", "refused"])
@pytest.mark.parametrize("key", ["ctrl+s", "f5"])
def test_a_read_only_folder_is_a_notification_and_the_app_keeps_running(tmp_path, monkeypatch, key, how):
    if how == "chmod" and hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("root writes in a read-only folder; the 'refused' case stands in for it")
    if how == "refused":  # what the system says in a read-only folder, for any user
        monkeypatch.setattr(tui.export, "_create", _refuse)
    folder = tmp_path / "read-only"
    folder.mkdir()
    monkeypatch.chdir(folder)
    folder.chmod(0o555)
    try:

        async def scenario():
            app = make_app()
            async with app.run_test(size=(120, 40)) as pilot:
                await settle(pilot)
                notes = record_notifications(app)
                await pilot.press(key)
                await _until(pilot, lambda: notes)
                assert "not saved" in notes[-1] or "export failed" in notes[-1], notes
                assert "Permission denied" in notes[-1]
                await pilot.press("end", "!")  # typing goes on
                await settle(pilot)
                assert app.is_running and app.result is not None

        asyncio.run(scenario())
    finally:
        folder.chmod(0o755)
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("shots", [1, 2])
def test_screenshots_in_the_same_second_are_all_kept(tmp_path, monkeypatch, shots):
    monkeypatch.chdir(tmp_path)

    async def scenario():
        app = make_app()
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            notes = record_notifications(app)
            for count in range(1, shots + 1):
                await pilot.press("ctrl+s")
                await _until(pilot, lambda count=count: len(notes) >= count)
            assert all(note.startswith("screenshot saved: ") for note in notes), notes

    asyncio.run(scenario())
    svgs = sorted(tmp_path.glob("*.svg"))
    assert len(svgs) == shots and all(p.read_text(encoding="utf-8").startswith("<svg") for p in svgs)


def _special(kind: str, tmp_path: Path) -> Path:
    if kind == "fifo":
        os.mkfifo(tmp_path / "pipe")
        return tmp_path / "pipe"
    if kind == "link-to-fifo":
        os.mkfifo(tmp_path / "pipe")
        (tmp_path / "link").symlink_to(tmp_path / "pipe")
        return tmp_path / "link"
    return Path("/dev/zero")


@POSIX
@pytest.mark.parametrize("kind", ["fifo", "link-to-fifo", "dev-zero"])
def test_the_corpus_dialog_refuses_a_special_file_without_blocking(tmp_path, kind):
    path = _special(kind, tmp_path)

    async def scenario():
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("f3")
            await pilot.pause()
            field = app.screen.query_one("#file-path", Input)
            field.value = str(path)
            field.focus()
            await pilot.press("enter")
            error = app.screen.query_one("#file-error", Label)
            await _until(pilot, lambda: "regular file" in str(error.render()))
            assert "not a regular file" in str(error.render())
            assert app.screen.__class__.__name__ == "CorpusScreen"  # still open: nothing loaded
            await pilot.press("escape")
            await pilot.pause()
            assert app.is_running and app.settings.corpus is None

    asyncio.run(asyncio.wait_for(scenario(), WAIT * 2))


@POSIX
@pytest.mark.parametrize("kind", ["fifo", "link-to-fifo", "dev-zero"])
def test_the_model_dialog_refuses_a_special_file_without_loading_it(tmp_path, kind):
    path = _special(kind, tmp_path)

    async def scenario():
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("f6")
            await pilot.pause()
            field = app.screen.query_one("#model-path", Input)
            field.value = str(path)
            field.focus()
            await pilot.press("enter")
            await pilot.pause()
            assert "pipe or device" in str(app.screen.query_one("#model-error", Label).render())
            assert app.screen.__class__.__name__ == "ModelScreen"
            await pilot.press("escape")
            await settle(pilot)
            assert app.is_running and app.settings.weights is None

    asyncio.run(asyncio.wait_for(scenario(), WAIT * 2))
