"""`PhraseText`: a Static whose Japanese breaks at phrases for its width.

Textual wraps text without spaces anywhere: before "。", between a number and its counter, in the
middle of a word. This Static keeps the text it was given and shows it broken at phrases
(`UiStrings.broken_for`) for its content width, again whenever the width changes; English (any
text without Japanese) is shown as it is and wrapped by Textual at its spaces.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from tui.i18n.strings import strings_of


class PhraseText(Static):
    """Plain text (never markup: a message may quote what the user typed) broken at phrases."""

    def __init__(self, text: str = "", *, style: str | Style = "", **kwargs) -> None:
        super().__init__("", markup=False, **kwargs)
        self._source = text
        self._text_style = style
        self._shown_for: tuple[str, int] | None = None  # (text, width) last drawn

    @property
    def source(self) -> str:
        """The text as it was given, before any phrase breaks."""
        return self._source

    def show_text(self, text: str, style: str | Style | None = None) -> None:
        """Show `text` (in `style`, else the style it had)."""
        self._source = text
        if style is not None:
            self._text_style = style
        self._shown_for = None
        self._draw()

    def on_mount(self) -> None:
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        width = self.content_size.width
        if self._shown_for == (self._source, width):
            return
        self._shown_for = (self._source, width)
        text = strings_of(self.app).broken_for(self._source, width) if width > 0 else self._source
        self.update(Text(text, style=self._text_style))


def keys_in_lines(keys: str, width: int) -> str:
    """A line of keys ("n/→ 次へ · p/← 戻る · esc 終了") in lines of `width` cells, broken between
    its " · " items only, each item whole (one wider than a line stands alone)."""
    lines: list[str] = []
    for item in keys.split(" · "):
        if lines and cell_len(f"{lines[-1]} · {item}") <= width:
            lines[-1] = f"{lines[-1]} · {item}"
        else:
            lines.append(item)
    return "\n".join(lines)
