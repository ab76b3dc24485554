"""Command palette entries (ctrl+p): encodings, attention switches, panes, themes, export."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from engine.tokenize.registry import ENCODINGS
from tui.i18n.strings import marked
from tui.panes.registry import TABS


def _toggle_sampling_lab(app) -> None:
    """Show the Next token tab and switch its sampling lab on or off."""
    app.action_show_pane("next")
    pane = app.pane("next")
    if pane is not None:
        pane.action_toggle_lab()
        pane.focus()


def _toggle_chat(app) -> None:
    app.update_settings(chat=not app.settings.chat)
    app.notify(app.strings.say("chat template on" if app.settings.chat else "chat template off"), timeout=2)


Command = tuple[str, str, object, str]
"""(name in the learner's language, name in English, callback, help in the learner's language)."""


def _command(app, label: str, callback: object, help_text: str, **fields: str) -> Command:
    """A palette entry whose name (`label`) and help (English, with `{field}`s, `marked` by the
    caller) are said in the learner's language; the English name stays searchable too."""
    say = app.strings.say
    return (say(label, **fields), label.format(**fields), callback, say(help_text, **fields))


def _example_commands(app) -> list[Command]:
    """Opening a worked example and, on one, the book's attention switches (P, M, W, D)."""
    from tui.screens.example import ABOUT

    commands = [
        _command(
            app,
            marked("Example: choose…"),
            app.action_pick_example,
            marked("A worked example of the book or the notes (F10)"),
        )
    ]
    commands += [
        (f"Example: {name}", f"Example: {name}", partial(app.open_example, name), app.strings.say(about))
        for name, about in ABOUT.items()
    ]
    if app.settings.example is None:
        return commands
    return commands + [
        _command(
            app,
            marked("Example: none (back to your text)"),
            partial(app.open_example, None),
            marked("Leave the worked example"),
        ),
        _command(
            app,
            marked("Example: next projection"),
            app.action_next_projection,
            marked("none → torch.rand → nn.Linear (P)"),
        ),
        _command(
            app,
            marked("Example: next multi-head class"),
            app.action_next_multihead,
            marked("one head → stacked → merged (M)"),
        ),
        _command(
            app, marked("Example: next d_out"), app.action_next_d_out, marked("The projections' width (W)")
        ),
        _command(
            app,
            marked("Example: next dropout"),
            app.action_next_dropout,
            marked("0 → 0.5 → 0.1 on the attention weights (D)"),
        ),
    ]


class LlmCommands(Provider):
    """Every app action, searchable by name (in the learner's language or in English)."""

    def _commands(self) -> list[Command]:
        app = self.app
        commands = [
            _command(
                app,
                marked("Encoding: {name}"),
                partial(app.action_set_encoding, name),
                marked("Tokenize with {name}"),
                name=name,
            )
            for name in ENCODINGS
        ]
        chat = marked("Model: chat template off") if app.settings.chat else marked("Model: chat template on")
        whitespace = (
            marked("Whitespace: hide marks") if app.whitespace_marks else marked("Whitespace: show marks")
        )
        commands += [
            _command(
                app,
                marked("Attention: toggle causal mask"),
                app.action_toggle_causal,
                marked("Let queries see later keys, or not"),
            ),
            _command(
                app,
                marked("Attention: toggle √d scaling"),
                app.action_toggle_scaled,
                marked("Divide scores by √(head size), or not"),
            ),
            _command(
                app,
                marked("Corpus for regex tokenizers…"),
                app.action_pick_corpus,
                marked("Choose the vocabulary's source text"),
            ),
            _command(
                app,
                marked("Export tokens and attention (CSV/JSON)"),
                app.action_export_data,
                marked("Save into the current directory"),
            ),
            _command(
                app,
                marked("Save screenshot (SVG)"),
                app.action_save_screenshot,
                marked("Save into the current directory"),
            ),
            _command(app, marked("Help: keys"), app.action_help, marked("List every key")),
            _command(
                app,
                marked("Text: clear"),
                partial(app.replace_text, ""),
                marked("Empty the text box (ctrl+z brings it back)"),
            ),
            _command(
                app,
                marked("Text: open a file… (ctrl+o)"),
                app.action_open_text,
                marked("Put a text file in the text box"),
            ),
            _command(
                app,
                marked("Model: choose weights…"),
                app.action_pick_model,
                marked("Random, a trained tiny model, or the cache's"),
            ),
            _command(
                app,
                chat,
                partial(_toggle_chat, app),
                marked("Wrap the text as an instruct model receives it (open models with a template)"),
            ),
            _command(
                app,
                marked("Model: train a tiny GPT…"),
                app.action_train,
                marked("About a minute on the corpus"),
            ),
            _command(app, marked("Lessons…"), app.action_lessons, marked("Step-by-step lessons")),
            _command(
                app,
                whitespace,
                app.action_toggle_whitespace,
                marked("Show whitespace in tokens as ·/↵/→ or as plain spaces (key w)"),
            ),
            _command(
                app,
                marked("Sampling lab: toggle"),
                partial(_toggle_sampling_lab, app),
                marked("Draw the next token N times and compare with the probabilities"),
            ),
        ]
        commands += _example_commands(app)
        quiz = app.lesson_driver.quiz
        if quiz is not None and quiz.is_open:  # a lesson question waits for an answer
            commands += [
                _command(
                    app,
                    marked("Lesson: answer {n} ({choice})"),
                    partial(app.action_quiz_answer, n),
                    marked("Keys 1-4 or a-d"),
                    n=str(n),
                    choice=choice.label,
                )
                for n, choice in enumerate(quiz.offered or (), start=1)
            ]
            commands.append(
                _command(
                    app,
                    marked("Lesson: reveal the answer"),
                    app.action_quiz_reveal,
                    marked("Show the computed answer, not scored"),
                )
            )
        commands += [
            _command(
                app,
                marked("Show pane: {title}"),
                partial(app.action_show_pane, pane),
                marked("Switch to the {title} tab"),
                title=app.strings.say(title),
            )
            for pane, title in TABS
        ]
        return commands

    async def discover(self) -> Hits:
        for name, _english, callback, help_text in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, english, callback, help_text in self._commands():
            # The learner's words, or the English ones the README and the lessons name.
            native = matcher.match(name)
            score = max(native, matcher.match(english) if english != name else 0)
            if score > 0:
                yield Hit(score, matcher.highlight(name) if native > 0 else name, callback, help=help_text)
