"""engine.analysis is numpy only: its modules load neither torch nor Textual (in a fresh interpreter)."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import engine.analysis

MODULES = sorted(f"engine.analysis.{info.name}" for info in pkgutil.iter_modules(engine.analysis.__path__))


def test_every_analysis_module_is_checked() -> None:
    assert {
        "engine.analysis.word_vectors",
        "engine.analysis.attention_stats",
        "engine.analysis.scaling",
    } <= set(MODULES)


def test_analysis_modules_import_neither_torch_nor_textual() -> None:
    code = "import json, sys\n" + "".join(f"import {m}\n" for m in MODULES)
    code += "print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    roots = {name.split(".")[0] for name in json.loads(out.stdout)}
    assert "numpy" in roots  # the import really ran
    assert not roots & {"torch", "textual", "rich", "tui"}
