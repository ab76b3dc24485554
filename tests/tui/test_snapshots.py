"""Snapshots of every tab, the lesson panel, the training screen and the help screen (SVG, truecolor).

Taken before the house was rebuilt and kept passing after it: a picture of what the user sees is the
proof that a restructuring changed no behaviour. Update with `pytest --snapshot-update` only when a
change to the screen is intended, and look at the new pictures (`snapshot_report.html`) first.
"""

from __future__ import annotations

import pytest
from textual.widgets import TabbedContent, TextArea

from engine.settings import Settings
from tests.tui.helpers import TEST_DEVICE, make_app, settle
from tui.app import LlmTuiApp

SIZE = (120, 40)
TEXT = "one two three four five six"


async def _ready(pilot) -> None:
    pilot.app.query_one(TextArea).cursor_blink = False
    await settle(pilot)


def _show_tab(tab: str, *keys: str):
    async def show(pilot) -> None:
        await _ready(pilot)
        pilot.app.query_one(TabbedContent).active = tab
        await pilot.pause()
        if keys:
            await pilot.press(*keys)
        await settle(pilot)

    return show


def test_main_screen(snap_compare):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_ready)


def test_attention_pane(snap_compare):
    show = _show_tab("attention", "tab", "tab", "tab", "down", "down", "right")
    assert snap_compare(make_app(text=TEXT), terminal_size=SIZE, run_before=show)


@pytest.mark.parametrize("tab", ["compare", "windows", "embeddings", "positions", "layers", "next", "space"])
def test_tab(snap_compare, tab):
    assert snap_compare(make_app(text=TEXT), terminal_size=SIZE, run_before=_show_tab(tab))


def test_attention_overview(snap_compare):
    """`z` on the sample text's 158 tokens: the whole matrix as block maxima, the zoomed-in part
    (moved down by the cursor) outlined."""
    from engine.tokenize.registry import sample_text

    async def show(pilot) -> None:
        await _ready(pilot)
        pilot.app.show_pane("attention", focus=True)
        await settle(pilot)
        await pilot.press(*(["pagedown"] * 3), "z")
        await settle(pilot)

    assert snap_compare(make_app(text=sample_text()), terminal_size=SIZE, run_before=show)


def test_attention_cell_arithmetic(snap_compare):
    show = _show_tab("attention", "tab", "tab", "tab", "down", "down", "down", "left", "c")
    assert snap_compare(make_app(text=TEXT), terminal_size=SIZE, run_before=show)


def test_the_books_worked_example(snap_compare):
    """The book's chapter-3 sentence, simplified self-attention: row 1 is its printed query x(2)."""
    app = make_app(text="Your journey starts with one step", example="journey", causal=False, scaled=False)
    show = _show_tab("attention", "tab", "tab", "tab", "down", "c")
    assert snap_compare(app, terminal_size=SIZE, run_before=show)


def test_the_one_hot_example(snap_compare):
    app = make_app(text="this is world", example="hello-world")
    assert snap_compare(app, terminal_size=SIZE, run_before=_show_tab("embeddings", "tab", "tab", "tab", "o"))


def test_layers_tab_with_a_model(snap_compare, tmp_path):
    """A 2-layer GPT whose output head is scaled up, so each cell's top-1 wins by a wide margin and
    the picture does not hang on the last bits of a near tie."""
    import torch

    from engine.nn.checkpoints import save_checkpoint
    from engine.nn.model import GPT, GPTConfig

    config = GPTConfig(layers=2, dim=32, heads=2, context=64)
    model = GPT(config, seed=7)
    with torch.no_grad():
        model.token_embedding.weight.mul_(60.0)
    weights = save_checkpoint(model, config, tmp_path / "peaked.safetensors")
    app = make_app(text=TEXT, weights=str(weights))
    assert snap_compare(
        app, terminal_size=SIZE, run_before=_show_tab("layers", "tab", "tab", "tab", "down", "right")
    )


def test_help_screen(snap_compare):
    assert snap_compare(make_app(), terminal_size=SIZE, press=["f1"], run_before=_ready)


def test_lesson_panel(snap_compare, tmp_path):
    app = LlmTuiApp(
        "The robot lit the lamp.",
        Settings(),
        theme_name="llm-dark",
        device=TEST_DEVICE,
        colors="truecolor",
        language="en",
        lesson="text-to-tokens",
        state_dir=tmp_path,
    )
    assert snap_compare(app, terminal_size=SIZE, press=["n"], run_before=_ready)


def test_training_screen(snap_compare, monkeypatch):
    """The dialog part-way through training; the loop is replaced by one that reports fixed losses
    and then waits to be cancelled, so the picture does not depend on the machine's speed."""
    import threading
    import types

    import engine.training.train as training

    monkeypatch.setattr("engine.nn.cpu_share.usable_cores", lambda: 2)  # not the test machine's
    released = threading.Event()

    def scripted_train(ids, steps, seed, device, on_step, on_threads):
        on_threads(1, 1.0)  # as on a 2-core machine (below) with one other busy process
        for step in range(0, 41, 5):
            on_step(step, 10.0 - step / 10, 9.5 - step / 10 if step % 20 == 0 else None)
        released.wait(3)  # past the screenshot; then the dialog says "cancelled"
        return types.SimpleNamespace(cancelled=True, steps=40)

    monkeypatch.setattr(training, "train", scripted_train)

    async def open_training(pilot) -> None:
        await _ready(pilot)
        await pilot.press("f7")
        for _ in range(200):
            await pilot.pause(0.02)
            status = pilot.app.screen.query("#train-status")
            if status and "train loss 10.000" in str(status.first().render()):
                break
        await pilot.pause()

    try:
        assert snap_compare(make_app(), terminal_size=SIZE, run_before=open_training)
    finally:
        released.set()
