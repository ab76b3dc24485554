"""The Embeddings, Positions and Embedding space tabs in Japanese (`--lang ja`): their tables,
captions, plot titles, legends and axis captions say the catalogue's Japanese, none of the English
they replace, and the columns and the plots' frames still line up with two-cell characters.

The expected words come from the catalogue (`UiStrings("ja")`), not copies of it."""

from __future__ import annotations

import asyncio
import re

import pytest
from rich.cells import cell_len

from tests.tui.helpers import lines_of, make_app, open_pane, settle
from tui.i18n.strings import UiStrings
from tui.panes.example_tables import table_lines
from tui.panes.positions import TitledPlot
from tui.textual_shim import screen_lines
from tui.views.titled_plot import WIDE_PAD, plot_text

JA = UiStrings("ja")
say = JA.say
TEXT = "one two three four five six"


def column(line: str, part: str) -> int:
    """The cell where `part` starts in `line`."""
    return cell_len(line[: line.index(part)])


def plot_lines(titled: TitledPlot) -> list[str]:
    """What the plot draws now, line by line, as the terminal gets it."""
    return titled.plot.render().plain.rstrip("\n").split("\n")


def assert_lines_up(titled: TitledPlot) -> list[str]:
    """Every line of the plot is the plot's width in cells, and a framed plot's right edge is in
    one column: no Japanese character pushed it out."""
    lines = plot_lines(titled)
    width = titled.plot.size.width
    assert {cell_len(line) for line in lines} == {width}, lines
    assert not any(WIDE_PAD in line for line in lines)
    framed = [line for line in lines if line.rstrip().endswith(("│", "┐", "┘"))]
    assert len({cell_len(line.rstrip()) for line in framed}) <= 1, framed
    return lines


def test_plot_text_gives_a_wide_character_its_second_cell_and_leaves_english_alone():
    assert plot_text("dim 0 (sin)") == "dim 0 (sin)"
    padded = plot_text("次元 0")
    assert len(padded) == cell_len("次元 0") and padded.replace(WIDE_PAD, "") == "次元 0"


def test_the_embeddings_tab_and_its_one_hot_panel_speak_japanese_in_their_columns():
    async def scenario():
        app = make_app(text=TEXT, language="ja")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_pane(pilot, "embeddings")
            pane = app.pane("embeddings")
            table = lines_of(pane.table)
            await pilot.press("o")
            await pilot.pause()
            return table, pane.panel.render().plain.split("\n")

    table, panel = asyncio.run(scenario())
    title, header, *rows = table
    shape = "(6, 16)"
    learned = say("learned")
    assert title.startswith(
        say(
            "token vectors {shape}   +   {kind} positions {shape}   =   input vectors {shape}",
            shape=shape,
            kind=learned,
        )
    ), title
    assert say("dim {dim} · seed {seed}", dim=16, seed=123) in title
    assert say("{index} token", index="  #") in header and f"+ {learned} [0:" in header
    assert say("token [{start}:{stop}]", start=0, stop=5) in header, header
    for english in ("token vectors", "input vectors", "learned", "seed", "input [", "token ["):
        assert english not in title + header
    # The block names sit over their blocks: "+" and "=" in the header where the rows have them.
    for operator in ("+", "="):
        where = {column(header, f" {operator} ")}
        where |= {column(row, f" {operator}  ") for row in rows[:6]}
        assert len(where) == 1, (operator, header, rows[:2])
    token, one_hot, times, product, row, verdict = panel
    assert token.startswith(say("token {index} ", index=0))
    assert one_hot.startswith(say("one-hot (1 × {vocab}) ", vocab="50257"))
    assert say("  1 at index {index}", index=505) in one_hot
    assert times == say("× token table ({vocab} × {dim})", vocab=50257, dim=16)
    assert row.lstrip().startswith(say("table row {row}: ", row=505))
    assert column(product, "[") == column(row, "["), (product, row)  # the brackets line up by cells
    assert verdict == say("✓ identical") + say(" (np.array_equal of product and row)")
    for english in ("one-hot", "token table", "table row", "identical", "index"):
        assert english not in "\n".join(panel)


