"""The positions pane's plots for a rotary model (Llama, Qwen, Mistral), which adds no position vector.

Each function draws on a cleared plotext figure and returns the plot's title; the numbers come from
`engine.analysis.rope_view`, the frequencies from the result (`ModelInfo.rope`, computed by the model):

- `draw_waves`: cos(position × inv_freq) of a few pairs, fast to slow, over the shown positions;
- `draw_frequencies`: the inverse frequencies with and without the llama3 scaling, pair by pair;
- `draw_distance`: q·k of one fixed random query and key by their distance, and shifted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from engine.analysis.rope_view import (
    PAIRS_SHOWN,
    distance_scores,
    fixed_query_key,
    rope_angles,
    shown_pairs,
    stretching,
    wavelengths,
)
from tui.i18n.strings import UiStrings
from tui.views.titled_plot import plot_text

if TYPE_CHECKING:
    from textual_plotext.plot import Plot

    from engine.pipeline.results import RopeInfo

PAIRS = PAIRS_SHOWN
"""Pairs the wave plot shows (fewer when the head has fewer)."""
DISTANCES = 64
"""Distances m − n the score plot shows: 0 to DISTANCES − 1 (as many as the wave plot's positions)."""
SHIFT = 1000
"""How far the score plot moves both positions to show the score does not change."""


def pair_ranges(pairs: tuple[int, ...]) -> str:
    """Pair indices as runs: (1, 2, 3, 7) -> "1–3, 7"."""
    runs: list[list[int]] = []
    for pair in pairs:
        if runs and pair == runs[-1][-1] + 1:
            runs[-1].append(pair)
        else:
            runs.append([pair])
    return ", ".join(str(run[0]) if len(run) == 1 else f"{run[0]}–{run[-1]}" for run in runs)


def scaling_line(rope: RopeInfo, kept: bool = True, strings: UiStrings | None = None) -> str:
    """What the llama3 scaling did to the pairs, in a few words ("no scaling" for the original RoPE);
    `kept`: name the pairs left as they were too."""
    say = (strings or UiStrings("en")).say
    if rope.kind != "llama3":
        return say("θ {theta:g}, no scaling", theta=rope.theta)
    stretch = stretching(rope.inv_freq, rope.unscaled_inv_freq, rope.factor)
    parts = []
    if stretch.stretched:
        parts.append(
            say("pairs {pairs} slowed {factor:g}×", pairs=pair_ranges(stretch.stretched), factor=rope.factor)
        )
    if stretch.blended:
        parts.append(say("{pairs} blended", pairs=pair_ranges(stretch.blended)))
    if kept and stretch.kept:
        parts.append(say("{pairs} kept", pairs=pair_ranges(stretch.kept)))
    line = parts[0] if parts else ""
    for part in parts[1:]:
        line = say("{pairs}, {more_pairs}", pairs=line, more_pairs=part)
    return "llama3: " + line


def draw_waves(
    plt: Plot,
    rope: RopeInfo,
    window: range,
    query: int,
    markers: list[str | None],
    strings: UiStrings | None = None,
) -> tuple[str, list[int]]:
    """cos of each shown pair's angle over `window`, the query's position marked; (title, pairs)."""
    pairs = shown_pairs(len(rope.inv_freq), len(markers))
    positions = np.arange(window.start, window.stop)
    waves = np.cos(rope_angles(positions, rope.inv_freq[pairs]))
    lengths = wavelengths(rope.inv_freq[pairs])
    say = (strings or UiStrings("en")).say
    for column, (pair, length, marker) in enumerate(zip(pairs, lengths.tolist(), markers, strict=False)):
        label = plot_text(say("pair {pair} λ {length:.3g}", pair=pair, length=length))
        plt.plot(positions.tolist(), waves[:, column].tolist(), marker=marker, label=label)
    plt.vertical_line(query)
    plt.ylim(-1, 1)
    return f"RoPE cos(pos·inv_freq) · {scaling_line(rope, kept=False, strings=strings)}", pairs


def draw_frequencies(
    plt: Plot, rope: RopeInfo, markers: list[str | None], strings: UiStrings | None = None
) -> str:
    """log10 of the inverse frequencies by pair: unscaled and, for llama3, as the model uses them."""
    say = (strings or UiStrings("en")).say
    pairs = list(range(len(rope.inv_freq)))
    plt.plot(pairs, np.log10(rope.unscaled_inv_freq).tolist(), marker=markers[0], label="θ^(-2i/D)")
    if rope.kind == "llama3":
        plt.plot(
            pairs, np.log10(rope.inv_freq).tolist(), marker=markers[1], label=plot_text(say("llama3 (used)"))
        )
    plt.ylabel(plot_text(say("log10 rad/position")))
    return say("RoPE inverse frequencies · {scaling}", scaling=scaling_line(rope, strings=strings))


def draw_distance(
    plt: Plot, rope: RopeInfo, seed: int, markers: list[str | None], strings: UiStrings | None = None
) -> str:
    """q·k of a fixed random query at m = n + d and key at n, for n = 0 and n = SHIFT, by d."""
    query, key = fixed_query_key(rope.head_dim, seed)
    scores = distance_scores(query, key, rope.inv_freq, DISTANCES, shift=SHIFT)
    distances = scores.distances.tolist()
    plt.plot(distances, scores.scores.tolist(), marker=markers[0], label="n = 0")
    plt.scatter(distances, scores.shifted.tolist(), marker=markers[1], label=f"n = {SHIFT}")
    say = (strings or UiStrings("en")).say
    return say(
        "q·k vs m − n: at (m+{shift}, n+{shift}) it differs by ≤ {difference:.1e}",
        shift=SHIFT,
        difference=scores.max_difference,
    )
