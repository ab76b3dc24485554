"""Line breaks for Japanese, at phrase boundaries, with the usual rules (kinsoku).

Textual wraps text at spaces, and Japanese has few: a paragraph then breaks at whatever character
reaches the edge, so lines start with `。` or `、` and numbers part from their counters (`5` /
`つ`). Here the text is cut into phrases by BudouX (Google's phrase segmenter, a small model that
ships with its package), and lines are filled phrase by phrase to the width, never past it: a
phrase is cut only when it is wider than a whole line (then after a particle, or at a space between
Latin words, where it can). The rules hold at every break: no line starts with closing punctuation,
the long-vowel mark or a small kana, no line ends with an opening bracket, a number keeps its
counter, and a demonstrative (`その`) keeps the word after it. Markdown's `**`, `*` and code spans
are read as what they draw: BudouX sees the text without them (a code span as one word). An inline
code span is never cut (a command stays whole, to read and to copy): one wider than a line stands
on a line of its own, the one kind of line Textual may wrap again (at its spaces).

`wrap_markdown` returns Markdown with hard line breaks (a backslash at the end of a line) for the
lesson panel, so that Textual draws exactly these lines; a break inside `**…**` or `*…*` closes it
at the end of the line and opens it again on the next. `line_spans` gives the same breaks as
character offsets, for text with styles. No Textual here (the panel calls it): rich's cell widths
only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from itertools import pairwise

from rich.cells import cell_len
from rich.text import Text

NO_LINE_START = (
    "。、，．！？!?：；:;・ー…‥」』）)］]｝}〉》】〕”’々ゝゞヽヾぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ"
)
"""Characters no line may start with: closing punctuation, the long-vowel mark, small kana."""
NO_LINE_END = "「『（(［[｛{〈《【〔“‘"
"""Characters no line may end with: opening brackets and quotes."""
_CODE = re.compile(r"`[^`]*`")
_MARKUP = re.compile(r"\*\*|`")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]")
_HIRAGANA = re.compile(r"[\u3040-\u309f]")
_PARTICLES = "はがを"
"""Particles after which a phrase too wide for a line is cut, when it must be (`…のでは` / `なく`);
not `で` or `の`, which inside a phrase are as often part of a word (`ので`)."""
_DEMONSTRATIVE_END = re.compile(r"(?:^|[^\u3040-\u30ff\u3400-\u9fff])[こそあど]の$")
"""A phrase ending in a demonstrative, which belongs with the next one (`その` / `ため`)."""
_NUMBER_END = re.compile(r"\d[\d.,]*\s*$")
_COUNTER_START = re.compile(r"\s*[\u3040-\u30ff\u3400-\u9fff]")
_BLOCK_START = re.compile(r"#{1,6}(\s|$)|[-+*](\s|$)|>|=+\s*$|-+\s*$|`{3}|~{3}|\d{1,9}[.)](\s|$)")
"""A line of a paragraph that Markdown would read as the start of another block."""
_LIST_MARKER = re.compile(r"\s*(?:[-*+]|\d{1,9}[.)])\s+")
_HEADING = re.compile(r"(#{1,6})[ \t]+(.+?)[ \t]*")

CHARACTER, SUB_PHRASE, WORD, PHRASE = range(4)
"""Kinds of break, from the worst to the best: any character; inside a phrase after a particle or
a `て`, between kanji and katakana, or after `-`, `/` or `_` in a Latin word; at a space between
Latin words; between phrases."""


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


def _markup(text: str) -> tuple[list[tuple[int, int]], dict[int, str], dict[int, str]]:
    """The code spans of `text` ([start, end)), and the `**` and `*` outside them that open and that
    close emphasis, by offset (an unpaired last one of a kind is text)."""
    codes = [match.span() for match in _CODE.finditer(text)]
    found: dict[str, list[int]] = {"**": [], "*": []}
    for match in re.finditer(r"\*\*|\*", text):
        if not any(start <= match.start() < end for start, end in codes):
            found[match.group()].append(match.start())
    opening, closing = {}, {}
    for marker, offsets in found.items():
        pairs = offsets[: len(offsets) // 2 * 2]
        opening.update(dict.fromkeys(pairs[0::2], marker))
        closing.update(dict.fromkeys(pairs[1::2], marker))
    return codes, opening, closing


def _breaks(text: str) -> dict[int, int]:
    """The offsets a line of `text` may end at (the next starts there, past any spaces), each with
    its kind (`PHRASE` the best); offsets the rules forbid are left out."""
    codes, opening, closing = _markup(text)
    code_at = dict(codes)
    markers = {at + step for at, marker in (opening | closing).items() for step in range(len(marker))}
    plain, ends = [], []  # what BudouX reads, and the offset in `text` after each of its characters
    offset = 0
    while offset < len(text):
        if offset in code_at:
            plain.append("A")  # a code span reads as one Latin word
            offset = code_at[offset]
        elif offset in markers:
            offset += 1
            continue
        else:
            plain.append(text[offset])
            offset += 1
        ends.append(offset)
    plain_text = "".join(plain)
    phrase_at, start = {}, 0  # the kind of each boundary between BudouX's phrases
    parsed = _parser().parse(plain_text) if plain_text else []
    for before, after in pairwise(parsed):
        start += len(before)
        phrase_at[start] = _phrase_break(before, after)
    kinds: dict[int, int] = {}
    for index in range(1, len(plain)):
        if plain[index] == " ":
            continue  # a line ends before the spaces and the next starts after them
        first = index
        while first > 0 and plain[first - 1] == " ":
            first -= 1
        last, next_ = plain[first - 1], plain[index]
        if first == 0 or last in NO_LINE_END or next_ in NO_LINE_START:
            continue
        kind = max(phrase_at.get(position, -1) for position in range(first, index + 1))
        if phrase_at.get(first) == -1 or phrase_at.get(index) == -1:
            continue  # a number and its counter
        if kind < 0:
            kind = _inner_break(last, next_, spaced=first < index)
        if kind is None:
            continue
        if kind == CHARACTER and _joins(plain[first - 2] if first > 1 else "", last, next_):
            kind = SUB_PHRASE
        position = ends[index - 1]
        while position in closing:  # a closing `**` or `*` stays on the line it closes
            position += len(closing[position])
        kinds[position] = kind
    return kinds


def _phrase_break(before: str, after: str) -> int:
    """The kind of a break BudouX puts between phrases `before` and `after` (-1: none at all)."""
    if _NUMBER_END.search(before) and _COUNTER_START.match(after):
        return -1  # `5 つ`, `1 バイト`: BudouX may part them when a space is between
    last, first = before[-1], after[0]
    if last.isascii() and first.isascii() and not last.isspace() and not first.isspace():
        return CHARACTER  # `x` | `(2)`: inside a Latin word
    if _DEMONSTRATIVE_END.search(before.rstrip()):
        return SUB_PHRASE
    return PHRASE


def _inner_break(last: str, next_: str, spaced: bool) -> int | None:
    """The kind of a break inside a phrase, between characters `last` and `next_` (None: none)."""
    if last.isdigit() and is_japanese(next_):
        return None  # a number keeps its counter
    if spaced:
        return CHARACTER if _HIRAGANA.match(next_) else WORD  # a particle keeps its word
    if last in _PARTICLES + "：" and is_japanese(next_):
        return SUB_PHRASE
    if last in "てで" and is_japanese(next_) and next_ not in "はもすしきあいお":  # `読み込んで` | `ください`
        return SUB_PHRASE
    if {_script(last), _script(next_)} == {"kanji", "katakana"}:  # `学習用` | `テキスト`
        return SUB_PHRASE
    return CHARACTER


def _joins(previous: str, last: str, next_: str) -> bool:
    """Whether `-`, `/` or `_` joins two parts of a Latin word here (`meta-` | `llama`)."""
    return last in "-/_" and previous.isalnum() and next_.isalnum()


def _script(character: str) -> str:
    if "\u30a0" <= character <= "\u30ff":
        return "katakana"
    return "kanji" if "\u3400" <= character <= "\u9fff" else ""


def phrases(text: str) -> list[str]:
    """`text` cut where a line may break between phrases; joined they are `text`."""
    cuts = [0, *sorted(offset for offset, kind in _breaks(text).items() if kind == PHRASE), len(text)]
    return [text[start:end] for start, end in pairwise(cuts) if end > start]


def line_spans(text: str, width: int, measure: Callable[[str], int] = visible_width) -> list[tuple[int, int]]:
    """[start, end) of each line of `text` wrapped to `width` cells; the spaces a break falls on
    are left out of both lines."""
    if width < 2 or not text:
        return [(0, len(text))]
    kinds = _breaks(text)
    offsets = sorted(kinds)
    lines = []
    start = _past_spaces(text, 0)
    while start < len(text):
        end = len(text)
        if measure(text[start:end].rstrip(" ")) > width:
            end = _line_end(text, start, width, offsets, kinds, measure)
        trimmed = end
        while trimmed > start and text[trimmed - 1] == " ":
            trimmed -= 1
        lines.append((start, trimmed))
        start = _past_spaces(text, end)
    return lines or [(0, len(text))]


def _past_spaces(text: str, offset: int) -> int:
    while offset < len(text) and text[offset] == " ":
        offset += 1
    return offset


def _line_end(
    text: str,
    start: int,
    width: int,
    offsets: list[int],
    kinds: dict[int, int],
    measure: Callable[[str], int],
) -> int:
    """Where the line from `start` ends: at the last phrase that fits, or, when the phrase after it
    is wider than a whole line, inside that phrase (at a space, after a particle, or at the edge)."""
    fitting = []
    for offset in offsets:
        if offset <= start:
            continue
        if measure(text[start:offset].rstrip(" ")) > width:
            break
        fitting.append(offset)
    if not fitting:  # nothing fits: a code span wider than the line, on a line with its phrase
        return next((offset for offset in offsets if offset > start and kinds[offset] == PHRASE), len(text))
    ends = [offset for offset in fitting if kinds[offset] == PHRASE]
    last = ends[-1] if ends else start
    following = next((offset for offset in offsets if offset > last and kinds[offset] == PHRASE), len(text))
    if ends and measure(text[last:following].strip(" ")) <= width:
        return last
    inside = [offset for offset in fitting if offset > last]
    good = [offset for offset in inside if kinds[offset] > CHARACTER]
    half = [offset for offset in good if 2 * measure(text[start:offset].rstrip(" ")) >= width]
    words = [offset for offset in good if kinds[offset] == WORD]
    if half or words or good:  # one that fills half the line, else a space, else any good one
        return (half or words or good)[-1]
    return inside[-1] if inside and not ends else last  # cut at any character only on a line of its own


def wrap_paragraph(text: str, width: int, markdown: bool = False) -> list[str]:
    """The lines of one paragraph (one logical line) wrapped to `width` cells; with `markdown`, a
    `**…**` or `*…*` a break falls inside is closed at the end of its line and opened again on the
    next."""
    spans = line_spans(text, width)
    if not markdown:
        return [text[start:end] for start, end in spans]
    _, opening, closing = _markup(text)

    def open_at(offset: int) -> list[str]:  # the emphasis open at `offset`, outermost first
        stack: list[str] = []
        for at in sorted(at for at in opening | closing if at < offset):
            if at in opening:
                stack.append(opening[at])
            elif closing[at] in stack:
                stack.remove(closing[at])
        return stack

    lines = []
    for start, end in spans:
        lines.append("".join(open_at(start)) + text[start:end] + "".join(reversed(open_at(end))))
    return lines


def _guarded(line: str) -> str:
    """A line inside a paragraph, escaped where Markdown would read it as a new block (`1. `, `- `)."""
    if not _BLOCK_START.match(line):
        return line
    digits = re.match(r"\d+", line)
    return f"{digits.group()}\\{line[digits.end() :]}" if digits else "\\" + line


def wrap_markdown(markdown: str, width: int) -> str:
    """`markdown` with its Japanese paragraphs, list items, block quotes and headings (levels 1 and
    2, as setext headings) broken into lines of at most `width` cells by hard line breaks; code
    blocks, tables and other text stay as they are."""
    return "\n\n".join(_wrap_block(block, width) for block in markdown.split("\n\n"))


def _wrap_block(block: str, width: int) -> str:
    lines = block.split("\n")
    if not is_japanese(block):
        return block
    if all(line.startswith(">") for line in lines if line):  # the quote's border and padding: 3 cells
        inner = "\n".join(line[1:].removeprefix(" ") for line in lines)
        return "\n".join(f"> {line}" if line else ">" for line in wrap_markdown(inner, width - 3).split("\n"))
    heading = _HEADING.fullmatch(block)
    if heading:
        level, title = len(heading.group(1)), heading.group(2)
        parts = wrap_paragraph(title, max(width, 8), markdown=True)
        if len(parts) == 1 or level > 2:  # an ATX heading has one line; setext ones may have more
            return block
        return "\\\n".join(map(_guarded, parts)) + "\n" + "=-"[level - 1] * 3
    if any(line.startswith(("#", "```", "~~~", "|", "    ", "\t")) for line in lines):
        return block
    items: list[list[str]] = []  # [marker, text] of each list item, or of the paragraph
    for line in lines:
        marker = _LIST_MARKER.match(line)
        if marker or not items:
            prefix = marker.group() if marker else ""
            items.append([prefix, line[len(prefix) :]])
        elif line.strip():  # a line of the item before (Markdown joins them with a space)
            items[-1][1] += " " + line.strip()
    out = []
    for prefix, body in items:
        parts = wrap_paragraph(body, max(width - cell_len(prefix), 8), markdown=True)
        indent = " " * len(prefix)
        out.append(prefix + ("\\\n" + indent).join([parts[0], *map(_guarded, parts[1:])]))
    return "\n".join(out)


def wrap_text(text: Text, width: int) -> Text:
    """Styled text with its Japanese lines broken at phrases to `width` cells (styles kept)."""
    lines = []
    for line in text.split("\n", allow_blank=True):
        if not is_japanese(line.plain):
            lines.append(line)
            continue
        lines.extend(line[start:end] for start, end in line_spans(line.plain, width))
    return Text("\n").join(lines)
