"""Build every pane widget. Importing this module is the expensive part of start-up (numpy,
plotext, Markdown), so the app imports it only after its first frame is on screen."""

from __future__ import annotations

from textual.widget import Widget

from tui.lessons.panel import LessonPanel
from tui.panes.attention import AttentionPane
from tui.panes.compare import ComparePane
from tui.panes.embedding_space import EmbeddingSpacePane
from tui.panes.embeddings import EmbeddingsPane
from tui.panes.next_token import NextTokenPane
from tui.panes.positions import PositionsPane
from tui.panes.token_bytes import TokenBytesView
from tui.panes.tokens import TokenSpans, TokenTable
from tui.panes.windows import WindowsPane
from tui.views.heatmap import AttentionHeatmap

KEY_SECTIONS: tuple[tuple[str, type[Widget]], ...] = (
    ("Token spans", TokenSpans),
    ("Token table", TokenTable),
    ("Compare", ComparePane),
    ("Windows", WindowsPane),
    ("Embeddings", EmbeddingsPane),
    ("Attention", AttentionPane),
    ("Attention heatmap", AttentionHeatmap),
    ("Positions", PositionsPane),
    ("Next token", NextTokenPane),
    ("Embedding space", EmbeddingSpacePane),
    ("Lesson panel", LessonPanel),
)
"""The help screen's sections: each widget class whose keys it lists."""

BESIDE: dict[str, str] = {"bytes": "tokens"}
"""Panes mounted in another pane's tab, after it: pane name -> tab id."""


def build_panes() -> dict[str, Widget]:
    """A fresh widget for every tab, plus "spans" (beside the text), "lesson" (the side panel) and
    the panes of `BESIDE`."""
    spans = TokenSpans(id="spans")
    spans.border_title = "Tokens in the text"
    return {
        "spans": spans,
        "tokens": TokenTable(id="token-table"),
        "bytes": TokenBytesView(id="token-bytes"),
        "compare": ComparePane(id="compare-pane"),
        "windows": WindowsPane(id="windows-pane"),
        "embeddings": EmbeddingsPane(id="embeddings-pane"),
        "attention": AttentionPane(id="attention-pane"),
        "positions": PositionsPane(id="positions-pane"),
        "next": NextTokenPane(id="next-pane"),
        "space": EmbeddingSpacePane(id="space-pane"),
        "lesson": LessonPanel(id="lesson-panel"),
    }
