"""Pick the model the panes run: random weights, a trained tiny model, GPT-2 weights on disk."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from tui.views.vim import VimOptionList

RANDOM = "random"
TRAIN = "train"


class ModelScreen(ModalScreen[str | None]):
    """Dismisses with a `--weights` value ("" for random weights), "train", or None to cancel."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="model.cancel")]
    DEFAULT_CSS = """
    ModelScreen { align: center middle; }
    ModelScreen > Vertical {
        width: 90; max-width: 95%; height: auto; border: round $primary;
        background: $surface; padding: 0 1;
    }
    ModelScreen OptionList { height: auto; max-height: 10; }
    ModelScreen #model-error { color: $error; height: auto; }
    """

    def __init__(self, current: str | None) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        from engine.locations import default_tiny_checkpoint, find_hf_cache_gpt2

        options = [Option("Random weights (seeded): the mechanics, no knowledge", id=RANDOM)]
        tiny = default_tiny_checkpoint()
        if tiny.exists():
            options.append(Option(f"The tiny model you trained ({tiny})", id="tiny"))
        gpt2 = find_hf_cache_gpt2()
        if gpt2 is not None:
            options.append(Option(f"GPT-2 from the Hugging Face cache ({gpt2})", id="gpt2"))
        options.append(Option("Train a tiny model now on the corpus (about a minute)…", id=TRAIN))
        with Vertical():
            yield Label(Content(f"Model (now: {self.current or 'random weights'})"))  # a path, not markup
            yield VimOptionList(*options, id="model-options")
            yield Label("or a GPT-2 .safetensors file / Hugging Face folder (enter to load):")
            yield Input(placeholder="path/to/gpt2", id="model-path")
            yield Label("", id="model-error")

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss("" if event.option.id == RANDOM else event.option.id)

    @on(Input.Submitted, "#model-path")
    def _path(self, event: Input.Submitted) -> None:
        from pathlib import Path

        path = Path(event.value.strip()).expanduser()
        if not event.value.strip() or not path.exists():
            self.query_one("#model-error", Label).update(Content(f"{str(path)!r} does not exist"))
            return
        self.dismiss(str(path))

    def action_cancel(self) -> None:
        self.dismiss(None)
