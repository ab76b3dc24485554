"""Writing a file so that a full disk, a `kill -9` or a second writer never leaves it half written.

Every write goes to a temporary file with a unique name in the target's own folder
(`.NAME.tmp-PID-RANDOM`), is flushed to the disk (fsync), and only then renamed over the target
(`os.replace`, atomic on one file system), under an advisory lock on `NAME.lock` so that two
writers' renames (and a reader's read-merge-write) never interleave. A crashed writer's
temporaries are removed by the next save once they are older than `STALE_SECONDS`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; the rename alone is still atomic
    fcntl = None  # type: ignore[assignment]

STALE_SECONDS = 300.0
"""A temporary older than this belongs to a writer that died: no save takes five minutes to flush."""

TEMP_MARK = ".tmp-"


def temp_path(path: Path) -> Path:
    """A fresh temporary name beside `path`, unique to this process and call."""
    return path.with_name(f".{path.name}{TEMP_MARK}{os.getpid()}-{secrets.token_hex(6)}")


def is_temp_of(candidate: Path, path: Path) -> bool:
    """Whether `candidate` is named like one of `temp_path(path)`'s temporaries."""
    return candidate.parent == path.parent and candidate.name.startswith(f".{path.name}{TEMP_MARK}")


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


@contextlib.contextmanager
def locked(path: str | Path) -> Iterator[None]:
    """Hold the advisory lock of `path` (an exclusive `flock` on `path.lock`) while the block runs.

    The lock file is left in place: removing it would let a third writer lock a new file while the
    second still holds the old one.
    """
    path = Path(path)
    if fcntl is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(lock_path(path), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def clean_stale(path: str | Path, older_than: float = STALE_SECONDS) -> list[Path]:
    """Remove the temporaries of `path` that a crashed writer left, older than `older_than` seconds;
    returns what was removed. A live writer's fresh temporary is never touched."""
    path = Path(path)
    removed: list[Path] = []
    now = time.time()
    with contextlib.suppress(OSError):
        for candidate in path.parent.iterdir():
            if not is_temp_of(candidate, path):
                continue
            try:
                if now - candidate.stat().st_mtime > older_than:
                    candidate.unlink()
                    removed.append(candidate)
            except OSError:
                continue  # gone already, or not ours to remove
    return removed


def _fsync_file(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError, AttributeError):  # not every platform can open a folder
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _keep_backup(path: Path, backup: Path) -> None:
    """Make `backup` a copy of `path` as it is now, atomically (a hard link where possible)."""
    temporary = temp_path(backup)
    try:
        try:
            os.link(path, temporary)
        except OSError:
            temporary.write_bytes(path.read_bytes())
            _fsync_file(temporary)
        os.replace(temporary, backup)
    except FileNotFoundError:
        pass  # nothing to back up yet
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()


def write_with(
    path: str | Path,
    writer: Callable[[Path], None],
    *,
    backup: Path | None = None,
    lock: bool = True,
) -> Path:
    """Have `writer` write a temporary beside `path`, flush it, and rename it over `path`.

    If anything fails (`writer` raises, the disk is full) the temporary is removed and `path` is
    left as it was; the error propagates. `backup`: where the previous `path` is kept first.
    `lock=False` when the caller already holds `locked(path)`.
    """
    path = Path(path)
    clean_stale(path)
    temporary = temp_path(path)
    try:
        writer(temporary)
        _fsync_file(temporary)
        with locked(path) if lock else contextlib.nullcontext():
            if backup is not None:
                _keep_backup(path, backup)
            os.replace(temporary, path)
        _fsync_folder(path.parent)
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()  # only there if something failed before the rename
    return path


def write_bytes(path: str | Path, data: bytes, *, backup: Path | None = None, lock: bool = True) -> Path:
    """`write_with` for bytes in memory: all of `data` or nothing replaces `path`."""

    def write(temporary: Path) -> None:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view) :]
        finally:
            os.close(descriptor)

    return write_with(path, write, backup=backup, lock=lock)
