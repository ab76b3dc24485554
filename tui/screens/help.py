"""The help screen: every key the app and its panes answer to, read from their BINDINGS."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Markdown

from tui.views.vim import VimScroll

INTRO = """\
# llm-tui keys

Type in the text box: every pane recomputes as you type.
Press `tab` to move between panes; the footer shows the keys of the pane that has focus.
Wherever there is a cursor, `h j k l` and `g`/`G` work beside the arrows and home/end.
Press `ctrl+p` for the command palette (encodings, toggles, panes, themes, export, lessons).
"""


def _key_table(title: str, bindings: list[Binding]) -> str:
    rows = [f"| `{b.key_display or b.key}` | {b.description} |" for b in bindings if b.description]
    if not rows:
        return ""
    return f"## {title}\n\n| key | does |\n|---|---|\n" + "\n".join(rows) + "\n"


class HelpScreen(ModalScreen[None]):
    """Lists the keys of the app and of each pane; `escape`, `q` or `?` closes it.

    Args:
        sections: (title, bindings) pairs, collected by the app from the widgets it composes.
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

    def __init__(self, sections: list[tuple[str, list[Binding]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        text = INTRO + "\n".join(_key_table(title, bindings) for title, bindings in self.sections)
        with VimScroll():
            yield Markdown(text)

    def action_dismiss(self) -> None:
        self.dismiss(None)
