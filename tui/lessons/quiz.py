"""Predict, then reveal: the answers to lesson questions, computed from a pipeline result.

A lesson file names what a question asks (its `kind`) and lists candidate answers; it never
holds the right one. The right one is computed here from the live `PipelineResult` when the
learner answers, so it always matches what the panes show. No Textual import: tests and tools
can check every question without the app.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.errors import UserError
from engine.tokenize.registry import get_tokenizer
from engine.training.windows import sliding_windows
from tui.formatting.pieces import visible_piece
from tui.hints import app_message
from tui.i18n.strings import UiStrings, marked
from tui.lessons.catalog import Quiz

if TYPE_CHECKING:
    from engine.pipeline.results import ModelInfo, PipelineResult
    from tui.lessons.state import StepState

MOST_ATTENDED_CHOICES = 4
"""How many keys a "most_attended" question offers: the query's strongest visible ones."""
FIRST_TOKEN_CHOICES = 4
"""How many tokens a "first_token" question offers: the text's first ones, ordered by id."""


def lens_layer_counts(blocks: int) -> tuple[int, ...]:
    """What a "lens_layers" question offers for a model of `blocks` blocks: one row per block, one
    more for the embeddings (the answer), and the same counted per sublayer (attention and MLP)."""
    return tuple(sorted({blocks, blocks + 1, 2 * blocks, 2 * blocks + 1}))


# One line per kind saying how the answer was computed; {names} come from `_compute`.
DETAILS: dict[str, str] = {
    "token_count": marked("{encoding} cuts this text ({chars:,} characters) into {answer:,} tokens."),
    "token_count_other": marked(
        "{encoding} cuts this text into {answer:,} tokens; {shown} (on screen) into {shown_count:,}."
    ),
    "most_attended": marked(
        "In head {head}, query #{query} {query_piece} gives its largest weight, "
        "{weight:.3f}, to key #{key} {key_piece}. The heatmap cursor is on that cell."
    ),
    "visible_keys": marked(
        "Query #{query} may look at {answer} of the {keys} keys; the mask hides the "
        "other {hidden} (the ones after it)."
    ),
    "head_dim": marked(
        "Width {dim} split over {heads} heads: {dim} ÷ {heads} = {answer} numbers per head "
        "(the √{answer} in the line above the heatmap)."
    ),
    "n_windows": marked(
        "{tokens} tokens, windows of {max_length} starting every {stride}, as long as the "
        "target still fits: {answer} pairs."
    ),
    "table_rows": marked(
        "The table has {answer:,} rows of {dim} numbers: one row for every entry of the "
        "{encoding} vocabulary, however short the text."
    ),
    "differing_inputs": marked(
        "Token vectors of rows {a} and {b} differ in {token_diff} numbers and their "
        "position vectors in {position_diff}, so their inputs differ in {answer} of {dim}."
    ),
    "n_predictions": marked(
        "{answer} positions, {answer} predictions: every position predicts the token "
        "after it. Training scores all of them; generation only needs the last."
    ),
    "first_token": marked(
        "Position 0 holds {piece} (id {id}), which is not in the text: the tokenizer "
        "adds it ({characters} characters wide) to mark where a text begins. The text's own first "
        "token, {next_piece} (id {next_id}), comes after it."
    ),
    "first_token_text": marked(
        "Position 0 holds {piece} (id {id}), the start of the text itself: this "
        "tokenizer adds no token in front of it."
    ),
    "lens_layers": marked(
        "{model} has {blocks} blocks. The lens reads the stream after the embeddings "
        "(layer 0) and after each block (layers 1 to {blocks}): {answer} rows. The last one is the "
        "model's own prediction, the Next token tab's."
    ),
}


class QuizUnavailable(UserError):
    """The current result cannot answer the question (no tokens, a position past the text, ...)."""


@dataclass(frozen=True)
class Choice:
    """One answer the learner can pick.

    Attributes:
        value: a number, or for token questions the token's index in the text.
        label: how the choice is shown after its key.
    """

    value: int
    label: str


@dataclass(frozen=True)
class Reveal:
    """The computed answer.

    Attributes:
        value: the right value (a number, or a token index).
        label: the value as shown.
        detail: one line saying how it was computed, with the numbers.
        index: which choice is right; None when none is (the text or settings changed).
        cell: an attention cell (query, key) that shows the answer, if any.
        token: a token to select that shows the answer, if any.
    """

    value: int
    label: str
    detail: str
    index: int | None
    cell: tuple[int, int] | None = None
    token: int | None = None


def _token_label(result: PipelineResult, index: int) -> str:
    return f"#{index} {visible_piece(result.tokens.piece(index))}"


def _position(state: StepState, key: str, result: PipelineResult) -> int:
    """A step's token position, clamped to the tokens the result has (as the app clamps it)."""
    if result.n_used == 0:
        raise QuizUnavailable("the question needs some tokens: type some text")
    return min(getattr(state, key) or 0, result.n_used - 1)


