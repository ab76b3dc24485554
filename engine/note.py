"""`Note`: something the user should know about a run, in English, with what it was made from.

A note is a `str` (the English the command line prints and `--json` writes), made by `note(template,
**fields)`. It keeps its template and fields, so that the app can say it in the learner's language:
the template is the key of `tui/i18n` (`UiStrings.say_note`). The engine never imports the app;
the app's catalogue test reads every `note("...")` in the engine and asks for its Japanese.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType


class Note(str):
    """A note's English text; `template` and `fields` are what it was filled from."""

    template: str
    fields: Mapping[str, str]

    def __reduce__(self):  # a str subclass with attributes: rebuild it from its parts, not its text
        return (_rebuilt, (self.template, dict(self.fields)))


def _rebuilt(template: str, fields: dict[str, str]) -> Note:
    return note(template, **fields)


def note(template: str, **fields: object) -> Note:
    """The note `template` (English, with `{field}`s) with `fields` filled in. Fields are given as
    they are to be shown (a count with its thousands separated, a piece quoted); a field that is a
    note itself stays one ("text file", which the app says in its own words too)."""
    shown = {name: value if isinstance(value, Note) else str(value) for name, value in fields.items()}
    made = Note(template.format(**shown) if shown else template)
    made.template = template
    made.fields = MappingProxyType(shown)
    return made
