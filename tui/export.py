"""Save the token table and the attention matrix shown in the app as CSV and JSON, and screenshots.

Every file is new: opened exclusively (`O_EXCL`, which never follows a link planted at the name),
under a name made unique with a counter, so that nothing already in the folder is overwritten.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from tui.panes.token_table import table_rows

if TYPE_CHECKING:
    from textual.app import App

    from engine.pipeline.results import PipelineResult

MAX_TRIES = 1000  # names tried (`stem`, `stem-1`, ...) before giving up


def _create(path: Path, data: str) -> None:
    """Write `data` to `path`, a file that must not exist yet (`FileExistsError` otherwise)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8"))
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def write_new_files(folder: Path, stem: str, contents: dict[str, str]) -> list[Path]:
    """Write each `<stem><suffix>` of `contents` as a new file; on a clash, `<stem>-<n>` for all.

    Returns the paths written. A name taken (a file, a link, anything) is never touched.
    """
    for attempt in range(MAX_TRIES):
        name = stem if attempt == 0 else f"{stem}-{attempt}"
        written: list[Path] = []
        try:
            for suffix, data in contents.items():
                path = folder / f"{name}{suffix}"
                _create(path, data)
                written.append(path)
        except FileExistsError:
            for path in written:
                path.unlink(missing_ok=True)
            continue
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise
        return written
    raise FileExistsError(f"no free file name for {stem!r} in {str(folder)!r} after {MAX_TRIES} tries")


def _csv(rows: list[list[str]] | None = None, dict_rows: list[dict] | None = None) -> str:
    buffer = io.StringIO(newline="")
    if dict_rows is not None:
        writer = csv.DictWriter(buffer, fieldnames=list(dict_rows[0]) if dict_rows else ["position"])
        writer.writeheader()
        writer.writerows(dict_rows)
    else:
        csv.writer(buffer).writerows(rows or [])
    return buffer.getvalue()


def export(
    result: PipelineResult, head: int, folder: Path, stem: str, cell: tuple[int, int] | None = None
) -> list[Path]:
    """Write `<stem>-tokens.{csv,json}` and `<stem>-attention-head<h>.{csv,json}`; return the paths.
    `cell`: the selected (query, key), whose arithmetic the attention JSON holds in full.

    All four are new files; when one of the names is taken, all four get `<stem>-<n>` instead.
    """
    folder.mkdir(parents=True, exist_ok=True)
    rows = table_rows(result)
    n = result.n_used
    labels = [f"{i}:{result.tokens.piece(i)}" for i in range(n)]
    weights = result.attention.weights[head]
    matrix = [["query \\ key", *labels]]
    matrix += [[labels[i], *(f"{w:.6g}" for w in weights[i])] for i in range(n)]
    attention = {
        "encoding": result.tokens.encoding,
        "layer": result.attention.layer,
        "head": head,
        "causal": result.attention.causal,
        "scaled": result.attention.scaled,
        "labels": labels,
        "weights": weights.tolist(),
    }
    if cell is not None and result.attention.vectors is not None and n:
        from engine.analysis.cell import cell_arithmetic

        query, key = (min(max(index, 0), n - 1) for index in cell)
        attention["cell"] = cell_arithmetic(result.attention, head, query, key).as_dict()
    contents = {
        "-tokens.csv": _csv(dict_rows=rows),
        "-tokens.json": json.dumps(
            {"encoding": result.tokens.encoding, "tokens": rows}, ensure_ascii=False, indent=1
        ),
        f"-attention-head{head}.csv": _csv(matrix),
        f"-attention-head{head}.json": json.dumps(attention, ensure_ascii=False),
    }
    return write_new_files(folder, stem, contents)


def save_screenshot(app: App, folder: Path | None = None) -> Path | None:
    """Save `app`'s screen as a new SVG file in `folder` (the current one); a failure is a notification."""
    import time

    folder = Path.cwd() if folder is None else folder
    try:
        svg = app.export_screenshot()
        (path,) = write_new_files(folder, time.strftime("llm-tui-%Y%m%d-%H%M%S"), {".svg": svg})
    except OSError as error:
        app.notify(
            app.strings.say("screenshot not saved: {why}", why=error.strerror or error),
            severity="error",
            timeout=6,
            markup=False,
        )
        return None
    app.notify(app.strings.say("screenshot saved: {path}", path=path), timeout=4, markup=False)
    return path
