"""The whole one-hot product of a small vocabulary, as the notes write it: the text's one-hot
matrix (T × V), times the table (V × d), equals the rows the ids pick (T × d).

Drawn by the Embeddings tab's one-hot panel instead of the one-token form when the table is small
enough to print whole (a worked example such as hello-world, a regex vocabulary of a few words).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text

from engine.analysis.one_hot import one_hot_product
from tui.formatting.pieces import visible_piece
from tui.i18n.strings import UiStrings
from tui.views.text_wrap import fit_left

if TYPE_CHECKING:
    import numpy as np

    from engine.pipeline.results import PipelineResult

MAX_ROWS = 8
"""Most table rows and tokens drawn whole; beyond, the panel shows one token's lookup."""
WORD = 8
"""Cells of a word's label."""


def fits_whole(result: PipelineResult) -> bool:
    """Whether the text's one-hot matrix and the table are small enough to draw whole."""
    table = result.embedded.token_table
    return (
        result.embedded.table_ids is None
        and 0 < result.n_used <= MAX_ROWS
        and table.shape[0] <= MAX_ROWS
        and table.shape[1] <= 4
    )


def _padded(text: str, width: int) -> str:
    """`text` and spaces up to `width` cells (as `str.ljust`, counting a wide character two)."""
    return text + " " * max(width - cell_len(text), 0)


def _numbers(row: np.ndarray) -> str:
    return "[" + " ".join(f"{value:+.2f}" for value in row) + "]"


def matrix_lines(
    result: PipelineResult,
    selected: int,
    label: Style,
    one: Style,
    width: int = 200,
    strings: UiStrings | None = None,
) -> list[Text]:
    """Title, then max(T, V) lines of the three matrices side by side, then the check; in fewer
    than `width` cells, the product goes under the one-hot matrix and the table instead (in the
    learner's language, `strings`; English without)."""
    say = (strings or UiStrings("en")).say
    table = result.embedded.token_table
    ids = result.tokens.ids[: result.n_used]
    product = one_hot_product(ids, table)
    tokens, vocab, dim = len(ids), table.shape[0], table.shape[1]
    pieces = [fit_left(visible_piece(result.tokens.piece(i)), WORD) for i in range(tokens)]
    words = [
        visible_piece(result.tokenizer.token_bytes(row).decode("utf-8", "replace")) for row in range(vocab)
    ]
    left = WORD + 3 + 2 * vocab
    middle = 4 + WORD + 1 + 6 * dim + 1
    rows = ", ".join(str(int(i)) for i in ids)
    result_title = say("= ({tokens} × {dim}): rows {rows} of the table", tokens=tokens, dim=dim, rows=rows)
    beside = left + 2 + middle + 2 + max(cell_len(result_title), 6 * dim + 1) <= width
    title = Text.assemble(
        (_padded(say("one-hot ({tokens} × {vocab})", tokens=tokens, vocab=vocab), left + 2), label),
        (_padded(say("× table ({vocab} × {dim})", vocab=vocab, dim=dim), middle + 2), label),
        (result_title if beside else "", label),
    )
    lines = [title]
    for line in range(max(tokens, vocab)):
        text = Text()
        if line < tokens:
            style = one if line == selected else Style()
            bits = " ".join(format(value, "g") for value in product.one_hot[line])
            text.append(fit_left(f"{pieces[line]} [{bits}]", left), style)
        else:
            text.append(" " * left)
        text.append("  ")
        if line < vocab:
            picked = one if line == ids[min(selected, tokens - 1)] else Style()
            text.append(
                fit_left(f"{line:>3} {fit_left(words[line], WORD)} {_numbers(table[line])}", middle), picked
            )
        if beside and line < tokens:
            text.append(" " * (middle - min(middle, text.cell_len - left - 2)) + "  ")
            text.append(_numbers(product.product[line]), one if line == selected else Style())
        lines.append(text)
    if not beside:
        lines.append(Text(result_title, label))
        for line in range(tokens):
            style = one if line == selected else Style()
            lines.append(Text(f"{pieces[line]} {_numbers(product.product[line])}", style))
    if product.identical:
        verdict = say("✓ each row equals its table row (np.array_equal): an embedding lookup is this product")
    else:
        verdict = say(
            "✗ a row differs from its table row (np.array_equal): an embedding lookup is this product"
        )
    lines.append(Text(verdict, label))
    return lines
