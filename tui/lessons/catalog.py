"""Load and validate lesson files (no Textual import: the CLI lists lessons too).

A lesson is a TOML file with an `id`, a `title`, an `order` and `[[steps]]`. Each step has a
`title`, a Markdown `body` and a `[steps.state]` table: the app state the step sets. The numbers
a step talks about are never written in the file; the panes compute them from that state.
"""

from __future__ import annotations

import locale
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import UserError
from engine.tokenizers import ENCODINGS

LESSONS_DIR = Path(__file__).parent
LANGUAGES = ("en", "ja")
PANES = ("spans", "tokens", "windows", "embeddings", "attention", "positions", "next")

# Every key a step's state may set, with the type its value must have.
STATE_KEYS: dict[str, type | tuple[type, ...]] = {
    "text": str,
    "encoding": str,
    "pane": str,
    "select": int,
    "key": int,
    "head": int,
    "causal": bool,
    "scaled": bool,
    "one_hot": bool,
    "positions": str,
    "position_plot": str,
    "dim": int,
    "heads": int,
    "allow_special": bool,
    "max_length": int,
    "stride": int,
    "batch_size": int,
}


class LessonError(UserError):
    """A lesson file is missing, malformed or sets a state the app does not have."""


@dataclass(frozen=True)
class Step:
    """One screen of a lesson: what it says and the app state it sets."""

    title: str
    body: str
    state: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Lesson:
    """An ordered list of steps about one idea."""

    id: str
    title: str
    order: int
    steps: tuple[Step, ...]
    path: Path


def default_language(environ: dict[str, str] | None = None) -> str:
    """ "ja" when the locale says Japanese, else "en"."""
    environ = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    language = (locale.getlocale()[0] or "") if environ is os.environ else ""
    return "ja" if language.lower().startswith("ja") else "en"


def _check_state(state: Any, where: str) -> dict[str, Any]:
    if not isinstance(state, dict):
        raise LessonError(f"{where}: 'state' must be a table")
    for key, value in state.items():
        if key not in STATE_KEYS:
            raise LessonError(f"{where}: unknown state key {key!r} (known: {', '.join(STATE_KEYS)})")
        expected = STATE_KEYS[key]
        # bool is an int in Python; an integer key must not accept true/false.
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise LessonError(f"{where}: state key {key!r} must be {expected.__name__}, not {value!r}")
    checks = {
        "pane": PANES,
        "encoding": ENCODINGS,
        "positions": ("learned", "sinusoidal"),
        "position_plot": ("learned", "sinusoidal"),
    }
    for key, allowed in checks.items():
        if key in state and state[key] not in allowed:
            raise LessonError(f"{where}: {key} {state[key]!r} is not one of {', '.join(allowed)}")
    for key in ("select", "key", "head"):
        if key in state and state[key] < 0:
            raise LessonError(f"{where}: {key} must not be negative")
    for key in ("dim", "heads", "max_length", "stride", "batch_size"):
        if key in state and state[key] < 1:
            raise LessonError(f"{where}: {key} must be at least 1")
    return dict(state)


def load_lesson(path: Path) -> Lesson:
    """Read and validate one lesson file; errors name the file and the step."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise LessonError(f"{path}: cannot read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise LessonError(f"{path}: not valid TOML: {error}") from None
    unknown = set(data) - {"id", "title", "order", "steps"}
    if unknown:
        raise LessonError(f"{path}: unknown top-level key(s): {', '.join(sorted(unknown))}")
    for key, kind in (("id", str), ("title", str), ("order", int)):
        if not isinstance(data.get(key), kind):
            raise LessonError(f"{path}: needs {key!r} ({kind.__name__})")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise LessonError(f"{path}: needs at least one [[steps]]")
    steps = []
    for number, raw in enumerate(raw_steps, start=1):
        where = f"{path}, step {number}"
        if not isinstance(raw, dict):
            raise LessonError(f"{where}: must be a table")
        unknown = set(raw) - {"title", "body", "state"}
        if unknown:
            raise LessonError(f"{where}: unknown key(s): {', '.join(sorted(unknown))}")
        if not isinstance(raw.get("title"), str) or not isinstance(raw.get("body"), str):
            raise LessonError(f"{where}: needs a 'title' and a 'body' (strings)")
        steps.append(Step(raw["title"], raw["body"].strip(), _check_state(raw.get("state", {}), where)))
    return Lesson(data["id"], data["title"], data["order"], tuple(steps), path)


def load_lessons(language: str, folder: Path = LESSONS_DIR) -> list[Lesson]:
    """Every lesson of `language`, in order; the first mistake found is a LessonError."""
    if language not in LANGUAGES:
        raise LessonError(f"unknown language {language!r} (choose from {', '.join(LANGUAGES)})")
    lessons = [load_lesson(path) for path in sorted((folder / language).glob("*.toml"))]
    seen: dict[str, Path] = {}
    for lesson in lessons:
        if lesson.id in seen:
            raise LessonError(f"{lesson.path}: lesson id {lesson.id!r} is also used by {seen[lesson.id]}")
        seen[lesson.id] = lesson.path
    return sorted(lessons, key=lambda lesson: (lesson.order, lesson.id))


def find_lesson(lessons: list[Lesson], lesson_id: str) -> Lesson:
    for lesson in lessons:
        if lesson.id == lesson_id:
            return lesson
    raise LessonError(
        f"no lesson {lesson_id!r} (see `llm-tui lessons`: {', '.join(known.id for known in lessons)})"
    )
