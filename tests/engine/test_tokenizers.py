"""Tokenizers against the book's figures and tiktoken's own encodings."""

from __future__ import annotations

import gzip
import shutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import SettingsError, SpecialTokenError, UnknownWordError, VocabError
from engine.tokenize import bpe
from engine.tokenize.registry import BPE_ENCODINGS, get_tokenizer, resolve_encoding

SEED_SENTENCE = "Hello, world! This is an example. <|endoftext|> Do you get it?"


@pytest.mark.parametrize("name", BPE_ENCODINGS)
def test_pattern_and_specials_match_tiktoken(name, reference_encodings):
    ours = bpe.load_encoding(name)
    reference = reference_encodings[name]
    assert ours._pat_str == reference._pat_str
    assert ours._special_tokens == reference._special_tokens
    assert ours.n_vocab == reference.n_vocab


TEXTS = [
    SEED_SENTENCE.replace(" <|endoftext|>", ""),
    "ち",
    "Akwirw ier",
    "  leading spaces and\ttabs\n\nnewlines  ",
    "日本語のテキストと emoji 👩‍👩‍👧 and combining e\u0301",
    "numbers 1234567 and CAPS don't WON'T",
]


@pytest.mark.parametrize("name", BPE_ENCODINGS)
@pytest.mark.parametrize("text", TEXTS)
def test_ids_equal_tiktoken(name, text, reference_encodings):
    assert get_tokenizer(name).encode(text) == reference_encodings[name].encode(text)


@pytest.mark.parametrize("name", BPE_ENCODINGS)
@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=80) | st.sampled_from(["<|endoftext|>", "a<|endofprompt|>b"]))
def test_ids_equal_tiktoken_on_any_text(name, text, reference_encodings):
    reference = reference_encodings[name]
    if any(special in text for special in reference.special_tokens_set):
        with pytest.raises(SpecialTokenError):
            get_tokenizer(name).encode(text)
        return
    assert get_tokenizer(name).encode(text) == reference.encode(text)


@pytest.mark.parametrize("name", BPE_ENCODINGS)
@settings(max_examples=150, deadline=None)
@given(text=st.text())
def test_decode_encode_round_trips(name, text):
    # With special tokens allowed every string is accepted, so the round trip must hold for all.
    tokenizer = get_tokenizer(name, allow_special=True)
    assert tokenizer.decode(tokenizer.encode(text)) == text


@pytest.mark.parametrize("name", ["gpt2", "o200k_base", "regex-unk"])
@settings(max_examples=100, deadline=None)
@given(text=st.text())
def test_spans_tile_the_text(name, text):
    tokens = get_tokenizer(name, allow_special=True).tokenize(text)
    spans = tokens.char_spans.tolist()
    assert spans == sorted(spans)
    covered = {index for start, end in spans for index in range(start, end)}
    if tokens.encoding == "regex-unk":
        # Word tokenizers drop whitespace and nothing else.
        assert covered == {i for i, char in enumerate(text) if not char.isspace()}
        return
    assert covered == set(range(len(text)))
    for i, (start, end) in enumerate(spans):
        if not tokens.partial[i]:
            assert tokens.piece(i) == text[start:end]
    # Byte-level BPE drops nothing: the byte spans tile the UTF-8 text end to end.
    starts, ends = tokens.byte_spans[:, 0].tolist(), tokens.byte_spans[:, 1].tolist()
    assert starts == [0, *ends[:-1]][: len(starts)]
    assert (ends[-1] if ends else 0) == len(text.encode("utf-8"))


def test_seed_sentence_gpt2():
    ids = get_tokenizer("gpt2", allow_special=True).encode(SEED_SENTENCE)
    assert ids == [15496, 11, 995, 0, 770, 318, 281, 1672, 13, 220, 50256, 2141, 345, 651, 340, 30]


def test_special_tokens_refused_unless_allowed():
    with pytest.raises(SpecialTokenError) as caught:
        get_tokenizer("gpt2").encode(SEED_SENTENCE)
    assert caught.value.token == "<|endoftext|>"
    assert caught.value.position == SEED_SENTENCE.index("<|endoftext|>")
    with pytest.raises(SpecialTokenError):
        get_tokenizer("cl100k_base").encode("a <|fim_prefix|> b")


