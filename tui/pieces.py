"""Token pieces made readable in a terminal cell (no Textual import: the CLI uses it too)."""

from __future__ import annotations

_VISIBLE = {" ": "·", "\n": "↵", "\t": "→", "\r": "␍"}


def visible_piece(piece: str) -> str:
    """Whitespace as ·/↵/→/␍ and other control characters as \\xNN, so every token has a shape."""
    out = []
    for char in piece:
        if char in _VISIBLE:
            out.append(_VISIBLE[char])
        elif char.isprintable():
            out.append(char)
        else:
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    return "".join(out)
