"""The app speaks the learner's language: every text the code hands to `UiStrings` (`say`,
`say_n`, `marked`) and every key's description has a Japanese translation with the same fields,
the Japanese file holds nothing the code no longer says, and the app shows it under `--lang ja`."""

from __future__ import annotations

import ast
import asyncio
import importlib
import pkgutil
import string
from pathlib import Path

import pytest

from tests.tui.helpers import make_app, open_pane, record_notifications, settle
from tui.i18n.strings import UiStrings, read_catalogue

TUI = Path(__file__).resolve().parents[2] / "tui"
ENGINE = TUI.parent / "engine"


def _literals(node: ast.expr, where: str) -> list[str]:
    """The text of a literal argument, or of both branches of `"a" if x else "b"`. Another
    expression is a text said elsewhere (`marked`, a key's description); an f-string or a sum
    would be a text the catalogue cannot hold, and fails."""
    if isinstance(node, ast.IfExp):
        return _literals(node.body, where) + _literals(node.orelse, where)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    assert not isinstance(node, ast.JoinedStr | ast.BinOp), f"{where}: say a literal text"
    return []


def said_in_source() -> dict[str, str]:
    """Every literal text the code says through `UiStrings`, and every note the engine makes
    (`engine.note.note`, which the app says with `say_note`), with where it is said."""
    found: dict[str, str] = {}
    calls = {TUI: {"say": 1, "marked": 1, "say_n": 2}, ENGINE: {"note": 1}}
    for path in sorted([*TUI.rglob("*.py"), *ENGINE.rglob("*.py")]):
        said_by = calls[TUI if path.is_relative_to(TUI) else ENGINE]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            count = said_by.get(name, 0)
            where = f"{path.relative_to(TUI.parent)}:{node.lineno}"
            for argument in node.args[:count]:
                for text in _literals(argument, where):
                    found.setdefault(text, where)
    return found


def key_descriptions() -> dict[str, str]:
    """What the footer and the help screen show of every key the app's classes bind (descriptions
    and group labels), and the help screen's section titles, with where each is bound."""
    from textual.binding import Binding

    from tui.panes.registry import HELP_SECTIONS, TABS

    found = {title: "tui/panes/registry.py HELP_SECTIONS" for title, _widget in HELP_SECTIONS}
    found.update({title: "tui/panes/registry.py TABS" for _tab, title in TABS})
    for module_info in pkgutil.walk_packages([str(TUI)], "tui."):
        if module_info.name.endswith("__main__"):
            continue  # running it starts the app
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if isinstance(value, list):  # a module's own list of keys (the help lists Textual's)
                bindings, owner = value, f"{module.__name__}.{name}"
            elif isinstance(value, type) and value.__module__.startswith("tui"):
                bindings, owner = vars(value).get("BINDINGS", ()), f"{value.__module__}.{value.__qualname__}"
            else:
                continue
            for binding in bindings:
                if isinstance(binding, Binding):
                    where = owner
                    if binding.description:
                        found.setdefault(binding.description, where)
                    if binding.group is not None and binding.group.description:
                        found.setdefault(binding.group.description, where)
    return found


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def japanese() -> dict[str, str]:
    return read_catalogue("ja")


def test_every_text_the_app_says_has_a_japanese_translation_with_the_same_fields():
    said, keys, table = said_in_source(), key_descriptions(), japanese()
    # The scans found the call sites and the bindings (a scan that finds nothing passes nothing).
    assert len(said) > 40 and len(keys) > 60 and "Next pane" in keys and "First row" in keys
    said = {**keys, **said}
    missing = [f"{where}: {text!r}" for text, where in said.items() if text not in table]
    assert not missing, "no Japanese for:\n" + "\n".join(missing)
    unused = [text for text in table if text not in said]
    assert not unused, "the Japanese file translates texts nothing says any more:\n" + "\n".join(unused)
    different = [text for text in said if fields(table[text]) != fields(text)]
    assert not different, "the translation names other fields:\n" + "\n".join(different)


