"""`llm-tui generate`: continue a text with a model, token by token, or draw a next-token histogram."""

from __future__ import annotations

import argparse
import codecs
import dataclasses
import sys

from engine.errors import UserError
from tui.cli.args import read_text, settings_from_args
from tui.cli.output import print_json


def _default_weights(args: argparse.Namespace) -> str:
    """--weights, else the model `llm-tui train` saved, else GPT-2 from the Hugging Face cache."""
    from engine.locations import default_tiny_checkpoint, find_hf_cache_gpt2

    if args.weights:
        return args.weights
    if default_tiny_checkpoint().exists():
        return "tiny"
    if find_hf_cache_gpt2() is not None:
        return "gpt2"
    raise UserError("no model: train one with `llm-tui train`, or pass --weights PATH")


def run(args: argparse.Namespace) -> None:
    import torch

    from engine.nn.device import pick_device
    from engine.pipeline.caches import OpenModel, open_model
    from engine.sampling.distribution import generate
    from engine.tokenize.registry import tokenizer_for

    args.weights = _default_weights(args)
    settings = settings_from_args(args)
    opened = open_model(settings.weights, pick_device(settings.device).name)
    if isinstance(opened, OpenModel):
        loaded, tokenizer = opened, tokenizer_for(settings)  # the model's own tokenizer
    else:
        loaded = opened.loaded
        tokenizer = tokenizer_for(dataclasses.replace(settings, encoding=loaded.encoding))
    prompt = read_text(args)
    ids = tokenizer.encode(prompt)
    if not ids:
        raise UserError("the prompt is empty: give some text to continue")
    if args.histogram is not None:
        from tui.formatting.histogram import histogram_payload, print_histogram

        if not args.json:
            print(f"[{loaded.source}]", file=sys.stderr)
        print_histogram(histogram_payload(loaded, tokenizer, ids, args), args.json)
        return
    if args.max_new_tokens < 1:
        raise UserError("--max-new-tokens must be at least 1")
    model_ids = torch.from_numpy(loaded.to_model_ids(ids)).to(next(loaded.model.parameters()).device)
    stream = generate(
        loaded.model,
        model_ids,
        args.max_new_tokens,
        args.temperature,
        args.top_k,
        args.top_p,
        seed=args.seed,
        suppressed=loaded.suppressed_ids,
    )
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    new_ids: list[int] = []
    if not args.json:
        print(f"[{loaded.source}]", file=sys.stderr)
        sys.stdout.write(prompt)
    for model_id in stream:
        token_id = int(loaded.to_tokenizer_ids([model_id])[0])
        new_ids.append(token_id)
        if not args.json:
            # Bytes of a character split over tokens wait for the rest instead of printing as U+FFFD.
            sys.stdout.write(decoder.decode(tokenizer.token_bytes(token_id)) if token_id >= 0 else "<|unk|>")
            sys.stdout.flush()
    if args.json:
        print_json(
            {
                "model": loaded.source,
                "prompt_ids": ids,
                "ids": new_ids,
                "text": tokenizer.decode([i for i in new_ids if i >= 0]),
            }
        )
    else:
        sys.stdout.write(decoder.decode(b"", final=True) + "\n")
