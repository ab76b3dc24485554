"""The Compare tab, driven through the real app: counts from tiktoken, rows, marks and errors."""

from __future__ import annotations

import asyncio

from rich.cells import cell_len
from textual import on
from textual.app import App
from textual.strip import Strip
from textual.widgets import TabbedContent

from engine.pipeline.run import run
from engine.settings import Settings
from engine.tokenize.compare import COMPARED
from engine.tokenize.registry import BPE_ENCODINGS, get_tokenizer
from tests.tui.helpers import lines_of, make_app, record_notifications, settle
from tui.formatting.pieces import visible_piece
from tui.i18n.strings import UiStrings
from tui.panes.base import Pane
from tui.panes.compare import LABEL_CELLS, SPLIT_MARK, ComparePane
from tui.panes.token_spans import TokenSpans

TEXT = "The robot lit the lamp. ちは 😀"
SUMMARY = len(COMPARED) + 3
"""Lines above the first block: header, one per encoding, boundaries line, blank."""


async def open_compare(pilot, regex: bool = True):
    """Show the Compare tab (`regex`: with the regex-unk row, `r`) and wait for its worker;
    returns the pane."""
    app = pilot.app
    await settle(pilot)
    app.query_one(TabbedContent).active = "compare"
    await pilot.pause()
    await settle(pilot)
    pane = app.pane("compare")
    if regex and not pane.with_regex:
        pane.focus()
        await pilot.press("r")
        await settle(pilot)
    assert pane.encodings == (COMPARED if regex or app.settings.encoding == "regex-unk" else BPE_ENCODINGS)
    return pane


def runs(strip: Strip, key) -> list[str]:
    """The strip's text cut where `key(style)` changes."""
    out: list[tuple[str, object]] = []
    for segment in strip:
        value = key(segment.style)
        if out and out[-1][1] == value:
            out[-1] = (out[-1][0] + segment.text, value)
        else:
            out.append((segment.text, value))
    return [text for text, _ in out]


def test_compare_tab_rows_agree_with_each_encoding(reference_encodings):  # noqa: F811
    async def scenario():
        app = make_app(text=TEXT)
        async with app.run_test(size=(120, 40)) as pilot:
            pane = await open_compare(pilot)
            lines = lines_of(pane)
            assert lines[0].split() == ["encoding", "tokens", "chars/token", "split", "chars"]
            for number, name in enumerate(COMPARED, start=1):
                if name in BPE_ENCODINGS:
                    expected = len(reference_encodings[name].encode(TEXT))
                else:
                    expected = len(get_tokenizer(name).encode(TEXT))
                label, tokens, per_token, _split = lines[number].split()
                assert (label, int(tokens), per_token) == (name, expected, f"{len(TEXT) / expected:.2f}")
            shown = visible_piece(TEXT)
            for number, name in enumerate(COMPARED):
                assert lines[SUMMARY + number].rstrip() == f"{name:<{LABEL_CELLS}}{shown}"
            comparison = pane.comparison
            marks = lines[SUMMARY + len(COMPARED)]
            expected_marks = {
                LABEL_CELLS + cell_len(visible_piece(TEXT[:offset])): "^"
                for offset in comparison.differing_boundaries.tolist()
            }
            for char in comparison.row("gpt2").split_chars.tolist():
                expected_marks[LABEL_CELLS + cell_len(visible_piece(TEXT[:char]))] = SPLIT_MARK
            drawn = {column: mark for column, mark in enumerate(marks) if mark != " "}
            assert drawn == expected_marks
            assert SPLIT_MARK in drawn.values() and "^" in drawn.values()

    asyncio.run(scenario())


def test_tokens_alternate_backgrounds_and_in_mono_underlines():
    text = "The robot lit the lamp."
    pieces = [visible_piece(p) for p in get_tokenizer("gpt2").tokenize(text).pieces]

    async def scenario(colors: str, key) -> None:
        app = make_app(text=text, colors=colors)
        async with app.run_test(size=(120, 40)) as pilot:
            pane = await open_compare(pilot)
            row = pane.render_line(SUMMARY + COMPARED.index("gpt2"))
            assert runs(row.crop(LABEL_CELLS, LABEL_CELLS + len(text)), key) == pieces

    asyncio.run(scenario("truecolor", lambda style: style.bgcolor))
    asyncio.run(scenario("mono", lambda style: bool(style.underline)))


def test_an_encoding_that_refuses_the_text_shows_its_error():
    async def scenario():
        app = make_app(text="one <|endoftext|> two", encoding="regex-unk")
        async with app.run_test(size=(120, 40)) as pilot:
            pane = await open_compare(pilot)
            lines = lines_of(pane)
            for number, name in enumerate(COMPARED, start=1):
                if name in BPE_ENCODINGS:
                    assert lines[number].startswith(f"{name:<{LABEL_CELLS}} ✗ the text contains the special")
            unk_tokens = len(get_tokenizer("regex-unk").encode("one <|endoftext|> two"))
            assert lines[1].split()[:2] == ["regex-unk", str(unk_tokens)]
            # One block row: only regex-unk tokenized the text.
            assert lines[SUMMARY].startswith("regex-unk   one·<|endoftext|>·two")
            assert lines[SUMMARY + 1].strip() == ""

    asyncio.run(scenario())


