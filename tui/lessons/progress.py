"""Remember how far the learner got in each lesson, in the user's state directory.

`progress.json` is written atomically (`engine.atomic_files`: a temporary, fsync, rename) under a
lock, merged with what another open app saved meanwhile, and the previous good file is kept as
`progress.json.bak`, read when the main file is damaged. Whatever is read is checked entry by entry:
a bad entry is dropped with a note in `Progress.problems`, never a crash.
"""

from __future__ import annotations

import json
from pathlib import Path

from platformdirs import user_state_dir

from engine import atomic_files

OUTCOMES = ("right", "wrong", "revealed")
"""How a lesson question can end: answered right or wrong, or the answer shown without one."""

MAX_BYTES = 1 << 20
"""A progress file larger than this is not ours (a few hundred bytes per lesson): it is not read."""


def default_state_dir() -> Path:
    return Path(user_state_dir("llm-tui", appauthor=False))


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _clean_entry(entry: object) -> dict | None:
    """The valid part of one lesson's entry, or None when nothing of it is usable."""
    if not isinstance(entry, dict):
        return None
    clean: dict = {}
    for key in ("step", "seen"):
        if _count(entry.get(key)) is not None:
            clean[key] = entry[key]
    quiz = entry.get("quiz")
    if isinstance(quiz, dict):
        answers = {k: v for k, v in quiz.items() if isinstance(k, str) and k.isdigit() and v in OUTCOMES}
        if answers:
            clean["quiz"] = answers
    return clean if clean or not entry else None


def validate(data: object) -> tuple[dict, list[str]]:
    """(the usable progress in `data`, a note per part dropped)."""
    if not isinstance(data, dict):
        return {}, [f"the progress file holds {type(data).__name__}, not a table of languages"]
    clean: dict = {}
    dropped: list[str] = []
    for language, lessons in data.items():
        if not isinstance(lessons, dict):
            dropped.append(f"language {language!r}: not a table of lessons")
            continue
        for lesson_id, entry in lessons.items():
            kept = _clean_entry(entry)
            if kept is None:
                dropped.append(f"{language}/{lesson_id}: not a progress entry")
            else:
                clean.setdefault(language, {})[lesson_id] = kept
    return clean, dropped


def _read(path: Path) -> dict | None:
    """The JSON in `path`; None when it is missing; ValueError when it is damaged or too large."""
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise ValueError(f"cannot read it ({error.strerror or error})") from None
    if len(raw) > MAX_BYTES:
        raise ValueError(f"it is over {MAX_BYTES // 1024} KiB")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise ValueError(f"it is not JSON ({error})") from None


def _merge(disk: dict, mine: dict, touched: set[tuple[str, str]]) -> dict:
    """`disk` with the lessons this app touched merged in: its last step, the furthest of both, and
    every question's first outcome."""
    merged = {language: {k: dict(v) for k, v in lessons.items()} for language, lessons in disk.items()}
    for language, lesson_id in touched:
        ours = mine.get(language, {}).get(lesson_id)
        if ours is None:
            continue
        theirs = merged.setdefault(language, {}).setdefault(lesson_id, {})
        if "step" in ours:
            theirs["step"] = ours["step"]
        theirs["seen"] = max(theirs.get("seen", 0), ours.get("seen", 0))
        answers = {**ours.get("quiz", {}), **theirs.get("quiz", {})}  # the first outcome stays
        if answers:
            theirs["quiz"] = answers
    return merged


class Progress:
    """Furthest step reached, last step shown and question outcomes, per language and lesson.

    A missing or damaged file means no progress yet (or the backup's): losing a bookmark must never
    stop the app. `problems` says, in words the app can show, what was damaged and dropped.

    Args:
        folder: where `progress.json` lives (default: the platform's user state directory).
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.path = (folder or default_state_dir()) / "progress.json"
        self.backup = self.path.with_name(self.path.name + ".bak")
        self.problems: list[str] = []
        self._touched: set[tuple[str, str]] = set()
        self._data, _ = self._load(self.problems)

    def _load(self, problems: list[str]) -> tuple[dict, bool]:
        """(the progress on disk, whether the main file itself was sound), the backup's when the
        main file is damaged."""
        try:
            data = _read(self.path)
            if data is None:
                return {}, True
            if not isinstance(data, dict):
                raise ValueError(f"it holds {type(data).__name__}, not a table of languages")
            clean, dropped = validate(data)
            problems.extend(f"{self.path.name}: {note}; dropped" for note in dropped)
            return clean, True
        except ValueError as error:
            problems.append(f"{self.path.name} is damaged: {error}")
        try:
            data = _read(self.backup)
        except ValueError as error:
            problems.append(f"{self.backup.name} is damaged too: {error}; progress starts afresh")
            return {}, False
        if data is None:
            problems.append("no backup to restore; progress starts afresh")
            return {}, False
        clean, dropped = validate(data)
        problems.append(f"progress restored from {self.backup.name}")
        if not isinstance(data, dict):
            problems[-1] = f"{self.backup.name} is damaged too; progress starts afresh"
        problems.extend(f"{self.backup.name}: {note}; dropped" for note in dropped)
        return clean, False

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
        seen = max(self.furthest(language, lesson_id), step + 1)
        entry = self._data.setdefault(language, {}).setdefault(lesson_id, {})
        entry["step"] = step
        entry["seen"] = seen
        self._touched.add((language, lesson_id))
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
        self._touched.add((language, lesson_id))
        self._save()

    def score(self, language: str, lesson_id: str) -> tuple[int, int]:
        """(right, answered) over the lesson's questions; a revealed or skipped one is not answered."""
        outcomes = [value for value in self._answers(language, lesson_id).values() if value in OUTCOMES]
        return outcomes.count("right"), outcomes.count("right") + outcomes.count("wrong")

    def _save(self) -> None:
        """Re-read the file under its lock, merge this app's lessons into it, and write it atomically,
        the previous sound file kept as the backup. A failed write (full disk, read-only home)
        leaves the old file as it was: progress is a convenience, never a reason to stop."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_files.locked(self.path):
                disk, main_ok = self._load([])
                merged = _merge(disk, self._data, self._touched)
                data = json.dumps(merged, indent=1).encode("utf-8")
                backup = self.backup if main_ok and self.path.exists() else None
                atomic_files.write_bytes(self.path, data, backup=backup, lock=False)
            self._data = merged
        except OSError as error:
            note = f"progress not saved: {error.strerror or error}"
            if note not in self.problems:
                self.problems.append(note)
