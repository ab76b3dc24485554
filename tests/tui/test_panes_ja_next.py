"""The Next token tab (its list and its sampling lab) and the Attention tab's cell arithmetic in
Japanese: their words come from the catalogue, the English ones are gone, the columns still line up
in cells (Japanese characters take two), and the tab's Japanese prose breaks at phrases for the
pane's width, never between a number and its counter or before 。. In English nothing changed."""

from __future__ import annotations

import asyncio
import re
import string
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from engine.tokenize.registry import sample_text
from tests.tui.helpers import lines_of, make_app, open_pane, settle
from tests.tui.test_lessons import tiny_trained_model
from tui.i18n.strings import UiStrings
from tui.panes.next_token import NO_MODEL
from tui.panes.sampling_lab import header_line
from tui.textual_shim import screen_lines

JA = UiStrings("ja")
ARITHMETIC_TEXT = "The robot lit the lamp so that the boats could find the harbour."


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    return tiny_trained_model(tmp_path_factory.mktemp("tiny"))


def _words(template: str) -> list[str]:
    """The Japanese words of `template`'s translation: its text between the fields."""
    parts = [literal.strip(" ·:,\n") for literal, _, _, _ in string.Formatter().parse(JA.say(template))]
    return [part for part in parts if part and re.search(r"[^\x00-\x7f]", part)]


def _body(app) -> list[str]:
    """The Next token pane's lines as the screen shows them, without the right padding."""
    region = app.pane("next").region
    lines = screen_lines(app.screen)[region.y : region.bottom]
    return [_cells(line, region.x, region.right).rstrip() for line in lines]


def _cells(line: str, start: int, end: int) -> str:
    """The characters of `line` in cells [start, end)."""
    out, at = [], 0
    for character in line:
        if start <= at < end:
            out.append(character)
        at += cell_len(character)
    return "".join(out)


def _end_cell(line: str, word: str) -> int:
    """The cell just after the first `word` in `line`."""
    return cell_len(line[: line.index(word) + len(word)])


def _fields(line: str) -> list[tuple[int, int]]:
    """(first cell, cell after) of each run of non-spaces in `line`."""
    return [(cell_len(line[: m.start()]), cell_len(line[: m.end()])) for m in re.finditer(r"\S+", line)]


def test_the_list_says_its_words_in_japanese_and_keeps_its_columns(model):
    async def scenario():
        app = make_app(text=sample_text(), language="ja", weights=str(model))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_pane(pilot, "next")
            app.select_token(3)
            await settle(pilot)
            middle = _body(app)
            app.select_token(app.result.n_used - 1)
            await settle(pilot)
            return middle, _body(app), app.pane("next").count

    middle, last, count = asyncio.run(scenario())
    text = "\n".join(middle)
    for template in (
        "after {piece} (token #{position})",
        "temperature {temperature}",
        "{kept} of {total} tokens can be drawn",
        "drawn (seeded): {piece}",
        "the text continues with {piece}",
        "the text is longer than the {shown} tokens shown: a and A read its last {context} tokens, "
        "the model's context",
    ):
        for word in _words(template):
            assert word in text, (template, word)
    assert JA.say("top-k off") in text and JA.say("top-p off") in text
    assert JA.say("the text continues with the end of the text") in "\n".join(last)
    keys = JA.say(
        "t/T temperature · k/K top-k · u/U top-p · r redraw · a append a token at the end · "
        "A generate {count} (-/+ to change) · h sampling lab",
        count=count,
    )
    # The keys break between their items, each item whole on a line.
    for item in keys.split(" · "):
        assert any(item in line for line in middle), item
    for english in (
        "after '",
        "temperature",
        "top-k off",
        "tokens can be drawn",
        "drawn (seeded)",
        "continues",
    ):
        assert english not in text, english
    assert "redraw" not in text and "sampling lab" not in text and " id " not in text
    # The twelve rows: the percentages end, and the ids start, at the same cell on every row.
    rows = [line for line in middle if re.match(r"^ +\d+ ", line) and "%" in line]
    assert len(rows) == 12
    assert len({_end_cell(line, "%") for line in rows}) == 1
    identifier = JA.say("id {id}", id=0)[:-1]
    assert len({cell_len(line[: line.index(identifier)]) for line in rows}) == 1


