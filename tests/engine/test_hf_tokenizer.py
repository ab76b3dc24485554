"""A model's own tokenizer.json (Hugging Face `tokenizers`) behind the engine's tokenizer interface.

The folders are made from our shipped ranks (tests/engine/hf_folders.py), so tiktoken's encoding of
the same ranks is the reference for ids and spans, and `transformers` for the post-processor's BOS.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import SpecialTokenError, WeightsError
from engine.tokenize.hf import HfTokenizer, byte_decoder
from engine.tokenize.registry import tokenizer_from_folder
from tests.engine.hf_folders import (
    LLAMA_BOS,
    LLAMA_SPECIALS,
    llama_style_folder,
    make_folder,
    reference_tokenizer,
)

pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def gpt2_folder(tmp_path_factory):
    return make_folder(tmp_path_factory.mktemp("gpt2-style"), "gpt2", ("<|endoftext|>",))


@pytest.fixture(scope="module")
def llama_folder():
    return llama_style_folder()


@pytest.fixture(scope="module")
def hf_llama(llama_folder):
    return reference_tokenizer(llama_folder)


# Unicode text, and text built of the pieces where byte-level BPE is most often wrong.
_PIECES = [
    "You",
    " you",
    "'s",
    "'LL",
    " ",
    "  ",
    "\n",
    "\r\n",
    "\t",
    "ち",
    "は",
    "😀",
    "é",
    "e\u0301",
    "123456",
    "0000",
    "!?",
    "\u00a0",
    "<|eot_id|>",
    "<|endoftext|>",
]
TEXTS = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=60),
    st.lists(st.sampled_from(_PIECES), max_size=20).map("".join),
)


def _check_against_tiktoken(tokenizer, encoding, text, skip):
    if tokenizer.find_special(text):
        with pytest.raises(SpecialTokenError):
            tokenizer.tokenize(text)
        return None
    result = tokenizer.tokenize(text)
    expected = encoding.encode(text, disallowed_special=())  # tiktoken's specials are our plain text
    assert result.ids[skip:].tolist() == expected
    assert b"".join(tokenizer.token_bytes(int(i)) for i in result.ids[skip:]) == text.encode("utf-8")
    if expected:
        _, starts = encoding.decode_with_offsets(expected)
        assert result.char_spans[skip:, 0].tolist() == starts
    return result


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXTS)
def test_gpt2_ids_and_spans_match_tiktoken(gpt2_folder, reference_encodings, text):
    _check_against_tiktoken(tokenizer_from_folder(gpt2_folder), reference_encodings["gpt2"], text, skip=0)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXTS)
def test_llama_style_ids_are_cl100k_after_the_bos(llama_folder, reference_encodings, text):
    tokenizer = tokenizer_from_folder(llama_folder)
    result = _check_against_tiktoken(tokenizer, reference_encodings["cl100k_base"], text, skip=1)
    assert result is None or result.ids[0] == LLAMA_BOS


def test_spans_agree_with_the_tokenizers_offsets(gpt2_folder):
    from tokenizers import Tokenizer

    text = "Hello, world!  ち\n\n  end"
    offsets = Tokenizer.from_file(str(gpt2_folder / "tokenizer.json")).encode(text).offsets
    assert tokenizer_from_folder(gpt2_folder).tokenize(text).char_spans.tolist() == [list(o) for o in offsets]


def test_a_token_that_cuts_a_character_shows_its_bytes(gpt2_folder, reference_encodings):
    result = tokenizer_from_folder(gpt2_folder).tokenize("You ち")
    assert result.ids.tolist() == reference_encodings["gpt2"].encode("You ち")
    assert result.pieces == ("You", " <0xE3><0x81>", "<0xA1>")
    assert result.partial.tolist() == [False, True, True]
    assert result.byte_spans.tolist() == [[0, 3], [3, 6], [6, 7]]
    assert result.char_spans.tolist() == [[0, 3], [3, 5], [4, 5]]


def test_byte_level_pieces_use_gpt2_s_map():
    assert byte_decoder()["Ġ"] == 0x20 and byte_decoder()["Ċ"] == 0x0A and byte_decoder()["a"] == 0x61
    assert sorted(byte_decoder().values()) == list(range(256))


@pytest.mark.parametrize("text", ["You you", "", "Hello, world! ち 😀", "a\n\n  b", " leading space"])
def test_the_bos_is_added_as_transformers_adds_it(llama_folder, hf_llama, text):
    result = tokenizer_from_folder(llama_folder).tokenize(text)
    assert result.ids.tolist() == hf_llama(text)["input_ids"]
    assert result.ids[0] == LLAMA_BOS and result.pieces[0] == "<|begin_of_text|>"
    assert result.char_spans[0].tolist() == [0, 0] and result.byte_spans[0].tolist() == [0, 0]
    assert not result.partial[0]
    if text:
        assert result.token_at_char(0) == 1


def test_you_and_you_are_the_lecture_s_ids(llama_folder):
    result = tokenizer_from_folder(llama_folder).tokenize("You you")
    assert result.ids.tolist() == [LLAMA_BOS, 2675, 499]
    assert result.pieces == ("<|begin_of_text|>", "You", " you")
    assert result.char_spans.tolist() == [[0, 0], [0, 3], [3, 7]]


def test_typed_special_tokens_are_refused_unless_allowed(llama_folder, hf_llama):
    text = "hi <|eot_id|> there"
    with pytest.raises(SpecialTokenError) as refused:
        tokenizer_from_folder(llama_folder).tokenize(text)
    assert refused.value.token == "<|eot_id|>" and refused.value.position == 3
    assert refused.value.hint.setting == "allow_special"
    allowed = tokenizer_from_folder(llama_folder, allow_special=True).tokenize(text)
    assert allowed.ids.tolist() == hf_llama(text)["input_ids"]
    eot = LLAMA_BOS + LLAMA_SPECIALS.index("<|eot_id|>")
    assert eot in allowed.ids.tolist()
    index = allowed.ids.tolist().index(eot)
    assert allowed.pieces[index] == "<|eot_id|>" and allowed.char_spans[index].tolist() == [3, 13]


def test_encode_decode_and_the_vocabulary(gpt2_folder, llama_folder):
    gpt2 = tokenizer_from_folder(gpt2_folder)
    text = "Hello ち world"
    assert gpt2.decode(gpt2.encode(text)) == text
    assert gpt2.vocab_size == 50257 and gpt2.token_bytes(50256) == b"<|endoftext|>"
    llama = tokenizer_from_folder(llama_folder)
    assert llama.vocab_size == LLAMA_BOS + len(LLAMA_SPECIALS)
    assert llama.tokenize("x").vocab_size == llama.vocab_size
    assert llama.name == llama_folder.name
    with pytest.raises(KeyError):
        llama.token_bytes(llama.vocab_size)


def test_the_registry_loads_a_folder_once(llama_folder):
    assert tokenizer_from_folder(llama_folder) is tokenizer_from_folder(str(llama_folder / "tokenizer.json"))
    assert tokenizer_from_folder(llama_folder) is not tokenizer_from_folder(llama_folder, allow_special=True)
    named = tokenizer_from_folder(llama_folder, name="meta-llama/Llama-3.2-1B")
    assert named.tokenize("x").encoding == "meta-llama/Llama-3.2-1B"


def test_a_folder_without_tokenizer_json_is_a_weights_error(tmp_path):
    with pytest.raises(WeightsError, match="no tokenizer.json"):
        tokenizer_from_folder(tmp_path)
    (tmp_path / "tokenizer.json").write_text("{not json")
    with pytest.raises(WeightsError, match="cannot read"):
        HfTokenizer(tmp_path)


def test_lone_surrogates_are_replaced_with_a_note(gpt2_folder):
    result = tokenizer_from_folder(gpt2_folder).tokenize("a\ud800b")
    assert result.text == "a\ufffdb" and result.notes
    assert result.char_spans[-1, 1] == 3


def test_sentencepiece_style_spans_come_from_the_offsets(tmp_path):
    """A Metaspace BPE with byte fallback (Llama 2, Mistral): `▁` is a space, `<0xNN>` a byte."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    vocab = {"<unk>": 0, "▁": 1, "▁a": 2, "a": 3, "b": 4, "▁b": 5}
    vocab.update({f"<0x{byte:02X}>": 6 + byte for byte in range(256)})
    tokenizer = Tokenizer(models.BPE(vocab, [("▁", "a"), ("▁", "b")], unk_token="<unk>", byte_fallback=True))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(prepend_scheme="first")
    tokenizer.decoder = decoders.Sequence([decoders.Metaspace(), decoders.ByteFallback(), decoders.Fuse()])
    tokenizer.save(str(tmp_path / "tokenizer.json"))
    result = HfTokenizer(tmp_path).tokenize("a ちb")
    assert result.pieces == (" a", " ", "<0xE3>", "<0x81>", "<0xA1>", "b")
    assert result.partial.tolist() == [False, False, True, True, True, False]
    assert result.char_spans.tolist()[2:5] == [[2, 3]] * 3
    assert np.all(np.diff(result.char_spans[:, 1]) >= 0)
