"""Command palette entries (ctrl+p): encodings, attention switches, panes, themes, export."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from engine.tokenize.registry import ENCODINGS
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


def _example_commands(app) -> list[tuple[str, object, str]]:
    """Opening a worked example and, on one, the book's attention switches (P, M, W, D)."""
    from tui.screens.example import ABOUT

    commands: list[tuple[str, object, str]] = [
        ("Example: choose…", app.action_pick_example, "A worked example of the book or the notes (F10)")
    ]
    commands += [
        (f"Example: {name}", partial(app.open_example, name), about) for name, about in ABOUT.items()
    ]
    if app.settings.example is None:
        return commands
    return commands + [
        ("Example: none (back to your text)", partial(app.open_example, None), "Leave the worked example"),
        ("Example: next projection", app.action_next_projection, "none → torch.rand → nn.Linear (P)"),
        ("Example: next multi-head class", app.action_next_multihead, "one head → stacked → merged (M)"),
        ("Example: next d_out", app.action_next_d_out, "The projections' width (W)"),
        ("Example: next dropout", app.action_next_dropout, "0 → 0.5 → 0.1 on the attention weights (D)"),
    ]


class LlmCommands(Provider):
    """Every app action, searchable by name."""

    def _commands(self) -> list[tuple[str, object, str]]:
        app = self.app
        commands: list[tuple[str, object, str]] = [
            (f"Encoding: {name}", partial(app.action_set_encoding, name), f"Tokenize with {name}")
            for name in ENCODINGS
        ]
        commands += [
            ("Attention: toggle causal mask", app.action_toggle_causal, "Let queries see later keys, or not"),
            (
                "Attention: toggle √d scaling",
                app.action_toggle_scaled,
                "Divide scores by √(head size), or not",
            ),
            ("Corpus for regex tokenizers…", app.action_pick_corpus, "Choose the vocabulary's source text"),
            (
                "Export tokens and attention (CSV/JSON)",
                app.action_export_data,
                "Save into the current directory",
            ),
            ("Save screenshot (SVG)", app.action_save_screenshot, "Save into the current directory"),
            ("Help: keys", app.action_help, "List every key"),
            ("Text: clear", partial(app.replace_text, ""), "Empty the text box (ctrl+z brings it back)"),
            ("Text: open a file… (ctrl+o)", app.action_open_text, "Put a text file in the text box"),
            ("Model: choose weights…", app.action_pick_model, "Random, a trained tiny model, or the cache's"),
            (
                f"Model: chat template {'off' if app.settings.chat else 'on'}",
                partial(_toggle_chat, app),
                "Wrap the text as an instruct model receives it (open models with a template)",
            ),
            ("Model: train a tiny GPT…", app.action_train, "About a minute on the corpus"),
            ("Lessons…", app.action_lessons, "Step-by-step lessons"),
            (
                f"Whitespace: {'hide marks' if app.whitespace_marks else 'show marks'}",
                app.action_toggle_whitespace,
                "Show whitespace in tokens as ·/↵/→ or as plain spaces (key w)",
            ),
            (
                "Sampling lab: toggle",
                partial(_toggle_sampling_lab, app),
                "Draw the next token N times and compare with the probabilities",
            ),
        ]
        commands += _example_commands(app)
        quiz = app.lesson_driver.quiz
        if quiz is not None and quiz.is_open:  # a lesson question waits for an answer
            commands += [
                (
                    f"Lesson: answer {n} ({choice.label})",
                    partial(app.action_quiz_answer, n),
                    "Keys 1-4 or a-d",
                )
                for n, choice in enumerate(quiz.offered or (), start=1)
            ]
            commands.append(
                ("Lesson: reveal the answer", app.action_quiz_reveal, "Show the computed answer, not scored")
            )
        commands += [
            (f"Show pane: {title}", partial(app.action_show_pane, pane), f"Switch to the {title} tab")
            for pane, title in TABS
        ]
        return commands

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
