"""Worked examples: hand-made token vectors from the book and the notes, or from a user's file.

An example is a short list of tokens with one vector each, typed in by hand so that every number
the panes print can be checked on paper: the book's chapter 3 sentence "Your journey starts with
one step", its 5-word one-hot vocabulary, and the notes' Japanese sentences. A user's own example
is a TOML file with `tokens` and `vectors` (and, optionally, a `vocabulary` whose rows the vectors
are, for the one-hot view).

Numpy only: the attention over them is `engine.nn.book_attention`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.errors import UserError
from engine.note import note
from engine.settings import EXAMPLES


@dataclass(frozen=True)
class Example:
    """Tokens and their input vectors (T, d), float32; `vocabulary` and `table`: the words and the
    (V, d) embedding table the vectors were looked up in, when the example has one (`ids` index it)."""

    name: str
    tokens: tuple[str, ...]
    vectors: np.ndarray
    vocabulary: tuple[str, ...] | None = None
    table: np.ndarray | None = None
    ids: tuple[int, ...] | None = None
    source: str = ""

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    @property
    def text(self) -> str:
        """The example as a text: its tokens joined by spaces (the app's text box holds this)."""
        return " ".join(self.tokens)

    @property
    def words(self) -> tuple[str, ...]:
        """The words a text typed over the example may use, row by row of `word_table`: the
        vocabulary, or the tokens in their first order when the example has none."""
        return self.vocabulary if self.vocabulary is not None else tuple(dict.fromkeys(self.tokens))

    @property
    def word_table(self) -> np.ndarray:
        """(len(words), d) the vector of each word: the table, or each token's first vector."""
        if self.table is not None:
            return self.table
        first = {token: index for index, token in reversed(list(enumerate(self.tokens)))}
        return self.vectors[[first[word] for word in self.words]]


def _by_words(name: str, text: str, vectors: dict[str, list[float]], source: str) -> Example:
    """An example whose tokens are `text` split at spaces, the vocabulary those words sorted."""
    tokens = tuple(text.split(" "))
    vocabulary = tuple(sorted(vectors))
    table = np.array([vectors[word] for word in vocabulary], dtype=np.float32)
    ids = tuple(vocabulary.index(token) for token in tokens)
    return Example(name, tokens, table[list(ids)], vocabulary, table, ids, source)


def _journey() -> Example:
    vectors = [
        [0.43, 0.15, 0.89],
        [0.55, 0.87, 0.66],
        [0.57, 0.85, 0.64],
        [0.22, 0.58, 0.33],
        [0.77, 0.25, 0.10],
        [0.05, 0.80, 0.55],
    ]
    tokens = ("Your", "journey", "starts", "with", "one", "step")
    return Example("journey", tokens, np.array(vectors, dtype=np.float32), source=note("the book, chapter 3"))


def _hello_world() -> Example:
    vocabulary = ("hello", "world", "this", "is", "an")
    table = np.array(
        [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9], [0.2, 0.4, 0.6], [0.3, 0.5, 0.7]],
        dtype=np.float32,
    )
    tokens = ("this", "is", "world")
    ids = tuple(vocabulary.index(token) for token in tokens)
    return Example(
        "hello-world", tokens, table[list(ids)], vocabulary, table, ids, note("the notes: one-hot × table")
    )


def _neko() -> Example:
    vectors = {
        "ねこ": [0.90, 0.15],
        "は": [0.10, 0.05],
        "ひるね": [0.95, 0.85],
        "が": [0.12, 0.10],
        "すき": [0.88, 0.70],
    }
    return _by_words("neko", "ねこ は ひるね が すき", vectors, note("the notes: what すき attends to"))


def _watashi() -> Example:
    vectors = {
        "わたし": [0.80, 0.10, 0.20],
        "は": [0.10, 0.05, 0.05],
        "きょう": [0.55, 0.85, 0.20],
        "本": [0.92, 0.70, 0.15],
        "を": [0.12, 0.12, 0.02],
        "読む": [0.75, 0.88, 0.92],
    }
    return _by_words("watashi", "わたし は きょう 本 を 読む", vectors, note("the notes: causal attention"))


BUILT_IN = {"journey": _journey, "hello-world": _hello_world, "neko": _neko, "watashi": _watashi}
"""The built-in examples by name."""
assert tuple(BUILT_IN) == EXAMPLES  # the names the lessons and the CLI check, without numpy


def example(name_or_path: str) -> Example:
    """A built-in example by name, or a user's TOML file.

    Raises:
        UserError: an unknown name, a file that cannot be read, or one that is malformed.
    """
    if name_or_path in BUILT_IN:
        return BUILT_IN[name_or_path]()
    path = Path(name_or_path)
    if not path.suffix == ".toml" and not path.exists():
        names = ", ".join(BUILT_IN)
        raise UserError(
            note(
                "--example {name}: no such example (built in: {names}; or a .toml file)",
                name=name_or_path,
                names=names,
            )
        )
    return load_example(path)