def test_selection_and_next_difference_are_marked():
    async def scenario():
        app = make_app(text="The robot lit the lamp.")
        async with app.run_test(size=(120, 40)) as pilot:
            pane = await open_compare(pilot)
            app.query_one(TokenSpans).focus()
            await pilot.press("l")  # the spans pane selects token 1, " robot"
            await settle(pilot)
            row = pane.render_line(SUMMARY + COMPARED.index("gpt2"))
            selected = pane.get_component_rich_style("token-text--selected").bgcolor
            cells = row.crop(LABEL_CELLS, LABEL_CELLS + 23)
            highlighted = "".join(s.text for s in cells if s.style.bgcolor == selected)
            assert highlighted == "·robot"
            pane.focus()
            await pilot.press("right_square_bracket")
            await pilot.pause()
            first = int(pane.comparison.differing_boundaries[0])
            marks = list(pane.render_line(SUMMARY + len(COMPARED)))
            reversed_at = [i for i, segment in enumerate(marks) if segment.style.reverse]
            assert len(reversed_at) == 1 and marks[reversed_at[0]].text == "^"
            assert sum(cell_len(s.text) for s in marks[: reversed_at[0]]) == LABEL_CELLS + first

    asyncio.run(scenario())


def test_long_text_is_wrapped_into_blocks_drawn_on_demand(verdict_text):
    async def scenario():
        app = make_app(text=verdict_text)
        async with app.run_test(size=(120, 40)) as pilot:
            pane = await open_compare(pilot)
            block = len(COMPARED) + 2
            assert pane.chunk_count > 100
            assert pane.virtual_size.height == SUMMARY + pane.chunk_count * block
            pane.scroll_end(animate=False)
            await pilot.pause()
            last = [line for line in lines_of(pane) if line.startswith("regex-unk")][-1]
            assert visible_piece(verdict_text[-20:]) in last

    asyncio.run(scenario())


def test_only_the_newest_text_is_shown_and_a_message_drops_a_comparison_in_flight():
    """Texts typed while a comparison runs wait for it (the newest only); `Pane.Updated` follows
    each comparison drawn, and `show_message` keeps a late comparison off the screen."""

    class CompareApp(App[None]):
        updates = 0
        strings = UiStrings("en")  # the pane's words, as LlmTuiApp has them

        def compose(self):
            yield ComparePane()

        @on(Pane.Updated)
        def count(self) -> None:
            self.updates += 1

    async def scenario():
        app = CompareApp()
        async with app.run_test(size=(100, 30)) as pilot:
            pane = app.query_one(ComparePane)
            for text in ("one", "one two", "one two three"):
                pane.show_result(run(text, Settings()))
            assert pane.busy
            while pane.busy:
                await pilot.pause(0.02)
            await pilot.pause()
            assert pane.comparison is not None and pane.comparison.text == "one two three"
            assert app.updates == 1  # the first comparison was of an older text: not drawn
            pane.show_result(run("four", Settings()))
            pane.show_message("tokenizer error")
            while pane.busy:
                await pilot.pause(0.02)
            await pilot.pause()
            assert pane.comparison is None and pane.message == "tokenizer error"
            assert "tokenizer error" in " ".join(lines_of(pane))

    asyncio.run(scenario())


def test_by_default_the_bpe_encodings_are_compared_and_a_mark_names_who_cuts_there():
    """regex-unk drops spaces, so beside it nearly every boundary differs; the BPE encodings alone
    differ where they really do, and `]` says which of them cut there."""
    text = "A small robot named Pip kept the lighthouse on the hill."

    async def scenario():
        app = make_app(text=text)
        async with app.run_test(size=(120, 40)) as pilot:
            pane = await open_compare(pilot, regex=False)
            notes = record_notifications(app)
            lines = lines_of(pane)
            assert [line.split()[0] for line in lines[1 : 1 + len(BPE_ENCODINGS)]] == list(BPE_ENCODINGS)
            boundaries = [
                set(get_tokenizer(name).tokenize(text).char_spans[1:, 0].tolist()) for name in BPE_ENCODINGS
            ]
            differing = sorted(set.union(*boundaries) - set.intersection(*boundaries))
            assert pane.comparison.differing_boundaries.tolist() == differing and 0 < len(differing) < 5
            pane.focus()
            await pilot.press("right_square_bracket")
            cut = [
                name for name, found in zip(BPE_ENCODINGS, boundaries, strict=True) if differing[0] in found
            ]
            whole = [name for name in BPE_ENCODINGS if name not in cut]
            assert notes[-1].endswith(f"cut by {', '.join(cut)}, not by {', '.join(whole)}")
            await pilot.press("r")  # regex-unk joins: now far more boundaries differ
            await settle(pilot)
            assert pane.encodings == COMPARED and len(pane.comparison.differing_boundaries) > len(differing)

    asyncio.run(scenario())
