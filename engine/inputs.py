"""Reading the user's text and corpus files, with errors that say what is wrong and where.

Text is UTF-8. Bytes that are not are an error naming the first bad byte and its offset, unless
the caller asks for the Latin-1 fallback (`latin1=True`, the `--latin1` switch): every byte is a
Latin-1 character, so that reading never fails.
"""

from __future__ import annotations

import codecs
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from engine.errors import CorpusError, Hint
from engine.note import Note, note

LATIN1_HINT = Hint(
    setting="latin1", purpose=note("to read it as Latin-1 (ISO-8859-1) text, if that is what it is")
)
BLOCK_SIZE = 1 << 20  # bytes read at a time when a file is streamed
MAX_READ_BYTES = 256 << 20  # the largest file read whole (a text or corpus file); streaming has no limit


def not_utf8_error(what: str, byte: int, offset: int) -> CorpusError:
    """The error for text that is not UTF-8: the first bad byte, where it is, and the way out."""
    return CorpusError(
        note(
            "{what} is not UTF-8 text (invalid byte 0x{byte} at byte offset {offset})",
            what=what,
            byte=f"{byte:02X}",
            offset=offset,
        ),
        LATIN1_HINT,
    )


def decode_text(data: bytes, what: str, latin1: bool = False) -> str:
    """`data` as UTF-8, else (with `latin1`) as Latin-1, else a `CorpusError` naming the bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        if latin1:
            return data.decode("latin-1")
        raise not_utf8_error(what, data[error.start], error.start) from None


def text_from_argument(text: str, what: str, latin1: bool = False) -> str:
    """Text from the command line, where bytes that are not UTF-8 arrive as lone surrogates.

    Python hands such bytes over as U+DC80..U+DCFF ("surrogateescape"); they are turned back into
    bytes and treated as a file's would be: an error naming the byte, or Latin-1 with `latin1`.
    """
    try:
        data = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text  # surrogates that were not bytes: the tokenizers replace them, with a note
    return decode_text(data, what, latin1)


def _kind(what: str) -> str:
    """What a file is for: the two usual kinds as notes, which the app says in its own words."""
    return note("text file") if what == "text file" else note("corpus") if what == "corpus" else what


def _describe(path: Path, what: str) -> Note:
    """What the file is for and its name, quoted: "text file 'notes.txt'"."""
    return note("{what} {path}", what=_kind(what), path=repr(str(path)))


def _missing(path: Path, what: str) -> CorpusError:
    return CorpusError(note("{what} does not exist", what=_describe(path, what)))


def _a_directory(path: Path, what: str) -> CorpusError:
    return CorpusError(note("{what} is a directory, not a file", what=_describe(path, what)))


def _unreadable(path: Path, what: str, error: OSError) -> CorpusError:
    return CorpusError(
        note("cannot read {what}: {error}", what=_describe(path, what), error=error.strerror or error)
    )


def _special(path: Path, what: str, fifo: bool) -> CorpusError:
    """A named pipe (`fifo`) or a device: a text can come through standard input instead."""
    way = note(" (pipe it into standard input and give '-' as the text)") if what == "text file" else ""
    return CorpusError(
        note(
            "{what} is a named pipe, not a regular file{way}"
            if fifo
            else "{what} is a device or other special file, not a regular file{way}",
            what=_describe(path, what),
            way=way,
        )
    )


def _open_regular(path: Path, what: str) -> BinaryIO:
    """`path` opened for reading, refused unless it is a regular file (after links).

    Opened without blocking, then checked on the open descriptor (no race with a swap): a FIFO
    would block `open` until a writer comes, and a device (`/dev/zero`) never ends.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise _missing(path, what) from None
    except IsADirectoryError:
        raise _a_directory(path, what) from None
    except OSError as error:
        raise _unreadable(path, what, error) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise _a_directory(path, what)
        raise _special(path, what, stat.S_ISFIFO(mode))
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def _read_bytes(path: Path, what: str) -> bytes:
    """The whole file, at most `MAX_READ_BYTES`; a bigger one is a `CorpusError` naming the limit."""
    with _open_regular(path, what) as file:
        try:
            data = file.read(MAX_READ_BYTES + 1)
        except OSError as error:
            raise _unreadable(path, what, error) from None
    if len(data) > MAX_READ_BYTES:
        raise CorpusError(
            note(
                "{what} is larger than the {limit} MiB limit for a file read whole: give a shorter file",
                what=_describe(path, what),
                limit=MAX_READ_BYTES >> 20,
            )
        )
    return data


def read_text_file(path: str | Path, what: str = "text file", latin1: bool = False) -> str:
    """Read a UTF-8 file; a missing file, a directory or bad UTF-8 (without `latin1`) is a `CorpusError`."""
    path = Path(path)
    return decode_text(_read_bytes(path, what), _describe(path, what), latin1)


def read_corpus_file(path: str | Path, latin1: bool = False) -> str:
    """Read a corpus file as `read_text_file` does; a corpus with no words is an error too."""
    text = read_text_file(path, "corpus", latin1)
    if not text.strip():
        raise CorpusError(
            note(
                "corpus {path} is empty: a corpus must have words for the vocabulary and for training"
                if not text
                else "corpus {path} is only whitespace: a corpus must have words for the vocabulary and for "
                "training",
                path=repr(str(path)),
            )
        )
    return text


def _open(path: Path, what: str) -> BinaryIO:
    return _open_regular(path, what)


def _check_utf8(path: Path, what: str) -> CorpusError | None:
    """The error bad UTF-8 in the file would raise, or None when it is all UTF-8 (one fast pass)."""
    with _open(path, what) as file:
        try:
            for _ in decode_stream(file, _describe(path, what)):
                pass
        except CorpusError as error:
            return error
    return None


def decode_stream(
    source: BinaryIO, what: str, encoding: str = "utf-8", block_size: int = BLOCK_SIZE
) -> Iterator[str]:
    """Decode `source` block by block; bad UTF-8 is a `CorpusError` with its offset in the whole stream."""
    decoder = codecs.getincrementaldecoder(encoding)()
    consumed = 0  # bytes handed to the decoder before this block
    final = False
    while not final:
        block = source.read(block_size)
        final = not block
        pending = decoder.getstate()[0]  # an unfinished character carried over from the last block
        try:
            text = decoder.decode(block, final=final)
        except UnicodeDecodeError as error:
            data = pending + block
            raise not_utf8_error(what, data[error.start], consumed - len(pending) + error.start) from None
        consumed += len(block)
        if text:
            yield text


def stream_text_file(
    path: str | Path, what: str = "text file", latin1: bool = False, block_size: int = BLOCK_SIZE
) -> Iterator[str]:
    """The text of a file in blocks of about `block_size` bytes, never all at once.

    The whole file is checked for bad UTF-8 first, so that a bad byte at the end is reported
    before anything was made of the beginning; with `latin1`, such a file is read as Latin-1 as
    a whole (no block decoded one way and the rest the other).
    """
    path = Path(path)
    encoding = "utf-8"
    if (error := _check_utf8(path, what)) is not None:
        if not latin1:
            raise error
        encoding = "latin-1"
    with _open(path, what) as file:
        yield from decode_stream(file, _describe(path, what), encoding, block_size)
