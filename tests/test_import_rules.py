"""Architecture rules, checked in fresh interpreters: the engine never imports Textual, and the
app's modules do not import torch at module level (it loads in a worker after the first frame)."""

import json
import subprocess
import sys

import pytest


def _modules_after_import(*modules: str) -> set[str]:
    code = "import json, sys\n" + "".join(f"import {m}\n" for m in modules)
    code += "print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout))


ENGINE_MODULES = [
    "engine.pipeline.run",
    "engine.tokenize.registry",
    "engine.tokenize.bpe",
    "engine.training.windows",
    "engine.nn.attention",
    "engine.analysis.attention_stats",
    "engine.analysis.draws",
    "engine.analysis.one_hot",
    "engine.analysis.scaling",
    "engine.analysis.sinusoids",
    "engine.analysis.softmax",
    "engine.analysis.word_vectors",
]


@pytest.mark.parametrize("module", ENGINE_MODULES)
def test_engine_imports_no_textual(module):
    assert not any(name.split(".")[0] == "textual" for name in _modules_after_import(module))


def test_tokenizing_needs_no_torch():
    assert "torch" not in _modules_after_import(
        "engine.tokenize.registry", "engine.tokenize.bpe", "engine.tokenize.words"
    )


def test_open_model_tokenizers_and_the_hub_need_neither_torch_nor_textual():
    loaded = _modules_after_import("engine.tokenize.hf", "engine.tokenize.chat", "engine.hub")
    assert not {"torch", "textual", "transformers"} & {name.split(".")[0] for name in loaded}


def test_app_modules_do_not_import_torch_at_module_level():
    assert "torch" not in _modules_after_import("tui.cli", "tui.cli.launch", "tui.app", "themes")


def test_the_command_reaches_the_first_frame_without_numpy():
    # `llm-tui` imports tui.cli, then tui.cli.launch (so tui.app): numpy (~60 ms) waits for the first frame.
    assert "numpy" not in _modules_after_import("tui.cli", "tui.cli.launch")


def test_the_panes_and_the_lesson_panel_load_after_the_first_frame():
    # Markdown (the lesson panel) and plotext (the plots) cost ~100 ms of start-up, a bench target.
    loaded = _modules_after_import("tui.cli", "tui.cli.launch")
    assert "textual.widgets._markdown" not in loaded and "plotext" not in loaded
    assert not any(name.startswith("tui.panes.") and name not in _LIGHT_PANE_MODULES for name in loaded)


_LIGHT_PANE_MODULES = {"tui.panes.base", "tui.panes.host", "tui.panes.registry"}
"""The parts of tui.panes the app needs before its first frame: the contract and the list of panes."""


def test_launching_imports_neither_torch_nor_numpy_before_the_first_frame():
    # What `launch` runs before `app.run`: parsing, settings, "is there a trained model?".
    code = (
        "import json, sys\n"
        "from tui.cli.args import settings_from_args\n"
        "from tui.cli.parser import build_parser\n"
        "from engine.locations import default_tiny_checkpoint\n"
        "settings_from_args(build_parser().parse_args([]))\n"
        "default_tiny_checkpoint().exists()\n"
        "import tui.cli.launch\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    assert "torch" not in loaded and "numpy" not in loaded
