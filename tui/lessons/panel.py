"""The side panel that shows the current lesson step."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Markdown, Static

from tui.lessons.catalog import Lesson

HINTS = {
    "en": "`n`/`→` next · `p`/`←` back · `esc` leave · `F8` hide · `L` lessons",
    "ja": "`n`/`→` 次へ · `p`/`←` 戻る · `esc` 終了 · `F8` 隠す · `L` 一覧",
}


class LessonPanel(VerticalScroll, can_focus=True):
    """The title and text of the lesson step on screen; `→`/`←` step when it has focus.

    Bindings:
        right: Next step.
        left: Previous step.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right", "app.lesson_step(1)", "Next step", id="lesson.next_arrow", show=False),
        Binding("left", "app.lesson_step(-1)", "Previous step", id="lesson.previous_arrow", show=False),
    ]
    DEFAULT_CSS = """
    LessonPanel {
        dock: right; width: 44; height: 1fr; border-left: thick $primary;
        background: $surface; padding: 0 1; display: none;
    }
    LessonPanel.-active { display: block; }
    LessonPanel.-hidden { display: none; }
    LessonPanel:focus { border-left: thick $accent; }
    LessonPanel > #lesson-heading { color: $text-muted; height: auto; }
    LessonPanel > #lesson-hints { color: $text-muted; height: auto; margin-top: 1; }
    """

    def compose(self) -> ComposeResult:
        yield Static("", id="lesson-heading")
        yield Markdown("", id="lesson-body")
        yield Static("", id="lesson-hints")

    def show_step(self, lesson: Lesson, index: int, language: str) -> None:
        step = lesson.steps[index]
        self.query_one("#lesson-heading", Static).update(
            f"{lesson.order}. {lesson.title} · {index + 1}/{len(lesson.steps)}"
        )
        self.query_one("#lesson-body", Markdown).update(f"## {step.title}\n\n{step.body}")
        self.query_one("#lesson-hints", Static).update(HINTS[language].replace("`", ""))
        self.scroll_home(animate=False)
        self.add_class("-active")

    def close(self) -> None:
        self.remove_class("-active")
