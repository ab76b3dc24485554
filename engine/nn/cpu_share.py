"""How many CPU threads torch should use, given what else the machine is doing.

torch starts one thread per core and its threads wait for each other at the end of every op.
When other processes keep some cores busy, a thread that is descheduled holds up all the others:
on 2 cores with two busy processes, 100 training steps took 3.2× as long as on the idle machine
with torch's 2 threads, 2.4× with one thread (its fair share of the cores costs about 2.3×).
So training uses only the cores that are free: `CoreWatch` measures how busy the machine is
apart from this process, and `cpu_threads` sets torch's thread count for a piece of work.

Linux reports the machine's CPU time in /proc/stat; elsewhere the 1-minute load average
stands in (slower to follow, but the right order); where neither exists, torch keeps its own
count.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import torch

PROC_STAT = Path("/proc/stat")
FIRST_SAMPLE_SECONDS = 0.2
"""How long the first look at the machine lasts (later ones use the time since the last look)."""


def usable_cores() -> int:
    """The cores this process may run on (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def machine_busy_seconds(stat: Path = PROC_STAT) -> float | None:
    """CPU seconds the whole machine has spent busy since boot (all cores), from /proc/stat."""
    try:
        first = stat.read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    if len(first) < 5 or first[0] != "cpu":
        return None
    try:
        ticks = [int(value) for value in first[1:9]]  # user nice system idle iowait irq softirq steal
    except ValueError:
        return None
    idle = sum(ticks[3:5])  # idle and iowait
    per_second = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    return (sum(ticks) - idle) / per_second


class CoreWatch:
    """Follows how many cores other processes keep busy.

    Each `others_busy` call reports the cores busy with other work since the previous call (the
    first call looks for `FIRST_SAMPLE_SECONDS`): the machine's busy CPU time minus this
    process's own, over the wall time between the calls.

    Args:
        cores: The cores this process may use (default `usable_cores()`).
        machine: Busy CPU seconds of the machine so far, or None where unknown.
        own: CPU seconds of this process so far (all its threads).
        clock: Wall seconds.
        sleep: Waits, for the first look.
    """

    def __init__(
        self,
        cores: int | None = None,
        machine: Callable[[], float | None] = machine_busy_seconds,
        own: Callable[[], float] = time.process_time,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.cores = cores or usable_cores()
        self._machine, self._own, self._clock, self._sleep = machine, own, clock, sleep
        self._last = self._read()

    def _read(self) -> tuple[float | None, float, float]:
        return self._machine(), self._own(), self._clock()

    def others_busy(self) -> float | None:
        """Cores busy with other processes since the last call, or None where it cannot be known."""
        busy_then, own_then, then = self._last
        if busy_then is None:
            return _load_average_others(self.cores)
        if self._clock() - then < FIRST_SAMPLE_SECONDS / 2:
            self._sleep(FIRST_SAMPLE_SECONDS)
        self._last = busy_now, own_now, now = self._read()
        if busy_now is None:
            return None
        others = (busy_now - busy_then - (own_now - own_then)) / max(now - then, 1e-6)
        return min(max(others, 0.0), float(self.cores))

    def threads(self, ceiling: int | None = None) -> tuple[int, float | None]:
        """(threads to use, cores busy with other work): one per free core, at least one, at most
        `ceiling` (torch's own count by default)."""
        ceiling = ceiling or torch.get_num_threads()
        others = self.others_busy()
        if others is None:
            return ceiling, None
        free = self.cores - others
        return max(1, min(ceiling, int(free + 0.5))), others


def _load_average_others(cores: int) -> float | None:
    try:
        one_minute = os.getloadavg()[0]
    except (AttributeError, OSError):
        return None
    return min(max(one_minute, 0.0), float(cores))


@contextmanager
def cpu_threads(count: int) -> Iterator[None]:
    """Run torch's CPU ops on `count` threads for the duration, then restore the count."""
    before = torch.get_num_threads()
    torch.set_num_threads(max(1, count))
    try:
        yield
    finally:
        torch.set_num_threads(before)
