"""Training uses one thread per free core: what other processes keep busy is the machine's busy
time less this process's own, and torch's count is set for the training only."""

from __future__ import annotations

import os

import pytest
import torch

from engine.nn.cpu_share import CoreWatch, cpu_threads, machine_busy_seconds


class _Machine:
    """A machine whose busy seconds, this process's CPU seconds and the clock the test sets."""

    def __init__(self) -> None:
        self.busy, self.own, self.now, self.slept = 100.0, 5.0, 1000.0, []

    def watch(self, cores: int) -> CoreWatch:
        return CoreWatch(
            cores,
            machine=lambda: self.busy,
            own=lambda: self.own,
            clock=lambda: self.now,
            sleep=self.slept.append,
        )

    def run(self, seconds: float, others: float, own: float) -> None:
        """`seconds` pass with `others` cores busy elsewhere and `own` cores busy here."""
        self.now += seconds
        self.busy += (others + own) * seconds
        self.own += own * seconds


@pytest.mark.parametrize(
    ("cores", "others", "threads"),
    [(2, 0.0, 2), (2, 1.0, 1), (2, 2.0, 1), (2, 0.3, 2), (8, 3.0, 5), (8, 7.9, 1)],
)
def test_one_thread_per_free_core_and_this_processs_own_work_does_not_count(cores, others, threads):
    machine = _Machine()
    watch = machine.watch(cores)
    machine.run(2.0, others, own=cores - others)  # training itself keeps the rest busy
    chosen, seen = watch.threads(ceiling=cores)
    assert seen == pytest.approx(others)
    assert chosen == threads
    assert machine.slept == []  # two seconds since the last look: no need to wait


def test_the_first_look_waits_a_moment_and_the_count_never_passes_the_ceiling():
    machine = _Machine()
    watch = machine.watch(16)
    chosen, seen = watch.threads(ceiling=4)
    assert machine.slept and chosen == 4 and seen == 0.0


def test_without_the_machines_figures_torch_keeps_its_count(monkeypatch):
    monkeypatch.setattr("engine.nn.cpu_share.os.getloadavg", lambda: (_ for _ in ()).throw(OSError()))
    watch = CoreWatch(2, machine=lambda: None)
    assert watch.threads(ceiling=3) == (3, None)


def test_proc_stat_is_read_as_linux_writes_it(tmp_path):
    stat = tmp_path / "stat"
    stat.write_text("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4 5\n")
    assert machine_busy_seconds(stat) == pytest.approx(150 / os.sysconf("SC_CLK_TCK"))  # user + system
    stat.write_text("intr 1 2 3\n")
    assert machine_busy_seconds(stat) is None
    assert machine_busy_seconds(tmp_path / "missing") is None


def test_training_sets_its_thread_count_for_itself_and_reports_it(monkeypatch):
    from engine.tokenize.registry import get_tokenizer, sample_text
    from engine.training.train import train

    before = torch.get_num_threads()
    chosen = 2 if before == 1 else 1  # a count that differs from the one before
    monkeypatch.setattr(CoreWatch, "threads", lambda self, ceiling=None: (chosen, 1.5))
    during, reported = [], []
    result = train(
        get_tokenizer("gpt2").encode(sample_text()),
        steps=2,
        on_step=lambda *_: during.append(torch.get_num_threads()) or True,
        on_threads=lambda threads, busy: reported.append((threads, busy)),
    )
    assert set(during) == {chosen} and reported == [(chosen, 1.5)]
    assert (result.threads, result.busy_cores) == (chosen, 1.5)
    assert torch.get_num_threads() == before


def test_cpu_threads_restores_the_count_after_an_error():
    before = torch.get_num_threads()
    chosen = 2 if before == 1 else 1
    with pytest.raises(RuntimeError), cpu_threads(chosen):
        assert torch.get_num_threads() == chosen
        raise RuntimeError("boom")
    assert torch.get_num_threads() == before
