"""Lesson 12, "What each layer thinks": its `lens_layers` question answered from the loaded model's
depth (tiny GPT checkpoints of 1 to 3 blocks), its files in both languages, and the lesson walked
end to end on a tiny random Llama opened from a temporary Hugging Face cache."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import Markdown, TabbedContent, TextArea

from engine.analysis.lens import lens_at
from engine.nn.checkpoints import save_checkpoint
from engine.nn.device import DeviceInfo
from engine.nn.model import GPT, GPTConfig
from engine.pipeline.run import run
from engine.settings import Settings
from tests.open_models import REPO, build_tiny_llama_cache
from tests.tui.helpers import settle
from tui.app import LlmTuiApp
from tui.lessons.catalog import LANGUAGES, LessonError, Quiz, find_lesson, load_lesson, load_lessons
from tui.lessons.quiz import QuizUnavailable, choices, lens_layer_counts, reveal
from tui.lessons.state import StepState

LESSON = "logit-lens"
TEXT = "The Eiffel Tower is in the city of"
DEVICE = DeviceInfo("cpu", "cpu · test device")
QUIZ = Quiz("How many rows does the logit lens have?", "lens_layers")


def _tiny_gpt(folder: Path, layers: int) -> str:
    config = GPTConfig(vocab_size=50257, context=32, dim=16, layers=layers, heads=2)
    return str(save_checkpoint(GPT(config, seed=layers), config, folder / f"tiny-{layers}.safetensors"))


@pytest.mark.parametrize("layers", [1, 2, 3])
def test_the_answer_is_the_lens_rows_of_the_loaded_model(tmp_path, layers):
    result = run(TEXT, Settings(weights=_tiny_gpt(tmp_path, layers)), DEVICE)
    state = StepState(pane="layers", select=999)
    offered = choices(QUIZ, state, result)
    values = [choice.value for choice in offered]
    assert values == sorted(set(values)) and 2 <= len(values) <= 4
    for language in LANGUAGES:
        answer = reveal(QUIZ, state, result, offered, language)
        # The rows the Layers pane shows: the stream after the embeddings and after each block.
        rows = len(lens_at(result.stream, result.next_token, result.n_used - 1).layers)
        assert answer.value == rows == layers + 1 == result.stream.blocks + 1
        assert values.count(answer.value) == 1 and offered[answer.index].value == answer.value
        assert answer.label == str(rows) and answer.cell is None and answer.token is None
    assert f"has {layers} blocks" in reveal(QUIZ, state, result, offered, "en").detail
    assert f"ブロックは {layers} 個" in reveal(QUIZ, state, result, offered, "ja").detail


@pytest.mark.parametrize(
    ("blocks", "offered"),
    [(0, (0, 1)), (1, (1, 2, 3)), (2, (2, 3, 4, 5)), (12, (12, 13, 24, 25)), (16, (16, 17, 32, 33))],
)
def test_the_choices_count_blocks_and_sublayers_with_and_without_the_embeddings(blocks, offered):
    assert lens_layer_counts(blocks) == offered and blocks + 1 in offered


def test_random_weights_have_no_layers_to_ask_about():
    result = run(TEXT, Settings(dim=16, heads=2), DEVICE)
    with pytest.raises(QuizUnavailable, match="load a model"):
        choices(QUIZ, StepState(pane="layers"), result)
    with pytest.raises(QuizUnavailable, match="load a model"):
        reveal(QUIZ, StepState(pane="layers"), result, (), "en")


def test_a_lens_layers_question_takes_no_choices(tmp_path):
    path = tmp_path / "lesson.toml"
    path.write_text(
        'id="x"\ntitle="X"\norder=1\n[[steps]]\ntitle="a"\nbody="b"\n[steps.state]\npane="tokens"\n'
        '[steps.quiz]\nquestion="q"\nkind="lens_layers"\nchoices=[2,3]\n',
        encoding="utf-8",
    )
    with pytest.raises(LessonError, match="a 'lens_layers' question takes no choices"):
        load_lesson(path)


def test_both_languages_need_the_model_and_show_the_layers_tab():
    english, japanese = (find_lesson(load_lessons(language), LESSON) for language in LANGUAGES)
    assert english.needs_model and japanese.needs_model and english.order == 12
    assert [step.state for step in english.steps] == [step.state for step in japanese.steps]
    assert all(step.state.pane == "layers" and step.state.has("select") for step in english.steps)
    assert [step.quiz.kind for step in english.steps if step.quiz] == ["lens_layers"]
    # The model's own tokenizer and size: no step switches to random weights or another encoding.
    assert not any(step.state.has(key) for step in english.steps for key in ("dim", "heads", "encoding"))


@pytest.fixture(scope="module")
def tiny_llama_cache(tmp_path_factory) -> Path:
    cache = tmp_path_factory.mktemp("hub-lens-lesson")
    build_tiny_llama_cache(cache)
    return cache


@pytest.mark.slow  # a model load and four steps through the app, in each language
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_lesson_walks_end_to_end_on_a_tiny_llama(tiny_llama_cache, monkeypatch, tmp_path, language):
    monkeypatch.setenv("HF_HUB_CACHE", str(tiny_llama_cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    lesson = find_lesson(load_lessons(language), LESSON)

    async def scenario():
        app = _lesson_app(Settings(weights=REPO), language, tmp_path)
        async with app.run_test(size=(140, 44)) as pilot:
            await settle(pilot)
            app.open_lesson(LESSON, step=0)
            for index, step in enumerate(lesson.steps):
                if index:
                    await pilot.press("n")
                await settle(pilot)
                where = f"{language} step {index + 1}"
                state = lesson.state_at(index)
                driver = app.lesson_driver
                assert driver.step_index == index and driver.waiting is None, where
                assert "llm-tui --weights" not in app.query_one("#lesson-body", Markdown).source, where
                assert app.query_one(TextArea).text == TEXT and app.settings.chat is False, where
                assert app.query_one(TabbedContent).active == "layers", where
                assert app.pane("layers") in app.focused.ancestors_with_self, where
                assert app.selected == min(state.select, app.result.n_used - 1), where
                if step.quiz is None:
                    assert driver.quiz is None, where
                    continue
                quiz = driver.quiz
                assert quiz is not None and quiz.offered, f"{where}: {quiz and quiz.problem}"
                assert driver.quiz_keys_active(), where
                answer = reveal(step.quiz, step.state, app.result, quiz.offered, language)
                assert answer.value == app.result.model.layers + 1, where
                await pilot.press(str(answer.index + 1))
                await settle(pilot)
                assert quiz.outcome == "right", where

    asyncio.run(scenario())


def _lesson_app(settings: Settings, language: str, state_dir: Path, lesson: str | None = None) -> LlmTuiApp:
    """The app on the lessons' own text; `lesson`: started in it, as `llm-tui --lesson ID` starts."""
    return LlmTuiApp(
        "my own words",
        settings,
        theme_name="llm-dark",
        device=DEVICE,
        colors="truecolor",
        language=language,
        lesson=lesson,
        state_dir=state_dir,
    )


