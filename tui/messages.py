"""Messages every pane understands, so a token picked in one pane is highlighted in all of them."""

from __future__ import annotations

from textual.message import Message


class TokenSelected(Message):
    """The user moved a pane's own cursor to token `index` (an index into the result's tokens).

    Attributes:
        index: the token's position in the tokenized text.
    """

    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index
