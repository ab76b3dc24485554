"""Tests for themes.palettes: interpolation, shades, normalisation, text contrast."""

import math
import re

import pytest

from themes.palettes import (
    PALETTES,
    SHADES,
    Palette,
    contrast_ratio,
    hex_to_rgb,
    normalize,
    palette_named,
    relative_luminance,
    shade,
    text_color_on,
)

SAMPLES = [i / 512 for i in range(513)]
SEQUENTIAL = ["viridis", "blues", "grays", "magma"]


def test_required_palettes_exist() -> None:
    assert {"viridis", "blues", "grays", "magma", "rdbu"} <= PALETTES.keys()
    assert PALETTES["rdbu"].kind == "diverging"
    for name in SEQUENTIAL:
        assert PALETTES[name].kind == "sequential"
    for name, palette in PALETTES.items():
        assert palette.name == name


def test_viridis_uses_the_real_anchor_colours() -> None:
    viridis = PALETTES["viridis"]
    assert len(viridis.stops) >= 9
    assert viridis.stops[0] == "#440154"
    assert viridis.stops[5] == "#21918c"
    assert viridis.stops[-1] == "#fde725"


@pytest.mark.parametrize("name", sorted(PALETTES))
def test_endpoints_equal_first_and_last_stop(name: str) -> None:
    palette = PALETTES[name]
    assert palette.hex(0.0) == palette.stops[0].lower()
    assert palette.hex(1.0) == palette.stops[-1].lower()
    assert palette.rgb(0.0) == hex_to_rgb(palette.stops[0])
    assert palette.rgb(1.0) == hex_to_rgb(palette.stops[-1])


@pytest.mark.parametrize("name", sorted(PALETTES))
def test_every_stop_is_hit_at_its_position(name: str) -> None:
    palette = PALETTES[name]
    last = len(palette.stops) - 1
    for i, stop in enumerate(palette.stops):
        assert palette.hex(i / last) == stop.lower()


@pytest.mark.parametrize("name", sorted(PALETTES))
def test_out_of_range_and_nan_are_clamped(name: str) -> None:
    palette = PALETTES[name]
    assert palette.rgb(-3.0) == palette.rgb(0.0)
    assert palette.rgb(7.0) == palette.rgb(1.0)
    assert palette.rgb(math.inf) == palette.rgb(1.0)
    assert palette.rgb(math.nan) == palette.rgb(0.0)


@pytest.mark.parametrize("name", sorted(PALETTES))
def test_hex_is_lowercase_rrggbb(name: str) -> None:
    for t in SAMPLES[::16]:
        assert re.fullmatch(r"#[0-9a-f]{6}", PALETTES[name].hex(t))


def test_interpolates_linearly_between_stops() -> None:
    palette = Palette("test", "sequential", ("#000000", "#ffffff"))
    assert palette.rgb(0.25) == (64, 64, 64)
    assert palette.rgb(0.5) == (128, 128, 128)


def luminance_steps(palette: Palette, n: int) -> list[float]:
    lum = [relative_luminance(palette.rgb(i / n)) for i in range(n + 1)]
    return [b - a for a, b in zip(lum, lum[1:], strict=False)]


@pytest.mark.parametrize("name", SEQUENTIAL)
def test_sequential_luminance_is_monotone(name: str) -> None:
    palette = PALETTES[name]
    # Blues runs light to dark, the others dark to light; either is fine, mixing is not.
    sign = 1 if relative_luminance(palette.rgb(1.0)) > relative_luminance(palette.rgb(0.0)) else -1
    assert all(sign * step > 0 for step in luminance_steps(palette, 64))
    # Finer than that, rounding to 8-bit channels may step one unit back (about 4e-4).
    assert all(sign * step > -1e-3 for step in luminance_steps(palette, 512))


