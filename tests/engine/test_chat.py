"""The model's own chat template, rendered and tokenized as `transformers`' `apply_chat_template` does."""

from __future__ import annotations

import json

import pytest

from engine.errors import SpecialTokenError, WeightsError
from engine.tokenize.chat import ChatTemplate, load_chat_template
from engine.tokenize.registry import tokenizer_from_folder
from tests.engine.hf_folders import (
    CHATML_SPECIALS,
    LLAMA_BOS,
    llama_style_folder,
    make_folder,
    reference_tokenizer,
)

pytest.importorskip("transformers")

# Qwen2.5-style ChatML, plus what other templates lean on: whitespace control, a tools branch with
# transformers' tojson, namespace, loop controls, strftime_now, a {% generation %} block, and
# raise_exception on a branch one user message never takes.
CHATML_TEMPLATE = """{%- if tools is not none %}
    {{- '<|im_start|>system\\n# Tools\\n' }}
    {%- for tool in tools %}{{ tool | tojson }}{% endfor %}
{%- else %}
    {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud.<|im_end|>\\n' }}
{%- endif %}
{%- set ns = namespace(users=0) %}
{%- for message in messages %}
    {%- if message['role'] not in ['user', 'assistant', 'system'] %}
        {{- raise_exception('Only user, assistant and system roles are supported!') }}
    {%- endif %}
    {%- set ns.users = ns.users + 1 %}
    {%- if loop.index > 8 %}{% break %}{% endif %}
    {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}
    {%- if message.role == 'assistant' %}{% generation %}{{ message.content }}{% endgeneration %}{% endif %}
{%- endfor %}
{%- if documents is not none %}{{ documents | tojson }}{% endif %}
{# a comment #}
  {% if add_generation_prompt %}
<|im_start|>assistant
{% if strftime_now('%Y') | int < 2000 %}{{ eos_token }}{% endif %}
  {%- endif %}
"""

TEXTS = ["You you", "  hello, world!  ", "line one\nline two\n", "ち 😀 <b>&amp;</b>", ""]


@pytest.fixture(scope="module")
def llama_folder():
    return llama_style_folder()


@pytest.fixture(scope="module")
def chatml_folder(tmp_path_factory):
    eos = {"__type": "AddedToken", "content": "<|im_end|>", "special": True}  # older configs' form
    config = {"eos_token": eos, "chat_template": CHATML_TEMPLATE}
    return make_folder(tmp_path_factory.mktemp("chatml"), "cl100k_base", CHATML_SPECIALS, config=config)


@pytest.fixture(scope="module")
def references(llama_folder, chatml_folder):
    return {folder: reference_tokenizer(folder) for folder in (llama_folder, chatml_folder)}


def _messages(text):
    return [{"role": "user", "content": text}]


@pytest.mark.parametrize("which", ["llama", "chatml"])
@pytest.mark.parametrize("text", TEXTS)
def test_the_template_renders_as_transformers_renders_it(
    which, text, llama_folder, chatml_folder, references
):
    folder = llama_folder if which == "llama" else chatml_folder
    reference = references[folder]
    expected = reference.apply_chat_template(_messages(text), tokenize=False, add_generation_prompt=True)
    assert load_chat_template(folder).render(text) == expected
    ids = reference.apply_chat_template(
        _messages(text), tokenize=True, add_generation_prompt=True, return_dict=False
    )
    result = tokenizer_from_folder(folder, chat=True).tokenize(text)
    assert result.ids.tolist() == list(ids)
    assert result.text == expected


def test_the_template_s_special_tokens_are_tokens(llama_folder):
    result = tokenizer_from_folder(llama_folder, chat=True).tokenize("You you")
    assert result.pieces[:4] == ("<|begin_of_text|>", "<|start_header_id|>", "user", "<|end_header_id|>")
    assert result.ids.tolist().count(LLAMA_BOS) == 1  # the template's BOS, not a second one
    assert result.pieces[-4:] == ("<|start_header_id|>", "assistant", "<|end_header_id|>", "\n\n")
    assert result.text.endswith("<|start_header_id|>assistant<|end_header_id|>\n\n")
    assert result.encoding == f"{llama_folder.name} (chat)"
    start = result.text.index("You you")
    assert result.token_at_char(start) == result.pieces.index("You")


def test_typed_special_tokens_stay_refused(llama_folder, references):
    text = "hi <|eot_id|>"
    with pytest.raises(SpecialTokenError) as refused:
        tokenizer_from_folder(llama_folder, chat=True).tokenize(text)
    assert refused.value.position == 3  # in the user's own text, not in the rendered prompt
    allowed = tokenizer_from_folder(llama_folder, allow_special=True, chat=True).tokenize(text)
    reference = references[llama_folder]
    expected = reference.apply_chat_template(
        _messages(text), tokenize=True, add_generation_prompt=True, return_dict=False
    )
    assert allowed.ids.tolist() == list(expected)


def test_a_base_model_has_no_chat_template(tmp_path):
    from tokenizers import Tokenizer, models

    folder = tmp_path / "base"
    folder.mkdir()
    Tokenizer(models.WordLevel({"<unk>": 0}, unk_token="<unk>")).save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(json.dumps({"eos_token": "<unk>"}))
    assert load_chat_template(folder) is None
    with pytest.raises(WeightsError, match="no chat template"):
        tokenizer_from_folder(folder, chat=True)


def test_chat_template_jinja_wins_and_named_templates_pick_default(tmp_path):
    (tmp_path / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "bos_token": {"__type": "AddedToken", "content": "<s>"},
                "chat_template": [
                    {"name": "default", "template": "{{ bos_token }}D"},
                    {"name": "x", "template": "X"},
                ],
            }
        )
    )
    assert load_chat_template(tmp_path).render("hi") == "<s>D"
    (tmp_path / "chat_template.jinja").write_text("J{{ messages[0].content }}")
    assert load_chat_template(tmp_path).render("hi") == "Jhi"


def test_a_template_that_raises_is_a_weights_error():
    template = ChatTemplate("{{ raise_exception('System role not supported') }}", model="m")
    with pytest.raises(WeightsError, match="System role not supported"):
        template.render("hi")
    with pytest.raises(WeightsError, match="cannot be read"):
        ChatTemplate("{% if %}", model="m").render("hi")


def test_the_sandbox_holds():
    template = ChatTemplate("{{ messages.__class__.__mro__ }}")
    with pytest.raises(Exception, match="unsafe|not safely"):
        template.render("hi")
