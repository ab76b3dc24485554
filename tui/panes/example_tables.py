"""The book's tables for a worked example (`x` in the Attention tab): the head's scores (or the
masked scores, with −inf above the diagonal), the weights and the context vectors, printed with
4 decimals as the book prints its tensors, as many as the panel holds. The selected query's row
is marked ▶. Every number is the result's own (`engine.pipeline.run_example`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tui.formatting.pieces import visible_piece
from tui.i18n.strings import UiStrings
from tui.views.text_wrap import fit_left

if TYPE_CHECKING:
    from engine.pipeline.results import PipelineResult

CELL = 8
"""Characters of one number: sign, digit, point, 4 decimals and a space."""
LABEL = 9


def _number(value: float) -> str:
    return "    -inf" if value == -np.inf else f"{value:{CELL}.4f}"


def _block(title: str, matrix: np.ndarray, pieces: list[str], query: int, width: int) -> list[str]:
    room = max(1, (width - LABEL - 3) // CELL)  # the mark, the label, '[' and ' ]' around the numbers
    more = " …" if matrix.shape[1] > room else ""
    lines = [title]
    for row, piece in enumerate(pieces):
        mark = "▶" if row == query else " "
        numbers = "".join(_number(float(v)) for v in matrix[row, :room])
        lines.append(f"{mark}{fit_left(piece, LABEL - 1)}[{numbers}{more} ]")
    return lines


def tables(
    result: PipelineResult, head: int, strings: UiStrings | None = None
) -> list[tuple[str, np.ndarray]]:
    """The book's tables of `head`, in its order: (title, matrix), titled in the learner's language
    (`strings`; English without)."""
    say = (strings or UiStrings("en")).say
    attention = result.attention
    scores = attention.scores[head]
    size = attention.vectors.queries.shape[-1] if attention.vectors is not None else None
    divisor = (f"÷ √{size}" if size else "÷ √d") if attention.scaled else say("not scaled")
    if attention.causal:
        masked = np.where(attention.mask, -np.inf, scores)
        first = (
            say("masked scores (q·k {divisor}, −inf where the mask hides a key)", divisor=divisor),
            masked,
        )
    else:
        first = (say("scores (q·k {divisor})", divisor=divisor), scores)
    weights_title = say("attention weights (rows sum to 1)")
    if attention.dropout_scale is not None:
        rate = result.settings.dropout
        weights_title = say("attention weights after dropout {rate:g} (kept ones scaled)", rate=rate)
    blocks = [first, (weights_title, attention.weights[head])]
    if attention.context is not None:
        context = say("context vectors of head {head} (weights @ values)", head=head)
        blocks.append((context, attention.context[head]))
    if attention.heads > 1 and attention.output is not None:
        merged = (
            say("heads merged, then out_proj")
            if result.settings.multihead == "merged"
            else say("heads concatenated")
        )
        blocks.append((say("output, every head ({merged})", merged=merged), attention.output))
    return blocks


def table_lines(
    result: PipelineResult,
    head: int | None,
    query: int,
    width: int,
    height: int,
    start: int = 0,
    strings: UiStrings | None = None,
) -> list[str]:
    """The tables of `head` from table `start` on, for a panel of `width` × `height`: the first
    always, the next ones as they fit. None (the mean of the heads) has none of its own. In the
    learner's language (`strings`; English without)."""
    say = (strings or UiStrings("en")).say
    if head is None:
        return [say("The mean of the heads has no tables of its own:"), say("press a to show one head.")]
    pieces = [visible_piece(result.tokens.piece(i)) for i in range(result.n_used)]
    blocks = tables(result, head, strings)
    start = start % len(blocks)
    lines = [say("head {head}: the book's tables, 4 decimals · x: the next table", head=head)]
    for title, matrix in blocks[start:]:
        block = _block(title, matrix, pieces, query, width)
        if len(lines) > 1 and len(lines) + len(block) > height:
            lines.append(say("… x shows the next table (inspect --example prints them all)"))
            break
        lines.extend(block)
    return lines
