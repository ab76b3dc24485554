"""`TokenPane`: what the token panes share (the spans beside the text, the token table).

Both draw one visible line at a time behind the line views' cache, so 1 MB of pasted text
(about 250,000 gpt2 tokens) costs a screenful per frame. Their cursor is a token: every token of
the text can be selected, but `TokenSelected` is posted only for the first `result.n_used`
tokens, the ones the other panes hold numbers for. Tokens past the context are drawn dimmed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from tui.messages import TokenSelected
from tui.panes.base import Pane
from tui.views.cursor_view import RowCursorView

if TYPE_CHECKING:
    from engine.pipeline.results import PipelineResult


class TokenPane(Pane, RowCursorView):
    """A pane whose cursor is one of the result's tokens, and which draws whitespace itself.

    Subclasses draw the lines (`line_key`, `draw_line`) and lay them out (`relayout`).
    """

    draws_whitespace: ClassVar[bool] = True

    def __init__(self, message: str = "", **kwargs: Any) -> None:
        """Create an empty pane showing `message`; `kwargs` are `LineView`'s (name, id, ...)."""
        super().__init__(message, **kwargs)
        self._result: PipelineResult | None = None
        self._mono = False
        self._marks = True

    @property
    def selected(self) -> int | None:
        """The selected token's index, or None when nothing is selected or shown."""
        if self._result is None or not len(self._result.tokens):
            return None
        return self.cursor

    @property
    def cursor_count(self) -> int:
        """Every token of the text can be selected."""
        return 0 if self._result is None else len(self._result.tokens)

    def show_result(self, result: PipelineResult) -> None:
        """Show a new result, keeping the selection if that token still exists (else clamping).

        Args:
            result: What `engine.pipeline.run.run` returned.
        """
        self._result = result
        self.clamp_cursor()
        self.set_message("")
        self.relayout()

    def show_message(self, message: str) -> None:
        """Drop the result and show `message` instead (no text yet, or an error).

        Args:
            message: Text for the user; wrapped to the pane.
        """
        self._result = None
        self.set_message(message)
        self.relayout()

    def select_token(self, index: int | None) -> None:
        """Highlight token `index` (clamped to the text) and scroll to it; posts nothing.

        Args:
            index: The token another pane selected, or None to clear the selection.
        """
        self.place_cursor(index)

    def set_palette(self, palette_name: str, mono: bool) -> None:
        """Choose colours or plain text styles.

        Args:
            palette_name: The heatmap palette; token colours come from the theme instead,
                so only `mono` matters here.
            mono: Mark tokens with text styles instead of background colours (for NO_COLOR
                and 16-colour terminals).
        """
        self._mono = mono
        self.invalidate()

    def set_whitespace(self, marks: bool) -> None:
        """Show whitespace as ·/↵/→ marks, or as plain spaces (the app's `w` toggle).

        Args:
            marks: True for the marks, False for plain spaces.
        """
        self._marks = marks
        self.invalidate()

    def cursor_message(self) -> TokenSelected | None:
        """`TokenSelected` when the user moved to a token the other panes have numbers for."""
        result, index = self._result, self.cursor
        if result is None or index is None or index >= result.n_used:
            return None
        return TokenSelected(index, self)