def test_diverging_middle_is_the_middle_stop() -> None:
    rdbu = PALETTES["rdbu"]
    assert len(rdbu.stops) % 2 == 1
    assert rdbu.hex(0.5) == rdbu.stops[len(rdbu.stops) // 2].lower()


@pytest.mark.parametrize(
    ("kind", "stops"),
    [
        ("rainbow", ("#000000", "#ffffff")),
        ("sequential", ("#000000",)),
        ("sequential", ("#000000", "white")),
        ("sequential", ("#000000", "#fffffff")),
        ("diverging", ("#ff0000", "#0000ff")),
    ],
)
def test_invalid_palettes_are_rejected(kind: str, stops: tuple[str, ...]) -> None:
    with pytest.raises(ValueError):
        Palette("bad", kind, stops)


def test_shade_endpoints_and_coverage() -> None:
    assert shade(0.0) == " "
    assert shade(1.0) == "█"
    assert {shade(t) for t in SAMPLES} == set(SHADES)


def test_shade_is_monotone_and_clamped() -> None:
    levels = [SHADES.index(shade(t)) for t in SAMPLES]
    assert levels == sorted(levels)
    assert shade(-1.0) == " "
    assert shade(2.0) == "█"
    assert shade(math.nan) == " "


@pytest.mark.parametrize(
    ("value", "vmin", "vmax", "expected"),
    [
        (5.0, 0.0, 10.0, 0.5),
        (0.0, 0.0, 10.0, 0.0),
        (10.0, 0.0, 10.0, 1.0),
        (-4.0, 0.0, 10.0, 0.0),
        (14.0, 0.0, 10.0, 1.0),
        (0.0, -2.0, 2.0, 0.5),
        (3.0, 3.0, 3.0, 0.0),
        (7.0, 3.0, 3.0, 0.0),
        (2.5, 10.0, 0.0, 0.75),
        (math.nan, 0.0, 1.0, 0.0),
        (1.0, -math.inf, math.inf, 0.0),
    ],
)
def test_normalize(value: float, vmin: float, vmax: float, expected: float) -> None:
    assert normalize(value, vmin, vmax) == pytest.approx(expected)


def test_text_color_on_black_and_white() -> None:
    assert text_color_on((0, 0, 0)) == "#ffffff"
    assert text_color_on((255, 255, 255)) == "#000000"
    assert text_color_on(hex_to_rgb("#fde725")) == "#000000"
    assert text_color_on(hex_to_rgb("#08306b")) == "#ffffff"


def test_text_color_on_is_always_readable() -> None:
    levels = range(0, 256, 17)
    for rgb in ((r, g, b) for r in levels for g in levels for b in levels):
        assert contrast_ratio(rgb, hex_to_rgb(text_color_on(rgb))) >= 4.5


def test_contrast_ratio_extremes() -> None:
    assert contrast_ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert contrast_ratio((90, 90, 90), (90, 90, 90)) == pytest.approx(1.0)


@pytest.mark.parametrize("name", sorted(PALETTES))
def test_in_256_colours_every_step_of_every_palette_is_a_colour_of_its_own(name):
    """A 256-colour terminal shows each colour as the nearest of its own; the 256-colour version
    of each palette has steps that stay apart there (Rich's own downgrade decides), each within
    a cube step (≤ 53 per channel here) of the palette's true colour."""
    from rich.color import Color, ColorSystem

    from themes.palettes import STEPS_256, TERMINAL_256

    smooth, stepped = palette_named(name), palette_named(name + TERMINAL_256)
    positions = [step / (STEPS_256 - 1) for step in range(STEPS_256)]
    shown = [Color.from_rgb(*stepped.rgb(t)).downgrade(ColorSystem.EIGHT_BIT).number for t in positions]
    assert len(set(shown)) == STEPS_256, shown
    for t in positions:
        assert max(abs(a - b) for a, b in zip(smooth.rgb(t), stepped.rgb(t), strict=True)) <= 60, t
    assert stepped.rgb(0.04) == stepped.rgb(0.0) and stepped.kind == smooth.kind  # steps, not blends
    if name == "viridis":  # why: the smooth ramp's 0.1 and 0.2 are one colour in 256 colours
        merged = [Color.from_rgb(*smooth.rgb(t)).downgrade(ColorSystem.EIGHT_BIT).number for t in positions]
        assert len(set(merged)) < STEPS_256


def test_the_app_in_256_colours_draws_the_heatmap_in_the_256_colour_steps():
    import asyncio

    from tests.tui.helpers import make_app, settle
    from tui.views.heatmap import AttentionHeatmap

    async def scenario(colors: str) -> str:
        app = make_app(colors=colors)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            return app.query_one(AttentionHeatmap).palette_name

    assert asyncio.run(scenario("256")).endswith("@256")
    assert "@" not in asyncio.run(scenario("truecolor"))
