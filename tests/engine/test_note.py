"""The engine's notes: English strings that keep their template and fields, so the app can say them
in the learner's language; summed across chunks by their template."""

from __future__ import annotations

import pickle

from engine.note import Note, note
from engine.tokenize.registry import get_tokenizer
from engine.tokenize.streaming import TextNotes, safe_chunks, tokenize_chunks


def test_a_note_is_its_english_text_and_keeps_what_it_was_made_from():
    made = note("showing the first {shown} of {total} tokens", shown="1,024", total=2000)
    assert made == "showing the first 1,024 of 2000 tokens"
    assert isinstance(made, str) and isinstance(made, Note)
    assert made.template == "showing the first {shown} of {total} tokens"
    assert dict(made.fields) == {"shown": "1,024", "total": "2000"}
    copied = pickle.loads(pickle.dumps(made))
    assert copied == made and copied.template == made.template and dict(copied.fields) == dict(made.fields)
    # A text with braces in a field survives the round trip (it is rebuilt from its parts).
    braced = note("the first {char} at character {index}", char="'{'", index=3)
    assert pickle.loads(pickle.dumps(braced)) == "the first '{' at character 3"


def test_unknown_words_counted_in_each_chunk_are_summed_into_one_note():
    tokenizer = get_tokenizer("regex-unk")
    blocks = ["zzyzx qqqq "] * 3000  # as a file is read, block by block
    text = "".join(blocks)
    gathered = TextNotes()
    chunks = list(safe_chunks(blocks, chunk_chars=1000))
    assert len(chunks) > 5  # the text really was cut
    for offset, tokens in tokenize_chunks(tokenizer, chunks):
        gathered.add(text[offset : offset + len(tokens.text)], tokens)
    whole = tokenizer.tokenize(text).notes
    assert gathered.notes() == whole == ("6000 unknown word(s) mapped to <|unk|>",)
    (summed,) = gathered.notes()
    assert summed.template == "{count} unknown word(s) mapped to {unk}" and summed.fields["count"] == "6000"
