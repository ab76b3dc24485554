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
    TrainScreen #train-status, TrainScreen #train-device { color: $text-muted; }
    TrainScreen #train-note { height: auto; max-height: 3; text-wrap: wrap; color: $warning; }
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

    class Threads(Message):
        """Training on the CPU chose (or changed) its thread count (posted by the worker).

        Args:
            threads: torch's threads for the training.
            busy: Cores other processes keep busy, or None where the machine cannot tell.
            cores: The cores this process may use.
        """

        def __init__(self, threads: int, busy: float | None, cores: int) -> None:
            super().__init__()
            self.threads = threads
            self.busy = busy
            self.cores = cores

    class Saving(Message):
        """Training is over and the checkpoint is being written (posted by the worker).

        Args:
            path: Where it goes.
        """

        def __init__(self, path: Path) -> None:
            super().__init__()
            self.path = path

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
        say = self.app.strings.say
        with Vertical():
            yield Label(
                say("Training a tiny GPT on {corpus}: tokenizing…", corpus=self.corpus_name),
                id="train-title",
                markup=False,
            )
            yield Label(say("on {device}", device=self.device), id="train-device", markup=False)
            yield ProgressBar(total=self.steps, show_eta=False, id="train-progress")
            yield Label(say("starting…"), id="train-status", markup=False)
            yield PlotextPlot(id="train-plot")
            yield Label("", id="train-note", markup=False)
            yield Label("", id="train-message", markup=False)
            yield Label(say("escape: cancel"), id="train-keys", markup=False)

    def on_mount(self) -> None:
        self.query_one(PlotextPlot).theme = PLOT_THEME
        self._train()

    def on_unmount(self) -> None:
        self._cancel.set()

    @work(thread=True, exclusive=True, exit_on_error=False, group="train", description="Training a tiny GPT")
    def _train(self) -> None:
        """Tokenize, train and save, reporting through messages only (this runs in a thread)."""
        from engine.locations import default_tiny_checkpoint
        from engine.nn.cpu_share import usable_cores
        from engine.tokenize.registry import get_tokenizer
        from engine.training.train import TINY_CONFIG, train

        poster = _ProgressPoster(self, self._cancel, get_current_worker())
        cores = usable_cores()

        def threads_chosen(threads: int, busy: float | None) -> None:
            self.post_message(self.Threads(threads, busy, cores))

        try:
            ids = get_tokenizer("gpt2").encode(self.corpus_text)
            self.post_message(self.Started(len(ids), TINY_CONFIG))
            result = train(
                ids,
                steps=self.steps,
                seed=self.seed,
                device=self.device,
                on_step=poster,
                on_threads=threads_chosen,
            )
            if result.cancelled or self._cancel.is_set():
                self.post_message(self.Cancelled(result.steps))
                return
            poster.flush()
            out = self.out_path or default_tiny_checkpoint()
            self.post_message(self.Saving(out))
            path = result.save(out, metadata={"corpus": self.corpus_name})
        except (UserError, OSError) as error:
            message = app_message(error, self.app.strings) if isinstance(error, UserError) else str(error)
            self.post_message(self.Failed(message))
            return
        summary = self.app.strings.say(
            "saved to {path} · loss {before:.2f} → {after:.2f} in {seconds:.1f} seconds",
            path=path,
            before=result.initial_train_loss,
            after=result.final_train_loss,
            seconds=result.seconds,
        )
        self.post_message(self.Finished(path, summary))

    def on_train_screen_started(self, message: Started) -> None:
        config = message.config
        self._label("#train-title").update(
            self.app.strings.say(
                "Training a tiny GPT on {corpus}: {tokens:,} tokens, "
                "{layers} layers · {dim} dim · {heads} heads",
                corpus=self.corpus_name,
                tokens=message.tokens,
                layers=config.layers,
                dim=config.dim,
                heads=config.heads,
            )
        )

    def on_train_screen_threads(self, message: Threads) -> None:
        strings = self.app.strings
        threads = strings.say_n("{count} thread", "{count} threads", message.threads)
        if message.busy is None:
            line = strings.say("on {device} · {threads}", device=self.device, threads=threads)
        else:
            line = strings.say(
                "on {device} · {threads}: {busy:.1f} of {cores} cores busy with other work",
                device=self.device,
                threads=threads,
                busy=message.busy,
                cores=message.cores,
            )
        self._label("#train-device").update(line)

    def on_train_screen_saving(self, message: Saving) -> None:
        self._label("#train-message").update(self.app.strings.say("saving to {path}…", path=message.path))

    def on_train_screen_progress(self, message: Progress) -> None:
        for step, train_loss, val_loss in message.points:
            self.train_curve.append((step, train_loss))
            if val_loss is not None:
                self.val_points.append((step, val_loss))
                self._last_val = val_loss
        self.query_one(ProgressBar).update(progress=message.step)
        say = self.app.strings.say
        parts = [
            say("step {step}/{steps}", step=message.step, steps=self.steps),
            say("train loss {loss:.3f}", loss=message.train_loss),
        ]
        if self._last_val is not None:
            parts.append(say("val loss {loss:.3f}", loss=self._last_val))
        parts.append(say("{time} elapsed", time=_duration(message.seconds)))
        if 0 < message.step < self.steps:
            left = _duration(message.seconds / message.step * (self.steps - message.step))
            parts.append(say("ETA {time}", time=left))
        self._label("#train-status").update(" · ".join(parts))
        self._explain_validation()
        self._draw()

    def _explain_validation(self) -> None:
        """Say why the validation loss rises while the training loss falls, once it does."""
        from engine.training.train import memorising_since

        since = memorising_since(self.val_points)
        if since is None or self._last_val is None:
            return
        step, lowest = since
        self._label("#train-note").update(
            self.app.strings.say(
                "val loss {now:.2f}, up from {lowest:.2f} at step {step}: the model is learning its "
                "training text by heart, which does not help on the held-out last 10% it never sees. "
                "A text this short is memorised quickly; a longer corpus (F3) keeps it learning longer.",
                now=self._last_val,
                lowest=lowest,
                step=step,
            )
        )

    def on_train_screen_finished(self, message: Finished) -> None:
        self.saved_path = message.path
        say = self.app.strings.say
        self._set_state("finished", message.summary, say("enter: close · escape: close without loading"))
        if self.auto_close:
            self.set_timer(AUTO_CLOSE_DELAY, lambda: self._close(message.path))

    def on_train_screen_cancelled(self, message: Cancelled) -> None:
        said = self.app.strings.say_n(
            "cancelled after {count} step; nothing saved",
            "cancelled after {count} steps; nothing saved",
            message.steps,
        )
        self._set_state("cancelled", said, "")
        self.set_timer(CANCEL_CLOSE_DELAY, lambda: self._close(None))

    def on_train_screen_failed(self, message: Failed) -> None:
        self._set_state("failed", message.error, self.app.strings.say("escape: close"))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Show a bug in the worker rather than leave the screen saying "training" for ever."""
        if event.state == WorkerState.ERROR and self.state in ("running", "cancelling"):
            error = event.worker.error
            say = self.app.strings.say
            failed = say("training failed: {kind}: {error}", kind=type(error).__name__, error=error)
            self._set_state("failed", failed, say("escape: close"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`enter` only closes once the checkpoint is saved."""
        if action == "close":
            return self.state == "finished"
        return True

    def action_cancel(self) -> None:
        """Ask the worker to stop after this step; close at once if training is over or already stopping."""
        if self.state == "running":
            self._cancel.set()
            say = self.app.strings.say
            self._set_state("cancelling", say("cancelling after this step…"), say("escape: close now"))
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
        say = self.app.strings.say
        plt.plot([s for s, _ in curve], [loss for _, loss in curve], label=say("train loss"))
        if self.val_points:
            steps, losses = zip(*self.val_points, strict=True)
            plt.scatter(list(steps), list(losses), marker=VAL_MARKER, label=say("validation loss"))
        plt.xlim(0, max(self.steps, 1))
        plt.xlabel(say("step"))
        plot.refresh()
