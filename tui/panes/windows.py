"""The Windows pane: the input/target pairs a sliding window cuts from the current text."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from engine.training.windows import sliding_windows
from tui.formatting.pieces import visible_piece
from tui.panes.base import Pane

if TYPE_CHECKING:
    from engine.pipeline.results import PipelineResult

MAX_PAIRS_SHOWN = 64
"""Pairs drawn at most; a long text has thousands and the first ones show the idea."""
BATCH_SIZES = (1, 2, 4, 8, 16)


class WindowsPane(Pane, VerticalScroll, can_focus=True):
    """Input/target pairs for next-token training, grouped into batches.

    Bindings:
        + / -: Longer / shorter windows (max_length).
        > / <: Larger / smaller stride.
        b: Next batch size.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("plus,equals_sign", "length(1)", "Longer", id="windows.longer", key_display="+"),
        Binding("minus", "length(-1)", "Shorter", id="windows.shorter", key_display="-"),
        Binding(
            "greater_than_sign,full_stop", "stride(1)", "Stride +", id="windows.stride_up", key_display=">"
        ),
        Binding("less_than_sign,comma", "stride(-1)", "Stride -", id="windows.stride_down", key_display="<"),
        Binding("b", "batch", "Batch size", id="windows.batch"),
    ]
    DEFAULT_CSS = """
    WindowsPane { height: 1fr; padding: 0 1; }
    WindowsPane > #windows-body { width: 1fr; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.result: PipelineResult | None = None
        self.selected: int | None = None
        self.max_length = 4
        self.stride = 4
        self.batch_size = 2
        self.mono = False
        self._question: str | None = None  # an open lesson question the pairs would answer

    def compose(self):
        yield Static("", id="windows-body")

    def set_params(
        self, max_length: int | None = None, stride: int | None = None, batch_size: int | None = None
    ) -> None:
        """Change the window; None keeps a value."""
        self.max_length = max(1, max_length if max_length is not None else self.max_length)
        self.stride = max(1, stride if stride is not None else self.stride)
        self.batch_size = max(1, batch_size if batch_size is not None else self.batch_size)
        self._draw()

    def action_length(self, step: int) -> None:
        self.set_params(max_length=self.max_length + step)

    def action_stride(self, step: int) -> None:
        self.set_params(stride=self.stride + step)

    def action_batch(self) -> None:
        larger = [size for size in BATCH_SIZES if size > self.batch_size]
        self.set_params(batch_size=larger[0] if larger else BATCH_SIZES[0])

    def show_result(self, result: PipelineResult) -> None:
        self.result = result
        self._draw()

    def show_message(self, message: str) -> None:
        self.result = None
        self.query_one("#windows-body", Static).update(Text(message, style="italic"))

    def select_token(self, index: int | None) -> None:
        self.selected = index
        self._draw()

    def set_palette(self, palette_name: str, mono: bool) -> None:
        self.mono = mono
        self._draw()

    def conceal(self, question: str | None) -> None:
        if question != self._question:
            self._question = question
            self._draw()

    def on_resize(self) -> None:
        """Japanese sentences are broken for the pane's width: break them again."""
        self._draw()

    def _draw(self) -> None:
        if self.result is None:
            return
        strings = self.app.strings
        say, say_n = strings.say, strings.say_n
        width = self.scrollable_content_region.width

        def sentence(message: str) -> str:
            return strings.broken_for(message, width) if width > 0 else message

        tokens = self.result.tokens
        windows = sliding_windows(tokens.ids, self.max_length, self.stride)
        body = Text()
        hidden = self._question == "n_windows"
        count = len(windows.inputs)
        pairs = say("? pairs") if hidden else say_n("{count} pair", "{count} pairs", count)
        body.append(
            say(
                "max_length {max_length} · stride {stride} · batch size {batch_size} · {pairs} from {tokens}",
                max_length=self.max_length,
                stride=self.stride,
                batch_size=self.batch_size,
                pairs=pairs,
                tokens=say_n("{count} token", "{count} tokens", len(tokens)),
            )
            + "\n",
            style="bold",
        )
        if hidden:
            body.append(
                "\n"
                + sentence(
                    say("The pairs are hidden until you answer the question: counting them would answer it.")
                )
            )
            self.query_one("#windows-body", Static).update(body)
            return
        body.append(say("+/- window length · </> stride · b batch size") + "\n\n", style="dim")
        if not count:
            body.append(
                sentence(
                    say(
                        "The text needs more than {max_length} tokens for one pair.",
                        max_length=self.max_length,
                    )
                )
            )
        names = [say("input"), say("target")]
        label_width = max(cell_len(name) for name in names)
        input_label, target_label = (name + " " * (label_width - cell_len(name)) for name in names)
        shown = min(count, MAX_PAIRS_SHOWN)
        for pair in range(shown):
            if pair % self.batch_size == 0:
                last = min(pair + self.batch_size, count) - 1
                heading = say(
                    "batch {batch}  (pairs {first}–{last}, tensor shape ({rows}, {max_length}))",
                    batch=pair // self.batch_size,
                    first=pair,
                    last=last,
                    rows=last - pair + 1,
                    max_length=self.max_length,
                )
                body.append(heading + "\n", style="underline")
            start = int(windows.starts[pair])
            for label, offset, ids in (
                (input_label, 0, windows.inputs[pair]),
                (target_label, 1, windows.targets[pair]),
            ):
                body.append(f"  {pair:>3} {label} [{', '.join(str(int(i)) for i in ids)}]  ")
                for position in range(start + offset, start + offset + self.max_length):
                    style = "reverse" if position == self.selected else ("" if self.mono else "bold")
                    body.append(visible_piece(tokens.piece(position)), style=style)
                    body.append("|", style="dim")
                body.append("\n")
        if shown < count:
            body.append(say("… {count} more pairs", count=f"{count - shown:,}") + "\n", style="dim")
        self.query_one("#windows-body", Static).update(body)
