"""The Embedding space tab's PCA scatter: the words' points, labelled where the labels fit.

Labels are placed on the plot's own grid of cells (`engine.analysis.word_vectors.place_labels`,
one cell a character), so a wide (Japanese) character's second cell is a placeholder there
(`plot_text`), dropped when drawn (`CellPlot`).
"""

from __future__ import annotations

import numpy as np
from rich.cells import cell_len
from rich.console import RenderableType
from textual.message import Message

from engine.analysis.word_vectors import LabelPlacement, place_labels
from tui.views.titled_plot import WIDE_PAD, CellPlot, plot_text

MARKER = "•"
"""The scatter's point marker (a plain character, so it reads the same in mono mode)."""


def _uncut(text: str) -> str:
    """A label cut with "…" right after a wide character (its placeholder cut off): without that
    character, so the label takes the cells it was given."""
    if len(text) >= 2 and text[-1] == "…" and text[-2] != WIDE_PAD and cell_len(text[-2]) == 2:
        return text[:-2] + "…"
    return text


class WordScatter(CellPlot):
    """The PCA scatter: it places its labels for the size it is drawn at, so none overlap.

    Labels are placed on the plot's own grid of cells (`place_labels`) and drawn there, since
    only at render time is the size known; the words that got a number instead of their label are
    posted (`Placed`) for the legend under the plot.
    """

    class Placed(Message):
        """The labels were placed; `placement` says which points got a number or nothing."""

        def __init__(self, placement: LabelPlacement) -> None:
            super().__init__()
            self.placement = placement

    def __init__(self) -> None:
        super().__init__()
        self._coords = np.zeros((0, 2))
        self.labels: tuple[str, ...] = ()
        self.placement: LabelPlacement | None = None  # the labels as last drawn
        self._posted: tuple[tuple[int, ...], tuple[int, ...]] | None = None

    def show(self, coords: np.ndarray, labels: list[str]) -> None:
        """Draw `labels` at `coords` ((n, 2), in any units) from the next render on."""
        self._coords, self.labels, self._posted = coords, tuple(labels), None
        self.refresh()

    def render(self) -> RenderableType:
        plt = self.plt
        plt.clear_data()
        width, height = self.size.width - 2, self.size.height - 2  # inside the frame
        if width >= 2 and height >= 2 and self.labels:
            placement = place_labels(self._coords, [plot_text(label) for label in self.labels], width, height)
            self.placement = placement
            cols, rows = zip(*placement.points, strict=True)
            plt.scatter(list(cols), [height - 1 - row for row in rows], marker=MARKER)
            for place in placement.labels:
                if place is not None:
                    col, row, text = place
                    plt.text(_uncut(text), col, height - 1 - row, alignment="left")
            plt.xlim(0, width - 1)  # one unit a cell: each point and label lands on its own cell
            plt.ylim(0, height - 1)
            shown = (placement.numbered, placement.unlabelled)
            if shown != self._posted:
                self._posted = shown
                self.post_message(self.Placed(placement))
        plt.xticks([])  # the axes' units mean nothing here: only distances do
        plt.yticks([])
        return super().render()
