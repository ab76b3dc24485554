"""The tabs of panes, in order: one list shared by the app, the command palette and the panes."""

from __future__ import annotations

# (tab id, title); tui.panes.registry.build_panes keys its widgets by these ids.
TABS: tuple[tuple[str, str], ...] = (
    ("tokens", "Tokens"),
    ("compare", "Compare"),
    ("windows", "Windows"),
    ("embeddings", "Embeddings"),
    ("attention", "Attention"),
    ("positions", "Positions"),
    ("next", "Next token"),
    ("space", "Embedding space"),
)
PANE_IDS = tuple(tab for tab, _ in TABS)
