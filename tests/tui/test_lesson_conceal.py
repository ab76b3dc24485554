"""Questions hide their answer: while a lesson question is open, what on screen would answer it (a
count in the status line, the table's row numbers, the bars, √d, the pairs) is masked, and it is
back once the question is answered."""

from __future__ import annotations

import asyncio

from textual.widgets import Static

from engine.nn.device import DeviceInfo
from engine.settings import Settings
from tests.tui.helpers import settle
from tui.app import LlmTuiApp
from tui.panes.attention import HIDDEN_BARS

DEVICE = DeviceInfo("cpu", "cpu · test device")
CHECKED = ("token_count", "most_attended", "visible_keys", "head_dim", "n_windows", "table_rows")


def _status(app) -> str:
    return str(app.query_one("#status", Static).render())


def _shown(app, kind: str) -> str:
    """The text the question of `kind` could be answered from."""
    if kind in ("token_count", "table_rows"):
        return _status(app)
    if kind in ("most_attended", "visible_keys"):
        return "\n".join(app.query_one("#attention-bars").lines)
    if kind == "head_dim":
        return str(app.query_one("#attention-info", Static).render())
    return str(app.query_one("#windows-body", Static).render())


def _answer_visible(app, kind: str) -> bool:
    result, text = app.result, _shown(app, kind)
    if kind == "token_count":
        return f"{len(result.tokens):,} tokens" in text
    if kind == "table_rows":
        return f"vocab {result.tokens.vocab_size:,}" in text
    if kind in ("most_attended", "visible_keys"):
        return " ".join(text.split()) != HIDDEN_BARS
    if kind == "head_dim":
        return f"√{result.settings.dim // result.settings.heads}" in text
    return "? pairs" not in text


def test_an_open_question_of_each_kind_hides_what_would_answer_it(tmp_path):
    async def scenario():
        app = LlmTuiApp("x", Settings(), device=DEVICE, language="en", state_dir=tmp_path)
        async with app.run_test(size=(140, 44)) as pilot:
            await settle(pilot)
            seen = set()
            for lesson in app.lesson_driver.lessons:
                if lesson.needs_model:
                    continue
                for index, step in enumerate(lesson.steps):
                    if step.quiz is None or step.quiz.kind not in CHECKED or step.quiz.kind in seen:
                        continue  # one question of each kind: they share the masking
                    kind, where = step.quiz.kind, f"{lesson.id} step {index + 1}"
                    app.open_lesson(lesson.id, step=index)
                    await settle(pilot)
                    assert app.lesson_driver.quiz.is_open, where
                    assert not _answer_visible(app, kind), f"{where}: {_shown(app, kind)!r}"
                    if kind == "token_count":
                        rows = app.pane("tokens").render_line(1).text
                        assert rows.strip().startswith("·"), where
                    app.lesson_driver.answer(1)
                    await settle(pilot)
                    assert app.concealed is None and _answer_visible(app, kind), where
                    seen.add(kind)
            app.action_leave_lesson()
            await settle(pilot)
            assert app.concealed is None
            assert seen == set(CHECKED)

    asyncio.run(scenario())
