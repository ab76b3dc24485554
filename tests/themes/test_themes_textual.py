"""Tests for the Textual themes: their colours, and registering them in a real app."""

import asyncio
import re
import subprocess
import sys
from pathlib import Path

import pytest
from textual.app import App
from textual.theme import Theme

from themes import DEFAULT_THEME, THEME_NAMES, THEMES, register_themes
from themes.palettes import contrast_ratio, hex_to_rgb

ROOT = Path(__file__).resolve().parents[2]
COLOUR_FIELDS = tuple(
    "primary secondary accent warning error success foreground background surface panel".split()
)


def theme_colours(theme: Theme) -> list[str]:
    """Every #rrggbb colour a theme names, in its fields and its variables."""
    values = [getattr(theme, f) or "" for f in COLOUR_FIELDS] + list(theme.variables.values())
    return [c for v in values for c in re.findall(r"#[0-9a-fA-F]{6}", v)]


def test_the_four_themes_exist() -> None:
    assert set(THEMES) == {"llm-dark", "llm-light", "llm-contrast", "llm-mono"}
    assert set(THEMES) == set(THEME_NAMES)
    assert DEFAULT_THEME in THEMES
    for name, theme in THEMES.items():
        assert theme.name == name


@pytest.mark.parametrize("name", THEME_NAMES)
def test_theme_sets_every_colour_and_builds(name: str) -> None:
    theme = THEMES[name]
    for field in COLOUR_FIELDS:
        assert getattr(theme, field), f"{name} leaves {field} to Textual"
    assert theme.to_color_system().generate()


@pytest.mark.parametrize("name", THEME_NAMES)
def test_text_is_readable(name: str) -> None:
    theme = THEMES[name]
    assert theme.foreground and theme.background and theme.primary
    background = hex_to_rgb(theme.background)
    assert contrast_ratio(hex_to_rgb(theme.foreground), background) >= 7.0
    assert contrast_ratio(hex_to_rgb(theme.primary), background) >= 4.5


def test_light_theme_is_light_and_the_others_dark() -> None:
    assert not THEMES["llm-light"].dark
    assert all(THEMES[n].dark for n in THEME_NAMES if n != "llm-light")


def test_contrast_theme_is_black_white_and_yellow() -> None:
    theme = THEMES["llm-contrast"]
    assert theme.background == "#000000"
    assert theme.foreground == "#ffffff"
    assert theme.primary == "#ffff00"
    assert theme.text_alpha == 1.0


def test_mono_theme_has_no_hue() -> None:
    colours = theme_colours(THEMES["llm-mono"])
    assert len(colours) >= len(COLOUR_FIELDS)
    for colour in colours:
        r, g, b = hex_to_rgb(colour)
        assert r == g == b, colour


def test_each_theme_registers_in_a_real_app() -> None:
    async def switch_through_themes() -> list[str]:
        app = App()
        register_themes(app)
        seen = []
        async with app.run_test() as pilot:
            for name in THEME_NAMES:
                app.theme = name
                await pilot.pause()
                seen.append(app.current_theme.name)
                assert app.current_theme is THEMES[name]
                assert app.get_css_variables()["background"].lower() == THEMES[name].background
        return seen

    assert asyncio.run(switch_through_themes()) == list(THEME_NAMES)


def test_palettes_and_selection_do_not_import_textual() -> None:
    code = (
        "import sys, themes, themes.palettes, themes.selection\n"
        "themes.color_mode({}); themes.palettes.PALETTES['viridis'].hex(0.5)\n"
        "assert 'textual' not in sys.modules, sorted(m for m in sys.modules if 'textual' in m)\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
