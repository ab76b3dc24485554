"""The bytes of one token: checked against tiktoken's token bytes and Python's own UTF-8."""

from __future__ import annotations

import pytest

from engine.tokenize.registry import BPE_ENCODINGS, get_tokenizer
from engine.tokenize.token_bytes import token_bytes_of


def test_chi_under_gpt2_is_two_partial_tokens(reference_encodings):  # noqa: F811
    reference = reference_encodings["gpt2"]
    tokens = get_tokenizer("gpt2").tokenize("ち")
    assert tokens.ids.tolist() == reference.encode("ち") == [2515, 94]
    first, second = (token_bytes_of(tokens, i) for i in range(2))
    utf8 = "ち".encode()
    assert first.raw == reference.decode_single_token_bytes(2515) == utf8[:2]
    assert second.raw == reference.decode_single_token_bytes(94) == utf8[2:]
    assert (first.starts_mid_char, first.ends_mid_char) == (False, True)
    assert (second.starts_mid_char, second.ends_mid_char) == (True, False)
    for detail, held in ((first, (0, 2)), (second, (2, 3))):
        (char,) = detail.chars
        assert (char.char, char.code_point, char.utf8, char.held) == ("ち", 0x3061, utf8, held)
        assert not char.whole
        assert detail.char_span == (0, 1)
        assert not detail.stands_for_other_text


@pytest.mark.parametrize("name", BPE_ENCODINGS)
def test_every_token_holds_exactly_its_bytes(name, reference_encodings):  # noqa: F811
    text = "aé ち😀 Ünïcödé\tand 漢字\n  spaces"
    reference = reference_encodings[name]
    tokens = get_tokenizer(name).tokenize(text)
    raw_text = text.encode("utf-8")
    offset = 0
    for index, token_id in enumerate(reference.encode(text)):
        detail = token_bytes_of(tokens, index)
        raw = reference.decode_single_token_bytes(token_id)
        assert detail.token_id == token_id and detail.raw == raw
        assert detail.byte_span == (offset, offset + len(raw))
        # The held bytes of the characters, in order, are the token's bytes.
        assert b"".join(c.utf8[c.held[0] : c.held[1]] for c in detail.chars) == raw
        for char in detail.chars:
            assert char.utf8 == char.char.encode("utf-8") and char.char == text[char.index]
        # Mid-character means the token's edge does not fall where Python's decoder can cut.
        assert detail.starts_mid_char == _cuts_a_character(raw_text, offset)
        assert detail.ends_mid_char == _cuts_a_character(raw_text, offset + len(raw))
        offset += len(raw)
    assert offset == len(raw_text)


def _cuts_a_character(raw: bytes, offset: int) -> bool:
    try:
        raw[:offset].decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def test_unknown_word_stands_for_other_text():
    tokens = get_tokenizer("regex-unk").tokenize("Zorblax.")
    detail = token_bytes_of(tokens, 0)
    assert detail.piece == "<|unk|>" and detail.raw == b"<|unk|>"
    assert detail.stands_for_other_text
    assert "".join(c.char for c in detail.chars) == "Zorblax"
    assert not token_bytes_of(tokens, 1).stands_for_other_text


def test_long_tokens_list_only_the_first_characters():
    word = "x" * 50
    tokens = get_tokenizer("regex-unk").tokenize(word)
    detail = token_bytes_of(tokens, 0, limit=8)
    assert len(detail.chars) == 8 and detail.chars_left_out == 42
    with pytest.raises(IndexError):
        token_bytes_of(tokens, 1)
