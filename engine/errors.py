"""Errors a user can cause, each with a message the user understands.

The CLI and the app catch `UserError` at their edge and show `str(error)`;
anything else is a programming error and may crash a test.
"""


class UserError(Exception):
    """Base class for errors caused by input, files or settings, not by a bug."""


def _shorten(word: str, limit: int = 40) -> str:
    """`repr(word)`, cut to about `limit` characters: a pasted 1 MB "word" must not fill the screen."""
    if len(word) <= limit:
        return repr(word)
    return f"{word[:limit]!r}… ({len(word):,} characters)"


class UnknownWordError(UserError):
    """The strict regex tokenizer met a word that is not in its vocabulary."""

    def __init__(self, word: str, position: int) -> None:
        super().__init__(
            f"unknown word {_shorten(word)} at character {position}: the 'regex' tokenizer only knows "
            "words from its corpus (use --encoding regex-unk to map unknown words to <|unk|>)"
        )
        self.word = word
        self.position = position


class SpecialTokenError(UserError):
    """The text contains a special token such as <|endoftext|> and special tokens are not allowed."""

    def __init__(self, token: str, position: int) -> None:
        super().__init__(
            f"the text contains the special token {token!r} at character {position}; "
            "it is refused by default because typed text should not inject control tokens "
            "(use --allow-special to encode it as the special token)"
        )
        self.token = token
        self.position = position


class VocabError(UserError):
    """A shipped vocabulary file is missing or damaged."""


class CorpusError(UserError):
    """A corpus or text file cannot be used."""


class DeviceError(UserError):
    """The requested compute device is not available."""


class SettingsError(UserError):
    """A setting is out of range or inconsistent with another."""


class WeightsError(UserError):
    """A weights file or folder cannot be loaded (missing, damaged, pickled, or not a GPT-2)."""
