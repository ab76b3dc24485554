"""Remember how far the learner got in each lesson, in the user's state directory."""

from __future__ import annotations

import json
from pathlib import Path

from platformdirs import user_state_dir

OUTCOMES = ("right", "wrong", "revealed")
"""How a lesson question can end: answered right or wrong, or the answer shown without one."""


def default_state_dir() -> Path:
    return Path(user_state_dir("llm-tui", appauthor=False))


class Progress:
    """Furthest step reached, last step shown and question outcomes, per language and lesson.

    A missing or damaged file means no progress yet: losing a bookmark must never stop the app.

    Args:
        folder: where `progress.json` lives (default: the platform's user state directory).
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.path = (folder or default_state_dir()) / "progress.json"
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self._data: dict = data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            self._data = {}

    def _entry(self, language: str, lesson_id: str) -> dict:
        entry = self._data.get(language, {}).get(lesson_id, {})
        return entry if isinstance(entry, dict) else {}

    def last_step(self, language: str, lesson_id: str) -> int:
        value = self._entry(language, lesson_id).get("step", 0)
        return value if isinstance(value, int) and value >= 0 else 0

    def furthest(self, language: str, lesson_id: str) -> int:
        """How many steps have been seen (0 = not started)."""
        value = self._entry(language, lesson_id).get("seen", 0)
        return value if isinstance(value, int) and value >= 0 else 0

    def record(self, language: str, lesson_id: str, step: int) -> None:
        """Note that step `step` (0-based) is shown, and save."""
        entry = self._data.setdefault(language, {}).setdefault(lesson_id, {})
        entry["step"] = step
        entry["seen"] = max(self.furthest(language, lesson_id), step + 1)
        self._save()

    def _answers(self, language: str, lesson_id: str) -> dict:
        answers = self._entry(language, lesson_id).get("quiz", {})
        return answers if isinstance(answers, dict) else {}

    def outcome(self, language: str, lesson_id: str, step: int) -> str | None:
        """How the question of step `step` went: "right", "wrong", "revealed", or None (not yet)."""
        value = self._answers(language, lesson_id).get(str(step))
        return value if value in OUTCOMES else None

    def record_outcome(self, language: str, lesson_id: str, step: int, outcome: str) -> None:
        """Keep the first outcome of step `step`'s question (a score cannot be improved by
        answering again after the reveal), and save."""
        if outcome not in OUTCOMES or self.outcome(language, lesson_id, step) is not None:
            return
        entry = self._data.setdefault(language, {}).setdefault(lesson_id, {})
        if not isinstance(entry.get("quiz"), dict):
            entry["quiz"] = {}
        entry["quiz"][str(step)] = outcome
        self._save()

    def score(self, language: str, lesson_id: str) -> tuple[int, int]:
        """(right, answered) over the lesson's questions; a revealed or skipped one is not answered."""
        outcomes = [value for value in self._answers(language, lesson_id).values() if value in OUTCOMES]
        return outcomes.count("right"), outcomes.count("right") + outcomes.count("wrong")

    def _save(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(self._data, indent=1), encoding="utf-8")
        except OSError:
            pass  # a read-only home must not break the lesson; progress is a convenience
