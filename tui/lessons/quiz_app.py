"""The app's side of lesson questions: opening one with its step, the answer keys, and showing
the computed answer in the lesson panel and in the pane that holds it.

Kept out of `tui/app.py`, which mixes `QuizActions` in; the answers themselves are computed in
`tui/lessons/quiz.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Input, TextArea

if TYPE_CHECKING:
    from tui.lessons.catalog import Step
    from tui.lessons.quiz import QuizSession


class QuizActions:
    """Lesson questions for `LlmTuiApp` (a mixin: it uses the app's lesson, progress and panes).

    While a question is open, `1`-`4` (or `a`-`d`) answer it. Those keys are priority bindings,
    so a pane's own `a` or `b` does not swallow them, but they only exist outside text inputs:
    in the text box a digit is text.
    """

    quiz: QuizSession | None = None

    def quiz_keys_active(self) -> bool:
        """True while a question waits for an answer and a key press would not be typed text."""
        return (
            self.quiz is not None
            and self.quiz.is_open
            and len(self.screen_stack) == 1  # no dialog or command palette on top
            and not isinstance(self.focused, (Input, TextArea))
        )

    def action_quiz_answer(self, number: int) -> None:
        """Answer the lesson's open question with choice `number` (1-4)."""
        quiz = self.quiz
        if quiz is None or not quiz.is_open:
            return
        if quiz.offered is not None and not 1 <= number <= len(quiz.offered):
            self.notify(f"choose 1 to {len(quiz.offered)}", timeout=2)
            return
        quiz.answer(number - 1, self.result, self.language)
        self._quiz_changed()

    def action_quiz_reveal(self) -> None:
        """Show the computed answer without answering (not scored)."""
        if self.quiz is not None and self.quiz.is_open:
            self.quiz.answer(None, self.result, self.language)
            self._quiz_changed()

    def _open_quiz(self, step: Step) -> None:
        """The step on screen changed: ask its question, if it has one."""
        self.quiz = None
        if step.quiz is not None:
            from tui.lessons.quiz import QuizSession

            earlier = self.progress.outcome(self.language, self.lesson.id, self.step_index)
            self.quiz = QuizSession(step.quiz, step.state, earlier)
            self._quiz_changed()
        self.refresh_bindings()

    def _quiz_result(self) -> None:
        """A result of the step (or of the learner's edits) is on screen."""
        if self.quiz is not None and self.quiz.on_result(self.result, self.language):
            self._quiz_changed()

    def _quiz_changed(self) -> None:
        quiz = self.quiz
        assert quiz is not None and self.lesson is not None
        if quiz.outcome in ("right", "wrong", "revealed"):
            # Only the first outcome of a question is kept, so this is a no-op on a revisit.
            self.progress.record_outcome(self.language, self.lesson.id, self.step_index, quiz.outcome)
        if quiz.revealed is not None and not quiz.pointed:
            quiz.pointed = True
            self._point_at_answer()
        score = self.progress.score(self.language, self.lesson.id)
        self.pane("lesson").show_quiz(quiz, score, self.language)
        self.refresh_bindings()

    def _point_at_answer(self) -> None:
        """Put the pane's cursor on what the answer is about: the attention cell, or the token."""
        revealed = self.quiz.revealed
        if revealed.cell is not None:
            query, key = revealed.cell
            attention = self.pane("attention")
            self._select(query, source=attention)
            if self._is_shown(attention):
                attention.select_cell(query, key)
            else:  # the learner switched tabs: the cell is shown when the tab is
                self._pending_key = key
                self._stale.add(attention)
        elif revealed.token is not None:
            self._select(revealed.token, source=self)
