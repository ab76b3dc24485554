"""The bytes of one token and the characters they belong to.

Byte-level BPE works on UTF-8 bytes, not characters: gpt2 cuts `ち` (e3 81 a1) into two tokens,
e3 81 and a1. `token_bytes_of` says, for one token, which bytes it holds, which characters of
the text those bytes come from, and whether it starts or ends inside a character.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.tokenize.tokens import TokenizedText, bytes_to_display

CHARS_LISTED = 32
"""`token_bytes_of` describes at most this many characters of one token (a word tokenizer's
token can be a whole line)."""


@dataclass(frozen=True)
class CharBytes:
    """One character a token covers, with the part of its UTF-8 bytes the token holds.

    Attributes:
        index: the character's index in the text.
        char: the character.
        utf8: its UTF-8 bytes (surrogates, which UTF-8 cannot hold, as Python's surrogatepass writes them).
        held: [start, end) of `utf8` that the token holds; (0, len(utf8)) when it holds all of it.
    """

    index: int
    char: str
    utf8: bytes
    held: tuple[int, int]

    @property
    def code_point(self) -> int:
        """The character's Unicode code point."""
        return ord(self.char)

    @property
    def whole(self) -> bool:
        """Whether the token holds every byte of the character."""
        return self.held == (0, len(self.utf8))


@dataclass(frozen=True)
class TokenBytes:
    """What one token is made of, byte by byte.

    Attributes:
        index: the token's position in the text.
        token_id: its id.
        piece: its display text (stray bytes as <0xNN>).
        raw: the bytes the id stands for.
        byte_span: [start, end) of the token in the text's UTF-8 bytes.
        char_span: [start, end) of the characters it touches.
        chars: the characters it touches, at most `CHARS_LISTED` of them.
        chars_left_out: characters it touches beyond those listed.
        starts_mid_char: its first byte is not the first byte of a character.
        ends_mid_char: its last byte is not the last byte of a character.
        stands_for_other_text: `raw` is not the text's bytes (e.g. `<|unk|>` for an unknown word).
    """

    index: int
    token_id: int
    piece: str
    raw: bytes
    byte_span: tuple[int, int]
    char_span: tuple[int, int]
    chars: tuple[CharBytes, ...]
    chars_left_out: int
    starts_mid_char: bool
    ends_mid_char: bool
    stands_for_other_text: bool


def _utf8(text: str) -> bytes:
    # The regex tokenizers keep lone surrogates; char_byte_offsets counts them as 3 bytes too.
    return text.encode("utf-8", "surrogatepass")


def token_bytes_of(tokens: TokenizedText, index: int, limit: int = CHARS_LISTED) -> TokenBytes:
    """Describe the bytes of token `index` of `tokens`.

    Args:
        tokens: a tokenized text.
        index: a token position, 0 <= index < len(tokens).
        limit: list at most this many characters.

    Returns:
        The token's bytes, the characters they cover and whether it starts or ends mid-character.
    """
    if not 0 <= index < len(tokens):
        raise IndexError(f"token {index} of {len(tokens)}")
    token_id = int(tokens.ids[index])
    byte_start, byte_end = (int(v) for v in tokens.byte_spans[index])
    char_start, char_end = (int(v) for v in tokens.char_spans[index])
    text = tokens.text
    # Where the first touched character begins in bytes: one slice of the text, once per call.
    first_char_byte = len(_utf8(text[:char_start]))
    covered = _utf8(text[char_start:char_end])
    last_char_end = first_char_byte + len(covered)
    chars: list[CharBytes] = []
    offset = first_char_byte
    for char_index in range(char_start, min(char_end, char_start + limit)):
        utf8 = _utf8(text[char_index])
        held = (max(byte_start - offset, 0), min(byte_end - offset, len(utf8)))
        chars.append(CharBytes(char_index, text[char_index], utf8, held))
        offset += len(utf8)
    raw = tokens.token_bytes(token_id)
    text_bytes = covered[byte_start - first_char_byte : len(covered) - (last_char_end - byte_end)]
    return TokenBytes(
        index=index,
        token_id=token_id,
        piece=bytes_to_display(raw),
        raw=raw,
        byte_span=(byte_start, byte_end),
        char_span=(char_start, char_end),
        chars=tuple(chars),
        chars_left_out=max(char_end - char_start - limit, 0),
        starts_mid_char=byte_start > first_char_byte,
        ends_mid_char=byte_end < last_char_end,
        stands_for_other_text=raw != text_bytes,
    )
