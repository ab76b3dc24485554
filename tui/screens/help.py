"""The help screen: every key the app, its text box, its panes and its dialogs answer to, read
from their BINDINGS (each class's own and those it inherits from llm-tui's views), one row a key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.i18n.strings import UiStrings, marked
from tui.views.vim import VimScroll

TITLE = marked("llm-tui keys")
INTRO = marked(
    "Type in the text box: every pane recomputes as you type. "
    "tab and shift+tab move between the text box and the panes; the footer shows the keys of the "
    "one that has focus. Wherever there is a cursor, h j k l and g/G work beside the arrows and "
    "home/end. ctrl+p opens the command palette (encodings, toggles, panes, themes, export, lessons)."
)
CLOSE = marked("esc, q or F1 closes this list.")
WIDTH = 100  # the list's widest, in cells (see DEFAULT_CSS)
KEY_COLUMN = 18


@dataclass(frozen=True)
class KeyRow:
    """One row of the list: every key that does one thing, and what it does."""

    keys: str
    description: str


def bindings_of(widget: type) -> list[Binding]:
    """`widget`'s bindings with a description, its own and those it inherits from llm-tui classes
    (a pane's cursor keys live in `tui.views`), as Textual merges them: a subclass's binding of
    the same key wins."""
    merged: dict[str, Binding] = {}
    for cls in reversed(widget.__mro__):
        if cls is widget or cls.__module__.startswith("tui."):
            for binding in vars(cls).get("BINDINGS", ()):
                if isinstance(binding, Binding):
                    merged[binding.key] = binding
    return [binding for binding in merged.values() if binding.description]


def key_rows(bindings: list[Binding], key_display: Callable[[Binding], str]) -> list[KeyRow]:
    """One row per action: keys bound to the same action and description share it."""
    rows: dict[tuple[str, str], list[str]] = {}
    for binding in bindings:
        keys = [binding.key_display] if binding.key_display else binding.key.split(",")
        labels = [key_display(replace(binding, key=key, key_display=None)) for key in keys]
        rows.setdefault((binding.action, binding.description), []).extend(labels)
    return [KeyRow(", ".join(dict.fromkeys(keys)), description) for (_, description), keys in rows.items()]


def help_text(
    sections: list[tuple[str, list[Binding]]],
    strings: UiStrings,
    key_display: Callable[[Binding], str],
    width: int = WIDTH,
) -> Text:
    """The whole list in the language of `strings`, for a box `width` cells wide; Japanese is
    broken at phrases (`UiStrings.broken_for`)."""
    say = strings.say
    inner = width - 6  # the border, the padding and the scrollbar (the list is longer than the box)
    text = Text()
    text.append(f"{say(TITLE)}\n", style="bold")
    text.append(f"{say(CLOSE)}\n\n", style="bold")
    text.append(f"{strings.broken_for(say(INTRO), inner)}\n")
    for title, bindings in sections:
        rows = key_rows(bindings, key_display)
        if not rows:
            continue
        text.append(f"\n{say(title)}\n", style="bold underline")
        for row in rows:
            text.append(f"  {row.keys:<{KEY_COLUMN}}", style="bold")
            if len(row.keys) > KEY_COLUMN:
                text.append(f"\n  {'':<{KEY_COLUMN}}")
            text.append(f" {say(row.description)}\n")
    return text


class HelpScreen(ModalScreen[None]):
    """Lists the keys of the app and of each pane; `escape`, `q`, `?` or `F1` closes it.

    Args:
        sections: (title, bindings) pairs, collected by the app from the widgets it composes.
        strings: the app's words, in the learner's language.
    """

    BINDINGS = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close", id="help.close"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VimScroll {
        width: 80%; max-width: 100; height: 85%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, sections: list[tuple[str, list[Binding]]], strings: UiStrings | None = None) -> None:
        super().__init__()
        self.sections = sections
        self.strings = strings or UiStrings("en")

    def compose(self) -> ComposeResult:
        width = min(WIDTH, int(self.app.size.width * 0.8)) if self.app.size.width else WIDTH
        with VimScroll():
            text = help_text(self.sections, self.strings, self.app.get_key_display, width)
            yield Static(text, id="help-text")

    def action_dismiss(self) -> None:
        self.dismiss(None)
