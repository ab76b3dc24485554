"""Load and validate lesson files (no Textual import: the CLI lists lessons too).

A lesson is a TOML file with an `id`, a `title`, an `order` and `[[steps]]`. Each step has a
`title`, a Markdown `body` and a `[steps.state]` table: the app state the step sets. The numbers
a step talks about are never written in the file; the panes compute them from that state. A step
may also ask a question first (`[steps.quiz]`): the file lists the choices, and the right one is
computed from the pipeline result when the learner answers. A lesson about a trained model says
so with `needs_model = true` (an open model: Llama, Qwen, Mistral) or `needs_model = "any"` (any
trained model: GPT-2, the tiny one, an open one); the driver then explains which model to load
while none is.
"""

from __future__ import annotations

import dataclasses
import locale
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.tokenize.registry import ENCODINGS
from tui.lessons.state import LessonError, StepState

LESSONS_DIR = Path(__file__).parent
LANGUAGES = ("en", "ja")
# What a question may ask ("kind"), and the step state each kind reads its inputs from. Every
# answer is computed from the pipeline result (tui/lessons/quiz.py), never written in the file.
QUIZ_KINDS: dict[str, tuple[str, ...]] = {
    "token_count": (),  # tokens of the text, under the step's encoding or the quiz's `encoding`
    "most_attended": ("select", "head"),  # the key the query `select` weighs most in head `head`
    "visible_keys": ("select",),  # keys the query `select` may attend to (the mask hides the rest)
    "head_dim": (),  # numbers per head: dim ÷ heads
    "n_windows": ("max_length", "stride"),  # input/target pairs the sliding window cuts
    "table_rows": (),  # rows of the token embedding table
    "differing_inputs": (),  # numbers in which the input vectors of tokens `rows` differ
    "n_predictions": (),  # next-token distributions the model computes for the text
    "first_token": (),  # which token the model receives first (a BOS the tokenizer adds, or the text's)
    "lens_layers": (),  # rows of the logit lens: the stream after the embeddings and after each block
}
LIVE_CHOICES = ("most_attended", "first_token", "lens_layers")
"""Kinds whose choices come from the live result (tokens of the text, the model's depth), not from
the file."""
QUIZ_KEYS = ("question", "kind", "choices", "encoding", "rows")
MAX_CHOICES = 4  # answered with keys 1-4 or a-d


@dataclass(frozen=True)
class Quiz:
    """A question a step asks before the learner reads on ("predict, then reveal").

    Attributes:
        question: what is asked (Markdown).
        kind: what is computed from the result to answer it (a key of `QUIZ_KINDS`).
        choices: candidate numbers; empty for the kinds of `LIVE_CHOICES`, whose choices come
            from the live result (the query's strongest keys, the text's first tokens, counts of
            the loaded model's layers).
        encoding: for "token_count", count with this encoding instead of the one on screen.
        rows: for "differing_inputs", the two token positions compared.
    """

    question: str
    kind: str
    choices: tuple[int, ...] = ()
    encoding: str | None = None
    rows: tuple[int, int] = (0, 0)


@dataclass(frozen=True)
class Step:
    """One screen of a lesson: what it says, the app state it sets, and maybe a question."""

    title: str
    body: str
    state: StepState = field(default_factory=StepState)
    quiz: Quiz | None = None


@dataclass(frozen=True)
class Lesson:
    """An ordered list of steps about one idea."""

    id: str
    title: str
    order: int
    steps: tuple[Step, ...]
    path: Path
    needs_model: bool | str = False
    """True when the lesson is about a trained open model (`needs_model = true` in the file), "any"
    when any trained model will do: with random weights (or, for True, a GPT-2 or tiny model) the
    lesson says which model to load instead of showing noise as if it were one."""
    random_weights: bool = False
    """True (`weights = "random"` in the file) when the lesson is about the mechanics and runs on
    seeded random weights whatever model the learner has open: a model would fix the tokenizer,
    the mask and √d that its steps switch. The learner's model comes back when the lessons are left."""

    def state_at(self, index: int) -> StepState:
        """The state the lesson is in at step `index` when walked from its start: each step's state
        over the earlier ones' (a highlighted attention cell, `key`, belongs to its own step only).
        Resuming or going back applies this, so the text and switches match what the step says."""
        state = StepState()
        for step in self.steps[:index]:
            state = step.state.over(state)
        state = dataclasses.replace(state, key=None)
        return self.steps[index].state.over(state)


