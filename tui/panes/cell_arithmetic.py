"""The lines the attention pane shows for one cell's arithmetic (`c`): from the query and key
vectors to the head's context vector, with the result's own numbers, elided to the panel's height
(`llm-tui inspect --cell Q,K --json` and the export print every number)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tui.formatting.pieces import visible_piece
from tui.i18n.strings import UiStrings

if TYPE_CHECKING:
    from engine.pipeline.results import PipelineResult

SHOWN_NUMBERS = 5  # of each vector; the rest is "…"


def vector_text(values: np.ndarray, shown: int = SHOWN_NUMBERS, decimals: int = 2) -> str:
    numbers = " ".join(f"{v:+.{decimals}f}" for v in values[:shown])
    return f"[{numbers}{' …' if len(values) > shown else ''}]"


def arithmetic_lines(
    result: PipelineResult,
    head: int | None,
    query: int,
    key: int,
    height: int,
    strings: UiStrings | None = None,
) -> list[str]:
    """The steps of cell (`query`, `key`) of `head`, in the learner's language (`strings`;
    English when None); None (the mean of the heads) has no single arithmetic, and says so."""
    from engine.analysis.cell import cell_arithmetic

    say = (strings or UiStrings("en")).say
    if head is None:
        return [say("The mean of the heads has no single q·k:"), say("press a to show one head, then c.")]
    if result.attention.vectors is None:
        return [say("This result kept no query, key and value vectors.")]
    cell = cell_arithmetic(result.attention, head, query, key)
    # A worked example's vectors are short, and the book prints 4 decimals: so does the panel.
    decimals = 4 if result.example is not None else 2
    piece = result.tokens.piece
    dim = len(cell.query)
    lines = [
        say(
            "head {head}: query #{query} {query_piece} · key #{key} {key_piece}",
            head=head,
            query=query,
            query_piece=repr(visible_piece(piece(query))[:10]),
            key=key,
            key_piece=repr(visible_piece(piece(key))[:10]),
        ),
        f"q = {vector_text(cell.query, decimals=decimals)} ({dim})",
        f"k = {vector_text(cell.key, decimals=decimals)} ({dim})",
        f"q·k = Σ q_i·k_i = {cell.dot:+.4f}",
    ]
    score = f"{cell.score:+.4f}"
    if result.attention.scaled:
        lines.append(
            say("÷ √{dim} = {divisor} → score {score}", dim=dim, divisor=f"{cell.divisor:.3f}", score=score)
        )
    else:
        lines.append(say("not scaled (÷ 1) → score {score}", score=score))
    seen = len(cell.visible)
    if cell.masked:
        lines.append(say("the mask hides key #{key} from query #{query}: weight 0", key=key, query=query))
    hidden = result.n_used - seen
    final = f"{cell.weight:.4f}"
    if cell.softmax_weight is None or cell.masked:
        lines.append(
            say(
                "softmax over the {seen} keys it sees, {hidden} masked: w = {weight}"
                if hidden
                else "softmax over the {seen} keys it sees: w = {weight}",
                seen=seen,
                hidden=hidden,
                weight=final,
            )
        )
    else:
        softmax = f"{cell.softmax_weight:.4f}"
        lines.append(
            say(
                "softmax over the {seen} keys it sees, {hidden} masked: {softmax}"
                if hidden
                else "softmax over the {seen} keys it sees: {softmax}",
                seen=seen,
                hidden=hidden,
                softmax=softmax,
            )
        )
        scale = float(result.attention.dropout_scale[head, query, key])
        rate = f"{result.settings.dropout:g}"
        if scale:
            line = say(
                "dropout {rate}: kept, × {scale} → w = {weight}", rate=rate, scale=f"{scale:g}", weight=final
            )
        else:
            line = say("dropout {rate}: dropped, × 0 → w = {weight}", rate=rate, weight=final)
        lines.append(line)
    lines.append(say("context = Σ w_j · v_j:"))
    # The keys weighing most, and the cursor's key, in key order; as many as the panel holds
    # with the "… more" and "= context" lines below them.
    room = max(0, height - len(lines) - 2)
    order = np.argsort(-cell.used_weights, kind="stable")[:room]
    where = np.flatnonzero(cell.visible == key)
    if room and len(where) and where[0] not in order:
        order = np.append(order[: room - 1], where[0])
    for index in sorted(order.tolist()):
        j = int(cell.visible[index])
        mark = "▶" if j == key else " "
        weight = cell.used_weights[index]
        lines.append(
            f"{mark}{j:>4} {weight:.{max(decimals, 3)}f} × {vector_text(cell.values[index], 4, decimals)}"
        )
    if len(order) < seen:
        lines.append("  " + say("… {count} more keys", count=seen - len(order)))
    context = f"  = {vector_text(cell.context, decimals=decimals)} ({dim})"
    return [*lines[: max(height - 1, 0)], context]  # the sum is the point: it is never cut
