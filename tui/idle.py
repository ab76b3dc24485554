"""`FrameClock`: when was what is on screen painted, and waiting, with a deadline, until it is.

The app tells the clock each time it puts something new on screen (`shown`); the clock asks
Textual to call back after the next refresh, which is when the frame that shows it has been
painted. `wait_until` is the one waiting loop that the tests and the benchmark use (through the
app's `wait_until_idle`): it polls a condition and fails loudly at its deadline, so a missed
event can never hang a test run.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

POLL_SECONDS = 0.002
"""How often `wait_until` looks again: far below a frame, far above a busy loop."""


class FrameClock:
    """Counts what was put on screen and remembers when the last of it was painted.

    Args:
        call_after_refresh: the app's `call_after_refresh`.
    """

    def __init__(self, call_after_refresh: Callable[[Callable[[], None]], object]) -> None:
        self._call_after_refresh = call_after_refresh
        self._change = 0
        self._painted = 0
        self.painted_at = 0.0
        """`time.perf_counter()` when the latest change was painted (0.0 before the first)."""

    @property
    def up_to_date(self) -> bool:
        """Whether the last frame painted shows every change made so far."""
        return self._painted == self._change

    def shown(self) -> None:
        """Something new was put on screen; the next refresh paints it."""
        self._change += 1
        change = self._change
        self._call_after_refresh(lambda: self._frame_painted(change))

    def _frame_painted(self, change: int) -> None:
        if change == self._change:
            self._painted, self.painted_at = change, time.perf_counter()


async def wait_until(done: Callable[[], bool], timeout: float, why_not: Callable[[], str]) -> None:
    """Return once `done()` holds; TimeoutError naming `why_not()` after `timeout` seconds."""
    deadline = time.perf_counter() + timeout
    while not done():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"still waiting after {timeout:g} s: {why_not()}")
        await asyncio.sleep(POLL_SECONDS)
