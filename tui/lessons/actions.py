"""`LessonActions`: the app's lesson keys (F9, n/p, esc, F8, the answers), mixed into `tui.app.LlmTuiApp`.

The keys are bound on the app (`tui.keys`); `tui.lessons.driver.LessonDriver` does the walking,
and `LlmTuiApp.check_action` enables these only while a lesson (or its question) is open.
"""

from __future__ import annotations

from tui import dialogs


class LessonActions:
    """Actions of the lesson keys; the host has `lesson_driver` and the `AppApi` methods."""

    def action_lessons(self) -> None:
        """Open the lesson list."""
        dialogs.pick_lesson(self, self.lesson_driver.lessons, self.lesson_driver.progress)

    def open_lesson(self, lesson_id: str, step: int | None = None) -> None:
        """Start lesson `lesson_id` at `step`, or where the learner left it."""
        self.lesson_driver.open(lesson_id, step)
        self.refresh_bindings()

    def action_lesson_step(self, delta: int) -> None:
        """Go `delta` steps forward or back in the open lesson."""
        self.lesson_driver.step(delta)

    def action_leave_lesson(self) -> None:
        """Close the lesson; the learner's own text, model and settings come back."""
        self.lesson_driver.leave()
        self.refresh_bindings()

    def action_toggle_lesson_panel(self) -> None:
        """Hide or show the lesson text."""
        self.pane("lesson").toggle_hidden()

    def action_quiz_answer(self, number: int) -> None:
        """Answer the lesson's open question with choice `number` (1-4)."""
        self.lesson_driver.answer(number)

    def action_quiz_reveal(self) -> None:
        """Show the computed answer without answering (not scored)."""
        self.lesson_driver.answer(None)