def test_the_sampling_lab_says_its_words_in_japanese_and_keeps_its_columns(model):
    async def scenario():
        app = make_app(text=ARITHMETIC_TEXT, language="ja", weights=str(model))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_pane(pilot, "next")
            await pilot.press("h", "k", "k", "k", "k")  # top-k 10: the 11th and 12th rows are cut
            await settle(pilot)
            assert app.pane("next").lab and app.pane("next").top_k == 10
            return _body(app)

    lines = asyncio.run(scenario())
    text = "\n".join(lines)
    for template in (
        "{heading} · sampling lab",
        "{draws} draws · seed {seed}",
        "logit → ÷T → masked (top-k/top-p cut) → softmax → probability",
        "drawn: how often each token came up in the draws",
        "{others} other ids: probability {probability}, drawn {count} times ({ids} different ids)",
        "h back to the list · [ ] fewer / more draws ({sizes})",
        "r new seed · t/T temperature · k/K top-k · u/U top-p",
    ):
        for word in _words(template):
            assert word in text, (template, word)
    fits = (
        "goodness of fit: χ² = {statistic}, {dof} degrees of freedom, p = {p_value}\n→ {verdict}",
        "too few draws to test the fit: tokens expected under {expected} times are pooled,\n"
        "leaving one bin → more draws (]), a lower temperature or top-k",
    )
    assert any(all(word in text for word in _words(fit)) for fit in fits)
    for english in (
        "sampling lab",
        "draws",
        "seed",
        "masked",
        "probability",
        "other ids",
        "back to the list",
        "cut",
    ):
        assert english not in text, english
    # The header's titles end (right-aligned) or start (left-aligned) where the rows' fields do.
    header = next(line for line in lines if JA.say("token") in line and JA.say("count") in line)
    rows = [line for line in lines if re.match(r"^ +\d+ \S", line)]
    assert len(rows) == 12
    cut = [row for row in rows if JA.say("cut") in row]
    assert len(cut) == 2
    # rank, token, logit, ÷T, masked, probability bar, %, drawn bar, %, count: the kept rows.
    ends = [[end for _, end in _fields(row)] for row in rows[:10]]
    assert {row[2] for row in ends} == {_end_cell(header, JA.say("logit"))}
    assert {row[4] for row in ends} == {_end_cell(header, JA.say("masked"))}
    assert {_end_cell(row, JA.say("cut")) for row in cut} == {_end_cell(header, JA.say("masked"))}
    assert {cell_len(row) for row in rows} == {cell_len(header)}  # the counts end under 回数
    assert header.endswith(JA.say("count"))
    assert _fields(rows[0])[5][0] == cell_len(header[: header.index(JA.say("probability"))])
    assert _fields(rows[0])[7][0] == cell_len(header[: header.index(JA.say("drawn"))])


def test_the_header_line_in_english_is_the_one_it_was():
    for bar_width in (3, 10, 24):
        columns = [
            ("#", 3, ">"),
            ("token", 12, "<"),
            ("logit", 7, ">"),
            ("÷T", 7, ">"),
            ("masked", 7, ">"),
            ("probability", bar_width + 8, "<"),
            ("drawn", bar_width + 8, "<"),
            ("count", 7, ">"),
        ]
        assert header_line(columns) == (
            f"{'#':>3} {'token':<12} {'logit':>7} {'÷T':>7} {'masked':>7} "
            f"{'probability':<{bar_width + 8}} {'drawn':<{bar_width + 8}} {'count':>7}"
        )


def _cut_between_number_and_counter(message: str, width: int) -> bool:
    """Whether Rich (as Textual) would wrap `message` at `width` between a number and 分."""
    lines = Text(message).wrap(Console(width=200), width)
    return any(
        re.search(r"\d\s*$", str(a)) and str(b).lstrip().startswith("分")
        for a, b in zip(lines, lines[1:], strict=False)
    )


def test_the_no_model_message_breaks_at_phrases_for_the_panes_width():
    message = JA.say(NO_MODEL)

    async def scenario():
        app = make_app(language="ja")  # random weights: the pane says how to get a model
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_pane(pilot, "next")
            shown = {}
            for columns in (120, 96):
                await pilot.resize_terminal(columns, 40)
                await settle(pilot)
                width = app.pane("next").scrollable_content_region.width
                shown[width] = [line for line in _body(app) if line.strip()]
            return shown

    shown = asyncio.run(scenario())
    # At 120 columns the pane's lines are 118 cells: broken anywhere, "1 分" would part there.
    assert 118 in shown and _cut_between_number_and_counter(message, 118)
    for width, lines in shown.items():
        assert len(lines) >= 3, lines
        for line in lines:
            assert not line.lstrip().startswith(("。", "、")), (width, line)
            assert cell_len(line) <= width + 2, (width, line)  # the pane's padding: a cell each side
        assert any("1 分" in line for line in lines), (width, lines)


def test_the_cell_arithmetic_says_its_steps_in_japanese():
    async def scenario():
        app = make_app(text=ARITHMETIC_TEXT, language="ja")
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(pilot)
            await open_pane(pilot, "attention")
            pane = app.pane("attention")
            pane.show_arithmetic(True)
            pane.select_cell(5, 2)
            await settle(pilot)
            panel = app.query_one("#attention-bars")
            seen, width = list(panel.lines), panel.size.width
            shown = [line.rstrip() for line in lines_of(panel)]
            pane.select_cell(1, 4)
            await settle(pilot)
            masked = list(panel.lines)
            await pilot.press("a")  # the mean of the heads
            await settle(pilot)
            return seen, width, shown, masked, list(panel.lines)

    seen, width, shown, masked, mean = asyncio.run(scenario())
    text = "\n".join(seen)
    for template in (
        "head {head}: query #{query} {query_piece} · key #{key} {key_piece}",
        "÷ √{dim} = {divisor} → score {score}",
        "softmax over the {seen} keys it sees, {hidden} masked: w = {weight}",
        "context = Σ w_j · v_j:",
    ):
        for word in _words(template):
            assert word in text, (template, word)
    assert "q·k = Σ q_i·k_i" in text
    for english in ("head ", "query #", "key #", "score", "keys it sees", "context ="):
        assert english not in text, english
    # Every Japanese line fits the panel (it crops lines, never wraps them).
    assert all(cell_len(line) <= width for line in seen[:-1]), (width, seen)
    assert shown[: len(seen)] == [line.rstrip() for line in seen]
    assert JA.say("the mask hides key #{key} from query #{query}: weight 0", key=4, query=1) in masked
    assert mean == [
        JA.say("The mean of the heads has no single q·k:"),
        JA.say("press a to show one head, then c."),
    ]
