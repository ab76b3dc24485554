"""Every pane and tab in one list: the app, the command palette, the help screen and the lessons
read it from here.

Importing this module is cheap (names and strings only), so the palette and the app's key
bindings use it before the first frame; `build_panes` imports the widget modules (numpy,
plotext, Markdown), which the app calls only after its first frame is on screen.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.widget import Widget


def load_class(path: str) -> type[Widget]:
    """The class named by "module:Class"."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class PaneSpec:
    """One pane of the app.

    Attributes:
        name: how the app, the lessons and the palette name it ("tokens", "attention", ...).
        widget: "module:Class" of its widget, imported by `build_panes`.
        widget_id: its DOM id.
        title: the tab title for a pane that has a tab of its own; None otherwise.
        tab: the tab it is mounted in, after the tab's own pane; None for a pane with a tab of
            its own or one outside the tabs (the spans beside the text).
    """

    name: str
    widget: str
    widget_id: str
    title: str | None = None
    tab: str | None = None

    @property
    def home(self) -> str | None:
        """The tab that holds the pane; None for the spans, which are always on screen."""
        return self.name if self.title is not None else self.tab


PANES: tuple[PaneSpec, ...] = (
    PaneSpec("spans", "tui.panes.token_spans:TokenSpans", "spans"),
    PaneSpec("tokens", "tui.panes.token_table:TokenTable", "token-table", title="Tokens"),
    PaneSpec("bytes", "tui.panes.token_bytes:TokenBytesView", "token-bytes", tab="tokens"),
    PaneSpec("compare", "tui.panes.compare:ComparePane", "compare-pane", title="Compare"),
    PaneSpec("windows", "tui.panes.windows:WindowsPane", "windows-pane", title="Windows"),
    PaneSpec("embeddings", "tui.panes.embeddings:EmbeddingsPane", "embeddings-pane", title="Embeddings"),
    PaneSpec("attention", "tui.panes.attention:AttentionPane", "attention-pane", title="Attention"),
    PaneSpec("positions", "tui.panes.positions:PositionsPane", "positions-pane", title="Positions"),
    PaneSpec("layers", "tui.panes.layers:LayersPane", "layers-pane", title="Layers"),
    PaneSpec("next", "tui.panes.next_token:NextTokenPane", "next-pane", title="Next token"),
    PaneSpec("space", "tui.panes.embedding_space:EmbeddingSpacePane", "space-pane", title="Embedding space"),
)
"""The panes, in the order of their tabs."""

TABS: tuple[tuple[str, str], ...] = tuple((pane.name, pane.title) for pane in PANES if pane.title)
"""(tab id, title) of each tab, in order."""
PANE_IDS = tuple(tab for tab, _ in TABS)

HELP_SECTIONS: tuple[tuple[str, str], ...] = (
    ("Token spans", "tui.panes.token_spans:TokenSpans"),
    ("Token table", "tui.panes.token_table:TokenTable"),
    ("Compare", "tui.panes.compare:ComparePane"),
    ("Windows", "tui.panes.windows:WindowsPane"),
    ("Embeddings", "tui.panes.embeddings:EmbeddingsPane"),
    ("Attention", "tui.panes.attention:AttentionPane"),
    ("Attention heatmap", "tui.views.heatmap:AttentionHeatmap"),
    ("Positions", "tui.panes.positions:PositionsPane"),
    ("Layers", "tui.panes.layers:LayersPane"),
    ("Lens map", "tui.views.lens_map:LensMapView"),
    ("Next token", "tui.panes.next_token:NextTokenPane"),
    ("Embedding space", "tui.panes.embedding_space:EmbeddingSpacePane"),
    ("Lesson panel", "tui.lessons.panel:LessonPanel"),
    ("Text box", "tui.views.text_box:TextBox"),
    ("Lesson list (F9)", "tui.lessons.list_screen:LessonListScreen"),
    ("Corpus (F3)", "tui.screens.corpus:CorpusScreen"),
    ("Training (F7)", "tui.screens.train:TrainScreen"),
)
"""The help screen's sections: a title and the widget whose BINDINGS it lists."""


def build_panes() -> dict[str, Widget]:
    """A fresh widget for every pane, keyed by name."""
    widgets = {spec.name: load_class(spec.widget)(id=spec.widget_id) for spec in PANES}
    return widgets


def key_sections() -> list[tuple[str, type[Widget]]]:
    """(title, widget class) for each section of the help screen."""
    return [(title, load_class(widget)) for title, widget in HELP_SECTIONS]
