"""`llm-tui bench`: start-up, keystroke latency and heatmap rows (which need Textual), plus the
engine's rows, printed as one table with targets and a pass/miss mark."""

from __future__ import annotations

import asyncio
import math
import os
import statistics
import subprocess
import sys
import time

import numpy as np

from engine.bench import Row

_APP_PROBE = """
import time
import tui.app

def first_frame(self):
    print(time.time(), flush=True)
    self.exit()

tui.app.LlmTuiApp._after_first_frame = first_frame

from tui.cli import main  # the `llm-tui` command itself: parsing, settings, launch

main(["--text", "The robot lit the lamp."])
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


def _first_frame_seconds(probe: str) -> float:
    """Wall time from starting a Python process to its first painted frame.

    As on a user's machine from the second launch on, modules load from cached bytecode:
    PYTHONDONTWRITEBYTECODE is dropped, and `startup_rows` runs each probe once untimed first.
    """
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    started = time.time()
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env)
    return float(done.stdout.split()[0]) - started


def startup_rows(repeats: int) -> list[Row]:
    for probe in (_APP_PROBE, _BARE_PROBE):
        _first_frame_seconds(probe)  # writes the bytecode caches a user's first launch writes
    ours, bare = [], []
    for _ in range(repeats):
        ours.append(_first_frame_seconds(_APP_PROBE))
        bare.append(_first_frame_seconds(_BARE_PROBE))
    app, hello = statistics.median(ours), statistics.median(bare)
    return [
        Row(
            "start-up to first frame: llm-tui / bare Textual app",
            app / hello,
            "×",
            1.5,
            f"{app * 1e3:.0f} ms vs {hello * 1e3:.0f} ms, headless, median of {repeats}",
        )
    ]


TYPED = " and the boats came home"


async def _keystroke_latencies(tokens: int, repeats: int) -> list[float]:
    """Seconds from each keystroke to the terminal receiving the frame that shows its result: type
    `TYPED` one character at a time at the end of the text, then delete it the same way."""
    from textual.widgets import TabbedContent, TextArea

    from engine.settings import Settings
    from tui.app import LlmTuiApp

    # " lamp" is one gpt2 token, so the text starts with exactly `tokens` tokens.
    app = LlmTuiApp(" lamp" * tokens, Settings(), colors="truecolor")
    frames: list[float] = []
    display = app._display

    def timed_display(screen, renderable) -> None:
        display(screen, renderable)
        if renderable is not None:
            frames.append(time.perf_counter())

    app._display = timed_display  # when a frame is written to the (headless) terminal
    latencies = []
    async with app.run_test(size=(160, 50)) as pilot:
        await _until_idle(app, pilot)
        app.query_one(TabbedContent).active = "attention"  # the heaviest pane to draw
        await pilot.pause()
        text_area = app.query_one(TextArea)
        keys = [char for char in TYPED] + [None] * len(TYPED)  # None: backspace
        for index in range(repeats + 1):
            key = keys[index % len(keys)]
            started = time.perf_counter()
            end = text_area.document.end
            if key is None:
                text_area.delete((end[0], end[1] - 1), end)
            else:
                text_area.insert(key, end)
            while app._in_flight is None and not app._dirty:
                await asyncio.sleep(0.0005)  # the run has not started yet
            while app._in_flight is not None or app._dirty:
                await asyncio.sleep(0.0005)
            shown = time.perf_counter()
            while not frames or frames[-1] < shown:
                await asyncio.sleep(0.0005)  # the next frame carries the result
            if index:  # the first keystroke warms caches up
                latencies.append(frames[-1] - started)
            await pilot.pause()
    return latencies


async def _until_idle(app, pilot) -> None:
    """Until the pipeline run is shown and the screen has been drawn."""
    while app._in_flight is not None or app._dirty or app.result is None:
        await asyncio.sleep(0.001)
    await pilot.pause()


def keystroke_rows(sizes: tuple[int, ...], repeats: int) -> list[Row]:
    targets = {256: 50.0, 1024: 150.0}
    rows = []
    for tokens in sizes:
        latencies = np.array(asyncio.run(_keystroke_latencies(tokens, repeats))) * 1e3
        rows.append(
            Row(
                f"keystroke → all panes updated, {tokens} tokens (p95)",
                float(np.percentile(latencies, 95)),
                "ms",
                targets.get(tokens),
                f"p50 {np.percentile(latencies, 50):.1f} ms, {repeats} keystrokes, attention tab shown",
            )
        )
    return rows


async def _heatmap_frame_ms(tokens: int, repeats: int) -> float:
    from textual.app import App

    from tui.views.heatmap import AttentionHeatmap

    class Host(App):
        def compose(self):
            yield AttentionHeatmap()

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
            heatmap._invalidate()  # a cold frame: no cached lines
            started = time.perf_counter()
            for y in range(heatmap.size.height):
                heatmap.render_line(y)
            times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e3


def heatmap_rows(sizes: tuple[int, ...], repeats: int) -> list[Row]:
    frames = {tokens: asyncio.run(_heatmap_frame_ms(tokens, repeats)) for tokens in sizes}
    rows = [Row(f"heatmap frame, 200×60 cells, {tokens} tokens", ms, "ms") for tokens, ms in frames.items()]
    smallest, largest = min(sizes), max(sizes)
    rows.append(
        Row(
            f"heatmap frame cost, {largest} / {smallest} tokens",
            frames[largest] / frames[smallest],
            "×",
            1.5,
            "only visible cells are drawn, so the cost should not grow with the sequence",
        )
    )
    return rows


def run_all(quick: bool, device: str) -> list[Row]:
    """Every row; `quick` uses fewer repeats and smaller sizes (for the smoke test)."""
    from engine.bench import forward_rows, tokenization_rows, vocabulary_rows

    repeats = 3 if quick else 7
    rows = startup_rows(2 if quick else 9)
    rows += keystroke_rows((32, 256) if quick else (32, 256, 1024), 8 if quick else 48)
    rows += heatmap_rows((128, 512) if quick else (128, 512, 2048), repeats)
    rows += tokenization_rows(100_000 if quick else 1_000_000, repeats)
    rows += vocabulary_rows()
    shapes = {"small (4L·256d)": (4, 256, 4)}
    if not quick:
        shapes["124M (12L·768d)"] = (12, 768, 12)
    rows += forward_rows(shapes, 256 if quick else 1024, 2 if quick else 5, device)
    return rows


def machine_line(device_description: str) -> str:
    import platform

    processor = platform.processor() or platform.machine()
    return f"{processor} · {os.cpu_count()} cores · Python {platform.python_version()} · {device_description}"


def format_table(rows: list[Row]) -> str:
    lines = [f"{'':2}{'benchmark':<62} {'value':>10}  {'target':>8}  details"]
    for row in rows:
        mark = {True: "✓", False: "✗", None: " "}[row.passed]
        value = "n/a" if math.isnan(row.value) else f"{row.value:.2f} {row.unit}"
        target = f"≤ {row.target:g} {row.unit}" if row.target is not None else ""
        lines.append(f"{mark:2}{row.name:<62} {value:>10}  {target:>8}  {row.detail}")
    return "\n".join(lines)