def test_any_trained_model_will_do_and_a_lesson_given_at_start_up_still_loads_the_engine(hf_gpt2, tmp_path):
    """`llm-tui --lesson logit-lens --weights gpt2-folder`: the first run happens although the lesson
    waits for it (it used to wait for ever), and a GPT-2 model is enough for this lesson."""
    folder, _ = hf_gpt2

    async def scenario():
        app = _lesson_app(Settings(weights=str(folder)), "en", tmp_path, LESSON)
        async with app.run_test(size=(160, 44)) as pilot:
            await settle(pilot)
            await settle(pilot)
            assert app.result is not None and app.result.model is not None
            assert app.lesson_driver.waiting is None
            assert app.query_one(TabbedContent).active == "layers"
            assert app.pane("layers").lens is not None

    asyncio.run(scenario())


def test_a_lesson_given_at_start_up_without_a_model_says_what_to_load(tmp_path):
    async def scenario():
        app = _lesson_app(Settings(), "ja", tmp_path, LESSON)
        async with app.run_test(size=(160, 44)) as pilot:
            await settle(pilot)
            assert app.result is not None and app.result.model is None  # the engine ran
            assert app.lesson_driver.waiting == "missing"
            assert "F7" in str(app.pane("lesson").query_one(Markdown).source)

    asyncio.run(scenario())
