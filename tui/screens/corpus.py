"""Pick the corpus whose words form the regex tokenizers' vocabulary."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from engine.errors import UserError
from engine.inputs import read_corpus_file
from tui.hints import app_message


class CorpusScreen(ModalScreen[tuple[str, str] | None]):
    """Asks for a text file; dismisses with (path, text), ("", "") for the sample text, or None.

    Keys: `enter` loads the file, `ctrl+l` loads it as Latin-1 (a file that is not UTF-8),
    `ctrl+r` goes back to the built-in sample text, `escape` cancels.
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="corpus.cancel"),
        Binding("ctrl+r", "sample", "Use sample text", id="corpus.sample"),
        Binding("ctrl+l", "latin1", "Read as Latin-1", id="corpus.latin1"),
    ]
    DEFAULT_CSS = """
    CorpusScreen { align: center middle; }
    CorpusScreen > Vertical {
        width: 70; max-width: 90%; height: auto; border: round $primary;
        background: $surface; padding: 0 1;
    }
    CorpusScreen #corpus-error { color: $error; width: 1fr; height: auto; }  /* wrapped, never cut */
    CorpusScreen Label { width: 1fr; height: auto; }  /* long lines (and Japanese) wrap */
    """

    def __init__(self, current: str | None) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            say = self.app.strings.say
            yield Label(say("Corpus for the regex tokenizers (a UTF-8 text file):"))
            yield Input(value=self.current or "", placeholder="path/to/text.txt", id="corpus-path")
            yield Label(
                say("enter: load · ctrl+l: load as Latin-1 · ctrl+r: built-in sample text · escape: cancel")
            )
            yield Label("", id="corpus-error")

    @on(Input.Submitted, "#corpus-path")
    def load(self, event: Input.Submitted) -> None:
        path = event.value.strip()
        if not path:
            self.action_sample()
            return
        self.query_one("#corpus-error", Label).update(self.app.strings.say("reading…"))
        self._read(path)

    def action_latin1(self) -> None:
        """Load the file typed in, its bytes read as Latin-1 (every byte is a character there)."""
        path = self.query_one("#corpus-path", Input).value.strip()
        if path:
            self.query_one("#corpus-error", Label).update(self.app.strings.say("reading as Latin-1…"))
            self._read(path, latin1=True)

    @work(thread=True, exclusive=True, group="corpus-read")
    def _read(self, path: str, latin1: bool = False) -> None:
        """Read off the UI thread: a slow disk never freezes the app (a pipe or device is refused)."""
        try:
            text = read_corpus_file(path, latin1=latin1)
        except UserError as error:
            message = app_message(error)
            if "UTF-8" in message and not latin1:
                message += " · ctrl+l reads it as Latin-1"
            self.app.call_from_thread(self._show_error, message)
            return
        self.app.call_from_thread(self._loaded, path, text)

    def _show_error(self, message: str) -> None:
        if self.is_attached:
            # Content, not markup: a path may hold "[...]".
            self.query_one("#corpus-error", Label).update(Content(message))

    def _loaded(self, path: str, text: str) -> None:
        if self.is_attached and self.app.screen is self:
            self.dismiss((path, text))

    def action_sample(self) -> None:
        self.dismiss(("", ""))

    def action_cancel(self) -> None:
        self.dismiss(None)
