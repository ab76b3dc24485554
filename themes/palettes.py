"""Colour scales for heatmaps, and shade characters for terminals without colour.

Plain Python on purpose: the engine and the benchmarks use this module, and they must not
import Textual.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cache

RGB = tuple[int, int, int]

KINDS = ("sequential", "diverging")
SHADES: str = " ░▒▓█"

_HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_BLACK: RGB = (0, 0, 0)
_WHITE: RGB = (255, 255, 255)


def hex_to_rgb(colour: str) -> RGB:
    """Parses a ``#rrggbb`` colour.

    Args:
        colour: The colour, for example ``"#440154"``.

    Returns:
        The red, green and blue components, each 0-255.

    Raises:
        ValueError: If ``colour`` is not of the form ``#rrggbb``.
    """
    if not _HEX_COLOUR.fullmatch(colour):
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _clamp01(t: float) -> float:
    # NaN passes through min/max unchanged and would break indexing; draw it as the low end.
    if math.isnan(t):
        return 0.0
    return min(1.0, max(0.0, t))


@dataclass(frozen=True)
class Palette:
    """A colour scale sampled by linear interpolation between evenly spaced stops.

    Attributes:
        name: The key in ``PALETTES``.
        kind: ``"sequential"`` (low to high) or ``"diverging"`` (negative, zero, positive).
        stops: ``#rrggbb`` colours from low to high. A diverging palette has an odd number
            of stops, so that its middle stop sits exactly at ``t = 0.5``.
        stepped: Each position takes the nearest stop instead of a blend of two (the palettes
            for 256-colour terminals, whose stops are the terminal's own colours).
    """

    name: str
    kind: str
    stops: tuple[str, ...]
    stepped: bool = False
    _rgb_stops: tuple[RGB, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"palette {self.name!r}: kind {self.kind!r} is not one of {KINDS}")
        if len(self.stops) < 2:
            raise ValueError(f"palette {self.name!r}: needs at least two stops")
        if self.kind == "diverging" and len(self.stops) % 2 == 0:
            raise ValueError(f"palette {self.name!r}: a diverging palette needs an odd stop count")
        # Parsed once here because rgb() runs for every heatmap cell on every repaint.
        object.__setattr__(self, "_rgb_stops", tuple(hex_to_rgb(s) for s in self.stops))

    def rgb(self, t: float) -> RGB:
        """The colour at position ``t``.

        Args:
            t: Position on the scale; clamped to [0, 1], NaN counts as 0.

        Returns:
            The interpolated colour as 0-255 components.
        """
        last = len(self._rgb_stops) - 1
        position = _clamp01(t) * last
        if self.stepped:
            return self._rgb_stops[round(position)]
        index = min(int(position), last - 1)
        frac = position - index
        (r0, g0, b0), (r1, g1, b1) = self._rgb_stops[index], self._rgb_stops[index + 1]
        return (
            round(r0 + (r1 - r0) * frac),
            round(g0 + (g1 - g0) * frac),
            round(b0 + (b1 - b0) * frac),
        )

    def hex(self, t: float) -> str:
        """The colour at position ``t`` as lowercase ``#rrggbb`` (see ``rgb``)."""
        r, g, b = self.rgb(t)
        return f"#{r:02x}{g:02x}{b:02x}"


def _palette(name: str, kind: str, stops: str) -> Palette:
    return Palette(name, kind, tuple(stops.split()))


# Stops are samples of the published scales (matplotlib's viridis and magma at t = 0, 0.1, ...,
# 1; ColorBrewer's Blues and RdBu), so heatmaps look like the figures learners already know.
# Blues runs light to dark so that low values fade into a light background; grays runs dark to
# light so that they fade into the black background of the contrast and mono themes.
PALETTES: dict[str, Palette] = {
    palette.name: palette
    for palette in (
        _palette(
            "viridis",
            "sequential",
            "#440154 #482475 #414487 #355f8d #2a788e #21918c #22a884 #44bf70 #7ad151 #bddf26 #fde725",
        ),
        _palette(
            "magma",
            "sequential",
            "#000004 #140e36 #3b0f70 #641a80 #8c2981 #b73779 #de4968 #f7705c #fe9f6d #fecf92 #fcfdbf",
        ),
        _palette(
            "blues",
            "sequential",
            "#f7fbff #deebf7 #c6dbef #9ecae1 #6baed6 #4292c6 #2171b5 #08519c #08306b",
        ),
        _palette("grays", "sequential", "#000000 #ffffff"),
        _palette(
            "rdbu",
            "diverging",
            "#67001f #b2182b #d6604d #f4a582 #fddbc7 #f7f7f7 #d1e5f0 #92c5de #4393c3 #2166ac #053061",
        ),
    )
}


TERMINAL_256 = "@256"
"""Suffix of a palette's version for 256-colour terminals: `palette_named("viridis@256")`."""
STEPS_256 = 11
"""Steps of a 256-colour palette: odd, so a diverging one keeps its middle; few enough that
every palette gets that many distinct entries of the terminal's colour cube."""


def palette_named(name: str) -> Palette:
    """The palette called `name` (with `TERMINAL_256`: its 256-colour version); a ValueError
    naming the choices if there is none."""
    base = name.removesuffix(TERMINAL_256)
    try:
        palette = PALETTES[base]
    except KeyError:
        raise ValueError(f"unknown palette {name!r}; choose one of {', '.join(sorted(PALETTES))}") from None
    return _for_256_colours(palette) if name.endswith(TERMINAL_256) else palette


@cache
def _for_256_colours(palette: Palette) -> Palette:
    """`palette` in `STEPS_256` steps that a 256-colour terminal shows as different colours.

    The terminal shows each colour as the nearest of its 240 fixed ones, and neighbouring weights
    of a smooth ramp land on the same one: viridis at 0.1 and 0.2 both become entry 60, so a
    heatmap shows two different weights alike. These steps are the palette's own colours at
    evenly spaced positions, each moved to the nearest terminal colour no lower step took
    (`themes.xterm256.distinct_entries`; a grey may stand for a dark or pale end).
    """
    from themes.xterm256 import distinct_entries
    from themes.xterm256 import palette as terminal_colours

    samples = [palette.rgb(step / (STEPS_256 - 1)) for step in range(STEPS_256)]
    rgb_of = dict(terminal_colours())
    stops = tuple(
        "#{:02x}{:02x}{:02x}".format(*rgb_of[entry]) for entry in distinct_entries(samples, keep_hue=False)
    )
    return Palette(palette.name + TERMINAL_256, palette.kind, stops, stepped=True)


def shade(t: float) -> str:
    """The shade character for position ``t``, for terminals that cannot show colour.

    Args:
        t: Position on the scale; clamped to [0, 1], NaN counts as 0.

    Returns:
        One character of ``SHADES``: ``" "`` at 0, ``"█"`` at 1.
    """
    # Equal-width bins, so each character stands for the same share of the range.
    return SHADES[min(int(_clamp01(t) * len(SHADES)), len(SHADES) - 1)]


def normalize(value: float, vmin: float, vmax: float) -> float:
    """Maps ``value`` from [vmin, vmax] onto [0, 1].

    Args:
        value: The value to map.
        vmin: The value that maps to 0.
        vmax: The value that maps to 1 (may be below ``vmin`` to reverse the scale).

    Returns:
        The position, clamped to [0, 1]; 0.0 when ``vmin == vmax`` (a constant row, such
        as the single weight of the first token under a causal mask) or when the result is NaN.
    """
    if vmax == vmin:
        return 0.0
    return _clamp01((value - vmin) / (vmax - vmin))


def relative_luminance(rgb: RGB) -> float:
    """The WCAG relative luminance of a colour, from 0 (black) to 1 (white)."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = rgb
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast_ratio(a: RGB, b: RGB) -> float:
    """The WCAG contrast ratio of two colours, from 1 (same) to 21 (black on white)."""
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_color_on(rgb: RGB) -> str:
    """The text colour, black or white, that reads best on a background.

    Args:
        rgb: The background colour.

    Returns:
        ``"#000000"`` or ``"#ffffff"``. The better of the two always reaches a contrast
        ratio of at least 4.5, the WCAG level for normal text.
    """
    if contrast_ratio(rgb, _BLACK) >= contrast_ratio(rgb, _WHITE):
        return "#000000"
    return "#ffffff"
