"""What the tests of the engine's errors in Japanese share: the Japanese of a note taken from the
catalogue (independently of `UiStrings.say_note`), and the check that no English prose is left."""

from __future__ import annotations

import re

from engine.errors import UserError
from engine.note import Note
from tui.i18n.strings import UiStrings

JA = UiStrings("ja")
KEPT = {
    # Names said as they are in both languages: products, libraries, file formats, encodings.
    *("GPT", "Hugging", "Face", "Hub", "llm", "tui", "PyTorch", "pickle", "transformers"),
    *("UTF", "Latin", "ISO", "json", "toml", "safetensors", "sha256"),
}


def said(text: str) -> str:
    """The Japanese of one of the engine's notes (its fields' notes too), from the catalogue."""
    fields = {name: said(value) if isinstance(value, Note) else value for name, value in text.fields.items()}
    return JA.say(text.template, **fields)


def assert_no_english_prose(shown: str, error: UserError, code: str = "") -> None:
    """No word of the message's English template or its hints' purposes (fields, quoted values,
    flags, file and config names, and `code` set aside) is left in what the app shows."""
    for value in [*error.message.fields.values(), code]:
        shown = shown.replace(value, " ") if value else shown
    templates = [error.message.template, *(hint.purpose.template for hint in error.hints if hint.purpose)]
    left = set()
    for template in templates:
        prose = re.sub(
            r"\{\w+\}|'[^']*'|[\w-]*--[\w-]+|[\w-]*\.\w+|\w+_\w+",
            " ",
            template.replace(code, " ") if code else template,
        )
        left |= {
            w for w in re.findall(r"[A-Za-z]{3,}", prose) if w not in KEPT and re.search(rf"\b{w}\b", shown)
        }
    assert not left, (left, shown)
