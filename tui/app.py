"""The llm-tui app: type text, watch every step of a GPT recompute.

This module only wires things together: panes live in `tui/widgets/`, dialogs in
`tui/screens/`, computation in `engine/` (run in a thread worker, imported there so the first
frame never waits for torch).
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.widgets import Static, TextArea

from engine.errors import UserError
from engine.settings import Settings
from engine.tokenize.registry import ENCODINGS
from themes import THEMES, color_mode, default_palette, register_themes, theme_for_mode
from tui.commands import LlmCommands
from tui.idle_gc import IdleCollector
from tui.lessons.catalog import Lesson, LessonError, default_language, find_lesson, load_lessons
from tui.lessons.progress import Progress
from tui.lessons.quiz_app import QuizActions
from tui.messages import TokenSelected
from tui.panes.tabs import PANE_IDS, TABS
from tui.views.text_box import TextBox

if TYPE_CHECKING:
    from engine.nn.device import DeviceInfo
    from engine.pipeline.results import PipelineResult

# Settings a lesson step may change, by the name the step uses.
LESSON_SETTINGS = ("encoding", "allow_special", "dim", "heads", "causal", "scaled", "positions")


class LlmTuiApp(QuizActions, App[None]):
    """Text in, every step of a GPT out, recomputed as the user types.

    Args:
        text: the text to start with.
        settings: pipeline settings from the command line.
        theme_name: a theme from `themes.THEMES`, or None to pick one from the terminal.
        corpus_path: where `settings.corpus` came from, shown in the corpus picker.
        device: a resolved device, to skip detection (tests pass a fixed one).
        colors: "mono", "16", "256" or "truecolor"; None detects it from the environment.
        language: lesson language ("en" or "ja"); None follows the locale.
        lesson: id of a lesson to open at start.
        state_dir: where lesson progress is kept (default: the user's state directory).
        exit_after_first_frame: quit as soon as the first frame is painted (headless start-up).
    """

    CSS_PATH = Path(__file__).parent / "app.tcss"
    TITLE = "llm-tui"
    COMMANDS = App.COMMANDS | {LlmCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
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
        Binding("L", "lessons", "Lessons", id="app.lessons_letter", show=False),
        Binding("n", "lesson_step(1)", "Next step", id="app.lesson_next"),
        Binding("p", "lesson_step(-1)", "Prev step", id="app.lesson_previous"),
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

    class PipelineDone(Message):
        """A pipeline run finished; `generation` says which edit it belongs to."""

        def __init__(self, result: PipelineResult, generation: int) -> None:
            super().__init__()
            self.result, self.generation = result, generation

    class PipelineFailed(Message):
        """A pipeline run hit a user error (unknown word, special token, ...)."""

        def __init__(self, error: str, generation: int) -> None:
            super().__init__()
            self.error, self.generation = error, generation

    def __init__(
        self,
        text: str,
        settings: Settings,
        theme_name: str | None = None,
        corpus_path: str | None = None,
        device: DeviceInfo | None = None,
        colors: str | None = None,
        language: str | None = None,
        lesson: str | None = None,
        state_dir: Path | None = None,
        exit_after_first_frame: bool = False,
    ) -> None:
        super().__init__()
        self.initial_text = text
        self.settings = settings
        self.corpus_path = corpus_path
        self.device = device
        self.exit_after_first_frame = exit_after_first_frame
        self.result: PipelineResult | None = None
        self.selected = 0
        self._generation = 0
        # One pipeline run at a time: an edit during a run only marks the text dirty, and one
        # follow-up run starts when the current one ends (leading edge, no fixed debounce delay).
        self._in_flight: int | None = None
        self._dirty = False
        # Panes in hidden tabs skip results (drawing them cost more than the pipeline) and catch
        # up when their tab is shown.
        self._stale: set = set()
        self._widgets: dict = {}
        self._tabs = None  # the TabbedContent, once mounted
        self._tab_of: dict[int, str | None] = {}  # id(pane) -> its tab; None: always on screen
        self._pending_bytes = b""
        self.whitespace_marks = True  # the `w` toggle: whitespace as ·/↵/→ or as plain spaces
        self._frozen_for: object = ()  # the weights in memory when long-lived objects were last frozen
        self._collector = IdleCollector()
        self.language = language or default_language()
        self.progress = Progress(state_dir)
        self.lesson: Lesson | None = None
        self.step_index = 0
        self._start_lesson = lesson
        self._pending_key: int | None = None
        self.lessons: list[Lesson] = []  # loaded right after the first frame (`_load_lessons`)
        self.lesson_error: str | None = None
        register_themes(self)
        self.color_mode = colors or color_mode()
        self.theme = theme_for_mode(theme_name, self.color_mode)

    def compose(self) -> ComposeResult:
        # Panes, the tabs that hold them and the footer are placeholders until the first frame is
        # painted (see `_mount_panes`): composing eight tabs took a third of the time to that
        # frame, the footer's key widgets another ~25 ms.
        with Horizontal(id="top"):
            text = TextBox(self.initial_text, id="text", soft_wrap=True, tab_behavior="focus")
            text.border_title = "Text (type here)"
            yield text
            spans = Static("", id="spans")
            spans.border_title = "Tokens in the text"
            yield spans
        yield Static("loading the engine…", id="status")
        yield Static("", id="error")
        yield Static("loading the panes…", id="panes-loading", classes="pane-placeholder")

    def pane(self, name: str):
        """The widget of tab `name`, or "spans" / "lesson"; None before `_mount_panes`."""
        return self._widgets.get(name)

    def _is_shown(self, pane) -> bool:
        tab = self._tab_of[id(pane)]
        return tab is None or self._tabs.active == tab

    @property
    def panes(self) -> list:
        """Every widget that follows the pane contract (show_result, select_token, ...)."""
        return [widget for name, widget in self._widgets.items() if name != "lesson"]

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, lambda _theme: self._apply_palette())
        self.query_one("#text", TextArea).focus()
        self.call_after_refresh(self._after_first_frame)

    async def _after_first_frame(self) -> None:
        """Only now build the panes and start computing: their imports (numpy, plotext) and the
        worker's (torch) must not delay the first frame."""
        if self.exit_after_first_frame:
            self.exit()
            return
        self._load_lessons()
        await self._mount_panes()
        self._collector.start()
        self.set_interval(0.5, self._collector.collect_if_idle, name="collect garbage when idle")
        if self._start_lesson and self.lessons:
            self.open_lesson(self._start_lesson)
        else:
            self._recompute()

    def _load_lessons(self) -> None:
        """Read and check every lesson file now, so a mistake is reported at start-up, not mid-lesson."""
        try:
            self.lessons = load_lessons(self.language)
        except LessonError as error:
            self.lesson_error = str(error)
            self.notify(f"lessons unavailable: {self.lesson_error}", severity="error", timeout=20)

    async def _mount_panes(self) -> None:
        from textual.widgets import Footer, TabbedContent, TabPane

        from tui.panes.registry import BESIDE, build_panes

        widgets = build_panes()
        await self.query_one("#spans").remove()
        await self.query_one("#top").mount(widgets["spans"])
        tabs = TabbedContent(id="panes")
        for tab, title in TABS:
            beside = [widgets[name] for name, home in BESIDE.items() if home == tab]
            tabs.compose_add_child(TabPane(title, widgets[tab], *beside, id=tab))
        # The main screen, which need not be the current one (F1 may have opened help already).
        placeholder = self.query_one("#panes-loading")
        main = placeholder.screen
        await main.mount(tabs, after=placeholder)
        await placeholder.remove()
        self._tabs = tabs
        await main.mount(widgets["lesson"], Footer())
        self._widgets = widgets
        self._tab_of = {
            id(widget): None if name == "spans" else BESIDE.get(name, name)
            for name, widget in widgets.items()
        }
        self._apply_palette()
        self._apply_whitespace()
        for pane in self.panes:
            pane.show_message("loading the engine (torch) in the background…")

    def on_unmount(self) -> None:
        self._collector.stop()

    def on_resize(self) -> None:
        self.screen.set_class(self.size.height < 24 or self.size.width < 60, "-compact")

    def _apply_palette(self) -> None:
        # 16 colours cannot show a gradient: a weight would map to an unrelated hue, so heatmaps
        # switch to shade characters there, as without colour.
        mono = self.color_mode in ("mono", "16") or self.theme == "llm-mono"
        for pane in self.panes:
            pane.set_palette(default_palette(self.theme), mono)

    # Computing

    @on(TextArea.Changed, "#text")
    def _text_changed(self) -> None:
        if self._in_flight is not None:
            self._dirty = True
        else:
            self._recompute()

    def _recompute(self) -> None:
        self._collector.edited()
        self._generation += 1
        self._in_flight = self._generation
        self._dirty = False
        self._compute(self.query_one("#text", TextArea).text, self.settings, self._generation)

    def _run_finished(self, generation: int) -> None:
        """A run ended: start the follow-up run if the text changed meanwhile."""
        if generation == self._in_flight:
            self._in_flight = None
            if self._dirty:
                self._recompute()

    @work(thread=True, exclusive=True, exit_on_error=False, group="pipeline", description="run the pipeline")
    def _compute(self, text: str, settings: Settings, generation: int) -> None:
        from engine.nn.device import pick_device
        from engine.pipeline.run import run

        try:
            if self.device is None:
                self.device = pick_device(settings.device)
            result = run(text, settings, self.device)
        except UserError as error:
            self.post_message(self.PipelineFailed(str(error), generation))
            return
        except Exception as error:
            # A bug must not leave the app waiting for this run for ever: report it, then let the
            # worker fail (it is logged; exit_on_error=False keeps the app running).
            message = f"internal error: {type(error).__name__}: {error}"
            self.post_message(self.PipelineFailed(message, generation))
            raise
        self.post_message(self.PipelineDone(result, generation))

    @on(PipelineDone)
    def _show_result(self, message: PipelineDone) -> None:
        self._run_finished(message.generation)
        if message.generation != self._generation:
            return  # an older run finished after a newer one started
        self.result = result = message.result
        self._freeze_long_lived(result.settings.weights)
        self.query_one("#error", Static).set_class(False, "-shown")
        self.selected = min(self.selected, max(result.n_used - 1, 0))
        for pane in self.panes:
            if self._is_shown(pane):
                self._update_pane(pane)
            else:
                self._stale.add(pane)
        # Fixed-size lines: repaint only, no layout pass over the whole screen (it cost ~100 ms).
        self.query_one("#status", Static).update(Content(self._status_line(result)), layout=False)
        self._quiz_result()

    def _freeze_long_lived(self, weights: str | None) -> None:
        """Torch, the vocabularies and a model live as long as the app: after the first result, and
        after each model load, exempt them from garbage collection (see `tui.idle_gc`)."""
        if weights != self._frozen_for:
            self._frozen_for = weights
            self._collector.freeze()

    @on(PipelineFailed)
    def _show_error(self, message: PipelineFailed) -> None:
        self._run_finished(message.generation)
        if message.generation != self._generation:
            return
        self._show_error_text(message.error)

    def _show_error_text(self, text: str) -> None:
        error = self.query_one("#error", Static)
        error.update(Content(f"⚠ {text}"))  # plain text: the message may quote "[/x]" the user typed
        error.set_class(True, "-shown")

    def _status_line(self, result: PipelineResult) -> str:
        tokens = result.tokens
        per_token = len(tokens.text) / len(tokens) if len(tokens) else 0.0
        corpus = (
            f" · corpus {Path(self.corpus_path).name}"
            if self.corpus_path and tokens.encoding.startswith("regex")
            else ""
        )
        parts = [
            f"{tokens.encoding}{corpus}",
            f"{len(tokens):,} tokens",
            f"{per_token:.2f} chars/token",
            f"vocab {tokens.vocab_size:,}",
            f"dim {result.settings.dim} · {result.settings.heads} heads",
            result.model.status() if result.model else "random weights",
            result.device,
        ]
        # Notes right after the token count: at the end of the one-line status they were cut off
        # ("showing the first 1,024 of 229,650 tokens" after a paste was never seen).
        return " · ".join(parts[:2] + list(result.notes) + parts[2:])

    # Keeping the selected token in step across panes

    @on(TokenSelected)
    def _token_selected(self, message: TokenSelected) -> None:
        self._select(message.index, source=message._sender)

    @on(TextArea.SelectionChanged, "#text")
    def _cursor_moved(self, event: TextArea.SelectionChanged) -> None:
        if self.result is None or not event.text_area.has_focus:
            return
        index = event.text_area.document.get_index_from_location(event.selection.end)
        token = self.result.tokens.token_at_char(index)
        if token is not None and token < self.result.n_used and token != self.selected:
            self._select(token, source=None)

    def _update_pane(self, pane) -> None:
        """Give `pane` the latest result and selection."""
        result = self.result
        self._stale.discard(pane)
        pane.show_result(result)
        pane.select_token(self.selected if result.n_used else None)
        if pane is self.pane("attention") and self._pending_key is not None and result.n_used:
            pane.select_cell(self.selected, min(self._pending_key, result.n_used - 1))
            self._pending_key = None

    def on_tabbed_content_tab_activated(self) -> None:
        """A tab was shown: its panes catch up with the latest result."""
        for pane in list(self._stale):
            if self._is_shown(pane) and self.result is not None:
                self._update_pane(pane)

    def _select(self, index: int, source: object) -> None:
        self.selected = index
        for pane in self.panes:
            if pane is source:
                continue
            if self._is_shown(pane):
                pane.select_token(index)
            else:
                self._stale.add(pane)
        text_area = self.query_one("#text", TextArea)
        if source is not None and self.result is not None and not text_area.has_focus:
            # Show the token in the text too: a cursor move, never a selection, which typing
            # would replace.
            start = int(self.result.tokens.char_spans[index, 0])
            if start <= len(text_area.text):
                text_area.move_cursor(text_area.document.get_location_from_index(start))

    # Actions

    def _change_settings(self, **changes) -> None:
        self.settings = dataclasses.replace(self.settings, **changes)
        self._recompute()

    def action_toggle_causal(self) -> None:
        """Show attention with or without the causal mask."""
        self._change_settings(causal=not self.settings.causal)
        self.notify(f"causal mask {'on' if self.settings.causal else 'off'}", timeout=2)

    def action_toggle_scaled(self) -> None:
        """Divide attention scores by √(head size), or not."""
        self._change_settings(scaled=not self.settings.scaled)
        self.notify(f"√d scaling {'on' if self.settings.scaled else 'off'}", timeout=2)

    def action_next_encoding(self) -> None:
        """Cycle through the encodings."""
        index = ENCODINGS.index(self.settings.encoding) if self.settings.encoding in ENCODINGS else -1
        self.action_set_encoding(ENCODINGS[(index + 1) % len(ENCODINGS)])

    def action_set_encoding(self, name: str) -> None:
        """Tokenize with encoding `name`."""
        self._change_settings(encoding=name)
        self.notify(f"encoding: {name}", timeout=2)

    def action_change_layer(self, delta: int) -> None:
        """Show the attention of the next or previous layer (models have several)."""
        layers = self.result.attention.layers if self.result else 1
        if layers == 1:
            self.notify("random weights have one attention layer; load a model with F6", timeout=3)
            return
        self._change_settings(layer=(self.settings.layer + delta) % layers)

    def action_pick_model(self) -> None:
        """Choose random weights, a trained tiny model or GPT-2 weights."""
        from tui.screens.model import TRAIN, ModelScreen

        def picked(choice: str | None) -> None:
            if choice == TRAIN:
                self.action_train()
            elif choice is not None:
                self._change_settings(weights=choice or None, layer=0)
                self.notify(f"model: {choice or 'random weights'}", timeout=3, markup=False)

        self.push_screen(ModelScreen(self.settings.weights), picked)

    def action_train(self) -> None:
        """Train a tiny GPT on the corpus (or the sample text), then use it."""
        from engine.tokenize.registry import sample_text
        from tui.screens.train import TrainScreen

        corpus = self.settings.corpus or sample_text()
        name = Path(self.corpus_path).name if self.corpus_path else "the built-in sample text"

        def trained(path: Path | None) -> None:
            if path is not None:
                self._change_settings(weights=str(path), layer=0)
                self.notify(f"now using the model trained on {name}", timeout=4)

        self.push_screen(
            TrainScreen(corpus, name, device=self.device.name if self.device else "cpu"), trained
        )

    def on_next_token_pane_append_token(self, message: Message) -> None:
        """Append a generated token; bytes of a character split over tokens wait for the rest."""
        data = self._pending_bytes + message.data
        try:
            piece = data.decode("utf-8")
        except UnicodeDecodeError as error:
            if error.reason != "unexpected end of data":
                piece = data.decode("utf-8", errors="replace")
            else:
                self._pending_bytes = data
                self.notify("that token is part of a character: press a again to complete it", timeout=3)
                return
        self._pending_bytes = b""
        text_area = self.query_one("#text", TextArea)
        text_area.insert(piece, text_area.document.end)
        self.selected = len(self.result.tokens) if self.result else 0  # the new last token

    def action_next_pane(self) -> None:
        """Show the next tab of panes."""
        if self._tabs is not None:
            self._tabs.active = PANE_IDS[(PANE_IDS.index(self._tabs.active) + 1) % len(PANE_IDS)]

    def action_show_pane(self, pane_id: str) -> None:
        if self._tabs is not None:
            self._tabs.active = pane_id

    def action_toggle_whitespace(self) -> None:
        """Show whitespace in pieces and spans as ·/↵/→ marks, or as plain spaces."""
        self.whitespace_marks = not self.whitespace_marks
        self._apply_whitespace()
        self.notify(f"whitespace {'marked ·/↵/→' if self.whitespace_marks else 'as plain spaces'}", timeout=2)

    def _apply_whitespace(self) -> None:
        # Only the token panes, the compare pane and the byte view draw whitespace themselves.
        for pane in self.panes:
            if hasattr(pane, "set_whitespace"):
                pane.set_whitespace(self.whitespace_marks)

    def action_pick_corpus(self) -> None:
        """Choose the text whose words the regex tokenizers know."""
        from tui.screens.corpus import CorpusScreen

        def picked(choice: tuple[str, str] | None) -> None:
            if choice is None:
                return
            path, text = choice
            self.corpus_path = path or None
            self._change_settings(corpus=text or None)
            self.notify(f"corpus: {path or 'built-in sample text'}", timeout=3, markup=False)

        self.push_screen(CorpusScreen(self.corpus_path), picked)

    # Lessons

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Lesson keys only exist (and show in the footer) while a lesson is open."""
        if action in ("quiz_answer", "quiz_reveal"):
            return self.quiz_keys_active()
        if action in ("lesson_step", "leave_lesson", "toggle_lesson_panel"):
            return self.lesson is not None
        return True

    def action_lessons(self) -> None:
        """Open the lesson list."""
        from tui.lessons.list_screen import LessonListScreen

        if not self.lessons:
            self.notify(self.lesson_error or "no lessons found", severity="error")
            return

        def chosen(lesson_id: str | None) -> None:
            if lesson_id:
                self.open_lesson(lesson_id)

        self.push_screen(LessonListScreen(self.lessons, self.progress, self.language), chosen)

    def open_lesson(self, lesson_id: str, step: int | None = None) -> None:
        """Start lesson `lesson_id` at `step`, or where the learner left it."""
        self.lesson = find_lesson(self.lessons, lesson_id)
        last = self.progress.last_step(self.language, lesson_id)
        self.step_index = min(step if step is not None else last, len(self.lesson.steps) - 1)
        self.pane("lesson").remove_class("-hidden")
        self._apply_step(replay=True)
        self.refresh_bindings()

    def action_lesson_step(self, delta: int) -> None:
        """Go `delta` steps forward or back in the open lesson."""
        if self.lesson is None:
            return
        index = self.step_index + delta
        if 0 <= index < len(self.lesson.steps):
            self.step_index = index
            self._apply_step(replay=delta < 0)
        elif index >= len(self.lesson.steps):
            self.notify("end of the lesson: L for the list, esc to leave", timeout=3)

    def action_leave_lesson(self) -> None:
        """Close the lesson; what it set stays, so the learner can keep exploring."""
        self.lesson = self.quiz = None
        self.pane("lesson").close()
        self.refresh_bindings()

    def action_toggle_lesson_panel(self) -> None:
        """Hide or show the lesson text."""
        self.pane("lesson").toggle_class("-hidden")

    def _apply_step(self, replay: bool = False) -> None:
        """Put the app in the state the current step describes, then recompute. `replay` (opening a
        lesson mid-way, going back) applies the earlier steps' state too, as if walked to here."""
        assert self.lesson is not None
        step = self.lesson.steps[self.step_index]
        state = self.lesson.state_at(self.step_index) if replay else step.state
        score = self.progress.score(self.language, self.lesson.id)
        self.pane("lesson").show_step(self.lesson, self.step_index, self.language, score)
        self.progress.record(self.language, self.lesson.id, self.step_index)
        text_area = self.query_one("#text", TextArea)
        if "text" in state and text_area.text != state["text"]:
            # An edit, not a reset: ctrl+z in the text box brings the learner's own text back.
            text_area.replace(state["text"], (0, 0), text_area.document.end)
        if "select" in state:
            self.selected = state["select"]
        self._pending_key = state.get("key")
        attention = self.pane("attention")
        if "head" in state:
            attention.head = state["head"]
        if "one_hot" in state:
            self.pane("embeddings").one_hot = state["one_hot"]
        if "position_plot" in state:
            self.pane("positions").kind = state["position_plot"]
        window = {key: state[key] for key in ("max_length", "stride", "batch_size") if key in state}
        if window:
            self.pane("windows").set_params(**window)
        if "pane" in state:
            self._focus_pane(state["pane"])
        changes = {key: state[key] for key in LESSON_SETTINGS if key in state}
        if "dim" in state or "heads" in state:
            changes["weights"] = None  # the step is about random weights of a chosen size
        self.settings = dataclasses.replace(self.settings, **changes)
        self._recompute()
        self._open_quiz(step)

    def _focus_pane(self, pane: str) -> None:
        if pane == "spans":
            self.pane("spans").focus()
            return
        self._tabs.active = pane
        widget = self.pane(pane)
        # The attention pane's keys live on its heatmap; the other panes take focus themselves.
        self.call_after_refresh((widget.heatmap if pane == "attention" else widget).focus)

    def action_help(self) -> None:
        """List every key."""
        from tui.panes.registry import KEY_SECTIONS
        from tui.screens.help import HelpScreen

        sections = [("Everywhere", list(self.BINDINGS))]
        for title, widget in KEY_SECTIONS:
            sections.append((title, [b for b in widget.BINDINGS if isinstance(b, Binding)]))
        self.push_screen(HelpScreen(sections))

    def action_save_screenshot(self) -> None:
        """Save the screen as an SVG file in the current directory."""
        path = self.save_screenshot(path=str(Path.cwd()))
        self.notify(f"screenshot saved: {path}", timeout=4)

    def action_export_data(self) -> None:
        """Save the token table and the shown attention matrix as CSV and JSON."""
        from tui.export import export

        if self.result is None:
            self.notify("nothing to export yet", severity="warning")
            return
        head = self.pane("attention").head
        stem = time.strftime("llm-tui-%Y%m%d-%H%M%S")
        try:
            paths = export(self.result, head, Path.cwd(), stem)
        except OSError as error:
            self.notify(f"export failed: {error}", severity="error")
            return
        self.notify("saved " + ", ".join(p.name for p in paths), timeout=5)


def launch(args) -> int:
    """Open the app with the command line's settings; used by `tui.cli.main`."""
    from tui.cli import read_text, settings_from_args

    settings = settings_from_args(args)
    if settings.weights is None:
        from engine.locations import default_tiny_checkpoint

        if default_tiny_checkpoint().exists():
            # The model `llm-tui train` saved last time is picked up; F6 switches back to random weights.
            settings = dataclasses.replace(settings, weights="tiny")
    if args.theme is not None and args.theme not in THEMES:
        raise UserError(f"unknown theme {args.theme!r} (choose from {', '.join(THEMES)})")
    text = read_text(args)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    language = args.lang or default_language()
    if args.lesson is not None:
        find_lesson(load_lessons(language), args.lesson)  # a bad id or lesson file: one line, exit 2
    app = LlmTuiApp(
        text,
        settings,
        args.theme,
        args.corpus,
        language=language,
        lesson=args.lesson,
        exit_after_first_frame=not interactive,
    )
    if not interactive:
        # Escape codes piped into a file or CI log help nobody: start headless, paint once, stop.
        app.run(headless=True)
        print(
            "llm-tui: no terminal attached; started headless, painted the first frame and quit. "
            "Run it in a terminal, or use `llm-tui inspect` / `llm-tui tokenize` for scripts.",
            file=sys.stderr,
        )
        return 0
    app.run()
    return 0
