"""Lesson 11, "A real LLM": walked end to end on a tiny random Llama with a Llama-3-style tokenizer
(opened by repo id from a temporary Hugging Face cache), and, with random weights, saying which model
to load instead of setting its steps; the `first_token` question and the `needs_model` key."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from textual.widgets import Markdown, TabbedContent, TextArea

from engine.nn.device import DeviceInfo
from engine.pipeline.run import run
from engine.settings import Settings
from tests.engine.hf_folders import LLAMA_BOS, llama_style_folder
from tests.tui.helpers import settle
from tui.app import LlmTuiApp
from tui.lessons.catalog import LANGUAGES, LessonError, find_lesson, load_lesson, load_lessons
from tui.lessons.quiz import choices, reveal
from tui.lessons.state import StepState
from tui.panes.embedding_space import EmbeddingSpacePane

REPO = "test-org/tiny-llama"
LESSON = "real-llm"
DEVICE = DeviceInfo("cpu", "cpu · test device")
FOCUS_OWNERS = {
    "tokens": "TokenTable",
    "embeddings": "EmbeddingsTable",
    "next": "NextTokenPane",
    "space": "EmbeddingSpacePane",
}


@pytest.fixture(scope="module")
def tiny_llama_cache(tmp_path_factory) -> Path:
    """A hub cache holding REPO: a 2-layer random Llama behind a Llama-3-style tokenizer (BOS first)."""
    transformers = pytest.importorskip("transformers")
    import torch

    cache = tmp_path_factory.mktemp("hub")
    repo = cache / "models--test-org--tiny-llama"
    snapshot = repo / "snapshots" / "0123456789abcdef"
    shutil.copytree(llama_style_folder(), snapshot)
    vocab = len(transformers.PreTrainedTokenizerFast(tokenizer_file=str(snapshot / "tokenizer.json")))
    config = transformers.LlamaConfig(
        vocab_size=vocab,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        tie_word_embeddings=True,
        attn_implementation="eager",
    )
    torch.manual_seed(0)
    transformers.LlamaForCausalLM(config).eval().save_pretrained(snapshot, safe_serialization=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123456789abcdef")
    return cache


@pytest.fixture()
def hub(tiny_llama_cache, monkeypatch) -> Path:
    monkeypatch.setenv("HF_HUB_CACHE", str(tiny_llama_cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return tiny_llama_cache


def _app(tmp_path: Path, language: str, weights: str | None = None) -> LlmTuiApp:
    return LlmTuiApp(
        "my own words",
        Settings(weights=weights),
        theme_name="llm-dark",
        device=DEVICE,
        colors="truecolor",
        language=language,
        state_dir=tmp_path,
    )


def _body(app: LlmTuiApp) -> str:
    return app.query_one("#lesson-body", Markdown).source


def test_both_languages_need_the_model_and_set_the_same_states():
    english, japanese = (find_lesson(load_lessons(language), LESSON) for language in LANGUAGES)
    assert english.needs_model and japanese.needs_model
    assert [step.state for step in english.steps] == [step.state for step in japanese.steps]
    kinds = [step.quiz.kind for step in english.steps if step.quiz]
    assert "first_token" in kinds and "token_count" in kinds
    assert english.steps[-1].state.words == "quick fast slow king queen man woman"
    # No step switches to random weights (dim, heads) or to another encoding: the model's own rules.
    assert not any(step.state.has(key) for step in english.steps for key in ("dim", "heads", "encoding"))


@pytest.mark.slow  # a model load and seven steps through the app, in each language
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_lesson_walks_end_to_end_on_a_tiny_llama(hub, tmp_path, language):
    lesson = find_lesson(load_lessons(language), LESSON)

    async def scenario():
        app = _app(tmp_path, language, weights=REPO)
        async with app.run_test(size=(140, 44)) as pilot:
            await settle(pilot)
            assert app.result.model.kind == "llama"
            app.open_lesson(LESSON, step=0)
            for index, step in enumerate(lesson.steps):
                if index:
                    await pilot.press("n")
                await settle(pilot)
                where = f"{language} step {index + 1}"
                state = lesson.state_at(index)
                assert app.lesson_driver.step_index == index and app.lesson_driver.waiting is None, where
                assert "llm-tui --weights" not in _body(app), where
                assert app.query_one(TextArea).text == state.text, where
                assert app.settings.chat is False and app.settings.weights == REPO, where
                result = app.result
                assert result.tokens.ids[0] == LLAMA_BOS and result.tokens.piece(0) == "<|begin_of_text|>"
                assert app.query_one(TabbedContent).active == step.state.pane, where
                assert type(app.focused).__name__ == FOCUS_OWNERS[step.state.pane], where
                assert app.selected == min(state.select, result.n_used - 1), where
                if step.state.words is not None:
                    space = app.query_one(EmbeddingSpacePane)
                    assert space.words == tuple(step.state.words.split()), where
                    assert space.space is not None and set(space.space.words) <= set(space.words), where
                    # Each word is its own tokens (" king" is one), not the BOS the tokenizer adds.
                    assert "king" in space.space.words and "king" not in space.space.splits, where
                    pieces = [piece for split in space.space.splits.values() for piece in split]
                    assert "<|begin_of_text|>" not in pieces, where
                quiz = app.lesson_driver.quiz
                if step.quiz is None:
                    assert quiz is None, where
                    continue
                assert quiz is not None and quiz.offered, f"{where}: {quiz and quiz.problem}"
                assert app.lesson_driver.quiz_keys_active(), where
                answer = reveal(step.quiz, step.state, result, quiz.offered, language)
                assert [choice.value for choice in quiz.offered].count(answer.value) == 1, where
                if step.quiz.kind == "first_token":
                    # The BOS the tokenizer adds is what the model reads first, not the text's "You".
                    assert answer.value == 0 and "<|begin_of_text|>" in answer.label
                    assert f"{LLAMA_BOS:,}" in quiz.offered[answer.index].label
                    await pilot.press(str(answer.index + 1))
                    await settle(pilot)
                    assert quiz.outcome == "right" and app.selected == 0, where
                if step.quiz.kind == "token_count":
                    assert answer.value == len(result.tokens) == result.n_used, where

    asyncio.run(scenario())


def test_without_a_model_it_says_what_to_load_then_starts_when_one_is(hub, tmp_path):
    async def scenario():
        app = _app(tmp_path, "en")
        async with app.run_test(size=(140, 44)) as pilot:
            await settle(pilot)
            app.open_lesson(LESSON, step=0)
            await settle(pilot)
            body = _body(app)
            for needed in (
                "llm-tui --weights meta-llama/Llama-3.2-1B-Instruct",
                "F6",
                "llm-tui download meta-llama/Llama-3.2-1B-Instruct",
            ):
                assert needed in body
            # Nothing set, nothing asked: the learner's text stays, and n still steps.
            driver = app.lesson_driver
            assert driver.waiting == "missing" and driver.quiz is None
            assert app.query_one(TextArea).text == "my own words"
            await pilot.press("n")
            await settle(pilot)
            assert driver.step_index == 1 and "llm-tui --weights" in _body(app)
            # The model arrives (F6 does the same): the step is applied as if walked to here.
            app.update_settings(weights=REPO)
            await settle(pilot)
            assert driver.waiting is None and "llm-tui --weights" not in _body(app)
            assert app.query_one(TextArea).text == find_lesson(driver.lessons, LESSON).state_at(1).text
            assert driver.quiz is not None and driver.quiz.offered
            # Back to random weights: the lesson says what to load again.
            app.update_settings(weights=None)
            await settle(pilot)
            assert driver.waiting == "missing" and driver.quiz is None

    asyncio.run(scenario())


def test_first_token_with_no_bos_is_the_texts_own_first_token():
    text = "You are a pirate"
    result = run(text, Settings(encoding="cl100k_base"), DEVICE)
    quiz = find_lesson(load_lessons("en"), LESSON).steps[1].quiz
    offered = choices(quiz, StepState(pane="tokens"), result)
    ids = [int(result.tokens.ids[choice.value]) for choice in offered]
    assert ids == sorted(ids) and len(offered) == 4
    answer = reveal(quiz, StepState(pane="tokens"), result, offered, "ja")
    assert answer.value == 0 and answer.token == 0 and "You" in answer.label
    assert "位置 0" in answer.detail and "加えません" in answer.detail


STEP = '[[steps]]\ntitle="a"\nbody="b"\n'


@pytest.mark.parametrize(
    ("rest", "fragment"),
    [
        ("needs_model = 1\n" + STEP, "'needs_model' must be true or false"),
        (STEP + '[steps.state]\nwords="  "\n', "words must name at least one"),
        (
            STEP
            + '[steps.state]\npane="tokens"\n[steps.quiz]\nquestion="q"\nkind="first_token"\nchoices=[1,2]\n',
            "a 'first_token' question takes no choices",
        ),
    ],
)
def test_lesson_keys_are_checked(tmp_path, rest, fragment):
    path = tmp_path / "lesson.toml"
    path.write_text('id="x"\ntitle="X"\norder=1\n' + rest, encoding="utf-8")
    with pytest.raises(LessonError) as caught:
        load_lesson(path)
    assert fragment in str(caught.value)
