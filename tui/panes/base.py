"""`Pane`: the contract every widget that shows a pipeline result follows, and what they share.

The app talks to panes through this class alone: it offers each result and each selection to
every pane with `offer_result` / `offer_selection`, and the pane decides when to draw. A pane in
a hidden tab only remembers what it was offered (drawing eight tabs on every keystroke cost more
than the pipeline itself) and catches up when Textual tells it that it is shown again.

Subclasses are Textual widgets (`class TokenTable(Pane, RowCursorView)`) and implement
`show_result` and `show_message`; the other hooks have sensible defaults.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.widget import Widget

from tui.messages import TokenSelected

if TYPE_CHECKING:
    from engine.pipeline.results import PipelineResult


class Pane:
    """A view of pipeline results; mixed in before a Textual widget class.

    Attributes:
        draws_whitespace: True for panes that draw whitespace themselves and follow the app's
            `w` toggle (`set_whitespace`).
        reads_deeper_layers: True for panes that show what a model computes after the shown layer
            (predictions, the residual stream): a result whose deeper layers are still running
            (`deeper_pending`) is not for them; they wait for the complete one.
    """

    draws_whitespace: ClassVar[bool] = False
    reads_deeper_layers: ClassVar[bool] = False

    class Updated(Message):
        """A pane finished work of its own (a comparison in its worker) and drew it."""

    _pending: PipelineResult | None = None  # a result offered while hidden
    _stale = False  # something was offered while hidden
    _selection: int | None = None  # the latest selection offered
    _update_hook: Callable[[], None] | None = None  # see `on_update`

    # What subclasses implement

    def show_result(self, result: PipelineResult) -> None:
        """Draw `result` now."""
        raise NotImplementedError

    def show_message(self, message: str) -> None:
        """Drop any result and show `message` (loading, an error, nothing to show)."""
        raise NotImplementedError

    def select_token(self, index: int | None) -> None:
        """Highlight token `index` (None: nothing) because another pane or the text selected it.

        Posts nothing: only a move by the user posts `TokenSelected`.
        """

    def set_palette(self, palette_name: str, mono: bool) -> None:
        """Use heatmap palette `palette_name`; `mono`: text styles instead of colours."""

    def set_whitespace(self, marks: bool) -> None:
        """Show whitespace as ·/↵/→ marks (True) or as plain spaces (False)."""

    def conceal(self, question: str | None) -> None:
        """While a lesson question of kind `question` is open, hide what would give its answer away
        (a count, a bar); None shows everything again. Most panes show nothing that would."""

    def announce_selection(self, index: int) -> None:
        """The user moved this pane's cursor to token `index`: tell the app (and so every pane)."""
        self.post_message(TokenSelected(index, pane=self))

    @property
    def busy(self) -> bool:
        """True while the pane computes something of its own (`announce_update` follows)."""
        return False

    @property
    def focus_target(self):
        """The widget that takes the keys when the pane is focused: the pane itself, or the view
        inside it that holds the cursor (the attention heatmap, the lens map)."""
        return self

    @property
    def behind(self) -> bool:
        """True while the pane is on screen but has not drawn what it was offered yet."""
        return self._stale and not self.in_hidden_tab

    def on_update(self, hook: Callable[[], None]) -> None:
        """Call `hook` each time the pane draws work of its own (the app's frame clock: "idle"
        must wait for the frame that shows it)."""
        self._update_hook = hook

    def announce_update(self) -> None:
        """The pane drew work of its own: tell the app at once, then post `Updated`. At once, so
        that no moment passes in which the pane is not busy and the app does not know of it."""
        if self._update_hook is not None:
            self._update_hook()
        self.post_message(self.Updated())

    # What the app calls

    def offer_result(self, result: PipelineResult, selected: int | None) -> None:
        """A new result and the selection that goes with it: drawn now, or when shown again."""
        self._selection = selected
        if result.deeper_pending and self.reads_deeper_layers:
            return  # the complete result follows; until then the last one stays
        if self.in_hidden_tab:
            self._pending, self._stale = result, True
            return
        self._pending, self._stale = None, False
        self.show_result(result)
        self.select_token(selected)

    def offer_deeper_layers(self, result: PipelineResult) -> bool:
        """The complete `result` of the run whose shown layer was offered a moment ago: a pane
        that reads the deeper layers takes it as a new result; the others already show everything
        in it that they draw, so they only keep it for when they are shown again. True if the pane
        drew something now."""
        if self.reads_deeper_layers:
            self.offer_result(result, self._selection)
            return not self.in_hidden_tab
        if self._pending is not None:
            self._pending = result
        return False

    def offer_selection(self, index: int | None) -> None:
        """Another pane selected token `index`: highlighted now, or when shown again."""
        self._selection = index
        if self.in_hidden_tab or self._stale:
            # Hidden, or shown a moment ago and not caught up yet: the catch-up selects it.
            self._stale = True
            if not self.in_hidden_tab:
                self.catch_up()
            return
        self.select_token(index)

    @property
    def in_hidden_tab(self) -> bool:
        """Whether the pane sits in a tab that is not shown (a hidden ancestor)."""
        node = self
        while node is not None:
            if not getattr(node, "display", True):
                return True
            node = node.parent
        return False

    def fit(self, size: Size) -> None:
        """Lay the pane out for `size` (a narrow pane stacks its parts); nothing by default.
        Called on each Resize, and when its tab is shown (see `shown`)."""

    def shown(self) -> None:
        """The pane's tab was just shown. Textual does not always send a Resize then (the tab's
        first layout can size the pane without one), so `fit` runs here too: now with the size it
        has, or the screen's before its first layout, and again once the frame is laid out."""
        widget: Widget = self  # type: ignore[assignment]
        self.fit(widget.size if widget.size.width else widget.app.size)
        widget.call_after_refresh(lambda: self.fit(widget.size) if widget.size.width else None)

    def catch_up(self) -> None:
        """Draw what was offered while hidden: the latest result, then the latest selection."""
        if not self._stale:
            return
        result, self._pending, self._stale = self._pending, None, False
        if result is not None:
            self.show_result(result)
        self.select_token(self._selection)

    def _on_show(self, event: events.Show) -> None:
        # Textual sends Show when a widget becomes visible, e.g. when its tab is activated.
        self.catch_up()
