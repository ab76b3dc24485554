"""The Tokens, Compare and Windows tabs speak the learner's language under `--lang ja`: the table's
column names, the selected token's bytes, the comparison's summary and the windows' pairs are in
Japanese (the pieces, ids and bytes as they are), and the columns still line up with Japanese
names two cells a character wide."""

from __future__ import annotations

import asyncio

from rich.cells import cell_len
from textual.widgets import Static

from engine.settings import Settings
from engine.tokenize.compare import compare
from engine.tokenize.registry import BPE_ENCODINGS
from tests.tui.helpers import lines_of, make_app, open_pane, settle
from tui.formatting.comparison import summary_lines
from tui.i18n.strings import UiStrings

JA = UiStrings("ja")
say = JA.say


def cells_to(line: str, end: int) -> int:
    """Cells of `line[:end]`: where a character index falls on screen."""
    return cell_len(line[:end])


def right_edge(line: str, word: str) -> int:
    """The cell just after `word`'s first occurrence in `line`."""
    index = line.index(word)
    return cells_to(line, index + len(word))


def left_edge(line: str, word: str) -> int:
    """The cell where `word` first occurs in `line`."""
    return cells_to(line, line.index(word))


def shown(widget) -> str:
    """The text a Static-bodied pane shows now."""
    return str(widget.query_one(Static).render())


def test_the_tokens_tab_names_its_columns_and_bytes_in_japanese_and_keeps_them_aligned():
    async def scenario():
        app = make_app(text="ちa dog", language="ja")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            table = app.pane("tokens")
            ids = app.result.tokens.ids.tolist()
            return lines_of(table), shown(app.pane("bytes")), app.pane("spans").border_title, ids

    table, view, title, ids = asyncio.run(scenario())
    header, rows = table[0], [line for line in table[1:] if line.strip()]
    assert say("piece") in header and say("bytes") in header
    assert "piece" not in header and "bytes" not in header, header
    assert title == say("Tokens in the text")
    # The id column's name ends where its numbers end; the bytes column starts with the hex.
    assert len(rows) == len(ids)
    for row, token_id in zip(rows, map(str, ids), strict=True):
        assert right_edge(row, " " + token_id + " ") - 1 == right_edge(header, " id"), (header, row)
        assert left_edge(row, " " + token_id + " ") + len(token_id) + 2 == left_edge(header, say("bytes"))
    # gpt2 cuts ち into two tokens: the note says which character each belongs to.
    assert say("part of '{source}'", source="ち") in rows[0] and "part of" not in rows[0]
    # The selected token (the first half of ち) in the byte view.
    assert view.startswith(say("token {index}", index=0) + " · id ")
    for words in (
        say("({count} bytes)", count=2),
        say("character {index}", index=0),
        say("{held} of {total} bytes", held=2, total=3),
        say("starts mid-character") + ": " + say("no"),
        say("ends mid-character") + ": " + say("yes"),
    ):
        assert words in view, (words, view)
    for english in ("token 0", "piece", "bytes", "character", "mid-character", "yes", "no"):
        assert english not in view, (english, view)
    piece_line, bytes_line = view.splitlines()[1:3]
    assert left_edge(piece_line, "'") == left_edge(bytes_line, "e3"), view  # the values line up


def test_a_word_the_vocabulary_lacks_says_its_bytes_are_the_ids_in_japanese_within_the_box():
    async def scenario():
        app = make_app(text="Zorblax.", language="ja", encoding="regex-unk")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            box = app.pane("bytes")
            return shown(box), box.query_one(Static).content_region.width

    view, width = asyncio.run(scenario())
    sentence = say("≠ these are the id's bytes, not those of the text below")
    assert sentence in view.replace("\n", ""), view
    assert "not those of the text" not in view
    assert say("characters {first}–{last}", first=0, last=6) in view
    assert all(cell_len(line) <= width for line in view.splitlines()), (width, view)


