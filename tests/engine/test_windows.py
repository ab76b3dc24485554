"""Sliding-window pairs against the book's figures."""

import numpy as np
import pytest
import torch

from engine.errors import SettingsError
from engine.tokenize.registry import get_tokenizer
from engine.training.windows import make_loader, sliding_windows


@pytest.fixture(scope="module")
def verdict_ids(verdict_text):
    return get_tokenizer("gpt2").encode(verdict_text)


def test_first_two_windows_stride_4(verdict_ids):
    loader = make_loader(verdict_ids, max_length=4, stride=4, batch_size=8, shuffle=False)
    inputs, targets = next(iter(loader))
    assert inputs[:2].tolist() == [[40, 367, 2885, 1464], [1807, 3619, 402, 271]]
    assert torch.equal(targets[:, :-1], inputs[:, 1:])
    assert targets[0].tolist() == [367, 2885, 1464, 1807]
    assert inputs.shape == (8, 4)


def test_first_pair_stride_1(verdict_ids):
    windows = sliding_windows(verdict_ids, max_length=4, stride=1)
    assert windows.inputs[0].tolist() == [40, 367, 2885, 1464]
    assert windows.targets[0].tolist() == [367, 2885, 1464, 1807]
    assert len(windows.inputs) == len(verdict_ids) - 4


@pytest.mark.parametrize(
    ("n", "max_length", "stride"), [(10, 4, 4), (10, 4, 1), (5, 4, 2), (4, 4, 1), (3, 4, 1), (0, 2, 1)]
)
def test_every_target_is_its_input_shifted(n, max_length, stride):
    ids = np.arange(100, 100 + n)
    windows = sliding_windows(ids, max_length, stride)
    for start, x, y in zip(windows.starts, windows.inputs, windows.targets, strict=True):
        assert x.tolist() == ids[start : start + max_length].tolist()
        assert y.tolist() == ids[start + 1 : start + max_length + 1].tolist()
    assert windows.inputs.shape == (len(range(0, max(n - max_length, 0), stride)), max_length)


def test_drop_last_and_shuffle_are_honoured(verdict_ids):
    kept = make_loader(verdict_ids[:50], max_length=4, stride=4, batch_size=5, drop_last=False)
    dropped = make_loader(verdict_ids[:50], max_length=4, stride=4, batch_size=5, drop_last=True)
    assert len(kept.dataset) == 12 and len(kept) == 3 and len(dropped) == 2
    first = [x.tolist() for x, _ in make_loader(verdict_ids, 4, 4, 8, shuffle=True, seed=1)]
    again = [x.tolist() for x, _ in make_loader(verdict_ids, 4, 4, 8, shuffle=True, seed=1)]
    in_order = [x.tolist() for x, _ in make_loader(verdict_ids, 4, 4, 8, shuffle=False)]
    assert first == again and first != in_order


def test_bad_sizes_are_clear_errors():
    with pytest.raises(SettingsError):
        sliding_windows([1, 2, 3], max_length=0, stride=1)
    with pytest.raises(SettingsError):
        make_loader([1, 2, 3], max_length=1, stride=1, batch_size=0)
