"""The app's own keys (each pane lists its keys in its BINDINGS; the help screen shows them all)."""

from __future__ import annotations

from textual.binding import Binding, BindingType

from tui.i18n.strings import marked

APP_BINDINGS: list[BindingType] = [
    Binding("f1", "help", "Help", id="app.help"),
    Binding("question_mark", "help", "Help", id="app.help_question", show=False, key_display="?"),
    # Priority: these are global keys, and the text box would otherwise claim some F-keys.
    # The footer shows F1, F4, F6, F9 and ctrl+q, so that it fits 80 columns after a pane's own
    # keys; the help screen (F1) and the palette list the others.
    Binding("f2", "next_encoding", "Encoding", id="app.next_encoding", priority=True, show=False),
    Binding("f3", "pick_corpus", "Corpus", id="app.corpus", priority=True, show=False),
    Binding("ctrl+o", "open_text", "Open text file", id="app.open_text", priority=True, show=False),
    Binding("f4", "next_pane", "Next pane", id="app.next_pane", priority=True),
    Binding("f5", "export_data", "Export", id="app.export", priority=True, show=False),
    Binding("f6", "pick_model", "Model", id="app.model", priority=True),
    Binding("f7", "train", "Train", id="app.train", priority=True, show=False),
    Binding("f9", "lessons", "Lessons", id="app.lessons", priority=True),
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
    Binding("ctrl+s", "save_screenshot", "Screenshot", id="app.screenshot", priority=True, show=False),
    Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
]
"""Keys that work everywhere; the lesson keys only while a lesson is open (`LlmTuiApp.check_action`)."""

OPENS_A_SCREEN = (
    "help",
    "pick_corpus",
    "open_text",
    "pick_model",
    "train",
    "lessons",
    "command_palette",
    "pick_example",
)
"""Actions that open a dialog: none opens on top of another (the F-keys are priority bindings)."""

TEXTUAL_KEYS: list[BindingType] = [
    Binding("tab", "app.focus_next", "Next pane or box", show=False),
    Binding("shift+tab", "app.focus_previous", "Previous pane or box", show=False),
    Binding("ctrl+p", "command_palette", "Command palette", show=False),
]
"""Keys Textual itself answers to (its Screen and App bind them), as the help screen lists them."""
PALETTE_KEY = marked("palette")
"""The footer's own entry for ctrl+p (Textual's words), said in the learner's language there."""
