"""Token pieces made readable in a terminal cell (no Textual import: the CLI uses it too)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.tokenize.tokens import TokenizedText

_VISIBLE = {" ": "·", "\n": "↵", "\t": "→", "\r": "␍"}


def visible_piece(piece: str, marks: bool = True) -> str:
    """Whitespace as ·/↵/→/␍ and other control characters as \\xNN, so every token has a shape.

    Args:
        piece: a token's text.
        marks: show whitespace as ·/↵/→/␍; False shows each whitespace character as a plain space
            (one cell, as its mark), for readers who find the marks noisy.
    """
    out = []
    for char in piece:
        if char in _VISIBLE:
            out.append(_VISIBLE[char] if marks else " ")
        elif char.isprintable():
            out.append(char)
        else:
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    return "".join(out)


class PieceLabels:
    """`visible_piece` of each token, remembered by token id for as long as the tokenizer stays.

    A keystroke re-tokenizes the whole text, but a label depends only on the id (and the
    tokenizer), so panes that label every token (the heatmap's rows) reuse the labels they made
    before: on 1,024 tokens that saves several milliseconds per keystroke.
    """

    def __init__(self) -> None:
        self._tokenizer: object = None
        self._by_id: dict[int, str] = {}

    def of(self, tokens: TokenizedText, count: int) -> list[str]:
        """Labels of the first `count` tokens of `tokens`."""
        from engine.tokenize.tokens import (
            bytes_to_display,  # numpy: not at import, the CLI starts with this module
        )

        if tokens.token_bytes != self._tokenizer:  # a bound method: equal for the same tokenizer
            self._tokenizer, self._by_id = tokens.token_bytes, {}
        by_id, token_bytes = self._by_id, tokens.token_bytes
        labels = []
        for token_id in tokens.ids[:count].tolist():
            label = by_id.get(token_id)
            if label is None:
                label = by_id[token_id] = visible_piece(bytes_to_display(token_bytes(token_id)))
            labels.append(label)
        return labels