def _attention_row(state: StepState, result: PipelineResult) -> tuple[int, int, np.ndarray]:
    """(query, head, weights of that row with masked keys at -1) for the step's query and head."""
    query = _position(state, "select", result)
    attention = result.attention
    head = min(state.head or 0, attention.heads - 1)
    row = attention.weights[head, query, : result.n_used].astype(np.float64)
    row[attention.mask[query, : result.n_used]] = -1.0
    return query, head, row


def _model(result: PipelineResult) -> ModelInfo:
    """The loaded model; random weights have no layers to read."""
    if result.model is None or result.stream is None:
        raise QuizUnavailable("the question is about a model's layers: load a model (F6)")
    return result.model


def _blocks(result: PipelineResult) -> int:
    """The blocks whose streams the result holds (the lens reads one more: the embeddings')."""
    _model(result)
    assert result.stream is not None
    return result.stream.blocks


def choices(quiz: Quiz, state: StepState, result: PipelineResult) -> tuple[Choice, ...]:
    """The choices to offer: the lesson's numbers, or the candidates the result gives (the query's
    strongest keys, in text order, so their order gives nothing away; the model's layer counts)."""
    if quiz.kind == "most_attended":
        _query, _head, row = _attention_row(state, result)
        visible = np.flatnonzero(row >= 0)
        strongest = visible[np.argsort(-row[visible], kind="stable")[:MOST_ATTENDED_CHOICES]]
        return tuple(Choice(int(key), _token_label(result, int(key))) for key in sorted(strongest))
    if quiz.kind == "first_token":
        if result.n_used < 2:
            raise QuizUnavailable("the question needs at least two tokens: type some text")
        # Ordered by id, not by position: the order must not give the first one away.
        ids = result.tokens.ids
        first = sorted(range(min(FIRST_TOKEN_CHOICES, result.n_used)), key=lambda i: int(ids[i]))
        return tuple(
            Choice(i, f"{visible_piece(result.tokens.piece(i))} (id {int(ids[i]):,})") for i in first
        )
    values = lens_layer_counts(_blocks(result)) if quiz.kind == "lens_layers" else quiz.choices
    return tuple(Choice(value, f"{value:,}") for value in values)


def _compute(quiz: Quiz, state: StepState, result: PipelineResult) -> tuple[int, dict[str, Any]]:
    """The answer and the numbers its explanation names."""
    tokens = result.tokens
    kind = quiz.kind
    if kind == "token_count":
        if quiz.encoding is None or quiz.encoding == tokens.encoding:
            return len(tokens), {"encoding": tokens.encoding, "chars": len(tokens.text)}
        settings = result.settings
        tokenizer = get_tokenizer(quiz.encoding, settings.corpus, settings.allow_special)
        count = len(tokenizer.encode(tokens.text))
        return count, {"encoding": quiz.encoding, "shown": tokens.encoding, "shown_count": len(tokens)}
    if kind == "most_attended":
        query, head, row = _attention_row(state, result)
        key = int(np.argmax(row))
        return key, {
            "head": head,  # numbered from 0, as the Attention tab numbers it
            "query": query,
            "query_piece": visible_piece(tokens.piece(query)),
            "key": key,
            "key_piece": visible_piece(tokens.piece(key)),
            "weight": float(row[key]),
        }
    if kind == "visible_keys":
        query = _position(state, "select", result)
        keys = result.n_used
        visible = int(np.count_nonzero(~result.attention.mask[query, :keys]))
        return visible, {"query": query, "keys": keys, "hidden": keys - visible}
    if kind == "head_dim":
        dim, heads = result.settings.dim, result.settings.heads
        return dim // heads, {"dim": dim, "heads": heads}
    if kind == "n_windows":
        max_length, stride = state.max_length, state.stride
        pairs = len(sliding_windows(tokens.ids, max_length, stride).inputs)
        return pairs, {"tokens": len(tokens), "max_length": max_length, "stride": stride}
    if kind == "table_rows":
        table = result.embedded.token_table
        return int(table.shape[0]), {"dim": int(table.shape[1]), "encoding": tokens.encoding}
    if kind == "differing_inputs":
        a, b = quiz.rows
        if max(a, b) >= result.n_used:
            raise QuizUnavailable(f"the question compares tokens {a} and {b}: the text is too short")
        embedded = result.embedded
        positions = embedded.added_positions

        def differing(vectors: np.ndarray) -> int:
            return int(np.count_nonzero(vectors[a] != vectors[b]))

        return differing(embedded.input_vectors), {
            "a": a,
            "b": b,
            "token_diff": differing(embedded.token_vectors),
            "position_diff": differing(positions),
            "dim": int(embedded.input_vectors.shape[1]),
        }
    if kind == "n_predictions":
        return result.n_used, {}
    if kind == "first_token":
        if result.n_used < 2:
            raise QuizUnavailable("the question needs at least two tokens: type some text")
        start, end = (int(x) for x in tokens.char_spans[0])
        return 0, {
            "piece": visible_piece(tokens.piece(0)),
            "id": int(tokens.ids[0]),
            "characters": end - start,
            "next_piece": visible_piece(tokens.piece(1)),
            "next_id": int(tokens.ids[1]),
        }
    if kind == "lens_layers":
        blocks = _blocks(result)
        return blocks + 1, {"blocks": blocks, "model": _model(result).name}
    raise QuizUnavailable(f"unknown question kind {kind!r}")


