"""Garbage collection that waits for the user to pause typing.

A full (generation 2) collection walks every tracked object. With torch loaded that took
100-200 ms on a laptop-class CPU, about once a second while typing, and was the slow tail of
keystroke latency. So while the app runs, what exists once the engine (or a model) is loaded
is frozen and never walked again, automatic full collections are off, and a full collection
runs when the user has been idle for a moment instead. Young generations are still collected
automatically: they are cheap (a few ms).
"""

from __future__ import annotations

import gc
import time

NEVER = 1_000_000
"""A generation-2 threshold that the app never reaches: full collections only run when idle."""


class IdleCollector:
    """Owns the collector's settings while an app runs; `stop` puts them back.

    Args:
        idle_seconds: how long without an edit counts as a pause.
    """

    def __init__(self, idle_seconds: float = 1.0) -> None:
        self.idle_seconds = idle_seconds
        self._saved: tuple[int, int, int] | None = None
        self._last_edit = time.monotonic()
        self._garbage_since_edit = False

    def start(self) -> None:
        young, middle, _ = self._saved = gc.get_threshold()
        gc.set_threshold(young, middle, NEVER)

    def stop(self) -> None:
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None
            gc.unfreeze()

    def freeze(self) -> None:
        """Exempt every object alive now from future collections (call once something big loaded)."""
        gc.freeze()

    def edited(self) -> None:
        """The user changed something: the next pause is worth a collection."""
        self._last_edit = time.monotonic()
        self._garbage_since_edit = True

    def collect_if_idle(self) -> bool:
        """Run a full collection if the user has paused since the last edit; True if it ran."""
        if not self._garbage_since_edit or time.monotonic() - self._last_edit < self.idle_seconds:
            return False
        self._garbage_since_edit = False
        gc.collect()
        return True
