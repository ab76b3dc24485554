"""Pick the corpus whose words form the regex tokenizers' vocabulary (F3)."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from tui.i18n.strings import marked
from tui.screens.file_pick import FileScreen


class CorpusScreen(FileScreen):
    """Asks for a text file; dismisses with (path, text), ("", "") for the sample text, or None.

    Keys: those of `FileScreen`, and `ctrl+r` (or `enter` on an empty path) goes back to the
    built-in sample text.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "sample", "Use sample text", id="corpus.sample"),
    ]
    PROMPT = marked("Corpus for the regex tokenizers (a UTF-8 text file):")
    KEYS = marked("enter: load · ctrl+l: load as Latin-1 · ctrl+r: built-in sample text · escape: cancel")

    def read(self, path: str, latin1: bool) -> str:
        from engine.inputs import read_corpus_file

        return read_corpus_file(path, latin1=latin1)

    def empty_path(self) -> None:
        self.action_sample()

    def action_sample(self) -> None:
        self.dismiss(("", ""))
