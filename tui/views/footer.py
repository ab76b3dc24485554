"""`KeyFooter`: the keys that work now, on one line drawn by one widget.

Textual's `Footer` is a container of one widget per key, and it mounts them all again (each styled
anew) whenever the focused widget's keys change: about 130 ms on two cores, a quarter of the time
of a walk through every lesson, and a lag a user feels at each `tab`. This footer keeps the list
of keys it shows and draws them as one line of text; a change of keys is a repaint of one line.

It shows what `Footer` shows, in the same order (the focused widget's keys first, then the app's):
each action once, the keys of a binding group side by side under the group's name, keys that do
nothing now dimmed, and the command palette's key at the right. Keys that do not fit are left
out whole, never cut in the middle; a click on a key presses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.strip import Strip
from textual.widget import Widget

from tui.i18n.strings import strings_of

if TYPE_CHECKING:
    from textual.screen import Screen

GAP = 2
"""Cells between two keys."""


@dataclass(frozen=True)
class FooterItem:
    """One entry of the footer: a key (or a group's keys) and what it does.

    Attributes:
        keys: The keys to press, as `App.simulate_key` takes them (first one for a click).
        shown_keys: The keys as the footer prints them ("^q", "↑ ↓").
        description: What the key does, in the app's language.
        enabled: False when the key does nothing now (drawn dim).
        tooltip: The binding's tooltip, or its description.
    """

    keys: tuple[str, ...]
    shown_keys: str
    description: str
    enabled: bool
    tooltip: str

    @property
    def width(self) -> int:
        return cell_len(self.shown_keys) + (1 + cell_len(self.description) if self.description else 0)


class KeyFooter(Widget, can_focus=False):
    """The keys that work now, at the bottom of the screen (see the module's docstring)."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-footer--key", "key-footer--description"}
    """
    | Class | Description |
    | :- | :- |
    | `key-footer--key` | A key ("f1"). |
    | `key-footer--description` | What it does ("Help"). |
    """

    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .key-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .key-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
    }
    """

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.items: tuple[FooterItem, ...] = ()
        """The keys on offer now, in the order shown (the palette's key last); not all may fit."""
        self.palette: FooterItem | None = None
        self._spans: list[tuple[int, int, FooterItem]] = []  # where each drawn item is, for clicks

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def _bindings_changed(self, screen: Screen) -> None:
        items, palette = self._items_of(screen)
        if (items, palette) != (self.items, self.palette):
            self.items, self.palette = items, palette
            self.refresh()

    def _items_of(self, screen: Screen) -> tuple[tuple[FooterItem, ...], FooterItem | None]:
        """What `screen`'s active bindings offer: one item per action, a group's run merged."""
        say = strings_of(self.app).say
        palette_key = self.app.COMMAND_PALETTE_BINDING if self.app.ENABLE_COMMAND_PALETTE else None
        items: list[FooterItem] = []
        palette: FooterItem | None = None
        seen: set[str] = set()
        group_of_last = None
        for key, (_node, binding, enabled, tooltip) in screen.active_bindings.items():
            if key == palette_key:  # shown at the right even though its binding is not `show`n
                described = say(binding.description)
                shown = self.app.get_key_display(binding)
                hint = say(tooltip) if tooltip else described
                palette = FooterItem((key,), shown, described, enabled, hint)
                continue
            if not binding.show:
                continue
            shown = self.app.get_key_display(binding)
            if binding.action in seen:
                continue
            seen.add(binding.action)
            group = binding.group
            if group is not None and group is group_of_last and items:
                last = items[-1]
                keys, shown_keys = (*last.keys, key), f"{last.shown_keys} {shown}"
                items[-1] = FooterItem(keys, shown_keys, last.description, last.enabled, last.tooltip)
                continue
            group_of_last = group
            if group is not None:
                description = say(group.description)
            else:
                description = say(binding.description) if binding.description else ""
            hint = say(tooltip) if tooltip else description
            items.append(FooterItem((key,), shown, description, enabled, hint))
        return tuple(items), palette

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y != 0 or width <= 0:
            return Strip.blank(width, base)
        key_style = self.get_component_rich_style("key-footer--key")
        description_style = self.get_component_rich_style("key-footer--description")
        dim = Style(dim=True)
        # Two spaces before the palette's key and one after; no "▏" bar: terminals set to East Asian
        # widths draw it two cells wide and push the line's end off the screen.
        palette_width = self.palette.width + 3 if self.palette is not None else 0
        room = width - palette_width if palette_width <= width else width
        segments: list[Segment] = []
        spans: list[tuple[int, int, FooterItem]] = []
        x = 1
        segments.append(Segment(" ", base))
        for item in self.items:
            gap = GAP if spans else 0
            if x + gap + item.width > room:
                break  # whole keys or none: a cut one ("^s Scree") reads as another word
            segments.append(Segment(" " * gap, base))
            x += gap
            spans.append((x, x + item.width, item))
            segments.extend(self._item_segments(item, key_style, description_style, dim))
            x += item.width
        if self.palette is not None and palette_width <= width:
            segments.append(Segment(" " * max(0, width - palette_width - x), base))
            segments.append(Segment("  ", base))
            start = width - palette_width + 2
            spans.append((start, start + self.palette.width, self.palette))
            segments.extend(self._item_segments(self.palette, key_style, description_style, dim))
        self._spans = spans
        return Strip(segments).adjust_cell_length(width, base)

    @staticmethod
    def _item_segments(
        item: FooterItem, key_style: Style, description_style: Style, dim: Style
    ) -> list[Segment]:
        extra = Style() if item.enabled else dim
        segments = [Segment(item.shown_keys, key_style + extra)]
        if item.description:
            segments.append(Segment(" " + item.description, description_style + extra))
        return segments

    def shown_items(self) -> list[FooterItem]:
        """The items drawn at the widget's width now (the palette's key last, if it fits)."""
        self.render_line(0)
        return [item for _start, _end, item in self._spans]

    def _item_at(self, x: int) -> FooterItem | None:
        return next((item for start, end, item in self._spans if start <= x < end), None)

    def on_click(self, event: events.Click) -> None:
        item = self._item_at(event.x)
        if item is None:
            return
        event.stop()
        if item.enabled:
            self.app.simulate_key(item.keys[0])
        else:
            self.app.bell()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        item = self._item_at(event.x)
        self.tooltip = item.tooltip if item is not None and item.tooltip != item.description else None
