"""The text box: a TextArea that stays responsive on a 1 MB paste and never lets typed control
characters reach the terminal."""

from __future__ import annotations

import re
from typing import ClassVar

from rich.segment import Segment
from textual.binding import Binding, BindingType
from textual.strip import Strip
from textual.widgets import TextArea
from textual.widgets.text_area import Edit, EditResult

# Longer texts are not soft-wrapped. Textual re-wraps the whole document on every edit and every
# resize, about a second per megabyte: a pasted 1 MB text froze the app for seconds per key
# (worse as one long line). Unwrapped, the box scrolls sideways instead.
WRAP_LIMIT = 100_000

# C0 and C1 control characters other than tab and newline. Drawn as they are, ESC sequences in
# pasted text would move the cursor, recolour or clear the user's terminal. They are zero cells
# wide to the TextArea, so leaving them out of the drawn line keeps every column where it was.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class TextBox(TextArea):
    """The user's text. It is never changed here: control characters stay in the text (and are
    tokenized) but are not drawn, and very long texts are shown unwrapped."""

    # ctrl+a selects all, as in most editors (TextArea moves to the line start; home still does).
    # The rest are TextArea's own keys, named here so that the help screen lists them.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+a", "select_all", "Select all", id="text.select_all", show=False),
        Binding("ctrl+z", "undo", "Undo", show=False),
        Binding("ctrl+y", "redo", "Redo", show=False),
        Binding("ctrl+x", "cut", "Cut", show=False),
        Binding("ctrl+c", "copy", "Copy", show=False),
        Binding("ctrl+v", "paste", "Paste", show=False),
        Binding("ctrl+w,ctrl+backspace", "delete_word_left", "Delete the word before", show=False),
        Binding("ctrl+left", "cursor_word_left", "Word left", show=False),
        Binding("ctrl+right", "cursor_word_right", "Word right", show=False),
    ]

    def __init__(self, text: str = "", **kwargs) -> None:
        super().__init__(text, **kwargs)
        self._wrap_wanted = kwargs.get("soft_wrap", True)
        # As TextArea.__init__ does: no watcher may run before the widget is mounted.
        self.set_reactive(TextArea.soft_wrap, self._wrap_wanted and len(text) <= WRAP_LIMIT)
        self._pending_bytes = b""

    def append_bytes(self, data: bytes) -> bool:
        """Append a generated token's bytes at the end. Bytes that end inside a UTF-8 character
        wait for the next token's (False: nothing was appended yet)."""
        data = self._pending_bytes + data
        try:
            piece = data.decode("utf-8")
        except UnicodeDecodeError as error:
            if error.reason == "unexpected end of data":
                self._pending_bytes = data
                return False
            piece = data.decode("utf-8", errors="replace")
        self._pending_bytes = b""
        self.insert(piece, self.document.end)
        return True

    def drop_held_bytes(self) -> None:
        """Forget bytes waiting for the rest of their character (the text or the model changed)."""
        self._pending_bytes = b""

    def edit(self, edit: Edit) -> EditResult:
        # Decided before the edit: wrapping the new text first is the cost being avoided.
        if self.soft_wrap and len(edit.text) > WRAP_LIMIT:
            self.soft_wrap = False
        result = super().edit(edit)
        self._update_wrapping()
        return result

    def undo(self) -> None:
        super().undo()
        self._update_wrapping()

    def redo(self) -> None:
        super().redo()
        self._update_wrapping()

    def _update_wrapping(self) -> None:
        length = len(self.document.text)
        if self.soft_wrap and length > WRAP_LIMIT:
            self.soft_wrap = False
        elif not self.soft_wrap and self._wrap_wanted and length <= WRAP_LIMIT // 2:
            # Half the limit, so that typing around the limit does not flip wrapping to and fro.
            self.soft_wrap = True

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        if not any(_CONTROL.search(segment.text) for segment in strip):
            return strip
        segments = [
            Segment(_CONTROL.sub("", segment.text), segment.style, segment.control) for segment in strip
        ]
        return Strip(segments, strip.cell_length)
