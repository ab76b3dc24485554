"""Pick the model the panes run: random weights, a trained tiny model, a model of the Hugging Face
cache (the list `llm-tui models` prints), or a folder, file or repo id typed in."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from tui.views.phrase_text import PhraseText
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
    ModelScreen Label { width: 1fr; height: auto; }  /* long lines (and Japanese) wrap */
    """

    def __init__(self, current: str | None) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        from tui.formatting.model_listing import listing

        say = self.app.strings.say
        options = [Option(say("Random weights (seeded): the mechanics, no knowledge"), id=RANDOM)]
        for record in listing():  # config files and safetensors headers only: nothing is loaded
            name = record["weights"]
            if name == "tiny":
                trained = say("The tiny model you trained ({path})", path=record["path"])
                options.append(Option(Content(trained), id="tiny"))
                continue
            size = f"{record['parameters'] / 1e9:.2f}B" if record["parameters"] else "?"
            about = say(
                "{family} · {size} params · {dtype}",
                family=record["family"] or "?",
                size=size,
                dtype=record["dtype"] or "?",
            )
            if record["complete"] and record["supported"]:
                options.append(Option(f"{name}  ({about})", id=name))
            else:
                why = record["problem"] or say(
                    "{architecture} is not supported", architecture=record["architecture"]
                )
                options.append(Option(f"{name}  ({why})", id=name, disabled=True))
        options.append(Option(say("Train a tiny model now on the corpus (about a minute)…"), id=TRAIN))
        with Vertical():
            now = say("Model (now: {name})", name=self.current) if self.current else None
            now = now or say("Model (now: random weights)")
            yield Label(Content(now))  # a path, not markup
            yield VimOptionList(*options, id="model-options")
            yield PhraseText(
                say("or a Hugging Face repo id, a model folder or a .safetensors file (enter to load):")
            )
            yield Input(placeholder=say("Qwen/Qwen2.5-0.5B or path/to/model"), id="model-path")
            yield Label("", id="model-error")

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss("" if event.option.id == RANDOM else event.option.id)

    @on(Input.Submitted, "#model-path")
    def _path(self, event: Input.Submitted) -> None:
        from pathlib import Path

        from engine.locations import is_repo_id

        spec = event.value.strip()
        path = Path(spec).expanduser()
        if spec and not is_repo_id(spec) and path.exists() and not (path.is_file() or path.is_dir()):
            # A FIFO would block the loader's open, a device never ends: refused here, not loaded.
            self.query_one("#model-error", Label).update(
                Content(f"{spec!r} is a pipe or device, not a model file or folder")
            )
            return
        if spec and (is_repo_id(spec) or path.exists()):
            # A repo id missing from the cache is said by the pipeline, with how to download it.
            self.dismiss(spec if is_repo_id(spec) else str(Path(spec).expanduser()))
            return
        self.query_one("#model-error", Label).update(
            Content(f"{spec!r} is neither a file, a folder nor ORG/NAME")
        )

    def action_cancel(self) -> None:
        self.dismiss(None)
