"""The Next-token pane's sampling lab: N draws next to the probabilities, with each id's logit trace."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.cells import cell_len, set_cell_size
from rich.text import Text

from engine.analysis.draws import drawable_count
from tui.formatting.histogram import percent
from tui.i18n.strings import UiStrings
from tui.panes.attention import bar

if TYPE_CHECKING:
    from engine.sampling.lab import Draws, Trace

LAB_SIZES = (100, 1_000, 10_000, 100_000)  # 100,000 draws take ~15 ms: no worker needed
LAB_ROWS = 12
_FIXED_WIDTH = 68  # a row's cells besides the bars (rank … count), and 2 for a scrollbar


def right(text: str, cells: int) -> str:
    """`text` right-aligned in `cells` terminal cells (a Japanese character takes two)."""
    return " " * max(0, cells - cell_len(text)) + text


def header_line(columns: list[tuple[str, int, str]]) -> str:
    """Column titles (title, cells, "<" or ">") joined by single spaces, padded by cells; a
    right-aligned title wider than its column takes the trailing padding of the one before it."""
    parts: list[str] = []
    for title, cells, align in columns:
        spare = cells - cell_len(title)
        if align == ">":
            borrowed = min(max(0, -spare), len(parts[-1]) - len(parts[-1].rstrip(" ")) if parts else 0)
            if borrowed:
                parts[-1] = parts[-1][:-borrowed]
            parts.append(" " * max(0, spare) + title)
        else:
            parts.append(title + " " * max(0, spare))
    return " ".join(parts)


def settings_line(
    temperature: float, top_k: int | None, top_p: str | None, greedy: bool, say: Callable[..., str]
) -> str:
    """ "temperature 1 · top-k off · top-p off" in the learner's language (`top_p` as it is shown)."""
    if greedy:
        heat = say("temperature {temperature} (greedy)", temperature=f"{temperature:g}")
    else:
        heat = say("temperature {temperature}", temperature=f"{temperature:g}")
    kept = f"top-k {top_k}" if top_k else say("top-k off")
    nucleus = say("top-p off") if top_p is None else f"top-p {top_p}"
    return f"{heat} · {kept} · {nucleus}"


def _number(value: float, say: Callable[..., str]) -> str:
    return say("cut") if value == float("-inf") else f"{value:.2f}"


def fit_lines(draws: Draws, strings: UiStrings | None = None) -> str:
    """Whether the counts fit the probabilities (Pearson's chi-square test), in two short lines."""
    from engine.sampling.lab import MIN_EXPECTED, chi_square

    say = (strings or UiStrings("en")).say
    probs = draws.distribution.probs
    test = chi_square(draws.counts, probs)
    if drawable_count(probs) == 1:
        return say("only one token can be drawn, so every draw is that token")
    if test.p_value is None:
        return say(
            "too few draws to test the fit: tokens expected under {expected} times are pooled,\n"
            "leaving one bin → more draws (]), a lower temperature or top-k",
            expected=f"{MIN_EXPECTED:g}",
        )
    verdict = (
        say("the draws follow the probabilities: gaps like these are common by chance")
        if test.p_value >= 0.001
        else say("gaps this large would be rare if the draws followed the probabilities")
    )
    return say(
        "goodness of fit: χ² = {statistic}, {dof} degrees of freedom, p = {p_value}\n→ {verdict}",
        statistic=f"{test.statistic:,.1f}",
        dof=f"{test.dof:,}",
        p_value=f"{test.p_value:.3f}",
        verdict=verdict,
    )


def render_lab(
    draws: Draws,
    trace: Trace,
    label: Callable[[int], str],
    heading: str,
    width: int,
    strings: UiStrings | None = None,
) -> Text:
    """The lab as text: for each top id, logit → ÷T → after the cuts → probability and frequency bars.

    Lines are cropped, not wrapped, so the table keeps its columns in a narrow pane.

    Args:
        draws: the N draws and the distribution they came from.
        trace: `engine.sampling.lab.trace(draws)`.
        label: the visible piece of an output row.
        heading: the first line (which token the prediction follows, the model).
        width: the cells available: the bars take what the columns leave (3 to 24 cells each).
        strings: the learner's language (English when None).
    """
    strings = strings or UiStrings("en")
    say = strings.say
    bar_width = max(3, min(24, (width - _FIXED_WIDTH) // 2))
    distribution = draws.distribution
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(say("{heading} · sampling lab", heading=heading) + "\n", style="bold")
    top_p = None if distribution.top_p is None else f"{distribution.top_p:.2f}"
    settings = settings_line(distribution.temperature, distribution.top_k, top_p, distribution.greedy, say)
    text.append(f"{settings} · ")
    text.append(
        say("{draws} draws · seed {seed}", draws=f"{draws.n:,}", seed=draws.seed) + "\n", style="bold"
    )
    text.append(say("logit → ÷T → masked (top-k/top-p cut) → softmax → probability") + "\n", style="dim")
    text.append(say("drawn: how often each token came up in the draws") + "\n\n", style="dim")
    # Both bars share one scale, set by the largest value shown, so small probabilities stay visible.
    scale = max([row.prob for row in trace.rows] + [row.frequency for row in trace.rows] + [1e-12])
    columns = [
        ("#", 3, ">"),
        (say("token"), 12, "<"),
        (say("logit"), 7, ">"),
        ("÷T", 7, ">"),
        (say("masked"), 7, ">"),
        (say("probability"), bar_width + 8, "<"),
        (say("drawn"), bar_width + 8, "<"),
        (say("count"), 7, ">"),
    ]
    text.append(header_line(columns) + "\n", style="bold")
    for row in trace.rows:
        text.append(f"{row.rank:>3} {set_cell_size(label(row.row), 12)} ")
        text.append(f"{row.logit:>7.2f} {row.scaled:>7.2f} {right(_number(row.masked, say), 7)} ")
        text.append(f"{bar(row.prob / scale, bar_width)} {percent(row.prob):>7} ")
        text.append(f"{bar(row.frequency / scale, bar_width)} {percent(row.frequency):>7} ", style="bold")
        text.append(f"{row.count:>7,}\n")
    others = len(distribution.probs) - len(trace.rows)
    rest = say(
        "{others} other ids: probability {probability}, drawn {count} times ({ids} different ids)",
        others=f"{others:,}",
        probability=f"{trace.rest_prob:.2%}",
        count=f"{trace.rest_count:,}",
        ids=f"{trace.rest_drawn:,}",
    )
    text.append(f"    {rest}\n\n")
    text.append(fit_lines(draws, strings) + "\n\n")
    sizes = ", ".join(f"{n:,}" for n in LAB_SIZES)
    text.append(
        say("h back to the list · [ ] fewer / more draws ({sizes})", sizes=sizes)
        + "\n"
        + say("r new seed · t/T temperature · k/K top-k · u/U top-p"),
        style="dim",
    )
    return text
