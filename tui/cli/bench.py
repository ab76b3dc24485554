"""`llm-tui bench`: start-up, keystroke latency and heatmap rows (which need Textual), plus the
engine's rows, printed as one table with targets and a pass/miss mark.

The app is measured through its public hooks only (`first_frame_at`, `wait_for_first_frame`,
`wait_until_idle`), and every wait has a deadline: a benchmark that misses one is reported as a
failed row with the reason, so the command finishes on a busy machine too.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.bench import Row
from tui.cli.output import print_json


@dataclass(frozen=True)
class FailedRow(Row):
    """A benchmark that did not finish (a deadline passed, a probe failed); `detail` says why."""

    @property
    def passed(self) -> bool:
        return False


def failed(name: str, unit: str, target: float | None, reason: str) -> Row:
    """The row `name` reported as failed, with no value."""
    return FailedRow(name, math.nan, unit, target, f"failed: {reason}")


@dataclass(frozen=True)
class Deadlines:
    """Seconds each kind of wait may take before its row is reported as failed.

    Attributes:
        wait: one wait on the app (its first frame; idle after a keystroke).
        probe: one start-up probe process, from its start to its exit.
        group: one in-process benchmark as a whole (every keystroke at one size, one heatmap size).
    """

    wait: float = 30.0
    probe: float = 60.0
    group: float = 240.0


def run_within(coroutine: Coroutine[Any, Any, Any], seconds: float) -> Any:
    """Run `coroutine` in a fresh event loop; TimeoutError if it is not done after `seconds`."""

    async def bounded() -> Any:
        try:
            async with asyncio.timeout(seconds):
                return await coroutine
        except TimeoutError as error:
            raise TimeoutError(str(error) or f"not done after {seconds:g} s") from None

    return asyncio.run(bounded())


# The `llm-tui` command's own path to the first frame: the same set-up, parser and launch code.
_APP_PROBE = """
from tui.cli.entry import prepare_process
from tui.cli.launch import build_app
from tui.cli.parser import build_parser

prepare_process()
app = build_app(build_parser().parse_args(["--text", "The robot lit the lamp."]), interactive=False)
app.run(headless=True)
print(app.first_frame_at, flush=True)
"""

_BARE_PROBE = """
import time
from textual.app import App
from textual.widgets import Static

class Hello(App):
    def compose(self):
        yield Static("hello")

    def on_mount(self):
        self.call_after_refresh(self.painted)

    def painted(self):
        print(time.time(), flush=True)
        self.exit()

