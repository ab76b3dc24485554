"""Lessons: files validate in both languages, every step applies its state, progress persists."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path

import pytest
from textual.widgets import Markdown, TabbedContent, TextArea

from engine.nn.device import DeviceInfo
from engine.settings import Settings
from tests.tui.helpers import record_notifications, settle
from tui.app import LlmTuiApp
from tui.cli import main
from tui.lessons.catalog import (
    LANGUAGES,
    LessonError,
    default_language,
    find_lesson,
    load_lesson,
    load_lessons,
)
from tui.lessons.panel import LessonPanel
from tui.lessons.quiz import reveal
from tui.lessons.state import StepState
from tui.panes.attention import AttentionPane
from tui.panes.embeddings import EmbeddingsPane
from tui.panes.positions import PositionsPane
from tui.panes.windows import WindowsPane

DEVICE = DeviceInfo("cpu", "cpu · test device")
FOCUS_OWNERS = {
    "spans": "TokenSpans",
    "tokens": "TokenTable",
    "compare": "ComparePane",
    "windows": "WindowsPane",
    "embeddings": "EmbeddingsTable",
    "attention": "AttentionHeatmap",
    "positions": "PositionsPane",
    "layers": "LensMapView",
    "next": "NextTokenPane",
    "space": "EmbeddingSpacePane",
}


def _app(
    tmp_path: Path, language: str, lesson: str | None = None, text: str = "", settings: Settings | None = None
) -> LlmTuiApp:
    return LlmTuiApp(
        text,
        settings or Settings(),
        theme_name="llm-dark",
        device=DEVICE,
        colors="truecolor",
        language=language,
        lesson=lesson,
        state_dir=tmp_path,
    )


def test_both_languages_have_the_same_lessons_and_states():
    english, japanese = load_lessons("en"), load_lessons("ja")
    assert len(english) == 12
    assert [lesson.id for lesson in english] == [lesson.id for lesson in japanese]
    for en, ja in zip(english, japanese, strict=True):
        assert len(en.steps) == len(ja.steps), en.id
        assert en.needs_model == ja.needs_model, en.id
        assert en.random_weights == ja.random_weights, en.id
        assert [step.state for step in en.steps] == [step.state for step in ja.steps], en.id
        # Same questions in both languages: only the wording may differ.
        asked = [
            [dataclasses.replace(s.quiz, question="") if s.quiz else None for s in lesson.steps]
            for lesson in (en, ja)
        ]
        assert asked[0] == asked[1], en.id
        assert any(step.quiz for step in en.steps), f"{en.id} asks no question"
        assert en.title != ja.title
        for step in ja.steps:
            assert step.title and step.body


# One step whose state and quiz tables are filled in by each case.
_QUIZ_STEP = (
    'id="x"\ntitle="X"\norder=1\n[[steps]]\ntitle="a"\nbody="b"\n'
    + "[steps.state]\n{state}\n[steps.quiz]\n{quiz}\n"
)


@pytest.mark.parametrize(
    ("toml", "fragment"),
    [
        (
            'id="x"\ntitle="X"\norder=1\n[[steps]]\ntitle="a"\nbody="b"\n[steps.state]\npane="nowhere"\n',
            "step 1: pane 'nowhere'",
        ),
        (
            'id="x"\ntitle="X"\norder=1\n[[steps]]\ntitle="a"\nbody="b"\n[[steps]]\ntitle="a"\nbody="b"\n[steps.state]\ncolour=1\n',
            "step 2: unknown state key 'colour'",
        ),
        (
            'id="x"\ntitle="X"\norder=1\n[[steps]]\ntitle="a"\nbody="b"\n[steps.state]\nselect=true\n',
            "'select' must be int",
        ),
        (
            'id="x"\ntitle="X"\norder=1\n[[steps]]\ntitle="a"\nbody="b"\n[steps.state]\nencoding="gpt5"\n',
            "encoding 'gpt5'",
        ),
        ('id="x"\ntitle="X"\norder=1\n', "at least one [[steps]]"),
        (
            _QUIZ_STEP.format(state='pane="tokens"', quiz='question="q"\nkind="guess"\nchoices=[1,2]'),
            "quiz: kind 'guess'",
        ),
        (
            _QUIZ_STEP.format(state='pane="attention"\nhead=0', quiz='question="q"\nkind="most_attended"'),
            "step 1, quiz: a 'most_attended' question needs the step's state to set 'select'",
        ),
        (
            _QUIZ_STEP.format(state="select=1", quiz='question="q"\nkind="visible_keys"\nchoices=[1,2]'),
            "needs the step's state to set 'pane'",
        ),
        (
            _QUIZ_STEP.format(
                state='pane="tokens"', quiz='question="q"\nkind="token_count"\nchoices=[1,2,3,4,5]'
            ),
            "'choices' must be 2 to 4 different non-negative integers",
        ),
        (
            _QUIZ_STEP.format(
                state='pane="tokens"', quiz='question="q"\nkind="token_count"\nchoices=["12", 3]'
            ),
            "'choices' must be 2 to 4",
        ),
        (
            _QUIZ_STEP.format(state='pane="tokens"', quiz='question="q"\nkind="head_dim"\nchoices=[4,4]'),
            "'choices' must be 2 to 4 different",
        ),
        (
            _QUIZ_STEP.format(
                state='pane="tokens"', quiz='question="q"\nkind="head_dim"\nencoding="gpt2"\nchoices=[1,2]'
            ),
            "'encoding' is for 'token_count' questions",
        ),
        (
            _QUIZ_STEP.format(
                state='pane="embeddings"', quiz='question="q"\nkind="differing_inputs"\nchoices=[1,2]'
            ),
            "'rows' (two token positions)",
        ),
        (
            _QUIZ_STEP.format(state='pane="tokens"', quiz='kind="token_count"\nchoices=[1,2]'),
            "needs a 'question'",
        ),
        (
            _QUIZ_STEP.format(
                state='pane="tokens"', quiz='question="q"\nkind="token_count"\nchoices=[1,2]\nanswer=2'
            ),
            "quiz: unknown key(s): answer",
        ),
        ('id="x"\ntitle=\n', "not valid TOML"),
    ],
)
def test_a_broken_lesson_file_names_file_and_step(tmp_path, toml, fragment):
    path = tmp_path / "broken.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(LessonError) as caught:
        load_lesson(path)
    assert str(path) in str(caught.value) and fragment in str(caught.value)


def test_broken_lessons_are_reported_at_start_up_not_mid_lesson(tmp_path, monkeypatch):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "bad.toml").write_text(
        'id="x"\ntitle="X"\norder=1\n[[steps]]\ntitle="a"\nbody="b"\n[steps.state]\npane="nowhere"\n'
    )
    monkeypatch.setattr("tui.lessons.catalog.LESSONS_DIR", tmp_path)
    monkeypatch.setattr("tui.app.load_lessons", lambda language: load_lessons(language, tmp_path))

    async def scenario():
        app = _app(tmp_path, "en")
        messages = record_notifications(app)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert any("bad.toml, step 1" in message for message in messages)
            await pilot.press("f9")
            await pilot.pause()
            assert app.is_running and app.lesson_driver.lesson is None

    asyncio.run(scenario())


def test_default_language_follows_locale():
    assert default_language({"LANG": "ja_JP.UTF-8"}) == "ja"
    assert default_language({"LC_ALL": "en_GB.UTF-8", "LANG": "ja_JP.UTF-8"}) == "en"
    assert default_language({"LANG": "C"}) == "en"


def lesson_body(app) -> str:
    """The Markdown the lesson panel shows now."""
    return app.query_one("#lesson-body", Markdown).source


def _expected_focus(app) -> str:
    return type(app.focused).__name__ if app.focused else ""


def assert_the_step_is_in_view(app, where: str) -> None:
    """What a step points at stays on screen beside the lesson panel: its tab is not under the
    panel and keeps room to read (at 80×24 too), and the focused view (the step's subject) keeps
    some room of its own and shows its cursor (the selected token's row, the heatmap's cell)
    rather than having it scrolled away or cut off."""
    from textual.geometry import Offset

    from tui.views.cursor_view import CellCursorView, RowCursorView

    panel = app.query_one(LessonPanel).region
    tab = app.query_one(TabbedContent).active
    region = app.query_one(TabbedContent).get_pane(tab).region
    assert region.right <= panel.x, f"{where}: the {tab} tab {region} is under the panel {panel}"
    # 15 lines at 80×24 (the text box gives up three), 11 under a step's error message (up to 4
    # lines: a step may point at the error itself).
    assert region.width >= 48 and region.height >= 11, f"{where}: the {tab} tab is cramped: {region}"
    focused = app.focused
    if focused is not None and focused.id != "text":
        assert focused.region.width >= 18 and focused.region.height >= 5, f"{where}: {focused.region}"
    if not isinstance(focused, CellCursorView | RowCursorView) or focused.cursor is None:
        return
    if isinstance(focused, CellCursorView) and not all(focused.shape):
        return
    if isinstance(focused, RowCursorView) and not focused.cursor_count:
        return
    assert focused.region.right <= panel.x and focused.region.bottom <= app.size.height, where
    x = focused.gutter_cells if isinstance(focused, CellCursorView) else 0
    drawn = {focused.cursor_at(Offset(x, y)) for y in range(focused.size.height)}
    row = focused.cursor[0] if isinstance(focused, CellCursorView) else focused.cursor
    rows = {cell[0] if isinstance(cell, tuple) else cell for cell in drawn if cell is not None}
    assert row in rows, f"{where}: {type(focused).__name__}'s cursor row {row} is off screen ({sorted(rows)})"


@pytest.mark.slow  # ~30 s a language: every step of every lesson, driven through the app
def test_every_step_of_every_lesson_applies_its_state(tmp_path):
    assert set(LANGUAGES) == {"en", "ja"}, "a new language needs its walk too"
    # The smallest terminal the lessons are made for: every step's subject must still be in view.
    walk_every_step(tmp_path, "en", size=(80, 24))  # Japanese: tests/tui/test_lessons_ja_walk.py


@pytest.mark.slow  # ~30 s
def test_every_step_of_every_lesson_holds_with_a_trained_tiny_model(tmp_path):
    walk_every_step(tmp_path, "en", tiny_trained_model(tmp_path))  # Japanese: test_lessons_ja_walk.py


def tiny_trained_model(folder: Path) -> Path:
    """The kind of model a learner trains with F7 (a compact vocabulary of the sample text's
    tokens), after a few steps: what the lessons must hold with, as with random weights."""
    from engine.tokenize.registry import get_tokenizer, sample_text
    from engine.training.train import train

    return train(get_tokenizer("gpt2").encode(sample_text()), steps=3, eval_every=3).save(
        folder / "tiny.safetensors"
    )


def walk_every_step(
    tmp_path: Path, language: str, model: Path | None = None, size: tuple[int, int] = (130, 40)
) -> None:
    """Open every lesson in `language` and step through it in the app (a terminal of `size`),
    checking each step's state, that what it points at is in view beside the panel, and that its
    question's computed answer is exactly one of the choices offered. With `model` loaded, the
    learner's own text, model and settings must come back after each lesson."""

    async def scenario():
        mine = Settings(weights=str(model)) if model is not None else Settings()
        own_text = "my own words" if model is not None else ""
        app = _app(tmp_path, language, text=own_text, settings=mine)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            for lesson in app.lesson_driver.lessons:
                app.open_lesson(lesson.id, step=0)
                for index, step in enumerate(lesson.steps):
                    if index:
                        await pilot.press("n")
                    await settle(pilot)
                    where = f"{language}/{lesson.id} step {index + 1}" + (" (model)" if model else "")
                    state = step.state.fields_set()
                    assert app.lesson_driver.step_index == index, where
                    assert app.query_one(LessonPanel).has_class("-active"), where
                    # A step whose point is an error (a word the regex vocabulary lacks) keeps the
                    # last result under the message.
                    failed = app.query_one("#error").has_class("-shown")
                    if lesson.random_weights and not failed:
                        assert app.result.model is None, f"{where}: a mechanics step runs on random weights"
                    elif model is not None and lesson.needs_model == "any":
                        assert app.result.model is not None, f"{where}: the learner's model went away"
                    if lesson.needs_model and (model is None or lesson.needs_model is True):
                        # Random weights: the step sets nothing and says which model to load.
                        assert app.lesson_driver.waiting == "missing", where
                        assert app.lesson_driver.quiz is None, where
                        assert ("F7" if lesson.needs_model == "any" else "llm-tui --weights") in lesson_body(
                            app
                        ), where
                        continue
                    settings = app.settings
                    for key in StepState.SETTINGS:
                        if key in state:
                            assert getattr(settings, key) == state[key], f"{where}: {key}"
                    if "text" in state:
                        assert app.query_one(TextArea).text == state["text"], where
                    if "pane" in state:
                        if state["pane"] != "spans":
                            assert app.query_one(TabbedContent).active == state["pane"], where
                        assert _expected_focus(app) == FOCUS_OWNERS[state["pane"]], where
                    if app.result is not None and app.result.n_used and "select" in state:
                        assert app.selected == min(state["select"], app.result.n_used - 1), where
                    assert_the_step_is_in_view(app, where)
                    attention = app.query_one(AttentionPane)
                    if "head" in state:
                        assert attention.head == state["head"], where
                    if "key" in state:
                        assert attention.heatmap.cursor == (state["select"], state["key"]), where
                    if "one_hot" in state:
                        assert app.query_one(EmbeddingsPane).one_hot == state["one_hot"], where
                    if "cell" in state:
                        assert attention.arithmetic == state["cell"], where
                    if "position_plot" in state:
                        assert app.query_one(PositionsPane).kind == state["position_plot"], where
                    windows = app.query_one(WindowsPane)
                    for key in ("max_length", "stride", "batch_size"):
                        if key in state:
                            assert getattr(windows, key) == state[key], f"{where}: {key}"
                    if step.quiz is None:
                        assert app.lesson_driver.quiz is None, where
                        continue
                    # The question's answer, computed from this step's result, is exactly one choice.
                    assert app.lesson_driver.quiz is not None and app.lesson_driver.quiz.offered, (
                        f"{where}: {app.lesson_driver.quiz and app.lesson_driver.quiz.problem}"
                    )
                    assert app.lesson_driver.quiz_keys_active(), f"{where}: the answer keys are not active"
                    answer = reveal(
                        step.quiz, step.state, app.result, app.lesson_driver.quiz.offered, language
                    )
                    matches = [
                        choice for choice in app.lesson_driver.quiz.offered if choice.value == answer.value
                    ]
                    assert len(matches) == 1, f"{where}: computed answer {answer.label} is not a choice"
                if model is not None:  # leaving gives back exactly what the learner had
                    await pilot.press("escape")
                    await settle(pilot)
                    assert app.lesson_driver.lesson is None, where
                    assert app.settings == mine and app.result.model is not None, where
                    assert app.query_one(TextArea).text == own_text, where
            await pilot.press("escape")
            await pilot.pause()
            assert app.lesson_driver.lesson is None and not app.query_one(LessonPanel).has_class("-active")

    asyncio.run(scenario())


def test_progress_is_restored_after_restart(tmp_path):
    async def first_run():
        app = _app(tmp_path, "en", lesson="causal-mask")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("n", "n")
            await settle(pilot)
            assert app.lesson_driver.step_index == 2

    async def second_run():
        app = _app(tmp_path, "en")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            notes = record_notifications(app)
            await pilot.press("f9")
            await pilot.pause()
            options = app.screen.query_one("#lesson-options")
            labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
            steps = len(find_lesson(app.lesson_driver.lessons, "causal-mask").steps)
            assert any("The causal mask" in label and f"3/{steps}" in label for label in labels)
            options.highlighted = [i for i, label in enumerate(labels) if "causal" in label][0]
            await pilot.press("enter")
            await settle(pilot)
            assert app.lesson_driver.lesson.id == "causal-mask" and app.lesson_driver.step_index == 2
            assert any(f"step 3 of {steps} (p goes back)" in note for note in notes)

    asyncio.run(first_run())
    assert json.loads((tmp_path / "progress.json").read_text())["en"]["causal-mask"]["step"] == 2
    asyncio.run(second_run())


def test_lesson_keys_do_nothing_without_a_lesson_and_leaving_gives_the_learners_state_back(tmp_path):
    async def scenario():
        mine = Settings(encoding="cl100k_base", causal=False, dim=32, heads=4)
        app = _app(tmp_path, "en", text="my own words", settings=mine)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.query_one(TabbedContent).active = "windows"
            app.query_one(WindowsPane).focus()
            await pilot.press("n")
            assert app.lesson_driver.lesson is None
            app.open_lesson("text-to-tokens")
            await settle(pilot)
            assert app.query_one(TextArea).text != "my own words" and app.settings != mine
            app.open_lesson("attention", step=0)  # another lesson: still the state from before the first
            await settle(pilot)
            notes = record_notifications(app)
            app.action_leave_lesson()
            await settle(pilot)
            assert app.query_one(TextArea).text == "my own words" and app.settings == mine
            assert app.result.tokens.encoding == "cl100k_base" and not app.result.attention.causal
            assert any("your text, model and settings are back" in note for note in notes)
            app.query_one(TextArea).focus()
            await pilot.press("ctrl+z")  # the lesson's text, one undo away
            await settle(pilot)
            assert app.query_one(TextArea).text != "my own words"

    asyncio.run(scenario())


def test_the_last_step_leads_to_the_next_lesson(tmp_path):
    async def scenario():
        app = _app(tmp_path, "en")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            lesson = find_lesson(app.lesson_driver.lessons, "positions")
            app.open_lesson("positions", step=len(lesson.steps) - 1)
            await settle(pilot)
            notes = record_notifications(app)
            app.query_one(LessonPanel).focus()
            await pilot.press("n")
            assert app.lesson_driver.lesson.id == "positions"
            assert any("n opens the next one, Attention" in note for note in notes)
            await pilot.press("n")
            await settle(pilot)
            assert app.lesson_driver.lesson.id == "attention" and app.lesson_driver.step_index == 0
            await pilot.press("f9")
            await pilot.pause()
            options = app.screen.query_one("#lesson-options")
            labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
            assert any("A real LLM" in label and "needs an open model" in label for label in labels)
            assert not any("Attention" in label and "needs" in label for label in labels)

    asyncio.run(scenario())


def test_cli_lists_lessons_in_both_languages(capsys):
    assert main(["lessons", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert set(listing) == {"en", "ja"}
    assert [(item["id"], item["steps"]) for item in listing["en"]] == [
        (item["id"], item["steps"]) for item in listing["ja"]
    ]
    assert listing["en"][0] == {"id": "text-to-tokens", "title": "From text to tokens", "steps": 5}


def test_a_mechanics_lesson_runs_on_random_weights_and_gives_the_model_back(tmp_path, hf_gpt2):
    folder, _ = hf_gpt2

    async def scenario():
        mine = Settings(weights=str(folder))
        app = _app(tmp_path, "en", text="my own words", settings=mine)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert app.result.model is not None
            notes = record_notifications(app)
            app.open_lesson("text-to-tokens", step=1)  # the regex tokenizer: a model would force gpt2
            await settle(pilot)
            assert app.settings.weights is None and app.result.model is None
            assert app.result.tokens.encoding == app.settings.encoding == "regex"
            assert any("runs on random weights" in note for note in notes)
            app.action_leave_lesson()
            await settle(pilot)
            assert app.settings == mine and app.result.model is not None
            assert app.query_one(TextArea).text == "my own words"

    asyncio.run(scenario())
