"""Properties of every tokenizer over arbitrary Unicode, lone surrogates and special tokens included.

For any text: tokenizing raises nothing but the documented errors (an unknown word for the strict
regex tokenizer, a typed special token for BPE without --allow-special), the spans say exactly
where each token is, decoding gives the text back where the tokenizer promises it, and
tokenizing chunk by chunk (`engine.tokenize.streaming`) gives the ids of tokenizing in one go.
"""

from __future__ import annotations

import numpy as np
import pytest
import tiktoken
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import SpecialTokenError, UnknownWordError
from engine.pipeline.run import tokenize
from engine.settings import Settings
from engine.tokenize.bpe import SPECS
from engine.tokenize.registry import BPE_ENCODINGS, ENCODINGS, get_tokenizer
from engine.tokenize.streaming import TextNotes, safe_chunks, tokenize_chunks
from engine.tokenize.tokens import char_byte_offsets
from engine.tokenize.words import UNKNOWN, split_words

SPECIALS = sorted({token for spec in SPECS.values() for token in spec.special_tokens})
TRICKY = [
    "\u200d",  # zero-width joiner
    "\u0301",  # combining acute accent
    "👩‍👩‍👧",
    "🇯🇵",
    "e\u0301",
    "日本語",
    "한국어",
    "\x00",
    "\x1b[31m",
    "\r\n",
    " ",
    "\n",
    "'s",
    "/",
    "\ufeff",
    "\U0010ffff",
]

characters = st.one_of(
    st.characters(exclude_categories=()),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, categories=["Cs"]),  # lone surrogates
)
texts = st.lists(
    st.one_of(st.text(characters, max_size=12), st.sampled_from(TRICKY + SPECIALS)), max_size=8
).map("".join)
# Text made mostly of what decides where a chunk may end: spaces, newlines, "/", punctuation.
dense_texts = st.lists(
    st.sampled_from([*"aZ9./'!}; \n\r\t\x0b", "//", "\u3042", "。", "\u00a0", "\u0301", "<|endoftext|>"]),
    max_size=40,
).map("".join)
MAX_EXAMPLES = 150


def _is_surrogate(char: str) -> bool:
    return 0xD800 <= ord(char) <= 0xDFFF


def _check_regex(name: str, text: str) -> None:
    tokenizer = get_tokenizer(name)
    words = split_words(text)
    unknown = [(word, offset) for word, offset in words if word not in tokenizer.word_to_id]
    if name == "regex" and unknown:
        with pytest.raises(UnknownWordError) as raised:
            tokenizer.tokenize(text)
        assert (raised.value.word, raised.value.position) == unknown[0]
        assert str(raised.value)  # a message, whatever the word holds
        return
    tokens = tokenizer.tokenize(text)
    assert len(tokens) == len(words)
    offsets = char_byte_offsets(text)
    for i, (word, offset) in enumerate(words):
        start, end = tokens.char_spans[i].tolist()
        assert text[start:end] == word and start == offset
        assert tokens.byte_spans[i].tolist() == [offsets[start], offsets[end]]
        assert tokens.piece(i) == (UNKNOWN if word not in tokenizer.word_to_id else word)
    # Whatever lies between the tokens is whitespace, and only whitespace is dropped.
    covered = np.zeros(len(text), dtype=bool)
    for start, end in tokens.char_spans.tolist():
        covered[start:end] = True
    assert all(covered[i] or char.isspace() for i, char in enumerate(text))
    assert not any(covered[i] and char.isspace() for i, char in enumerate(text))


def _check_bpe(name: str, text: str, allow_special: bool) -> None:
    tokenizer = get_tokenizer(name, allow_special=allow_special)
    cleaned = "".join("\ufffd" if _is_surrogate(char) else char for char in text)
    present = [token for token in SPECS[name].special_tokens if token in cleaned]
    if present and not allow_special:
        with pytest.raises(SpecialTokenError) as raised:
            tokenizer.tokenize(text)
        position = raised.value.position
        assert cleaned[position:].startswith(raised.value.token) and raised.value.token in present
        return
    tokens = tokenizer.tokenize(text)
    # Surrogates are replaced one for one (UTF-8 cannot carry them), and the user is told.
    assert tokens.text == cleaned
    assert bool(tokens.notes) == (cleaned != text)
    raw = cleaned.encode("utf-8")
    offsets = char_byte_offsets(cleaned)
    pieces = [tokenizer.token_bytes(int(token_id)) for token_id in tokens.ids]
    assert b"".join(pieces) == raw
    position = 0
    for i, piece in enumerate(pieces):
        byte_start, byte_end = tokens.byte_spans[i].tolist()
        assert (byte_start, byte_end) == (position, position + len(piece))
        position = byte_end
        # The character span is exactly the characters the token's bytes touch.
        start, end = tokens.char_spans[i].tolist()
        assert offsets[start] <= byte_start < offsets[start + 1]
        assert offsets[end - 1] < byte_end <= offsets[end]
        assert bool(tokens.partial[i]) == (offsets[start] != byte_start or offsets[end] != byte_end)
    # Byte-level BPE promises the round trip for any text UTF-8 can carry.
    assert tokenizer.decode(tokens.ids.tolist()) == cleaned


@pytest.mark.parametrize("name", ENCODINGS)
@settings(max_examples=MAX_EXAMPLES, deadline=None)
@given(text=texts)
def test_any_text_tokenizes_or_raises_a_documented_error(name, text):
    if name in BPE_ENCODINGS:
        _check_bpe(name, text, allow_special=False)
    else:
        _check_regex(name, text)


