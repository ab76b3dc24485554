"""The prediction after a text reads its last `context` tokens, as `transformers` on that window does."""

from __future__ import annotations

import numpy as np
import torch

from engine.nn.device import DeviceInfo
from engine.pipeline.run import run
from engine.pipeline.tail import predict_after
from engine.settings import Settings
from engine.tokenize.registry import get_tokenizer

CPU = DeviceInfo("cpu", "cpu · test device")
SHORT = "The robot lit the lamp so that the boats could find"
LONG = " ".join(["the boats found the harbour in the night, and the robot slept."] * 8)


def test_a_text_that_fits_is_predicted_as_the_pipeline_does(hf_gpt2):
    settings = Settings(weights=str(hf_gpt2[0]))
    tail = predict_after(SHORT, settings, CPU)
    result = run(SHORT, settings, CPU)
    assert (tail.first, tail.last) == (0, result.n_used - 1)
    np.testing.assert_allclose(
        tail.next_token.logits_at(0), result.next_token.logits_at(result.n_used - 1), atol=1e-5
    )


def test_a_long_text_is_predicted_from_its_last_context_tokens(hf_gpt2):
    folder, reference = hf_gpt2
    ids = get_tokenizer("gpt2").encode(LONG)
    context = reference.config.n_positions
    assert len(ids) > context
    tail = predict_after(LONG, Settings(weights=str(folder)), CPU)
    assert (tail.first, tail.last) == (len(ids) - context, len(ids) - 1)
    with torch.no_grad():
        expected = reference(torch.tensor([ids[-context:]])).logits[0, -1].numpy()
    np.testing.assert_allclose(tail.next_token.logits_at(0), expected, atol=1e-4)
    # Tokens drawn but not in the text yet are read after it.
    pending = predict_after(LONG, Settings(weights=str(folder)), CPU, pending=[13])
    with torch.no_grad():
        expected = reference(torch.tensor([(ids + [13])[-context:]])).logits[0, -1].numpy()
    np.testing.assert_allclose(pending.next_token.logits_at(0), expected, atol=1e-4)
