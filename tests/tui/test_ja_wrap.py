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

from tests.tui.helpers import settle
from tui.lessons.ja_wrap import (
    NO_LINE_END,
    NO_LINE_START,
    line_spans,
    visible_width,
    wrap_markdown,
    wrap_text,
)

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
            # One hanging punctuation mark may pass the edge; a code span longer than a line may too.
            assert visible_width(line) <= width + 2 or "`" in line, (width, line)
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