def test_say_fills_fields_after_the_lookup_and_falls_back_to_english():
    ja = UiStrings("ja")
    assert ja.say("encoding: {name}", name="gpt2") == japanese()["encoding: {name}"].format(name="gpt2")
    assert ja.say_n("generated {count} token", "generated {count} tokens", 1000).count("1,000") == 1
    english = UiStrings("en")
    assert english.say_n("generated {count} token", "generated {count} tokens", 1) == "generated 1 token"
    assert UiStrings("xx").say("causal mask on") == "causal mask on"


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_switch_says_what_it_did_in_the_learners_language(language):
    async def scenario():
        app = make_app(language=language)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            notes = record_notifications(app)
            app.action_toggle_causal()
            await settle(pilot)
            expected = "causal mask off" if language == "en" else japanese()["causal mask off"]
            assert notes == [expected]

    asyncio.run(scenario())


def test_the_status_line_speaks_the_learners_language_and_hides_what_a_question_asks():
    from tui.formatting.status import status_line

    async def scenario():
        app = make_app(text="one two three", language="ja")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            return app.result, str(app.query_one("#status").render())

    result, shown = asyncio.run(scenario())
    assert shown.strip().startswith(
        "gpt2 · 3 トークン · 4.33 文字/トークン · 語彙 50,257 · 次元 16 · 2 ヘッド"
    ), shown
    assert "ランダムな重み" in shown and "tokens" not in shown
    english = status_line(result, None)
    assert english.startswith("gpt2 · 3 tokens · 4.33 chars/token · vocab 50,257 · dim 16 · 2 heads · random")
    hidden = status_line(result, None, "token_count", UiStrings("ja"))
    assert "? トークン" in hidden and "? 文字/トークン" in hidden and "3 トークン" not in hidden


def test_the_engines_notes_and_the_device_on_the_status_line_in_the_learners_language():
    from engine.nn.device import DeviceInfo
    from engine.note import note
    from engine.settings import Settings
    from tui.app import LlmTuiApp

    text = "one two three four five six seven eight nine ten"
    device = DeviceInfo("cpu", note("cpu ({count} threads) · {version}", count=2, version="torch (test)"))

    async def scenario():
        app = LlmTuiApp(text, Settings(context=4), "llm-dark", device=device, language="ja")
        async with app.run_test(size=(200, 40)) as pilot:
            await settle(pilot)
            return app.result, str(app.query_one("#status").render())

    result, shown = asyncio.run(scenario())
    (truncated,) = result.notes
    assert truncated == "showing the first 4 of 10 tokens (the context is 4)"  # the engine says English
    ja = UiStrings("ja")
    assert ja.say(truncated.template, shown="4", total="10", context="4") in shown, shown
    assert "cpu (2 スレッド) · torch (test)" in shown, shown
    assert "thread" not in shown and "showing" not in shown, shown


def test_the_attention_tab_speaks_the_learners_language():
    async def scenario():
        app = make_app(text="one two three", language="ja")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_pane(pilot, "attention")
            pane = app.pane("attention")
            return str(pane.query_one("#attention-info").render()), "\n".join(
                pane.query_one("#attention-bars").lines
            )

    info, bars = asyncio.run(scenario())
    assert info.startswith("層 0 / 1 · ヘッド 0 / 2 · 因果マスク オン · スコア ÷ √8 · q#0"), info
    assert "クエリ #0 'one': 重みの大きいキー" in bars, bars


def test_a_japanese_message_breaks_at_phrases_for_the_toast():
    english = "this lesson runs on random weights; your model comes back when you leave the lessons (esc)"
    message = japanese()[english]
    lines = UiStrings("ja").broken_for(message, 24).split("\n")
    assert "".join(lines) == message and len(lines) > 2
    assert not any(line.startswith(("。", "、", "）")) or line.endswith(("（", "「")) for line in lines)
    assert UiStrings("en").broken_for("causal mask on", 4) == "causal mask on"


def test_the_model_dialog_speaks_the_learners_language():
    from textual.widgets import Input, Label

    async def scenario():
        app = make_app(language="ja")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("f6")
            await pilot.pause()
            screen = app.screen
            labels = [str(label.render()) for label in screen.query(Label)]
            return screen.query_one(Input).placeholder, labels

    placeholder, labels = asyncio.run(scenario())
    ja = UiStrings("ja")
    assert placeholder == ja.say("Qwen/Qwen2.5-0.5B or path/to/model") != "Qwen/Qwen2.5-0.5B or path/to/model"
    assert ja.say("Model (now: random weights)") in labels, labels


