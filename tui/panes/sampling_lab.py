"""The Next-token pane's sampling lab: N draws next to the probabilities, with each id's logit trace."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text

from engine.analysis.draws import drawable_count
from tui.formatting.histogram import percent
from tui.panes.attention import bar

if TYPE_CHECKING:
    from engine.sampling.lab import Draws, Trace

LAB_SIZES = (100, 1_000, 10_000, 100_000)  # 100,000 draws take ~15 ms: no worker needed
LAB_ROWS = 12
_FIXED_WIDTH = 68  # a row's cells besides the bars (rank … count), and 2 for a scrollbar


def _number(value: float) -> str:
    return "cut" if value == float("-inf") else f"{value:.2f}"


def fit_lines(draws: Draws) -> str:
    """Whether the counts fit the probabilities (Pearson's chi-square test), in two short lines."""
    from engine.sampling.lab import MIN_EXPECTED, chi_square

    probs = draws.distribution.probs
    test = chi_square(draws.counts, probs)
    if drawable_count(probs) == 1:
        return "only one token can be drawn, so every draw is that token"
    if test.p_value is None:
        return (
            f"too few draws to test the fit: tokens expected under {MIN_EXPECTED:g} times are pooled,\n"
            "leaving one bin → more draws (]), a lower temperature or top-k"
        )
    verdict = (
        "the draws follow the probabilities: gaps like these are common by chance"
        if test.p_value >= 0.001
        else "gaps this large would be rare if the draws followed the probabilities"
    )
    return (
        f"goodness of fit: χ² = {test.statistic:,.1f}, {test.dof:,} degrees of freedom, "
        f"p = {test.p_value:.3f}\n→ {verdict}"
    )


def render_lab(draws: Draws, trace: Trace, label: Callable[[int], str], heading: str, width: int) -> Text:
    """The lab as text: for each top id, logit → ÷T → after the cuts → probability and frequency bars.

    Lines are cropped, not wrapped, so the table keeps its columns in a narrow pane.

    Args:
        draws: the N draws and the distribution they came from.
        trace: `engine.sampling.lab.trace(draws)`.
        label: the visible piece of an output row.
        heading: the first line (which token the prediction follows, the model).
        width: the cells available: the bars take what the columns leave (3 to 24 cells each).
    """
    bar_width = max(3, min(24, (width - _FIXED_WIDTH) // 2))
    distribution = draws.distribution
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{heading} · sampling lab\n", style="bold")
    top_p = "off" if distribution.top_p is None else f"{distribution.top_p:.2f}"
    text.append(
        f"temperature {distribution.temperature:g}{' (greedy)' if distribution.greedy else ''} · "
        f"top-k {distribution.top_k or 'off'} · top-p {top_p} · "
    )
    text.append(f"{draws.n:,} draws · seed {draws.seed}\n", style="bold")
    text.append("logit → ÷T → masked (top-k/top-p cut) → softmax → probability\n", style="dim")
    text.append("drawn: how often each token came up in the draws\n\n", style="dim")
    # Both bars share one scale, set by the largest value shown, so small probabilities stay visible.
    scale = max([row.prob for row in trace.rows] + [row.frequency for row in trace.rows] + [1e-12])
    text.append(
        f"{'#':>3} {'token':<12} {'logit':>7} {'÷T':>7} {'masked':>7} "
        f"{'probability':<{bar_width + 8}} {'drawn':<{bar_width + 8}} {'count':>7}\n",
        style="bold",
    )
    for row in trace.rows:
        text.append(f"{row.rank:>3} {label(row.row)[:12]:<12} ")
        text.append(f"{row.logit:>7.2f} {row.scaled:>7.2f} {_number(row.masked):>7} ")
        text.append(f"{bar(row.prob / scale, bar_width)} {percent(row.prob):>7} ")
        text.append(f"{bar(row.frequency / scale, bar_width)} {percent(row.frequency):>7} ", style="bold")
        text.append(f"{row.count:>7,}\n")
    others = len(distribution.probs) - len(trace.rows)
    text.append(
        f"    {others:,} other ids: probability {trace.rest_prob:.2%}, drawn {trace.rest_count:,} times "
        f"({trace.rest_drawn:,} different ids)\n\n"
    )
    text.append(fit_lines(draws) + "\n\n")
    text.append(
        f"h back to the list · [ ] fewer / more draws ({', '.join(f'{n:,}' for n in LAB_SIZES)})\n"
        "r new seed · t/T temperature · k/K top-k · u/U top-p",
        style="dim",
    )
    return text
