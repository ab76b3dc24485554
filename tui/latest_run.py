"""`LatestRun`: one run in flight, at most one follow-up, and only the newest result is shown.

Typing faster than the pipeline runs must neither queue a run per keystroke nor cancel runs
half-way (torch cannot be interrupted): a request made while a run is in flight replaces any
waiting one, and starts the moment the running one ends (leading edge, no fixed debounce). A
result that comes back after a newer request was made is stale and is dropped.

Pure bookkeeping, no Textual: the owner starts the work (a thread worker) in `start` and hands
back each finished run's number to `finished`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

Request = TypeVar("Request")


class LatestRun(Generic[Request]):
    """Schedules runs of `start(request, number)` so that the latest request wins.

    Args:
        start: begins one run (in the background) for `request`; the run is numbered `number`,
            which the owner passes to `finished` when it ends, however it ends.
    """

    def __init__(self, start: Callable[[Request, int], None]) -> None:
        self._start = start
        self._number = 0
        self._in_flight: int | None = None
        self._waiting: tuple[Request] | None = None  # a 1-tuple, so that a None request can wait

    @property
    def busy(self) -> bool:
        """True while a run is in flight or a request waits for one."""
        return self._in_flight is not None or self._waiting is not None

    @property
    def waiting(self) -> bool:
        """True while a request waits for the run in flight to end (that run's result is stale)."""
        return self._waiting is not None

    @property
    def latest(self) -> int:
        """The number of the newest run started (0 before the first)."""
        return self._number

    def request(self, request: Request) -> None:
        """Run `request` now, or right after the run in flight (replacing any waiting request)."""
        if self._in_flight is not None:
            self._waiting = (request,)
        else:
            self._launch(request)

    def finished(self, number: int) -> bool:
        """Run `number` ended; start the waiting request, if any. True if the run's result is the
        newest (nothing was requested after it), so it should be shown."""
        if number == self._in_flight:
            self._in_flight = None
            if self._waiting is not None:
                (request,), self._waiting = self._waiting, None
                self._launch(request)
        return number == self._number

    def _launch(self, request: Request) -> None:
        self._number += 1
        self._in_flight = self._number
        self._start(request, self._number)
