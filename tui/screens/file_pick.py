"""`FileScreen`: asks for a text file and reads it off the UI thread; the corpus picker (F3) and
"open a text file" (ctrl+o) are two of them.

A file that is not UTF-8 is refused with the reason and the key that reads it as Latin-1 (every
byte is a character there); errors wrap instead of being cut.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from engine.errors import UserError
from tui.hints import app_message
from tui.i18n.strings import marked


class FileScreen(ModalScreen[tuple[str, str] | None]):
    """Asks for a text file; dismisses with (path, text), or None when cancelled.

    Subclasses say what the file is for (`PROMPT`, `KEYS`) and how to read it (`read`).

    Keys: `enter` loads the file, `ctrl+l` loads it as Latin-1, `escape` cancels.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="file.cancel"),
        Binding("ctrl+l", "latin1", "Read as Latin-1", id="file.latin1"),
    ]
    DEFAULT_CSS = """
    FileScreen { align: center middle; }
    FileScreen > Vertical {
        width: 70; max-width: 90%; height: auto; border: round $primary;
        background: $surface; padding: 0 1;
    }
    FileScreen #file-error { color: $error; width: 1fr; height: auto; }  /* wrapped, never cut */
    FileScreen Label { width: 1fr; height: auto; }  /* long lines (and Japanese) wrap */
    """

    PROMPT: ClassVar[str]
    """The first line, in English (said in the app's language): what the file is for."""
    KEYS: ClassVar[str] = marked("enter: load · ctrl+l: load as Latin-1 · escape: cancel")
    """The keys line, in English."""

    def __init__(self, current: str | None) -> None:
        super().__init__()
        self.current = current

    def read(self, path: str, latin1: bool) -> str:
        """The file's text (runs in a thread); a `UserError` says why it cannot be had."""
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        say = self.app.strings.say
        with Vertical():
            yield Label(say(self.PROMPT))
            yield Input(value=self.current or "", placeholder="path/to/text.txt", id="file-path")
            yield Label(say(self.KEYS))
            yield Label("", id="file-error")

    @on(Input.Submitted, "#file-path")
    def load(self, event: Input.Submitted) -> None:
        path = event.value.strip()
        if not path:
            self.empty_path()
            return
        self.query_one("#file-error", Label).update(self.app.strings.say("reading…"))
        self._read(path)

    def empty_path(self) -> None:
        """`enter` on an empty path: say what is wanted."""
        self._show_error(self.app.strings.say("type the path of a file first"))

    def action_latin1(self) -> None:
        """Load the file typed in, its bytes read as Latin-1 (every byte is a character there)."""
        path = self.query_one("#file-path", Input).value.strip()
        if path:
            self.query_one("#file-error", Label).update(self.app.strings.say("reading as Latin-1…"))
            self._read(path, latin1=True)

    @work(thread=True, exclusive=True, group="file-read")
    def _read(self, path: str, latin1: bool = False) -> None:
        """Read off the UI thread: a slow disk never freezes the app (a pipe or device is refused)."""
        try:
            text = self.read(path, latin1)
        except UserError as error:
            message = app_message(error, self.app.strings)
            if "UTF-8" in str(error) and not latin1:
                # The way out is a key here, not the command line's --latin1 (a restart).
                said = self.app.strings.say_note(error.message)
                message = said + self.app.strings.say(" · ctrl+l reads it as Latin-1")
            self.app.call_from_thread(self._show_error, message)
            return
        self.app.call_from_thread(self._loaded, path, text)

    def _show_error(self, message: str) -> None:
        if self.is_attached:
            # Content, not markup: a path may hold "[...]".
            self.query_one("#file-error", Label).update(Content(message))

    def _loaded(self, path: str, text: str) -> None:
        if self.is_attached and self.app.screen is self:
            self.dismiss((path, text))

    def action_cancel(self) -> None:
        self.dismiss(None)


class OpenTextScreen(FileScreen):
    """Asks for a text file to put in the text box (ctrl+o); dismisses with (path, text) or None.

    Keys: those of `FileScreen`.
    """

    PROMPT = marked("Open a text file in the text box (UTF-8):")

    def read(self, path: str, latin1: bool) -> str:
        from engine.inputs import read_text_file

        return read_text_file(path, latin1=latin1)
