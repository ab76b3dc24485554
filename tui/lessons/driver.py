"""`LessonDriver`: walks the open lesson, applying each step's `StepState` through public methods of
the app and its panes, and runs the step's question ("predict, then reveal").

The app owns one driver and forwards its lesson keys to it; the driver reads and changes the app
only through what the app offers every caller (`pane`, `replace_text`, `select_token`,
`update_settings`, `show_pane`, `notify`), never its private fields.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from textual.widgets import Input, TextArea

from tui.i18n.strings import marked
from tui.lessons.catalog import Lesson, find_lesson

if TYPE_CHECKING:
    from engine.pipeline.results import PipelineResult
    from engine.settings import Settings
    from tui.app_api import AppApi
    from tui.lessons.progress import Progress
    from tui.lessons.quiz import QuizSession


@dataclass(frozen=True)
class LearnerState:
    """What the learner had before the first lesson opened: given back when lessons are left."""

    text: str
    settings: Settings
    selected: int
    text_before_example: str | None


# What the driver says, as `UiStrings` texts.
LEFT = marked("left the lesson: your text, model and settings are back (ctrl+z in the text box undoes)")
NEXT = marked("end of the lesson: n opens the next one, {title}; esc leaves")
RESUMED = marked("back where you left this lesson: step {step} of {total} (p goes back)")
RANDOM_FOR_NOW = marked(
    "this lesson runs on random weights; your model comes back when you leave the lessons (esc)"
)
LAST = marked("that was the last lesson: L for the list, esc to leave")


class LessonDriver:
    """The open lesson, its step, and its question, for one app.

    Args:
        app: the app whose text, settings and panes the steps set.
        progress: where the step reached and the answers given are kept.
    """

    def __init__(self, app: AppApi, progress: Progress) -> None:
        self.app = app
        self.progress = progress
        self.lessons: list[Lesson] = []
        self.lesson: Lesson | None = None
        self.step_index = 0
        self.quiz: QuizSession | None = None
        self._reported = 0  # progress problems already told to the user
        self.waiting: str | None = None  # why the lesson's steps cannot be applied now (see model_missing)
        self.before: LearnerState | None = None  # the learner's own state, while lessons are open
        self._at_end = False  # n was pressed on the last step once: the next n opens the next lesson

    @property
    def language(self) -> str:
        return self.app.language

    # Walking

    def open(self, lesson_id: str, step: int | None = None) -> None:
        """Start lesson `lesson_id` at `step`, or where the learner left it. Entering the lessons
        from outside remembers the learner's text, model and settings, which `leave` gives back."""
        lesson = find_lesson(self.lessons, lesson_id)
        if self.lesson is None and self.before is None:
            app = self.app
            self.before = LearnerState(app.text, app.settings, app.selected, app.text_before_example)
        self.lesson, self._at_end = lesson, False
        last = self.progress.last_step(self.language, lesson_id)
        self.step_index = min(step if step is not None else last, len(self.lesson.steps) - 1)
        self.app.pane("lesson").remove_class("-hidden")
        self.apply(replay=True)
        if step is None and self.step_index:
            total = len(self.lesson.steps)
            self.app.notify(self.app.strings.say(RESUMED, step=self.step_index + 1, total=total), timeout=4)

    def report_progress_problems(self) -> None:
        """Say, once each, what went wrong with the saved progress (damaged, restored, unwritable)."""
        problems = self.progress.problems
        for problem in problems[self._reported :]:
            said = self.app.strings.say("lesson progress: {problem}", problem=problem)
            self.app.notify(said, severity="warning", timeout=8, markup=False)
        self._reported = len(problems)

    def step(self, delta: int) -> None:
        """Go `delta` steps forward or back."""
        if self.lesson is None:
            return
        index = self.step_index + delta
        if 0 <= index < len(self.lesson.steps):
            self.step_index, self._at_end = index, False
            self.apply(replay=delta < 0)
            return
        if index < len(self.lesson.steps):
            return
        following = self.next_lesson()
        if following is not None and self._at_end:
            self.open(following.id, step=0)
            return
        self._at_end = True
        message = LAST if following is None else NEXT
        title = following.title if following is not None else ""
        self.app.notify(self.app.strings.say(message, title=title), timeout=4, markup=False)

    def next_lesson(self) -> Lesson | None:
        """The lesson after the open one in the list's order, or None after the last."""
        if self.lesson is None:
            return None
        ordered = sorted(self.lessons, key=lambda lesson: lesson.order)
        index = next(i for i, lesson in enumerate(ordered) if lesson.id == self.lesson.id)
        return ordered[index + 1] if index + 1 < len(ordered) else None

    def leave(self) -> None:
        """Close the lesson and give back the learner's own text, model and settings."""
        self.lesson = self.quiz = self.waiting = None
        self._at_end = False
        self.app.conceal(None)
        self.app.pane("lesson").close()
        before, self.before = self.before, None
        if before is None:
            return
        app = self.app
        app.replace_text(before.text)
        everything = {field.name: getattr(before.settings, field.name) for field in fields(before.settings)}
        app.update_settings(selected=before.selected, **everything)
        app.text_before_example = before.text_before_example
        app.notify(app.strings.say(LEFT), timeout=4)

    def model_missing(self) -> str | None:
        """For a lesson that `needs_model`: "loading" while the chosen model's first result is still
        to come, "missing" when the result on screen is not one the lesson can use (random weights;
        for an open-model lesson also GPT-2 and the tiny model); None when the lesson can run."""
        lesson, app = self.lesson, self.app
        if lesson is None or not lesson.needs_model:
            return None
        result, weights = app.result, app.settings.weights
        if result is None or result.settings.weights != weights:
            return "loading" if weights is not None else "missing"
        if result.model is None:
            return "missing"
        if lesson.needs_model != "any" and result.model.kind in ("gpt2", "tiny"):
            return "missing"
        return None

    def apply(self, replay: bool = False) -> None:
        """Put the app in the state the current step describes. `replay` (opening a lesson mid-way,
        going back) applies the earlier steps' state too, as if walked to here. A lesson that needs
        a model sets nothing while none is loaded: it says which model to load."""
        app, lesson = self.app, self.lesson
        assert lesson is not None
        step = lesson.steps[self.step_index]
        walked = lesson.state_at(self.step_index)  # this step over every earlier one
        state = walked if replay else step.state
        score = self.progress.score(self.language, lesson.id)
        if lesson.needs_model and app.settings.example is not None:
            app.open_example(None)  # a lesson about a model reads text: an open example ends here
        self.waiting = self.model_missing()
        notice = None
        if self.waiting is not None:
            loading = app.settings.weights if self.waiting == "loading" else None
            # The panel module (Markdown) loads after the first frame; the app imports this one before.
            from tui.lessons.panel import needs_model_text

            shown = app.result.model.name if app.result is not None and app.result.model else None
            notice = needs_model_text(
                self.language, loading, any_model=lesson.needs_model == "any", shown=shown
            )
        app.pane("lesson").show_step(lesson, self.step_index, self.language, score, notice)
        self.progress.record(self.language, lesson.id, self.step_index)
        self.report_progress_problems()
        if self.waiting is not None:
            # Nothing to set yet: the lesson panel takes the keys, so n and p still step.
            self.quiz = None
            app.conceal(None)
            app.pane("lesson").focus()
            app.refresh_bindings()
            return
        # The example in force at this step, from its own state or an earlier step's: a lesson's
        # steps without one run on text, so an example the learner had open is left here.
        example = walked.example if walked.on_example else None
        if example != app.settings.example:
            app.open_example(example)  # its sentence in the text box, or the text from before
        # On an example its sentence is the text, unless this very step types another.
        text = state.text if example is None else step.state.text
        if text is not None:
            app.replace_text(text)
        if state.head is not None:
            app.pane("attention").head = state.head
        # Every step: a key a step highlights must not carry over to the next one.
        app.pane("attention").highlight_key(state.key)
        if state.one_hot is not None:
            app.pane("embeddings").one_hot = state.one_hot
        if state.cell is not None:
            app.pane("attention").show_arithmetic(state.cell)
        if state.position_plot is not None:
            app.pane("positions").kind = state.position_plot
        if state.words is not None:
            app.pane("space").set_words(state.words)
        if state.window():
            app.pane("windows").set_params(**state.window())
        if state.pane is not None:
            app.show_pane(state.pane, focus=True)
        changes = state.settings_changes(on_example=example is not None)
        if lesson.random_weights and app.settings.weights is not None:
            # A model fixes the tokenizer, the mask and √d these steps switch: random weights for
            # the lesson; the learner's model comes back when the lessons are left.
            changes.update(weights=None, layer=0)
            app.notify(app.strings.say(RANDOM_FOR_NOW), timeout=5)
        if example is not None:
            changes.update(walked.example_switches())
        app.update_settings(selected=state.select, example=example, **changes)
        self._open_quiz()

    # The step's question

    def quiz_keys_active(self) -> bool:
        """True while a question waits for an answer and a key press would not be typed text."""
        app = self.app
        return (
            self.quiz is not None
            and self.quiz.is_open
            and len(app.screen_stack) == 1  # no dialog or command palette on top
            and not isinstance(app.focused, (Input, TextArea))
        )

    def answer(self, number: int | None) -> None:
        """Answer the open question with choice `number` (1-4); None reveals it (not scored)."""
        quiz = self.quiz
        if quiz is None or not quiz.is_open:
            return
        if number is not None and quiz.offered is not None and not 1 <= number <= len(quiz.offered):
            self.app.notify(self.app.strings.say("choose 1 to {last}", last=len(quiz.offered)), timeout=2)
            return
        result = self.app.result
        if result is not None and result.deeper_pending:
            result = None  # the deeper layers are still running: the answer waits for them
        quiz.answer(None if number is None else number - 1, result, self.language)
        self._quiz_changed()

    def on_result(self, result: PipelineResult) -> None:
        """A result of the step (or of the learner's edits) is on screen. For a lesson that needs a
        model, a model arriving (or going) applies the step again, as if walked to here."""
        if self.lesson is not None and self.model_missing() != self.waiting:
            self.apply(replay=True)
            return
        if self.quiz is not None and self.quiz.on_result(result, self.language):
            self._quiz_changed()

    def _open_quiz(self) -> None:
        assert self.lesson is not None
        step = self.lesson.steps[self.step_index]
        self.quiz = None
        self.app.conceal(None)
        if step.quiz is not None:
            from tui.lessons.quiz import QuizSession

            earlier = self.progress.outcome(self.language, self.lesson.id, self.step_index)
            self.quiz = QuizSession(step.quiz, step.state, earlier)
            self._quiz_changed()
        self.app.refresh_bindings()

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
        self.app.pane("lesson").show_quiz(quiz, score, self.language)
        self.app.conceal(quiz.quiz.kind if quiz.is_open else None)
        self.app.refresh_bindings()

    def _point_at_answer(self) -> None:
        """Put the cursor on what the answer is about: the attention cell, or the token."""
        assert self.quiz is not None and self.quiz.revealed is not None
        revealed = self.quiz.revealed
        if revealed.cell is not None:
            query, key = revealed.cell
            # The key column first: the selection that follows puts the cursor on (query, key),
            # now or, if the tab is hidden, when it is shown.
            self.app.pane("attention").key = key
            self.app.select_token(query)
        elif revealed.token is not None:
            self.app.select_token(revealed.token)
