"""Themes and heatmap palettes for llm-tui.

``themes.palettes`` and the choosing helpers below never import Textual, so the engine and
the benchmarks can use them. ``THEMES`` and ``register_themes`` load Textual on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .selection import (
    COLOR_MODES,
    DEFAULT_THEME,
    THEME_NAMES,
    color_mode,
    default_palette,
    theme_for_mode,
)

if TYPE_CHECKING:
    from .textual_themes import THEMES, register_themes

__all__ = [
    "COLOR_MODES",
    "DEFAULT_THEME",
    "THEMES",
    "THEME_NAMES",
    "color_mode",
    "default_palette",
    "register_themes",
    "theme_for_mode",
]

_LAZY = ("THEMES", "register_themes")


def __getattr__(name: str) -> Any:
    # Importing a submodule runs this package first; an eager Textual import here would
    # load Textual into every process that only wants ``themes.palettes``.
    if name in _LAZY:
        from . import textual_themes

        value = getattr(textual_themes, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
