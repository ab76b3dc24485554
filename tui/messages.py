"""Messages every pane understands, so a token picked in one pane is highlighted in all of them,
and those the pipeline's worker posts to the app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message
from textual.widget import Widget

if TYPE_CHECKING:
    from engine.pipeline.results import PipelineResult


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


class PipelineShown(Message):
    """Pipeline run `number` is through the shown layer (`result.deeper_pending`): what shows that
    layer can be drawn now; its complete result (`PipelineDone`) follows when the later layers end."""

    def __init__(self, result: PipelineResult, number: int) -> None:
        super().__init__()
        self.result, self.number = result, number


class PipelineDone(Message):
    """Pipeline run `number` finished with `result`."""

    def __init__(self, result: PipelineResult, number: int) -> None:
        super().__init__()
        self.result, self.number = result, number


class PipelineFailed(Message):
    """Pipeline run `number` hit an error; `error` says what to show."""

    def __init__(self, error: str, number: int) -> None:
        super().__init__()
        self.error, self.number = error, number