@pytest.mark.parametrize("name", BPE_ENCODINGS)
@settings(max_examples=MAX_EXAMPLES // 2, deadline=None)
@given(text=texts)
def test_any_text_with_special_tokens_allowed(name, text):
    _check_bpe(name, text, allow_special=True)


@pytest.mark.parametrize("name", ["regex-unk", *BPE_ENCODINGS])
@settings(max_examples=MAX_EXAMPLES, deadline=None)
@given(text=texts | dense_texts, block=st.integers(1, 7), chunk=st.integers(1, 9))
def test_chunked_tokenizing_gives_the_same_ids(name, text, block, chunk):
    tokenizer = get_tokenizer(name, allow_special=True)
    blocks = [text[i : i + block] for i in range(0, len(text), block)]
    chunks = list(safe_chunks(blocks, chunk_chars=chunk))
    assert "".join(chunks) == text
    ids = [token_id for _, tokens in tokenize_chunks(tokenizer, chunks) for token_id in tokens.ids.tolist()]
    assert ids == tokenizer.encode(text)


# Where a cut looks possible but is not: before "/" after a newline (o200k keeps "\n/" with what
# precedes: ")\n/" is one token), after \r\n (gpt2's `\s+(?!\S)` splits it differently at a
# chunk's end). These texts have no safe cut at all.
UNCUTTABLE = ["x.\n//x", "}\n//", "a)\n/b", "x.\r\nWord"]
CUTTABLE = [
    "x \nWord",
    "x  \nWord  two",
    "a\n\nb c",
    "don't stop, WON'T stop",
    "HELLO world",
    "1234 56789",
    "a <|endoftext|> b",
    "日本語。\n次の行\nです",
    "tab\there  two  spaces \u00a0nbsp",
]


@pytest.mark.parametrize("name", ["regex-unk", *BPE_ENCODINGS])
@pytest.mark.parametrize("text", UNCUTTABLE + CUTTABLE)
def test_cutting_at_every_safe_place_at_once_gives_the_same_ids(name, text):
    tokenizer = get_tokenizer(name, allow_special=True)
    chunks = list(safe_chunks(list(text), chunk_chars=1))  # one-character blocks: every cut is taken
    assert "".join(chunks) == text and (len(chunks) == 1) == (text in UNCUTTABLE)
    ids = [token_id for _, tokens in tokenize_chunks(tokenizer, chunks) for token_id in tokens.ids.tolist()]
    assert ids == tokenizer.encode(text)


@settings(max_examples=MAX_EXAMPLES, deadline=None)
@given(text=texts | dense_texts, chunk=st.integers(1, 9))
def test_chunked_errors_point_into_the_whole_text(text, chunk):
    tokenizer = get_tokenizer("regex")
    chunks = list(safe_chunks([text], chunk_chars=chunk))
    try:
        tokenizer.tokenize(text)
    except UnknownWordError as whole:
        with pytest.raises(UnknownWordError) as chunked:
            list(tokenize_chunks(tokenizer, chunks))
        assert (chunked.value.word, chunked.value.position) == (whole.word, whole.position)
    else:
        list(tokenize_chunks(tokenizer, chunks))


@pytest.mark.parametrize("name", ENCODINGS)
@settings(max_examples=MAX_EXAMPLES // 2, deadline=None)
@given(text=texts)
def test_notes_about_the_text(name, text):
    settings_ = Settings(encoding=name, allow_special=True)
    try:
        tokens = tokenize(text, settings_)
    except UnknownWordError:
        return
    notes = " / ".join(tokens.notes)
    assert ("the text is empty" in notes) == (text == "")
    controls = [c for c in text if ord(c) < 0x20 and c not in "\t\n\r" or 0x7F <= ord(c) <= 0x9F]
    assert (f"holds {len(controls):,} control character(s)" in notes) == bool(controls)
    gathered = TextNotes()
    for chunk in safe_chunks([text], chunk_chars=3):
        gathered.add(chunk)
    assert gathered.n_control == len(controls) and gathered.n_chars == len(text)


MIXED = "日本語のテキスト 👩‍👩‍👧 family, e\u0301te\u0301 (combining), 🇯🇵 flag, 한국어 and ASCII."


@pytest.mark.parametrize("name", BPE_ENCODINGS)
def test_cjk_zwj_and_combining_marks_stay_aligned_with_tiktoken(name):
    tokens = get_tokenizer(name).tokenize(MIXED)
    # tiktoken's own character offsets of each token (a token that starts inside a character
    # gets that character's index), from the same ranks and pattern.
    encoding = tiktoken.Encoding(
        name=f"{name}-reference",
        pat_str=SPECS[name].pattern,
        mergeable_ranks=get_tokenizer(name).encoding._mergeable_ranks,
        special_tokens=SPECS[name].special_tokens,
    )
    ids = encoding.encode(MIXED)
    text, starts = encoding.decode_with_offsets(ids)
    assert tokens.ids.tolist() == ids and text == MIXED
    assert tokens.char_spans[:, 0].tolist() == starts
    # Every character maps to the token that covers it, ZWJ and combining marks included.
    for index in range(len(MIXED)):
        token = tokens.token_at_char(index)
        assert token is not None
        start, end = tokens.char_spans[token].tolist()
        assert start <= index < end
