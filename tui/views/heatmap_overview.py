"""The heatmap's zoomed-out overview: the whole attention matrix in the space the heatmap has.

At two cells a key, a heatmap 120 columns wide shows about 55 keys; a long text has thousands.
The overview shrinks the matrix by a whole number `block` in both directions (so a square block
stays square) until it fits, and draws each block as the largest unmasked weight in it (a
strong weight never averages away into a pale cell). Every character cell holds two blocks, one
above the other, as the upper-half block "▀" (its foreground the upper block's colour, its
background the lower one's), so the overview has twice as many rows as lines. The part of the
matrix the heatmap shows when zoomed in is outlined with box-drawing characters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from themes.palettes import SHADES

MASKED = -1
"""The level of a block whose every cell is masked out: drawn as the plain background."""
FRAME = {"tl": "┌", "tr": "┐", "bl": "└", "br": "┘", "h": "─", "v": "│"}


@dataclass(frozen=True)
class Window:
    """The rows `top:bottom` and columns `left:right` of the matrix the zoomed-in heatmap shows."""

    top: int
    bottom: int
    left: int
    right: int


@dataclass(frozen=True)
class Overview:
    """The matrix shrunk by `block` both ways; `levels[r, c]` is block (r, c)'s colour level.

    Attributes:
        block: Matrix rows (and columns) per overview block.
        levels: Colour levels (0 to the palette's top), `MASKED` where the whole block is masked;
            shape (block rows, block columns).
    """

    block: int
    levels: np.ndarray

    @classmethod
    def of(
        cls, weights: np.ndarray, mask: np.ndarray | None, scale: float, lines: int, width: int
    ) -> Overview:
        """The overview of `weights` that fits `lines` × `width` cells (two block rows a line).

        Args:
            weights: (queries, keys) attention weights.
            mask: True where a cell is masked out, or None.
            scale: The heatmap's factor from a weight to a colour level.
            lines: Lines the overview may use.
            width: Cells it may use, one block column each.
        """
        rows, cols = weights.shape
        block = max(1, -(-rows // max(2 * lines, 1)), -(-cols // max(width, 1)))
        grid_rows, grid_cols = -(-rows // block), -(-cols // block)
        padded = np.full((grid_rows * block, grid_cols * block), -np.inf)
        values = np.nan_to_num(weights.astype(np.float64), nan=0.0)
        if mask is not None:
            values = np.where(mask, -np.inf, values)
        padded[:rows, :cols] = values
        largest = padded.reshape(grid_rows, block, grid_cols, block).max(axis=(1, 3))
        top = 255
        levels = np.where(
            np.isneginf(largest),
            MASKED,
            np.rint(np.clip(np.where(np.isneginf(largest), 0.0, largest) * scale, 0, top)),
        ).astype(np.intp)
        return cls(block, levels)

    @property
    def lines(self) -> int:
        """Lines the overview takes (two block rows each)."""
        return -(-self.levels.shape[0] // 2)

    def frame_of(self, window: Window) -> tuple[int, int, int, int]:
        """The outline of `window` in overview cells: (top line, bottom line, left, right)."""
        block = self.block
        return (
            window.top // block // 2,
            max(window.bottom - 1, window.top) // block // 2,
            window.left // block,
            max(window.right - 1, window.left) // block,
        )

    def line(
        self,
        y: int,
        width: int,
        window: Window | None,
        colours: list[Color],
        frame_colours: list[Style],
        base: Style,
        mono: bool,
    ) -> Strip:
        """Line `y` of the overview, `width` cells wide.

        Args:
            y: The line (block rows 2y and 2y + 1).
            width: Cells to fill.
            window: The zoomed-in view's part of the matrix, outlined; or None.
            colours: The colour of each level.
            frame_colours: The style of the outline over a block of each level.
            base: The plain background.
            mono: Shade characters instead of colours.
        """
        grid_rows, grid_cols = self.levels.shape
        upper = self.levels[2 * y] if 2 * y < grid_rows else np.full(grid_cols, MASKED)
        lower = self.levels[2 * y + 1] if 2 * y + 1 < grid_rows else np.full(grid_cols, MASKED)
        frame = self.frame_of(window) if window is not None else None
        segments: list[Segment] = []
        for col in range(min(grid_cols, width)):
            top_level, bottom_level = int(upper[col]), int(lower[col])
            glyph = _frame_glyph(frame, y, col)
            strongest = max(top_level, bottom_level)
            if glyph is not None:
                style = frame_colours[strongest] if strongest != MASKED else base + Style(bold=True)
                segments.append(Segment(glyph, style))
            elif mono:
                shade = (
                    " "
                    if strongest == MASKED
                    else SHADES[min(strongest * len(SHADES) // 256, len(SHADES) - 1)]
                )
                segments.append(Segment(shade, base))
            elif strongest == MASKED:
                segments.append(Segment(" ", base))
            else:
                foreground = colours[top_level] if top_level != MASKED else base.bgcolor
                background = colours[bottom_level] if bottom_level != MASKED else base.bgcolor
                segments.append(Segment("▀", Style(color=foreground, bgcolor=background)))
        return Strip(segments).adjust_cell_length(width, base)


def _frame_glyph(frame: tuple[int, int, int, int] | None, y: int, col: int) -> str | None:
    """The outline's character at (line `y`, column `col`), or None off the outline."""
    if frame is None:
        return None
    top, bottom, left, right = frame
    if not (top <= y <= bottom and left <= col <= right):
        return None
    on_top, on_bottom, on_left, on_right = y == top, y == bottom, col == left, col == right
    if (on_top or on_bottom) and (on_left or on_right):
        return FRAME[("t" if on_top else "b") + ("l" if on_left else "r")]
    if on_top or on_bottom:
        return FRAME["h"]
    if on_left or on_right:
        return FRAME["v"]
    return None
