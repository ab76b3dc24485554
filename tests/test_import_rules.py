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


ENGINE_MODULES = ["engine.pipeline", "engine.tokenizers", "engine.bpe", "engine.windows", "engine.attention"]


@pytest.mark.parametrize("module", ENGINE_MODULES)
def test_engine_imports_no_textual(module):
    assert not any(name.split(".")[0] == "textual" for name in _modules_after_import(module))


def test_tokenizing_needs_no_torch():
    assert "torch" not in _modules_after_import("engine.tokenizers", "engine.bpe", "engine.regex_tokenizers")


def test_app_modules_do_not_import_torch_at_module_level():
    assert "torch" not in _modules_after_import("tui.cli", "tui.app", "themes")
