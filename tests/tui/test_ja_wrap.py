"""Japanese line breaking at phrases (BudouX) with the kinsoku rules, on every Japanese lesson
text at several widths, and in the lesson panel."""

from __future__ import annotations

import asyncio
import re
import tomllib
from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import Markdown

from tests.tui.helpers import make_app, settle
from tui.i18n.strings import UiStrings
from tui.lessons.ja_wrap import (
    NO_LINE_END,
    NO_LINE_START,
    line_spans,
    phrases,
    visible_width,
    wrap_markdown,
    wrap_paragraph,
    wrap_text,
)
from tui.lessons.panel import WORDS

LESSONS = Path(__file__).parents[2] / "tui" / "lessons" / "ja"


def _paragraphs() -> list[str]:
    texts = []
    for path in sorted(LESSONS.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for step in data["steps"]:
            texts += [p for p in step["body"].split("\n\n") if p.strip()]
            if "quiz" in step:
                texts.append(step["quiz"]["question"])
    return texts


PARAGRAPHS = _paragraphs()
_CODE_SPAN = re.compile(r"(`[^`]*`)")


def _holds_a_long_command(line: str, width: int) -> bool:
    """Whether `line`, wider than `width`, is a code span (a command, never cut) with no more than its
    brackets or particle (`（…）。`, `… を`): the one kind of line that may pass the edge."""
    outside = "".join(part for part in _CODE_SPAN.split(line) if not part.startswith("`"))
    return "`" in line and len(re.sub(r"[\s*\\>-]", "", outside)) <= 3 and visible_width(line) > width


@pytest.mark.parametrize("width", [24, 35, 60])
def test_every_lesson_paragraph_breaks_at_phrases_by_the_rules(width):
    assert len(PARAGRAPHS) > 100
    for text in PARAGRAPHS:
        text = text.replace("\n", " ")
        spans = line_spans(text, width)
        lines = [text[start:end] for start, end in spans]
        # Nothing is lost but the spaces a break falls on.
        assert "".join(lines).replace(" ", "") == text.replace(" ", ""), text
        for index, line in enumerate(lines):
            # No line passes the edge (Textual would wrap it again, anywhere), but for a command.
            assert visible_width(line) <= width or _holds_a_long_command(line, width), (width, line)
            if index:
                assert line[0] not in NO_LINE_START, (width, lines[index - 1], line)
            if index < len(lines) - 1:
                assert line[-1] not in NO_LINE_END, (width, line, lines[index + 1])
                # A number keeps its counter: "5 つ", "3 個" are never cut after the number.
                assert not (re.search(r"\d$", line) and re.match(r"\s?[つ個回行本語文]", lines[index + 1])), (
                    line,
                    lines[index + 1],
                )


def test_markdown_keeps_its_markup_and_breaks_with_hard_breaks():
    body = (
        "## 見出し\n\n各トークンの出力は、**バリュー**ベクトルを `torch.rand(3, 2)` で足し合わせたものです。"
        "\n\n- 一つ目の項目は長い文で、折り返されます。"
    )
    wrapped = wrap_markdown(body, 20)
    assert wrapped.startswith("## 見出し\n\n")
    assert "\\\n" in wrapped and "`torch.rand(3, 2)`" in wrapped and "**バリュー**" in wrapped
    item = wrapped.split("\n\n")[2]
    assert item.startswith("- ") and "\\\n  " in item  # the item's lines stay in the item
    assert wrap_markdown("An English paragraph stays as it is.", 10) == "An English paragraph stays as it is."


def test_styled_text_keeps_its_styles():
    text = Text.assemble(("正解", "bold green"), "：クエリ #5 が最も大きな重みを与えるのはキー #1 です。")
    lines = wrap_text(text, 16).split("\n")
    assert len(lines) > 1 and lines[0].spans and lines[0].spans[0].style == "bold green"


def test_the_lesson_panel_breaks_japanese_for_its_width(tmp_path):
    from engine.settings import Settings
    from tests.tui.helpers import TEST_DEVICE
    from tui.app import LlmTuiApp

    async def scenario():
        app = LlmTuiApp(
            "x", Settings(), device=TEST_DEVICE, language="ja", state_dir=tmp_path, lesson="attention"
        )
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            body = app.query_one("#lesson-body", Markdown)
            paragraphs = [child for child in body.children if type(child).__name__ == "MarkdownParagraph"]
            assert paragraphs
            for paragraph in paragraphs:
                rendered = [
                    strip.text.rstrip() for strip in paragraph.render_lines(paragraph.region.reset_offset)
                ]
                lines = [line.strip() for line in rendered if line.strip()]
                assert len(lines) > 1
                for line in lines[1:]:
                    assert line[0] not in NO_LINE_START, lines

    asyncio.run(scenario())


def _outside_code(line: str) -> str:
    return "".join(part for part in _CODE_SPAN.split(line) if not part.startswith("`"))


@pytest.mark.parametrize("width", [12, 18, 21, 35])
def test_no_break_falls_inside_emphasis_or_code_without_closing_it(width):
    # A line that ends inside `**温度**` leaves `**で割ると` on the next, which Markdown cannot close.
    for text in [*PARAGRAPHS, "前にロジットを**温度**で割ると、分布の形が**とても大きく変わります**。"]:
        for line in wrap_markdown(text.replace("\n", " "), width).split("\\\n"):
            assert line.count("`") % 2 == 0, (width, line)
            assert _outside_code(line).count("**") % 2 == 0, (width, line)
    lines = wrap_markdown("**とても長い太字の文がここにあります**", 10).split("\\\n")
    assert len(lines) > 1 and all(line.startswith("**") and line.endswith("**") for line in lines), lines
    # A code span (a command to type) is never cut: wider than a line, it has one of its own.
    code = wrap_markdown("これは `llm-tui download meta-llama/Llama-3.2-1B-Instruct` を実行します", 18)
    assert code.split("\\\n") == [
        "これは",
        "`llm-tui download meta-llama/Llama-3.2-1B-Instruct` を",
        "実行します",
    ]


@pytest.mark.parametrize("width", [16, 21, 32, 35])
def test_a_phrase_is_cut_only_when_wider_than_a_line(width):
    for text in PARAGRAPHS:
        text = text.replace("\n", " ")
        starts, offset = {}, 0  # where each phrase starts (past spaces) -> its width
        for phrase in phrases(text):
            starts[offset + len(phrase) - len(phrase.lstrip(" "))] = visible_width(phrase.strip(" "))
            offset += len(phrase)
        assert offset == len(text)
        spans = line_spans(text, width)
        for start, _ in spans[1:]:
            if start in starts:
                continue
            inside = max(at for at in starts if at < start)
            assert starts[inside] > width, (width, text[inside:start], text[start : start + 12])
    # `その` / `ため、`: BudouX parts a demonstrative from its word, which here keeps it.
    text = (
        "ID は、並べ替えた語彙の中でのその断片の位置にすぎません。そのため、同じ断片は何度現れても同じ ID に"
    )
    lines = wrap_paragraph(text, width)
    assert not any(line.endswith("その") for line in lines), lines
    # A phrase wider than the line is cut after a particle, not at the edge.
    assert wrap_paragraph("テキストが制御用のトークンを差し込めてはいけないからです。", 21) == [
        "テキストが制御用の",
        "トークンを",
        "差し込めては",
        "いけないからです。",
    ]


def test_headings_and_block_quotes_are_broken_too():
    wrapped = wrap_markdown(
        "## 1. トークン化：モデルが実際に受け取るもの\n\n> **注意:** 長い引用の文はここで折り返されます。", 21
    )
    heading, quote = wrapped.split("\n\n")
    # An ATX heading has one line; a setext one may have several (the `1.` escaped: not a list).
    assert heading == "1\\. トークン化：\\\nモデルが実際に\\\n受け取るもの\n---"
    assert all(line.startswith("> ") for line in quote.split("\n")) and "\\\n" in quote
    assert all(visible_width(line[2:].removesuffix("\\")) <= 18 for line in quote.split("\n"))


_UNDERLINE = r"[>\s]*(-+|=+)"
"""The underline of a setext heading (in a block quote or not)."""


def _drawn(line: str) -> str:
    """A line of Markdown source as the Markdown widget draws it (no block syntax, no markup)."""
    line = re.sub(r"^(?:>\s?)+", "", line)
    line = re.sub(r"^\s*(?:#{1,6}\s+|(?:[-*+]|\d+[.)])\s+)?", "", line).removesuffix("\\")
    line = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", line)
    parts = _CODE_SPAN.split(line)
    return "".join(part[1:-1] if part.startswith("`") else part.replace("*", "") for part in parts).strip()


def _assert_draws(block, source: list[str], where) -> None:
    """`block` draws the lines of its Markdown `source` as they are; only a command wider than the
    block (a code span, never cut) is wrapped again by Textual, at its spaces."""
    drawn = [block.render_line(y).text.strip() for y in range(block.size.height)]
    width, at = block.content_region.width, 0
    for line in (line for line in source if not re.fullmatch(_UNDERLINE, line)):
        shown = _drawn(line)
        if visible_width(shown) <= width:
            assert drawn[at : at + 1] == [shown], (where, drawn, source)
            at += 1
            continue
        assert "`" in line, (where, line)  # wider than the block: a command (`_holds_a_long_command`)
        pieces = ""
        while at < len(drawn) and len(pieces) < len(shown.replace(" ", "")):
            pieces += drawn[at].replace(" ", "")
            at += 1
        assert pieces == shown.replace(" ", ""), (where, drawn, source)
    assert at == len(drawn), (where, drawn, source)


# Steps a walk at 80x24 found broken: headings, a bold word, a long phrase, italics, a notice.
PANEL_STEPS = [
    ("text-to-tokens", 0),
    ("text-to-tokens", 3),
    ("text-to-tokens", 4),
    ("unknown-and-special", 3),
    ("attention", 1),
    ("attention", 5),
    ("next-token", 2),
    ("real-llm", 0),
    ("logit-lens", 0),
]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_the_lesson_panel_draws_exactly_the_phrase_broken_lines(size, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))  # lesson progress not written to the home
    question = UiStrings("ja").say(WORDS["question"])

    async def scenario():
        app = make_app("x", language="ja")
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            for lesson_id, index in PANEL_STEPS:
                app.open_lesson(lesson_id, step=index)
                await settle(pilot)
                where = (size, lesson_id, index)
                panel = app.query_one("LessonPanel")
                body = app.query_one("#lesson-body", Markdown)
                source = body.source.split("\n")
                blocks = list(body.query("MarkdownHeader, MarkdownParagraph"))
                assert blocks, where
                for block in blocks:  # Textual wraps no line again: it draws the source's lines
                    start, end = block.source_range
                    _assert_draws(block, source[start:end], where)
                # ... and those are the lines the step's paragraphs break into at the panel's width.
                step = app.lesson_driver.lesson.steps[index]
                texts = [f"## {step.title}", *step.body.strip().split("\n\n")]
                if step.quiz is not None and len(blocks) == len(texts) + 1:
                    texts.append(f"**{question}:** {step.quiz.question}")
                width = panel.size.width - panel.styles.scrollbar_size_vertical - body.styles.gutter.width
                top = [block for block in blocks if block.parent is body][-len(texts) :]
                for block, text in zip(top, texts, strict=True):
                    _assert_draws(block, wrap_markdown(text, width).split("\n"), where)

    asyncio.run(scenario())
