"""The app's Textual themes: the only module of this package that imports Textual."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.theme import Theme

if TYPE_CHECKING:
    from textual.app import App

# Accent and success borrow viridis colours so the chrome matches the default heatmap.
_DARK = Theme(
    name="llm-dark",
    primary="#4ea1d3",
    secondary="#7c6fcf",
    accent="#fde725",
    warning="#f2a541",
    error="#ef5b5b",
    success="#5ec962",
    foreground="#e2e4e9",
    background="#11131a",
    surface="#181b24",
    panel="#232735",
    dark=True,
)

# Accents are dark enough to read on the light background (WCAG contrast 4.5 or more).
_LIGHT = Theme(
    name="llm-light",
    primary="#0b5cad",
    secondary="#6639ba",
    accent="#a34f00",
    warning="#8a5a00",
    error="#c62828",
    success="#1a7f37",
    foreground="#1c1f24",
    background="#f6f6f3",
    surface="#ecece7",
    panel="#dcdcd5",
    dark=False,
)

# For projectors and low vision: pure white on black, yellow for whatever has focus, and
# text drawn at full strength instead of Textual's slightly faded default.
_CONTRAST = Theme(
    name="llm-contrast",
    primary="#ffff00",
    secondary="#00ffff",
    accent="#ffff00",
    warning="#ffaf00",
    error="#ff5f5f",
    success="#00ff00",
    foreground="#ffffff",
    background="#000000",
    surface="#000000",
    panel="#1c1c1c",
    dark=True,
    text_alpha=1.0,
    variables={
        "text-muted": "#d0d0d0",
        "border": "#ffffff",
        "border-blurred": "#c0c0c0",
        "block-cursor-background": "#ffff00",
        "block-cursor-foreground": "#000000",
        "footer-key-foreground": "#ffff00",
    },
)

# Greys only, so nothing depends on hue when NO_COLOR is set. The values are steps of the
# xterm 256-colour grey ramp, so they survive down-sampling unchanged.
_MONO = Theme(
    name="llm-mono",
    primary="#d0d0d0",
    secondary="#a8a8a8",
    accent="#ffffff",
    warning="#e4e4e4",
    error="#ffffff",
    success="#bcbcbc",
    foreground="#e4e4e4",
    background="#000000",
    surface="#121212",
    panel="#262626",
    dark=True,
    variables={
        "border": "#d0d0d0",
        "border-blurred": "#585858",
        "block-cursor-background": "#ffffff",
        "block-cursor-foreground": "#000000",
        "footer-key-foreground": "#ffffff",
    },
)

THEMES: dict[str, Theme] = {theme.name: theme for theme in (_DARK, _LIGHT, _CONTRAST, _MONO)}


def register_themes(app: App[Any]) -> None:
    """Makes every theme in ``THEMES`` available to ``app`` (and its command palette).

    Args:
        app: The app; call before setting ``app.theme`` to one of these names.
    """
    for theme in THEMES.values():
        app.register_theme(theme)