Hello().run(headless=True)
"""


def _first_frame_seconds(probe: str, timeout: float) -> float:
    """Wall time from starting a Python process to its first painted frame.

    As on a user's machine from the second launch on, modules load from cached bytecode:
    PYTHONDONTWRITEBYTECODE is dropped, and `startup_rows` runs each probe once untimed first.

    Raises:
        TimeoutError: the process ran past `timeout` seconds (it is killed).
        RuntimeError: it failed or printed no time of a first frame.
    """
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    started = time.time()
    try:
        done = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        raise TimeoutError(f"the probe had not painted and exited after {timeout:g} s") from None
    words = done.stdout.split()
    if done.returncode != 0 or not words or words[0] == "None":
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"the probe exited with status {done.returncode} without a first frame: {last}")
    return float(words[0]) - started


STARTUP = "start-up to first frame: llm-tui / bare Textual app"


def startup_rows(repeats: int, deadlines: Deadlines = Deadlines()) -> list[Row]:
    try:
        for probe in (_APP_PROBE, _BARE_PROBE):
            _first_frame_seconds(probe, deadlines.probe)  # writes the bytecode caches a first launch writes
        ours, bare = [], []
        for _ in range(repeats):
            ours.append(_first_frame_seconds(_APP_PROBE, deadlines.probe))
            bare.append(_first_frame_seconds(_BARE_PROBE, deadlines.probe))
    except (TimeoutError, RuntimeError) as error:
        return [failed(STARTUP, "×", 1.5, str(error))]
    app, hello = statistics.median(ours), statistics.median(bare)
    detail = f"{app * 1e3:.0f} ms vs {hello * 1e3:.0f} ms, headless, median of {repeats}"
    return [Row(STARTUP, app / hello, "×", 1.5, detail)]


TYPED = " and the boats came home"


def bench_text(tokens: int) -> str:
    """ " lamp" is one gpt2 token, so this text is exactly `tokens` tokens long."""
    return " lamp" * tokens


@dataclass(frozen=True)
class Keystrokes:
    """Seconds from each keystroke to the frame that shows its result on every pane (`shown`),
    and to the end of its whole run (`done`: with a model, the layers after the shown one finish
    after the frame; the next keystroke's run starts after them)."""

    shown: list[float]
    done: list[float]


async def _keystroke_latencies(
    tokens: int,
    repeats: int,
    wait: float,
    weights: str | None = None,
    middle: bool = False,
    tab: str = "attention",
) -> Keystrokes:
    """Type `TYPED` one character at a time at the end of the text, then delete it the same way;
    `middle`: type and delete one character in the middle of the text instead. `weights`: a model
    to load; `tab`: the pane whose tab is shown."""
    from textual.widgets import TextArea

    from engine.settings import Settings
    from tui.app import LlmTuiApp

    text = bench_text(tokens)
    app = LlmTuiApp(text, Settings(weights=weights), colors="truecolor")
    latencies = Keystrokes([], [])
    async with app.run_test(size=(160, 50)) as pilot:
        await app.wait_for_first_frame(timeout=wait)
        await app.wait_until_idle(timeout=wait)
        app.show_pane(tab)  # attention: the heaviest pane to draw; it catches up with the result
        await app.wait_until_idle(timeout=wait)
        text_area = app.query_one(TextArea)
        keys = [char for char in TYPED] + [None] * len(TYPED)  # None: backspace
        for index in range(repeats + 1):
            key = "x" if middle and index % 2 == 0 else None if middle else keys[index % len(keys)]
            started = time.perf_counter()
            end = (0, len(text) // 2 + (key is None)) if middle else text_area.document.end
            if key is None:
                text_area.delete((end[0], end[1] - 1), end)
            else:
                text_area.insert(key, end)
            shown = await app.wait_until_idle(timeout=wait, after=started)
            if index:  # the first keystroke warms caches up
                latencies.shown.append(shown - started)
                latencies.done.append(time.perf_counter() - started)
            # Let what follows the frame (cursor messages, the status line) finish, as it does
            # between a person's keystrokes, so the next key is not timed against it.
            await pilot.pause()
    return latencies


def keystroke_rows(sizes: tuple[int, ...], repeats: int, deadlines: Deadlines = Deadlines()) -> list[Row]:
    targets = {256: 50.0, 1024: 150.0}
    rows = []
    for tokens in sizes:
        name = f"keystroke → all panes updated, {tokens} tokens (p95)"
        try:
            keystrokes = run_within(_keystroke_latencies(tokens, repeats, deadlines.wait), deadlines.group)
        except TimeoutError as error:
            rows.append(failed(name, "ms", targets.get(tokens), str(error)))
            continue
        latencies = np.array(keystrokes.shown) * 1e3
        rows.append(
            Row(
                name,
                float(np.percentile(latencies, 95)),
                "ms",
                targets.get(tokens),
                f"p50 {np.percentile(latencies, 50):.1f} ms, {repeats} keystrokes, attention tab shown",
            )
        )
    return rows


def _gpt2_shaped(folder: str, layers: int = 12) -> str:
    """GPT-2 124M's shape (`layers` of its 12) with seeded random weights, saved as a checkpoint
    the app opens."""
    from pathlib import Path

    from engine.nn.checkpoints import save_checkpoint
    from engine.nn.model import GPT, GPTConfig

    config = GPTConfig(layers=layers)
    return str(save_checkpoint(GPT(config, seed=0), config, Path(folder) / "gpt2-124m-random.safetensors"))


def _full_forward_ms(weights: str, tokens: int, repeats: int) -> float:
    """Median ms of the pipeline on the whole text from scratch (no cache)."""
    from engine.pipeline.run import run
    from engine.settings import Settings

    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run(bench_text(tokens), Settings(weights=weights))
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e3


def _middle_suffix_fraction(tokens: int) -> float:
    """The share of the text's tokens after the first one a middle edit changes (gpt2 ids)."""
    from engine.pipeline.prefix import common_prefix
    from engine.tokenize.registry import get_tokenizer

    text = bench_text(tokens)
    middle = len(text) // 2
    before = np.array(get_tokenizer("gpt2").encode(text))
    after = np.array(get_tokenizer("gpt2").encode(text[:middle] + "x" + text[middle:]))
    return (len(after) - common_prefix(before, after)) / len(after)


def _p50_ms(seconds: list[float]) -> float:
    return float(np.percentile(np.array(seconds) * 1e3, 50))


def model_keystroke_rows(
    quick: bool, repeats: int, deadlines: Deadlines = Deadlines(), folder: str | None = None
) -> list[Row]:
    """Keystrokes with GPT-2 124M's shape loaded: typing at the end at 256 and 1,000 tokens, and an
    edit in the middle of 1,000 tokens next to a full forward pass (`quick`: 64 tokens)."""
    import tempfile

    sizes = (64,) if quick else (256, 1000)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="llm-tui-bench-") as scratch:
        layers = 2 if quick else 12
        weights = _gpt2_shaped(folder or scratch, layers)
        shape = "GPT-2 124M (quick: 2 layers)" if quick else "GPT-2 124M"
        slow = Deadlines(
            wait=max(deadlines.wait, 120.0), probe=deadlines.probe, group=max(deadlines.group, 600.0)
        )
        # The Attention tab gets the shown layer before the deeper ones end; the Next-token tab
        # reads the last layer, so there every layer runs before the frame.
        cases = [(tokens, "attention") for tokens in sizes] + ([] if quick else [(sizes[-1], "next")])
        for tokens, tab in cases:
            shown_on = "" if tab == "attention" else ", Next-token tab shown"
            name = f"keystroke → all panes, {shape}, {tokens:,} tokens, typing at the end{shown_on} (p95)"
            target = None if quick or tokens < 1000 or tab != "attention" else 100.0
            try:
                coroutine = _keystroke_latencies(tokens, repeats, slow.wait, weights, tab=tab)
                keystrokes = run_within(coroutine, slow.group)
            except TimeoutError as error:
                rows.append(failed(name, "ms", target, str(error)))
                continue
            latencies = np.array(keystrokes.shown) * 1e3
            detail = f"p50 {np.percentile(latencies, 50):.0f} ms, {repeats} keystrokes"
            if tab == "attention":
                detail += (
                    f", attention tab shown (layer 0 of {layers}); all {layers} layers done at p50 "
                    f"{_p50_ms(keystrokes.done):.0f} ms"
                )
            else:
                detail += f": all {layers} layers run before the frame"
            rows.append(Row(name, float(np.percentile(latencies, 95)), "ms", target, detail))
        tokens = sizes[-1]
        name = f"edit in the middle, {shape}, {tokens:,} tokens (p95)"
        try:
            full = _full_forward_ms(weights, tokens, 1 if quick else 3)
            fraction = _middle_suffix_fraction(tokens)
            budget = full * fraction + 50
            coroutine = _keystroke_latencies(tokens, 2 if quick else 6, slow.wait, weights, middle=True)
            keystrokes = run_within(coroutine, slow.group)
            latencies = np.array(keystrokes.shown) * 1e3
        except TimeoutError as error:
            return [*rows, failed(name, "ms", None, str(error))]
        detail = (
            f"full forward {full:.0f} ms × {fraction:.0%} of the tokens changed + 50 ms = target; "
            f"p50 {np.percentile(latencies, 50):.0f} ms; all {layers} layers done at p50 "
            f"{_p50_ms(keystrokes.done):.0f} ms"
        )
        target = None if quick else round(budget)  # quick: a smoke test of a 2-layer cut
        rows.append(Row(name, float(np.percentile(latencies, 95)), "ms", target, detail))
    return rows


PALETTE = "viridis"


async def _heatmap_frame_ms(tokens: int, repeats: int) -> float:
    from textual.app import App

    from tui.views.heatmap import AttentionHeatmap

    class Host(App):
        def compose(self):
            yield AttentionHeatmap(palette=PALETTE)

    rng = np.random.default_rng(0)
    scores = rng.normal(size=(tokens, tokens)).astype(np.float32)
    mask = np.triu(np.ones((tokens, tokens), dtype=bool), 1)
    scores[mask] = -np.inf
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    labels = [f"t{i}" for i in range(tokens)]
    host = Host()
    async with host.run_test(size=(200, 60)) as pilot:
        heatmap = host.query_one(AttentionHeatmap)
        heatmap.set_matrix(weights, mask, labels)
        await pilot.pause()
        heatmap.cursor = (tokens // 2, tokens // 4)
        await pilot.pause()
        times = []
        for _ in range(repeats):
            heatmap.set_palette(PALETTE)  # a cold frame: choosing a palette forgets every drawn line
            started = time.perf_counter()
            for y in range(heatmap.size.height):
                heatmap.render_line(y)
            times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e3


def heatmap_rows(sizes: tuple[int, ...], repeats: int, deadlines: Deadlines = Deadlines()) -> list[Row]:
    rows, frames = [], {}
    for tokens in sizes:
        name = f"heatmap frame, 200×60 cells, {tokens} tokens"
        try:
            frames[tokens] = run_within(_heatmap_frame_ms(tokens, repeats), deadlines.group)
        except TimeoutError as error:
            rows.append(failed(name, "ms", None, str(error)))
            continue
        rows.append(Row(name, frames[tokens], "ms"))
    smallest, largest = min(sizes), max(sizes)
    name = f"heatmap frame cost, {largest} / {smallest} tokens"
    if smallest in frames and largest in frames:
        detail = "only visible cells are drawn, so the cost should not grow with the sequence"
        rows.append(Row(name, frames[largest] / frames[smallest], "×", 1.5, detail))
    else:
        rows.append(failed(name, "×", 1.5, "a heatmap size did not finish"))
    return rows


def run_all(quick: bool, device: str, deadlines: Deadlines = Deadlines()) -> list[Row]:
    """Every row; `quick` uses fewer repeats and smaller sizes (for the smoke test)."""
    from engine.bench import forward_rows, tokenization_rows, vocabulary_rows
    from engine.bench_generation import generation_rows
    from engine.bench_training import training_rows

    repeats = 3 if quick else 7
    rows = startup_rows(2 if quick else 9, deadlines)
    rows += keystroke_rows((32, 256) if quick else (32, 256, 1024), 8 if quick else 48, deadlines)
    rows += heatmap_rows((128, 512) if quick else (128, 512, 2048), repeats, deadlines)
    rows += tokenization_rows(100_000 if quick else 1_000_000, repeats)
    rows += vocabulary_rows()
    shapes = {"small (4L·256d)": (4, 256, 4)}
    if not quick:
        shapes["124M (12L·768d)"] = (12, 768, 12)
    rows += forward_rows(shapes, 256 if quick else 1024, 2 if quick else 5, device)
    rows += model_keystroke_rows(quick, 4 if quick else 24, deadlines)
    rows += generation_rows(device, quick)
    rows += training_rows(10 if quick else 100)
    return rows


def machine_line(device_description: str) -> str:
    import platform

    processor = platform.processor() or platform.machine()
    return f"{processor} · {os.cpu_count()} cores · Python {platform.python_version()} · {device_description}"


def format_table(rows: list[Row]) -> str:
    lines = [f"{'':2}{'benchmark':<84} {'value':>10}  {'target':>8}  details"]
    for row in rows:
        mark = {True: "✓", False: "✗", None: " "}[row.passed]
        value = "n/a" if math.isnan(row.value) else f"{row.value:.2f} {row.unit}"
        target = f"≤ {row.target:g} {row.unit}" if row.target is not None else ""
        lines.append(f"{mark:2}{row.name:<84} {value:>10}  {target:>8}  {row.detail}")
    return "\n".join(lines)


def row_json(row: Row) -> dict[str, Any]:
    """One row for `--json`; a row without a value (a failed one) has `"value": null`."""
    return {
        "name": row.name,
        "value": None if math.isnan(row.value) else row.value,
        "unit": row.unit,
        "target": row.target,
        "passed": row.passed,
        "detail": row.detail,
    }


def run(args: argparse.Namespace) -> None:
    from engine.nn.device import pick_device

    device = pick_device(args.device)
    if not args.json:
        print(
            f"measuring on {machine_line(device.description)}{' (quick)' if args.quick else ''}…",
            file=sys.stderr,
        )
    rows = run_all(args.quick, device.name)
    if args.json:
        print_json(
            {
                "machine": machine_line(device.description),
                "quick": args.quick,
                "rows": [row_json(r) for r in rows],
            }
        )
        return
    print(format_table(rows))
    missed = [row.name for row in rows if row.passed is False]
    print(
        f"{len(rows) - len(missed)} of {len(rows)} rows within target"
        if not missed
        else f"missed: {', '.join(missed)}"
    )
