"""Tests for choosing a colour mode, a theme and a palette (themes.selection)."""

import pytest

from themes import (
    COLOR_MODES,
    DEFAULT_THEME,
    THEME_NAMES,
    color_mode,
    default_palette,
    theme_for_mode,
)
from themes.palettes import PALETTES


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"NO_COLOR": "1", "TERM": "xterm-256color", "COLORTERM": "truecolor"}, "mono"),
        ({"NO_COLOR": "", "TERM": "xterm-256color"}, "256"),
        ({"TERM": "dumb"}, "mono"),
        ({"TERM": "dumb", "COLORTERM": "truecolor"}, "mono"),
        ({"TERM": "xterm"}, "16"),
        ({"TERM": "linux"}, "16"),
        ({"TERM": "screen"}, "16"),
        ({"TERM": "xterm", "COLORTERM": "1"}, "16"),
        ({}, "16"),
        # ssh forwards TERM but not COLORTERM.
        ({"TERM": "xterm-256color"}, "256"),
        ({"TERM": "tmux-256color"}, "256"),
        ({"TERM": "xterm-256color", "COLORTERM": "truecolor"}, "truecolor"),
        ({"TERM": "xterm-256color", "COLORTERM": "24bit"}, "truecolor"),
        ({"TERM": "xterm", "COLORTERM": "TrueColor"}, "truecolor"),
        ({"TERM": "xterm-direct"}, "truecolor"),
        ({"TERM": "xterm-kitty"}, "truecolor"),
        ({"WT_SESSION": "0b2c"}, "truecolor"),
        ({"TEXTUAL_COLOR_SYSTEM": "standard", "TERM": "xterm-256color"}, "16"),
        ({"TEXTUAL_COLOR_SYSTEM": "standard", "COLORTERM": "truecolor"}, "16"),
        ({"TEXTUAL_COLOR_SYSTEM": "256", "TERM": "xterm"}, "256"),
        ({"TEXTUAL_COLOR_SYSTEM": "standard", "NO_COLOR": "1"}, "mono"),
    ],
)
def test_color_mode(environ: dict[str, str], expected: str) -> None:
    assert color_mode(environ) == expected
    assert expected in COLOR_MODES


def test_color_mode_reads_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NO_COLOR", "COLORTERM", "TEXTUAL_COLOR_SYSTEM", "WT_SESSION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert color_mode() == "256"
    monkeypatch.setenv("NO_COLOR", "1")
    assert color_mode() == "mono"


@pytest.mark.parametrize("mode", COLOR_MODES)
def test_theme_for_mode_defaults(mode: str) -> None:
    expected = "llm-mono" if mode == "mono" else DEFAULT_THEME
    assert theme_for_mode(None, mode) == expected


@pytest.mark.parametrize("name", THEME_NAMES)
def test_theme_for_mode_honours_a_known_request(name: str) -> None:
    assert theme_for_mode(name, "mono") == name
    assert theme_for_mode(name, "truecolor") == name


def test_theme_for_mode_rejects_an_unknown_theme() -> None:
    with pytest.raises(ValueError, match="unknown theme 'solarized'") as excinfo:
        theme_for_mode("solarized", "256")
    for name in THEME_NAMES:
        assert name in str(excinfo.value)


def test_theme_for_mode_rejects_an_unknown_mode() -> None:
    with pytest.raises(ValueError, match="colour mode"):
        theme_for_mode(None, "full")


@pytest.mark.parametrize(
    ("theme", "palette"),
    [
        ("llm-dark", "viridis"),
        ("llm-light", "blues"),
        ("llm-contrast", "grays"),
        ("llm-mono", "grays"),
        ("textual-dark", "viridis"),
    ],
)
def test_default_palette(theme: str, palette: str) -> None:
    assert default_palette(theme) == palette
    assert palette in PALETTES