def default_language(environ: dict[str, str] | None = None) -> str:
    """ "ja" when the locale says Japanese, else "en"."""
    environ = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    language = (locale.getlocale()[0] or "") if environ is os.environ else ""
    return "ja" if language.lower().startswith("ja") else "en"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_quiz(quiz: Any, state: StepState, where: str) -> Quiz:
    """Validate a step's [steps.quiz] table against the step's own state."""
    where = f"{where}, quiz"
    if not isinstance(quiz, dict):
        raise LessonError(f"{where}: must be a table")
    unknown = set(quiz) - set(QUIZ_KEYS)
    if unknown:
        raise LessonError(
            f"{where}: unknown key(s): {', '.join(sorted(unknown))} (known: {', '.join(QUIZ_KEYS)})"
        )
    if not isinstance(quiz.get("question"), str) or not quiz["question"].strip():
        raise LessonError(f"{where}: needs a 'question' (string)")
    kind = quiz.get("kind")
    if kind not in QUIZ_KINDS:
        raise LessonError(f"{where}: kind {kind!r} is not one of {', '.join(QUIZ_KINDS)}")
    # The answer is computed from what the step puts on screen, so the step must set it, and
    # focus a pane: the answer keys would otherwise type into the text box.
    for key in ("pane", *QUIZ_KINDS[kind]):
        if not state.has(key):
            raise LessonError(f"{where}: a {kind!r} question needs the step's state to set {key!r}")
    choices = quiz.get("choices")
    if kind in LIVE_CHOICES:
        if choices is not None:
            raise LessonError(
                f"{where}: a {kind!r} question takes no choices (the live result's are offered)"
            )
        choices = []
    elif (
        not isinstance(choices, list)
        or not 2 <= len(choices) <= MAX_CHOICES
        or not all(_is_int(choice) and choice >= 0 for choice in choices)
        or len(set(choices)) != len(choices)
    ):
        raise LessonError(f"{where}: 'choices' must be 2 to {MAX_CHOICES} different non-negative integers")
    encoding = quiz.get("encoding")
    if encoding is not None and (kind != "token_count" or encoding not in ENCODINGS):
        raise LessonError(
            f"{where}: 'encoding' is for 'token_count' questions, one of {', '.join(ENCODINGS)}"
        )
    rows = quiz.get("rows")
    if (kind == "differing_inputs") != (rows is not None):
        raise LessonError(
            f"{where}: 'rows' (two token positions) goes with 'differing_inputs' questions only"
        )
    if rows is not None and (
        not isinstance(rows, list) or len(rows) != 2 or not all(_is_int(row) and row >= 0 for row in rows)
    ):
        raise LessonError(f"{where}: 'rows' must be two non-negative integers")
    return Quiz(quiz["question"].strip(), kind, tuple(choices), encoding, tuple(rows) if rows else (0, 0))


def load_lesson(path: Path) -> Lesson:
    """Read and validate one lesson file; errors name the file and the step."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise LessonError(f"{path}: cannot read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise LessonError(f"{path}: not valid TOML: {error}") from None
    unknown = set(data) - {"id", "title", "order", "steps", "needs_model", "weights"}
    if unknown:
        raise LessonError(f"{path}: unknown top-level key(s): {', '.join(sorted(unknown))}")
    needs_model = data.get("needs_model", False)
    if not (isinstance(needs_model, bool) or needs_model == "any"):  # 1 == True: check the type
        raise LessonError(f"{path}: 'needs_model' must be true or false, or \"any\" (any trained model)")
    if data.get("weights", "random") != "random" or ("weights" in data and needs_model):
        raise LessonError(f"{path}: 'weights' can only be \"random\", in a lesson that needs no model")
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
        unknown = set(raw) - {"title", "body", "state", "quiz"}
        if unknown:
            raise LessonError(f"{where}: unknown key(s): {', '.join(sorted(unknown))}")
        if not isinstance(raw.get("title"), str) or not isinstance(raw.get("body"), str):
            raise LessonError(f"{where}: needs a 'title' and a 'body' (strings)")
        state = StepState.from_table(raw.get("state", {}), where)
        quiz = _check_quiz(raw["quiz"], state, where) if "quiz" in raw else None
        steps.append(Step(raw["title"], raw["body"].strip(), state, quiz))
    return Lesson(
        data["id"],
        data["title"],
        data["order"],
        tuple(steps),
        path,
        data.get("needs_model", False),
        data.get("weights") == "random",
    )


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
