"""Cursor bases for line views, built the way Textual's `DataTable` builds its cursor.

The cursor is a reactive: its validator clamps it to the content, its watcher repaints,
scrolls it into view and posts a message carrying `control` (the view). A move that must not be
announced (another pane selected the token) goes through `place_cursor`, which sets the
reactive without its watcher (`set_reactive`) and still shows the new place.

`RowCursorView` moves over rows (a table's tokens); `CellCursorView` over the cells of a grid
(the attention heatmap). Both bind the arrows, `h j k l`, home/end, `g`/`G` and the page keys.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Offset
from textual.message import Message
from textual.reactive import reactive

from tui.views.line_view import LineView, nearest_offset

MOVE = Binding.Group("Move")
"""The footer shows the arrows of a cursor as one group."""


def _cursor_bindings(prefix: str, first: str, last: str, columns: bool) -> list[BindingType]:
    """The cursor keys, with ids under `prefix`: up/down (k/j), left/right (h/l) if `columns`,
    first/last row (home/end, g/G, described as `first` and `last`) and the page keys. The footer
    shows the arrows only, leaving room for the pane's own keys; the help lists the rest."""
    sideways = [
        Binding("left,h", "cursor_left", "Left", id=f"{prefix}.left", group=MOVE),
        Binding("right,l", "cursor_right", "Right", id=f"{prefix}.right", group=MOVE),
    ]
    return [
        Binding("up,k", "cursor_up", "Up", id=f"{prefix}.up", group=MOVE),
        Binding("down,j", "cursor_down", "Down", id=f"{prefix}.down", group=MOVE),
        *(sideways if columns else []),
        Binding("home,g", "cursor_first", first, id=f"{prefix}.first", show=False),
        Binding("end,G", "cursor_last", last, id=f"{prefix}.last", show=False),
        Binding("pageup", "cursor_page_up", "Page up", id=f"{prefix}.page_up", show=False),
        Binding("pagedown", "cursor_page_down", "Page down", id=f"{prefix}.page_down", show=False),
    ]


