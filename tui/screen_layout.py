"""Which layout the terminal's size calls for: the screen's classes that `app.tcss` styles."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.screen import Screen

LESSON_SHORT = 32
"""Below this many lines, while the lesson panel is shown, the text box above the tabs gives the
pane below three of its lines: the pane is what a step points at."""


def fit_layout(screen: Screen, lesson_shown: bool) -> None:
    """`-compact` under 24 lines or 60 columns (no spans box, a shorter text box); `-tiny` under 16
    lines, where every line counts (one line of text, no tab underline); `-lesson-short` while the
    lesson panel is shown on a screen under `LESSON_SHORT` lines."""
    height, width = screen.size.height, screen.size.width
    screen.set_class(height < 24 or width < 60, "-compact")
    screen.set_class(height < 16, "-tiny")
    screen.set_class(lesson_shown and height < LESSON_SHORT, "-lesson-short")
