"""Model folders for the tokenizer and chat tests, made from the ranks we ship (nothing is downloaded).

`transformers`' `TikTokenConverter` turns a tiktoken ranks table into a `tokenizer.json` (Llama 3's
was made this way). Special tokens are appended right after the last rank, so in the
Llama-3-style folder (cl100k_base's ranks) `<|begin_of_text|>` is 100256; the real Llama 3 pads its
ranks to 128000 first, which is why its BOS is 128000. The ids of ordinary text are cl100k_base's
(`You` 2675, ` you` 499, as the lecture prints).
"""

from __future__ import annotations

import json
import tempfile
from functools import cache
from pathlib import Path

import pytest

from engine.tokenize.bpe import SPECS, read_ranks

LLAMA_SPECIALS = (
    "<|begin_of_text|>",
    "<|end_of_text|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|eot_id|>",
)
LLAMA_BOS = 100256
CHATML_SPECIALS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")

# Meta-Llama-3-8B-Instruct's template, as its tokenizer_config.json ships it.
LLAMA3_TEMPLATE = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = "
    "'<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + "
    "'<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}"
    "{{ content }}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}"
)


@cache
def _base_tokenizer_json(encoding: str) -> str:
    """The converted ranks of `encoding`, no special tokens (converting cl100k_base takes ~2 s)."""
    converter_module = pytest.importorskip("transformers.convert_slow_tokenizer")
    spec = SPECS[encoding]

    class LocalRanks(converter_module.TikTokenConverter):
        def load_tiktoken_bpe(self, tiktoken_url):
            return read_ranks(spec)

    # Oniguruma (tokenizers' regex engine) reads `\p{N}{1,3}+` as "one or more runs of 1-3 digits",
    # not as tiktoken's possessive {1,3}: "0000" would become one word. Llama 3's tokenizer.json
    # writes `\p{N}{1,3}`, which splits as tiktoken does; its `++` and `?+` are possessive in both.
    pattern = spec.pattern.replace("}+", "}")
    return LocalRanks(vocab_file=encoding, pattern=pattern).converted().to_str()


def tokenizer_json(encoding: str, specials: tuple[str, ...], bos: str | None = None) -> str:
    """A tokenizer.json of `encoding`'s ranks plus `specials`; with `bos`, a post-processor that
    starts every text with it (Llama 3's TemplateProcessing)."""
    from tokenizers import AddedToken, Tokenizer, processors

    tokenizer = Tokenizer.from_str(_base_tokenizer_json(encoding))
    tokenizer.add_special_tokens([AddedToken(token, normalized=False, special=True) for token in specials])
    if bos is not None:
        tokenizer.post_processor = processors.Sequence(
            [
                processors.ByteLevel(trim_offsets=False),
                processors.TemplateProcessing(
                    single=f"{bos} $A", special_tokens=[(bos, tokenizer.token_to_id(bos))]
                ),
            ]
        )
    return tokenizer.to_str()


def make_folder(
    folder: Path,
    encoding: str,
    specials: tuple[str, ...],
    bos: str | None = None,
    config: dict | None = None,
) -> Path:
    """A model folder with tokenizer.json and tokenizer_config.json (`config` added to it)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tokenizer.json").write_text(tokenizer_json(encoding, specials, bos), encoding="utf-8")
    tokenizer_config = {"tokenizer_class": "PreTrainedTokenizerFast", **(config or {})}
    (folder / "tokenizer_config.json").write_text(json.dumps(tokenizer_config), encoding="utf-8")
    return folder


# One temporary folder for the session's shared model folders, removed when the interpreter exits.
_SHARED = tempfile.TemporaryDirectory(prefix="llm-tui-hf-folders-")


@cache
def llama_style_folder() -> Path:
    """cl100k_base's ranks behind Llama 3's special tokens, BOS post-processor and chat template
    (made once per session: the tokenizer and chat tests share it)."""
    config = {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>", "chat_template": LLAMA3_TEMPLATE}
    return make_folder(
        Path(_SHARED.name) / "llama-style", "cl100k_base", LLAMA_SPECIALS, "<|begin_of_text|>", config
    )


@cache
def reference_tokenizer(folder: Path):
    """transformers' tokenizer for `folder`, as `AutoTokenizer.from_pretrained` loads it (once)."""
    transformers = pytest.importorskip("transformers")
    return transformers.AutoTokenizer.from_pretrained(folder)
