"""Colours that stay apart in a 256-colour terminal.

A 256-colour terminal (tmux's default, and most SSH sessions) shows each 24-bit colour as the
nearest of its palette. Soft backgrounds a theme blends from its accents can land on the same
entry: llm-dark's blue and green token backgrounds, (40, 67, 88) and (45, 79, 54), both become
entry 23, so two neighbouring tokens look like one. `distinct_entries` picks, for each colour in
turn, the entry Rich itself would show it as, or, when an earlier colour took that one (or Rich
would show a tint as a grey), the nearest free entry that keeps a hue.

Only the 6×6×6 cube (16–231) and the grey ramp (232–255) are used: entries 0–15 are whatever
the terminal's own scheme makes them. Rich rounds each channel to the cube, and shows a colour
with under 15 % saturation as a grey; the fallbacks are ordered by the "redmean" weighting of
RGB, and a coloured source never becomes a grey (a grey would lose what tells the tokens apart).
No Textual or Rich import: plain RGB in, numbers out.
"""

from __future__ import annotations

import colorsys
from collections.abc import Sequence
from functools import cache

RGB = tuple[int, int, int]
_CUBE_LEVELS = (0, 95, 135, 175, 215, 255)


@cache
def palette() -> tuple[tuple[int, RGB], ...]:
    """(entry, RGB) of the cube and the greys, the entries a terminal draws the same everywhere."""
    cube = [
        (16 + 36 * r + 6 * g + b, (_CUBE_LEVELS[r], _CUBE_LEVELS[g], _CUBE_LEVELS[b]))
        for r in range(6)
        for g in range(6)
        for b in range(6)
    ]
    greys = [(232 + k, (8 + 10 * k,) * 3) for k in range(24)]
    return tuple(cube + greys)


def distance(a: RGB, b: RGB) -> float:
    """The redmean-weighted squared distance between two colours (no square root: only compared)."""
    mean_red = (a[0] + b[0]) / 2
    red, green, blue = a[0] - b[0], a[1] - b[1], a[2] - b[2]
    return (2 + mean_red / 256) * red * red + 4 * green * green + (2 + (255 - mean_red) / 256) * blue * blue


def _saturation(colour: RGB) -> float:
    return colorsys.rgb_to_hls(*(channel / 255 for channel in colour))[2]


def rich_entry(colour: RGB) -> int:
    """The entry Rich shows `colour` as in 256 colours: a grey below 15 % saturation, else each
    channel rounded to the cube's levels."""
    if _saturation(colour) < 0.15:
        lightness = colorsys.rgb_to_hls(*(channel / 255 for channel in colour))[1]
        grey = round(lightness * 25)
        return 16 if grey == 0 else 231 if grey == 25 else 231 + grey

    def level(channel: int) -> int:
        return round(channel / 95 if channel < 95 else 1 + (channel - 95) / 40)

    red, green, blue = (level(channel) for channel in colour)
    return 16 + 36 * red + 6 * green + blue


def _is_grey(rgb: RGB) -> bool:
    return rgb[0] == rgb[1] == rgb[2]


def nearest_entries(colour: RGB, keep_hue: bool = True) -> list[int]:
    """The entries `colour` may be shown as, best first: Rich's own choice, then the nearest. A
    coloured `colour` is never shown as a grey (Rich shows some dark or pale tints as one) unless
    not `keep_hue` (a ramp's near-black end is better black than dark red)."""
    coloured = keep_hue and _saturation(colour) >= 0.15
    candidates = [(entry, rgb) for entry, rgb in palette() if not (coloured and _is_grey(rgb))]
    ordered = [entry for entry, rgb in sorted(candidates, key=lambda item: distance(colour, item[1]))]
    first = rich_entry(colour)
    return [first, *(entry for entry in ordered if entry != first)] if first in ordered else ordered


def distinct_entries(colours: Sequence[RGB], keep_hue: bool = True) -> list[int]:
    """One palette entry per colour, each the nearest not already taken by an earlier one, so
    colours that differ stay different in 256 colours (as long as there are at most 240);
    `keep_hue` as for `nearest_entries`."""
    taken: list[int] = []
    for colour in colours:
        taken.append(next(entry for entry in nearest_entries(colour, keep_hue) if entry not in taken))
    return taken
