"""`llm-tui tokenize` as a table or a count, a chunk at a time, so a file of any size works.

The text comes in blocks (see `tui.cli.read_text(stream=True)`), is regrouped into chunks that end
where every tokenizer would split anyway (`engine.tokenize.streaming`), and each chunk is tokenized and
printed before the next is read: the ids are those of tokenizing the whole text at once.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable

from engine.settings import Settings
from engine.tokenize.registry import tokenizer_for
from engine.tokenize.streaming import TextNotes, safe_chunks, tokenize_chunks
from tui.formatting.pieces import visible_piece


def list_tokens(blocks: Iterable[str], settings: Settings, as_json: bool, count_only: bool) -> None:
    """Print every token (position, id, piece) and a summary line, or with `count_only` the summary.

    With `as_json` (only with `count_only`) the summary is one JSON object:
    {"encoding", "n_tokens", "n_chars", "notes"}.
    """
    tokenizer = tokenizer_for(settings)
    gathered = TextNotes()
    # The header waits for the first chunk, so that text refused at once (an unknown word, a
    # special token) leaves stdout empty, as every other error does.
    header = not count_only
    for _, tokens in tokenize_chunks(tokenizer, safe_chunks(blocks)):
        if not count_only:
            first = gathered.n_tokens
            partial = tokens.partial
            lines = [f"{'#':>5}  {'id':>7}  piece"] if header else []
            header = False
            lines += [
                f"{first + i:>5}  {tokens.ids[i]:>7}  {visible_piece(tokens.piece(i))}"
                + ("  (part of a character)" if partial[i] else "")
                for i in range(len(tokens))
            ]
            if lines:
                sys.stdout.write("\n".join(lines) + "\n")
        gathered.add(tokens.text, tokens)
    if header:
        print(f"{'#':>5}  {'id':>7}  piece")
    notes = gathered.notes()
    if as_json:
        json.dump(
            {
                "encoding": tokenizer.name,
                "n_tokens": gathered.n_tokens,
                "n_chars": gathered.n_chars,
                "notes": list(notes),
            },
            sys.stdout,
            ensure_ascii=False,
        )
        sys.stdout.write("\n")
        return
    n_tokens, n_chars = gathered.n_tokens, gathered.n_chars
    ratio = n_chars / n_tokens if n_tokens else 0.0
    print(
        f"{tokenizer.name}: {n_tokens:,} tokens, {n_chars:,} characters, "
        f"{ratio:.2f} characters per token, vocabulary {tokenizer.vocab_size:,}"
    )
    for note in notes:
        print(f"note: {note}")
