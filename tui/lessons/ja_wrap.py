"""Line breaks for Japanese, at phrase boundaries, with the usual rules (kinsoku).

Textual wraps text at spaces, and Japanese has few: a paragraph then breaks at whatever character
reaches the edge, so lines start with `。` or `、` and numbers part from their counters (`5` /
`つ`). Here the text is cut into phrases by BudouX (Google's phrase segmenter, a small model that
ships with its package), lines are filled phrase by phrase to the width, and then the rules are
applied: no line starts with closing punctuation (it hangs at the end of the line before), no line
ends with an opening bracket (it moves down). An inline code span is never cut.

`wrap_markdown` returns Markdown with hard line breaks (a backslash at the end of a line) for the
lesson panel; `line_spans` gives the same breaks as character offsets, for text with styles.
No Textual here (the panel calls it): rich's cell widths only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from rich.cells import cell_len
from rich.text import Text

NO_LINE_START = (
    "。、，．！？!?：；:;・ー…‥」』）)］]｝}〉》】〕”’々ゝゞヽヾぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ"
)
"""Characters no line may start with: closing punctuation, the long-vowel mark, small kana."""
NO_LINE_END = "「『（(［[｛{〈《【〔“‘"
"""Characters no line may end with: opening brackets and quotes."""
_CODE = re.compile(r"(`[^`]*`)")
_MARKUP = re.compile(r"\*\*|`")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]")


@cache
def _parser():
    import budoux  # loaded with the first Japanese text, not with the app

    return budoux.load_default_japanese_parser()


def is_japanese(text: str) -> bool:
    """Whether `text` holds Japanese characters (kana, kanji or full-width forms)."""
    return _JAPANESE.search(text) is not None


def visible_width(text: str) -> int:
    """Cells `text` takes once Markdown's `**` and backticks are drawn as styles."""
    return cell_len(_MARKUP.sub("", text))


_NUMBER_END = re.compile(r"\d[\d.,]*\s*$")
_COUNTER_START = re.compile(r"\s*[\u3040-\u30ff\u3400-\u9fff]")


def _phrases(text: str) -> list[str]:
    """Phrases of `text` in order, joined they are `text`: code spans whole, the rest by BudouX,
    with a number kept with the counter or word after it (`5 つ`, `1 バイト`), which BudouX may
    part when a space is between them."""
    phrases: list[str] = []
    for part in _CODE.split(text):
        if not part:
            continue
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            phrases.append(part)
            continue
        for phrase in _parser().parse(part):
            if phrases and (_keeps_number(phrases[-1], phrase) or _inside_a_word(phrases[-1], phrase)):
                phrases[-1] += phrase
            else:
                phrases.append(phrase)
    return phrases


def _keeps_number(before: str, after: str) -> bool:
    return bool(_NUMBER_END.search(before) and _COUNTER_START.match(after))


def _inside_a_word(before: str, after: str) -> bool:
    """A boundary between two Latin characters (`x` | `(2)`) is not a place to break."""
    last, first = before[-1], after[0]
    return last.isascii() and first.isascii() and not last.isspace() and not first.isspace()


def _pieces(phrase: str, width: int, measure: Callable[[str], int]) -> list[str]:
    """A phrase too wide for a line, cut into pieces that fit (a code span stays whole)."""
    if measure(phrase) <= width or phrase.startswith("`"):
        return [phrase]
    words = re.findall(r"\S+\s*|\s+", phrase)  # Latin text inside a phrase breaks at its spaces
    if len(words) > 1:
        return [piece for word in words for piece in _pieces(word, width, measure)]
    pieces, current = [], ""
    for character in phrase:
        if current and measure(current + character) > width:
            pieces.append(current)
            current = ""
        current += character
    return [*pieces, current] if current else pieces


def line_spans(text: str, width: int, measure: Callable[[str], int] = visible_width) -> list[tuple[int, int]]:
    """[start, end) of each line of `text` wrapped to `width` cells; the spaces a break falls on
    are left out of both lines."""
    if width < 2 or not text:
        return [(0, len(text))]
    lines: list[list[int]] = []  # [start, end] character offsets
    offset = 0
    for phrase in _phrases(text):
        for piece in _pieces(phrase, width, measure):
            start, end = offset, offset + len(piece)
            offset = end
            if lines and measure(text[lines[-1][0] : end]) <= width:
                lines[-1][1] = end
                continue
            while start < end and text[start] == " ":  # a line does not start with a space
                start += 1
            if lines:
                while lines[-1][1] > lines[-1][0] and text[lines[-1][1] - 1] == " ":
                    lines[-1][1] -= 1
            lines.append([start, end])
    _apply_rules(text, lines)
    return [(start, end) for start, end in lines if end > start]


def _apply_rules(text: str, lines: list[list[int]]) -> None:
    """Kinsoku: closing punctuation hangs at the end of the line before; an opening bracket goes
    down to the next line."""
    for index in range(1, len(lines)):
        before, line = lines[index - 1], lines[index]
        while line[0] < line[1] and text[line[0]] in NO_LINE_START and before[1] == line[0]:
            before[1] += 1
            line[0] += 1
        while before[1] > before[0] + 1 and text[before[1] - 1] in NO_LINE_END and before[1] == line[0]:
            before[1] -= 1
            line[0] -= 1


def wrap_paragraph(text: str, width: int) -> list[str]:
    """The lines of one paragraph of Markdown (one logical line), wrapped to `width` cells."""
    return [text[start:end] for start, end in line_spans(text, width)]


def wrap_markdown(markdown: str, width: int) -> str:
    """`markdown` with its Japanese paragraphs and list items broken into lines of at most about
    `width` cells by hard line breaks; headings, code blocks, tables and other text stay as they are."""
    blocks = markdown.split("\n\n")
    wrapped = []
    for block in blocks:
        lines = block.split("\n")
        if not is_japanese(block) or any(line.startswith(("#", "```", "|", "    ", ">")) for line in lines):
            wrapped.append(block)
            continue
        out: list[str] = []
        for line in lines:
            marker = re.match(r"(\s*(?:[-*]|\d+\.)\s+)", line)
            prefix = marker.group(1) if marker else ""
            body = line[len(prefix) :]
            parts = wrap_paragraph(body, max(width - len(prefix), 8))
            indent = " " * len(prefix)
            out.append(prefix + ("\\\n" + indent).join(parts))
        wrapped.append("\n".join(out))
    return "\n\n".join(wrapped)


def wrap_text(text: Text, width: int) -> Text:
    """Styled text with its Japanese lines broken at phrases to `width` cells (styles kept)."""
    lines = []
    for line in text.split("\n", allow_blank=True):
        if not is_japanese(line.plain):
            lines.append(line)
            continue
        lines.extend(line[start:end] for start, end in line_spans(line.plain, width))
    return Text("\n").join(lines)
