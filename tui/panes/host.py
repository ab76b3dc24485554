"""`PaneSet`: the app's panes once mounted: where each one is, and every call that goes to all.

The app builds one after its first frame (`mount`), then talks to its panes only through it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tui.panes.registry import PANE_IDS, PANES, TABS, build_panes

if TYPE_CHECKING:
    from textual.screen import Screen
    from textual.widget import Widget
    from textual.widgets import TabbedContent

    from engine.pipeline.results import PipelineResult
    from tui.panes.base import Pane


class PaneSet:
    """Every pane, the tabs that hold them, and the lesson panel."""

    def __init__(self, widgets: dict[str, Widget], tabs: TabbedContent, lesson: Widget) -> None:
        self._widgets = widgets
        self.tabs = tabs
        self.lesson = lesson

    def on_update(self, hook: Callable[[], None]) -> None:
        """Call `hook` whenever a pane draws work of its own (see `Pane.on_update`)."""
        for pane in self.panes:
            pane.on_update(hook)

    @classmethod
    async def mount(cls, top: Widget, placeholder: Widget, say: Callable[[str], str] = str) -> PaneSet:
        """Build every pane: the spans into `top` (beside the text), the tabs in place of
        `placeholder`, then the lesson panel and the footer; `say` puts the tab titles in the
        learner's language."""
        from textual.widgets import TabbedContent, TabPane, Tabs

        from tui.lessons.panel import LessonPanel
        from tui.views.footer import KeyFooter

        widgets = build_panes()
        widgets["spans"].border_title = say("Tokens in the text")
        await top.query_one("#spans").remove()
        await top.mount(widgets["spans"])
        tabs = TabbedContent(id="panes")
        for tab, title in TABS:
            beside = [widgets[spec.name] for spec in PANES if spec.tab == tab]
            tabs.compose_add_child(TabPane(say(title), widgets[tab], *beside, id=tab))
        # The placeholder's screen, which need not be the current one (F1 may have opened help).
        screen: Screen = placeholder.screen
        await screen.mount(tabs, after=placeholder)
        # The tab bar is no focus stop: tab goes from the text to the pane (keys the tab bar
        # took were lost); F4, the palette and a click change tabs.
        for bar in tabs.query(Tabs):
            bar.can_focus = False

        # The class goes on the tab bar, not on the tabs' container: a class change restyles the
        # subtree under it, and under the container are all nine panes (150 ms a focus change).
        bar = tabs.query_one(Tabs)

        def focus_moved(widget: Widget | None) -> None:
            bar.set_class(widget is not None and tabs in widget.ancestors_with_self, "-holds-focus")

        tabs.watch(screen, "focused", focus_moved)
        await placeholder.remove()
        lesson = LessonPanel(id="lesson-panel")
        await screen.mount(lesson, KeyFooter())
        return cls(widgets, tabs, lesson)

    def get(self, name: str) -> Any:
        """Pane `name` (a name of `tui.panes.registry.PANES`), or the panel for "lesson"."""
        return self.lesson if name == "lesson" else self._widgets.get(name)

    @property
    def panes(self) -> list[Pane]:
        return list(self._widgets.values())  # type: ignore[arg-type]

    def busy(self) -> list[str]:
        """Names of the panes still computing something of their own, or on screen and not yet
        caught up with what they were offered."""
        return [name for name, pane in self._widgets.items() if pane.busy or pane.behind]  # type: ignore[attr-defined]

    def catch_up_shown(self) -> None:
        """Panes just shown draw what they were offered while hidden, before the next frame."""
        for pane in self.panes:
            if not pane.in_hidden_tab:
                pane.shown()
                pane.catch_up()

    def show_message(self, message: str, deeper_layers_only: bool = False) -> None:
        """Every pane (`deeper_layers_only`: those that read what follows the shown layer) shows
        `message` instead of a result."""
        for pane in self.panes:
            if pane.reads_deeper_layers or not deeper_layers_only:
                pane.show_message(message)

    def offer_result(self, result: PipelineResult, selected: int | None) -> None:
        for pane in self.panes:
            pane.offer_result(result, selected)

    def offer_deeper_layers(self, result: PipelineResult) -> bool:
        """The complete result of a run whose shown layer each pane was offered (see
        `Pane.offer_deeper_layers`); True if a pane on screen drew it."""
        drawn = [pane.offer_deeper_layers(result) for pane in self.panes]
        return any(drawn)

    def shows_deeper_layers(self) -> bool:
        """Whether a pane on screen reads what a model computes after the shown layer."""
        return any(pane.reads_deeper_layers and not pane.in_hidden_tab for pane in self.panes)

    def offer_selection(self, index: int, source: object) -> None:
        """Every pane but `source` selects token `index`."""
        for pane in self.panes:
            if pane is not source:
                pane.offer_selection(index)

    def set_palette(self, palette_name: str, mono: bool) -> None:
        for pane in self.panes:
            pane.set_palette(palette_name, mono)

    def conceal(self, question: str | None) -> None:
        for pane in self.panes:
            pane.conceal(question)

    def set_whitespace(self, marks: bool) -> None:
        for pane in self.panes:
            if pane.draws_whitespace:
                pane.set_whitespace(marks)

    def show(self, name: str, focus: bool = False) -> None:
        """Show the tab of pane `name` ("spans" is always shown), and focus the pane if asked."""
        spec = next(spec for spec in PANES if spec.name == name)
        if spec.home is not None:
            self.tabs.active = spec.home
            self.catch_up_shown()
        if focus:
            widget = self._widgets[name]
            widget.call_after_refresh(widget.focus_target.focus)

    def next_tab(self) -> None:
        self.tabs.active = PANE_IDS[(PANE_IDS.index(self.tabs.active) + 1) % len(PANE_IDS)]
        self.catch_up_shown()
