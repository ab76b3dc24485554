"""Save the token table and the attention matrix shown in the app as CSV and JSON."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING

from tui.panes.token_table import table_rows

if TYPE_CHECKING:
    from engine.pipeline.results import PipelineResult


def export(result: PipelineResult, head: int, folder: Path, stem: str) -> list[Path]:
    """Write `<stem>-tokens.{csv,json}` and `<stem>-attention-head<h>.{csv,json}`; return the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = table_rows(result)
    n = result.n_used
    labels = [f"{i}:{result.tokens.piece(i)}" for i in range(n)]
    weights = result.attention.weights[head]
    paths = [folder / f"{stem}-tokens.csv", folder / f"{stem}-tokens.json"]
    paths += [folder / f"{stem}-attention-head{head}.csv", folder / f"{stem}-attention-head{head}.json"]
    with paths[0].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["position"])
        writer.writeheader()
        writer.writerows(rows)
    paths[1].write_text(
        json.dumps({"encoding": result.tokens.encoding, "tokens": rows}, ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    with paths[2].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["query \\ key", *labels])
        for i in range(n):
            writer.writerow([labels[i], *(f"{w:.6g}" for w in weights[i])])
    paths[3].write_text(
        json.dumps(
            {
                "encoding": result.tokens.encoding,
                "layer": result.attention.layer,
                "head": head,
                "causal": result.attention.causal,
                "scaled": result.attention.scaled,
                "labels": labels,
                "weights": weights.tolist(),
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return paths