def test_japanese_character_is_two_partial_tokens():
    tokens = get_tokenizer("gpt2").tokenize("ち")
    assert tokens.ids.tolist() == [2515, 94]
    assert tokens.partial.tolist() == [True, True]
    assert tokens.pieces == ("<0xE3><0x81>", "<0xA1>")
    assert "\ufffd" not in "".join(tokens.pieces)
    assert tokens.byte_spans.tolist() == [[0, 2], [2, 3]]
    assert tokens.char_spans.tolist() == [[0, 1], [0, 1]]


def test_book_figures_gpt2(verdict_text):
    tokenizer = get_tokenizer("gpt2")
    ids = tokenizer.encode(verdict_text)
    assert len(ids) == 5145
    assert ids[:10] == [40, 367, 2885, 1464, 1807, 3619, 402, 271, 10899, 2138]
    assert tokenizer.encode("Akwirw ier") == [33901, 86, 343, 86, 220, 959]
    assert tokenizer.encode("Every effort moves you") == [6109, 3626, 6100, 345]


def test_book_figures_regex(verdict_text):
    strict = get_tokenizer("regex", corpus=verdict_text)
    assert len(strict.tokenize(verdict_text)) == 4690
    assert strict.vocab_size == 1130
    with_unknown = get_tokenizer("regex-unk", corpus=verdict_text)
    assert with_unknown.vocab_size == 1132
    text = "Hello, do you like tea? <|endoftext|> In the sunlit terraces of the palace."
    assert with_unknown.encode(text) == [
        1131,
        5,
        355,
        1126,
        628,
        975,
        10,
        1130,
        55,
        988,
        956,
        984,
        722,
        988,
        1131,
        7,
    ]
    with pytest.raises(UnknownWordError) as caught:
        strict.encode(text)
    assert (caught.value.word, caught.value.position) == ("Hello", 0)


def test_regex_decode_removes_space_before_punctuation(verdict_text):
    tokenizer = get_tokenizer("regex-unk", corpus=verdict_text)
    text = "It's the last he painted, you know, Mrs. Gisburn said."
    assert (
        tokenizer.decode(tokenizer.encode(text)) == "It' s the last he painted, you know, Mrs. Gisburn said."
    )
    assert tokenizer.decode(tokenizer.encode("Hello, tea?")) == "<|unk|>, tea?"


def test_regex_spans_point_at_words():
    tokens = get_tokenizer("regex-unk", corpus="the cat sat").tokenize("the  dog, sat")
    assert tokens.char_spans.tolist() == [[0, 3], [5, 8], [8, 9], [10, 13]]
    assert tokens.pieces == ("the", "<|unk|>", "<|unk|>", "sat")
    assert tokens.notes


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("gpt-2", "gpt2"),
        ("gpt2", "gpt2"),
        ("gpt-4", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("gpt-4o", "o200k_base"),
        ("o200k_base", "o200k_base"),
        ("regex", "regex"),
    ],
)
def test_model_names_map_to_encodings(name, encoding):
    assert resolve_encoding(name) == encoding


@pytest.mark.parametrize("name", ["text-davinci-003", "no-such-model"])
def test_unknown_or_unshipped_encoding_is_a_clear_error(name):
    with pytest.raises(SettingsError, match=name):
        resolve_encoding(name)


def test_damaged_vocabulary_is_refused(tmp_path):
    spec = bpe.SPECS["gpt2"]
    shutil.copy(bpe.VOCAB_DIR / spec.filename, tmp_path / spec.filename)
    assert len(bpe.read_ranks(spec, tmp_path)) == 50256
    data = gzip.decompress((tmp_path / spec.filename).read_bytes())
    (tmp_path / spec.filename).write_bytes(gzip.compress(data.replace(b" 1\n", b" 2\n", 1)))
    with pytest.raises(VocabError, match="sha256"):
        bpe.read_ranks(spec, tmp_path)
    (tmp_path / spec.filename).write_bytes(b"not gzip")
    with pytest.raises(VocabError, match="cannot read"):
        bpe.read_ranks(spec, tmp_path)


def test_lone_surrogates_are_replaced_one_for_one_and_said():
    text = "a\ud800b"
    tokens = get_tokenizer("gpt2").tokenize(text)
    assert tokens.text == "a\ufffdb" and len(tokens.text) == len(text)
    assert tokens.notes and "surrogate" in tokens.notes[0]
    assert tokens.char_spans[-1, 1] == len(text)
