"""Lesson questions: answered right and wrong from the keyboard and the command palette, scored in
the panel, in the lesson list and in the saved progress; answers checked against outside tools."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
from textual.widgets import Static, TextArea

from engine.nn.device import DeviceInfo
from engine.pipeline.run import run
from engine.settings import Settings
from tests.tui.helpers import settle
from tui.app import LlmTuiApp
from tui.lessons.catalog import find_lesson, load_lessons
from tui.lessons.progress import Progress
from tui.lessons.quiz import choices, reveal
from tui.lessons.state import StepState
from tui.panes.attention import AttentionPane

DEVICE = DeviceInfo("cpu", "cpu · test device")


def _app(tmp_path: Path, language: str = "en", text: str = "") -> LlmTuiApp:
    return LlmTuiApp(
        text,
        Settings(),
        theme_name="llm-dark",
        device=DEVICE,
        colors="truecolor",
        language=language,
        state_dir=tmp_path,
    )


def _quiz_text(app: LlmTuiApp) -> str:
    return str(app.query_one("#lesson-quiz", Static).render())


def _heading(app: LlmTuiApp) -> str:
    return str(app.query_one("#lesson-heading", Static).render())


def _step_with_quiz(lesson_id: str, language: str = "en") -> int:
    lesson = find_lesson(load_lessons(language), lesson_id)
    return next(index for index, step in enumerate(lesson.steps) if step.quiz is not None)


def test_a_question_answered_right_then_one_answered_wrong_are_scored(tmp_path):
    async def scenario():
        app = _app(tmp_path)
        async with app.run_test(size=(140, 44)) as pilot:
            await settle(pilot)
            # Attention: which key does query 5 weigh most in head 1? Work it out from the weights
            # the pane shows, then press that choice's number.
            app.open_lesson("attention", step=_step_with_quiz("attention"))
            await settle(pilot)
            assert "1" in app.screen.active_bindings and app.lesson_driver.quiz_keys_active()
            row = app.result.attention.weights[0, 5, : app.result.n_used]
            best = int(np.argmax(row))
            values = [choice.value for choice in app.lesson_driver.quiz.offered]
            assert best in values and len(values) == 4
            await pilot.press(str(values.index(best) + 1))
            await pilot.pause()
            assert "Right!" in _quiz_text(app) and f"key #{best}" in _quiz_text(app)
            assert "Score: 1 right of 1 answered" in _quiz_text(app) and "score 1/1" in _heading(app)
            assert app.query_one(AttentionPane).heatmap.cursor == (5, best)  # the pane shows it
            assert not app.lesson_driver.quiz_keys_active() and "1" not in app.screen.active_bindings
            await pilot.press("1", "2", "3", "4")  # answering again changes nothing
            await pilot.pause()
            assert app.lesson_driver.progress.score("en", "attention") == (1, 1)

            # The causal mask: query 2 may see keys 0, 1 and 2. Answer 1 (with the letter a): wrong.
            app.open_lesson("causal-mask", step=_step_with_quiz("causal-mask"))
            await settle(pilot)
            assert [choice.value for choice in app.lesson_driver.quiz.offered][0] != 3
            await pilot.press("a")
            await pilot.pause()
            text = _quiz_text(app)
            assert "Not quite" in text and "← your answer" in text and "may look at 3 of the 7 keys" in text
            assert "Score: 0 right of 1 answered" in text
            assert app.lesson_driver.progress.score("en", "causal-mask") == (0, 1)

            app.action_leave_lesson()
            await pilot.press("f9")
            await pilot.pause()
            options = app.screen.query_one("#lesson-options")
            labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
            assert any("Attention" in label and "1/1 right" in label for label in labels)
            assert any("causal mask" in label and "0/1 right" in label for label in labels)

    asyncio.run(scenario())
    # The score outlives the app, and a revisit does not ask again.
    saved = json.loads((tmp_path / "progress.json").read_text())
    assert saved["en"]["attention"]["quiz"] == {str(_step_with_quiz("attention")): "right"}
    assert Progress(tmp_path).score("en", "causal-mask") == (0, 1)

    async def revisit():
        app = _app(tmp_path)
        async with app.run_test(size=(140, 44)) as pilot:
            await settle(pilot)
            app.open_lesson("causal-mask", step=_step_with_quiz("causal-mask"))
            await settle(pilot)
            assert not app.lesson_driver.quiz_keys_active()
            assert "Answered on an earlier visit: ✗ Not quite." in _quiz_text(app)
            assert "score 0/1" in _heading(app)

    asyncio.run(revisit())


def test_digits_typed_in_the_text_box_stay_text_and_the_palette_answers(tmp_path):
    async def scenario():
        app = _app(tmp_path, language="ja")
        async with app.run_test(size=(140, 44)) as pilot:
            await settle(pilot)
            app.open_lesson("text-to-tokens", step=_step_with_quiz("text-to-tokens", "ja"))
            await settle(pilot)
            assert app.lesson_driver.quiz_keys_active()
            text_area = app.query_one("#text", TextArea)
            text_area.focus()
            text_area.move_cursor(text_area.document.end)
            await pilot.pause()
            assert not app.lesson_driver.quiz_keys_active()
            await pilot.press("1", "2", "a")
            await settle(pilot)
            assert text_area.text.endswith("12a") and app.lesson_driver.quiz.is_open
            await pilot.press("backspace", "backspace", "backspace")
            await settle(pilot)

            await pilot.press("ctrl+p")
            await pilot.pause()
            await pilot.press(*"Lesson: answer 2")
            await pilot.pause()
            await pilot.press("enter")
            await settle(pilot)
            assert not app.lesson_driver.quiz.is_open
            expected = len(app.result.tokens)  # the regex tokenizer's count, as the status line says
            assert app.lesson_driver.quiz.offered[1].value == expected
            assert "✓ 正解！" in _quiz_text(app) and "スコア: 1 問中 1 問正解" in _quiz_text(app)
            assert app.lesson_driver.progress.score("ja", "text-to-tokens") == (1, 1)

    asyncio.run(scenario())


def test_skipped_unscored_and_revealed_questions_do_not_count(tmp_path):
    async def scenario():
        app = _app(tmp_path)
        async with app.run_test(size=(140, 44)) as pilot:
            await settle(pilot)
            step = _step_with_quiz("next-token")
            app.open_lesson("next-token", step=step)
            await settle(pilot)
            # One more token than the lesson's text: the count computed from the text on screen
            # is not among the choices, so the answer is shown but not scored.
            text_area = app.query_one("#text", TextArea)
            text_area.insert(" lamp", text_area.document.end)
            await settle(pilot)
            assert app.result.n_used not in [choice.value for choice in app.lesson_driver.quiz.offered]
            await pilot.press("2")
            await pilot.pause()
            assert "Not scored" in _quiz_text(app) and f"{app.result.n_used} positions" in _quiz_text(app)
            assert app.lesson_driver.progress.outcome("en", "next-token", step) is None
            await pilot.press("n")  # move on without answering: skipped
            await settle(pilot)
            assert app.lesson_driver.progress.outcome("en", "next-token", step) is None
            await pilot.press("p")
            await settle(pilot)
            assert app.lesson_driver.quiz is not None and app.lesson_driver.quiz.is_open
            app.action_quiz_reveal()
            await pilot.pause()
            assert "Answer shown, not scored." in _quiz_text(app)
            assert app.lesson_driver.progress.outcome("en", "next-token", step) == "revealed"
            assert app.lesson_driver.progress.score("en", "next-token") == (0, 0)

    asyncio.run(scenario())


def test_resuming_at_a_question_replays_the_earlier_steps(tmp_path):
    """Opening a lesson at its question (where the learner left it) sets the text and encoding of
    the steps before, so the question is about the lesson's text, not whatever was typed."""

    async def scenario():
        app = _app(tmp_path, text="my own words")
        async with app.run_test(size=(140, 44)) as pilot:
            await settle(pilot)
            app.open_lesson("multi-head", step=_step_with_quiz("multi-head"))
            await settle(pilot)
            lesson = find_lesson(app.lesson_driver.lessons, "multi-head")
            assert app.query_one("#text", TextArea).text == lesson.steps[0].state.text
            assert (app.settings.dim, app.settings.heads) == (16, 4)
            await pilot.press("1")  # 16 ÷ 4 = 4 is the first choice
            await pilot.pause()
            assert app.lesson_driver.quiz.outcome == "right"

    asyncio.run(scenario())


