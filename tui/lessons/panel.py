"""The side panel that shows the current lesson step."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Markdown, Static

from tui.i18n.strings import UiStrings, marked
from tui.lessons.catalog import Lesson
from tui.screen_layout import fit_layout
from tui.views.phrase_text import PhraseText, keys_in_lines

if TYPE_CHECKING:
    from tui.lessons.quiz import QuizSession

HINTS = marked("`n`/`→` next · `p`/`←` back · `esc` leave · `F8` hide · `L` lessons")
QUIZ_HINTS = marked("`1`–`4`/`a`–`d` answer · ")
WORDS = {
    "question": marked("Question"),
    "keys": marked("Press 1–4 (or a–d) outside the text box; n skips it."),
    "computing": marked("waiting for this step's result…"),
    "waiting": marked("Answer noted; waiting for the result…"),
    "right": marked("✓ Right!"),
    "wrong": marked("✗ Not quite."),
    "revealed": marked("Answer shown, not scored."),
    "unscored": marked(
        "Not scored: the text or settings changed since the question, so the answer is not among the choices."
    ),
    "earlier": marked("Answered on an earlier visit: {outcome}"),
    "yours": marked("your answer"),
    "score": marked("Score: {right} right of {answered} answered"),
    "score_short": marked("score {right}/{answered}"),
}
CHOICE_KEYS = "abcd"
LECTURE_MODEL = "meta-llama/Llama-3.2-1B-Instruct"
"""The model the lecture loads, and the one a lesson that needs a model asks for."""
NEEDS_MODEL = marked(
    "> **This lesson needs a trained model.** Its numbers come from a real LLM; random weights "
    "would only show noise. Load the lecture's model:\n>\n"
    "> - press `F6` and choose it, or\n"
    "> - start the app with `llm-tui --weights {model}`\n>\n"
    "> Not on this machine yet? Run `llm-tui download {model}` first. The lesson sets its text and "
    "panes as soon as the model's first result is on screen."
)
WAITING_FOR_MODEL = marked(
    "> *Waiting for `{weights}`: the lesson goes on once its first result is on screen.*\n\n"
)


NEEDS_ANY_MODEL = marked(
    "> **This lesson needs a trained model.** Random weights would only show noise. Any model "
    "will do:\n>\n"
    "> - press `F6` and choose one (GPT-2, Llama, Qwen, Mistral), or\n"
    "> - press `F7` to train a tiny one on this machine (about a minute)\n>\n"
    "> The lesson sets its text and panes as soon as the model's first result is on screen."
)
NOT_OPEN_MODEL = marked(
    "> {model} is open, but this lesson follows an open model's own tokenizer and chat template "
    "(a GPT-2 or tiny model has neither).\n>\n"
)


def needs_model_text(
    language: str, loading: str | None = None, any_model: bool = False, shown: str | None = None
) -> str:
    """The notice of a lesson that needs a model (Markdown); `loading`: the model on its way;
    `any_model`: any trained model will do; `shown`: the model on screen, which this lesson cannot use."""
    say = UiStrings(language).say
    waiting = say(WAITING_FOR_MODEL, weights=loading) if loading else ""
    if any_model:
        return waiting + say(NEEDS_ANY_MODEL)
    wrong = say(NOT_OPEN_MODEL, model=shown) if shown and not loading else ""
    return waiting + wrong + say(NEEDS_MODEL, model=LECTURE_MODEL)


def quiz_text(session: QuizSession, score: tuple[int, int], language: str) -> Text:
    """The choices of a question, then, once answered, which was right and how it was computed."""
    say = UiStrings(language).say
    words = {key: say(template) for key, template in WORDS.items() if "{" not in template}
    text = Text()
    if session.offered is None:
        text.append(session.problem or words["computing"], style="italic")
        return text
    revealed = session.revealed
    for index, choice in enumerate(session.offered):
        right = revealed is not None and revealed.index == index
        picked = session.chosen == index
        text.append(f"{index + 1}) ", style="bold")
        text.append(choice.label, style="bold green" if right else ("red" if picked else ""))
        if right:
            text.append("  ✓", style="bold green")
        if picked:
            text.append(f"  ← {words['yours']}", style="" if right else "red")
        text.append("\n")
    if session.problem:
        text.append(f"\n{session.problem}\n", style="italic")
    elif revealed is None:
        waiting = session.outcome is None and not session.is_open
        text.append("\n" + words["waiting" if waiting else "keys"] + "\n", style="dim")
    else:
        outcome = session.outcome or "revealed"
        if session.earlier is not None and session.chosen is None:
            line = say(WORDS["earlier"], outcome=words[session.earlier])
        else:
            line = words[outcome]
        style = {"right": "bold green", "wrong": "bold red"}.get(session.earlier or outcome, "italic")
        text.append(f"\n{line}\n", style=style)
        text.append(f"{revealed.detail}\n")
    right, answered = score
    text.append("\n" + say(WORDS["score"], right=right, answered=answered), style="dim")
    return text


class LessonPanel(VerticalScroll, can_focus=True):
    """The title and text of the lesson step on screen; `→`/`←` step when it has focus.

    Bindings:
        right: Next step.
        left: Previous step.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right", "app.lesson_step(1)", "Next step", id="lesson.next_arrow", show=False),
        Binding("left", "app.lesson_step(-1)", "Previous step", id="lesson.previous_arrow", show=False),
    ]
    # 44 cells from 120 columns on; below, 37 % of the screen and never under 30, so that at 80
    # columns the pane the step talks about keeps 50 (it kept 36, too narrow for its bars).
    DEFAULT_CSS = """
    LessonPanel {
        dock: right; width: 37%; min-width: 30; max-width: 44; height: 1fr; border-left: thick $primary;
        background: $surface; padding: 0 1; display: none;
    }
    LessonPanel.-active { display: block; }
    LessonPanel.-hidden { display: none; }
    LessonPanel:focus { border-left: thick $accent; }
    LessonPanel > #lesson-heading { color: $text-muted; height: auto; }
    LessonPanel > #lesson-hints { color: $text-muted; height: auto; margin-top: 1; }
    LessonPanel > #lesson-quiz { height: auto; display: none; }
    LessonPanel > #lesson-quiz.-shown { display: block; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._heading = ""
        self._body = ""  # the step's Markdown, before Japanese line breaking
        self._quiz: Text | None = None
        self._japanese = False
        self._wrapped_at = 0  # the width the Japanese text was last broken for
        self._hints_for = ("en", False)  # the language of the keys shown, and whether a question is open

    def compose(self) -> ComposeResult:
        yield PhraseText(id="lesson-heading")
        yield Markdown("", id="lesson-body")
        yield Static("", id="lesson-quiz")
        yield PhraseText(id="lesson-hints")

    def show_step(
        self,
        lesson: Lesson,
        index: int,
        language: str,
        score: tuple[int, int] = (0, 0),
        notice: str | None = None,
    ) -> None:
        """Show step `index`; with a `notice` (Markdown: what the step is waiting for), the notice
        comes first and the step's question is not asked."""
        step = lesson.steps[index]
        self._heading = f"{lesson.order}. {lesson.title} · {index + 1}/{len(lesson.steps)}"
        self._show_heading(score, language)
        body = f"## {step.title}\n\n{step.body}"
        asks = step.quiz is not None and notice is None
        if asks:
            body += f"\n\n**{UiStrings(language).say(WORDS['question'])}:** {step.quiz.question}"
        if notice is not None:
            body = f"{notice}\n\n{body}"
        self._body, self._japanese, self._quiz = body, language == "ja", None
        self._show_body()
        self.query_one("#lesson-quiz", Static).set_class(asks, "-shown")
        self.show_hints(language, quiz_open=False)
        self.scroll_home(animate=False)
        self.add_class("-active")
        self.fit_screen()

    @property
    def is_shown(self) -> bool:
        """Whether the panel is on screen: a lesson is open and F8 has not hidden it."""
        return self.has_class("-active") and not self.has_class("-hidden")

    def toggle_hidden(self) -> None:
        """Hide the panel, or show it again (F8)."""
        self.toggle_class("-hidden")
        self.fit_screen()

    def fit_screen(self) -> None:
        """The screen's layout for the panel shown or not (on a short screen the text box gives its
        lines to the panes while it is); the app fits it again when the terminal is resized."""
        fit_layout(self.screen, self.is_shown)

    def show_quiz(self, session: QuizSession, score: tuple[int, int], language: str) -> None:
        """Show the question's choices, or how it was answered and the computed answer."""
        self._quiz = quiz_text(session, score, language)
        self._show_quiz()
        self._show_heading(score, language)
        self.show_hints(language, quiz_open=session.is_open)

    def _text_width(self, inside_markdown: bool = True) -> int:
        """Cells a line of the step's text may take: the panel's content width (its size, which is
        inside its border and padding but holds the scrollbar, so that a scrollbar coming or going
        does not change it; 41 before it is laid out) less room for the scrollbar and, in the
        Markdown, the Markdown's own padding. Japanese lines are broken for exactly this width, so
        that Textual draws them as they are and never wraps one again."""
        width = (self.size.width or 41) - self.styles.scrollbar_size_vertical
        if inside_markdown:
            width -= self.query_one("#lesson-body", Markdown).styles.gutter.width
        return max(width, 12)

    def _show_body(self) -> None:
        """The step's Markdown; Japanese broken at phrases (`tui.lessons.ja_wrap`), which Textual's
        wrapping at spaces cannot do."""
        body = self._body
        if self._japanese:
            from tui.lessons.ja_wrap import wrap_markdown

            self._wrapped_at = self._text_width()
            body = wrap_markdown(body, self._wrapped_at)
        self.query_one("#lesson-body", Markdown).update(body)

    def _show_quiz(self) -> None:
        text = self._quiz
        if text is None:
            return
        if self._japanese:
            from tui.lessons.ja_wrap import wrap_text

            text = wrap_text(text, self._text_width(inside_markdown=False))
        self.query_one("#lesson-quiz", Static).update(text)

    def on_resize(self) -> None:
        """Japanese lines are broken for one width: break them again for the new one."""
        if self._japanese and self._body and self._text_width() != self._wrapped_at:
            self._show_body()
            self._show_quiz()
            self.show_hints(*self._hints_for)

    def _show_heading(self, score: tuple[int, int], language: str) -> None:
        heading = self._heading
        if score[1]:
            heading += " · " + UiStrings(language).say(
                WORDS["score_short"], right=score[0], answered=score[1]
            )
        self.query_one("#lesson-heading", PhraseText).show_text(heading)

    def show_hints(self, language: str, quiz_open: bool) -> None:
        say = UiStrings(language).say
        self._hints_for = (language, quiz_open)
        hints = ((say(QUIZ_HINTS) if quiz_open else "") + say(HINTS)).replace("`", "")
        if language == "ja":  # a key and what it does stay on one line (`esc` / `終了` parted)
            hints = keys_in_lines(hints, self._text_width(inside_markdown=False))
        self.query_one("#lesson-hints", PhraseText).show_text(hints)

    def close(self) -> None:
        self.remove_class("-active")
        self.fit_screen()
