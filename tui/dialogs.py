"""The app's dialogs: open one, and act on what the user chose in it.

Each function takes the app and uses only its public side (`settings`, `update_settings`,
`notify`, `push_screen`, ...), so `tui/app.py` keeps to wiring. The dialogs themselves are
screens in `tui/screens/`, imported when first opened.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from textual.binding import Binding

from tui.i18n.strings import marked

if TYPE_CHECKING:
    from tui.app_api import AppApi
    from tui.lessons.catalog import Lesson
    from tui.lessons.progress import Progress


def pick_model(app: AppApi) -> None:
    """Choose random weights, a trained tiny model or GPT-2 weights."""
    from tui.screens.model import TRAIN, ModelScreen

    def picked(choice: str | None) -> None:
        if choice == TRAIN:
            train(app)
        elif choice is not None:
            app.update_settings(weights=choice or None, layer=0)
            say = app.strings.say
            app.notify(
                say("model: {name}", name=choice) if choice else say("model: random weights"),
                timeout=3,
                markup=False,
            )

    app.push_screen(ModelScreen(app.settings.weights), picked)


def train(app: AppApi) -> None:
    """Train a tiny GPT on the corpus (or the sample text), then use it."""
    from engine.tokenize.registry import sample_text
    from tui.screens.train import TrainScreen

    corpus = app.settings.corpus or sample_text()
    name = Path(app.corpus_path).name if app.corpus_path else "the built-in sample text"

    def trained(path: Path | None) -> None:
        if path is not None:
            app.update_settings(weights=str(path), layer=0)
            app.notify(
                app.strings.say("now using the model trained on {name}", name=name), timeout=4, markup=False
            )

    device = app.device.name if app.device else "cpu"
    app.push_screen(TrainScreen(corpus, name, device=device), trained)


def pick_corpus(app: AppApi) -> None:
    """Choose the text whose words the regex tokenizers know."""
    from tui.screens.corpus import CorpusScreen

    def picked(choice: tuple[str, str] | None) -> None:
        if choice is None:
            return
        path, text = choice
        app.corpus_path = path or None
        app.update_settings(corpus=text or None)
        say = app.strings.say
        app.notify(
            say("corpus: {path}", path=path) if path else say("corpus: built-in sample text"),
            timeout=3,
            markup=False,
        )

    app.push_screen(CorpusScreen(app.corpus_path), picked)


def open_text(app: AppApi) -> None:
    """Put a text file in the text box (ctrl+z brings the earlier text back)."""
    from tui.screens.file_pick import OpenTextScreen

    def picked(choice: tuple[str, str] | None) -> None:
        if choice is None:
            return
        path, text = choice
        app.text_path = path
        leaving = app.settings.example
        app.text_before_example = None  # the file is the text now, not what the example replaced
        app.replace_text(text)
        if leaving is not None:
            app.update_settings(example=None)  # a file's words are read by the encoding
        opened = app.strings.say_n(
            "opened {path}: {count} character", "opened {path}: {count} characters", len(text), path=path
        )
        app.notify(opened, timeout=4, markup=False)

    app.push_screen(OpenTextScreen(app.text_path), picked)


def show_help(app: AppApi) -> None:
    """List every key: the app's, then each pane's (`tui.panes.registry.HELP_SECTIONS`)."""
    from tui.keys import TEXTUAL_KEYS
    from tui.panes.registry import key_sections
    from tui.screens.help import HelpScreen, bindings_of

    everywhere = [b for b in [*app.BINDINGS, *TEXTUAL_KEYS] if isinstance(b, Binding) and b.description]
    sections = [(marked("Everywhere"), everywhere)]
    sections += [(title, bindings_of(widget)) for title, widget in key_sections()]
    app.push_screen(HelpScreen(sections, app.strings))


def export_data(app: AppApi) -> None:
    """Save the token table and the shown attention matrix as CSV and JSON in the current folder."""
    from tui.export import export

    if app.result is None:
        app.notify(app.strings.say("nothing to export yet"), severity="warning")
        return
    attention = app.pane("attention")
    head = attention.head_for(app.result)  # the pane may hold an older result's head
    stem = time.strftime("llm-tui-%Y%m%d-%H%M%S")
    try:
        paths = export(app.result, head, Path.cwd(), stem, cell=(attention.query_index, attention.key))
    except OSError as error:  # a read-only folder, a full disk, no free name: said, never a crash
        app.notify(
            app.strings.say("export failed: {why}", why=error.strerror or error),
            severity="error",
            markup=False,
        )
        return
    folder = paths[0].parent if paths else Path.cwd()
    # Where, not only what: the app may have been started from any folder (over SSH, in tmux).
    names = ", ".join(p.name for p in paths)
    app.notify(
        app.strings.say("saved in {folder}: {names}", folder=folder, names=names), timeout=8, markup=False
    )


def pick_lesson(app: AppApi, lessons: list[Lesson], progress: Progress) -> None:
    """Open the lesson list; the lesson chosen starts where the learner left it."""
    from tui.lessons.list_screen import LessonListScreen

    if not lessons:
        app.notify(app.lesson_error or app.strings.say("no lessons found"), severity="error")
        return

    def chosen(lesson_id: str | None) -> None:
        if lesson_id:
            app.open_lesson(lesson_id)

    app.push_screen(LessonListScreen(lessons, progress, app.language), chosen)