def load_example(path: Path) -> Example:
    """A user's example: `tokens = [...]`, `vectors = [[...], ...]` (one row per token), and
    optionally `vocabulary = [...]` with `table = [[...], ...]` (one row per word); the tokens are
    then looked up in it and `vectors` may be left out."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UserError(
            note("{path}: cannot read the example: {error}", path=path, error=error.strerror or error)
        ) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise UserError(note("{path}: not a valid TOML example: {error}", path=path, error=error)) from None
    tokens = data.get("tokens")
    if not isinstance(tokens, list) or not tokens or not all(isinstance(t, str) for t in tokens):
        raise UserError(note("{path}: 'tokens' must be a non-empty list of strings", path=path))
    # The app's text box holds the tokens joined by spaces and splits it at whitespace again.
    _check_words(tokens, "tokens", path)
    vocabulary, table, ids = None, None, None
    if "vocabulary" in data or "table" in data:
        vocabulary = data.get("vocabulary")
        if not isinstance(vocabulary, list) or not all(isinstance(w, str) for w in vocabulary):
            raise UserError(
                note("{path}: 'vocabulary' must be a list of strings, one per row of 'table'", path=path)
            )
        _check_words(vocabulary, "vocabulary", path)
        repeated = next((w for i, w in enumerate(vocabulary) if w in vocabulary[:i]), None)
        if repeated is not None:
            raise UserError(
                note(
                    "{path}: 'vocabulary' lists {word} twice: one row per word",
                    path=path,
                    word=repr(repeated),
                )
            )
        table = _matrix(data.get("table"), "table", path)
        if len(table) != len(vocabulary):
            raise UserError(
                note(
                    "{path}: 'table' has {rows} rows for {words} vocabulary words",
                    path=path,
                    rows=len(table),
                    words=len(vocabulary),
                )
            )
        unknown = [t for t in tokens if t not in vocabulary]
        if unknown:
            raise UserError(
                note("{path}: token {token} is not in 'vocabulary'", path=path, token=repr(unknown[0]))
            )
        ids = tuple(vocabulary.index(t) for t in tokens)
    if "vectors" in data:
        vectors = _matrix(data["vectors"], "vectors", path)
    elif table is not None and ids is not None:
        vectors = table[list(ids)]
    else:
        raise UserError(
            note("{path}: give 'vectors' (one row per token), or a 'vocabulary' and its 'table'", path=path)
        )
    if len(vectors) != len(tokens):
        raise UserError(
            note(
                "{path}: 'vectors' has {rows} rows for {tokens} tokens",
                path=path,
                rows=len(vectors),
                tokens=len(tokens),
            )
        )
    if table is not None and table.shape[1] != vectors.shape[1]:
        raise UserError(
            note(
                "{path}: 'table' rows have {table} numbers, 'vectors' rows {vectors}",
                path=path,
                table=table.shape[1],
                vectors=vectors.shape[1],
            )
        )
    if table is not None and ids is not None and not np.array_equal(vectors, table[list(ids)]):
        first = next(i for i, row in enumerate(ids) if not np.array_equal(vectors[i], table[row]))
        raise UserError(
            note(
                "{path}: 'vectors' row {row} is not the 'table' row of {token}: "
                "give one of them, or make them agree",
                path=path,
                row=first + 1,
                token=repr(tokens[first]),
            )
        )
    for index, token in enumerate(tokens):
        earlier = tokens.index(token)
        if table is None and earlier < index and not np.array_equal(vectors[earlier], vectors[index]):
            # One word, one vector: a word typed again in the app is looked up by its text.
            raise UserError(
                note(
                    "{path}: token {token} has two different vectors (rows {first} and {second}): "
                    "a word has one vector; give the second another name",
                    path=path,
                    token=repr(token),
                    first=earlier + 1,
                    second=index + 1,
                )
            )
    return Example(
        path.stem,
        tuple(tokens),
        vectors,
        None if vocabulary is None else tuple(vocabulary),
        table,
        ids,
        str(path),
    )


def _check_words(words: list[str], name: str, path: Path) -> None:
    """Each word non-empty and without whitespace (the app splits its text at whitespace)."""
    for index, word in enumerate(words):
        if not word or any(character.isspace() for character in word):
            raise UserError(
                note(
                    "{path}: {name} item {index} ({word}) must be one word: not empty, no spaces",
                    path=path,
                    name=name,
                    index=index + 1,
                    word=repr(word),
                )
            )


def _matrix(rows: object, name: str, path: Path) -> np.ndarray:
    """A list of equal-length rows of numbers as a float32 matrix, or a UserError naming the row."""
    if not isinstance(rows, list) or not rows:
        raise UserError(
            note("{path}: '{name}' must be a non-empty list of rows of numbers", path=path, name=name)
        )
    width = None
    for index, row in enumerate(rows):
        if not isinstance(row, list) or not row:
            raise UserError(
                note(
                    "{path}: {name} row {row} must be a non-empty list of numbers",
                    path=path,
                    name=name,
                    row=index + 1,
                )
            )
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in row):
            raise UserError(
                note(
                    "{path}: {name} row {row} holds something that is not a number",
                    path=path,
                    name=name,
                    row=index + 1,
                )
            )
        if width is None:
            width = len(row)
        elif len(row) != width:
            raise UserError(
                note(
                    "{path}: {name} row {row} has {count} numbers, row 1 has {width}",
                    path=path,
                    name=name,
                    row=index + 1,
                    count=len(row),
                    width=width,
                )
            )
    matrix = np.array(rows, dtype=np.float32)
    if not np.isfinite(matrix).all():
        raise UserError(note("{path}: '{name}' holds an infinite or NaN number", path=path, name=name))
    return matrix
