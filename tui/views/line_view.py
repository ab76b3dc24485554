"""`LineView`: a scroll view drawn one line at a time, each line cached by what it shows.

Toolong's way with big data: Textual asks only for the lines on screen (`render_line`), and a
line is drawn again only when what it shows changes. A subclass says what a line shows
(`line_key`: a hashable description of its content, not of its position) and how to draw it
(`draw_line`); strips are kept in an LRU cache under that key, the width and a version counter
that `invalidate` bumps when something every line depends on changes (the palette, the theme,
the whitespace marks). So a keystroke that changes a few rows redraws those rows only, and
scrolling back redraws nothing.

Also here, written once for every line view: the message shown instead of the lines (wrapped
and centred), the scrollable extent, and scrolling a range of lines into view.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import ClassVar

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.i18n.strings import strings_of
from tui.textual_shim import set_virtual_size

CACHED_LINES = 1024
"""Strips kept per view: several screens of the largest terminal."""


def nearest_offset(offset: int, first: int, last: int, shown: int) -> int:
    """The scroll offset closest to `offset` that shows positions `first` to `last`.

    Args:
        offset: The current scroll offset.
        first: The first position to show.
        last: The last position to show; when both do not fit, `first` wins.
        shown: How many positions the window shows (at least 1).
    """
    if first < offset:
        return first
    if last >= offset + shown:
        return min(first, last - shown + 1)
    return offset


class LineView(ScrollView, can_focus=True):
    """A scroll view of lines drawn on demand and cached by what they show.

    Lines are numbered from the top of the scrollable content, 0 being the first line below the
    `header_lines` lines that stay put while the rest scrolls; those have the numbers
    -`header_lines` to -1. While `message` is not empty it is shown instead of the lines.

    Subclasses implement `line_key` and `draw_line`, call `set_extent` when their number of lines
    changes and `invalidate` when something every line depends on changes. `relayout` runs on
    every resize.

    Attributes:
        header_lines: Lines at the top that do not scroll (column names).
    """

    header_lines: ClassVar[int] = 0

    COMPONENT_CLASSES: ClassVar[set[str]] = {"line-view--message"}
    """
    | Class | Description |
    | :- | :- |
    | `line-view--message` | The message shown instead of the lines. |
    """

    DEFAULT_CSS = """
    LineView {
        width: 1fr;
        height: 1fr;
        background: $surface;
        color: $text;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-gutter: stable;
        scrollbar-size: 1 1;
        & > .line-view--message { color: $text-muted; text-style: italic; }
    }
    """

    def __init__(
        self,
        message: str = "",
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Create a view that shows `message` until there are lines.

        Args:
            message: What to show until a subclass has lines to draw.
            name: The name of the widget.
            id: The ID of the widget in the DOM.
            classes: The CSS classes of the widget.
            disabled: Whether the widget is disabled.
        """
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._message = message
        self._version = 0
        self._strips: LRUCache[tuple[int, int, Hashable], Strip] = LRUCache(CACHED_LINES)
        self._message_strips: tuple[tuple[str, int], list[Strip]] | None = None

    # What subclasses implement

    def line_key(self, line: int, width: int) -> Hashable | None:
        """What line `line` shows at `width` cells, as a cache key; None for a blank line.

        The key must change whenever the drawn line would (apart from what `invalidate` covers),
        and should not hold the line's position when the same content can sit on other lines.
        """
        raise NotImplementedError

    def draw_line(self, line: int, width: int) -> Strip:
        """Draw line `line` (its key was not in the cache) as a strip of `width` cells."""
        raise NotImplementedError

    def relayout(self) -> None:
        """Recompute what depends on the content and the width (wrapping, columns, the extent).

        Runs on every resize; the default only repaints.
        """
        self.refresh()

    # What the view offers

    @property
    def message(self) -> str:
        """The text shown instead of the lines; "" while the lines are shown."""
        return self._message

    @property
    def render_misses(self) -> int:
        """How many lines were drawn because the cache did not hold them, since the view was made."""
        return self._strips.misses

    @property
    def line_width(self) -> int:
        """Cells each line is drawn with: the width left of the scrollbar gutter."""
        return self.scrollable_content_region.width

    @property
    def view_lines(self) -> int:
        """How many lines below the header fit on screen (at least 1)."""
        return max(1, self.scrollable_content_region.height - self.header_lines)

    def set_message(self, message: str) -> None:
        """Show `message`, wrapped and centred, instead of the lines; "" shows the lines again."""
        self._message = message
        self.refresh()

    def invalidate(self) -> None:
        """Forget every drawn line and repaint: something all of them depend on has changed."""
        self._version += 1
        self._strips.clear()
        self._message_strips = None
        self.refresh()

    def set_extent(self, lines: int, width: int = 0) -> None:
        """Make the content `lines` lines (below the header) by `width` cells (0: no horizontal scroll)."""
        set_virtual_size(self, Size(width, self.header_lines + lines))

    def scroll_lines_into_view(self, first: int, last: int) -> None:
        """Scroll the least distance that shows lines `first` to `last` (`first` wins if they do not fit)."""
        shown = self.scrollable_content_region.height - self.header_lines
        if shown > 0:
            self.scroll_to(y=nearest_offset(self.scroll_offset.y, first, last, shown), animate=False)

    # Textual's hooks

    def notify_style_update(self) -> None:
        """Drop drawn lines when the theme, the CSS or the focus changes."""
        super().notify_style_update()
        self.invalidate()

    def on_resize(self, event: events.Resize) -> None:
        """Lay out again for the new size."""
        self.relayout()

    def render_line(self, y: int) -> Strip:
        """Draw screen line `y`: a header line, a scrolled line from the cache, or the message.

        Args:
            y: The line on screen, 0 at the top of the widget.

        Returns:
            A strip `line_width` cells wide.
        """
        width = self.line_width
        if self._message:
            return self._message_line(y, width)
        line = y - self.header_lines
        if line >= 0:
            line += self.scroll_offset.y
        key = self.line_key(line, width)
        if key is None:
            return Strip.blank(width, self.rich_style)
        cache_key = (self._version, width, key)
        strip = self._strips.get(cache_key)
        if strip is None:
            strip = self.draw_line(line, width)
            self._strips[cache_key] = strip
        return strip

    def _message_line(self, y: int, width: int) -> Strip:
        """Screen line `y` of the message, wrapped to `width` and centred in the view."""
        key = (self._message, width)
        if self._message_strips is None or self._message_strips[0] != key:
            style = self.get_component_rich_style("line-view--message")
            console = self.app.console
            message = self._message
            # Japanese breaks at phrases, never before "。" (Rich: anywhere).
            message = strings_of(self.app).broken_for(message, max(width, 1))
            lines = Text(message, style=style, justify="center").wrap(console, max(width, 1))
            # Rich leaves unstyled runs with style None, which Textual's NO_COLOR filter rejects.
            strips = [
                Strip([Segment(s.text, s.style or style) for s in line.render(console)]).adjust_cell_length(
                    width, self.rich_style
                )
                for line in lines
            ]
            self._message_strips = (key, strips)
        strips = self._message_strips[1]
        top = max(0, (self.scrollable_content_region.height - len(strips) + 1) // 2)
        if top <= y < top + len(strips):
            return strips[y - top]
        return Strip.blank(width, self.rich_style)
