"""How the subcommands write `--json` output."""

from __future__ import annotations

import json
import sys
from typing import Any


def print_json(payload: dict[str, Any]) -> None:
    """`payload` as one line of JSON on stdout, non-ASCII text as it is (ち, not \\u3061)."""
    json.dump(payload, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
