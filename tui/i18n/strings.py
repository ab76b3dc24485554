"""`UiStrings`: the app's messages in the learner's language, from one catalogue per language.

The English text is the key (as gettext's msgid): code says `say("causal mask on")`, and a
language's TOML files (`tui/i18n/ja/*.toml`, one per part of the app, read as one catalogue) map
that text to its own. Fields are written
`{name}` in both and filled after the lookup, so a translation may put them in its own order.
English needs no file. `tests/tui/test_ui_strings.py` reads every `say`, `say_n`, `marked` and
key description in the source and fails when the Japanese file lacks one, keeps one nothing uses, or
names other fields.

Plural forms follow ngettext: `say_n(one, other, count)` picks the English form by the count and
looks that form up; Japanese has one form, so both map to the same text.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from engine.note import Note  # a str subclass, no torch

LANGUAGES = ("en", "ja")


def marked(text: str) -> str:
    """`text` as it is: marks a text kept in a table and said later (`say(TABLE[key])`), so the
    catalogue test finds it (gettext's `N_`)."""
    return text


_FOLDER = Path(__file__).parent


def catalogue_files(language: str) -> list[Path]:
    """The TOML files of `language`'s catalogue, in name order."""
    return sorted((_FOLDER / language).glob("*.toml"))


def read_catalogue(language: str) -> dict[str, str]:
    """Every translation of `language`, from all its files. A text translated in two files is an
    error: which of the two the app showed would depend on the files' order."""
    table: dict[str, str] = {}
    for path in catalogue_files(language):
        with path.open("rb") as file:
            for key, value in tomllib.load(file).items():
                if key in table:
                    raise ValueError(f"{path.name}: {key!r} is translated in another file too")
                table[str(key)] = str(value)
    return table


@cache
def load_catalogue(language: str) -> Mapping[str, str]:
    """The translations for `language` ({} for English, whose text is the key); read once, and
    read-only, so that the lesson code can make a `UiStrings` wherever it knows the language."""
    if language == "en":
        return MappingProxyType({})
    return MappingProxyType(read_catalogue(language))


def strings_of(app: object) -> UiStrings:
    """`app.strings` (the learner's language, as `LlmTuiApp` has it), or English for an app without
    one: the views are widgets other apps can host (a test's own host app)."""
    strings = getattr(app, "strings", None)
    return strings if isinstance(strings, UiStrings) else UiStrings("en")


class UiStrings:
    """The app's words in `language` ("en" or "ja").

    Args:
        language: the learner's language; an unknown one falls back to English.
        table: translations to use instead of the language's file.
    """

    def __init__(self, language: str, table: Mapping[str, str] | None = None) -> None:
        self.language = language if language in LANGUAGES else "en"
        self._table = load_catalogue(self.language) if table is None else table

    def say(self, template: str, **fields: Any) -> str:
        """`template` (English, with `{field}`s) in this language, its fields filled in. A text
        the catalogue lacks is shown in English rather than not at all (the test catches it)."""
        text = self._table.get(template, template)
        return text.format(**fields) if fields else text

    def say_n(self, one: str, other: str, count: int, **fields: Any) -> str:
        """The form of `one` / `other` for `count` (given to the text as `{count}`, with thousands
        separated), in this language."""
        return self.say(one if count == 1 else other, count=f"{count:,}", **fields)

    def say_note(self, text: str) -> str:
        """One of the engine's notes (`engine.note.Note`: its template and fields, which may be notes
        too) in this language; any other text as it is (a model's name, a path)."""
        if isinstance(text, Note):
            fields = {name: self.say_note(value) for name, value in text.fields.items()}  # notes in notes
            return self.say(text.template, **fields)
        return text

    def broken_for(self, message: str, width: int) -> str:
        """`message` with hard line breaks at phrases for a box `width` cells wide, when it is
        Japanese (Textual breaks text without spaces anywhere, even before `。`); as it is else."""
        from tui.lessons.ja_wrap import is_japanese, wrap_paragraph  # BudouX loads on first use

        if self.language != "ja" or not is_japanese(message):
            return message
        return "\n".join("\n".join(wrap_paragraph(line, width)) for line in message.split("\n"))