class CursorView(LineView):
    """What the row and the cell cursor share: the cursor's look, placing it, announcing it.

    Subclasses declare the `cursor` reactive with `validate_cursor`, and implement
    `scroll_to_cursor`, `cursor_message` and `cursor_at`.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"line-view--cursor"}
    """
    | Class | Description |
    | :- | :- |
    | `line-view--cursor` | The cursor (a row, or a cell's label); brighter while focused. |
    """

    DEFAULT_CSS = """
    CursorView {
        & > .line-view--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .line-view--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """

    def scroll_to_cursor(self) -> None:
        """Scroll the least distance that shows the whole cursor."""
        raise NotImplementedError

    def cursor_message(self) -> Message | None:
        """The message that announces where the cursor is; None when it is on nothing."""
        raise NotImplementedError

    def cursor_at(self, offset: Offset) -> object | None:
        """The cursor position drawn at `offset` (content coordinates); None for none."""
        raise NotImplementedError

    def watch_cursor(self) -> None:
        """The cursor moved (by a key, a click or an assignment): show it and announce it."""
        self.show_cursor()
        self.announce_cursor()

    def place_cursor(self, cursor: object) -> None:
        """Move the cursor (clamped) and show it without announcing it: the move came from elsewhere."""
        self.set_reactive(type(self).cursor, self.validate_cursor(cursor))
        self.show_cursor()

    def clamp_cursor(self) -> None:
        """Clamp the cursor to new content, without announcing it (`relayout` then shows it)."""
        self.set_reactive(type(self).cursor, self.validate_cursor(self.cursor))

    def show_cursor(self) -> None:
        """Repaint and bring the cursor into view."""
        self.refresh()
        self.scroll_to_cursor()

    def announce_cursor(self) -> None:
        """Post `cursor_message`, if the cursor is on something."""
        message = self.cursor_message()
        if message is not None:
            self.post_message(message)

    def relayout(self) -> None:
        """Repaint, and keep the cursor on screen at the new size."""
        super().relayout()
        self.scroll_to_cursor()

    def on_click(self, event: events.Click) -> None:
        """Move the cursor to what was clicked."""
        offset = event.get_content_offset(self)
        target = None if offset is None else self.cursor_at(offset)
        if target is not None:
            self.cursor = target


class RowCursorView(CursorView):
    """A cursor on one of `cursor_count` rows, each `lines_per_row` lines high.

    Bindings:
        up, k: Move the cursor to the previous row.
        down, j: Move the cursor to the next row.
        home, g: Go to the first row.
        end, G: Go to the last row.
        pageup: Move the cursor up by one page.
        pagedown: Move the cursor down by one page.
    """

    BINDINGS: ClassVar[list[BindingType]] = _cursor_bindings("row_cursor", "First", "Last", columns=False)

    cursor: reactive[int | None] = reactive(0, init=False)
    """The cursor row, clamped to the rows; None: no row (another pane cleared the selection)."""

    class CursorMoved(Message):
        """Posted when the cursor moves to another row (not by `place_cursor`)."""

        def __init__(self, view: RowCursorView, row: int) -> None:
            """Describe the move.

            Args:
                view: The view whose cursor moved.
                row: The row the cursor is on now.
            """
            super().__init__()
            self.view = view
            self.row = row

        @property
        def control(self) -> RowCursorView:
            """The view whose cursor moved."""
            return self.view

    @property
    def cursor_count(self) -> int:
        """How many rows the cursor can be on (0: none)."""
        raise NotImplementedError

    @property
    def lines_per_row(self) -> int:
        """Lines each row takes."""
        return 1

    @property
    def page_rows(self) -> int:
        """How many rows fit on screen below the header (at least 1)."""
        return max(1, self.view_lines // self.lines_per_row)

    def validate_cursor(self, cursor: int | None) -> int | None:
        """Clamp the cursor to the rows (0 when there are none); None stays None."""
        if cursor is None:
            return None
        return min(max(int(cursor), 0), max(self.cursor_count - 1, 0))

    def cursor_lines(self) -> tuple[int, int] | None:
        """The first and last line of the cursor row; None when there is no cursor row."""
        if self.cursor is None or not self.cursor_count:
            return None
        top = self.cursor * self.lines_per_row
        return top, top + self.lines_per_row - 1

    def scroll_to_cursor(self) -> None:
        """Scroll the least distance that shows every line of the cursor row."""
        lines = self.cursor_lines()
        if lines is not None:
            self.scroll_lines_into_view(*lines)

    def cursor_message(self) -> Message | None:
        """`CursorMoved` for the cursor row, if there is one."""
        if self.cursor is None or not self.cursor_count:
            return None
        return self.CursorMoved(self, self.cursor)

    def cursor_at(self, offset: Offset) -> int | None:
        """The row drawn at `offset`, or None on the header or below the last row."""
        if offset.y < self.header_lines:
            return None
        row = (offset.y - self.header_lines + self.scroll_offset.y) // self.lines_per_row
        return row if row < self.cursor_count else None

    def move_cursor_by(self, rows: int) -> None:
        """Move the cursor by `rows` (from the first row when there is no cursor)."""
        self.cursor = 0 if self.cursor is None else self.cursor + rows

    def action_cursor_up(self) -> None:
        """Move the cursor to the previous row."""
        self.move_cursor_by(-1)

    def action_cursor_down(self) -> None:
        """Move the cursor to the next row."""
        self.move_cursor_by(1)

    def action_cursor_first(self) -> None:
        """Go to the first row."""
        self.cursor = 0

    def action_cursor_last(self) -> None:
        """Go to the last row."""
        self.cursor = self.cursor_count - 1

    def action_cursor_page_up(self) -> None:
        """Move the cursor up by one page of rows."""
        self.move_cursor_by(-self.page_rows)

    def action_cursor_page_down(self) -> None:
        """Move the cursor down by one page of rows."""
        self.move_cursor_by(self.page_rows)


class CellCursorView(CursorView):
    """A cursor on one cell of a grid of `shape` rows × columns.

    Columns are `column_cells` cells wide and scroll horizontally right of a gutter of
    `gutter_cells` cells that stays put (row labels), as the header lines stay put above.

    Bindings:
        up, k: Move the cursor to the previous row.
        down, j: Move the cursor to the next row.
        left, h: Move the cursor to the previous column.
        right, l: Move the cursor to the next column.
        home, g: Go to the first row.
        end, G: Go to the last row.
        pageup: Move the cursor up by one page of rows.
        pagedown: Move the cursor down by one page of rows.
    """

    BINDINGS: ClassVar[list[BindingType]] = _cursor_bindings(
        "cell_cursor", "First row", "Last row", columns=True
    )

    gutter_cells: ClassVar[int] = 0
    column_cells: ClassVar[int] = 1

    cursor: reactive[tuple[int, int]] = reactive((0, 0), init=False)
    """The cursor cell as (row, column); clamped to the grid."""

    class CursorMoved(Message):
        """Posted when the cursor moves to another cell (not by `place_cursor`)."""

        def __init__(self, view: CellCursorView, row: int, col: int) -> None:
            """Describe the move.

            Args:
                view: The view whose cursor moved.
                row: The cursor's row.
                col: The cursor's column.
            """
            super().__init__()
            self.view = view
            self.row = row
            self.col = col

        @property
        def control(self) -> CellCursorView:
            """The view whose cursor moved."""
            return self.view

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns) of the grid; (0, 0) when there is none."""
        raise NotImplementedError

    def validate_cursor(self, cursor: tuple[int, int]) -> tuple[int, int]:
        """Clamp the cursor to the grid ((0, 0) when there is none)."""
        rows, cols = self.shape
        row, col = (int(value) for value in cursor)
        return (min(max(row, 0), max(rows - 1, 0)), min(max(col, 0), max(cols - 1, 0)))

    def visible_columns(self, scroll_x: int, width: int) -> tuple[int, int]:
        """The columns `first:last` that a line of `width` cells scrolled by `scroll_x` shows."""
        first = scroll_x // self.column_cells
        shown = scroll_x + max(width - self.gutter_cells, 0)
        return first, min(self.shape[1], -(-shown // self.column_cells))

    def scroll_to_cursor(self) -> None:
        """Scroll the least distance that shows the whole cursor cell."""
        view = self.scrollable_content_region.size
        if not view.area or not all(self.shape):
            return
        row, col = self.cursor
        scroll_x, scroll_y = self.scroll_offset
        area = max(self.column_cells, view.width - self.gutter_cells)
        left = col * self.column_cells
        self.scroll_to(
            nearest_offset(scroll_x, left, left + self.column_cells - 1, area),
            nearest_offset(scroll_y, row, row, self.view_lines),
            animate=False,
        )

    def cursor_message(self) -> Message | None:
        """`CursorMoved` for the cursor cell, if there is a grid."""
        if not all(self.shape):
            return None
        return self.CursorMoved(self, *self.cursor)

    def cursor_at(self, offset: Offset) -> tuple[int, int] | None:
        """The cell drawn at `offset`: a row label picks the row, a header the column."""
        if not all(self.shape):
            return None
        scroll_x, scroll_y = self.scroll_offset
        row, col = self.cursor
        if offset.y >= self.header_lines:
            row = offset.y - self.header_lines + scroll_y
        if offset.x >= self.gutter_cells:
            col = (offset.x - self.gutter_cells + scroll_x) // self.column_cells
        rows, cols = self.shape
        return (row, col) if row < rows and col < cols else None

    def move_cursor_by(self, rows: int = 0, cols: int = 0) -> None:
        """Move the cursor by a number of rows and columns."""
        row, col = self.cursor
        self.cursor = (row + rows, col + cols)

    def action_cursor_up(self) -> None:
        """Move the cursor to the previous row."""
        self.move_cursor_by(rows=-1)

    def action_cursor_down(self) -> None:
        """Move the cursor to the next row."""
        self.move_cursor_by(rows=1)

    def action_cursor_left(self) -> None:
        """Move the cursor to the previous column."""
        self.move_cursor_by(cols=-1)

    def action_cursor_right(self) -> None:
        """Move the cursor to the next column."""
        self.move_cursor_by(cols=1)

    def action_cursor_first(self) -> None:
        """Go to the first row."""
        self.cursor = (0, self.cursor[1])

    def action_cursor_last(self) -> None:
        """Go to the last row."""
        self.cursor = (self.shape[0] - 1, self.cursor[1])

    def action_cursor_page_up(self) -> None:
        """Move the cursor up by one page of rows."""
        self.move_cursor_by(rows=-self.view_lines)

    def action_cursor_page_down(self) -> None:
        """Move the cursor down by one page of rows."""
        self.move_cursor_by(rows=self.view_lines)
