"""Choosing a theme and a heatmap palette for the terminal at hand.

No Textual import here: the CLI decides before the app exists, and must read ``NO_COLOR``
itself rather than rely on what Textual does with it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

DEFAULT_THEME = "llm-dark"
THEME_NAMES = ("llm-dark", "llm-light", "llm-contrast", "llm-mono")
COLOR_MODES = ("mono", "16", "256", "truecolor")

_PALETTE_FOR_THEME = {
    "llm-dark": "viridis",
    "llm-light": "blues",
    "llm-contrast": "grays",
    "llm-mono": "grays",
}
# Viridis stays readable on dark and light backgrounds alike, so it suits any other theme
# (the command palette also offers Textual's built-in themes).
_FALLBACK_PALETTE = "viridis"

_TRUECOLOR_WORDS = ("truecolor", "24bit")
# Terminals that draw 24-bit colour but announce it only in COLORTERM, which ssh drops.
_TRUECOLOR_TERMS = frozenset({"xterm-kitty", "xterm-ghostty", "alacritty", "wezterm", "foot"})


def default_palette(theme_name: str) -> str:
    """The heatmap palette that suits a theme.

    Args:
        theme_name: A theme name; names not in ``THEME_NAMES`` get a palette that suits any
            background.

    Returns:
        A key of ``themes.palettes.PALETTES``.
    """
    return _PALETTE_FOR_THEME.get(theme_name, _FALLBACK_PALETTE)


def color_mode(environ: Mapping[str, str] | None = None) -> str:
    """How many colours the terminal can show, judged from its environment.

    Args:
        environ: The environment to read; ``os.environ`` when None.

    Returns:
        One of ``COLOR_MODES``: ``"mono"`` when ``NO_COLOR`` is set to a non-empty value
        (no-color.org) or ``TERM`` is ``dumb``; ``"16"`` when ``TEXTUAL_COLOR_SYSTEM`` asks for
        it or nothing hints at more; otherwise ``"256"`` or ``"truecolor"``.
    """
    env = os.environ if environ is None else environ
    term = env.get("TERM", "").lower()
    if env.get("NO_COLOR") or term == "dumb":
        return "mono"

    # Textual obeys this variable, so our choice must agree with what it will draw.
    forced = env.get("TEXTUAL_COLOR_SYSTEM", "").lower()
    if forced in ("standard", "windows"):
        return "16"
    if forced in ("256", "truecolor"):
        return forced

    if (
        env.get("COLORTERM", "").lower() in _TRUECOLOR_WORDS
        or any(word in term for word in _TRUECOLOR_WORDS)
        or term.endswith("-direct")
        or term in _TRUECOLOR_TERMS
        # Windows Terminal sets no TERM or COLORTERM of its own.
        or env.get("WT_SESSION")
    ):
        return "truecolor"
    if "256color" in term:
        return "256"
    return "16"


def theme_for_mode(requested: str | None, mode: str) -> str:
    """The theme to start with.

    Args:
        requested: The theme the user asked for (``--theme``), or None.
        mode: The colour mode, as returned by ``color_mode``.

    Returns:
        ``requested`` when given; otherwise ``"llm-mono"`` in mono mode, else ``DEFAULT_THEME``.

    Raises:
        ValueError: If ``requested`` is not a known theme or ``mode`` is not a colour mode.
    """
    if mode not in COLOR_MODES:
        raise ValueError(f"unknown colour mode {mode!r}; expected one of: {', '.join(COLOR_MODES)}")
    if requested is None:
        return "llm-mono" if mode == "mono" else DEFAULT_THEME
    if requested not in THEME_NAMES:
        raise ValueError(f"unknown theme {requested!r}; known themes: {', '.join(THEME_NAMES)}")
    return requested
