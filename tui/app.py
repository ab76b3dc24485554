"""The llm-tui app: type text, watch every step of a GPT recompute.

Wiring only (docs/architecture.md has the map): computation runs in `engine/`, in a thread worker.
Public hooks for tests and the benchmark: `first_frame_at` / `wait_for_first_frame`, `wait_until_idle`.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.widget import MountError, Widget
from textual.widgets import Static, TextArea

from engine.errors import UserError
from engine.settings import Settings
from themes import color_mode, default_palette, register_themes, theme_for_mode
from themes.palettes import TERMINAL_256
from tui.commands import LlmCommands
from tui.dialog_actions import DialogActions
from tui.example_actions import EXAMPLE_SWITCHES, ExampleActions
from tui.formatting.status import status_line
from tui.generation import Generation
from tui.hints import app_message
from tui.i18n.strings import UiStrings
from tui.idle import FrameClock, wait_until
from tui.idle_gc import IdleCollector
from tui.keys import APP_BINDINGS, OPENS_A_SCREEN
from tui.latest_run import LatestRun
from tui.lessons.actions import LessonActions
from tui.lessons.catalog import LessonError, default_language, load_lessons
from tui.lessons.driver import LessonDriver
from tui.lessons.progress import Progress
from tui.messages import PipelineDone, PipelineFailed, PipelineShown, TokenSelected
from tui.panes.base import Pane
from tui.panes.host import PaneSet
from tui.screen_layout import fit_layout
from tui.switch_actions import SwitchActions
from tui.views.phrase_text import PhraseText
from tui.views.text_box import TextBox

if TYPE_CHECKING:
    from engine.nn.device import DeviceInfo
    from engine.pipeline.prefix import PrefixCache
    from engine.pipeline.results import PipelineResult


class LlmTuiApp(LessonActions, ExampleActions, SwitchActions, DialogActions, App[None]):
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
        text_path: the file the text came from (`--text-file`), offered again by ctrl+o.
        text_before_example: with `settings.example`, the text to come back to when it is left.
    """

    CSS_PATH = Path(__file__).parent / "app.tcss"
    TITLE = "llm-tui"
    COMMANDS = App.COMMANDS | {LlmCommands}
    BINDINGS: ClassVar[list[BindingType]] = APP_BINDINGS

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
        text_before_example: str | None = None,
        text_path: str | None = None,
    ) -> None:
        super().__init__()
        self._text_before_example = text_before_example
        self.initial_text = text
        self.settings = settings
        self.corpus_path = corpus_path
        self.text_path = text_path
        self.device = device
        self.exit_after_first_frame = exit_after_first_frame
        self.result: PipelineResult | None = None
        self.selected = 0
        self.first_frame_at: float | None = None
        """`time.time()` when the first frame was painted; None before."""
        self.whitespace_marks = True  # the `w` toggle: whitespace as ·/↵/→ or as plain spaces
        self.concealed: str | None = None  # an open lesson question's kind (see `conceal`)
        self.language = language or default_language()
        self.strings = UiStrings(self.language)  # the app's own words in that language
        self.lesson_driver = LessonDriver(self, Progress(state_dir))
        self.lesson_error: str | None = None
        self._start_lesson = lesson
        # One run in flight, at most one waiting: typing never queues a run per key.
        self._runs: LatestRun[tuple[str, Settings]] = LatestRun(self._start_run)
        self._outcome_shown = False  # a result or an error of the latest run is on screen
        self._run_text: str | None = None  # the text the latest run was started on
        self._early_shown = 0  # the latest run whose shown layer is on screen before its end
        self._prefix: PrefixCache | None = None  # what the last run computed (made in the worker: torch)
        self.generation = Generation(self)  # `a` / `A`: tokens appended one by one
        self._frames = FrameClock(self.call_after_refresh)
        self._panes: PaneSet | None = None  # after the first frame
        self._frozen_for: object = ()  # the weights in memory when long-lived objects were last frozen
        self._collector = IdleCollector()
        register_themes(self)
        self.color_mode = colors or color_mode()
        self.theme = theme_for_mode(theme_name, self.color_mode)

    def compose(self) -> ComposeResult:
        # Panes, the tabs that hold them and the footer are placeholders until the first frame is
        # painted (see `_mount_panes`): composing eight tabs took a third of the time to that
        # frame, the footer's key widgets another ~25 ms.
        with Horizontal(id="top"):
            text = TextBox(self.initial_text, id="text", soft_wrap=True, tab_behavior="focus")
            text.border_title = self.strings.say("Text (type here)")
            yield text
            spans = Static("", id="spans")
            spans.border_title = self.strings.say("Tokens in the text")
            yield spans
        yield Static("loading the engine…", id="status")
        yield PhraseText(id="error")
        yield Static("loading the panes…", id="panes-loading", classes="pane-placeholder")

    # Public hooks: for the benchmark, the tests and the lessons

    def pane(self, name: str) -> Any:
        """The widget of pane `name` (see `tui.panes.registry.PANES`) or "lesson"; None before the
        panes are mounted, right after the first frame."""
        return None if self._panes is None else self._panes.get(name)

    @property
    def panes(self) -> list[Pane]:
        """Every pane (widgets following `tui.panes.base.Pane`); empty before they are mounted."""
        return [] if self._panes is None else self._panes.panes

    @property
    def is_idle(self) -> bool:
        """No run in flight or waiting, no pane busy, and the latest result or error painted."""
        return (
            self._panes is not None
            and not self._runs.busy
            and self._outcome_shown
            and not self._panes.busy()
            and not self.generation.active
            and self._frames.up_to_date
            # Last: an edit whose TextArea.Changed has not been handled yet has started no run.
            and self._run_text == self.query_one("#text", TextArea).text
        )

    async def wait_for_first_frame(self, timeout: float) -> float:
        """Wait until the first frame is painted; its `time.time()`. TimeoutError after `timeout` s."""
        await wait_until(lambda: self.first_frame_at is not None, timeout, lambda: "no first frame yet")
        assert self.first_frame_at is not None
        return self.first_frame_at

    async def wait_until_idle(self, timeout: float, after: float | None = None) -> float:
        """Wait until the app `is_idle`, in a frame painted later than `after` (a `perf_counter`
        reading, such as one taken just before a keystroke); returns when that frame was painted.

        Raises:
            TimeoutError: after `timeout` seconds, saying what was still going on.
        """

        def idle() -> bool:
            return self.is_idle and (after is None or self._frames.painted_at > after)

        await wait_until(idle, timeout, self._busy_with)
        return self._frames.painted_at

    def _busy_with(self) -> str:
        reasons = [
            (self._panes is None, "the panes are not mounted yet"),
            (self._runs.busy, "a pipeline run is in flight"),
            (self._panes is not None and bool(self._panes.busy()), "a pane is still computing"),
            (not self._outcome_shown, "no result or error shown yet"),
            (self.generation.active, "tokens are still being generated"),
            (self._run_text != self.query_one("#text", TextArea).text, "the text's run has not started yet"),
        ]
        return next((why for failed, why in reasons if failed), "the latest result is not painted yet")

    # Starting up

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, lambda _theme: self._apply_palette())
        self.query_one("#text", TextArea).focus()
        self.call_after_refresh(self._after_first_frame)

    async def _after_first_frame(self) -> None:
        """Only now build the panes and start computing: their imports (numpy, plotext) and the
        worker's (torch) must not delay the first frame."""
        self.first_frame_at = time.time()
        if self.exit_after_first_frame:
            self.exit()
            return
        self._load_lessons()
        try:
            await self._mount_panes()
        except MountError:
            if self.return_code is not None:
                return  # quit while the panes were being built: nothing is left to mount into
            raise
        self._collector.start()
        self.set_interval(0.5, self._collector.collect_if_idle, name="collect garbage when idle")
        if self._start_lesson and self.lesson_driver.lessons:
            self.open_lesson(self._start_lesson)
        if not self._runs.busy:
            # No lesson, or one waiting for a model (it sets nothing yet): the first run still
            # has to happen, or the engine would never load and the model never arrive.
            self._recompute()

    def _load_lessons(self) -> None:
        """Read and check every lesson file now, so a mistake is reported at start-up, not mid-lesson."""
        try:
            self.lesson_driver.lessons = load_lessons(self.language)
        except LessonError as error:
            self.lesson_error = str(error)
            unavailable = self.strings.say("lessons unavailable: {why}", why=self.lesson_error)
            self.notify(unavailable, severity="error", timeout=20, markup=False)

    async def _mount_panes(self) -> None:
        placeholder = self.query_one("#panes-loading")
        self._panes = await PaneSet.mount(self.query_one("#top"), placeholder, self.strings.say)
        self._panes.on_update(self._frames.shown)
        self._apply_palette()
        self._apply_whitespace()
        self._panes.show_message("loading the engine (torch) in the background…")

    def on_unmount(self) -> None:
        self._collector.stop()

    def on_resize(self) -> None:
        fit_layout(self.screen, (panel := self.pane("lesson")) is not None and panel.is_shown)

    def _apply_palette(self) -> None:
        # 16 colours cannot show a gradient: a weight would map to an unrelated hue, so heatmaps
        # switch to shade characters there, as without colour.
        mono = self.color_mode in ("mono", "16") or self.theme == "llm-mono"
        palette = default_palette(self.theme)
        if self.color_mode == "256":
            palette += TERMINAL_256  # steps the terminal shows apart (a smooth ramp's merge)
        if self._panes is not None:
            self._panes.set_palette(palette, mono)

    def _apply_whitespace(self) -> None:
        if self._panes is not None:
            self._panes.set_whitespace(self.whitespace_marks)

    # Computing

    @on(TextArea.Changed, "#text")
    def _text_changed(self) -> None:
        self._recompute()

    def _recompute(self) -> None:
        """Run the pipeline on the text and settings as they are now (or right after the run in
        flight: the text is read when the run starts, so it is the newest)."""
        self._collector.edited()
        self._runs.request(None)

    def _start_run(self, _request: None, number: int) -> None:
        self._run_text = self.query_one("#text", TextArea).text
        # The shown layer may be drawn before the deeper layers end, unless something on screen
        # reads those (predictions, the layers), or generation waits for each prediction.
        panes = self._panes
        early = panes is not None and not panes.shows_deeper_layers() and not self.generation.active
        self._compute(self._run_text, self.settings, number, early)

    @work(thread=True, exit_on_error=False, group="pipeline", description="run the pipeline")
    def _compute(self, text: str, settings: Settings, number: int, early: bool) -> None:
        from engine.nn.device import pick_device
        from engine.pipeline.prefix import PrefixCache
        from engine.pipeline.run import run

        try:
            if self.device is None:
                self.device = pick_device(settings.device)
            # One run at a time (LatestRun), so this worker alone touches the cache.
            self._prefix = self._prefix or PrefixCache()
            shown = (lambda result: self.post_message(PipelineShown(result, number))) if early else None
            result = run(text, settings, self.device, self._prefix, shown)
        except UserError as error:
            self.post_message(PipelineFailed(app_message(error, self.strings), number))
            return
        except Exception as error:
            # A bug must not leave the app waiting for this run for ever: report it, then let the
            # worker fail (it is logged; exit_on_error=False keeps the app running).
            message = f"internal error: {type(error).__name__}: {error}"
            self.post_message(PipelineFailed(message, number))
            raise
        self.post_message(PipelineDone(result, number))

    @on(PipelineShown)
    def _show_shown_layer(self, message: PipelineShown) -> None:
        if message.number != self._runs.latest or self._runs.waiting:
            return  # a newer text is waiting or running; its result follows
        self._early_shown = message.number
        self._show(message.result)

    @on(PipelineDone)
    def _show_result(self, message: PipelineDone) -> None:
        if not self._runs.finished(message.number):
            return  # a newer run was requested meanwhile; its result follows
        if self._early_shown == message.number:
            # What is on screen is this run's already, but for what reads the deeper layers.
            self.result = message.result
            assert self._panes is not None
            if self._panes.offer_deeper_layers(message.result):
                self._frames.shown()
            self._show_status()  # a fixed-size line, repainted only
        else:
            self._show(message.result)
        self.lesson_driver.on_result(message.result)
        self.generation.on_result(message.result, None if self._runs.busy else self._run_text)

    def _show(self, result: PipelineResult) -> None:
        """Put `result` on every pane and the status line."""
        self.result = result
        self._freeze_long_lived(result.settings.weights)
        self.query_one("#error", Static).set_class(False, "-shown")
        self.selected = min(self.selected, max(result.n_used - 1, 0))
        assert self._panes is not None  # mounted before the first run starts
        self._panes.offer_result(result, self.selected if result.n_used else None)
        self._show_status()
        self._outcome_shown = True
        self._frames.shown()

    def notify(self, message: str, *args: Any, **kwargs: Any) -> None:
        """Textual's toast; a Japanese message is broken at phrases for the toast's width (at most
        60 cells, half the screen; less its border and padding)."""
        width = max(min(60, (self.size.width or 120) // 2) - 4, 12)
        super().notify(self.strings.broken_for(message, width), *args, **kwargs)

    def conceal(self, question: str | None) -> None:
        """While a lesson question of kind `question` is open, the status line and the panes hide
        what would answer it; None when it is answered or gone."""
        self.concealed = question
        if self._panes is not None:
            self._panes.conceal(question)
        if self.result is not None:
            self._show_status()

    def _show_status(self, failed: bool = False) -> None:
        assert self.result is not None
        line = status_line(self.result, self.corpus_path, self.concealed, self.strings, failed)
        # Fixed-size lines: repaint only, no layout pass over the whole screen (it cost ~100 ms).
        self.query_one("#status", Static).update(Content(line), layout=False)

    def _freeze_long_lived(self, weights: str | None) -> None:
        """Torch, the vocabularies and a model live as long as the app: after the first result, and
        after each model load, exempt them from garbage collection (see `tui.idle_gc`)."""
        if weights != self._frozen_for:
            self._frozen_for = weights
            self._collector.freeze()

    @on(PipelineFailed)
    def _show_error(self, message: PipelineFailed) -> None:
        if not self._runs.finished(message.number):
            return
        say, nothing = self.strings.say, self.strings.say("nothing to show: {error}", error=message.error)
        if self.result is None and self._panes is not None:
            # Nothing computed yet (a bad --device, a missing model): the panes must not keep
            # saying that the engine is loading.
            self._panes.show_message(nothing)
            self.query_one("#status", Static).update(say("nothing computed yet: see the message below"))
        elif self.result is not None and self.result.deeper_pending and self._panes is not None:
            # The shown layer of this text is on screen, but the layers after it failed: what
            # reads them must not go on showing the previous text's predictions.
            self._panes.show_message(nothing, deeper_layers_only=True)
        elif self.result is not None:  # an older text's result stays on screen, and says so
            self._show_status(failed=True)
        error = self.query_one("#error", PhraseText)
        error.show_text(f"⚠ {message.error}")  # plain text: it may quote "[/x]" the user typed
        error.set_class(True, "-shown")
        self._outcome_shown = True
        self._frames.shown()
        self.generation.on_error()

    def on_tabbed_content_tab_activated(self) -> None:
        """A tab was shown (a key, a click): its panes catch up before the next frame."""
        if self._panes is not None:
            self._panes.catch_up_shown()

    # Keeping the selected token in step across panes

    @on(TokenSelected)
    def _token_selected(self, message: TokenSelected) -> None:
        self.select_token(message.index, source=message.pane)

    @on(TextArea.SelectionChanged, "#text")
    def _cursor_moved(self, event: TextArea.SelectionChanged) -> None:
        if self.result is None or not event.text_area.has_focus:
            return
        index = event.text_area.document.get_index_from_location(event.selection.end)
        token = self.result.tokens.token_at_char(index)
        if token is not None and token < self.result.n_used and token != self.selected:
            self.select_token(token, source=self.query_one("#text", TextArea))

    def select_token(self, index: int, source: Widget | None = None) -> None:
        """Select token `index` in every pane but `source` (the pane or text box it was picked in),
        and put the text cursor on it unless the user is typing."""
        self.selected = index
        if self._panes is not None:
            self._panes.offer_selection(index, source)
        text_area = self.query_one("#text", TextArea)
        if self.result is not None and not text_area.has_focus:
            # Show the token in the text too: a cursor move, never a selection, which typing
            # would replace.
            start = int(self.result.tokens.char_spans[index, 0])
            if start <= len(text_area.text):
                text_area.move_cursor(text_area.document.get_location_from_index(start))

    def replace_text(self, text: str) -> None:
        """Put `text` in the text box as an edit (ctrl+z brings the old text back); recomputes."""
        text_area = self.query_one("#text", TextArea)
        if text_area.text != text:
            text_area.replace(text, (0, 0), text_area.document.end)

    def update_settings(self, selected: int | None = None, **changes: Any) -> None:
        """Change pipeline settings (fields of `engine.settings.Settings`) and recompute;
        `selected` also selects that token once the result is in."""
        if selected is not None:
            self.selected = selected
        changes = self.leave_example_for(changes)  # a model or an encoding reads text, not an example
        self.settings = dataclasses.replace(self.settings, **changes)
        self._recompute()

    def show_pane(self, name: str, focus: bool = False) -> None:
        """Show the tab of pane `name` ("spans" is always shown), and focus the pane if asked."""
        if self._panes is not None:
            self._panes.show(name, focus)

    # Actions

    def on_next_token_pane_generate(self, message: Message) -> None:
        """`a` / `A`: draw tokens after the text and append them (`tui.generation`)."""
        text = self.query_one("#text", TextArea).text
        failed = self.query_one("#error", Static).has_class("-shown")  # self.result is an older text's
        if failed and not self._runs.busy:
            self.notify(
                self.strings.say("the text has no result to continue: see the message below"),
                severity="warning",
            )
            return
        current = self.result if not self._runs.busy and self._run_text == text else None
        self.generation.start(message.count, current)

    def action_stop_generation(self) -> None:
        """Stop generating after the tokens appended so far."""
        self.generation.stop(self.strings.say("generation stopped"))

    def action_next_pane(self) -> None:
        """Show the next tab of panes."""
        if self._panes is not None:
            self._panes.next_tab()

    def action_show_pane(self, pane_id: str) -> None:
        """Show the tab of pane `pane_id`."""
        self.show_pane(pane_id)

    def action_toggle_whitespace(self) -> None:
        """Show whitespace in pieces and spans as ·/↵/→ marks, or as plain spaces."""
        self.whitespace_marks = not self.whitespace_marks
        self._apply_whitespace()
        said = self.strings.say(
            "whitespace marked ·/↵/→" if self.whitespace_marks else "whitespace as plain spaces"
        )
        self.notify(said, timeout=2)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Lesson keys only exist (and show in the footer) while a lesson is open."""
        if action in OPENS_A_SCREEN and len(self.screen_stack) > 1:
            return False  # a dialog or the palette is open: none opens on top of it (F-keys are priority)
        if action in ("quiz_answer", "quiz_reveal"):
            return self.lesson_driver.quiz_keys_active()
        if action in ("lesson_step", "leave_lesson", "toggle_lesson_panel"):
            return self.lesson_driver.lesson is not None
        if action == "stop_generation":
            return self.generation.active
        if action in EXAMPLE_SWITCHES:
            return self.settings.example is not None
        return True