def test_the_compare_tab_summary_is_in_japanese_with_its_numbers_under_their_names():
    async def scenario():
        app = make_app(text="ちは the lighthouse keeper's lamp", language="ja")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_pane(pilot, "compare")
            pane = app.pane("compare")
            return lines_of(pane), len(pane.comparison.rows), pane.comparison

    lines, count, comparison = asyncio.run(scenario())
    header, rows, boundaries = lines[0], lines[1 : count + 1], lines[count + 1]
    names = [say(name) for name in ("encoding", "tokens", "chars/token", "split chars")]
    assert header.split() == names, header
    for row in rows:
        _encoding, tokens, ratio, split = row.split()
        assert right_edge(row, " " + tokens) == right_edge(header, names[1]), (header, row)
        assert right_edge(row, " " + ratio) == right_edge(header, names[2]), (header, row)
        assert cell_len(row.rstrip()) == right_edge(header, names[3]), (header, row)
        assert left_edge(row, " " + tokens) >= cell_len(names[0])  # the names' column is wide enough
    shared = f"{len(comparison.shared_boundaries):,}"
    differing = comparison.differing_boundaries
    assert len(differing)  # gpt2 splits ち, the others do not
    where = say(
        "{count}, at {listed}{more} (marked {mark})",
        count=len(differing),
        listed=", ".join(map(str, differing.tolist())),
        more="",
        mark="^",
    )
    expected = say(
        "boundaries shared by all {ok}: {shared} · differing: {where}", ok=count, shared=shared, where=where
    )
    assert boundaries.rstrip() == expected
    assert "boundaries" not in boundaries and "differing" not in boundaries and "marked" not in boundaries
    # The command line keeps its English summary.
    english = summary_lines(compare(comparison.text, Settings(), BPE_ENCODINGS))
    assert english[0].split() == ["encoding", "tokens", "chars/token", "split", "chars"]
    assert english[-1].startswith(f"boundaries shared by all {count}: {shared} · differing: ")


def test_the_windows_tab_says_its_pairs_in_japanese_with_inputs_and_targets_aligned():
    async def scenario():
        app = make_app(text="one two three four five six seven eight nine ten", language="ja")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_pane(pilot, "windows")
            pane = app.pane("windows")
            pairs = shown(pane)
            pane.set_params(max_length=40)
            too_short = shown(pane)
            pane.set_params(max_length=4)
            pane.conceal("n_windows")
            hidden = shown(pane)
            return pairs, too_short, hidden, pane.scrollable_content_region.width

    pairs, too_short, hidden, width = asyncio.run(scenario())
    tokens = say("{count} tokens", count=10)
    assert pairs.startswith(
        say(
            "max_length {max_length} · stride {stride} · batch size {batch_size} · {pairs} from {tokens}",
            max_length=4,
            stride=4,
            batch_size=2,
            pairs=say("{count} pairs", count=2),
            tokens=tokens,
        )
    ), pairs
    assert say("+/- window length · </> stride · b batch size") in pairs
    heading = say(
        "batch {batch}  (pairs {first}–{last}, tensor shape ({rows}, {max_length}))",
        batch=0,
        first=0,
        last=1,
        rows=2,
        max_length=4,
    )
    assert heading in pairs
    for english in ("batch", "pairs", "input", "target", "tokens", "window length"):
        assert english not in pairs, (english, pairs)
    inputs = [line for line in pairs.splitlines() if say("input") in line]
    targets = [line for line in pairs.splitlines() if say("target") in line]
    assert len(inputs) == len(targets) == 2
    for line in inputs + targets:
        assert left_edge(line, "[") == left_edge(targets[0], "["), pairs
    assert say(
        "The text needs more than {max_length} tokens for one pair.", max_length=40
    ) in too_short.replace("\n", "")
    message = say("The pairs are hidden until you answer the question: counting them would answer it.")
    assert say("? pairs") in hidden and message in hidden.replace("\n", "")
    assert all(cell_len(line) <= width for line in hidden.splitlines())


def test_an_encodings_error_in_the_comparison_is_said_in_the_learners_language():
    from engine.settings import Settings
    from engine.tokenize.compare import compare
    from tui.formatting.comparison import summary_lines
    from tui.hints import app_hint

    comparison = compare("the end <|endoftext|> a start", Settings())
    refused = [row for row in comparison.rows if not row.ok]
    assert refused and all(row.error.startswith("the text contains the special token") for row in refused)
    ja = UiStrings("ja")
    lines = summary_lines(comparison, lambda hints: app_hint(hints, ja), ja)
    for row in refused:
        (line,) = [line for line in lines if line.startswith(row.encoding + " ")]
        assert ja.say_note(row.error) in line and app_hint(row.hints, ja) in line, line
        assert "special token" not in line, line
    english = summary_lines(comparison, app_hint)
    assert any("the text contains the special token '<|endoftext|>'" in line for line in english)
