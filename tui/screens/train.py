"""Train a tiny GPT on the corpus from inside the app, watching the loss fall step by step.

The training loop (`engine.training.train.train`) runs in a thread worker. Its step callback collects
every step's losses and posts them to the screen at most `UPDATE_INTERVAL` apart, so a fast GPU
does not flood the UI with messages; the screen keeps the whole history and redraws the
progress bar, the status line and the loss curve from it. The engine imports torch, so it is
imported inside the worker only: opening the app never loads torch.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Label, ProgressBar
from textual.worker import Worker, WorkerState, get_current_worker
from textual_plotext import PlotextPlot

from engine.errors import UserError
from tui.hints import app_message

if TYPE_CHECKING:
    from engine.nn.model import GPTConfig

UPDATE_INTERVAL = 0.1
"""Least time (seconds) between two progress messages: at most ten UI updates a second."""
AUTO_CLOSE_DELAY = 1.0
"""With `auto_close`, seconds the "saved to …" line stays before the screen closes itself."""
CANCEL_CLOSE_DELAY = 0.5
"""Seconds the "cancelled" line stays before the screen closes itself."""
MAX_PLOT_POINTS = 1000
"""Train-loss points drawn at most; longer runs are thinned evenly (plotext slows on long lines)."""
PLOT_THEME = "textual-default"
"""plotext theme: no canvas colour (the dialog's background shows through) and distinct series colours."""
VAL_MARKER = "●"
"""Marker of the validation-loss points, so they differ from the train line without colour too."""

State = Literal["running", "cancelling", "finished", "failed", "cancelled"]
Point = tuple[int, float, float | None]
"""(step, train loss, validation loss or None), as `engine.training.train.train` reports each step."""


def _duration(seconds: float) -> str:
    """`12.3 s` under a minute, else `m:ss`."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d}"


class _ProgressPoster:
    """The training loop's step callback, run in the worker thread.

    Collects every step's losses and posts them as one `TrainScreen.Progress` when
    `UPDATE_INTERVAL` has passed since the last post (and always at step 0); `flush` posts the
    rest. Returns False to the loop, which stops it, once `should_stop` says so.
    """

    def __init__(self, screen: TrainScreen, should_stop: threading.Event, worker: Worker[None]) -> None:
        self._screen = screen
        self._should_stop = should_stop
        self._worker = worker
        self._pending: list[Point] = []
        self._started: float | None = None
        self._posted = 0.0

    def __call__(self, step: int, train_loss: float, val_loss: float | None) -> bool:
        now = time.monotonic()
        if self._started is None:
            self._started = now
        self._pending.append((step, train_loss, val_loss))
        if step == 0 or now - self._posted >= UPDATE_INTERVAL:
            self.flush()
        return not (self._should_stop.is_set() or self._worker.is_cancelled)

    def flush(self) -> None:
        """Post the steps collected since the last post, if any."""
        if not self._pending or self._started is None:
            return
        now = time.monotonic()
        step, train_loss, _ = self._pending[-1]
        vals = [val for _, _, val in self._pending if val is not None]
        self._screen.post_message(
            TrainScreen.Progress(
                step, train_loss, vals[-1] if vals else None, tuple(self._pending), now - self._started
            )
        )
        self._pending = []
        self._posted = now


class TrainScreen(ModalScreen[Path | None]):
    """Trains a tiny GPT on a corpus, with a progress bar, a status line and a live loss curve.

    Dismisses with the checkpoint's path (`enter` once training has finished, or by itself with
    `auto_close`), or None when cancelled, failed, or closed with `escape`.

    Args:
        corpus_text: The text to train on (tokenized with GPT-2's encoding).
        corpus_name: How the title and the checkpoint's metadata name the corpus.
        steps: Optimizer steps.
        out_path: Where to write the checkpoint (default: `engine.locations.default_tiny_checkpoint()`).
        device: The torch device to train on.
        seed: Seeds the initial weights and the batch order.
        auto_close: Close by itself `AUTO_CLOSE_DELAY` seconds after saving.

    Bindings:
        escape: Cancel training (it stops after the current step), or close once it is over.
        enter: Close once training has finished, returning the checkpoint's path.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel / close", id="train.cancel"),
        Binding("enter", "close", "Close", id="train.close"),
    ]

    DEFAULT_CSS = """
    TrainScreen { align: center middle; }
    TrainScreen > Vertical {
        width: 90; max-width: 100%; height: 30; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    TrainScreen Label { width: 1fr; height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    TrainScreen #train-title { text-style: bold; color: $text; }
    TrainScreen #train-status { color: $text-muted; }
    TrainScreen ProgressBar { height: 1; }
    TrainScreen PlotextPlot { height: 1fr; min-height: 3; background: $surface; color: $text; }
    TrainScreen #train-message { height: auto; max-height: 3; text-wrap: wrap; color: $success; }
    TrainScreen #train-message.-error { color: $error; }
    TrainScreen #train-message.-cancelled { color: $warning; }
    TrainScreen #train-keys { color: $text-muted; }
    """

    class Started(Message):
        """The corpus is tokenized and training begins (posted by the worker).

        Args:
            tokens: The corpus's length in tokens.
            config: The model's sizes (before the compact vocabulary replaces vocab_size).
        """

        def __init__(self, tokens: int, config: GPTConfig) -> None:
            super().__init__()
            self.tokens = tokens
            self.config = config

    class Progress(Message):
        """Training got to `step` (posted by the worker, at most every `UPDATE_INTERVAL` seconds).

        Args:
            step: The latest step (0 is before the first update).
            train_loss: Its loss (at step 0 the mean loss of the untrained model).
            val_loss: The newest validation loss among `points`, or None.
            points: Every (step, train loss, validation loss or None) since the previous message.
            seconds: Time since step 0.
        """

        def __init__(
            self,
            step: int,
            train_loss: float,
            val_loss: float | None,
            points: tuple[Point, ...] = (),
            seconds: float = 0.0,
        ) -> None:
            super().__init__()
            self.step = step
            self.train_loss = train_loss
            self.val_loss = val_loss
            self.points = points or ((step, train_loss, val_loss),)
            self.seconds = seconds

    class Finished(Message):
        """Training ended and the checkpoint is saved (posted by the worker).

        Args:
            path: The checkpoint written.
            summary: One line: where, the loss before and after, how long.
        """

        def __init__(self, path: Path, summary: str) -> None:
            super().__init__()
            self.path = path
            self.summary = summary

    class Cancelled(Message):
        """Training stopped early because the user cancelled; nothing was saved.

        Args:
            steps: The steps done.
        """

        def __init__(self, steps: int) -> None:
            super().__init__()
            self.steps = steps

    class Failed(Message):
        """Training or saving failed with an error the user can act on (posted by the worker).

        Args:
            error: The message to show.
        """

        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    def __init__(
        self,
        corpus_text: str,
        corpus_name: str,
        steps: int = 200,
        out_path: Path | None = None,
        device: str = "cpu",
        seed: int = 123,
        auto_close: bool = False,
    ) -> None:
        super().__init__()
        self.corpus_text = corpus_text
        self.corpus_name = corpus_name
        self.steps = steps
        self.out_path = out_path
        self.device = device
        self.seed = seed
        self.auto_close = auto_close
        self.state: State = "running"
        """Where training is: running, cancelling, finished, failed or cancelled."""
        self.train_curve: list[tuple[int, float]] = []
        """(step, train loss) of every step reported so far."""
        self.val_points: list[tuple[int, float]] = []
        """(step, validation loss) of every evaluation reported so far."""
        self.saved_path: Path | None = None
        """The checkpoint written, once finished."""
        self._cancel = threading.Event()
        self._last_val: float | None = None
        self._dismissed = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(
                f"Training a tiny GPT on {self.corpus_name}: tokenizing…", id="train-title", markup=False
            )
            yield ProgressBar(total=self.steps, show_eta=False, id="train-progress")
            yield Label("starting…", id="train-status", markup=False)
            yield PlotextPlot(id="train-plot")
            yield Label("", id="train-message", markup=False)
            yield Label("escape: cancel", id="train-keys", markup=False)

    def on_mount(self) -> None:
        self.query_one(PlotextPlot).theme = PLOT_THEME
        self._train()

    def on_unmount(self) -> None:
        self._cancel.set()

    @work(thread=True, exclusive=True, exit_on_error=False, group="train", description="Training a tiny GPT")
    def _train(self) -> None:
        """Tokenize, train and save, reporting through messages only (this runs in a thread)."""
        from engine.locations import default_tiny_checkpoint
        from engine.tokenize.registry import get_tokenizer
        from engine.training.train import TINY_CONFIG, train

        poster = _ProgressPoster(self, self._cancel, get_current_worker())
        try:
            ids = get_tokenizer("gpt2").encode(self.corpus_text)
            self.post_message(self.Started(len(ids), TINY_CONFIG))
            result = train(ids, steps=self.steps, seed=self.seed, device=self.device, on_step=poster)
            if result.cancelled or self._cancel.is_set():
                self.post_message(self.Cancelled(result.steps))
                return
            poster.flush()
            path = result.save(
                self.out_path or default_tiny_checkpoint(), metadata={"corpus": self.corpus_name}
            )
        except (UserError, OSError) as error:
            message = app_message(error) if isinstance(error, UserError) else str(error)
            self.post_message(self.Failed(message))
            return
        summary = (
            f"saved to {path} · loss {result.initial_train_loss:.2f} → {result.final_train_loss:.2f} "
            f"in {result.seconds:.1f} seconds"
        )
        self.post_message(self.Finished(path, summary))

    def on_train_screen_started(self, message: Started) -> None:
        config = message.config
        self._label("#train-title").update(
            f"Training a tiny GPT on {self.corpus_name}: {message.tokens:,} tokens, {config.layers} layers · "
            f"{config.dim} dim · {config.heads} heads"
        )

    def on_train_screen_progress(self, message: Progress) -> None:
        for step, train_loss, val_loss in message.points:
            self.train_curve.append((step, train_loss))
            if val_loss is not None:
                self.val_points.append((step, val_loss))
                self._last_val = val_loss
        self.query_one(ProgressBar).update(progress=message.step)
        parts = [f"step {message.step}/{self.steps}", f"train loss {message.train_loss:.3f}"]
        if self._last_val is not None:
            parts.append(f"val loss {self._last_val:.3f}")
        parts.append(f"{_duration(message.seconds)} elapsed")
        if 0 < message.step < self.steps:
            parts.append(f"ETA {_duration(message.seconds / message.step * (self.steps - message.step))}")
        self._label("#train-status").update(" · ".join(parts))
        self._draw()

    def on_train_screen_finished(self, message: Finished) -> None:
        self.saved_path = message.path
        self._set_state("finished", message.summary, "enter: close · escape: close without loading")
        if self.auto_close:
            self.set_timer(AUTO_CLOSE_DELAY, lambda: self._close(message.path))

    def on_train_screen_cancelled(self, message: Cancelled) -> None:
        self._set_state("cancelled", f"cancelled after {message.steps} steps; nothing saved", "")
        self.set_timer(CANCEL_CLOSE_DELAY, lambda: self._close(None))

    def on_train_screen_failed(self, message: Failed) -> None:
        self._set_state("failed", message.error, "escape: close")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Show a bug in the worker rather than leave the screen saying "training" for ever."""
        if event.state == WorkerState.ERROR and self.state in ("running", "cancelling"):
            error = event.worker.error
            self._set_state("failed", f"training failed: {type(error).__name__}: {error}", "escape: close")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`enter` only closes once the checkpoint is saved."""
        if action == "close":
            return self.state == "finished"
        return True

    def action_cancel(self) -> None:
        """Ask the worker to stop after this step; close at once if training is over or already stopping."""
        if self.state == "running":
            self._cancel.set()
            self._set_state("cancelling", "cancelling after this step…", "escape: close now")
        else:
            self._close(None)

    def action_close(self) -> None:
        """Close, returning the checkpoint's path."""
        self._close(self.saved_path)

    def _close(self, result: Path | None) -> None:
        """Dismiss once (a timer and a key may both ask)."""
        if not self._dismissed:
            self._dismissed = True
            self._cancel.set()
            self.dismiss(result)

    def _set_state(self, state: State, message: str, keys: str) -> None:
        self.state = state
        shown = self._label("#train-message")
        shown.update(message)
        shown.set_class(state == "failed", "-error")
        shown.set_class(state in ("cancelling", "cancelled"), "-cancelled")
        self._label("#train-keys").update(keys)
        self.refresh_bindings()

    def _label(self, selector: str) -> Label:
        return self.query_one(selector, Label)

    def _draw(self) -> None:
        """Redraw the loss curve: the train loss as a line, the validation losses as points."""
        plot = self.query_one(PlotextPlot)
        plt = plot.plt
        plt.clear_figure()
        plt.theme(PLOT_THEME)
        curve = self.train_curve
        if len(curve) > MAX_PLOT_POINTS:
            stride = -(-len(curve) // MAX_PLOT_POINTS)
            curve = curve[::stride] + ([curve[-1]] if (len(curve) - 1) % stride else [])
        plt.plot([s for s, _ in curve], [loss for _, loss in curve], label="train loss")
        if self.val_points:
            steps, losses = zip(*self.val_points, strict=True)
            plt.scatter(list(steps), list(losses), marker=VAL_MARKER, label="validation loss")
        plt.xlim(0, max(self.steps, 1))
        plt.xlabel("step")
        plot.refresh()
