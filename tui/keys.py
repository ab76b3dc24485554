"""The app's own keys (each pane lists its keys in its BINDINGS; the help screen shows them all)."""

from __future__ import annotations

from textual.binding import Binding, BindingType

APP_BINDINGS: list[BindingType] = [
    Binding("f1", "help", "Help", id="app.help"),
    Binding("question_mark", "help", "Help", id="app.help_question", show=False, key_display="?"),
    # Priority: these are global keys, and the text box would otherwise claim some F-keys.
    Binding("f2", "next_encoding", "Encoding", id="app.next_encoding", priority=True),
    Binding("f3", "pick_corpus", "Corpus", id="app.corpus", priority=True),
    Binding("f4", "next_pane", "Next pane", id="app.next_pane", priority=True),
    Binding("f5", "export_data", "Export", id="app.export", priority=True),
    Binding("f6", "pick_model", "Model", id="app.model", priority=True),
    Binding("f7", "train", "Train", id="app.train", priority=True),
    Binding("f9", "lessons", "Lessons", id="app.lessons", priority=True),
    # Not in the footer (it is full at 120 columns); the help and the palette list it.
    Binding("f10", "pick_example", "Worked examples", id="app.examples", priority=True, show=False),
    Binding("L", "lessons", "Lessons", id="app.lessons_letter", show=False),
    Binding("n", "lesson_step(1)", "Next step", id="app.lesson_next"),
    Binding("p", "lesson_step(-1)", "Prev step", id="app.lesson_previous"),
    # esc stops a generation first (only while one runs: check_action), else leaves the lesson.
    Binding("escape", "stop_generation", "Stop generating", id="app.stop_generation"),
    Binding("escape", "leave_lesson", "Leave lesson", id="app.leave_lesson"),
    # A lesson question's answers; only while one is open and not in a text box (check_action).
    *(
        Binding(
            f"{n},{letter}",
            f"quiz_answer({n})",
            "Answer" if n == 1 else "",  # one footer entry and one help row for all four
            id=f"app.quiz_{n}",
            priority=True,
            show=n == 1,
            key_display="1-4/a-d" if n == 1 else None,
        )
        for n, letter in zip(range(1, 5), "abcd", strict=True)
    ),
    Binding("f8", "toggle_lesson_panel", "Lesson text", id="app.lesson_panel", priority=True),
    Binding("ctrl+s", "save_screenshot", "Screenshot", id="app.screenshot", priority=True),
    Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
]
"""Keys that work everywhere; the lesson keys only while a lesson is open (`LlmTuiApp.check_action`)."""

OPENS_A_SCREEN = ("help", "pick_corpus", "pick_model", "train", "lessons", "command_palette", "pick_example")
"""Actions that open a dialog: none opens on top of another (the F-keys are priority bindings)."""
