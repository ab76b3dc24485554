"""Remember how far the learner got in each lesson, in the user's state directory."""

from __future__ import annotations

import json
from pathlib import Path

from platformdirs import user_state_dir


def default_state_dir() -> Path:
    return Path(user_state_dir("llm-tui", appauthor=False))


class Progress:
    """Furthest step reached and last step shown, per language and lesson.

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
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(self._data, indent=1), encoding="utf-8")
        except OSError:
            pass  # a read-only home must not break the lesson; progress is a convenience
