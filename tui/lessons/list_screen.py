"""The lesson list (`L`): titles, step counts, how far the learner got and question scores."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from tui.i18n.strings import UiStrings, marked
from tui.lessons.catalog import Lesson
from tui.lessons.progress import Progress
from tui.views.vim import VimOptionList

HEADING = marked("Lessons (enter: start · esc: close)")
STEPS = marked("steps")
SCORE = marked("{right}/{answered} right")
NEEDS = {
    True: marked("needs an open model (F6)"),
    "any": marked("needs a trained model (F6, or F7 trains one)"),
}
"""What a lesson needs, by its `needs_model`; a lesson on random weights needs nothing and says nothing."""


class LessonListScreen(ModalScreen[str | None]):
    """Pick a lesson; dismisses with its id, or None."""

    BINDINGS = [Binding("escape,L", "cancel", "Close", id="lessons.close")]
    DEFAULT_CSS = """
    LessonListScreen { align: center middle; }
    LessonListScreen > Vertical {
        width: 72; max-width: 95%; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    LessonListScreen OptionList { height: auto; max-height: 24; }
    """

    def __init__(self, lessons: list[Lesson], progress: Progress, language: str) -> None:
        super().__init__()
        self.lessons = lessons
        self.progress = progress
        self.language = language

    def compose(self) -> ComposeResult:
        say = UiStrings(self.language).say
        options = []
        for lesson in self.lessons:
            seen = self.progress.furthest(self.language, lesson.id)
            total = len(lesson.steps)
            mark = "✓" if seen >= total else ("…" if seen else " ")
            counts = f"{seen}/{total} {say(STEPS)}"
            right, answered = self.progress.score(self.language, lesson.id)
            if answered:
                counts += " · " + say(SCORE, right=right, answered=answered)
            if lesson.needs_model:
                counts += " · " + say(NEEDS[lesson.needs_model])
            options.append(Option(f"{mark} {lesson.order:>2}. {lesson.title}  ({counts})", id=lesson.id))
        with Vertical():
            yield Label(say(HEADING))
            yield VimOptionList(*options, id="lesson-options")

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