@pytest.mark.parametrize("size", [(120, 40)])  # where the scrollbar's two cells made Textual wrap again
def test_the_japanese_help_is_broken_at_phrases_for_the_room_its_box_has(size):
    from tui.screens.help import INTRO

    async def scenario():
        app = make_app(language="ja")
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await pilot.press("f1")
            await pilot.pause()
            shown = app.screen.query_one("#help-text")
            return [shown.render_line(y).text.rstrip() for y in range(shown.size.height)]

    lines = asyncio.run(scenario())
    intro = UiStrings("ja").say(INTRO)
    start = next(i for i, line in enumerate(lines) if line and intro.startswith(line.strip()))
    drawn = []
    for line in lines[start:]:
        if not line:
            break
        drawn.append(line.strip())
    # Each line is one of the phrase breaks: Textual did not wrap any again (a line of "で" alone).
    assert "".join(drawn).replace(" ", "") == intro.replace("\n", "").replace(" ", ""), drawn
    assert all(len(line) > 4 for line in drawn[:-1]), drawn


def test_an_error_a_lesson_points_at_and_its_key_in_the_learners_language():
    """Lesson 2 makes the strict tokenizer fail on purpose and points at the red line."""
    from engine.errors import UnknownWordError
    from tui.hints import app_message

    async def scenario():
        app = make_app(text="a zebra", language="ja", encoding="regex")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            return str(app.query_one("#error").render()), str(app.query_one("#status").render())

    shown, status = asyncio.run(scenario())
    error = UnknownWordError("zebra", 2)
    assert str(error).startswith("unknown word 'zebra' at character 2")  # the CLI's, unchanged
    ja = UiStrings("ja")
    assert app_message(error, ja) in shown.replace("\n", ""), shown  # broken at phrases for the line
    assert "F2: エンコーディング → regex-unk（未知の単語を <|unk|> に置き換えます）" in shown, shown
    assert "unknown" not in shown and "nothing" not in status, status


def test_a_hint_without_a_purpose_reads_without_empty_brackets_in_japanese():
    from engine.errors import Hint
    from tui.hints import app_hint

    ja = UiStrings("ja")
    hints = (Hint(setting="device", value="cpu"), Hint(setting="weights", purpose="with a smaller model"))
    said = app_hint(hints, ja)
    assert "--device cpu" in said and "（）" not in said and " or " not in said, said
    assert app_hint(hints) == "restart llm-tui with --device cpu or F6: model, with a smaller model"


@pytest.mark.parametrize("size", [(50, 24), (80, 24)])
def test_the_japanese_error_line_breaks_at_phrases_on_a_small_screen(size):
    """Lesson 2's first step, whose subject is this line: at 50 columns Textual put "。" first."""
    from engine.errors import UnknownWordError
    from tui.hints import app_message

    text = "The robot listened to a zebra on the hill."

    async def scenario():
        app = make_app(text=text, language="ja", encoding="regex")
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            error = app.query_one("#error")
            return [error.render_line(y).text.strip() for y in range(error.size.height)]

    lines = asyncio.run(scenario())
    said = "⚠ " + app_message(UnknownWordError("zebra", text.index("zebra")), UiStrings("ja"))
    assert len(lines) > 1 and not any(line.startswith(("。", "、", "）")) for line in lines), lines
    # Every line is whole phrases: the lines put together give the message back (as far as its 4
    # lines go).
    assert said.replace(" ", "").startswith("".join(lines).replace(" ", "")), lines


@pytest.mark.parametrize("language", ["ja"])  # English: the same template, said as it is
def test_after_an_error_the_status_line_says_it_is_the_earlier_texts(language):
    """Lesson 2 points at an error while the panes keep the previous text's result: the status
    line must not pass it off as the new text's."""

    async def scenario():
        app = make_app(text="the lamp", language=language)
        async with app.run_test(size=(160, 30)) as pilot:
            await settle(pilot)
            before = str(app.query_one("#status").render())
            app.replace_text("the <|endoftext|> lamp")  # refused: special tokens are off
            await settle(pilot)
            after = str(app.query_one("#status").render())
            app.replace_text("the lamp lit")
            await settle(pilot)
            return before, after, str(app.query_one("#status").render())

    before, after, again = asyncio.run(scenario())
    said = UiStrings(language).say("before the error: {status}", status=before.strip())
    assert after.strip() == said, after
    assert "before the error" not in again and "エラーの前" not in again, again
