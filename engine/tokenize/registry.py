"""One entry point for every tokenizer llm-tui teaches with.

Tokenizers share a small interface (`name`, `vocab_size`, `tokenize`, `encode`, `decode`,
`token_bytes`); `get_tokenizer` picks one by encoding or model name, `tokenizer_from_folder` hands
out a loaded model's own tokenizer.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from engine.errors import SettingsError
from engine.note import note

if TYPE_CHECKING:  # numpy comes with it; the app must not pay for that before its first frame
    from engine.settings import Settings
    from engine.tokenize.tokens import TokenizedText

SAMPLE_TEXT_PATH = Path(__file__).parents[1] / "data" / "sample.txt"

REGEX_ENCODINGS = ("regex", "regex-unk")
BPE_ENCODINGS = ("gpt2", "cl100k_base", "o200k_base")
ENCODINGS = REGEX_ENCODINGS + BPE_ENCODINGS

# Names people type that tiktoken's own model table does not cover.
_EXTRA_ALIASES = {"gpt-2": "gpt2", "r50k_base": "gpt2", "gpt2": "gpt2"}


class Tokenizer(Protocol):
    name: str

    @property
    def vocab_size(self) -> int: ...

    def tokenize(self, text: str) -> TokenizedText: ...

    def encode(self, text: str) -> list[int]: ...

    def decode(self, ids: list[int]) -> str: ...

    def token_bytes(self, token_id: int) -> bytes: ...

    @property
    def special_names(self) -> frozenset[str]:
        """The texts of the special tokens (`<|endoftext|>`): generation stops at one."""
        ...


def sample_text() -> str:
    """The built-in sample text, used when the user gives no text or corpus."""
    return SAMPLE_TEXT_PATH.read_text(encoding="utf-8")


def resolve_encoding(name: str) -> str:
    """Map an encoding or model name (`gpt-4o`, `gpt-2`, `cl100k_base`, ...) to an encoding we ship."""
    if name in ENCODINGS:
        return name
    if name in _EXTRA_ALIASES:
        return _EXTRA_ALIASES[name]
    from tiktoken.model import encoding_name_for_model

    try:
        encoding = encoding_name_for_model(name)
    except KeyError:
        encoding = None
    encoding = _EXTRA_ALIASES.get(encoding, encoding)
    if encoding in BPE_ENCODINGS:
        return encoding
    known = ", ".join(ENCODINGS)
    if encoding:
        raise SettingsError(
            note(
                "model {name} uses the {encoding} encoding, which llm-tui does not ship (available: {known})",
                name=repr(name),
                encoding=encoding,
                known=known,
            )
        )
    raise SettingsError(
        note(
            "unknown encoding or model {name} (available: {known}, or a model name)",
            name=repr(name),
            known=known,
        )
    )


def get_tokenizer(name: str, corpus: str | None = None, allow_special: bool = False) -> Tokenizer:
    """The tokenizer for `name`.

    Args:
        name: an encoding or model name, see `resolve_encoding`.
        corpus: the text whose vocabulary the regex tokenizers use (default: the sample text).
        allow_special: let BPE encodings encode special tokens typed in the text.
    """
    encoding = resolve_encoding(name)
    if encoding in REGEX_ENCODINGS:
        return _regex_tokenizer(corpus if corpus is not None else sample_text(), encoding)
    return _bpe_tokenizer(encoding, allow_special)


def tokenizer_from_folder(
    path: str | Path, allow_special: bool = False, chat: bool = False, name: str | None = None
) -> Tokenizer:
    """The tokenizer of the model in folder `path` (its `tokenizer.json`), loaded once per folder.

    Args:
        path: the model folder (or a file in it); see `engine.hub.resolve_weights`.
        allow_special: encode special tokens typed in the text as their ids.
        chat: wrap the text in the model's chat template first (`engine.tokenize.chat`).
        name: what results call the encoding (default: the folder's name; a hub snapshot's is a
            commit hash, so pass the repo id).
    """
    folder = Path(path).expanduser().resolve()
    return _folder_tokenizer(str(folder.parent if folder.is_file() else folder), allow_special, chat, name)


def tokenizer_for(settings: Settings) -> Tokenizer:
    """The tokenizer `settings` describe: an open model's own (when `settings.weights` names one,
    with the chat template if `settings.chat`), else their encoding, corpus and special-token switch."""
    if settings.weights:
        from engine.hub import open_model_folder  # huggingface_hub: only when a model is named

        found = open_model_folder(settings.weights)
        if found is not None:
            folder, name = found
            return tokenizer_from_folder(folder, settings.allow_special, chat=settings.chat, name=name)
    return get_tokenizer(settings.encoding, settings.corpus, settings.allow_special)


@cache
def _regex_tokenizer(corpus: str, encoding: str) -> Tokenizer:
    from engine.tokenize.words import RegexTokenizer

    return RegexTokenizer(corpus, with_specials=encoding == "regex-unk")


@cache
def _bpe_tokenizer(encoding: str, allow_special: bool) -> Tokenizer:
    from engine.tokenize.bpe import BpeTokenizer

    return BpeTokenizer(encoding, allow_special)


@cache
def _folder_tokenizer(folder: str, allow_special: bool, chat: bool, name: str | None) -> Tokenizer:
    if chat:  # the same loaded tokenizer, behind the model's chat template
        from engine.tokenize.chat import chat_tokenizer

        return chat_tokenizer(_folder_tokenizer(folder, allow_special, False, name))
    from engine.tokenize.hf import HfTokenizer

    return HfTokenizer(folder, name, allow_special)
