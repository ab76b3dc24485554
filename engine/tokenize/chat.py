"""A text wrapped in the model's own chat template: the tokens an instruct model really receives.

An instruct model never sees bare text. `transformers`' `apply_chat_template` renders the model's
Jinja template (from `chat_template.jinja`, else `chat_template` in `tokenizer_config.json`) with the
conversation and the special-token names (`bos_token`, `eos_token`, ...), then tokenizes the result
with no post-processor tokens (the template writes them itself). This module does the same with
one user message and `add_generation_prompt=True`, in the same sandboxed Jinja environment
(`trim_blocks`, `lstrip_blocks`, `raise_exception`, `strftime_now`, its `tojson`).

Special tokens typed in the user's text stay refused (unless allowed); the template's own are
tokenized as special tokens.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path

import jinja2
import jinja2.ext
import jinja2.nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from engine.errors import SpecialTokenError, WeightsError
from engine.note import note
from engine.tokenize.hf import HfTokenizer
from engine.tokenize.tokens import TokenizedText, replace_lone_surrogates

# The named special tokens `transformers` passes to every template (its SPECIAL_TOKENS_ATTRIBUTES).
SPECIAL_TOKEN_NAMES = (
    "bos_token",
    "eos_token",
    "unk_token",
    "sep_token",
    "pad_token",
    "cls_token",
    "mask_token",
)


class _GenerationTag(jinja2.ext.Extension):
    """`{% generation %}…{% endgeneration %}`, which transformers uses to mark the assistant's tokens
    for training; rendering only needs its body."""

    tags = {"generation"}

    def parse(self, parser: jinja2.parser.Parser) -> jinja2.nodes.CallBlock:
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_body"), [], [], body).set_lineno(lineno)

    def _body(self, caller: jinja2.runtime.Macro) -> str:
        return caller()


def _raise_exception(message: str) -> None:
    raise jinja2.TemplateError(message)


def _tojson(value: object, ensure_ascii=False, indent=None, separators=None, sort_keys=False) -> str:
    # transformers' own filter: Jinja's escapes HTML characters, which a prompt must not contain.
    return json.dumps(
        value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
    )


def _strftime_now(format: str) -> str:
    return datetime.now().strftime(format)


def _environment() -> ImmutableSandboxedEnvironment:
    environment = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[_GenerationTag, jinja2.ext.loopcontrols]
    )
    environment.filters["tojson"] = _tojson
    environment.globals["raise_exception"] = _raise_exception
    environment.globals["strftime_now"] = _strftime_now
    return environment


@dataclass(frozen=True)
class ChatTemplate:
    """A model's chat template and the special-token names it is rendered with.

    Attributes:
        source: the Jinja source.
        special_tokens: `bos_token`, `eos_token`, ... as `tokenizer_config.json` names them.
        model: the model's name, for messages.
    """

    source: str
    special_tokens: dict[str, str] = field(default_factory=dict)
    model: str = "the model"

    @cached_property
    def _template(self) -> jinja2.Template:
        try:
            return _environment().from_string(self.source)
        except jinja2.TemplateError as error:
            raise WeightsError(
                note("the chat template of {model} cannot be read: {error}", model=self.model, error=error)
            ) from error

    def render(self, text: str, add_generation_prompt: bool = True) -> str:
        """`text` as one user message, as `apply_chat_template(..., tokenize=False)` renders it."""
        try:
            return self._template.render(
                messages=[{"role": "user", "content": text}],
                tools=None,
                documents=None,
                add_generation_prompt=add_generation_prompt,
                **self.special_tokens,
            )
        except jinja2.TemplateError as error:
            raise WeightsError(
                note("the chat template of {model} refused the text: {error}", model=self.model, error=error)
            ) from error


def _token_text(value: object) -> str | None:
    """A special token as tokenizer_config.json writes it: a string or an AddedToken's dict."""
    if isinstance(value, dict):
        value = value.get("content")
    return value if isinstance(value, str) else None


def _read_json(path: Path) -> dict:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise WeightsError(note("cannot read {path}: {error}", path=path, error=error)) from error
    return data if isinstance(data, dict) else {}


def load_chat_template(folder: str | Path, model: str | None = None) -> ChatTemplate | None:
    """The chat template of the model in `folder`, or None for a model without one (a base model).

    `chat_template.jinja` wins over `tokenizer_config.json`'s `chat_template`, as in transformers; of
    several named templates, the one named "default" is used.
    """
    folder = Path(folder).expanduser()
    config = _read_json(folder / "tokenizer_config.json")
    jinja_file = folder / "chat_template.jinja"
    source = jinja_file.read_text(encoding="utf-8") if jinja_file.is_file() else config.get("chat_template")
    if isinstance(source, list):  # [{"name": ..., "template": ...}, ...]
        source = {entry.get("name"): entry.get("template") for entry in source}.get("default")
    if not isinstance(source, str):
        return None
    legacy = _read_json(folder / "special_tokens_map.json")
    special_tokens = {}
    for key in SPECIAL_TOKEN_NAMES:
        value = _token_text(config.get(key)) or _token_text(legacy.get(key))
        if value is not None:
            special_tokens[key] = value
    return ChatTemplate(source, special_tokens, model or folder.name)


class ChatTokenizer:
    """A model's tokenizer that first wraps the text in the model's chat template.

    The result's `text` is the rendered prompt, so spans point into it (the learner sees the
    template's tokens around their own). Ids are those of
    `apply_chat_template([{"role": "user", "content": text}], add_generation_prompt=True)`.
    """

    def __init__(self, tokenizer: HfTokenizer, template: ChatTemplate) -> None:
        self.tokenizer = tokenizer
        self.template = template
        self.name = f"{tokenizer.name} (chat)"

    @property
    def vocab_size(self) -> int:
        return self.tokenizer.vocab_size

    @property
    def special_names(self) -> frozenset[str]:
        return self.tokenizer.special_names

    def tokenize(self, text: str) -> TokenizedText:
        cleaned, notes = replace_lone_surrogates(text)
        if not self.tokenizer.allow_special and (found := self.tokenizer.find_special(cleaned)) is not None:
            raise SpecialTokenError(found.group(), found.start())
        rendered = self.template.render(cleaned)
        # The user's specials were refused above, so every special token left is the template's.
        result = self.tokenizer.tokenize(rendered, allow_special=True, add_special_tokens=False)
        return dataclasses.replace(result, encoding=self.name, notes=notes + result.notes)

    def encode(self, text: str) -> list[int]:
        return self.tokenize(text).ids.tolist()

    def decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids)

    def token_bytes(self, token_id: int) -> bytes:
        return self.tokenizer.token_bytes(token_id)


def chat_tokenizer(tokenizer: HfTokenizer) -> ChatTokenizer:
    """`tokenizer` wrapped in its model's chat template; a model without one is a WeightsError."""
    template = load_chat_template(tokenizer.folder, tokenizer.name)
    if template is None:
        raise WeightsError(
            note(
                "{model} has no chat template (a base model): its text goes in as it is typed",
                model=tokenizer.name,
            )
        )
    return ChatTokenizer(tokenizer, template)
