"""Messages every pane understands, so a token picked in one pane is highlighted in all of them."""

from __future__ import annotations

from textual.message import Message
from textual.widget import Widget


class TokenSelected(Message):
    """The user moved a pane's own cursor to token `index` (an index into the result's tokens).

    Attributes:
        index: the token's position in the tokenized text.
        pane: the pane whose cursor moved; the app updates every other pane.
    """

    def __init__(self, index: int, pane: Widget | None = None) -> None:
        super().__init__()
        self.index = index
        self.pane = pane

    @property
    def control(self) -> Widget | None:
        """The pane that posted the message (as Textual's own widgets name their sender)."""
        return self.pane
