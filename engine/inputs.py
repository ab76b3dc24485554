"""Reading the user's text and corpus files, with errors that say what is wrong and where."""

from __future__ import annotations

from pathlib import Path

from engine.errors import CorpusError


def read_text_file(path: str | Path, what: str = "text file") -> str:
    """Read a UTF-8 file; a missing file, a directory or bad UTF-8 is a `CorpusError`."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CorpusError(f"{what} {str(path)!r} does not exist") from None
    except IsADirectoryError:
        raise CorpusError(f"{what} {str(path)!r} is a directory, not a file") from None
    except OSError as error:
        raise CorpusError(f"cannot read {what} {str(path)!r}: {error.strerror or error}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CorpusError(
            f"{what} {str(path)!r} is not UTF-8 text (invalid byte 0x{data[error.start]:02X} "
            f"at byte offset {error.start})"
        ) from None
