"""The help screen: every key the app and its panes answer to, read from their BINDINGS."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Markdown

from tui.i18n.strings import UiStrings, marked
from tui.views.vim import VimScroll

TITLE = marked("llm-tui keys")
INTRO = marked(
    "Type in the text box: every pane recomputes as you type. "
    "Press `tab` to move between panes; the footer shows the keys of the pane that has focus. "
    "Wherever there is a cursor, `h j k l` and `g`/`G` work beside the arrows and home/end. "
    "Press `ctrl+p` for the command palette (encodings, toggles, panes, themes, export, lessons). "
    "`esc`, `q` or `F1` closes this list."
)
COLUMNS = (marked("key"), marked("does"))
WIDTH = 100  # the list's widest, in cells (see DEFAULT_CSS)


def _key_table(title: str, bindings: list[Binding], strings: UiStrings) -> str:
    say = strings.say
    rows = [f"| `{b.key_display or b.key}` | {say(b.description)} |" for b in bindings if b.description]
    if not rows:
        return ""
    key, does = (say(column) for column in COLUMNS)
    return f"## {say(title)}\n\n| {key} | {does} |\n|---|---|\n" + "\n".join(rows) + "\n"


def help_markdown(sections: list[tuple[str, list[Binding]]], strings: UiStrings, width: int = WIDTH) -> str:
    """The whole list as Markdown, in the language of `strings`; Japanese paragraphs are broken at
    phrases for a box `width` cells wide (`tui.lessons.ja_wrap`)."""
    from tui.lessons.ja_wrap import wrap_markdown

    intro = wrap_markdown(strings.say(INTRO), width - 9)  # the border, padding and Markdown's margins
    tables = "\n".join(_key_table(title, bindings, strings) for title, bindings in sections)
    return f"# {strings.say(TITLE)}\n\n{intro}\n\n{tables}"


class HelpScreen(ModalScreen[None]):
    """Lists the keys of the app and of each pane; `escape`, `q` or `?` closes it.

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
            yield Markdown(help_markdown(self.sections, self.strings, width))

    def action_dismiss(self) -> None:
        self.dismiss(None)
