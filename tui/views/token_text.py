"""Text painted token by token: what the spans pane and the Compare tab draw alike.

Each token's characters sit on one of `SPAN_COLOURS` soft theme backgrounds, so neighbours
differ; whitespace marks are dimmed, characters byte-level BPE split over several tokens are
underlined, characters no token covers sit on the plain background. In mono mode tokens
alternate plain and underlined, split characters are italic and the selection is reversed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from rich.color import Color
from rich.segment import Segment
from rich.style import Style

from tui.views.text_wrap import char_owners, visible_char

if TYPE_CHECKING:
    from textual.widget import Widget

SPAN_COLOURS = 5
"""Token backgrounds cycle through this many theme colours."""
COLOUR_CYCLE = 2 * SPAN_COLOURS
"""Token colours repeat with this period in colour (SPAN_COLOURS) and mono (2) mode alike."""

REVERSE = Style(reverse=True, bold=True)
"""The selection in mono mode, where no background colour may mark it."""

TOKEN_TEXT_CLASSES: frozenset[str] = frozenset(
    {
        *(f"token-text--token-{k}" for k in range(SPAN_COLOURS)),
        "token-text--gap",
        "token-text--whitespace",
        "token-text--partial",
        "token-text--beyond",
        "token-text--selected",
    }
)
"""
| Class | Description |
| :- | :- |
| `token-text--token-0` … `token-text--token-4` | The backgrounds tokens cycle through. |
| `token-text--gap` | Characters no token covers (whitespace a word tokenizer dropped). |
| `token-text--whitespace` | Added to the "·", "↵" and "→" that stand for whitespace. |
| `token-text--partial` | Added to characters split over several tokens. |
| `token-text--beyond` | Added to tokens past the context (not embedded). |
| `token-text--selected` | The selected token. |
"""

_RULES = """
    & > .token-text--token-0 { background: $primary 30%; color: $text; }
    & > .token-text--token-1 { background: $success 30%; color: $text; }
    & > .token-text--token-2 { background: $warning 30%; color: $text; }
    & > .token-text--token-3 { background: $secondary 30%; color: $text; }
    & > .token-text--token-4 { background: $error 30%; color: $text; }
    & > .token-text--gap { color: $text-disabled; }
    & > .token-text--whitespace { text-style: dim; }
    & > .token-text--partial { text-style: underline; }
    & > .token-text--beyond { text-style: dim italic; }
    & > .token-text--selected {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
"""


def token_text_css(widget: str) -> str:
    """The styles of `TOKEN_TEXT_CLASSES`, for the DEFAULT_CSS of the widget class named `widget`."""
    return f"{widget} {{{_RULES}}}\n"


class TokenStyles:
    """The style of each kind of character, built once per combination until `clear`.

    Args:
        widget: The widget whose component styles (`TOKEN_TEXT_CLASSES`) colour the tokens.

    Attributes:
        mono: Text styles instead of background colours (NO_COLOR and 16-colour terminals).
    """

    def __init__(self, widget: Widget) -> None:
        self._widget = widget
        self.mono = False
        self._styles: dict[tuple[int, bool, bool, bool, bool], Style] = {}
        self._entries: list[int] | None = None  # the token backgrounds' 256-colour entries

    def clear(self) -> None:
        """Forget the styles built (the theme, the focus or the mode changed)."""
        self._styles.clear()
        self._entries = None

    def _background_256(self, colour: int) -> Style | None:
        """In a 256-colour terminal, token background `colour` as an entry no other token
        background shares (`themes.xterm256`); None in other terminals."""
        if getattr(self._widget.app, "color_mode", None) != "256":
            return None
        if self._entries is None:
            from themes.xterm256 import distinct_entries

            get = self._widget.get_component_rich_style
            backgrounds = [get(f"token-text--token-{k}").bgcolor for k in range(SPAN_COLOURS)]
            if any(background is None for background in backgrounds):
                return None
            self._entries = distinct_entries([tuple(each.get_truecolor()) for each in backgrounds])
        return Style(bgcolor=Color.from_ansi(self._entries[colour]))

    def style(self, owner: int, whitespace: bool, split: bool, selected: bool, beyond: bool) -> Style:
        """The style of a character of token `owner` (-1: no token)."""
        colour = -1 if owner < 0 else owner % (2 if self.mono else SPAN_COLOURS)
        key = (colour, whitespace, split, beyond and not selected, selected)
        style = self._styles.get(key)
        if style is not None:
            return style
        base = self._widget.rich_style
        if self.mono:
            style = base + (REVERSE if selected else Style(underline=colour == 1))
            extras = [(whitespace, Style(dim=True)), (split, Style(italic=True)), (key[3], Style(dim=True))]
        else:
            get = self._widget.get_component_rich_style
            if selected:
                style = get("token-text--selected")
            elif colour < 0:
                style = get("token-text--gap")
            else:
                style = get(f"token-text--token-{colour}")
                distinct = self._background_256(colour)
                if distinct is not None:
                    style += distinct
            extras = [
                (whitespace, get("token-text--whitespace", partial=True)),
                (split, get("token-text--partial", partial=True)),
                (key[3], get("token-text--beyond", partial=True)),
            ]
        for wanted, extra in extras:
            if wanted:
                style += extra
        self._styles[key] = style
        return style

    def segments(
        self,
        text: str,
        start: int,
        end: int,
        char_spans: np.ndarray,
        *,
        selected: tuple[int, int] | None,
        marks: bool,
        n_used: int | None = None,
    ) -> list[Segment]:
        """Characters `start:end` of `text` painted by the tokens of `char_spans`.

        Runs of characters that share a style become one segment.

        Args:
            text: The whole text.
            start: The first character drawn.
            end: The character after the last one drawn.
            char_spans: (tokens, 2) character spans of the tokens.
            selected: The selected token's character span, or None.
            marks: Whitespace as ·/↵/→ marks (True) or plain spaces.
            n_used: Tokens from this one on are past the context (dimmed); None: none are.
        """
        owners, shared = char_owners(char_spans, start, end)
        low, high = selected if selected is not None else (-1, -1)
        beyond_from = len(char_spans) if n_used is None else n_used
        texts: list[str] = []
        styles: list[Style] = []
        characters = zip(text[start:end], owners, shared, strict=True)
        for index, (char, owner, split) in enumerate(characters, start):
            glyph = visible_char(char, marks)
            whitespace = glyph != char or char.isspace()
            style = self.style(owner, whitespace, split, low <= index < high, owner >= beyond_from)
            if styles and style is styles[-1]:
                texts[-1] += glyph
            else:
                texts.append(glyph)
                styles.append(style)
        return [Segment(text, style) for text, style in zip(texts, styles, strict=True)]