def _lesson_result(lesson_id: str):
    lesson = find_lesson(load_lessons("en"), lesson_id)
    index = _step_with_quiz(lesson_id)
    state = lesson.state_at(index)
    settings = Settings(**{key: getattr(state, key) for key in StepState.SETTINGS if state.has(key)})
    step = lesson.steps[index]
    return step, run(state.text or "", settings, DEVICE)


def test_computed_answers_agree_with_outside_references(reference_encodings):  # noqa: F811
    step, result = _lesson_result("byte-pair-encoding")
    o200k = len(reference_encodings["o200k_base"].encode(result.tokens.text))
    assert reveal(step.quiz, step.state, result, choices(step.quiz, step.state, result), "en").value == o200k

    step, result = _lesson_result("token-embeddings")
    assert reveal(step.quiz, step.state, result, (), "en").value == reference_encodings["gpt2"].n_vocab

    step, result = _lesson_result("input-target-pairs")
    ids = reference_encodings["gpt2"].encode(result.tokens.text)
    by_hand = sum(1 for start in range(len(ids)) if start + step.state.max_length < len(ids))
    assert reveal(step.quiz, step.state, result, (), "en").value == by_hand

    step, result = _lesson_result("attention")
    offered = choices(step.quiz, step.state, result)
    weights = result.attention.weights[step.state.head, step.state.select]
    strongest = sorted(np.argsort(-weights)[:4].tolist())
    assert [choice.value for choice in offered] == strongest
    assert reveal(step.quiz, step.state, result, offered, "en").value == int(np.argmax(weights))

    step, result = _lesson_result("positions")
    a, b = step.quiz.rows
    vectors = result.embedded.token_vectors + result.embedded.learned_positions
    assert reveal(step.quiz, step.state, result, (), "en").value == int(np.sum(vectors[a] != vectors[b]))
