"""Pick a worked example: the book's chapter-3 sentence, its one-hot vocabulary, the notes'
Japanese sentences, or a TOML file of one's own; or go back to one's own text."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from tui.hints import app_message
from tui.i18n.strings import marked
from tui.views.vim import VimOptionList

LEAVE = "leave"

ABOUT = {
    "journey": marked("the book, chapter 3: 6 tokens × 3 numbers"),
    "hello-world": marked("the notes: 5 words, one-hot × table (Embeddings, o)"),
    "neko": marked("the notes: what すき attends to, 2 numbers a word"),
    "watashi": marked("the notes: causal, 6 words, 3 numbers each"),
}
"""One line on each built-in example, in the order the picker lists them."""


class ExampleScreen(ModalScreen[str | None]):
    """Dismisses with an example's name or a .toml path, `LEAVE` for one's own text, None to cancel."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="example.cancel")]
    DEFAULT_CSS = """
    ExampleScreen { align: center middle; }
    ExampleScreen > Vertical {
        width: 90; max-width: 95%; height: auto; border: round $primary;
        background: $surface; padding: 0 1;
    }
    ExampleScreen OptionList { height: auto; max-height: 10; }
    ExampleScreen #example-error { color: $error; height: auto; }
    ExampleScreen Label { width: 1fr; height: auto; }  /* long lines (and Japanese) wrap */
    """

    def __init__(self, current: str | None) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        say = self.app.strings.say
        now_mark = "  " + say("(now)")
        options = [
            Option(Content(f"{name:<12} {say(about)}{now_mark if name == self.current else ''}"), id=name)
            for name, about in ABOUT.items()
        ]
        if self.current is not None:
            back = self.app.strings.say("Back to your own text (the encoding and the model read it)")
            options.append(Option(back, id=LEAVE))
        with Vertical():
            say = self.app.strings.say
            now = say("Worked example (now: {name})", name=self.current) if self.current else None
            yield Label(Content(now or say("Worked example (now: none, your text)")))
            yield VimOptionList(*options, id="example-options")
            yield Label(say("or a .toml file with tokens and vectors (enter to open; esc closes):"))
            yield Input(placeholder="path/to/example.toml", id="example-path")
            yield Label("", id="example-error")

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    @on(Input.Submitted, "#example-path")
    def _path(self, event: Input.Submitted) -> None:
        from engine.errors import UserError
        from engine.examples import load_example

        try:
            path = Path(event.value.strip()).expanduser()
        except RuntimeError:  # ~nosuchuser/x.toml: no such home directory
            path = Path(event.value.strip())
        if not path.is_file():
            not_file = self.app.strings.say("{path} is not a file", path=repr(str(path)))
            self.query_one("#example-error", Label).update(Content(not_file))
            return
        try:
            load_example(path)  # a malformed file is said here, in one line, and the dialog stays
        except UserError as error:
            self.query_one("#example-error", Label).update(Content(app_message(error, self.app.strings)))
            return
        self.dismiss(str(path))

    def action_cancel(self) -> None:
        self.dismiss(None)