def test_a_narrow_embeddings_tab_stacks_japanese_tags_with_the_numbers_in_columns():
    async def scenario():
        app = make_app(text=TEXT, language="ja")
        async with app.run_test(size=(50, 24)) as pilot:
            await settle(pilot)
            await open_pane(pilot, "embeddings")
            await pilot.press("o")
            await pilot.pause()
            pane = app.pane("embeddings")
            return pane.table.stacked, lines_of(pane.table), pane.panel.render().plain.split("\n")

    stacked, (title, header, *rows), compact = asyncio.run(scenario())
    assert stacked
    assert title.rstrip() == say("token + {kind} = input, each {shape}", kind=say("learned"), shape="(6, 16)")
    tags = [say("token "), say("+ pos "), say("= in  ")]
    number = re.compile(r"[+-]\d")
    for tag, line in zip(tags, rows[:3], strict=True):
        assert tag.strip() in line, (tag, line)
    # The numbers start in one column whatever the tag's width, and "d0" ends where they end.
    starts = {cell_len(line[: number.search(line).start()]) for line in rows[:6]}
    assert len(starts) == 1, rows[:6]
    assert column(header, "d0") + 2 == starts.pop() + 5
    one_hot, product, verdict = compact
    assert say("one-hot (1 × {vocab}) ", vocab=50257) in one_hot
    assert verdict.startswith(say("✓ identical") + say(" to table row {row} (np.array_equal)", row=505))


def test_a_small_vocabulary_draws_its_whole_one_hot_product_in_japanese_columns():
    async def scenario():
        app = make_app(text="this is world", example="hello-world", language="ja")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_pane(pilot, "embeddings")
            await pilot.press("o")
            await pilot.pause()
            pane = app.pane("embeddings")
            return lines_of(pane.table)[:2], pane.panel.render().plain.split("\n")

    (title, header), panel = asyncio.run(scenario())
    assert title.startswith(
        say("hand-made vectors {shape} = input vectors {shape}: no position vector is added", shape="(3, 3)")
    )
    assert title.rstrip().endswith(say("example {name}", name="hello-world"))
    assert say("none [{start}:{stop}]", start=0, stop=3) in header
    heading, *matrices, verdict = panel
    assert heading.startswith(say("one-hot ({tokens} × {vocab})", tokens=3, vocab=5))
    product = say("= ({tokens} × {dim}): rows {rows} of the table", tokens=3, dim=3, rows="2, 3, 1")
    table = say("× table ({vocab} × {dim})", vocab=5, dim=3)
    assert table in heading and product in heading
    # Each title is over its matrix: the table's rows start under "×", the product under "=".
    assert column(heading, table) == column(matrices[0], " hello") - 3  # its row "  0 hello"
    assert column(heading, product) == column(matrices[0], "]  [") + 3
    assert verdict == say(
        "✓ each row equals its table row (np.array_equal): an embedding lookup is this product"
    )


def test_the_positions_plots_title_label_and_caption_in_japanese_inside_their_frames():
    async def scenario():
        app = make_app(text=TEXT, language="ja")
        async with app.run_test(size=(120, 50)) as pilot:
            await settle(pilot)
            await open_pane(pilot, "positions")
            pane = app.pane("positions")
            query = pane.query_token
            encodings = pane.query_one(".positions-pane--encodings", TitledPlot)
            scaling = pane.query_one(".positions-pane--scaling", TitledPlot)
            shown = [
                (str(encodings.heading.content), assert_lines_up(encodings)),
                (str(scaling.heading.content), assert_lines_up(scaling)),
            ]
            await pilot.press("w")  # the learned positions
            await settle(pilot)
            shown.append((str(encodings.heading.content), assert_lines_up(encodings)))
            return query, shown

    query, ((waves, wave_plot), (why, bars), (learned, learned_plot)) = asyncio.run(scenario())
    assert waves == say("Sinusoidal position encodings")
    drawn = "\n".join(wave_plot)
    assert say("dim {dim} (sin)").format(dim=0) in drawn and say("dim {dim} (cos)").format(dim=1) in drawn
    assert say("position (text: 0–{last}, marked: {query})", last=5, query=query) in drawn
    if query == 0:
        assert why == say("Why ÷√d? query {query} sees only itself: weight 1 either way", query=0)
    else:
        template = say(
            "Why ÷√d? max {unscaled:.2f} unscaled vs {scaled:.2f} scaled", unscaled=1.25, scaled=3.75
        )
        pattern = re.escape(template).replace("1\\.25", r"\d\.\d\d").replace("3\\.75", r"\d\.\d\d")
        assert re.fullmatch(pattern, why), why
    drawn = "\n".join(bars)
    assert say("unscaled") in drawn and say("scaled") in drawn
    assert say("key (query {query}, head 0, d={size})", query=query, size=8) in drawn
    assert learned == say("Learned positions (random until trained)")
    assert say("dim {dim}", dim=8) in "\n".join(learned_plot)
    for english in ("Sinusoidal", "Learned", "Why", "unscaled", "position (", "key (", "dim 0"):
        assert english not in waves + why + learned + drawn + "\n".join(wave_plot)


