"""The Layers tab in Japanese: the info line, the map's header and the lens table say their words
in the learner's language (from the catalogue), keep p, H, bits, ‖stream‖ and the layer names, and
their columns still line up in cells (Japanese characters take two). In English nothing changed."""

from __future__ import annotations

import asyncio
import re
import string
from pathlib import Path

import pytest
from rich.cells import cell_len, set_cell_size

from tests.tui.helpers import lines_of, make_app, open_pane, settle
from tests.tui.test_lessons import tiny_trained_model
from tui.i18n.strings import UiStrings
from tui.panes.layers import COLUMN_STARTS, column_names
from tui.views.lens_map import GUTTER

TEXT = "The robot lit the lamp so that the boats could find the harbour."
POSITION = 3
COLUMNS = "layer|top-1|p|model's|rank|H bits|‖stream‖|+attn|+mlp"
JA = UiStrings("ja")


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    return tiny_trained_model(tmp_path_factory.mktemp("tiny"))


def _fixed_parts(template: str) -> list[str]:
    """The Japanese words of `template`'s translation: its text between the fields."""
    parts = [literal.strip(" ·:,") for literal, _, _, _ in string.Formatter().parse(JA.say(template))]
    return [part for part in parts if part and re.search(r"[^\x00-\x7f]", part)]


def _cell_of(line: str, index: int) -> int:
    """The cell where the character at `index` of `line` starts."""
    return cell_len(line[:index])


async def _layers_at(pilot, position: int) -> None:
    await settle(pilot)
    await open_pane(pilot, "layers")
    pilot.app.select_token(position)
    await settle(pilot)


def _shown(app) -> tuple[str, list[str], list[str]]:
    """The info line, the map's lines and the table's lines, as drawn."""
    pane = app.pane("layers")
    info = "".join(lines_of(app.query_one("#layers-info"))).rstrip()
    return (
        info,
        [line.rstrip() for line in lines_of(pane.map)],
        [line.rstrip() for line in lines_of(app.query_one("#layers-table"))],
    )


def test_the_layers_tab_speaks_japanese_and_its_columns_line_up(model):
    async def scenario():
        app = make_app(text=TEXT, language="ja", weights=str(model))
        async with app.run_test(size=(120, 40)) as pilot:
            await _layers_at(pilot, POSITION)
            pane = app.pane("layers")
            assert pane.lens is not None and pane.lens.position == POSITION
            info, grid, table = _shown(app)

            # The info line: the position, the model's top-1, then the cursor layer's top tokens.
            template = "position {position} {piece} · the model's top-1 {top1} {p} · {layer}: {top}"
            for part in _fixed_parts(template):
                assert part in info, (part, info)
            assert "emb:" in info and "%" in info
            assert not re.search(r"position|model's|top-1", info)

            # The map: its header in Japanese, the gutter widened to hold it, the layer names kept.
            header = grid[0]
            names = JA.say(" pos token")
            gutter = pane.map.gutter_cells
            assert header.startswith(names) and "pos" not in header and "token" not in header
            assert gutter == max(GUTTER, cell_len(names) + 1)
            assert _cell_of(header, header.index("emb")) == gutter
            assert _cell_of(header, header.index("L1")) == gutter + 8
            number_end = cell_len(names.split(" ")[0])  # "位置" over the right-aligned position
            rows = [line for line in grid[1:] if line.strip()]
            assert len(rows) >= 5
            for index, line in enumerate(rows[:10]):
                label = set_cell_size(line, gutter)
                assert label[:number_end].strip() == str(index) and label.endswith(" ")

            # The table: the head in Japanese, the column names over their columns.
            assert f" {POSITION} " in table[0]
            for part in _fixed_parts("logit lens at {position} {piece}, the model's top-1 {top1}:"):
                assert part in table[0]
            assert table[1] == JA.say("read through the final norm and head · model's: p, rank of its top-1")
            columns = table[2]
            assert columns == column_names(JA.say(COLUMNS))
            names = JA.say(COLUMNS).split("|")
            assert [_cell_of(columns, columns.index(name)) for name in names] == list(COLUMN_STARTS)
            lens_rows = table[3 : 3 + len(pane.lens.layers)]
            assert [row[1:].split()[0] for row in lens_rows][:2] == ["emb", "L1"]
            rank_end = COLUMN_STARTS[4] + cell_len(names[4])  # "順位" ends where the ranks do
            for row in lens_rows:
                rank = row.split()[4]
                assert _cell_of(row, row.index(f" {rank} ", 30) + 1 + len(rank)) == rank_end, row
                assert _cell_of(row, 7) == COLUMN_STARTS[1]  # the piece under "1 位"
            caption = next(line for line in table if "‖stream‖" in line and line is not columns)
            for part in _fixed_parts("‖stream‖ after each layer (largest {largest}):"):
                assert part in caption
            every = "\n".join(table)
            assert not re.search(r"logit lens|read through|model's|rank|layer|after each|largest", every)

    asyncio.run(scenario())


def test_the_layers_tab_in_english_is_as_it_was(model):
    """The English texts go through the same code: exactly the lines the pane drew before."""
    assert column_names(COLUMNS) == "layer  top-1     p       model's  rank     H bits ‖stream‖  +attn   +mlp"

    async def scenario():
        app = make_app(text=TEXT, language="en", weights=str(model))
        async with app.run_test(size=(120, 40)) as pilot:
            await _layers_at(pilot, POSITION)
            pane = app.pane("layers")
            info, grid, table = _shown(app)
            assert pane.map.gutter_cells == GUTTER and grid[0].startswith(" pos token  emb     L1")
            assert info.startswith(f"position {POSITION} ") and " · the model's top-1 '" in info
            assert table[0].startswith(f"logit lens at {POSITION} ") and ", the model's top-1 '" in table[0]
            assert table[1] == "read through the final norm and head · model's: p, rank of its top-1"
            assert table[2] == "layer  top-1     p       model's  rank     H bits ‖stream‖  +attn   +mlp"
            assert any(
                re.fullmatch(r"‖stream‖ after each layer \(largest \d+\.\d\):", line) for line in table
            )

    asyncio.run(scenario())