def reveal(
    quiz: Quiz, state: StepState, result: PipelineResult, offered: tuple[Choice, ...], language: str
) -> Reveal:
    """Compute the answer from `result` and find it among the `offered` choices."""
    value, names = _compute(quiz, state, result)
    template = quiz.kind
    if quiz.kind == "token_count" and "shown" in names:
        template = "token_count_other"
    elif quiz.kind == "first_token" and names["characters"]:
        template = "first_token_text"
    detail = UiStrings(language).say(DETAILS[template], answer=value, **names)
    index = next((i for i, choice in enumerate(offered) if choice.value == value), None)
    if quiz.kind == "most_attended":
        query = names["query"]
        return Reveal(value, _token_label(result, value), detail, index, cell=(query, value))
    if quiz.kind == "differing_inputs":
        return Reveal(value, f"{value:,}", detail, index, token=quiz.rows[1])
    if quiz.kind == "first_token":
        return Reveal(value, names["piece"], detail, index, token=value)
    return Reveal(value, f"{value:,}", detail, index)


class QuizSession:
    """The question of the step on screen: the choices offered, the learner's pick, the reveal.

    Choices that come from the result (token questions) are fixed by the first result of the
    step; the answer is computed from the result on screen when the learner answers. An answer
    given before the step's first result arrives waits for it.

    Args:
        quiz: the step's question.
        state: the step's state (the query, head, window the question is about).
        earlier: the outcome recorded on an earlier visit; the question is then closed and the
            answer shown again as soon as a result arrives.
    """

    def __init__(self, quiz: Quiz, state: StepState, earlier: str | None = None) -> None:
        self.quiz = quiz
        self.state = state
        self.earlier = earlier
        self.offered: tuple[Choice, ...] | None = None
        self.chosen: int | None = None  # 0-based index of the learner's pick in this visit
        self.revealed: Reveal | None = None
        self.outcome: str | None = earlier  # "right", "wrong", "revealed", "unscored"
        self.problem: str | None = None  # why the result on screen cannot answer the question
        self.pointed = False  # the app has put a pane's cursor on the answer
        self._waiting: tuple[int | None] | None = None  # an answer given before the choices existed

    @property
    def is_open(self) -> bool:
        """True while the question waits for an answer."""
        return self.outcome is None and self._waiting is None

    def on_result(self, result: PipelineResult, language: str) -> bool:
        """A new result is on screen; returns True if what the panel shows changed."""
        changed = False
        if self.offered is None:
            try:
                self.offered = choices(self.quiz, self.state, result)
            except UserError as error:  # e.g. no tokens
                self.problem = app_message(error, UiStrings(language))
                return True
            self.problem, changed = None, True
        if self._waiting is not None:
            (choice,) = self._waiting
            self._waiting = None
            self.answer(choice, result, language)
            return True
        if self.earlier is not None and self.revealed is None:
            self._reveal(result, language)
            return True
        return changed

    def answer(self, choice: int | None, result: PipelineResult | None, language: str) -> str | None:
        """Pick choice `choice` (0-based), or None to show the answer without picking. Returns the
        outcome to record ("right", "wrong", "revealed"), or None when nothing is to be recorded:
        the question was closed, the pick waits for the result, or the answer is not among the
        choices because the text or settings changed since the question was asked."""
        if not self.is_open:
            return None
        if self.offered is None or result is None:
            self._waiting = (choice,)
            return None
        if choice is not None and not 0 <= choice < len(self.offered):
            return None
        if not self._reveal(result, language):
            return None
        self.chosen = choice
        assert self.revealed is not None
        if self.revealed.index is None:
            self.outcome = "unscored"
            return None
        if choice is None:
            self.outcome = "revealed"
        else:
            self.outcome = "right" if choice == self.revealed.index else "wrong"
        return self.outcome

    def _reveal(self, result: PipelineResult, language: str) -> bool:
        try:
            self.revealed = reveal(self.quiz, self.state, result, self.offered or (), language)
        except UserError as error:  # e.g. a special token the other encoding refuses
            self.problem = app_message(error, UiStrings(language))
            return False
        return True