def test_the_book_example_tables_speak_the_learners_language():
    async def scenario():
        app = make_app(text="Your journey starts with one step", example="journey", language="ja")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            return app.result

    result = asyncio.run(scenario())
    japanese = table_lines(result, 0, 1, 80, 40, strings=JA)
    assert japanese[0] == say("head {head}: the book's tables, 4 decimals · x: the next table", head=0)
    assert say("attention weights (rows sum to 1)") in japanese
    assert table_lines(result, None, 1, 80, 40, strings=JA)[0] == say(
        "The mean of the heads has no tables of its own:"
    )
    english = table_lines(result, 0, 1, 80, 40)
    assert english[0] == "head 0: the book's tables, 4 decimals · x: the next table"
    rows = [line for line in english if line.startswith(("▶", " "))]  # the numbers, the same in both
    assert rows and rows == [line for line in japanese if line.startswith(("▶", " "))]
    assert "attention weights (rows sum to 1)" in english


def test_the_embedding_space_tab_captions_and_scatter_in_japanese():
    async def scenario():
        app = make_app(text=TEXT, language="ja")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_pane(pilot, "space")
            pane = app.pane("space")
            pane.set_words("猫 犬 king queen unbelievability")  # Japanese words label the scatter too
            await settle(pilot)
            scatter = pane.query_one(".embedding-space--scatter", TitledPlot)
            drawn = assert_lines_up(scatter)
            shown = str(scatter.heading.content), "\n".join(screen_lines(app.screen))
            pane.set_words("king")
            await settle(pilot)
            few = str(scatter.heading.content)
            pane.set_words("")
            await settle(pilot)
            return drawn, shown, few, pane.query_one("#embedding-words").placeholder

    drawn, (heading, screen), few, placeholder = asyncio.run(scenario())
    assert re.fullmatch(
        re.escape(say("PCA: {first:.0f}% + {second:.0f}% of variance", first=11, second=22))
        .replace("11", r"\d+")
        .replace("22", r"\d+"),
        heading,
    ), heading
    assert "猫" in "\n".join(drawn) and "king" in "\n".join(drawn)
    split = say(
        "* {word}: split into {count} tokens ({pieces}): mean of their vectors",
        word="unbelievability",
        count=2,
        pieces="·unbeliev | ability",
    )
    assert split in screen
    assert few == say("need at least {count} words for a scatter", count=3)
    assert placeholder == say("words to compare, separated by spaces")
    for english in ("of variance", "split into", "mean of their vectors", "need at least"):
        assert english not in screen + few


@pytest.fixture(scope="module")
def tiny_llama(tmp_path_factory):
    pytest.importorskip("transformers")
    from tests.open_models import build_tiny_llama_cache

    cache = tmp_path_factory.mktemp("hub")
    build_tiny_llama_cache(cache)
    return cache


def test_an_open_models_rope_plots_and_table_speak_japanese(tiny_llama, monkeypatch):
    from tests.open_models import REPO

    monkeypatch.setenv("HF_HUB_CACHE", str(tiny_llama))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    async def scenario():
        app = make_app(text="Who are you? A pirate!", weights=REPO, language="ja")
        async with app.run_test(size=(160, 70)) as pilot:
            await settle(pilot)
            await open_pane(pilot, "embeddings")
            title, header, *_rows = lines_of(app.pane("embeddings").table)
            await open_pane(pilot, "positions")
            pane = app.pane("positions")
            plots = {
                name: pane.query_one(f".positions-pane--{name}", TitledPlot)
                for name in ("encodings", "distance")
            }
            waves = str(plots["encodings"].heading.content), assert_lines_up(plots["encodings"])
            distance = str(plots["distance"].heading.content), assert_lines_up(plots["distance"])
            await pilot.press("w")
            await settle(pilot)
            frequencies = str(plots["encodings"].heading.content), assert_lines_up(plots["encodings"])
            return (title, header), waves, distance, frequencies

    (title, header), waves, distance, frequencies = asyncio.run(scenario())
    assert title.startswith(
        say(
            "token vectors {shape} = input vectors {shape}: a rotary model adds no position vector",
            shape="(8, 32)",
        )
    )
    assert say("none (rotary) [{start}:{stop}]", start=0, stop="")[:-1] in header
    assert waves[0].startswith(
        "RoPE cos(pos·inv_freq) · llama3: " + say("pairs {pairs} slowed {factor:g}×", pairs="1–3", factor=32)
    )
    assert say("pair {pair} λ {length:.3g}", pair=0, length=6.283) in "\n".join(waves[1])
    assert distance[0].startswith("q·k と m − n")
    assert say("distance m − n (fixed random q, k; D={size}): only m − n counts", size=8) in "\n".join(
        distance[1]
    )
    assert frequencies[0].startswith(say("RoPE inverse frequencies · {scaling}", scaling="llama3: "))
    drawn = "\n".join(frequencies[1])
    assert say("llama3 (used)") in drawn and say("pair i (channels i and i + {half})", half=4) in drawn
    for english in ("slowed", "kept", "pair ", "distance", "inverse frequencies", "(used)", "differs"):
        assert english not in waves[0] + distance[0] + frequencies[0] + drawn
